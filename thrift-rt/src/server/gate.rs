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

use bytes::{Buf, Bytes, BytesMut};
#[cfg(unix)]
use std::os::fd::OwnedFd;

use crate::transport::ReadEnd;
#[cfg(unix)]
use crate::transport::fd::FdInbox;

/// The bytes read at a time while filling the gate.
const CHUNK: usize = 16 * 1024;

/// Once more than this was pending (a large message), the messages after it get storage of
/// ordinary size again: each message handed on is a slice of the buffer's allocation, and a
/// small one a handler keeps would otherwise keep the large allocation alive.
const LARGE: usize = 4 * CHUNK;

/// See the [module documentation](self).
#[derive(Debug)]
pub(crate) struct Gate<R> {
    inner: R,
    /// Bytes read from below: `buf[start..]` are not handed to the transport yet. Messages
    /// taken whole ([`ReadEnd::take_shared`]) leave as slices of it, so a frame reaches the
    /// handler without a copy; the storage is used again once nothing shares it.
    buf: BytesMut,
    start: usize,
    /// Where ends that cannot read into `buf`'s spare capacity ([`ReadEnd::read_spare`])
    /// read, zeroed once.
    scratch: Vec<u8>,
    /// More than [`LARGE`] bytes were pending since the buffer was last made anew.
    large: bool,
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
            buf: BytesMut::new(),
            start: 0,
            scratch: Vec::new(),
            large: false,
            open: 0,
            through,
            ended: false,
            #[cfg(unix)]
            frames: frame_fds.map(|max| FdInbox::new(max + 1)),
            #[cfg(unix)]
            fds: VecDeque::new(),
        }
    }

    /// Drops the bytes handed up already (no copy: once all are, the buffer is simply
    /// emptied; otherwise its view moves past them), keeping the descriptors' positions
    /// right.
    #[inline]
    fn compact(&mut self) {
        let removed = self.start;
        if removed > 0 {
            if removed == self.buf.len() {
                self.buf.clear();
            } else {
                self.buf.advance(removed);
            }
            self.start = 0;
            #[cfg(unix)]
            if !self.fds.is_empty() {
                self.fds.retain(|&(at, _)| at >= removed);
                for (at, _) in &mut self.fds {
                    *at -= removed;
                }
            }
        }
        if self.large && self.buf.len() <= CHUNK {
            // Past the large message: what is pending moves to storage of its own size.
            self.buf = BytesMut::from(&self.buf[..]);
            self.large = false;
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

    /// Takes the message let through ([`open`](Self::open)) whole instead of letting the
    /// transport read it: its bytes after the first `skip(message)` (a frame header), as a
    /// slice of the gate's buffer, not a copy. Not for the fd transport (its descriptors
    /// stay behind).
    pub(crate) fn take_open(&mut self, skip: impl FnOnce(&[u8]) -> usize) -> Bytes {
        let len = self.open;
        let skip = skip(&self.buf[self.start..self.start + len]).min(len);
        self.split_open(skip, len)
    }

    /// The next `len` bytes let through, but their first `skip`, as a slice of the buffer
    /// (which from then on starts after them).
    fn split_open(&mut self, skip: usize, len: usize) -> Bytes {
        debug_assert!(skip <= len && len <= self.open);
        let mut message = self.buf.split_to(self.start + len);
        message.advance(self.start + skip);
        self.start = 0;
        self.open -= len;
        message.freeze()
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
        self.compact();
        let n = match self.inner.read_spare(&mut self.buf, CHUNK) {
            Some(got) => got?,
            None => {
                if self.scratch.is_empty() {
                    self.scratch = vec![0; CHUNK];
                }
                let n = loop {
                    match self.inner.read(&mut self.scratch) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other?,
                    }
                };
                self.buf.extend_from_slice(&self.scratch[..n]);
                n
            }
        };
        self.large |= self.buf.len() > LARGE;
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
        self.compact();
        let (at, want) = (self.buf.len(), need.min(CHUNK));
        // Zeroed room for exactly what completes the frame, cut back to what arrived below.
        self.buf.resize(at + want, 0);
        let inbox = self.frames.as_mut().expect("frame mode");
        let got = self.inner.recv_fds(&mut self.buf[at..], inbox);
        self.buf.truncate(at + *got.as_ref().unwrap_or(&0));
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
        if self.start == self.buf.len() {
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
        // Only the bytes that arrived stay, in storage of their size.
        self.buf = BytesMut::from(&self.buf[..]);
        self.scratch = Vec::new();
        self.inner.release_idle_buffer();
    }

    /// The message let through, when the transport asks for all of it at once: a slice of
    /// the gate's buffer, shared, not copied. Not over the fd transport, whose descriptors
    /// go up with the bytes they came with.
    fn take_shared(&mut self, len: usize) -> Option<Bytes> {
        #[cfg(unix)]
        if self.frames.is_some() {
            return None;
        }
        if self.through || len > self.open {
            return None;
        }
        Some(self.split_open(0, len))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    use super::*;

    /// A gate over one end of a socket pair, and the other end to write to.
    fn socket_gate() -> (Gate<UnixStream>, UnixStream) {
        let (ours, theirs) = UnixStream::pair().unwrap();
        (Gate::new(ours, false, None), theirs)
    }

    /// Fills until `len` bytes are pending.
    fn fill_to<R: ReadEnd>(gate: &mut Gate<R>, len: usize) {
        while gate.pending().len() < len {
            assert_eq!(gate.fill().unwrap(), Filled::Bytes);
        }
    }

    #[test]
    fn messages_leave_as_slices_of_the_buffer_which_serves_again_once_free() {
        let (mut gate, mut peer) = socket_gate();
        peer.write_all(b"first|second").unwrap();
        fill_to(&mut gate, 12);
        gate.open(6);
        let first = gate.take_shared(6).expect("the whole message is held");
        gate.open(6);
        let second = gate.take_shared(6).expect("the whole message is held");
        assert_eq!((&first[..], &second[..]), (&b"first|"[..], &b"second"[..]));
        // Both are views of the bytes as the socket delivered them: nothing was copied.
        assert_eq!(second.as_ptr(), first.as_ptr().wrapping_add(6));
        assert!(gate.pending().is_empty() && !gate.is_open());

        // Nothing shares the storage any more: the next bytes land at its start again.
        let start = first.as_ptr();
        drop((first, second));
        peer.write_all(b"third").unwrap();
        fill_to(&mut gate, 5);
        gate.open(5);
        let third = gate.take_shared(5).unwrap();
        assert_eq!((&third[..], third.as_ptr()), (&b"third"[..], start));
    }

    /// The stack a thread-pool server reads framed messages with: the frame the protocol
    /// decodes, and the `Bytes` it hands the handler, are the gate's own storage.
    #[test]
    fn the_framed_transport_over_the_gate_shares_its_frames() {
        use crate::transport::{BufferedReader, FramedReader, Source};
        let (mut gate, mut peer) = socket_gate();
        peer.write_all(&[0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o', 0, 0, 0, 1])
            .unwrap();
        fill_to(&mut gate, 13);
        let at = gate.pending().as_ptr();
        gate.open(9);
        let limits = crate::Limits::default();
        let mut framed = FramedReader::new(BufferedReader::over_end(&mut gate, &limits));
        assert!(framed.fill_buf().unwrap());
        assert_eq!(framed.frame().as_ptr(), at.wrapping_add(4));
        let value = framed.read_bytes(5).unwrap();
        assert_eq!(
            (&value[..], value.as_ptr()),
            (&b"hello"[..], at.wrapping_add(4))
        );
        framed.end_message().unwrap();
        assert!(framed.frame().is_empty(), "let go of once read");
        drop(framed);
        assert_eq!(gate.pending(), &[0, 0, 0, 1]);
    }

    #[test]
    fn a_slice_kept_stays_intact_while_the_gate_reads_on() {
        let (mut gate, mut peer) = socket_gate();
        peer.write_all(b"kept").unwrap();
        fill_to(&mut gate, 4);
        gate.open(4);
        let kept = gate.take_shared(4).unwrap();
        let big = vec![7u8; 3 * CHUNK];
        let writer = std::thread::spawn(move || peer.write_all(&big).map(|()| peer));
        fill_to(&mut gate, 3 * CHUNK);
        let _peer = writer.join().unwrap().unwrap();
        assert_eq!(&kept[..], b"kept");
        assert!(gate.pending().iter().all(|&b| b == 7));
        gate.open(3 * CHUNK);
        let whole = gate.take_shared(3 * CHUNK).unwrap();
        assert_eq!(whole.len(), 3 * CHUNK);
        assert_eq!(&kept[..], b"kept");
    }

    #[test]
    fn only_an_open_whole_message_is_taken() {
        let (mut gate, mut peer) = socket_gate();
        peer.write_all(b"abcdef").unwrap();
        fill_to(&mut gate, 6);
        assert!(gate.take_shared(3).is_none(), "the gate is not open");
        gate.open(3);
        assert!(gate.take_shared(4).is_none(), "past the open message");
        assert_eq!(gate.pending(), b"abcdef", "nothing consumed");
        // Part of it read through `Read`, the rest taken.
        let mut two = [0; 2];
        assert_eq!(gate.read(&mut two).unwrap(), 2);
        assert_eq!(&gate.take_shared(1).unwrap()[..], b"c");
        assert_eq!(gate.pending(), b"def");

        let (ours, _peer) = UnixStream::pair().unwrap();
        let mut through = Gate::new(ours, true, None);
        assert!(
            through.take_shared(0).is_none(),
            "a gate letting reads through holds none"
        );
    }

    /// After a large message, the next ones are not slices of its allocation: one a handler
    /// keeps does not keep the large buffer alive.
    #[test]
    fn after_a_large_message_the_buffer_is_of_ordinary_size_again() {
        let mut wire = vec![1u8; 100 * 1024];
        wire.extend_from_slice(b"small");
        let mut gate = Gate::new(&wire[..], false, None);
        fill_to(&mut gate, wire.len());
        gate.open(100 * 1024);
        let big = gate.take_shared(100 * 1024).unwrap();
        assert_eq!(gate.pending(), b"small");
        assert_eq!(gate.fill().unwrap(), Filled::End);
        gate.open(5);
        let small = gate.take_shared(5).unwrap();
        assert_eq!(&small[..], b"small");
        // Not the bytes right after the large message in its allocation: storage of its own.
        assert_ne!(small.as_ptr(), big.as_ptr().wrapping_add(big.len()));
        assert!(big.iter().all(|&b| b == 1));
    }

    #[test]
    fn ends_that_cannot_read_into_spare_capacity_go_through_scratch() {
        let wire = b"one|two|three".to_vec();
        let mut gate = Gate::new(&wire[..], false, None);
        fill_to(&mut gate, wire.len());
        gate.open(4);
        assert_eq!(&gate.take_shared(4).unwrap()[..], b"one|");
        gate.open(4);
        let mut out = [0; 4];
        assert_eq!(gate.read(&mut out).unwrap(), 4);
        assert_eq!(&out, b"two|");
        assert_eq!(gate.pending(), b"three");
        assert_eq!(gate.fill().unwrap(), Filled::End);
        assert!(gate.has_ended());
    }
}
