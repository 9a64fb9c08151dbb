//! Size and depth limits applied while decoding.
//!
//! Every length and count read from the wire is checked against these limits, and against the
//! number of bytes that can still arrive, *before* anything is allocated.

use crate::error::{ProtocolErrorKind, Result, TransportError, protocol_err};
use crate::transport::Source;

/// Decoding limits. The defaults are Apache Thrift's `TConfiguration` defaults.
///
/// ```
/// let limits = thrift_rt::Limits::default().max_depth(16);
/// assert_eq!(limits.max_depth, 16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest message a reader accepts, in bytes (default 100 MiB).
    pub max_message_size: usize,
    /// Largest frame a framed transport accepts, excluding the 4 length bytes (default
    /// 16,384,000).
    pub max_frame_size: usize,
    /// Deepest nesting of structs and containers (default 64).
    pub max_depth: u16,
    /// Longest string or binary, in bytes (default 100 MiB).
    pub max_string_len: usize,
    /// Most elements in one list, set or map (default 100 Mi).
    pub max_container_len: usize,
    /// Most file descriptors one message may carry over the fd transport (default 32; the
    /// kernel's own ceiling is 253). More is an error, and every descriptor is closed.
    pub max_fds: usize,
    /// Largest THeader header (the part between the fixed fields and the payload), in bytes
    /// (default 65,532: the most Apache's C++ reader accepts, 16,383 four-byte words).
    pub max_header_size: usize,
    /// Most key-value info headers one THeader frame may carry (default 1,024).
    pub max_info_headers: usize,
    /// Largest payload a THeader zlib transform may inflate to, in bytes (default: the frame
    /// limit, 16,384,000). Inflating stops there, without allocating past it.
    pub max_inflated_size: usize,
}

impl Limits {
    /// Apache Thrift's default maximum message size: 100 MiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;
    /// Apache Thrift's default maximum frame size.
    pub const DEFAULT_MAX_FRAME_SIZE: usize = 16_384_000;
    /// Apache Thrift's default recursion limit.
    pub const DEFAULT_MAX_DEPTH: u16 = 64;
    /// The default of [`Limits::max_fds`].
    pub const DEFAULT_MAX_FDS: usize = 32;
    /// The default of [`Limits::max_header_size`].
    pub const DEFAULT_MAX_HEADER_SIZE: usize = 16_383 * 4;
    /// The default of [`Limits::max_info_headers`].
    pub const DEFAULT_MAX_INFO_HEADERS: usize = 1024;

    /// Sets [`Limits::max_message_size`].
    #[must_use]
    pub fn max_message_size(mut self, n: usize) -> Self {
        self.max_message_size = n;
        self
    }

    /// Sets [`Limits::max_frame_size`].
    #[must_use]
    pub fn max_frame_size(mut self, n: usize) -> Self {
        self.max_frame_size = n;
        self
    }

    /// Sets [`Limits::max_depth`].
    #[must_use]
    pub fn max_depth(mut self, n: u16) -> Self {
        self.max_depth = n;
        self
    }

    /// Sets [`Limits::max_string_len`].
    #[must_use]
    pub fn max_string_len(mut self, n: usize) -> Self {
        self.max_string_len = n;
        self
    }

    /// Sets [`Limits::max_container_len`].
    #[must_use]
    pub fn max_container_len(mut self, n: usize) -> Self {
        self.max_container_len = n;
        self
    }

    /// Sets [`Limits::max_fds`] (capped at the kernel's 253 by the fd transport).
    #[must_use]
    pub fn max_fds(mut self, n: usize) -> Self {
        self.max_fds = n;
        self
    }

    /// Sets [`Limits::max_header_size`].
    #[must_use]
    pub fn max_header_size(mut self, n: usize) -> Self {
        self.max_header_size = n;
        self
    }

    /// Sets [`Limits::max_info_headers`].
    #[must_use]
    pub fn max_info_headers(mut self, n: usize) -> Self {
        self.max_info_headers = n;
        self
    }

    /// Sets [`Limits::max_inflated_size`].
    #[must_use]
    pub fn max_inflated_size(mut self, n: usize) -> Self {
        self.max_inflated_size = n;
        self
    }

    /// Checks a string/binary length against the limit
    /// ([`SizeLimit`](ProtocolErrorKind::SizeLimit)) and against the bytes the source can still
    /// supply (the source's [`Source::shortfall`] error, normally
    /// [`UnexpectedEof`](crate::TransportErrorKind::UnexpectedEof)).
    #[inline]
    pub(crate) fn check_string_len<S: Source + ?Sized>(&self, len: usize, src: &S) -> Result<()> {
        if len > self.max_string_len {
            return Err(size_err("string", len, self.max_string_len));
        }
        if len > src.remaining() {
            return Err(shortfall(src, len));
        }
        Ok(())
    }

    /// Checks an element count against the limit and against the bytes the source can still
    /// supply, given the smallest encoded size of one element.
    #[inline]
    pub(crate) fn check_container_len<S: Source + ?Sized>(
        &self,
        len: usize,
        min_elem_size: usize,
        src: &S,
    ) -> Result<()> {
        if len > self.max_container_len {
            return Err(size_err("container", len, self.max_container_len));
        }
        let needed = len.saturating_mul(min_elem_size);
        if needed > src.remaining() {
            return Err(shortfall(src, needed));
        }
        Ok(())
    }
}

#[cold]
#[inline(never)]
fn shortfall<S: Source + ?Sized>(src: &S, needed: usize) -> crate::Error {
    TransportError::new(
        src.shortfall(),
        format!("{needed} bytes needed, at most {} remain", src.remaining()),
    )
    .into()
}

#[cold]
#[inline(never)]
fn size_err(what: &str, len: usize, max: usize) -> crate::Error {
    protocol_err(
        ProtocolErrorKind::SizeLimit,
        format!("{what} of {len} exceeds {max}"),
    )
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
            max_frame_size: Self::DEFAULT_MAX_FRAME_SIZE,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_string_len: 100 * 1024 * 1024,
            max_container_len: 100 * 1024 * 1024,
            max_fds: Self::DEFAULT_MAX_FDS,
            max_header_size: Self::DEFAULT_MAX_HEADER_SIZE,
            max_info_headers: Self::DEFAULT_MAX_INFO_HEADERS,
            max_inflated_size: Self::DEFAULT_MAX_FRAME_SIZE,
        }
    }
}
