//! [`ReadHalf`]: the read side of a server connection, with an idle timeout, a per-message
//! deadline, and (on the thread-pool server) a short wait after which an idle connection is
//! handed to the poller instead of holding its worker.
//!
//! Between messages a read may wait up to the idle timeout (the socket's read timeout). The
//! first byte of a message starts its deadline: from then on, each read waits at most until
//! the deadline, and a read after it fails with `TimedOut`. So a client that trickles one byte
//! just before each idle timeout still cannot hold a connection longer than the message
//! timeout. The socket timeout is only changed when the wanted timeout differs from the one
//! set, so a message that arrives in one read costs no extra system call.
//!
//! On the thread-pool server the message loop calls [`ReadHalf::next_message`] with a
//! *linger*: the read that waits for the next message then waits at most that long, and if it
//! gives up, [`ReadHalf::gave_up`] says so and the loop parks the connection (see
//! `server::poller`). The read buffer is empty whenever that read happens (the loop only
//! lingers when nothing of a further message is buffered), so nothing is lost.
//!
//! `ReadHalf` is plain data (no shared cells), so a connection's whole state can move between
//! threads.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

#[cfg(unix)]
use crate::transport::fd::FdInbox;
use crate::transport::stream::Stream;
use crate::transport::{ReadEnd, WriteEnd};

/// The read side of a server connection (see the module documentation).
#[derive(Debug)]
pub struct ReadHalf {
    stream: Stream,
    idle: Option<Duration>,
    message: Option<Duration>,
    /// The current message's deadline, from its first byte; cleared between messages.
    deadline: Option<Instant>,
    /// While waiting for the next message: give up after this long (thread-pool server).
    linger: Option<Duration>,
    /// The last read gave up after `linger`.
    gave_up: bool,
    /// When the connection went idle, once it has been parked; cleared by the next byte.
    idle_since: Option<Instant>,
    /// The read timeout set on the socket now.
    applied: Option<Duration>,
    /// Reads return `WouldBlock` instead of waiting (a connection filling its gate).
    nonblocking: bool,
}

impl ReadHalf {
    /// A read half whose socket read timeout is set to `initial` (the idle timeout, or the
    /// linger of a thread-pool server, so the first wait costs no further system call).
    pub(crate) fn new(
        stream: Stream,
        idle: Option<Duration>,
        message: Option<Duration>,
        initial: Option<Duration>,
    ) -> io::Result<Self> {
        stream.set_read_timeout(initial)?;
        Ok(Self {
            stream,
            idle,
            message,
            deadline: None,
            linger: None,
            gave_up: false,
            idle_since: None,
            applied: initial,
            nonblocking: false,
        })
    }

    /// The socket.
    pub(crate) fn stream(&self) -> &Stream {
        &self.stream
    }

    /// Called between messages: ends the previous message's deadline; the wait for the next
    /// message gives up after `linger` when it is `Some` (then [`gave_up`](Self::gave_up)).
    #[inline]
    pub(crate) fn next_message(&mut self, linger: Option<Duration>) {
        self.deadline = None;
        self.linger = linger;
        self.gave_up = false;
    }

    /// Makes reads return `WouldBlock` at once when nothing has arrived (`true`), or wait as
    /// the timeouts say (`false`).
    pub(crate) fn set_nonblocking(&mut self, on: bool) {
        self.nonblocking = on;
    }

    /// For the poller, whose deadline for a parked connection is "idle since + idle
    /// timeout": the "since" that makes that deadline this message's own, for a connection
    /// parked inside a message. Without a message timeout, or without an idle timeout, the
    /// poller's own rule applies.
    pub(crate) fn since_for_message_deadline(&self) -> Instant {
        let now = Instant::now();
        match (self.deadline, self.idle) {
            (Some(deadline), Some(idle)) => deadline.checked_sub(idle).unwrap_or(now),
            _ => now,
        }
    }

    /// Whether the last read gave up waiting for the next message after the linger.
    pub(crate) fn gave_up(&self) -> bool {
        self.gave_up
    }

    /// When the connection went idle: the first call after a message takes it as `waited`
    /// ago; later calls (a connection parked again without a byte in between) keep it.
    pub(crate) fn idle_since(&mut self, waited: Duration) -> Instant {
        *self.idle_since.get_or_insert_with(|| {
            let now = Instant::now();
            now.checked_sub(waited).unwrap_or(now)
        })
    }

