//! [`EndpointCaller`]: the [`Caller`] generated clients use on an endpoint.

use std::sync::Arc;
use std::time::Duration;

use crate::client::Caller;
use crate::client::read_reply;
use crate::codec::ReadThrift;
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::protocol::{BinaryReader, BinaryWriter, ProtocolWriter};
use crate::ttype::{MessageHeader, MessageType};

use super::Handle;
use super::message::Outgoing;

/// Makes calls through an [`Endpoint`](super::Endpoint): cheap to clone, and each clone may be
/// used from its own thread while others call through the same connection.
///
/// ```ignore
/// let echo = EchoServerClient::from_caller(endpoint.caller());
/// ```
#[derive(Clone, Debug)]
pub struct EndpointCaller {
    pub(super) handle: Arc<Handle>,
    pub(super) timeout: Option<Duration>,
}

impl EndpointCaller {
    /// Sets how long each call waits for its reply (`None`: forever); the default comes from
    /// the endpoint's [`Builder::call_timeout`](super::Builder::call_timeout).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A call sent through an [`EndpointCaller`], waiting for its reply.
#[derive(Debug)]
pub struct PendingReply {
    seqid: i32,
    /// Not oneway: a reply is expected.
    waits: bool,
}

impl Caller for EndpointCaller {
    type Writer = BinaryWriter<Outgoing>;
    type Pending = PendingReply;

    /// Encodes the call into a buffer, registers it (unless oneway), and writes it whole.
    fn send(
        &mut self,
        method: &str,
        kind: MessageType,
        channel: u8,
        write_args: impl FnOnce(&mut Self::Writer) -> Result<()>,
    ) -> Result<PendingReply> {
        let shared = &self.handle.shared;
        let seqid = shared.next_seqid();
        let mut w = BinaryWriter::new(shared.outgoing());
        w.write_message_begin(&MessageHeader {
            name: method,
            kind,
            seqid,
            channel,
        })?;
        write_args(&mut w)?;
        w.write_message_end()?;
        // Registered before it is written, so even an instant reply finds its caller.
        let waits = kind != MessageType::Oneway;
        if waits {
            shared.register(seqid, channel)?;
        }
        if let Err(e) = shared.send(w.into_inner()) {
            if waits {
                shared.forget(seqid);
            }
            return Err(e);
        }
        Ok(PendingReply { seqid, waits })
    }

    /// Waits for the reply to this call (reading the connection itself when nobody else
    /// does) and decodes it.
    fn receive<T: ReadThrift>(&mut self, method: &str, pending: PendingReply) -> Result<T> {
        let shared = &self.handle.shared;
        if !pending.waits {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Io,
                format!("`{method}` was sent oneway; there is no reply to wait for"),
            )));
        }
        let reply = shared.wait_reply(pending.seqid, method, self.timeout)?;
        let mut r = BinaryReader::with_limits(reply.into_source(), shared.settings.limits);
        let result = read_reply(&mut r, method, pending.seqid);
        crate::transport::framed::give_back(r.into_inner().into_bytes());
        result
    }

    fn can_carry_fds(&self) -> bool {
        self.handle.shared.carries_fds
    }

    fn interceptors(&self) -> Option<&crate::intercept::Interceptors> {
        let interceptors = &self.handle.shared.settings.interceptors;
        (!interceptors.is_empty()).then_some(interceptors)
    }

    fn seqid_of(pending: &PendingReply) -> i32 {
        pending.seqid
    }
}
