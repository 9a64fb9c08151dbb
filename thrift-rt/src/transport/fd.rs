//! The fd transport: framed messages over a Unix stream socket, with file descriptors
//! (`SCM_RIGHTS`) bound to the message they travel with.
//!
//! This file and `peer.rs` hold all of the crate's `unsafe` code.
//!
//! # Wire format
//!
//! The bytes are exactly the framed transport's: `len: i32 BE | payload`, so a peer that
//! never sends descriptors (any Apache framed client or server on a Unix socket) talks to
//! this transport unchanged. A frame that carries descriptors is sent with one `sendmsg`
//! whose single `SCM_RIGHTS` control message holds them, in order; the kernel attaches them
//! to the first byte of that call, i.e. to the frame's length prefix. Inside the payload, an
//! IDL `fd` value is an `i32` index into that list.
//!
//! # How descriptors stay bound to their frame
//!
//! The receiver never reads past the end of the current frame: it asks for exactly the four
//! length bytes, then exactly the payload. The kernel does not merge a read across the end
//! of a `sendmsg` that carried descriptors, so descriptors always arrive with the first
//! `recvmsg` of their frame. Descriptors that arrive with any later read of the frame, more
//! than [`Limits::max_fds`], or descriptors truncated by the kernel (`MSG_CTRUNC`) are
//! errors, and every descriptor received is closed. The reader closes descriptors the message
//! did not claim when it ends ([`Source::end_message`]), and a frame's leftovers when the next
//! frame is read.
//!
//! Received descriptors are wrapped in [`OwnedFd`] right after `recvmsg` returns, with
//! `MSG_CMSG_CLOEXEC` set.

use std::io::{self, IoSlice, Write};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::errno::Errno;
use nix::libc;
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};

use super::{ReadEnd, Source};
use crate::error::{
    ProtocolErrorKind, Result, TransportError, TransportErrorKind, eof, protocol_err,
};
use bytes::Bytes;

use crate::limits::Limits;

/// The most descriptors one message can carry (Linux `SCM_MAX_FD`).
pub const MAX_FDS_PER_MESSAGE: usize = 253;

/// Control-buffer words for `n` descriptors (`u64`-aligned, as `cmsghdr` requires).
pub(crate) fn control_words(n: usize) -> usize {
    let n = n.clamp(1, MAX_FDS_PER_MESSAGE);
    // SAFETY: CMSG_SPACE is pure arithmetic on its argument.
    let space = unsafe { libc::CMSG_SPACE((n * size_of::<RawFd>()) as u32) };
    (space as usize).div_ceil(size_of::<u64>())
}

/// Where descriptors that arrive with bytes go ([`ReadEnd::recv_fds`]): scratch space for
/// the kernel's ancillary data, sized for a number of descriptors per read, and the
/// descriptors received, owned, until taken.
#[derive(Debug)]
pub struct FdInbox {
    control: Vec<u64>,
    fds: Vec<OwnedFd>,
}

impl FdInbox {
    /// Room for `max` descriptors arriving with one read (at most
    /// [`MAX_FDS_PER_MESSAGE`]); when more arrive at once the kernel closes the rest and the
    /// read fails with [`ControlTruncated`](TransportErrorKind::ControlTruncated).
    pub fn new(max: usize) -> Self {
        Self {
            control: vec![0; control_words(max)],
            fds: Vec::new(),
        }
    }

    /// How many descriptors are held.
    pub fn len(&self) -> usize {
        self.fds.len()
    }

    /// Whether no descriptor is held.
    pub fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }

    /// Takes the descriptors held, in the order they arrived.
    pub fn take(&mut self) -> Vec<OwnedFd> {
        std::mem::take(&mut self.fds)
    }

    /// Adds descriptors that arrived (a layer handing up those it received below).
    pub fn extend(&mut self, fds: impl IntoIterator<Item = OwnedFd>) {
        self.fds.extend(fds);
    }

    /// Closes the descriptors held.
    pub fn clear(&mut self) {
        self.fds.clear();
    }
}

