//! Whole messages as the endpoint moves them: [`Outgoing`], the buffer a message is encoded
//! into (with its frame header and descriptors), and [`Incoming`], a message read by the pump
//! (with the descriptors that came with it).

use std::io;
#[cfg(unix)]
use std::os::fd::{BorrowedFd, OwnedFd};

use bytes::Bytes;

use crate::error::Result;
use crate::limits::Limits;
use crate::transport::memory::BytesSource;
use crate::transport::{MessageBuffer, Sink};

/// One message being encoded: its bytes and, over a transport that carries them, the
/// descriptors attached to it. The connection's transport frames it when it is sent (see
/// `Sender`).
#[derive(Debug)]
pub struct Outgoing {
    message: MessageBuffer,
    carries_fds: bool,
}

impl Outgoing {
    pub(crate) fn new(carries_fds: bool, limits: &Limits) -> Self {
        Self {
            message: MessageBuffer::new(0, limits),
            carries_fds,
        }
    }

    /// Whether anything was written.
    pub(crate) fn is_empty(&self) -> bool {
        self.message.is_empty()
    }

    /// The message's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.message.payload()
    }

    /// The descriptors to send with the message.
    #[cfg(unix)]
    pub(crate) fn fds(&self) -> &[OwnedFd] {
        self.message.fds()
    }
}

impl io::Write for Outgoing {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.message.extend(data);
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.message.extend(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for Outgoing {
    fn can_carry_fds(&self) -> bool {
        self.carries_fds
    }

    #[cfg(unix)]
    fn attach_fd(&mut self, fd: BorrowedFd<'_>) -> Result<i32> {
        if !self.carries_fds {
            return Err(crate::transport::sink::fd_unsupported());
        }
        self.message.attach_fd(fd)
    }

    fn discard(&mut self) {
        self.message.clear();
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
    /// A message without descriptors.
    #[cfg(test)]
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
