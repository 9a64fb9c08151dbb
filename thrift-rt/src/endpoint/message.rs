//! Whole messages as the endpoint moves them: [`Outgoing`], the buffer a message is encoded
//! into (with its frame header and descriptors), and [`Incoming`], a message read by the pump
//! (with the descriptors that came with it).

use std::io;
#[cfg(unix)]
use std::os::fd::{BorrowedFd, OwnedFd};

use bytes::Bytes;

use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::transport::Sink;
use crate::transport::memory::BytesSource;

/// One message being encoded: the frame header's room (framed and fd transports), the
/// bytes, and, over the fd transport, the descriptors attached to it.
#[derive(Debug)]
pub struct Outgoing {
    buf: Vec<u8>,
    header_len: usize,
    #[cfg(unix)]
    fds: Vec<OwnedFd>,
    /// How many descriptors may be attached: 0 when the transport cannot carry any.
    max_fds: usize,
}

impl Outgoing {
    pub(crate) fn new(framed: bool, max_fds: usize) -> Self {
        let header_len = if framed { 4 } else { 0 };
        let mut buf = Vec::with_capacity(256);
        buf.resize(header_len, 0);
        Self {
            buf,
            header_len,
            #[cfg(unix)]
            fds: Vec::new(),
            max_fds,
        }
    }

    /// Whether anything was written after the frame header's room.
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.len() == self.header_len
    }

    /// Fills in the frame header, checking the frame size limit.
    pub(crate) fn finish(&mut self, max_frame_size: usize) -> Result<()> {
        if self.header_len == 0 {
            return Ok(());
        }
        let len = self.buf.len() - self.header_len;
        let len = i32::try_from(len)
            .ok()
            .filter(|&n| n as usize <= max_frame_size)
            .ok_or_else(|| {
                Error::Transport(TransportError::new(
                    TransportErrorKind::FrameTooLarge,
                    format!("a message of {len} bytes exceeds the frame size limit"),
                ))
            })?;
        self.buf[..4].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }

    /// The bytes to send, frame header included.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The descriptors to send with the message.
    #[cfg(unix)]
    pub(crate) fn fds(&self) -> &[OwnedFd] {
        &self.fds
    }
}

impl io::Write for Outgoing {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for Outgoing {
    fn can_carry_fds(&self) -> bool {
        self.max_fds > 0
    }

    #[cfg(unix)]
    fn attach_fd(&mut self, fd: BorrowedFd<'_>) -> Result<i32> {
        if self.max_fds == 0 {
            return Err(crate::transport::sink::fd_unsupported());
        }
        crate::transport::fd::attach(&mut self.fds, self.max_fds, fd)
    }
}

/// A message the pump read whole, with the descriptors that came with it.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) bytes: Bytes,
    #[cfg(unix)]
    pub(crate) fds: Option<crate::transport::fd::ReceivedFds>,
}

impl Incoming {
    /// A message without descriptors (buffered and framed transports).
    pub(crate) fn plain(bytes: Bytes) -> Self {
        Self {
            bytes,
            #[cfg(unix)]
            fds: None,
        }
    }

    /// A source to decode the message from; it owns the descriptors, so whatever the
    /// decoder does not claim is closed with it.
    pub(crate) fn into_source(self) -> BytesSource {
        #[cfg(unix)]
        if let Some(fds) = self.fds {
            return BytesSource::with_fds(self.bytes, fds);
        }
        BytesSource::new(self.bytes)
    }
}
