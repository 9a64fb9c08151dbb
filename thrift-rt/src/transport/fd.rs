//! File-descriptor passing over Unix stream sockets (`SCM_RIGHTS`), bound to messages.
//!
//! This file holds all of the crate's `unsafe` code.
//!
//! # Wire format
//!
//! Each message is `len: u32 BE | n_fds: u16 BE | payload (len bytes)`, sent with one `sendmsg`
//! whose `SCM_RIGHTS` control message carries the `n_fds` descriptors. The kernel delivers
//! ancillary data with the first byte of that `sendmsg`, i.e. with the message header.
//!
//! # How descriptors stay bound to their message
//!
//! The receiver never reads past the end of the current message (it asks for exactly the
//! header, then exactly the payload), so a `recvmsg` cannot return bytes — or descriptors — of
//! the next message. Descriptors must arrive with the first header byte and their count must
//! match `n_fds`; descriptors that arrive anywhere else, or a count mismatch, are an
//! [`FdCount`](TransportErrorKind::FdCount) error, and every descriptor received so far is
//! closed.
//!
//! Received descriptors are wrapped in [`OwnedFd`] right after `recvmsg` returns, with
//! `MSG_CMSG_CLOEXEC` set; `MSG_CTRUNC` (descriptors dropped by the kernel) is a
//! [`ControlTruncated`](TransportErrorKind::ControlTruncated) error. At most
//! [`MAX_FDS_PER_MESSAGE`] (Linux's `SCM_MAX_FD`) descriptors travel with one message.

use std::io::{self, IoSlice, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::errno::Errno;
use nix::libc;
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};

use crate::error::{Result, TransportError, TransportErrorKind, eof};
use crate::limits::Limits;

/// The most descriptors one message can carry (Linux `SCM_MAX_FD`).
pub const MAX_FDS_PER_MESSAGE: usize = 253;

const HEADER_LEN: usize = 6;

/// A message received with its descriptors.
#[derive(Debug)]
pub struct FdMessage {
    /// The message bytes (e.g. a binary-protocol message).
    pub payload: Vec<u8>,
    /// The descriptors sent with it, in the sender's order.
    pub fds: Vec<OwnedFd>,
}

/// Sends and receives messages with attached file descriptors over a [`UnixStream`].
#[derive(Debug)]
pub struct FdStream {
    stream: UnixStream,
    limits: Limits,
    // Control buffer for recvmsg, u64-aligned as cmsghdr requires.
    control: Vec<u64>,
}

fn fd_error(message: impl Into<String>) -> crate::Error {
    TransportError::new(TransportErrorKind::FdCount, message).into()
}

impl FdStream {
    /// Wraps a connected stream with default limits.
    pub fn new(stream: UnixStream) -> Self {
        Self::with_limits(stream, Limits::default())
    }

