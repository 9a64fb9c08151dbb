//! [`ClientReadHalf`] and [`ClientWriteHalf`]: a client connection's socket, where the read
//! timeout bounds a whole call, not each read.
//!
//! A socket read timeout restarts with every read, so a server that trickles a valid reply a
//! byte at a time keeps a plain client waiting for as long as it likes. Here sending a call
//! starts a deadline (the socket's read timeout from then on), and every read of its reply,
//! and every further write of the call, waits at most until that deadline; past it, the read
//! fails with `TimedOut`. So a call takes at most its send plus the timeout, whatever the
//! server does.
//!
//! It costs no system call on a call that completes in good time: the socket's timeout is
//! changed only when what is left of the deadline is well below the timeout set on the
//! socket (a call that already waited an eighth of its timeout), and set back when the next
//! call starts. A reply may therefore take up to an eighth of the timeout longer than the
//! deadline, never more.

use std::io::{self, Read, Write};
#[cfg(unix)]
use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::Result;
#[cfg(unix)]
use crate::transport::fd::FdInbox;
use crate::transport::stream::Stream;
use crate::transport::{ReadEnd, WriteEnd};

/// The deadline of the call in flight, shared by the two halves.
#[derive(Debug)]
struct Clock {
    start: Instant,
    /// The timeout the socket had when the connection was opened (`None`: no deadline).
    timeout: Option<Duration>,
    /// The current call's deadline, in nanoseconds after `start`; 0 before the first call.
    deadline: AtomicU64,
}

impl Clock {
    fn start_call(&self) {
        if let Some(timeout) = self.timeout {
            let at = self.start.elapsed() + timeout;
            let nanos = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX).max(1);
            self.deadline.store(nanos, Ordering::Relaxed);
        }
    }

    /// What is left of the call's deadline; `None` without one.
    fn left(&self) -> Option<Duration> {
        let nanos = self.deadline.load(Ordering::Relaxed);
        if nanos == 0 {
            return None;
        }
        Some(Duration::from_nanos(nanos).saturating_sub(self.start.elapsed()))
    }

    /// The socket timeout to use now, or the error when the deadline has passed. `applied`
    /// is the timeout on the socket; the answer differs from it only when that matters.
    fn wanted(&self, applied: Option<Duration>, what: &str) -> io::Result<Option<Duration>> {
        let (Some(timeout), Some(left)) = (self.timeout, self.left()) else {
            return Ok(applied);
        };
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{what} not done within the call timeout of {timeout:?}"),
            ));
        }
        let slack = timeout / 8;
        let current = applied.unwrap_or(timeout);
        let wanted = left.min(timeout);
        Ok(if wanted + slack < current || wanted > current + slack {
            Some(wanted)
        } else {
            applied
        })
    }
}

/// The read half of a client connection (see the module documentation).
#[derive(Debug)]
pub struct ClientReadHalf {
    stream: Stream,
    clock: Arc<Clock>,
    applied: Option<Duration>,
}

/// The write half of a client connection: each message written starts its call's deadline.
#[derive(Debug)]
pub struct ClientWriteHalf {
    stream: Stream,
    clock: Arc<Clock>,
    applied: Option<Duration>,
    /// The next write starts a new call.
    starting: bool,
}

/// Splits a connected stream into the halves of a client connection; its read timeout (as
/// set now) becomes the call timeout.
///
/// # Errors
///
/// When the stream cannot be cloned or its timeouts read.
pub fn split(stream: Stream) -> io::Result<(ClientReadHalf, ClientWriteHalf)> {
    let timeout = stream.read_timeout()?;
    let write_timeout = stream.write_timeout()?;
    let clock = Arc::new(Clock {
        start: Instant::now(),
        timeout,
        deadline: AtomicU64::new(0),
    });
    let out = stream.try_clone()?;
    Ok((
        ClientReadHalf {
            stream,
            clock: Arc::clone(&clock),
            applied: timeout,
        },
        ClientWriteHalf {
            stream: out,
            clock,
            applied: write_timeout,
            starting: true,
        },
    ))
}

impl ClientReadHalf {
    /// The socket.
    pub fn get_ref(&self) -> &Stream {
        &self.stream
    }

    fn prepare(&mut self) -> io::Result<()> {
        let wanted = self.clock.wanted(self.applied, "the reply was")?;
        if wanted != self.applied {
            self.stream.set_read_timeout(wanted)?;
            self.applied = wanted;
        }
        Ok(())
    }
}

impl ClientWriteHalf {
    /// The socket.
    pub fn get_ref(&self) -> &Stream {
        &self.stream
    }

    fn prepare(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.starting) {
            self.clock.start_call();
        }
        let wanted = self.clock.wanted(self.applied, "sending the call was")?;
        if wanted != self.applied {
            self.stream.set_write_timeout(wanted)?;
            self.applied = wanted;
        }
        Ok(())
    }
}

impl Read for ClientReadHalf {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.prepare()?;
        self.stream.read(buf)
    }
}

impl ReadEnd for ClientReadHalf {
    #[cfg(unix)]
    fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut FdInbox) -> Result<usize> {
        self.prepare()?;
        self.stream.recv_fds(buf, inbox)
    }

    fn read_spare(&mut self, buf: &mut bytes::BytesMut, max: usize) -> Option<io::Result<usize>> {
        if let Err(e) = self.prepare() {
            return Some(Err(e));
        }
        self.stream.read_spare(buf, max)
    }
}

impl Write for ClientWriteHalf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.prepare()?;
        self.stream.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.prepare()?;
        self.stream.write_vectored(bufs)
    }

    /// Ends the message: the next write starts the next call.
    fn flush(&mut self) -> io::Result<()> {
        self.starting = true;
        self.stream.flush()
    }
}

impl WriteEnd for ClientWriteHalf {
    fn writes_vectored(&self) -> bool {
        self.stream.writes_vectored()
    }

    fn can_send_fds(&self) -> bool {
        self.stream.can_send_fds()
    }

    #[cfg(unix)]
    fn send_fds(&mut self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<()> {
        self.prepare()?;
        self.stream.send_fds(bytes, fds)
    }
}
