//! Transports: where protocol bytes come from and go to.
//!
//! Writing goes through [`Sink`], an [`std::io::Write`] that may also carry file descriptors:
//! protocol writers take any `W: Sink` (a `Vec<u8>`, a [`FramedWriter`], a
//! `BufWriter<TcpStream>`, ...; a plain `Write` type becomes a sink with an empty `impl`).
//!
//! Reading goes through [`Source`], a buffered-reader trait that lets protocol readers decode
//! straight out of the buffer. Sources over memory (`&[u8]`, [`BytesSource`],
//! [`MemoryBuffer`], a [`FramedReader`]'s current
//! frame) hand out strings and binaries without copying; sources over streams
//! ([`BufferedReader`]) refill from any [`std::io::Read`].
//!
//! Every source also reports [`Source::remaining`], an upper bound on how many bytes the current
//! message can still supply, which readers use to refuse lengths and counts that cannot be real
//! before allocating anything.

use bytes::Bytes;

use crate::error::{Result, eof};

/// The [`Source`] methods of a reader that holds one whole message at a time as
/// `frame[pos..]` (the framed, fd and HTTP transports).
macro_rules! frame_cursor_methods {
    () => {
        #[inline]
        fn buffered(&self) -> &[u8] {
            &self.frame[self.pos..]
        }

        #[inline]
        fn consume(&mut self, n: usize) {
            debug_assert!(self.pos + n <= self.frame.len());
            self.pos += n;
        }

        #[inline]
        fn remaining(&self) -> usize {
            self.frame.len() - self.pos
        }

        fn frames_messages(&self) -> bool {
            true
        }
    };
}

/// The [`Source`] methods of a reader whose messages come in frames (framed and fd
/// transports): the current frame is `frame[pos..]`, and `next_frame()` reads the next one.
macro_rules! frame_source_methods {
    () => {
        frame_cursor_methods!();

        fn fill_buf(&mut self) -> Result<bool> {
            while self.pos >= self.frame.len() {
                if !self.next_frame()? {
                    return Ok(false);
                }
            }
            Ok(true)
        }

        fn read_slice<'s>(&'s mut self, n: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
            if self.remaining() >= n {
                let start = self.pos;
                self.pos += n;
                return Ok(&self.frame[start..start + n]);
            }
            super::read_into_scratch(self, n, scratch)
        }

        /// Shares the frame: no copy (a value running past the frame, which a well-formed
        /// message never has, is copied as by any source).
        fn read_bytes(&mut self, n: usize) -> Result<bytes::Bytes> {
            if self.remaining() < n {
                let mut scratch = Vec::new();
                let copied = self.read_slice(n, &mut scratch)?;
                return Ok(bytes::Bytes::copy_from_slice(copied));
            }
            let bytes = self.frame.slice(self.pos..self.pos + n);
            self.pos += n;
            Ok(bytes)
        }

        fn take_frame(&mut self) -> Result<Option<bytes::Bytes>> {
            if !self.next_frame()? {
                return Ok(None);
            }
            self.pos = 0;
            Ok(Some(std::mem::take(&mut self.frame).into()))
        }
    };
}

pub mod buffered;
pub mod end;
#[cfg(unix)]
pub mod fd;
pub mod file;
pub mod framed;
pub mod header;
#[cfg(feature = "http")]
pub mod http;
pub mod memory;
pub mod message;
pub mod pipe;
pub mod sink;
pub mod socket;
pub(crate) mod spare;
pub mod stream;
#[cfg(unix)]
pub mod unix;

pub use buffered::{BufferedReader, BufferedWriter};
pub use end::{ReadEnd, WriteEnd};
#[cfg(unix)]
pub use fd::FdInbox;
pub use framed::{FramedReader, FramedWriter};
pub use memory::{BytesSource, MemoryBuffer};
pub use message::{Framing, MessageBuffer, MessageWriter};
pub use pipe::{PipeReader, PipeWriter, pipe};
pub use sink::Sink;
pub use stream::Stream;

