//! [`Sink`]: where protocol writers put bytes, and descriptors when the transport can carry
//! them.
//!
//! A sink is an [`io::Write`] plus one capability: attaching file descriptors to the message
//! being written (the IDL type `fd`). Only transports bound to a Unix socket can carry
//! descriptors ([`FdFramedWriter`](super::fd::FdFramedWriter), and the channel endpoint's
//! message buffer when descriptor passing is on); every other sink keeps the default methods,
//! which refuse. Plain `Write` types used as sinks need one empty line:
//! `impl thrift_rt::transport::Sink for MyWriter {}`.

use std::io;
#[cfg(unix)]
use std::os::fd::BorrowedFd;

use crate::error::Result;
use crate::transport::header::PayloadProtocol;
use crate::ttype::MessageType;

/// A byte sink for protocol writers; see the [module documentation](self).
pub trait Sink: io::Write {
    /// Whether descriptors can be attached to the messages written here. Generated code asks
    /// before writing a message that holds descriptors, so that a transport that cannot carry
    /// them fails before anything is written.
    fn can_carry_fds(&self) -> bool {
        false
    }

    /// Writes `v` as [`write_all`](io::Write::write_all) does. A sink that sends whole
    /// messages may keep a reference to `v` instead of copying it, and send it from where it
    /// is (one more piece of a vectored write): protocol writers pass large shared strings
    /// and binaries ([`ProtocolWriter::write_bytes`](crate::ProtocolWriter::write_bytes))
    /// this way.
    ///
    /// # Errors
    ///
    /// The write's.
    fn write_bytes(&mut self, v: &bytes::Bytes) -> io::Result<()> {
        self.write_all(v)
    }

    /// Attaches a duplicate of `fd` to the message being written and returns its index in
    /// the message's descriptor list (the value an `fd` has on the wire). The descriptors
    /// leave with the message when it is flushed.
    ///
    /// # Errors
    ///
    /// [`FdUnsupported`](crate::TransportErrorKind::FdUnsupported) for sinks that cannot carry
    /// descriptors; [`FdCount`](crate::TransportErrorKind::FdCount) beyond the per-message
    /// limit; an I/O error if the descriptor cannot be duplicated.
    #[cfg(unix)]
    fn attach_fd(&mut self, fd: BorrowedFd<'_>) -> Result<i32> {
        let _ = fd;
        Err(fd_unsupported())
    }

    /// Drops the bytes (and descriptors) of a message not flushed yet, after writing it
    /// failed half-way, so the next message does not go out behind a fragment. Sinks that
    /// hold whole messages (the framed, buffered and fd writers) implement it; for the others
    /// it does nothing.
    fn discard(&mut self) {}

    /// Frees buffers while no message is being written (a server parking an idle
    /// connection); they are allocated again with the next message.
    fn release_idle_buffer(&mut self) {}

    /// Tells the sink a message starts, in payload protocol `protocol` (binary and compact
    /// writers say which), of type `kind`, with sequence id `seqid`: a THeader frame carries
    /// them. The others ignore it.
    fn begin_message(&mut self, protocol: Option<PayloadProtocol>, kind: MessageType, seqid: i32) {
        let _ = (protocol, kind, seqid);
    }

    /// The payload protocol a message of type `kind` must be written in, if the sink has a
    /// say: a THeader sink answers a reply in the protocol of the call it answers.
    /// [`HeaderProtocol`](crate::stack::HeaderProtocol) asks before each message.
    fn message_protocol(&self, kind: MessageType) -> Option<PayloadProtocol> {
        let _ = kind;
        None
    }

    /// Tells the sink how long its caller waits for each reply (the client's call timeout),
    /// so that a transport that can carry it does: THeader sends it with each call as the
    /// [`DEADLINE_KEY`](crate::header::DEADLINE_KEY) info header. The others ignore it.
    fn set_call_timeout(&mut self, timeout: Option<std::time::Duration>) {
        let _ = timeout;
    }

    /// Tells the sink that a server is done with an incoming message: its processor
    /// returned, whether or not it wrote a reply. A transport whose every request needs an
    /// answer (HTTP) sends an empty one here for a request that got none (a oneway call);
    /// the others do nothing.
    ///
    /// # Errors
    ///
    /// Writing the answer failed.
    fn message_served(&mut self) -> Result<()> {
        Ok(())
    }

    /// Tells the sink that a server gives up on the connection because reading or serving a
    /// message failed with `error`, just before it closes it. A transport that can tell the
    /// peer why (HTTP: a `4xx` status, unless the request was answered already) does so
    /// here, best effort; the others do nothing.
    fn refuse_message(&mut self, error: &crate::Error) {
        let _ = error;
    }
}

/// The error of sinks (and readers) without descriptor support.
#[cold]
pub(crate) fn fd_unsupported() -> crate::Error {
    crate::error::TransportError::new(
        crate::TransportErrorKind::FdUnsupported,
        "this transport cannot carry file descriptors (they need the fd transport over a Unix socket)",
    )
    .into()
}

/// Boxes and mutable references are sinks when what they point to is.
macro_rules! forward_sink {
    ($($ty:ty),*) => {$(
        impl<S: Sink + ?Sized> Sink for $ty {
            fn can_carry_fds(&self) -> bool {
                (**self).can_carry_fds()
            }

            fn write_bytes(&mut self, v: &bytes::Bytes) -> io::Result<()> {
                (**self).write_bytes(v)
            }

            fn discard(&mut self) {
                (**self).discard();
            }

            fn release_idle_buffer(&mut self) {
                (**self).release_idle_buffer();
            }

            fn message_served(&mut self) -> Result<()> {
                (**self).message_served()
            }

            fn refuse_message(&mut self, error: &crate::Error) {
                (**self).refuse_message(error);
            }

            #[cfg(unix)]
            fn attach_fd(&mut self, fd: BorrowedFd<'_>) -> Result<i32> {
                (**self).attach_fd(fd)
            }

            fn begin_message(&mut self, protocol: Option<PayloadProtocol>, kind: MessageType, seqid: i32) {
                (**self).begin_message(protocol, kind, seqid);
            }

            fn message_protocol(&self, kind: MessageType) -> Option<PayloadProtocol> {
                (**self).message_protocol(kind)
            }

            fn set_call_timeout(&mut self, timeout: Option<std::time::Duration>) {
                (**self).set_call_timeout(timeout);
            }
        }
    )*};
}

forward_sink!(&mut S, Box<S>);

impl Sink for Vec<u8> {}
impl Sink for &mut [u8] {}
impl Sink for io::Sink {}
impl Sink for io::Stdout {}
impl Sink for io::Stderr {}
impl Sink for std::fs::File {}
impl Sink for std::net::TcpStream {}
#[cfg(unix)]
impl Sink for std::os::unix::net::UnixStream {}
impl<W: io::Write> Sink for io::BufWriter<W> {}
impl<W: io::Write> Sink for io::LineWriter<W> {}
impl Sink for io::Cursor<Vec<u8>> {}
impl Sink for io::Cursor<&mut Vec<u8>> {}
impl Sink for io::Cursor<&mut [u8]> {}
impl Sink for io::Cursor<Box<[u8]>> {}