    /// Whether a read would return at once (bytes, end of stream or an error), without
    /// consuming anything: one `recv(MSG_PEEK | MSG_DONTWAIT)`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn input_ready(&self) -> bool {
        use nix::errno::Errno;
        use nix::sys::socket::{MsgFlags, recv};
        use std::os::fd::{AsFd, AsRawFd};
        let mut byte = [0u8; 1];
        let flags = MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT;
        loop {
            match recv(self.stream.as_fd().as_raw_fd(), &mut byte, flags) {
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return false,
                // Bytes, the end of the stream, or an error the next read reports.
                Ok(_) | Err(_) => return true,
            }
        }
    }

    /// Elsewhere connections are never parked, so this is never asked.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn input_ready(&self) -> bool {
        true
    }

    /// Applies the idle timeout, the linger or the message deadline to the socket before a
    /// read (see the module documentation).
    fn prepare(&mut self) -> io::Result<()> {
        let wanted = match self.deadline {
            None if self.linger.is_some() => self.linger,
            None => self.idle,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "message not received within the message timeout",
                    ));
                }
                match self.idle {
                    Some(idle) if idle <= left => Some(idle),
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

    /// Bytes arrived: the first byte of a message starts its deadline and ends any linger.
    #[inline]
    fn received(&mut self, n: usize) {
        if n > 0 {
            self.linger = None;
            self.idle_since = None;
            if self.deadline.is_none() {
                if let Some(m) = self.message {
                    self.deadline = Some(Instant::now() + m);
                }
            }
        }
    }

    /// A read failed: was it the linger running out?
    #[cold]
    fn failed(&mut self, timed_out: bool) {
        if timed_out && self.linger.is_some() && self.deadline.is_none() {
            self.gave_up = true;
        }
    }
}

fn is_timeout(kind: io::ErrorKind) -> bool {
    matches!(kind, io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

impl ReadHalf {
    /// One read that returns `WouldBlock` when nothing has arrived.
    #[cfg(unix)]
    fn read_now(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use nix::sys::socket::{MsgFlags, recv};
        use std::os::fd::{AsFd, AsRawFd};
        let fd = self.stream.as_fd().as_raw_fd();
        recv(fd, buf, MsgFlags::MSG_DONTWAIT).map_err(io::Error::from)
    }
}

impl Read for ReadHalf {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.prepare()?;
        #[cfg(unix)]
        let got = if self.nonblocking {
            self.read_now(buf)
        } else {
            self.stream.read(buf)
        };
        #[cfg(not(unix))]
        let got = self.stream.read(buf);
        match got {
            Ok(n) => {
                self.received(n);
                Ok(n)
            }
            Err(e) => {
                self.failed(is_timeout(e.kind()));
                Err(e)
            }
        }
    }
}

impl ReadEnd for ReadHalf {
    #[cfg(unix)]
    fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut FdInbox) -> crate::Result<usize> {
        self.prepare()?;
        let got = if self.nonblocking {
            match &self.stream {
                Stream::Unix(s) => {
                    use std::os::fd::AsFd;
                    crate::transport::fd::recvmsg_fds(
                        s.as_fd(),
                        buf,
                        inbox,
                        nix::libc::MSG_DONTWAIT,
                    )
                }
                Stream::Tcp(_) => self.read_now(buf).map_err(crate::Error::from),
            }
        } else {
            self.stream.recv_fds(buf, inbox)
        };
        match got {
            Ok(n) => {
                self.received(n);
                Ok(n)
            }
            Err(e) => {
                let timed_out = e.transport_kind() == Some(crate::TransportErrorKind::TimedOut);
                self.failed(timed_out);
                Err(e)
            }
        }
    }

    #[cfg(unix)]
    fn read_spare(&mut self, buf: &mut bytes::BytesMut, max: usize) -> Option<io::Result<usize>> {
        use std::os::fd::AsFd;
        if let Err(e) = self.prepare() {
            return Some(Err(e));
        }
        let flags = if self.nonblocking {
            nix::libc::MSG_DONTWAIT
        } else {
            0
        };
        let got = crate::transport::end::recv_spare(self.stream.as_fd(), buf, max, flags);
        match &got {
            Ok(n) => self.received(*n),
            Err(e) => self.failed(is_timeout(e.kind())),
        }
        Some(got)
    }
}

/// The most bytes one `send` is asked to take (see [`WriteHalf`]).
const MAX_SEND: usize = 256 * 1024;

/// The write side of a server connection: the write timeout bounds each whole reply, not
/// each `send`. The deadline starts with a reply's first write and ends with its flush;
/// in between, the socket's send timeout is lowered to what is left, so a client that
/// reads a large reply a little at a time cannot keep the server writing it for longer.
#[derive(Debug)]
pub struct WriteHalf {
    stream: Stream,
    timeout: Option<Duration>,
    /// The current reply's deadline.
    deadline: Option<Instant>,
    /// The send timeout set on the socket now.
    applied: Option<Duration>,
}