/// Sends `bytes` with one `sendmsg` carrying `fds`, then whatever did not fit with plain
/// writes (the descriptors went with the first byte).
pub(crate) fn sendmsg_fds(stream: &UnixStream, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<()> {
    if fds.len() > MAX_FDS_PER_MESSAGE {
        return Err(count_error(format!(
            "{} descriptors exceed the kernel's {MAX_FDS_PER_MESSAGE} per message",
            fds.len()
        )));
    }
    let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
    let rights = [ControlMessage::ScmRights(&raw)];
    let cmsgs: &[ControlMessage<'_>] = if raw.is_empty() { &[] } else { &rights };
    let iov = [IoSlice::new(bytes)];
    let sent = loop {
        match sendmsg::<()>(
            stream.as_raw_fd(),
            &iov,
            cmsgs,
            MsgFlags::MSG_NOSIGNAL,
            None,
        ) {
            Ok(n) => break n,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(io::Error::from(e).into()),
        }
    };
    let mut writer = stream;
    writer.write_all(&bytes[sent..])?;
    Ok(())
}

/// One `recvmsg` into `buf`, taking ownership of every descriptor that came with it, with
/// `flags` added (`MSG_DONTWAIT`: fail with `WouldBlock` instead of waiting).
pub(crate) fn recvmsg_fds(
    socket: BorrowedFd<'_>,
    buf: &mut [u8],
    inbox: &mut FdInbox,
    flags: libc::c_int,
) -> Result<usize> {
    let control = inbox.control.as_mut_slice();
    let fds = &mut inbox.fds;
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is a plain C struct; all-zero (null pointers, zero lengths) is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of_val(control) as _;
    let n = loop {
        // SAFETY: `msg` points at `iov` (valid for `buf.len()` writable bytes) and at
        // `control` (valid for `msg_controllen` bytes); both outlive the call.
        let r =
            unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC | flags) };
        if r >= 0 {
            break r as usize;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e.into());
        }
    };
    // Take ownership of every installed descriptor before anything else can fail, so that
    // each error path closes them.
    let first_new = fds.len();
    if msg.msg_controllen > 0 {
        // SAFETY: `msg` was filled in by recvmsg; CMSG_FIRSTHDR only reads its fields.
        let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
        while !cmsg.is_null() {
            // SAFETY: a non-null pointer from CMSG_FIRSTHDR/CMSG_NXTHDR points at a complete
            // cmsghdr inside the u64-aligned control buffer.
            let hdr = unsafe { &*cmsg };
            if hdr.cmsg_level == libc::SOL_SOCKET && hdr.cmsg_type == libc::SCM_RIGHTS {
                // SAFETY: pure arithmetic.
                let data_len = hdr.cmsg_len as usize - unsafe { libc::CMSG_LEN(0) } as usize;
                let count = data_len / size_of::<RawFd>();
                fds.reserve(count);
                // SAFETY: CMSG_DATA points at `data_len` bytes of this control message.
                let data = unsafe { libc::CMSG_DATA(cmsg) }.cast::<RawFd>();
                for i in 0..count {
                    // SAFETY: `i < count` keeps the read inside the control message; the
                    // data may be unaligned, hence read_unaligned.
                    let raw = unsafe { data.add(i).read_unaligned() };
                    // SAFETY: the kernel just installed `raw` in our table for us; nothing
                    // else owns it.
                    fds.push(unsafe { OwnedFd::from_raw_fd(raw) });
                }
            }
            // SAFETY: `cmsg` is a valid header of `msg`; CMSG_NXTHDR bounds-checks against
            // msg_controllen and returns null at the end.
            cmsg = unsafe { libc::CMSG_NXTHDR(&msg, cmsg) };
        }
    }
    if msg.msg_flags & libc::MSG_CTRUNC != 0 {
        fds.truncate(first_new);
        return Err(TransportError::new(
            TransportErrorKind::ControlTruncated,
            "more descriptors arrived than the receiver accepts; all were closed",
        )
        .into());
    }
    Ok(n)
}

/// Adds a duplicate of `fd` to a message's outgoing descriptors (at most `max`) and returns
/// its index: what every sink that carries descriptors does in `attach_fd`.
pub(crate) fn attach(fds: &mut Vec<OwnedFd>, max: usize, fd: BorrowedFd<'_>) -> Result<i32> {
    if fds.len() >= max {
        return Err(count_error(format!(
            "more than {max} descriptors in one message"
        )));
    }
    let index = i32::try_from(fds.len()).expect("at most 253 descriptors");
    fds.push(fd.try_clone_to_owned()?);
    Ok(index)
}

