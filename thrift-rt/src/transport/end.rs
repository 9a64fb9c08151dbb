//! [`ReadEnd`] and [`WriteEnd`]: the two halves of a connection as transports see them.
//!
//! An end point (a socket, a file, an in-memory pipe) or a byte layer over one
//! ([`Layer`](crate::stack::Layer)) is a plain [`io::Read`] / [`io::Write`] plus two
//! optional capabilities: carrying file descriptors with the bytes (Unix sockets only), and
//! telling whether it holds bytes it has read but not yet handed out. Both have defaults, so
//! any reader or writer becomes an end with an empty `impl`:
//!
//! ```
//! use thrift_rt::transport::{ReadEnd, WriteEnd};
//!
//! struct Tape(std::collections::VecDeque<u8>);
//! impl std::io::Read for Tape {
//!     fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
//!         std::io::Read::read(&mut self.0, buf)
//!     }
//! }
//! impl ReadEnd for Tape {}
//! ```

use std::io::{self, Read, Write};

use bytes::BytesMut;
#[cfg(unix)]
use std::os::fd::{AsFd, BorrowedFd};
#[cfg(unix)]
use std::os::unix::net::UnixStream;

use crate::error::Result;
#[cfg(unix)]
use crate::transport::fd::FdInbox;

/// The read half of a connection, below the transport.
pub trait ReadEnd: Read + Send {
    /// One read into `buf` that may also receive descriptors: those that came with the bytes
    /// are added to `inbox` (as owned descriptors, before anything else can fail), whose
    /// size bounds how many can arrive at once. The default is a plain read, for ends that
    /// never receive descriptors.
    ///
    /// # Errors
    ///
    /// I/O errors; [`ControlTruncated`](crate::TransportErrorKind::ControlTruncated) when the
    /// kernel dropped descriptors that did not fit (those that did are closed too).
    #[cfg(unix)]
    fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut FdInbox) -> Result<usize> {
        let _ = inbox;
        read_retrying(self, buf)
    }

    /// Whether bytes already read from below are held here, not yet handed out (a layer's
    /// decoded or decrypted data). Servers ask before parking an idle connection.
    fn holds_bytes(&self) -> bool {
        false
    }

    /// Frees buffers while they hold nothing (a server parking an idle connection).
    fn release_idle_buffer(&mut self) {}

    /// Whether this end hands out bytes it has buffered already (a server's gate), so that
    /// a reader above gains nothing by buffering them again: the framed transport then reads
    /// frames straight from it (whole ones as shared slices: [`take_shared`](Self::take_shared)).
    #[doc(hidden)]
    fn is_buffered(&self) -> bool {
        false
    }

    /// One read of up to `max` bytes appended to `buf`, into its spare capacity, without
    /// zeroing that first; `None` when this end cannot (the caller then reads through
    /// [`Read`]). Sockets can: the kernel writes the bytes straight where they stay, and a
    /// server's gate hands them on as shared [`Bytes`](bytes::Bytes).
    #[doc(hidden)]
    fn read_spare(&mut self, buf: &mut BytesMut, max: usize) -> Option<io::Result<usize>> {
        let _ = (buf, max);
        None
    }

    /// The next `len` bytes as shared [`Bytes`](bytes::Bytes), without a copy, when this end
    /// holds them all already (a server's gate holding a whole message); `None` otherwise,
    /// and nothing is consumed then.
    #[doc(hidden)]
    fn take_shared(&mut self, len: usize) -> Option<bytes::Bytes> {
        let _ = len;
        None
    }
}

