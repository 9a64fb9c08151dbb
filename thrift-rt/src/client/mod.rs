//! The client side: how generated clients send calls and receive replies.
//!
//! - [`Caller`] (in [`caller`]): what a generated `FooClient` is generic over: send a call,
//!   receive its reply. [`Client`] (here) is the caller over one connection; an
//!   [`EndpointCaller`](crate::endpoint::EndpointCaller) is the caller over a channel endpoint.
//! - [`shared`]: [`SharedClient`](shared::SharedClient), one client for many threads over a
//!   pool of connections to one or more servers, replacing broken connections by itself.
//! - [`connect`]: opening a connection over TCP or a Unix socket with a
//!   [`Stack`](crate::stack::Stack), run-time choices or your own layers.
//!
//! A generated `FooClient` wraps one `Client`: it writes a call with [`Caller::send`], then
//! reads the reply with [`Caller::receive`], which checks that the reply answers this call
//! (same method, same sequence id) and turns an `Exception` message into
//! [`Error::Application`].

pub mod caller;
pub mod connect;
pub mod deadline;
pub mod shared;

pub use caller::Caller;

use crate::application::{ApplicationError, ApplicationErrorKind};
use crate::codec::ReadThrift;
use crate::error::{Error, Result};
use crate::intercept::{Interceptor, Interceptors};
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{MessageHeader, MessageType};

/// One connection's reader, writer and next sequence id.
#[derive(Debug)]
pub struct Client<R, W> {
    reader: R,
    writer: W,
    seqid: i32,
    interceptors: Interceptors,
}

impl<R: ProtocolReader, W: ProtocolWriter> Client<R, W> {
    /// A client that reads replies from `reader` and writes calls to `writer`.
    pub fn new(reader: R, writer: W) -> Self {
        Self {
            reader,
            writer,
            seqid: 0,
            interceptors: Interceptors::new(),
        }
    }

    /// Runs `interceptor` around every call of this client, after those added before (see
    /// [`intercept`](crate::intercept)).
    #[must_use]
    pub fn with_interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors = self.interceptors.with(interceptor);
        self
    }

    /// Runs `interceptors` around every call of this client, replacing any added before.
    #[must_use]
    pub fn with_interceptors(mut self, interceptors: Interceptors) -> Self {
        self.interceptors = interceptors;
        self
    }

    /// Makes the next call carry `seqid` (later calls count up from it, wrapping past
    /// `i32::MAX` to negative ids, as Apache's clients do).
    #[must_use]
    pub fn with_next_seqid(mut self, seqid: i32) -> Self {
        self.seqid = seqid.wrapping_sub(1);
        self
    }

    /// The sequence id the next call will carry.
    pub fn next_seqid(&self) -> i32 {
        self.seqid.wrapping_add(1)
    }

    /// The reader and writer.
    pub fn into_inner(self) -> (R, W) {
        (self.reader, self.writer)
    }

    /// The reader, e.g. to inspect its transport.
    pub fn reader(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut W {
        &mut self.writer
    }
}

impl<R: ProtocolReader, W: ProtocolWriter> Caller for Client<R, W> {
    type Writer = W;
    type Pending = i32;

    /// Writes the call and flushes; returns its sequence id.
    fn send(
        &mut self,
        method: &str,
        kind: MessageType,
        channel: u8,
        write_args: impl FnOnce(&mut W) -> Result<()>,
    ) -> Result<i32> {
        self.seqid = self.seqid.wrapping_add(1);
        let seqid = self.seqid;
        let header = MessageHeader {
            name: method,
            kind,
            seqid,
            channel,
        };
        let written = self
            .writer
            .write_message_begin(&header)
            .and_then(|()| write_args(&mut self.writer))
            .and_then(|()| self.writer.write_message_end());
        if let Err(e) = written {
            // Nothing of a half-written call may go out in front of the next one.
            self.writer.discard_message();
            return Err(e);
        }
        self.writer.flush()?;
        Ok(seqid)
    }

    /// Reads the next message, which must be the reply to `method` with sequence id `seqid`.
    fn receive<T: ReadThrift>(&mut self, method: &str, seqid: i32) -> Result<T> {
        read_reply(&mut self.reader, method, seqid)
    }

    fn interceptors(&self) -> Option<&Interceptors> {
        (!self.interceptors.is_empty()).then_some(&self.interceptors)
    }

    fn seqid_of(pending: &i32) -> i32 {
        *pending
    }

    fn can_carry_fds(&self) -> bool {
        self.writer.can_carry_fds()
    }
}

