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

use std::io::{self, Write};
use std::marker::PhantomData;
#[cfg(unix)]
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{Sink, WriteEnd};
use crate::error::{Result, TransportError, TransportErrorKind};
use crate::limits::Limits;

/// Capacity a message buffer starts with, and keeps between messages.
const DEFAULT_CAPACITY: usize = 8 * 1024;

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
        let len = self.bytes.len() - self.header;
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
    framing: PhantomData<fn() -> F>,
}

impl<W: WriteEnd, F: Framing> MessageWriter<W, F> {
    /// Writes messages to `inner`, checked against `limits`.
    pub fn with_limits(inner: W, limits: &Limits) -> Self {
        Self {
            inner,
            message: MessageBuffer::new(F::HEADER, limits),
            framing: PhantomData,
        }
    }

    /// Writes messages to `inner` with the default limits.
    pub fn new(inner: W) -> Self {
        Self::with_limits(inner, &Limits::default())
    }

    /// The payload of the message written so far.
    pub fn pending(&self) -> &[u8] {
        self.message.payload()
    }

    accessors!("writer", inner: W);

    /// Drops the unsent message and closes its descriptors.
    pub fn discard(&mut self) {
        self.message.clear();
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

    #[cfg(unix)]
    fn attach_fd(&mut self, fd: BorrowedFd<'_>) -> Result<i32> {
        if !self.can_carry_fds() {
            return Err(super::sink::fd_unsupported());
        }
        self.message.attach_fd(fd)
    }

    fn discard(&mut self) {
        self.message.clear();
    }

    fn release_idle_buffer(&mut self) {
        self.message.release_idle();
    }
}
