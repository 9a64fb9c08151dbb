//! [`MessageWriter`]: the one whole-message writer behind the buffered, framed and fd
//! transports.
//!
//! A protocol writer puts a message's bytes into a [`MessageBuffer`] and calls `flush` at
//! its end; only then does anything reach the end point, in one write (one `sendmsg` with the
//! descriptors, for the fd transport). So a message of any size costs one system call where
//! the socket takes it, and a message whose encoding failed half-way is dropped
//! ([`Sink::discard`]) before any of it is sent. The transports differ only in their
//! [`Framing`]: how much room the buffer keeps in front of the payload for a header, what
//! goes there, and whether descriptors may be attached.

use std::io::{self, IoSlice, Write};
use std::marker::PhantomData;

use bytes::Bytes;
#[cfg(unix)]
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{Sink, WriteEnd};
use crate::error::{Result, TransportError, TransportErrorKind};
use crate::limits::Limits;

/// Capacity a message buffer starts with, and keeps between messages.
const DEFAULT_CAPACITY: usize = 8 * 1024;

/// Shared values ([`Sink::write_bytes`]) at least this long are sent from where they are
/// rather than copied into the message: below it, a copy costs less than one more piece of
/// the vectored write.
const SEND_IN_PLACE: usize = 1024;

/// At most this many values of a message are sent in place (each is a piece of the write,
/// and a write takes a bounded number of pieces); the rest are copied.
const MAX_IN_PLACE: usize = 64;

/// How a transport delimits the messages a [`MessageWriter`] sends.
pub trait Framing: Send + Sync + 'static {
    /// Bytes kept in front of each payload for the frame header (0: unframed).
    const HEADER: usize;
    /// Whether descriptors can be attached to a message.
    const CARRIES_FDS: bool;

    /// Fills the header room in front of a payload of `len` bytes.
    fn write_header(header: &mut [u8], len: usize) {
        let _ = (header, len);
    }
}

/// One message being written: header room, payload, descriptors, and the limits they are
/// checked against.
#[derive(Debug)]
pub struct MessageBuffer {
    bytes: Vec<u8>,
    header: usize,
    #[cfg(unix)]
    fds: Vec<OwnedFd>,
    max_frame_size: usize,
    #[cfg(unix)]
    max_fds: usize,
    /// Whether descriptors may be attached (as a [`Sink`] of its own).
    fds_allowed: bool,
}

impl MessageBuffer {
    /// An empty message with `header` bytes of room in front, for a writer that keeps it
    /// from message to message (8 KiB to start with).
    pub fn new(header: usize, limits: &Limits) -> Self {
        Self::with_capacity(header, DEFAULT_CAPACITY, limits)
    }

    /// An empty message with `header` bytes of room in front and room for `capacity` bytes
    /// before it grows: small for a buffer made for one message (it grows as a `Vec` does).
    pub fn with_capacity(header: usize, capacity: usize, limits: &Limits) -> Self {
        Self::with_storage(Vec::with_capacity(capacity.max(header)), header, limits)
    }

    /// An empty message in `bytes`'s allocation (whatever it holds is dropped).
    pub(crate) fn with_storage(mut bytes: Vec<u8>, header: usize, limits: &Limits) -> Self {
        bytes.clear();
        bytes.resize(header, 0);
        Self {
            bytes,
            header,
            #[cfg(unix)]
            fds: Vec::new(),
            max_frame_size: limits.max_frame_size,
            #[cfg(unix)]
            max_fds: limits.max_fds.min(super::fd::MAX_FDS_PER_MESSAGE),
            fds_allowed: false,
        }
    }

    /// Lets descriptors be attached through the buffer's own [`Sink::attach_fd`] (a buffer
    /// whose message will travel over a transport that carries them).
    #[must_use]
    pub fn allow_fds(mut self, allowed: bool) -> Self {
        self.fds_allowed = allowed;
        self
    }

    /// The payload written so far.
    pub fn payload(&self) -> &[u8] {
        &self.bytes[self.header..]
    }