#[cold]
fn count_error(message: String) -> crate::Error {
    TransportError::new(TransportErrorKind::FdCount, message).into()
}

#[cold]
fn descriptors_error(message: String) -> crate::Error {
    protocol_err(ProtocolErrorKind::Descriptors, message)
}

/// The descriptors that came with the message being read, each claimed at most once.
#[derive(Debug, Default)]
pub struct ReceivedFds {
    slots: Vec<Option<OwnedFd>>,
}

impl ReceivedFds {
    /// A table of the descriptors that came with one message, in the sender's order.
    pub fn new(fds: Vec<OwnedFd>) -> Self {
        Self {
            slots: fds.into_iter().map(Some).collect(),
        }
    }

    /// How many descriptors are left unclaimed.
    pub fn unclaimed(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Takes the descriptor at `index`.
    ///
    /// # Errors
    ///
    /// A [`Descriptors`](ProtocolErrorKind::Descriptors) protocol error for an index beyond
    /// those received or one already taken.
    pub fn take(&mut self, index: i32) -> Result<OwnedFd> {
        let received = self.slots.len();
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .ok_or_else(|| {
                descriptors_error(format!(
                    "fd index {index}, but {received} descriptors came with the message"
                ))
            })?;
        slot.take()
            .ok_or_else(|| descriptors_error(format!("fd index {index} is used twice")))
    }

    /// Ends the message: closes every descriptor left and reports them.
    ///
    /// # Errors
    ///
    /// A [`Descriptors`](ProtocolErrorKind::Descriptors) protocol error when any were left.
    pub fn finish(&mut self) -> Result<()> {
        let left = self.unclaimed();
        self.slots.clear();
        if left == 0 {
            Ok(())
        } else {
            Err(descriptors_error(format!(
                "{left} descriptors came with the message and were not claimed by it (closed)"
            )))
        }
    }
}

/// Reads frames and their descriptors from a socket; implements [`Source`] over the current
/// frame's payload (see the [module documentation](self)).
#[derive(Debug)]
pub struct FdFramedReader<R> {
    inner: R,
    frame: Bytes,
    pos: usize,
    fds: ReceivedFds,
    max_frame_size: usize,
    max_fds: usize,
    inbox: FdInbox,
}

impl<R: ReadEnd> FdFramedReader<R> {
    /// Reads frames from `inner`, refusing frames above `limits.max_frame_size` and more than
    /// `limits.max_fds` descriptors per frame.
    pub fn with_limits(inner: R, limits: &Limits) -> Self {
        let max_fds = limits.max_fds.min(MAX_FDS_PER_MESSAGE);
        Self {
            inner,
            frame: Bytes::new(),
            pos: 0,
            fds: ReceivedFds::default(),
            max_frame_size: limits.max_frame_size,
            max_fds,
            // Room for one more than allowed, so that "too many" is told apart from the
            // kernel truncating.
            inbox: FdInbox::new(max_fds + 1),
        }
    }

    /// Reads frames from `inner` with the default limits.
    pub fn new(inner: R) -> Self {
        Self::with_limits(inner, &Limits::default())
    }

    /// The wrapped socket.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The wrapped socket, mutably. Reading from it directly loses the frame boundaries.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Frees the frame buffer once the frame has been read (a server parking an idle
    /// connection).
    pub(crate) fn release_idle_buffer(&mut self) {
        if self.pos >= self.frame.len() {
            self.frame = Bytes::new();
            self.pos = 0;
        }
    }

