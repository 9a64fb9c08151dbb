//! [`SocketEnd`]: the read side of an endpoint's socket, below its layers and its gate.
//!
//! Once the gate decides when to read (every transport that can tell where a message ends),
//! a read never waits: it takes what the socket holds (`MSG_DONTWAIT`) and reports
//! `WouldBlock` when it holds nothing. Whoever reads then waits for the socket in its own way:
//! a thread of the connection in `epoll`, a caller in `poll` with its deadline. The flag is
//! per read, not the socket's `O_NONBLOCK`, which the writing half shares.

use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd};

use nix::errno::Errno;
use nix::sys::socket::{MsgFlags, recv};

use crate::transport::ReadEnd;
use crate::transport::fd::FdInbox;
use crate::transport::stream::Stream;

#[derive(Debug)]
pub(crate) struct SocketEnd {
    stream: Stream,
    /// Reads wait for bytes: for transports the gate cannot look into, and for a caller
    /// without a deadline reading its reply.
    wait: bool,
}

impl SocketEnd {
    pub(crate) fn new(stream: Stream, wait: bool) -> Self {
        Self { stream, wait }
    }

    /// Whether reads wait for bytes.
    pub(crate) fn wait_for_bytes(&mut self, wait: bool) {
        self.wait = wait;
    }

    fn flags(&self) -> MsgFlags {
        if self.wait {
            MsgFlags::empty()
        } else {
            MsgFlags::MSG_DONTWAIT
        }
    }
}

impl Read for SocketEnd {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let fd = self.stream.as_fd().as_raw_fd();
        loop {
            match recv(fd, buf, self.flags()) {
                Err(Errno::EINTR) => {}
                got => return got.map_err(io::Error::from),
            }
        }
    }
}

impl ReadEnd for SocketEnd {
    fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut FdInbox) -> crate::Result<usize> {
        match &self.stream {
            Stream::Unix(s) => {
                crate::transport::fd::recvmsg_fds(s.as_fd(), buf, inbox, self.flags().bits())
            }
            Stream::Tcp(_) => Ok(self.read(buf)?),
        }
    }

    fn read_spare(&mut self, buf: &mut bytes::BytesMut, max: usize) -> Option<io::Result<usize>> {
        let flags = self.flags().bits();
        Some(crate::transport::end::recv_spare(
            self.stream.as_fd(),
            buf,
            max,
            flags,
        ))
    }
}