    /// Whether nothing (no byte, no descriptor) was written since the last send.
    pub fn is_empty(&self) -> bool {
        #[cfg(unix)]
        if !self.fds.is_empty() {
            return false;
        }
        self.bytes.len() == self.header
    }

    /// Appends payload bytes.
    #[inline]
    pub fn extend(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
    }

    /// Attaches a duplicate of `fd`; returns its index in the message's list.
    ///
    /// # Errors
    ///
    /// [`FdCount`](TransportErrorKind::FdCount) beyond the limit; an I/O error when the
    /// descriptor cannot be duplicated.
    #[cfg(unix)]
    pub fn attach_fd(&mut self, fd: BorrowedFd<'_>) -> Result<i32> {
        super::fd::attach(&mut self.fds, self.max_fds, fd)
    }

    /// Checks the payload against the frame limit (framed messages only) and fills the
    /// header with `F`; [`frame`](Self::frame) is then the whole message. A message over the
    /// limit is dropped.
    ///
    /// # Errors
    ///
    /// [`FrameTooLarge`](TransportErrorKind::FrameTooLarge).
    pub fn finish<F: Framing>(&mut self) -> Result<()> {
        self.finish_with::<F>(0)
    }

    /// [`finish`](Self::finish) for a payload with `elsewhere` more bytes that are sent
    /// from where they are (see [`MessageWriter`]'s shared values).
    #[inline]
    fn finish_with<F: Framing>(&mut self, elsewhere: usize) -> Result<()> {
        let len = self.bytes.len() - self.header + elsewhere;
        if self.header > 0 && len > self.max_frame_size {
            self.clear();
            return Err(TransportError::new(
                TransportErrorKind::FrameTooLarge,
                format!("frame of {len} bytes exceeds {}", self.max_frame_size),
            )
            .into());
        }
        F::write_header(&mut self.bytes[..self.header], len);
        Ok(())
    }

    /// Writes the whole message ([`frame`](Self::frame), once [`finish`](Self::finish)ed) to
    /// `end`: one write, or one `sendmsg` with its descriptors.
    ///
    /// # Errors
    ///
    /// The write's.
    pub(crate) fn send_to<W: WriteEnd>(&self, end: &mut W) -> io::Result<()> {
        #[cfg(unix)]
        if self.has_fds() {
            let fds: Vec<BorrowedFd<'_>> = self.fds.iter().map(AsFd::as_fd).collect();
            return end.send_fds(&self.bytes, &fds).map_err(io::Error::other);
        }
        end.write_all(&self.bytes)
    }

    /// Whether descriptors are attached (such a message needs a write of its own).
    pub(crate) fn has_fds(&self) -> bool {
        #[cfg(unix)]
        return !self.fds.is_empty();
        #[cfg(not(unix))]
        false
    }

    /// The buffer's allocation, for another message (descriptors are closed).
    pub(crate) fn into_storage(self) -> Vec<u8> {
        self.bytes
    }

    /// The whole message: header and payload.
    pub fn frame(&self) -> &[u8] {
        &self.bytes
    }

    /// The descriptors attached to the message.
    #[cfg(unix)]
    pub fn fds(&self) -> &[OwnedFd] {
        &self.fds
    }

    /// Drops the message (closing its descriptors) and keeps the buffer for the next one,
    /// unless a large message grew it.
    pub fn clear(&mut self) {
        self.bytes.truncate(self.header);
        #[cfg(unix)]
        self.fds.clear();
        if self.bytes.capacity() > 64 * DEFAULT_CAPACITY {
            self.bytes = Vec::with_capacity(DEFAULT_CAPACITY);
            self.bytes.resize(self.header, 0);
        }
    }

    /// Frees the buffer while it holds nothing (a server parking an idle connection); it
    /// grows again with the next message.
    pub fn release_idle(&mut self) {
        if self.is_empty() {
            self.bytes = vec![0; self.header];
        }
    }
}

