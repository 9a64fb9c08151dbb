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
//! Over the fd transport the gate reads frame by frame, never past the end of the frame it
//! completes, so that descriptors stay bound to their frame: each arrives with the bytes it
//! came with and is handed to the transport with them, so
//! [`FdFramedReader`](crate::transport::fd::FdFramedReader) judges them as if it read the
//! socket itself (descriptors anywhere but with a frame's first read are an error there).
//!
//! Transports that cannot tell where a message ends without reading it
//! ([`MessageLen::Unknown`]: transports of your own that do not say) and the simple and
//! threaded servers (a thread per connection anyway) leave the gate open: reads pass
//! straight through.
//!
//! [`Transport::message_len`]: crate::stack::Transport::message_len
//! [`MessageLen::Unknown`]: crate::stack::MessageLen::Unknown

use std::collections::VecDeque;
use std::io::{self, Read};
#[cfg(unix)]
use std::os::fd::OwnedFd;

use crate::transport::ReadEnd;
#[cfg(unix)]
use crate::transport::fd::FdInbox;

/// The bytes read at a time while filling the gate.
const CHUNK: usize = 16 * 1024;

/// See the [module documentation](self).
#[derive(Debug)]
pub(crate) struct Gate<R> {
    inner: R,
    /// Bytes read from below: `buf[start..end]` are not handed to the transport yet. `buf`
    /// is storage, zeroed once as it grows and then reused, so a read costs no clearing.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// How many bytes from `start` the transport may read (a whole message).
    open: usize,
    /// Reads pass straight through (no gating).
    through: bool,
    /// The stream below has ended.
    ended: bool,
    /// Frame by frame, with descriptors (the fd transport): `Some(where they arrive)`.
    #[cfg(unix)]
    frames: Option<FdInbox>,
    /// Descriptors received, each with the position in `buf` of the frame they came with.
    #[cfg(unix)]
    fds: VecDeque<(usize, Vec<OwnedFd>)>,
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
    /// A gate over `inner`; `through`: reads pass straight through; `frame_fds`: read frame
    /// by frame, with up to that many descriptors per frame (the fd transport).
    pub(crate) fn new(inner: R, through: bool, frame_fds: Option<usize>) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            open: 0,
            through,
            ended: false,
            #[cfg(unix)]
            frames: frame_fds.map(|max| FdInbox::new(max + 1)),
            #[cfg(unix)]
            fds: VecDeque::new(),
        }
    }

    /// Drops the bytes handed up already, keeping the descriptors' positions right.
    fn compact(&mut self) {
        let removed = self.start;
        if removed == 0 {
            return;
        }
        self.buf.copy_within(removed..self.end, 0);
        self.end -= removed;
        self.start = 0;
        #[cfg(unix)]
        {
            self.fds.retain(|&(at, _)| at >= removed);
            for (at, _) in &mut self.fds {
                *at -= removed;
            }
        }
    }

    /// Over the fd transport: how many more bytes complete the frame being read.
    fn frame_need(&self) -> usize {
        let pending = self.pending();
        let mut at = 0;
        loop {
            let Some(&header) = pending[at..].first_chunk::<4>() else {
                return at + 4 - pending.len();
            };
            // A bad length is the transport's to report: hand it up as it is.
            let len = i32::from_be_bytes(header).max(0) as usize;
            if len == 0 {
                at += 4;
                continue;
            }
            return (at + 4 + len).saturating_sub(pending.len()).max(1);
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
        &self.buf[self.start..self.end]
    }

    /// Makes room for `want` more bytes after the pending ones: `buf[end..end + want]`.
    fn make_room(&mut self, want: usize) {
        if self.buf.len() < self.end + want {
            self.buf.resize(self.end + want, 0);
        }
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

    /// Takes the message let through ([`open`](Self::open)) whole instead of letting the
    /// transport read it: its bytes after the first `skip(message)` (a frame header) are
    /// appended to `into`. Not for the fd transport (its descriptors stay behind).
    pub(crate) fn take_open(&mut self, into: &mut Vec<u8>, skip: impl FnOnce(&[u8]) -> usize) {
        let to = self.start + self.open;
        let skip = skip(&self.buf[self.start..to]);
        into.extend_from_slice(&self.buf[(self.start + skip).min(to)..to]);
        self.start = to;
        self.open = 0;
        if self.start == self.end {
            self.compact();
        }
    }

    /// One read from below into the gate (blocking as the read end is set up to).
    ///
    /// # Errors
    ///
    /// The read's error (`WouldBlock` and `TimedOut` included).
    pub(crate) fn fill(&mut self) -> io::Result<Filled> {
        #[cfg(unix)]
        if self.frames.is_some() {
            return self.fill_frame();
        }
        self.make_room(CHUNK);
        let n = loop {
            match self.inner.read(&mut self.buf[self.end..self.end + CHUNK]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        self.end += n;
        match n {
            0 => {
                self.ended = true;
                Ok(Filled::End)
            }
            _ => Ok(Filled::Bytes),
        }
    }
}

#[cfg(unix)]
impl<R: ReadEnd> Gate<R> {
    /// [`fill`](Self::fill) over the fd transport: reads at most to the end of the frame
    /// being completed, with its descriptors.
    fn fill_frame(&mut self) -> io::Result<Filled> {
        let need = self.frame_need();
        let (at, want) = (self.end, need.min(CHUNK));
        self.make_room(want);
        let inbox = self.frames.as_mut().expect("frame mode");
        let spare = &mut self.buf[at..at + want];
        let got = self.inner.recv_fds(spare, inbox);
        // Descriptors that came with an error are closed here.
        let fds = inbox.take();
        let n = got.map_err(|e| {
            if would_block(&e) {
                io::Error::from(io::ErrorKind::WouldBlock)
            } else {
                io::Error::other(e)
            }
        })?;
        // Kept at the position they arrived at and handed up with that byte: the fd
        // transport's reader then judges them exactly as if it read the socket itself
        // (descriptors inside a frame are an error there). Any that came with no byte are
        // closed with the gate.
        if !fds.is_empty() {
            self.fds.push_back((at, fds));
        }
        self.end += n;
        if n == 0 {
            self.ended = true;
            return Ok(Filled::End);
        }
        Ok(Filled::Bytes)
    }
}

/// Whether `e` is a read that would have had to wait (somewhere down its sources).
#[cfg(unix)]
fn would_block(e: &crate::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::WouldBlock {
                return true;
            }
        }
        cur = err.source();
    }
    false
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
        if self.start == self.end {
            self.compact();
        }
        Ok(n)
    }
}

