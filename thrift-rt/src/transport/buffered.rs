//! The buffered transport: [`BufferedReader`], reading from any [`std::io::Read`] through a
//! buffer, and [`BufferedWriter`], which holds a whole message and writes it at once.

use std::io::{self, Read};

use bytes::{Buf, Bytes, BytesMut};

use super::{ReadEnd, Source, read_into_scratch};
use crate::error::{Result, TransportError, TransportErrorKind};
use crate::limits::Limits;

/// Default read buffer size.
const DEFAULT_CAPACITY: usize = 8 * 1024;

/// A [`Source`] over a stream, with a read buffer and a per-message byte budget.
///
/// The budget starts at [`Limits::max_message_size`] and is reset each time a protocol reader
/// starts a message; reading past it fails with
/// [`MessageTooLarge`](TransportErrorKind::MessageTooLarge).
#[derive(Debug)]
pub struct BufferedReader<R> {
    inner: R,
    /// `buf[pos..filled]` are buffered. Over an end that reads into spare capacity
    /// ([`ReadEnd::read_spare`]: sockets) `buf` holds just the bytes read, and whole frames
    /// leave it as shared slices ([`ReadEnd::take_shared`]); over any other end it is
    /// storage of `capacity` bytes, zeroed once. Empty after
    /// [`release_idle_buffer`](Self::release_idle_buffer) until the next read.
    buf: BytesMut,
    /// Reads go to `buf`'s spare capacity (until the end below says it cannot).
    spare_reads: bool,
    capacity: usize,
    pos: usize,
    filled: usize,
    max_message_size: usize,
    // Bytes of the current message not yet handed out (consumed).
    budget: usize,
    /// `Read::read` goes straight to `inner` whenever nothing is buffered here (the end
    /// below buffers already: see [`ReadEnd::is_buffered`]).
    pass_reads: bool,
}

impl<R: Read> BufferedReader<R> {
    /// Wraps `inner` with the default buffer size and limits.
    pub fn new(inner: R) -> Self {
        Self::with_limits(inner, &Limits::default())
    }

    /// Wraps `inner` with the default buffer size and the given limits.
    pub fn with_limits(inner: R, limits: &Limits) -> Self {
        Self::with_capacity(DEFAULT_CAPACITY, inner, limits)
    }

    /// Wraps `inner` with a buffer of `capacity` bytes.
    pub fn with_capacity(capacity: usize, inner: R, limits: &Limits) -> Self {
        let capacity = capacity.max(16);
        Self {
            inner,
            buf: BytesMut::new(),
            spare_reads: true,
            capacity,
            pos: 0,
            filled: 0,
            max_message_size: limits.max_message_size,
            budget: limits.max_message_size,
            pass_reads: false,
        }
    }

    accessors!("reader", inner: R);

    /// Frees the read buffer while it holds nothing (a server parking an idle connection);
    /// the next read allocates it again.
    pub(crate) fn release_idle_buffer(&mut self) {
        if self.pos == self.filled {
            self.buf = BytesMut::new();
            self.pos = 0;
            self.filled = 0;
        }
    }
}

/// The buffered transport's writer: holds a whole message and writes it with one
/// `write_all` when the protocol writer flushes it at the message's end, so a message of any
/// size costs one system call where the socket takes it. Unlike [`std::io::BufWriter`], it
/// never writes part of a message early. See [`MessageWriter`](super::MessageWriter).
pub type BufferedWriter<W> = super::MessageWriter<W, crate::stack::Buffered>;