/// A buffered byte source for protocol readers.
///
/// Implementors provide a window of buffered bytes ([`buffered`](Source::buffered)), a way to
/// consume from it and a way to refill it. Everything else has a provided implementation tuned
/// for the case where the bytes are already in the buffer.
pub trait Source {
    /// The bytes buffered right now, without doing I/O. May be empty.
    fn buffered(&self) -> &[u8];

    /// Marks the first `n` buffered bytes as read.
    ///
    /// `n` must not exceed `self.buffered().len()`.
    fn consume(&mut self, n: usize);

    /// Makes at least one more byte available unless the input has ended.
    ///
    /// Returns `Ok(false)` at the end of input, `Ok(true)` when
    /// [`buffered`](Source::buffered) is non-empty.
    ///
    /// # Errors
    ///
    /// I/O errors, or a limit on the message size being reached.
    fn fill_buf(&mut self) -> Result<bool>;

    /// An upper bound on the bytes the current message can still supply.
    fn remaining(&self) -> usize;

    /// Reads `n` bytes, borrowing them from the buffer when they are contiguous there and
    /// copying them into `scratch` otherwise.
    ///
    /// # Errors
    ///
    /// [`UnexpectedEof`](crate::TransportErrorKind::UnexpectedEof) if fewer than `n` bytes arrive.
    fn read_slice<'s>(&'s mut self, n: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]>;

    /// The error kind for a length that exceeds [`remaining`](Source::remaining):
    /// [`UnexpectedEof`](crate::TransportErrorKind::UnexpectedEof) for sources whose end is
    /// known, [`MessageTooLarge`](crate::TransportErrorKind::MessageTooLarge) for streams with a
    /// byte budget.
    fn shortfall(&self) -> crate::TransportErrorKind {
        crate::TransportErrorKind::UnexpectedEof
    }

    /// Tells the source a new message starts, resetting any per-message byte budget.
    fn begin_message(&mut self) {}

    /// Whether bytes beyond those consumed are held here or in the layers below (a client
    /// pipelining its next message). Servers ask before parking an idle connection.
    fn holds_bytes(&self) -> bool {
        !self.buffered().is_empty()
    }

    /// Frees buffers while they hold nothing (a server parking an idle connection); the next
    /// read allocates them again.
    fn release_idle_buffer(&mut self) {}

    /// Takes the descriptor at `index` in the list that arrived with the current message
    /// (the IDL type `fd` travels as that index). Each index can be taken once.
    ///
    /// # Errors
    ///
    /// [`FdUnsupported`](crate::TransportErrorKind::FdUnsupported) for sources that never
    /// receive descriptors; a [`Descriptors`](crate::ProtocolErrorKind::Descriptors) protocol
    /// error for an index beyond those received or one already taken.
    #[cfg(unix)]
    fn take_fd(&mut self, index: i32) -> Result<std::os::fd::OwnedFd> {
        let _ = index;
        Err(sink::fd_unsupported())
    }

    /// Tells the source the current message has been read (from
    /// [`ProtocolReader::read_message_end`](crate::ProtocolReader::read_message_end)).
    /// Sources that receive descriptors close any the message did not claim and report them.
    ///
    /// # Errors
    ///
    /// A [`Descriptors`](crate::ProtocolErrorKind::Descriptors) protocol error for
    /// descriptors the message did not claim (they are closed).
    fn end_message(&mut self) -> Result<()> {
        Ok(())
    }

    /// Whether each message arrives in a frame of its own, so that
    /// [`take_frame`](Source::take_frame) can read it whole without decoding it.
    fn frames_messages(&self) -> bool {
        false
    }

    /// Reads the next frame and takes all of it (what is left of the current one is
    /// dropped), for a reader that hands whole messages to other threads; `Ok(None)` when
    /// the stream ended cleanly between frames. Only for sources whose
    /// [`frames_messages`](Source::frames_messages) is true; the others fail.
    ///
    /// # Errors
    ///
    /// The frame errors of the transport; an I/O error for sources that do not frame
    /// messages.
    fn take_frame(&mut self) -> Result<Option<Bytes>> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "this source does not frame messages",
        )
        .into())
    }

    /// Takes every descriptor that arrived with the current message and is not claimed yet,
    /// for a reader that hands the message to another thread to decode (channel endpoints);
    /// `None` for sources that never receive descriptors.
    #[cfg(unix)]
    fn take_received_fds(&mut self) -> Option<fd::ReceivedFds> {
        None
    }

    /// The payload protocol the current message's frame names (THeader frames, and the
    /// protocol a THeader reader detected for a legacy client); `None` for transports whose
    /// frames name none. [`HeaderProtocol`](crate::stack::HeaderProtocol) follows it.
    fn payload_protocol(&self) -> Option<header::PayloadProtocol> {
        None
    }

    /// The key-value info headers that came with the current message (THeader frames);
    /// servers make them [`header::current`](crate::header::current) while the call is
    /// handled.
    fn info_headers(&self) -> Option<std::sync::Arc<crate::header::InfoHeaders>> {
        None
    }

    /// Reads `n` bytes as [`Bytes`]; sources backed by `Bytes` return a slice without copying.
    ///
    /// # Errors
    ///
    /// [`UnexpectedEof`](crate::TransportErrorKind::UnexpectedEof) if fewer than `n` bytes arrive.
    fn read_bytes(&mut self, n: usize) -> Result<Bytes> {
        let mut scratch = Vec::new();
        let s = self.read_slice(n, &mut scratch)?;
        Ok(Bytes::copy_from_slice(s))
    }

    /// Reads one byte.
    ///
    /// # Errors
    ///
    /// [`UnexpectedEof`](crate::TransportErrorKind::UnexpectedEof) at end of input.
    #[inline]
    fn read_u8(&mut self) -> Result<u8> {
        if let Some(&b) = self.buffered().first() {
            self.consume(1);
            return Ok(b);
        }
        read_u8_slow(self)
    }

    /// Peeks at the next byte without consuming it; `None` at end of input.
    ///
    /// # Errors
    ///
    /// I/O errors while refilling.
    #[inline]
    fn peek_u8(&mut self) -> Result<Option<u8>> {
        if let Some(&b) = self.buffered().first() {
            return Ok(Some(b));
        }
        if self.fill_buf()? {
            Ok(self.buffered().first().copied())
        } else {
            Ok(None)
        }
    }

    /// Reads exactly `N` bytes into an array.
    ///
    /// # Errors
    ///
    /// [`UnexpectedEof`](crate::TransportErrorKind::UnexpectedEof) if fewer than `N` bytes arrive.
    #[inline]
    fn take_array<const N: usize>(&mut self) -> Result<[u8; N]>
    where
        Self: Sized,
    {
        let buf = self.buffered();
        if buf.len() >= N {
            let mut out = [0u8; N];
            out.copy_from_slice(&buf[..N]);
            self.consume(N);
            return Ok(out);
        }
        let mut out = [0u8; N];
        read_exact_slow(self, &mut out)?;
        Ok(out)
    }

    /// Fills `out` completely.
    ///
    /// # Errors
    ///
    /// [`UnexpectedEof`](crate::TransportErrorKind::UnexpectedEof) if the input ends first.
    #[inline]
    fn take_exact(&mut self, out: &mut [u8]) -> Result<()> {
        let buf = self.buffered();
        if buf.len() >= out.len() {
            out.copy_from_slice(&buf[..out.len()]);
            self.consume(out.len());
            return Ok(());
        }
        read_exact_slow(self, out)
    }
}