/// Reads a reply message from `reader`, checking that it answers the call `method` sent
/// with `seqid`, and decodes its result struct.
///
/// # Errors
///
/// [`Error::Application`] when the peer answered with an exception, or when the reply names
/// another method (`WRONG_METHOD_NAME`), carries another sequence id (`BAD_SEQUENCE_ID`) or
/// is not a reply (`INVALID_MESSAGE_TYPE`); otherwise whatever the protocol or transport
/// reports.
pub(crate) fn read_reply<T: ReadThrift, R: ProtocolReader + ?Sized>(
    reader: &mut R,
    method: &str,
    seqid: i32,
) -> Result<T> {
    let header = reader.read_message_begin()?;
    // A multiplexed server may echo the `Service:` prefix; the method is what must match.
    let name = if header.name == method {
        method
    } else {
        header
            .name
            .rsplit_once(':')
            .map_or(header.name.as_str(), |(_, bare)| bare)
    };
    if name != method {
        return Err(mismatch(
            ApplicationErrorKind::WrongMethodName,
            format!("reply names `{}`, the call was `{method}`", header.name),
        ));
    }
    if header.seqid != seqid {
        return Err(mismatch(
            ApplicationErrorKind::BadSequenceId,
            format!(
                "reply to `{method}` has sequence id {}, the call had {seqid}",
                header.seqid
            ),
        ));
    }
    match header.kind {
        MessageType::Reply => {
            let result = T::read(reader)?;
            reader.read_message_end()?;
            Ok(result)
        }
        MessageType::Exception => {
            let exception = ApplicationError::read(reader)?;
            reader.read_message_end()?;
            Err(Error::Application(exception))
        }
        other => Err(mismatch(
            ApplicationErrorKind::InvalidMessageType,
            format!("expected a reply to `{method}`, got a {other:?} message"),
        )),
    }
}

#[cold]
pub(crate) fn mismatch(kind: ApplicationErrorKind, message: String) -> Error {
    Error::Application(ApplicationError::new(kind, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryReader, BinaryWriter};

    fn reply(name: &str, kind: MessageType, seqid: i32) -> Vec<u8> {
        let mut w = BinaryWriter::new(Vec::new());
        w.write_message_begin(&MessageHeader::new(name, kind, seqid))
            .unwrap();
        w.write_i32(5).unwrap();
        w.write_message_end().unwrap();
        w.into_inner()
    }

    fn receive(bytes: &[u8], seqid: i32) -> Result<i32> {
        let mut client = Client::new(BinaryReader::new(bytes), BinaryWriter::new(Vec::new()));
        client.receive::<i32>("get", seqid)
    }

    fn app_kind(r: Result<i32>) -> ApplicationErrorKind {
        match r {
            Err(Error::Application(e)) => e.kind,
            other => panic!("expected an application error, got {other:?}"),
        }
    }

    #[test]
    fn checks_name_seqid_and_kind() {
        assert_eq!(receive(&reply("get", MessageType::Reply, 1), 1).unwrap(), 5);
        assert_eq!(
            receive(&reply("Svc:get", MessageType::Reply, 1), 1).unwrap(),
            5
        );
        assert_eq!(
            app_kind(receive(&reply("put", MessageType::Reply, 1), 1)),
            ApplicationErrorKind::WrongMethodName
        );
        assert_eq!(
            app_kind(receive(&reply("get", MessageType::Reply, 2), 1)),
            ApplicationErrorKind::BadSequenceId
        );
        assert_eq!(
            app_kind(receive(&reply("get", MessageType::Call, 1), 1)),
            ApplicationErrorKind::InvalidMessageType
        );
    }

    #[test]
    fn sequence_ids_count_up_and_wrap() {
        let mut client = Client::new(BinaryReader::new(&[][..]), BinaryWriter::new(Vec::new()))
            .with_next_seqid(i32::MAX);
        let first = client
            .send("a", MessageType::Oneway, 0, |_| Ok(()))
            .unwrap();
        let second = client
            .send("a", MessageType::Oneway, 0, |_| Ok(()))
            .unwrap();
        assert_eq!((first, second), (i32::MAX, i32::MIN));
        assert_eq!(client.next_seqid(), i32::MIN + 1);
    }

    #[test]
    fn a_call_that_fails_half_written_sends_nothing() {
        use crate::transport::{BufferedWriter, FramedWriter};

        fn two_calls<W: crate::transport::Sink>(sink: W) -> W {
            let mut client = Client::new(BinaryReader::new(&[][..]), BinaryWriter::new(sink));
            let failed = client.send("first", MessageType::Call, 0, |w| {
                w.write_i32(1)?;
                Err(crate::error::protocol_err(
                    crate::ProtocolErrorKind::MissingField,
                    "encoding failed half-way",
                ))
            });
            assert!(failed.is_err());
            client
                .send("second", MessageType::Call, 0, |w| w.write_i32(2))
                .unwrap();
            client.into_inner().1.into_inner()
        }

        let mut expected = BinaryWriter::new(Vec::new());
        expected
            .write_message_begin(&MessageHeader::new("second", MessageType::Call, 2))
            .unwrap();
        expected.write_i32(2).unwrap();
        let expected = expected.into_inner();

        let framed = two_calls(FramedWriter::new(Vec::new())).into_inner();
        assert_eq!(&framed[4..], &expected[..], "framed: only the second call");
        let buffered = two_calls(BufferedWriter::new(Vec::new())).into_inner();
        assert_eq!(buffered, expected, "buffered: only the second call");
    }
}