impl<R: ReadEnd> Source for BufferedReader<R> {
    #[inline]
    fn buffered(&self) -> &[u8] {
        let n = (self.filled - self.pos).min(self.budget);
        &self.buf[self.pos..self.pos + n]
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.filled - self.pos && n <= self.budget);
        self.pos += n;
        self.budget -= n;
    }

    fn fill_buf(&mut self) -> Result<bool> {
        if !self.buffered().is_empty() {
            return Ok(true);
        }
        if self.budget == 0 {
            return Err(TransportError::new(
                TransportErrorKind::MessageTooLarge,
                format!("message exceeds {} bytes", self.max_message_size),
            )
            .into());
        }
        loop {
            match self.refill() {
                Ok(n) => return Ok(n > 0),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    #[inline]
    fn remaining(&self) -> usize {
        self.budget
    }

    #[inline]
    fn read_slice<'s>(&'s mut self, n: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
        if self.buffered().len() >= n {
            let start = self.pos;
            self.consume(n);
            return Ok(&self.buf[start..start + n]);
        }
        read_into_scratch(self, n, scratch)
    }

    fn begin_message(&mut self) {
        self.budget = self.max_message_size;
    }

    fn shortfall(&self) -> TransportErrorKind {
        TransportErrorKind::MessageTooLarge
    }

    fn holds_bytes(&self) -> bool {
        self.pos < self.filled || self.inner.holds_bytes()
    }

    fn release_idle_buffer(&mut self) {
        BufferedReader::release_idle_buffer(self);
        self.inner.release_idle_buffer();
    }
}

impl<R: ReadEnd> BufferedReader<R> {
    /// One read from below into the emptied buffer: `buf[..filled]` afterwards.
    fn refill(&mut self) -> io::Result<usize> {
        self.pos = 0;
        self.filled = 0;
        if self.spare_reads {
            self.buf.clear();
            if let Some(got) = self.inner.read_spare(&mut self.buf, self.capacity) {
                self.filled = got?;
                return Ok(self.filled);
            }
            self.spare_reads = false;
        }
        if self.buf.len() < self.capacity {
            self.buf.resize(self.capacity, 0);
        }
        self.filled = self.inner.read(&mut self.buf)?;
        Ok(self.filled)
    }

    /// Reads from `inner` as [`with_limits`](Self::with_limits), except that reads through
    /// [`Read`] go straight to `inner` when it buffers already ([`ReadEnd::is_buffered`]):
    /// a framed reader's frames then come from the end below (shared where it holds them
    /// whole).
    pub(crate) fn over_end(inner: R, limits: &Limits) -> Self {
        let pass_reads = inner.is_buffered();
        Self {
            pass_reads,
            ..Self::with_limits(inner, limits)
        }
    }
}

impl<R: ReadEnd> ReadEnd for BufferedReader<R> {
    fn holds_bytes(&self) -> bool {
        Source::holds_bytes(self)
    }

    /// A slice of the buffer when it holds all `len` bytes and was read into spare
    /// capacity (a frame that arrived whole); passed down while nothing is buffered here
    /// (over a server's gate, whose reads pass through).
    fn take_shared(&mut self, len: usize) -> Option<Bytes> {
        if self.pos == self.filled {
            return self.inner.take_shared(len);
        }
        if !self.spare_reads || self.filled - self.pos < len {
            return None;
        }
        let mut taken = self.buf.split_to(self.pos + len);
        taken.advance(self.pos);
        self.filled -= self.pos + len;
        self.pos = 0;
        Some(taken.freeze())
    }

    fn release_idle_buffer(&mut self) {
        Source::release_idle_buffer(self);
    }
}

impl<R: ReadEnd> Read for BufferedReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.filled && (out.len() >= self.capacity || self.pass_reads) {
            return self.inner.read(out);
        }
        if self.pos == self.filled {
            self.refill()?;
        }
        let available = &self.buf[self.pos..self.filled];
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns one byte per call, to exercise refills.
    struct Trickle<'a>(&'a [u8]);

    impl ReadEnd for Trickle<'static> {}

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || out.is_empty() {
                return Ok(0);
            }
            out[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    /// A client's framed transport over a socket: frames that arrived whole are slices of
    /// the buffer the socket wrote to, not copies; over an end without spare-capacity reads
    /// they are copied, and read the same.
    #[cfg(unix)]
    #[test]
    fn frames_that_arrived_whole_are_shared_from_a_socket() {
        use std::io::Write;
        use std::os::unix::net::UnixStream;

        use crate::transport::FramedReader;
        let wire = [0, 0, 0, 3, b'a', b'b', b'c', 0, 0, 0, 2, b'd', b'e'];
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(&wire).unwrap();
        let mut framed = FramedReader::new(BufferedReader::new(ours));
        assert!(framed.fill_buf().unwrap());
        let first = framed.read_bytes(3).unwrap();
        assert!(framed.fill_buf().unwrap());
        let second = framed.read_bytes(2).unwrap();
        assert_eq!((&first[..], &second[..]), (&b"abc"[..], &b"de"[..]));
        assert_eq!(
            second.as_ptr(),
            first.as_ptr().wrapping_add(7),
            "one buffer"
        );

        let mut framed = FramedReader::new(BufferedReader::new(&wire[..]));
        assert!(framed.fill_buf().unwrap());
        assert_eq!(&framed.read_bytes(3).unwrap()[..], b"abc");
        assert!(framed.fill_buf().unwrap());
        assert_eq!(&framed.read_bytes(2).unwrap()[..], b"de");
        assert!(!framed.fill_buf().unwrap());
    }

    #[test]
    fn reads_across_refills() {
        let mut r = BufferedReader::new(Trickle(b"abcdef"));
        assert_eq!(r.take_array::<4>().unwrap(), *b"abcd");
        let mut scratch = Vec::new();
        assert_eq!(r.read_slice(2, &mut scratch).unwrap(), b"ef");
        assert_eq!(
            r.read_u8().unwrap_err().transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
    }

    #[test]
    fn a_released_buffer_is_allocated_again_and_keeps_unread_bytes() {
        let mut r = BufferedReader::new(Trickle(b"abc"));
        assert_eq!(r.read_u8().unwrap(), b'a');
        // Holds nothing: freed.
        r.release_idle_buffer();
        assert!(r.buf.is_empty());
        assert_eq!(r.read_u8().unwrap(), b'b');
        let mut r = BufferedReader::new(&b"abc"[..]);
        assert_eq!(r.read_u8().unwrap(), b'a');
        // Holds "bc": kept.
        r.release_idle_buffer();
        assert!(Source::holds_bytes(&r));
        let mut rest = [0u8; 2];
        assert_eq!(Read::read(&mut r, &mut rest).unwrap(), 2);
        assert_eq!(&rest, b"bc");
        r.release_idle_buffer();
        assert_eq!(Read::read(&mut r, &mut rest).unwrap(), 0);
    }

    #[test]
    fn budget_limits_a_message() {
        let limits = Limits::default().max_message_size(3);
        let mut r = BufferedReader::with_limits(&b"abcdef"[..], &limits);
        assert_eq!(r.take_array::<3>().unwrap(), *b"abc");
        assert_eq!(
            r.read_u8().unwrap_err().transport_kind(),
            Some(TransportErrorKind::MessageTooLarge)
        );
        r.begin_message();
        assert_eq!(r.take_array::<3>().unwrap(), *b"def");
    }
}