#[cold]
fn read_u8_slow<S: Source + ?Sized>(src: &mut S) -> Result<u8> {
    if !src.fill_buf()? {
        return Err(eof());
    }
    let b = src.buffered()[0];
    src.consume(1);
    Ok(b)
}

/// Fills `out` by repeatedly refilling `src`.
pub(crate) fn read_exact_slow<S: Source + ?Sized>(src: &mut S, out: &mut [u8]) -> Result<()> {
    let mut done = 0;
    while done < out.len() {
        if src.buffered().is_empty() && !src.fill_buf()? {
            return Err(eof());
        }
        let buf = src.buffered();
        let n = buf.len().min(out.len() - done);
        out[done..done + n].copy_from_slice(&buf[..n]);
        src.consume(n);
        done += n;
    }
    Ok(())
}

/// Copies `n` bytes into `scratch`, growing it as the bytes actually arrive (so a lying length
/// costs at most what was really sent), and returns them.
pub(crate) fn read_into_scratch<'s, S: Source + ?Sized>(
    src: &mut S,
    n: usize,
    scratch: &'s mut Vec<u8>,
) -> Result<&'s [u8]> {
    scratch.clear();
    while scratch.len() < n {
        if src.buffered().is_empty() && !src.fill_buf()? {
            return Err(eof());
        }
        let buf = src.buffered();
        let take = buf.len().min(n - scratch.len());
        scratch.extend_from_slice(&buf[..take]);
        src.consume(take);
    }
    Ok(&scratch[..])
}