    /// Reads the next frame and its descriptors, closing what is left of the current one.
    /// Returns `Ok(false)` if the stream ended cleanly before a new frame.
    ///
    /// # Errors
    ///
    /// [`FdCount`](TransportErrorKind::FdCount) for descriptors beyond the limit, without a
    /// frame, or arriving after a frame's first read;
    /// [`ControlTruncated`](TransportErrorKind::ControlTruncated);
    /// [`NegativeFrameSize`](TransportErrorKind::NegativeFrameSize),
    /// [`FrameTooLarge`](TransportErrorKind::FrameTooLarge),
    /// [`UnexpectedEof`](TransportErrorKind::UnexpectedEof) inside a frame; I/O errors. Every
    /// descriptor received for the frame is closed on error.
    pub fn next_frame(&mut self) -> Result<bool> {
        let mut frame = super::framed::reclaim(std::mem::take(&mut self.frame));
        self.pos = 0;
        self.fds = ReceivedFds::default();
        let read = self.read_frame(&mut frame);
        self.frame = Bytes::from(frame);
        // Whatever arrived belongs to this frame: handed out with it, or closed on error.
        let fds = self.inbox.take();
        if matches!(read, Ok(true)) {
            self.fds = ReceivedFds::new(fds);
        }
        read
    }

    /// [`next_frame`](Self::next_frame)'s reading, leaving the frame's descriptors in
    /// `self.inbox`.
    fn read_frame(&mut self, frame: &mut Vec<u8>) -> Result<bool> {
        let mut header = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            let before = self.inbox.len();
            let n = self.inner.recv_fds(&mut header[got..], &mut self.inbox)?;
            if got > 0 && self.inbox.len() > before {
                return Err(count_error(
                    "descriptors arrived inside a frame header".into(),
                ));
            }
            if n == 0 {
                if !self.inbox.is_empty() {
                    return Err(count_error("descriptors arrived without a message".into()));
                }
                return if got == 0 { Ok(false) } else { Err(eof()) };
            }
            got += n;
        }
        let count = self.inbox.len();
        if count > self.max_fds {
            return Err(count_error(format!(
                "{count} descriptors with one message exceed the limit of {}",
                self.max_fds
            )));
        }
        let len = super::framed::frame_len(header, self.max_frame_size)?;
        // Grow the payload as bytes arrive, so a lying length costs nothing.
        while frame.len() < len {
            let start = frame.len();
            let want = (len - start).min(64 * 1024);
            frame.resize(start + want, 0);
            let n = self.inner.recv_fds(&mut frame[start..], &mut self.inbox);
            let n = n.inspect_err(|_| frame.truncate(start))?;
            frame.truncate(start + n);
            if self.inbox.len() > count {
                return Err(count_error(
                    "descriptors arrived inside a frame payload".into(),
                ));
            }
            if n == 0 {
                return Err(eof());
            }
        }
        Ok(true)
    }
}

impl<R: ReadEnd> Source for FdFramedReader<R> {
    frame_source_methods!();

    fn take_fd(&mut self, index: i32) -> Result<OwnedFd> {
        self.fds.take(index)
    }

    fn end_message(&mut self) -> Result<()> {
        self.fds.finish()
    }

    fn release_idle_buffer(&mut self) {
        FdFramedReader::release_idle_buffer(self);
    }

    fn take_received_fds(&mut self) -> Option<ReceivedFds> {
        Some(std::mem::take(&mut self.fds))
    }
}

