//! Shared bodies of generated processors and clients: reading arguments, mapping handler
//! failures to `TApplicationException`, catching panics, writing replies. They live here so
//! each generated method stays a few lines long.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::application::{ApplicationError, ApplicationErrorKind};
use crate::codec::{ReadThrift, WriteThrift};
use crate::error::{Error, Result};
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{MessageHeader, MessageType, TType};

/// Reads the argument struct of a call and the end of the message.
///
/// When the arguments cannot be decoded, a `PROTOCOL_ERROR` exception is sent for calls (the
/// client learns why) before the error is returned.
///
/// # Errors
///
/// When the arguments cannot be decoded, or the exception cannot be written.
pub fn read_args<A: ReadThrift, R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
    header: &MessageHeader,
    r: &mut R,
    w: &mut W,
) -> Result<A> {
    match A::read(r).and_then(|args| r.read_message_end().map(|()| args)) {
        Ok(args) => Ok(args),
        Err(e) => {
            if header.kind == MessageType::Call {
                let message = format!("cannot decode the arguments of `{}`: {e}", header.name);
                let exception = ApplicationError::new(ApplicationErrorKind::ProtocolError, message);
                // The stream is unusable either way; the decode error is the one to report.
                let _ = write_exception(w, header, &exception);
            }
            Err(e)
        }
    }
}

/// Runs a handler, turning a panic into an `INTERNAL_ERROR` exception.
///
/// # Errors
///
/// The exception that replaces a panic.
pub fn catch_panic<T>(method: &str, f: impl FnOnce() -> T) -> Result<T, ApplicationError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = format!(
            "handler for `{method}` panicked: {}",
            panic_message(&*payload)
        );
        tracing::error!("{message}");
        ApplicationError::new(ApplicationErrorKind::InternalError, message)
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(non-string panic payload)"
    }
}

/// The exception sent for a handler error the IDL does not declare: an
/// [`Error::Application`] is sent as is, anything else becomes `INTERNAL_ERROR`.
pub fn undeclared_error(method: &str, error: Error) -> ApplicationError {
    match error {
        Error::Application(e) => e,
        other => {
            tracing::warn!("handler for `{method}` failed: {other}");
            ApplicationError::new(
                ApplicationErrorKind::InternalError,
                format!("handler for `{method}` failed: {other}"),
            )
        }
    }
}

/// Writes a `Reply` message carrying `result` (a generated result struct).
///
/// # Errors
///
/// Whatever the protocol or transport reports.
pub fn write_reply<T: WriteThrift, W: ProtocolWriter + ?Sized>(
    w: &mut W,
    header: &MessageHeader,
    result: &T,
) -> Result<()> {
    write_message(w, header, MessageType::Reply, result)
}

/// Writes an `Exception` message carrying `exception`.
///
/// # Errors
///
/// Whatever the protocol or transport reports.
pub fn write_exception<W: ProtocolWriter + ?Sized>(
    w: &mut W,
    header: &MessageHeader,
    exception: &ApplicationError,
) -> Result<()> {
    write_message(w, header, MessageType::Exception, exception)
}

fn write_message<T: WriteThrift, W: ProtocolWriter + ?Sized>(
    w: &mut W,
    header: &MessageHeader,
    kind: MessageType,
    body: &T,
) -> Result<()> {
    w.write_message_begin(&MessageHeader {
        name: header.name.as_str(),
        kind,
        seqid: header.seqid,
        channel: header.channel,
    })?;
    body.write(w)?;
    w.write_message_end()?;
    w.flush()
}

/// Sends the outcome of a call: a `Reply` with the result struct, or an `Exception`.
///
/// # Errors
///
/// Whatever the protocol or transport reports.
pub fn reply<T: WriteThrift, W: ProtocolWriter + ?Sized>(
    w: &mut W,
    header: &MessageHeader,
    outcome: Result<T, ApplicationError>,
) -> Result<()> {
    match outcome {
        Ok(result) => write_reply(w, header, &result),
        Err(exception) => write_exception(w, header, &exception),
    }
}

