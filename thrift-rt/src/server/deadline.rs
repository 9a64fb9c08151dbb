//! [`ReadHalf`]: the read side of a server connection, with an idle timeout and a
//! per-message deadline.
//!
//! Between messages a read may wait up to the idle timeout (the socket's read timeout). The
//! first byte of a message starts its deadline: from then on, each read waits at most until
//! the deadline, and a read after it fails with `TimedOut`. So a client that trickles one byte
//! just before each idle timeout still cannot hold a connection longer than the message
//! timeout. The socket timeout is only changed when the deadline is nearer than the idle
//! timeout, so a fast message costs no extra system calls.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;
use std::time::{Duration, Instant};

#[cfg(unix)]
use crate::transport::fd::RecvFds;
use crate::transport::stream::Stream;

/// The read side of a server connection (see the module documentation).
#[derive(Debug)]
pub struct ReadHalf {
    stream: Stream,
    idle: Option<Duration>,
    message: Option<Duration>,
    /// The current message's deadline; the connection loop clears it between messages.
    deadline: Rc<Cell<Option<Instant>>>,
    /// The read timeout set on the socket now.
    applied: Option<Duration>,
}

impl ReadHalf {
    pub(crate) fn new(
        stream: Stream,
        idle: Option<Duration>,
        message: Option<Duration>,
        deadline: Rc<Cell<Option<Instant>>>,
    ) -> io::Result<Self> {
        stream.set_read_timeout(idle)?;
        Ok(Self {
            stream,
            idle,
            message,
            deadline,
            applied: idle,
        })
    }
}

impl ReadHalf {
    /// Applies the idle timeout or the message deadline to the socket before a read (see
    /// the module documentation).
    fn prepare(&mut self) -> io::Result<()> {
        let wanted = match self.deadline.get() {
            None => self.idle,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "message not received within the message timeout",
                    ));
                }
                match self.applied {
                    Some(t) if t <= left => self.applied,
                    _ => Some(left),
                }
            }
        };
        if wanted != self.applied {
            self.stream.set_read_timeout(wanted)?;
            self.applied = wanted;
        }
        Ok(())
    }

    /// Starts the message deadline with the first byte of a message.
    fn received(&self, n: usize) {
        if n > 0 && self.deadline.get().is_none() {
            if let Some(m) = self.message {
                self.deadline.set(Some(Instant::now() + m));
            }
        }
    }
}

impl Read for ReadHalf {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.prepare()?;
        let n = self.stream.read(buf)?;
        self.received(n);
        Ok(n)
    }
}

#[cfg(unix)]
impl RecvFds for ReadHalf {
    fn recv_fds(
        &mut self,
        buf: &mut [u8],
        control: &mut [u64],
        fds: &mut Vec<std::os::fd::OwnedFd>,
    ) -> crate::Result<usize> {
        self.prepare()?;
        let n = self.stream.recv_fds(buf, control, fds)?;
        self.received(n);
        Ok(n)
    }
}