    /// Wraps a connected stream; payloads above `limits.max_frame_size` are refused.
    pub fn with_limits(stream: UnixStream, limits: Limits) -> Self {
        // SAFETY: CMSG_SPACE is pure arithmetic on its argument.
        let space = unsafe { libc::CMSG_SPACE((MAX_FDS_PER_MESSAGE * size_of::<RawFd>()) as u32) };
        let words = (space as usize).div_ceil(size_of::<u64>());
        Self {
            stream,
            limits,
            control: vec![0; words],
        }
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &UnixStream {
        &self.stream
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> UnixStream {
        self.stream
    }

    /// Sends `payload` with `fds` attached. The caller keeps its descriptors; the receiver gets
    /// duplicates.
    ///
    /// # Errors
    ///
    /// [`FdCount`](TransportErrorKind::FdCount) for more than [`MAX_FDS_PER_MESSAGE`],
    /// [`FrameTooLarge`](TransportErrorKind::FrameTooLarge), I/O errors.
    pub fn send(&mut self, payload: &[u8], fds: &[BorrowedFd<'_>]) -> Result<()> {
        if fds.len() > MAX_FDS_PER_MESSAGE {
            return Err(fd_error(format!(
                "{} descriptors exceed {MAX_FDS_PER_MESSAGE}",
                fds.len()
            )));
        }
        if payload.len() > self.limits.max_frame_size || payload.len() > u32::MAX as usize {
            return Err(TransportError::new(
                TransportErrorKind::FrameTooLarge,
                format!("message of {} bytes", payload.len()),
            )
            .into());
        }
        let mut header = [0u8; HEADER_LEN];
        header[..4].copy_from_slice(&(payload.len() as u32).to_be_bytes());
        header[4..].copy_from_slice(&(fds.len() as u16).to_be_bytes());
        let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
        let rights = [ControlMessage::ScmRights(&raw)];
        let cmsgs: &[ControlMessage<'_>] = if raw.is_empty() { &[] } else { &rights };
        let iov = [IoSlice::new(&header), IoSlice::new(payload)];
        let sent = loop {
            match sendmsg::<()>(
                self.stream.as_raw_fd(),
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
        // The descriptors went with the first byte; send whatever did not fit without them.
        if sent < HEADER_LEN {
            self.stream.write_all(&header[sent..])?;
            self.stream.write_all(payload)?;
        } else if sent < HEADER_LEN + payload.len() {
            self.stream.write_all(&payload[sent - HEADER_LEN..])?;
        }
        Ok(())
    }

    /// Receives the next message and its descriptors; `None` if the peer closed the stream
    /// between messages.
    ///
    /// # Errors
    ///
    /// [`FdCount`](TransportErrorKind::FdCount),
    /// [`ControlTruncated`](TransportErrorKind::ControlTruncated),
    /// [`FrameTooLarge`](TransportErrorKind::FrameTooLarge),
    /// [`UnexpectedEof`](TransportErrorKind::UnexpectedEof) inside a message, I/O errors. On
    /// every error all descriptors received for the message are closed.
    pub fn recv(&mut self) -> Result<Option<FdMessage>> {
        let mut header = [0u8; HEADER_LEN];
        let (n, fds) = self.recv_chunk(&mut header)?;
        if n == 0 {
            return if fds.is_empty() {
                Ok(None)
            } else {
                Err(fd_error("descriptors without data"))
            };
        }
        let mut got = n;
        while got < HEADER_LEN {
            let (n, stray) = self.recv_chunk(&mut header[got..])?;
            if !stray.is_empty() {
                return Err(fd_error("descriptors arrived inside a message header"));
            }
            if n == 0 {
                return Err(eof());
            }
            got += n;
        }
        let len = u32::from_be_bytes(header[..4].try_into().expect("4 bytes")) as usize;
        let n_fds = usize::from(u16::from_be_bytes([header[4], header[5]]));
        if len > self.limits.max_frame_size {
            return Err(TransportError::new(
                TransportErrorKind::FrameTooLarge,
                format!(
                    "message of {len} bytes exceeds {}",
                    self.limits.max_frame_size
                ),
            )
            .into());
        }
        if n_fds != fds.len() {
            return Err(fd_error(format!(
                "{n_fds} descriptors announced, {} arrived",
                fds.len()
            )));
        }
        // Grow the payload as bytes arrive, so a lying length costs nothing.
        let mut payload = Vec::new();
        while payload.len() < len {
            let start = payload.len();
            let want = (len - start).min(64 * 1024);
            payload.resize(start + want, 0);
            let (n, stray) = self.recv_chunk(&mut payload[start..])?;
            payload.truncate(start + n);
            if !stray.is_empty() {
                return Err(fd_error("descriptors arrived inside a message payload"));
            }
            if n == 0 {
                return Err(eof());
            }
        }
        Ok(Some(FdMessage { payload, fds }))
    }

    /// One `recvmsg` into `buf`; returns the byte count and the descriptors that came with it.
    fn recv_chunk(&mut self, buf: &mut [u8]) -> Result<(usize, Vec<OwnedFd>)> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: msghdr is a plain C struct; all-zero (null pointers, zero lengths) is valid.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = self.control.as_mut_ptr().cast();
        msg.msg_controllen = (self.control.len() * size_of::<u64>()) as _;
        let n = loop {
            // SAFETY: `msg` points at `iov` (valid for `buf.len()` writable bytes) and at
            // `self.control` (valid for `msg_controllen` bytes); both outlive the call.
            let r =
                unsafe { libc::recvmsg(self.stream.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
            if r >= 0 {
                break r as usize;
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e.into());
            }
        };
        // Take ownership of every installed descriptor before anything else can fail, so that
        // each error path below closes them.
        let mut fds = Vec::new();
        if msg.msg_controllen > 0 {
            // SAFETY: `msg` was filled in by recvmsg; CMSG_FIRSTHDR only reads its fields.
            let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
            while !cmsg.is_null() {
                // SAFETY: a non-null pointer from CMSG_FIRSTHDR/CMSG_NXTHDR points at a complete
                // cmsghdr inside our u64-aligned control buffer.
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
            drop(fds);
            return Err(TransportError::from_kind(TransportErrorKind::ControlTruncated).into());
        }
        Ok((n, fds))
    }
}

impl AsFd for FdStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_descriptors_are_refused() {
        let (a, _b) = UnixStream::pair().unwrap();
        let mut s = FdStream::new(a);
        let fd = s.get_ref().try_clone().unwrap();
        let fds = vec![fd.as_fd(); MAX_FDS_PER_MESSAGE + 1];
        let err = s.send(b"x", &fds).unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));
    }

    #[test]
    fn announced_count_must_match() {
        let (a, b) = UnixStream::pair().unwrap();
        // A header announcing 2 descriptors, sent without any.
        (&a).write_all(&[0, 0, 0, 1, 0, 2, b'x']).unwrap();
        let err = FdStream::new(b).recv().unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));
    }

    #[test]
    fn stray_descriptors_are_an_error() {
        let (a, b) = UnixStream::pair().unwrap();
        // Header bytes first, then payload bytes that carry a descriptor of their own.
        (&a).write_all(&[0, 0, 0, 2, 0, 0]).unwrap();
        let extra = a.try_clone().unwrap();
        let fds = [extra.as_raw_fd()];
        let rights = [ControlMessage::ScmRights(&fds)];
        sendmsg::<()>(
            a.as_raw_fd(),
            &[IoSlice::new(b"yz")],
            &rights,
            MsgFlags::empty(),
            None,
        )
        .unwrap();
        let mut r = FdStream::new(b);
        let err = r.recv().unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));
    }

    #[test]
    fn plain_messages_and_eof() {
        let (a, b) = UnixStream::pair().unwrap();
        let mut w = FdStream::new(a);
        w.send(b"hello", &[]).unwrap();
        w.send(b"", &[]).unwrap();
        drop(w);
        let mut r = FdStream::new(b);
        assert_eq!(r.recv().unwrap().unwrap().payload, b"hello");
        assert!(r.recv().unwrap().unwrap().payload.is_empty());
        assert!(r.recv().unwrap().is_none());
    }

    #[test]
    fn truncated_message_is_eof() {
        let (a, b) = UnixStream::pair().unwrap();
        (&a).write_all(&[0, 0, 0, 5, 0, 0, 1, 2]).unwrap();
        drop(a);
        let err = FdStream::new(b).recv().unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
    }
}