impl<R: ReadEnd> ReadEnd for Gate<R> {
    /// A gate that holds messages back holds their bytes: reads above it need no buffer.
    fn is_buffered(&self) -> bool {
        !self.through
    }

    #[cfg(unix)]
    fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut FdInbox) -> crate::Result<usize> {
        if self.through {
            return self.inner.recv_fds(buf, inbox);
        }
        // Descriptors go up with the first byte of their frame, and one call never reaches
        // into the next frame that has some.
        let mut limit = buf.len();
        while let Some(&(at, _)) = self.fds.front() {
            if at < self.start {
                // Their frame was handed up without them (cannot happen): drop, closing.
                self.fds.pop_front();
            } else if at == self.start {
                let (_, mine) = self.fds.pop_front().expect("checked");
                inbox.extend(mine);
            } else {
                limit = limit.min(at - self.start);
                break;
            }
        }
        crate::transport::end::read_retrying(self, &mut buf[..limit])
    }

    fn holds_bytes(&self) -> bool {
        !self.pending().is_empty() || self.inner.holds_bytes()
    }

    /// Frees the buffer while it holds nothing; a connection parked inside a message keeps
    /// only the bytes of it that arrived.
    fn release_idle_buffer(&mut self) {
        self.compact();
        self.buf.truncate(self.end);
        self.buf.shrink_to_fit();
        self.inner.release_idle_buffer();
    }
}