impl WriteHalf {
    pub(crate) fn new(stream: Stream, timeout: Option<Duration>) -> io::Result<Self> {
        stream.set_write_timeout(timeout)?;
        Ok(Self {
            stream,
            timeout,
            deadline: None,
            applied: timeout,
        })
    }

    /// Applies the reply's deadline to the socket before a write. A fast reply costs no
    /// system call: the socket keeps the full timeout until a reply outlasts part of it.
    fn prepare(&mut self) -> io::Result<()> {
        let Some(timeout) = self.timeout else {
            return Ok(());
        };
        let now = Instant::now();
        let wanted = match self.deadline {
            None => {
                self.deadline = Some(now + timeout);
                timeout
            }
            Some(deadline) => {
                let left = deadline.saturating_duration_since(now);
                if left.is_zero() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "reply not written within the write timeout",
                    ));
                }
                match self.applied {
                    Some(t) if t <= left => return Ok(()),
                    _ => left,
                }
            }
        };
        if self.applied != Some(wanted) {
            self.stream.set_write_timeout(Some(wanted))?;
            self.applied = Some(wanted);
        }
        Ok(())
    }
}

impl Write for WriteHalf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.prepare()?;
        // A blocking send of a large buffer keeps waiting for room as long as the peer reads
        // a little now and then, whatever the send timeout; sending at most a slice at a time
        // lets the deadline be checked between them.
        let slice = &buf[..buf.len().min(MAX_SEND)];
        self.stream.write(slice)
    }

    /// One `sendmsg` of the slices that fit in a slice's worth (`MAX_SEND`), for the same
    /// reason.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let mut total = 0;
        let fit = bufs
            .iter()
            .take_while(|b| {
                total += b.len();
                total <= MAX_SEND
            })
            .count();
        if fit == 0 {
            return bufs.first().map_or(Ok(0), |first| self.write(first));
        }
        self.prepare()?;
        self.stream.write_vectored(&bufs[..fit])
    }

    /// Ends the reply: the next write starts a new deadline.
    fn flush(&mut self) -> io::Result<()> {
        self.deadline = None;
        self.stream.flush()
    }
}

impl crate::transport::Sink for WriteHalf {}

impl WriteEnd for WriteHalf {
    fn writes_vectored(&self) -> bool {
        true
    }

    fn can_send_fds(&self) -> bool {
        self.stream.can_send_fds()
    }

    #[cfg(unix)]
    fn send_fds(&mut self, bytes: &[u8], fds: &[std::os::fd::BorrowedFd<'_>]) -> crate::Result<()> {
        self.prepare()?;
        // The descriptors go with the first slice; the rest is written slice by slice under
        // the reply's deadline, like any other reply.
        let (first, rest) = bytes.split_at(bytes.len().min(MAX_SEND));
        self.stream.send_fds(first, fds)?;
        self.write_all(rest)?;
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::io::{IoSlice, Read, Write};
    use std::os::unix::net::UnixStream;

    use super::*;

    /// A vectored write takes the slices that fit in one `MAX_SEND` (a first slice larger
    /// than that, capped), and every byte arrives in order.
    #[test]
    fn vectored_writes_stop_at_a_slice_s_worth() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            theirs.read_to_end(&mut all).unwrap();
            all
        });
        let mut w = WriteHalf::new(Stream::from(ours), None).unwrap();
        let (small, large) = (vec![1u8; 10], vec![2u8; MAX_SEND + 100]);
        let half = vec![3u8; MAX_SEND / 2 + 1];
        // Two small ones: both, in one call.
        let n = w
            .write_vectored(&[IoSlice::new(&small), IoSlice::new(&small)])
            .unwrap();
        assert_eq!(n, 20);
        // A first slice over the limit: at most MAX_SEND of it.
        let n = w
            .write_vectored(&[IoSlice::new(&large), IoSlice::new(&small)])
            .unwrap();
        assert!(n <= MAX_SEND, "{n}");
        w.write_all(&large[n..]).unwrap();
        // Two that together exceed it: the first alone.
        let n = w
            .write_vectored(&[IoSlice::new(&half), IoSlice::new(&half)])
            .unwrap();
        assert!(n <= half.len(), "{n}");
        w.write_all(&half[n..]).unwrap();
        drop(w);
        let all = reader.join().unwrap();
        assert_eq!(all, [small.clone(), small, large, half].concat());
    }
}