/// As [`reply`], for methods whose result can hold file descriptors: when the connection
/// cannot carry them, an `INTERNAL_ERROR` exception saying so is sent instead, before any
/// byte of the reply is written.
///
/// # Errors
///
/// Whatever the protocol or transport reports.
pub fn reply_with_fds<T: WriteThrift, W: ProtocolWriter + ?Sized>(
    w: &mut W,
    header: &MessageHeader,
    outcome: Result<T, ApplicationError>,
) -> Result<()> {
    if outcome.is_ok() && !w.can_carry_fds() {
        let message = format!(
            "the reply to `{}` holds file descriptors, which this connection cannot carry \
             (they need the fd transport over a Unix socket)",
            header.name
        );
        tracing::warn!("{message}");
        let exception = ApplicationError::new(ApplicationErrorKind::InternalError, message);
        return write_exception(w, header, &exception);
    }
    reply(w, header, outcome)
}

/// The error of a generated client whose call holds file descriptors, on a connection
/// that cannot carry them; returned before anything is written.
#[cold]
pub fn fds_unsupported(method: &str) -> Error {
    crate::error::TransportError::new(
        crate::TransportErrorKind::FdUnsupported,
        format!(
            "`{method}` sends file descriptors, which this connection cannot carry (they need \
             the fd transport over a Unix socket)"
        ),
    )
    .into()
}

/// Finishes a oneway call: there is nobody to tell about a failure, so it is logged.
pub fn oneway_done(method: &str, outcome: Result<Result<()>, ApplicationError>) {
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!("oneway handler for `{method}` failed: {error}"),
        // `catch_panic` already logged the panic.
        Err(_) => {}
    }
}

/// Answers a call to a method no processor knows: skips the arguments and, for calls, sends
/// `UNKNOWN_METHOD`.
///
/// # Errors
///
/// When the arguments cannot be skipped or the exception cannot be written.
pub fn unknown_method<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
    header: &MessageHeader,
    r: &mut R,
    w: &mut W,
) -> Result<()> {
    if header.kind == MessageType::Oneway {
        r.skip(TType::Struct)?;
        r.read_message_end()?;
        tracing::warn!("oneway call to unknown method `{}` dropped", header.name);
        return Ok(());
    }
    let message = format!("unknown method `{}`", header.name);
    refuse(header, r, w, ApplicationErrorKind::UnknownMethod, message)
}

/// Answers a message that is neither a call nor a oneway: skips it and, if it claims to need
/// an answer, sends `INVALID_MESSAGE_TYPE`.
///
/// # Errors
///
/// When the message cannot be skipped or the exception cannot be written.
pub fn invalid_message_type<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
    header: &MessageHeader,
    r: &mut R,
    w: &mut W,
) -> Result<()> {
    let message = format!("a server does not accept {:?} messages", header.kind);
    refuse(
        header,
        r,
        w,
        ApplicationErrorKind::InvalidMessageType,
        message,
    )
}

/// Skips the rest of a message and answers it with an exception.
fn refuse<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
    header: &MessageHeader,
    r: &mut R,
    w: &mut W,
    kind: ApplicationErrorKind,
    message: String,
) -> Result<()> {
    r.skip(TType::Struct)?;
    r.read_message_end()?;
    write_exception(w, header, &ApplicationError::new(kind, message))
}