/// A message buffer is a sink of its own, for encoding a message to send later: writes
/// append, `flush` does nothing.
impl Write for MessageBuffer {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.extend(data);
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.extend(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for MessageBuffer {
    fn can_carry_fds(&self) -> bool {
        self.fds_allowed
    }

    #[cfg(unix)]
    fn attach_fd(&mut self, fd: BorrowedFd<'_>) -> Result<i32> {
        if !self.fds_allowed {
            return Err(super::sink::fd_unsupported());
        }
        MessageBuffer::attach_fd(self, fd)
    }

    fn discard(&mut self) {
        self.clear();
    }

    fn release_idle_buffer(&mut self) {
        self.release_idle();
    }
}

/// Holds a whole message and sends it on [`flush`](Write::flush) (protocol writers call it
/// at the end of each message), framed by `F`; see the [module documentation](self).
///
/// [`BufferedWriter`](super::BufferedWriter), [`FramedWriter`](super::FramedWriter) and
/// [`FdFramedWriter`](super::fd::FdFramedWriter) are this type with their framing.
#[derive(Debug)]
pub struct MessageWriter<W, F> {
    inner: W,
    message: MessageBuffer,
    /// Large shared values written by reference ([`Sink::write_bytes`]): each goes after
    /// the first `at` bytes of the message's buffer.
    pub(super) in_place: Vec<InPlace>,
    framing: PhantomData<fn() -> F>,
}

/// A shared value sent from where it is, and where in the message it goes.
#[derive(Debug)]
pub(super) struct InPlace {
    at: usize,
    value: Bytes,
}

impl<W: WriteEnd, F: Framing> MessageWriter<W, F> {
    /// Writes messages to `inner`, checked against `limits`.
    pub fn with_limits(inner: W, limits: &Limits) -> Self {
        Self {
            inner,
            message: MessageBuffer::new(F::HEADER, limits),
            in_place: Vec::new(),
            framing: PhantomData,
        }
    }

    /// Writes messages to `inner` with the default limits.
    pub fn new(inner: W) -> Self {
        Self::with_limits(inner, &Limits::default())
    }

    /// The payload of the message written so far, except large shared values that will be
    /// sent from where they are ([`Sink::write_bytes`]).
    pub fn pending(&self) -> &[u8] {
        self.message.payload()
    }

    accessors!("writer", inner: W);

    /// Drops the unsent message and closes its descriptors.
    pub fn discard(&mut self) {
        self.message.clear();
        self.in_place.clear();
    }

    /// Sends a message that has values in place: one vectored write of the buffer's pieces
    /// and the values between them (with descriptors, they are copied into one `sendmsg`).
    /// The values are let go of whatever happens.
    fn send_with_values(&mut self) -> io::Result<()> {
        let sent = self.write_with_values();
        self.in_place.clear();
        sent
    }

    fn write_with_values(&mut self) -> io::Result<()> {
        let elsewhere = self.in_place.iter().map(|v| v.value.len()).sum();
        self.message
            .finish_with::<F>(elsewhere)
            .map_err(io::Error::other)?;
        let frame = self.message.frame();
        #[cfg(unix)]
        if self.message.has_fds() {
            let mut whole = Vec::with_capacity(frame.len() + elsewhere);
            let mut from = 0;
            for value in &self.in_place {
                whole.extend_from_slice(&frame[from..value.at]);
                whole.extend_from_slice(&value.value);
                from = value.at;
            }
            whole.extend_from_slice(&frame[from..]);
            let fds: Vec<BorrowedFd<'_>> = self.message.fds.iter().map(AsFd::as_fd).collect();
            return self.inner.send_fds(&whole, &fds).map_err(io::Error::other);
        }
        // A piece of the buffer before each value, the value, and the rest: on the stack for
        // the few values a message usually has.
        let used = 2 * self.in_place.len() + 1;
        let mut few = [IoSlice::new(&[]); 9];
        let mut many = Vec::new();
        let pieces = if used <= few.len() {
            &mut few[..used]
        } else {
            many.resize(used, IoSlice::new(&[]));
            &mut many[..]
        };
        let mut from = 0;
        for (i, value) in self.in_place.iter().enumerate() {
            pieces[2 * i] = IoSlice::new(&frame[from..value.at]);
            pieces[2 * i + 1] = IoSlice::new(&value.value);
            from = value.at;
        }
        pieces[used - 1] = IoSlice::new(&frame[from..]);
        super::end::write_all_vectored(&mut self.inner, pieces)
    }
}

impl<W: WriteEnd, F: Framing> Write for MessageWriter<W, F> {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.message.write(data)
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.message.write_all(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.in_place.is_empty() {
            let sent = self.send_with_values();
            self.message.clear();
            sent?;
            return self.inner.flush();
        }
        if self.message.is_empty() {
            return self.inner.flush();
        }
        self.message.finish::<F>().map_err(io::Error::other)?;
        // The common case written here, where the end's `write_all` inlines (through
        // `send_to` it did not: +70 instructions per round trip, callgrind).
        let sent = if self.message.has_fds() {
            self.message.send_to(&mut self.inner)
        } else {
            self.inner.write_all(self.message.frame())
        };
        // Our duplicates are closed whether or not the send worked; the peer has its own.
        self.message.clear();
        sent?;
        self.inner.flush()
    }
}

impl<W: WriteEnd, F: Framing> Sink for MessageWriter<W, F> {
    fn can_carry_fds(&self) -> bool {
        F::CARRIES_FDS && self.inner.can_send_fds()
    }

    /// Keeps a reference to a large value instead of copying it, when the end below sends
    /// vectored writes whole ([`WriteEnd::writes_vectored`]); the message's write sends it
    /// from where it is.
    fn write_bytes(&mut self, v: &Bytes) -> io::Result<()> {
        if v.len() < SEND_IN_PLACE
            || self.in_place.len() >= MAX_IN_PLACE
            || !self.inner.writes_vectored()
        {
            return self.write_all(v);
        }
        self.in_place.push(InPlace {
            at: self.message.bytes.len(),
            value: v.clone(),
        });
        Ok(())
    }

    #[cfg(unix)]
    fn attach_fd(&mut self, fd: BorrowedFd<'_>) -> Result<i32> {
        if !self.can_carry_fds() {
            return Err(super::sink::fd_unsupported());
        }
        self.message.attach_fd(fd)
    }

    fn discard(&mut self) {
        MessageWriter::discard(self);
    }

    fn release_idle_buffer(&mut self) {
        self.message.release_idle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::{Buffered, Framed};
    use crate::transport::{FramedWriter, Sink};

    /// Records each write call, vectored ones piece by piece, taking at most `limit` bytes
    /// a call (a socket whose buffer is nearly full).
    #[derive(Default)]
    struct Calls {
        writes: Vec<Vec<u8>>,
        vectored: usize,
        limit: usize,
    }

    impl WriteEnd for Calls {
        fn writes_vectored(&self) -> bool {
            true
        }
    }

    /// An end whose `write_vectored` is the standard library's default.
    struct Plain(Vec<Vec<u8>>);

    impl WriteEnd for Plain {}

    impl Write for Plain {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.0.push(data.to_vec());
            Ok(data.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_write_per_frame() {
        let mut w = FramedWriter::new(Plain(Vec::new()));
        w.write_all(b"ab").unwrap();
        w.write_all(b"c").unwrap();
        w.flush().unwrap();
        w.flush().unwrap();
        assert_eq!(w.get_ref().0, vec![vec![0, 0, 0, 3, b'a', b'b', b'c']]);
    }

    /// Below an end that would send a vectored write a slice at a time (a layer), values are
    /// copied: the message still goes out in one write.
    #[test]
    fn over_an_end_without_vectored_writes_values_are_copied() {
        let values = [value(4096, 1), value(2048, 2)];
        let mut w = FramedWriter::new(Plain(Vec::new()));
        w.write_all(b"head").unwrap();
        for v in &values {
            w.write_bytes(v).unwrap();
            w.write_all(b"|").unwrap();
        }
        assert!(w.in_place.is_empty());
        w.flush().unwrap();
        assert_eq!(w.get_ref().0, vec![expected(true, &values)]);
    }

    impl Write for Calls {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            let n = data.len().min(self.limit.max(1));
            self.writes.push(data[..n].to_vec());
            Ok(n)
        }

        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.vectored += 1;
            let mut taken = Vec::new();
            for b in bufs {
                let room = self.limit.max(1) - taken.len();
                taken.extend_from_slice(&b[..b.len().min(room)]);
            }
            let n = taken.len();
            self.writes.push(taken);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn calls(limit: usize) -> Calls {
        Calls {
            limit,
            ..Calls::default()
        }
    }

    fn value(len: usize, seed: u8) -> Bytes {
        (0..len).map(|i| seed.wrapping_add(i as u8)).collect()
    }

    /// Writes `head`, the values (by reference where large), and `tail`, and flushes.
    fn send<F: Framing>(w: &mut MessageWriter<Calls, F>, values: &[Bytes]) {
        w.write_all(b"head").unwrap();
        for v in values {
            w.write_bytes(v).unwrap();
            w.write_all(b"|").unwrap();
        }
        w.flush().unwrap();
    }

    fn expected(header: bool, values: &[Bytes]) -> Vec<u8> {
        let mut payload = b"head".to_vec();
        for v in values {
            payload.extend_from_slice(v);
            payload.push(b'|');
        }
        if !header {
            return payload;
        }
        let mut framed = (payload.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(&payload);
        framed
    }

    #[test]
    fn large_shared_values_are_sent_in_place_in_one_vectored_write() {
        let values = [value(4096, 1), value(10, 2), value(SEND_IN_PLACE, 3)];
        let mut w = FramedWriter::new(calls(usize::MAX));
        send(&mut w, &values);
        let end = w.get_ref();
        assert_eq!(end.vectored, 1);
        assert_eq!(end.writes, vec![expected(true, &values)]);
        assert!(w.in_place.is_empty());

        // The next message, without large values, is one plain write again.
        send(&mut w, &[value(10, 4)]);
        assert_eq!(w.get_ref().vectored, 1);
        assert_eq!(w.get_ref().writes[1], expected(true, &[value(10, 4)]));
    }

    #[test]
    fn a_socket_taking_a_little_at_a_time_gets_every_byte_in_order() {
        let values = [value(5000, 7), value(3000, 9)];
        let mut w = MessageWriter::<_, Buffered>::new(calls(777));
        send(&mut w, &values);
        assert_eq!(w.get_ref().writes.concat(), expected(false, &values));
        assert!(w.get_ref().writes.len() > 10);
    }

    #[test]
    fn values_in_place_count_against_the_frame_limit_and_leave_with_a_discard() {
        let limits = Limits::default().max_frame_size(2000);
        let mut w = MessageWriter::<_, Framed>::with_limits(calls(usize::MAX), &limits);
        w.write_bytes(&value(1500, 0)).unwrap();
        w.write_bytes(&value(1500, 0)).unwrap();
        let err = crate::Error::from(w.flush().unwrap_err());
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::FrameTooLarge)
        );
        assert!(w.get_ref().writes.is_empty());

        w.write_bytes(&value(1500, 0)).unwrap();
        Sink::discard(&mut w);
        send(&mut w, &[]);
        assert_eq!(w.get_ref().writes, vec![expected(true, &[])]);
    }

    #[test]
    fn past_the_most_pieces_values_are_copied() {
        let values: Vec<Bytes> = (0..MAX_IN_PLACE + 3)
            .map(|i| value(1024, i as u8))
            .collect();
        let mut w = FramedWriter::new(calls(usize::MAX));
        w.write_all(b"head").unwrap();
        for v in &values {
            w.write_bytes(v).unwrap();
            w.write_all(b"|").unwrap();
        }
        assert_eq!(w.in_place.len(), MAX_IN_PLACE);
        w.flush().unwrap();
        assert_eq!(w.get_ref().writes.concat(), expected(true, &values));
    }
}