/// The fd transport's writer: buffers a message and sends it as one frame when the protocol
/// writer flushes it, with the descriptors attached to it ([`Sink::attach_fd`](super::Sink::attach_fd)) in the same
/// `sendmsg`. See [`MessageWriter`](super::MessageWriter).
pub type FdFramedWriter<W> = super::MessageWriter<W, crate::stack::Fd>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Sink;
    use std::io::Read;
    use std::os::fd::AsFd;

    fn pair() -> (FdFramedWriter<UnixStream>, FdFramedReader<UnixStream>) {
        let (a, b) = UnixStream::pair().unwrap();
        (FdFramedWriter::new(a), FdFramedReader::new(b))
    }

    #[test]
    fn frames_without_descriptors_are_plain_framed_bytes() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let mut w = FdFramedWriter::new(a);
        w.write_all(b"hello").unwrap();
        w.flush().unwrap();
        let mut raw = [0u8; 9];
        b.read_exact(&mut raw).unwrap();
        assert_eq!(&raw, b"\0\0\0\x05hello");
    }

    #[test]
    fn descriptors_travel_with_their_frame() {
        let (mut w, mut r) = pair();
        let file = w.get_ref().try_clone().unwrap();
        assert_eq!(w.attach_fd(file.as_fd()).unwrap(), 0);
        assert_eq!(w.attach_fd(file.as_fd()).unwrap(), 1);
        w.write_all(b"one").unwrap();
        w.flush().unwrap();
        w.write_all(b"two").unwrap();
        w.flush().unwrap();
        assert!(r.fill_buf().unwrap());
        assert_eq!(r.buffered(), b"one");
        r.take_fd(1).unwrap();
        assert!(r.take_fd(1).is_err(), "taken twice");
        assert!(r.take_fd(2).is_err(), "beyond the list");
        assert!(r.end_message().is_err(), "index 0 was left unclaimed");
        r.consume(3);
        assert!(r.fill_buf().unwrap());
        assert_eq!(r.buffered(), b"two");
        assert!(r.take_fd(0).is_err(), "the second frame carries none");
        r.end_message().unwrap();
    }

    /// A large shared value written by reference goes out in the same `sendmsg` as the
    /// descriptors, in its place in the frame.
    #[test]
    fn values_in_place_travel_with_the_descriptors() {
        let (a, b) = UnixStream::pair().unwrap();
        let file = a.try_clone().unwrap();
        let mut w = FdFramedWriter::new(crate::transport::stream::Stream::from(a));
        let mut r = FdFramedReader::new(b);
        let big: bytes::Bytes = (0..4000u32).map(|i| i as u8).collect();
        w.write_all(b"<").unwrap();
        assert_eq!(w.attach_fd(file.as_fd()).unwrap(), 0);
        w.write_bytes(&big).unwrap();
        assert_eq!(w.in_place.len(), 1, "kept in place");
        w.write_all(b">").unwrap();
        w.flush().unwrap();
        assert!(r.fill_buf().unwrap());
        let mut expected = b"<".to_vec();
        expected.extend_from_slice(&big);
        expected.push(b'>');
        assert_eq!(r.buffered(), &expected[..]);
        r.take_fd(0).unwrap();
        r.end_message().unwrap();
    }

    #[test]
    fn more_than_the_limit_is_refused_on_both_sides() {
        let limits = Limits::default().max_fds(1);
        let (a, b) = UnixStream::pair().unwrap();
        let mut w = FdFramedWriter::with_limits(a.try_clone().unwrap(), &limits);
        w.attach_fd(a.as_fd()).unwrap();
        let err = w.attach_fd(a.as_fd()).unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));

        // A sender without our limit: two descriptors at once.
        let mut loose = FdFramedWriter::new(a.try_clone().unwrap());
        loose.attach_fd(a.as_fd()).unwrap();
        loose.attach_fd(a.as_fd()).unwrap();
        loose.write_all(b"x").unwrap();
        loose.flush().unwrap();
        let mut r = FdFramedReader::with_limits(b, &limits);
        let err = r.fill_buf().unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));
    }

    #[test]
    fn descriptors_inside_a_payload_are_an_error() {
        let (a, b) = UnixStream::pair().unwrap();
        // The header alone, then payload bytes that carry a descriptor of their own.
        (&a).write_all(&[0, 0, 0, 2]).unwrap();
        sendmsg_fds(&a, b"yz", &[a.as_fd()]).unwrap();
        let err = FdFramedReader::new(b).fill_buf().unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));
    }

    #[test]
    fn descriptors_without_a_message_are_an_error() {
        let (a, b) = UnixStream::pair().unwrap();
        // Not `a` itself: a socket in flight in its own queue would keep it open.
        let null = std::fs::File::open("/dev/null").unwrap();
        sendmsg_fds(&a, b"\0", &[null.as_fd()]).unwrap();
        drop(a);
        let err = FdFramedReader::new(b).fill_buf().unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));
    }

    #[test]
    fn tcp_cannot_carry_descriptors() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let tcp = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let mut w = FdFramedWriter::new(crate::transport::Stream::Tcp(tcp));
        assert!(!w.can_carry_fds());
        let (x, _y) = UnixStream::pair().unwrap();
        let err = w.attach_fd(x.as_fd()).unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::FdUnsupported)
        );
    }
}
