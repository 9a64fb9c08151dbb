//! [`Gate`]: holds a connection's bytes back from the transport until a whole message has
//! arrived, so that a thread-pool worker never waits inside a message.
//!
//! The gate sits between the transport and the layers (so it sees the bytes the transport
//! would see). The connection loop fills it ([`Gate::fill`]) and asks the transport whether
//! what arrived holds a whole message ([`Transport::message_len`]); only then does it let the
//! transport read ([`Gate::open`]), exactly that message's bytes, which are all there: the
//! decoder never waits for the network. A connection whose message is still partial when
//! its bytes stop coming is parked with the poller, its bytes kept here, and resumed when
//! more arrive. A client that sends part of a message and stalls costs the server its bytes
//! and a parked connection, never a worker.
//!
//! Transports that cannot tell where a message ends without reading it
//! ([`MessageLen::Unknown`]: the fd transport, whose descriptors must be read with exactly
//! their frame, and transports of your own that do not say) and the simple and threaded
//! servers (a thread per connection anyway) leave the gate open: reads pass straight through.
//!
//! [`Transport::message_len`]: crate::stack::Transport::message_len
//! [`MessageLen::Unknown`]: crate::stack::MessageLen::Unknown

use std::io::{self, Read};

use crate::transport::ReadEnd;

/// The bytes read at a time while filling the gate.
const CHUNK: usize = 16 * 1024;

/// See the [module documentation](self).
#[derive(Debug)]
pub(crate) struct Gate<R> {
    inner: R,
    /// Bytes read from below: `buf[start..]` are not handed to the transport yet.
    buf: Vec<u8>,
    start: usize,
    /// How many bytes from `start` the transport may read (a whole message).
    open: usize,
    /// Reads pass straight through (no gating).
    through: bool,
    /// The stream below has ended.
    ended: bool,
}

/// What one [`Gate::fill`] got.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Filled {
    /// Bytes arrived.
    Bytes,
    /// The stream ended.
    End,
}

impl<R: ReadEnd> Gate<R> {
    pub(crate) fn new(inner: R, through: bool) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            start: 0,
            open: 0,
            through,
            ended: false,
        }
    }

    pub(crate) fn get_ref(&self) -> &R {
        &self.inner
    }

    pub(crate) fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Whether reads pass straight through.
    pub(crate) fn is_through(&self) -> bool {
        self.through
    }

    /// The bytes that arrived and are not handed to the transport yet.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Whether the transport may read a whole message now.
    pub(crate) fn is_open(&self) -> bool {
        self.open > 0
    }

    /// Whether the stream below ended (the transport then sees the end after what is left).
    pub(crate) fn has_ended(&self) -> bool {
        self.ended
    }

    /// Lets the transport read the next `len` bytes: a whole message.
    pub(crate) fn open(&mut self, len: usize) {
        debug_assert!(len <= self.pending().len());
        self.open = len;
    }

    /// One read from below into the gate (blocking as the read end is set up to).
    ///
    /// # Errors
    ///
    /// The read's error (`WouldBlock` and `TimedOut` included).
    pub(crate) fn fill(&mut self) -> io::Result<Filled> {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + CHUNK, 0);
        let got = loop {
            match self.inner.read(&mut self.buf[old..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        self.buf.truncate(old + *got.as_ref().unwrap_or(&0));
        match got? {
            0 => {
                self.ended = true;
                Ok(Filled::End)
            }
            _ => Ok(Filled::Bytes),
        }
    }
}

impl<R: ReadEnd> Read for Gate<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.through {
            return self.inner.read(out);
        }
        if self.open == 0 {
            // The connection loop opens the gate before the transport reads; reading past a
            // message (a protocol that looks ahead) or after the stream ended sees its end.
            return Ok(0);
        }
        let n = out.len().min(self.open);
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        self.open -= n;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Ok(n)
    }
}

impl<R: ReadEnd> ReadEnd for Gate<R> {
    #[cfg(unix)]
    fn recv_fds(
        &mut self,
        buf: &mut [u8],
        control: &mut [u64],
        fds: &mut Vec<std::os::fd::OwnedFd>,
    ) -> crate::Result<usize> {
        if self.through {
            return self.inner.recv_fds(buf, control, fds);
        }
        crate::transport::end::read_retrying(self, buf)
    }

    fn holds_bytes(&self) -> bool {
        !self.pending().is_empty() || self.inner.holds_bytes()
    }

    /// Frees the buffer while it holds nothing; a connection parked inside a message keeps
    /// only the bytes of it that arrived.
    fn release_idle_buffer(&mut self) {
        if self.pending().is_empty() {
            self.buf = Vec::new();
        } else {
            self.buf.drain(..self.start);
            self.buf.shrink_to_fit();
        }
        self.start = 0;
        self.inner.release_idle_buffer();
    }
}