impl<'a> Source for &'a [u8] {
    #[inline]
    fn buffered(&self) -> &[u8] {
        self
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        *self = &self[n..];
    }

    #[inline]
    fn fill_buf(&mut self) -> Result<bool> {
        Ok(!self.is_empty())
    }

    #[inline]
    fn remaining(&self) -> usize {
        self.len()
    }

    #[inline]
    fn read_slice<'s>(&'s mut self, n: usize, _scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
        if self.len() < n {
            *self = &self[self.len()..];
            return Err(eof());
        }
        let all: &'a [u8] = self;
        let (head, tail) = all.split_at(n);
        *self = tail;
        Ok(head)
    }
}

impl<S: Source + ?Sized> Source for &mut S {
    #[inline]
    fn buffered(&self) -> &[u8] {
        (**self).buffered()
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        (**self).consume(n);
    }

    #[inline]
    fn fill_buf(&mut self) -> Result<bool> {
        (**self).fill_buf()
    }

    #[inline]
    fn remaining(&self) -> usize {
        (**self).remaining()
    }

    #[inline]
    fn read_slice<'s>(&'s mut self, n: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
        (**self).read_slice(n, scratch)
    }

    fn begin_message(&mut self) {
        (**self).begin_message();
    }

    fn holds_bytes(&self) -> bool {
        (**self).holds_bytes()
    }

    fn release_idle_buffer(&mut self) {
        (**self).release_idle_buffer();
    }

    fn shortfall(&self) -> crate::TransportErrorKind {
        (**self).shortfall()
    }

    fn read_bytes(&mut self, n: usize) -> Result<Bytes> {
        (**self).read_bytes(n)
    }

    #[cfg(unix)]
    fn take_fd(&mut self, index: i32) -> Result<std::os::fd::OwnedFd> {
        (**self).take_fd(index)
    }

    fn end_message(&mut self) -> Result<()> {
        (**self).end_message()
    }

    #[cfg(unix)]
    fn take_received_fds(&mut self) -> Option<fd::ReceivedFds> {
        (**self).take_received_fds()
    }

    fn frames_messages(&self) -> bool {
        (**self).frames_messages()
    }

    fn take_frame(&mut self) -> Result<Option<Bytes>> {
        (**self).take_frame()
    }

    fn payload_protocol(&self) -> Option<header::PayloadProtocol> {
        (**self).payload_protocol()
    }

    fn info_headers(&self) -> Option<std::sync::Arc<crate::header::InfoHeaders>> {
        (**self).info_headers()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TransportErrorKind;

    #[test]
    fn slice_source_reads_and_reports_eof() {
        let mut src: &[u8] = &[1, 2, 3, 4, 5];
        assert_eq!(src.read_u8().unwrap(), 1);
        assert_eq!(src.take_array::<2>().unwrap(), [2, 3]);
        assert_eq!(src.remaining(), 2);
        let mut scratch = Vec::new();
        let err = src.read_slice(3, &mut scratch).unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
        let err = src.take_array::<1>().unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
    }
}
