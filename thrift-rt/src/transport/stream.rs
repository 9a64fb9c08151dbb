//! [`Stream`]: a connected TCP or Unix stream socket behind one type.
//!
//! Servers and the client helpers pick the socket kind at run time; the match on the variant
//! happens once per system call, never per value.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A connected stream socket.
#[derive(Debug)]
pub enum Stream {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix-domain stream connection.
    #[cfg(unix)]
    Unix(UnixStream),
}

macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match $self {
            Stream::Tcp($s) => $e,
            #[cfg(unix)]
            Stream::Unix($s) => $e,
        }
    };
}

impl Stream {
    /// A second handle to the same socket (e.g. one for reading, one for writing).
    ///
    /// # Errors
    ///
    /// Errors from `dup`.
    pub fn try_clone(&self) -> io::Result<Self> {
        Ok(match self {
            Self::Tcp(s) => Self::Tcp(s.try_clone()?),
            #[cfg(unix)]
            Self::Unix(s) => Self::Unix(s.try_clone()?),
        })
    }

    /// Sets the read timeout (`None`: block forever).
    ///
    /// # Errors
    ///
    /// Errors from `setsockopt`; a zero duration is `InvalidInput`.
    pub fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        each!(self, s => s.set_read_timeout(t))
    }

    /// The read timeout (`None`: reads block forever).
    ///
    /// # Errors
    ///
    /// Errors from `getsockopt`.
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        each!(self, s => s.read_timeout())
    }

    /// The write timeout (`None`: writes block forever).
    ///
    /// # Errors
    ///
    /// Errors from `getsockopt`.
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        each!(self, s => s.write_timeout())
    }

    /// Sets the write timeout (`None`: block forever).
    ///
    /// # Errors
    ///
    /// Errors from `setsockopt`; a zero duration is `InvalidInput`.
    pub fn set_write_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        each!(self, s => s.set_write_timeout(t))
    }

    /// Shuts down the read side, the write side or both, for every handle of the socket.
    ///
    /// # Errors
    ///
    /// Errors from `shutdown`, e.g. `NotConnected` after the peer left.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        each!(self, s => s.shutdown(how))
    }

    /// The peer's address, for logs.
    pub fn peer(&self) -> String {
        match self {
            Self::Tcp(s) => s
                .peer_addr()
                .map_or_else(|_| "tcp peer".to_owned(), |a| a.to_string()),
            #[cfg(unix)]
            Self::Unix(_) => "unix peer".to_owned(),
        }
    }
}

impl Read for Stream {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        each!(self, s => s.read(buf))
    }
}

impl super::Sink for Stream {}

impl Write for Stream {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        each!(self, s => s.write(buf))
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        each!(self, s => s.write_all(buf))
    }

    /// One `sendmsg` with `MSG_NOSIGNAL` on Unix: `writev`, which the standard library
    /// uses, cannot take the flag, and a peer gone would raise `SIGPIPE` in a program that
    /// has not ignored it (the standard library's own `write` passes the flag).
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        #[cfg(unix)]
        {
            use nix::sys::socket::{MsgFlags, sendmsg};
            use std::os::fd::{AsFd, AsRawFd};
            let fd = self.as_fd().as_raw_fd();
            loop {
                match sendmsg::<()>(fd, bufs, &[], MsgFlags::MSG_NOSIGNAL, None) {
                    Err(nix::errno::Errno::EINTR) => {}
                    sent => return sent.map_err(io::Error::from),
                }
            }
        }
        #[cfg(not(unix))]
        each!(self, s => s.write_vectored(bufs))
    }

    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        each!(self, s => s.flush())
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for Stream {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        each!(self, s => s.as_fd())
    }
}

impl From<TcpStream> for Stream {
    fn from(s: TcpStream) -> Self {
        Self::Tcp(s)
    }
}

#[cfg(unix)]
impl From<UnixStream> for Stream {
    fn from(s: UnixStream) -> Self {
        Self::Unix(s)
    }
}

impl super::ReadEnd for Stream {
    #[cfg(unix)]
    fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut super::fd::FdInbox) -> crate::Result<usize> {
        match self {
            Stream::Unix(s) => s.recv_fds(buf, inbox),
            Stream::Tcp(s) => super::end::read_retrying(s, buf),
        }
    }

    #[cfg(unix)]
    fn read_spare(&mut self, buf: &mut bytes::BytesMut, max: usize) -> Option<io::Result<usize>> {
        use std::os::fd::AsFd;
        Some(super::end::recv_spare(self.as_fd(), buf, max, 0))
    }
}

impl super::WriteEnd for Stream {
    /// One `sendmsg` of every slice (see `write_vectored`).
    fn writes_vectored(&self) -> bool {
        true
    }

    fn can_send_fds(&self) -> bool {
        #[cfg(unix)]
        return matches!(self, Stream::Unix(_));
        #[cfg(not(unix))]
        false
    }

    #[cfg(unix)]
    fn send_fds(&mut self, bytes: &[u8], fds: &[std::os::fd::BorrowedFd<'_>]) -> crate::Result<()> {
        match self {
            Stream::Unix(s) => s.send_fds(bytes, fds),
            Stream::Tcp(s) => s.send_fds(bytes, fds),
        }
    }
}