/// The error for a reply that carried neither a result nor a declared exception.
#[cold]
pub fn missing_result(method: &str) -> Error {
    crate::client::mismatch(
        ApplicationErrorKind::MissingResult,
        format!("the reply to `{method}` carried no result"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryReader, BinaryWriter};

    #[test]
    fn panics_become_internal_errors() {
        let err = catch_panic("get", || -> i32 { panic!("boom") }).unwrap_err();
        assert_eq!(err.kind, ApplicationErrorKind::InternalError);
        assert!(err.message.contains("boom"), "{}", err.message);
        assert_eq!(catch_panic("get", || 3).unwrap(), 3);
    }

    /// The bytes of an argument struct `{ 1: i32 5 }`.
    fn args_bytes() -> Vec<u8> {
        let mut args = BinaryWriter::new(Vec::new());
        args.write_struct_begin("x").unwrap();
        super::super::write_field(&mut args, 1, &5i32).unwrap();
        args.write_field_stop().unwrap();
        args.write_struct_end().unwrap();
        args.into_inner()
    }

    fn header(name: &str, kind: MessageType) -> MessageHeader {
        MessageHeader::new(name.to_string(), kind, 7)
    }

    /// Runs `answer` over `input` and decodes the exception it wrote (`None`: it wrote nothing).
    fn answered(
        input: &[u8],
        answer: impl FnOnce(&mut BinaryReader<&[u8]>, &mut BinaryWriter<Vec<u8>>) -> Result<()>,
    ) -> (Result<()>, Option<(MessageHeader, ApplicationError)>) {
        let mut r = BinaryReader::new(input);
        let mut w = BinaryWriter::new(Vec::new());
        let result = answer(&mut r, &mut w);
        let out = w.into_inner();
        if out.is_empty() {
            return (result, None);
        }
        let mut r = BinaryReader::new(&out[..]);
        let reply = r.read_message_begin().unwrap();
        let exception = ApplicationError::read(&mut r).unwrap();
        (result, Some((reply, exception)))
    }

    /// Answers a message `nope` of `kind` with `answer`: the kind of the exception sent back
    /// (checked to be a well-formed reply to it), if any.
    fn exception_sent(
        kind: MessageType,
        answer: impl FnOnce(
            &MessageHeader,
            &mut BinaryReader<&[u8]>,
            &mut BinaryWriter<Vec<u8>>,
        ) -> Result<()>,
    ) -> Option<ApplicationErrorKind> {
        let message = header("nope", kind);
        let (result, reply) = answered(&args_bytes(), |r, w| answer(&message, r, w));
        result.unwrap();
        reply.map(|(reply, e)| {
            assert_eq!(
                (reply.name.as_str(), reply.kind, reply.seqid),
                ("nope", MessageType::Exception, 7)
            );
            e.kind
        })
    }

    #[test]
    fn unknown_methods_get_an_exception_unless_oneway() {
        let cases = [
            (MessageType::Call, Some(ApplicationErrorKind::UnknownMethod)),
            (MessageType::Oneway, None),
        ];
        for (kind, expected) in cases {
            let sent = exception_sent(kind, |m, r, w| unknown_method(m, r, w));
            assert_eq!(sent, expected, "{kind:?} (a oneway call gets no answer)");
        }
    }

    #[test]
    fn a_reply_sent_to_a_server_gets_invalid_message_type() {
        let sent = exception_sent(MessageType::Reply, |m, r, w| invalid_message_type(m, r, w));
        assert_eq!(sent, Some(ApplicationErrorKind::InvalidMessageType));
    }

    #[test]
    fn undecodable_arguments_get_protocol_error_and_fail_the_connection() {
        // A struct whose field says i32 but whose bytes end after the field header.
        let truncated = [8u8, 0, 1];
        let call = header("get", MessageType::Call);
        let (result, reply) = answered(&truncated, |r, w| {
            read_args::<crate::ApplicationError, _, _>(&call, r, w).map(drop)
        });
        assert!(result.is_err(), "the decode error is returned");
        let (reply, e) = reply.expect("the caller is told why");
        assert_eq!(reply.kind, MessageType::Exception);
        assert_eq!(e.kind, ApplicationErrorKind::ProtocolError);
        assert!(
            e.message.contains("cannot decode the arguments of `get`"),
            "{}",
            e.message
        );

        // For a oneway call there is nobody to tell.
        let oneway = header("get", MessageType::Oneway);
        let (result, reply) = answered(&truncated, |r, w| {
            read_args::<crate::ApplicationError, _, _>(&oneway, r, w).map(drop)
        });
        assert!(result.is_err());
        assert!(reply.is_none());
    }

    #[test]
    fn undeclared_errors_map_to_internal_error_unless_already_application_errors() {
        let passed = ApplicationError::new(ApplicationErrorKind::UnknownMethod, "mine");
        assert_eq!(
            undeclared_error("m", Error::Application(passed.clone())),
            passed
        );
        let io = std::io::Error::other("disk on fire");
        let e = undeclared_error("m", Error::Transport(io.into()));
        assert_eq!(e.kind, ApplicationErrorKind::InternalError);
        assert!(e.message.contains("disk on fire"), "{}", e.message);
    }
}