/// One `recv` of up to `max` bytes with `flags` into `buf`'s spare capacity (reserved
/// first), retried on `EINTR`; the bytes received become part of `buf`.
#[cfg(unix)]
pub(crate) fn recv_spare(
    fd: BorrowedFd<'_>,
    buf: &mut BytesMut,
    max: usize,
    flags: nix::libc::c_int,
) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    buf.reserve(max);
    let spare = &mut buf.spare_capacity_mut()[..max];
    loop {
        // SAFETY: `recv` writes at most `spare.len()` bytes to the memory it is given, which
        // is `buf`'s own spare capacity, valid for writes of that many bytes.
        let got = unsafe {
            nix::libc::recv(
                fd.as_raw_fd(),
                spare.as_mut_ptr().cast(),
                spare.len(),
                flags,
            )
        };
        if let Ok(n) = usize::try_from(got) {
            // SAFETY: the kernel initialized the first `n` bytes of the spare capacity.
            unsafe { buf.set_len(buf.len() + n) };
            return Ok(n);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// The write half of a connection, below the transport.
pub trait WriteEnd: Write + Send {
    /// Whether descriptors can travel here at all (a Unix socket can; TCP, files and byte
    /// layers cannot).
    fn can_send_fds(&self) -> bool {
        false
    }

    /// Sends all of `bytes`, with `fds` attached to the first byte.
    ///
    /// # Errors
    ///
    /// I/O errors; [`FdUnsupported`](crate::TransportErrorKind::FdUnsupported) when `fds` is
    /// not empty and this end cannot carry them.
    #[cfg(unix)]
    fn send_fds(&mut self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<()> {
        if !fds.is_empty() {
            return Err(super::sink::fd_unsupported());
        }
        Ok(self.write_all(bytes)?)
    }

    /// Whether one `write_vectored` call sends every slice it is given (as far as the end
    /// takes them), in one system call: a message writer then sends large shared values
    /// from where they are ([`Sink::write_bytes`](super::Sink::write_bytes)) instead of
    /// copying them. The default, `false`, suits ends whose `write_vectored` is the standard
    /// library's default (the first slice only) and layers.
    #[doc(hidden)]
    fn writes_vectored(&self) -> bool {
        false
    }
}

/// Writes every byte of `slices`, however many vectored writes it takes.
pub(crate) fn write_all_vectored<W: Write + ?Sized>(
    w: &mut W,
    mut slices: &mut [io::IoSlice<'_>],
) -> io::Result<()> {
    io::IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match w.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => io::IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One `read`, retried on `EINTR`.
pub(crate) fn read_retrying<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> Result<usize> {
    loop {
        match r.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

impl ReadEnd for std::net::TcpStream {
    #[cfg(unix)]
    fn read_spare(&mut self, buf: &mut BytesMut, max: usize) -> Option<io::Result<usize>> {
        Some(recv_spare(self.as_fd(), buf, max, 0))
    }
}
impl WriteEnd for std::net::TcpStream {}
impl ReadEnd for std::fs::File {}
impl WriteEnd for std::fs::File {}
impl ReadEnd for io::Empty {}
impl WriteEnd for io::Sink {}
impl WriteEnd for Vec<u8> {}
impl ReadEnd for io::Cursor<Vec<u8>> {}
impl ReadEnd for io::Cursor<bytes::Bytes> {}
impl ReadEnd for &[u8] {}

impl ReadEnd for &std::net::TcpStream {}
impl WriteEnd for &std::net::TcpStream {}
impl ReadEnd for &std::fs::File {}
impl WriteEnd for &std::fs::File {}

/// A Unix socket, owned or borrowed, carries descriptors.
macro_rules! unix_socket_end {
    ($($ty:ty),*) => {$(
        #[cfg(unix)]
        impl ReadEnd for $ty {
            fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut FdInbox) -> Result<usize> {
                super::fd::recvmsg_fds(self.as_fd(), buf, inbox, 0)
            }

            fn read_spare(&mut self, buf: &mut BytesMut, max: usize) -> Option<io::Result<usize>> {
                Some(recv_spare(self.as_fd(), buf, max, 0))
            }
        }

        #[cfg(unix)]
        impl WriteEnd for $ty {
            fn can_send_fds(&self) -> bool {
                true
            }

            fn send_fds(&mut self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<()> {
                super::fd::sendmsg_fds(self, bytes, fds)
            }
        }
    )*};
}

unix_socket_end!(UnixStream, &UnixStream);

/// Boxes and mutable references are ends when what they point to is.
macro_rules! forward_end {
    ($($ptr:ident),*) => {$(
        forward_end!(@impl $ptr);
    )*};
    (@impl Box) => { forward_end!(@both [R] Box<R>, [W] Box<W>); };
    (@impl RefMut) => { forward_end!(@both [R] &mut R, [W] &mut W); };
    (@both [$r:ident] $rt:ty, [$w:ident] $wt:ty) => {
        impl<$r: ReadEnd + ?Sized> ReadEnd for $rt {
            #[cfg(unix)]
            fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut FdInbox) -> Result<usize> {
                (**self).recv_fds(buf, inbox)
            }

            fn holds_bytes(&self) -> bool {
                (**self).holds_bytes()
            }

            fn release_idle_buffer(&mut self) {
                (**self).release_idle_buffer();
            }

            fn is_buffered(&self) -> bool {
                (**self).is_buffered()
            }

            fn read_spare(&mut self, buf: &mut BytesMut, max: usize) -> Option<io::Result<usize>> {
                (**self).read_spare(buf, max)
            }

            fn take_shared(&mut self, len: usize) -> Option<bytes::Bytes> {
                (**self).take_shared(len)
            }
        }

        impl<$w: WriteEnd + ?Sized> WriteEnd for $wt {
            fn can_send_fds(&self) -> bool {
                (**self).can_send_fds()
            }

            fn writes_vectored(&self) -> bool {
                (**self).writes_vectored()
            }

            #[cfg(unix)]
            fn send_fds(&mut self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<()> {
                (**self).send_fds(bytes, fds)
            }
        }
    };
}

forward_end!(Box, RefMut);
