//! Errors: one [`Error`] enum for everything that can go wrong below the IDL level.
//!
//! IDL-declared exceptions never appear here; generated code gives each method its own error
//! type. This enum only covers the byte stream ([`TransportError`]), malformed Thrift
//! ([`ProtocolError`]) and `TApplicationException` ([`ApplicationError`]).

use std::fmt;
use std::io;

pub use crate::application::{ApplicationError, ApplicationErrorKind};

/// Shorthand for `Result<T, thrift_rt::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a Thrift call or decode failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The byte stream broke: I/O failure, EOF mid-message, frame too large.
    Transport(TransportError),
    /// The bytes arrived but do not form valid Thrift (bad type tag, negative size, depth limit).
    Protocol(ProtocolError),
    /// The peer answered with a `TApplicationException`, or a handler failed in a way the IDL
    /// does not declare.
    Application(ApplicationError),
}

impl Error {
    /// Adds a `struct.field` step to the path of a protocol error; other errors pass through.
    ///
    /// Generated code calls this while unwinding out of a field, so the outermost struct ends up
    /// last in the path.
    #[cold]
    #[inline(never)]
    #[must_use]
    pub fn in_field(self, strukt: &'static str, field: &'static str) -> Self {
        match self {
            Error::Protocol(mut e) => {
                e.inner.path.push((strukt, field));
                Error::Protocol(e)
            }
            other => other,
        }
    }

    /// The protocol error kind, if this is a protocol error.
    pub fn protocol_kind(&self) -> Option<ProtocolErrorKind> {
        match self {
            Error::Protocol(e) => Some(e.kind()),
            _ => None,
        }
    }

    /// The transport error kind, if this is a transport error.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Error::Transport(e) => Some(e.kind()),
            _ => None,
        }
    }

    /// Whether a configured [`Limits`](crate::Limits) bound refused the input: a size, count
    /// or depth over its limit, a frame, message or THeader header too large, or too many
    /// descriptors. (Servers log these as "limit hit".)
    pub fn is_limit(&self) -> bool {
        match self {
            Error::Protocol(e) => matches!(
                e.kind(),
                ProtocolErrorKind::SizeLimit | ProtocolErrorKind::DepthLimit
            ),
            Error::Transport(e) => matches!(
                e.kind(),
                TransportErrorKind::FrameTooLarge
                    | TransportErrorKind::MessageTooLarge
                    | TransportErrorKind::HeaderLimit
                    | TransportErrorKind::FdCount
            ),
            Error::Application(_) => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Application(e) => write!(f, "application error: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Protocol(e) => Some(e),
            Error::Application(e) => Some(e),
        }
    }
}

impl From<io::Error> for Error {
    /// Wraps the I/O error, keeping it as `source()`. An `io::Error` that merely carries one of
    /// our own errors (as `FramedWriter::flush` produces) is unwrapped instead.
    #[cold]
    fn from(e: io::Error) -> Self {
        if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            if let Some(Ok(inner)) = e.into_inner().map(|b| b.downcast::<Error>()) {
                return *inner;
            }
            unreachable!("checked above");
        }
        Error::Transport(TransportError::from(e))
    }
}

impl From<TransportError> for Error {
    #[cold]
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

impl From<ProtocolError> for Error {
    #[cold]
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

impl From<ApplicationError> for Error {
    #[cold]
    fn from(e: ApplicationError) -> Self {
        Error::Application(e)
    }
}

/// What went wrong with the byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// An I/O error from the operating system; see `source()`.
    Io,
    /// The stream ended in the middle of a message or frame.
    UnexpectedEof,
    /// A frame header announced more bytes than the frame size limit allows.
    FrameTooLarge,
    /// A frame header announced a negative size.
    NegativeFrameSize,
    /// A message exceeded the message size limit.
    MessageTooLarge,
    /// An I/O operation timed out.
    TimedOut,
    /// More file descriptors than one message may carry, or fewer arrived than announced.
    FdCount,
    /// The kernel dropped ancillary data (file descriptors) because the buffer was too small.
    ControlTruncated,
    /// A message holds file descriptors and the transport cannot carry them (only the fd
    /// transport over a Unix socket can).
    FdUnsupported,
    /// A THeader frame that is not well formed: bad magic, a header running past its frame
    /// or its declared size, a bad varint, an unknown payload protocol, bytes that are no
    /// client type a THeader server detects.
    BadHeader,
    /// A THeader frame over a limit: header size, number of info headers, or the size its
    /// zlib transform inflates to.
    HeaderLimit,
    /// The peer broke a rule of HTTP (a malformed head, a method other than `POST`, a body
    /// without a length, a limit of the HTTP transport) or answered with a status other than
    /// 2xx.
    Http,
}

/// The byte stream broke.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: Option<Box<str>>,
    source: Option<io::Error>,
}

impl TransportError {
    /// A transport error of this kind with a short description.
    #[cold]
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: Some(message.into().into_boxed_str()),
            source: None,
        }
    }

    /// A transport error with only a kind.
    #[cold]
    pub fn from_kind(kind: TransportErrorKind) -> Self {
        Self {
            kind,
            message: None,
            source: None,
        }
    }

    /// The stream ended before a complete message arrived.
    #[cold]
    pub fn eof() -> Self {
        Self::from_kind(TransportErrorKind::UnexpectedEof)
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The underlying I/O error, if any.
    pub fn io_error(&self) -> Option<&io::Error> {
        self.source.as_ref()
    }
}

impl From<io::Error> for TransportError {
    #[cold]
    fn from(e: io::Error) -> Self {
        if e.get_ref()
            .is_some_and(|inner| inner.is::<TransportError>())
        {
            if let Some(Ok(inner)) = e.into_inner().map(|b| b.downcast::<TransportError>()) {
                return *inner;
            }
            unreachable!("checked above");
        }
        let kind = match e.kind() {
            io::ErrorKind::UnexpectedEof => TransportErrorKind::UnexpectedEof,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::TimedOut,
            _ => TransportErrorKind::Io,
        };
        Self {
            kind,
            message: None,
            source: Some(e),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Io => "i/o error",
            TransportErrorKind::UnexpectedEof => "unexpected end of stream",
            TransportErrorKind::FrameTooLarge => "frame too large",
            TransportErrorKind::NegativeFrameSize => "negative frame size",
            TransportErrorKind::MessageTooLarge => "message too large",
            TransportErrorKind::TimedOut => "timed out",
            TransportErrorKind::FdCount => "wrong number of file descriptors",
            TransportErrorKind::ControlTruncated => "file descriptors truncated by the kernel",
            TransportErrorKind::FdUnsupported => "transport cannot carry file descriptors",
            TransportErrorKind::BadHeader => "malformed THeader frame",
            TransportErrorKind::HeaderLimit => "THeader frame over a limit",
            TransportErrorKind::Http => "HTTP error",
        };
        f.write_str(what)?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// What is wrong with the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolErrorKind {
    /// Syntactically invalid data (bad token, value out of range, malformed varint).
    InvalidData,
    /// A length or count was negative.
    NegativeSize,
    /// A length or count exceeds a limit, or more bytes than remain in the message.
    SizeLimit,
    /// Nesting deeper than the recursion limit.
    DepthLimit,
    /// Unknown protocol id or version in a message header.
    BadVersion,
    /// The protocol cannot express this operation.
    NotImplemented,
    /// A string was not valid UTF-8.
    InvalidUtf8,
    /// A type id that is not a Thrift type.
    UnknownType,
    /// A container or value of a different type than the schema expects.
    UnexpectedType,
    /// A required field was not present.
    MissingField,
    /// A union had zero or more than one field set.
    InvalidUnion,
    /// An unknown message type in a message header.
    InvalidMessageType,
    /// File descriptors that do not fit the message: an `fd` index beyond the descriptors
    /// received or already taken, descriptors the message left unclaimed, or more
    /// descriptors than the limit allows.
    Descriptors,
}

impl ProtocolErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ProtocolErrorKind::InvalidData => "invalid data",
            ProtocolErrorKind::NegativeSize => "negative size",
            ProtocolErrorKind::SizeLimit => "size limit exceeded",
            ProtocolErrorKind::DepthLimit => "depth limit exceeded",
            ProtocolErrorKind::BadVersion => "bad protocol version",
            ProtocolErrorKind::NotImplemented => "not implemented",
            ProtocolErrorKind::InvalidUtf8 => "invalid utf-8",
            ProtocolErrorKind::UnknownType => "unknown type id",
            ProtocolErrorKind::UnexpectedType => "unexpected type",
            ProtocolErrorKind::MissingField => "missing required field",
            ProtocolErrorKind::InvalidUnion => "union must have exactly one field",
            ProtocolErrorKind::InvalidMessageType => "invalid message type",
            ProtocolErrorKind::Descriptors => "file descriptors do not match the message",
        }
    }
}

#[derive(Debug)]
struct ProtocolErrorInner {
    kind: ProtocolErrorKind,
    message: Option<Box<str>>,
    path: Vec<(&'static str, &'static str)>,
}

/// The bytes arrived but do not form valid Thrift.
///
/// Carries a [`ProtocolErrorKind`], an optional detail message and the `struct.field` path from
/// the outermost struct down to where decoding failed.
#[derive(Debug)]
pub struct ProtocolError {
    // Boxed so that `Result<T, Error>` stays small on hot decode paths.
    inner: Box<ProtocolErrorInner>,
}

impl ProtocolError {
    /// A protocol error of this kind with a short description.
    #[cold]
    #[inline(never)]
    pub fn new(kind: ProtocolErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(ProtocolErrorInner {
                kind,
                message: Some(message.into().into_boxed_str()),
                path: Vec::new(),
            }),
        }
    }

    /// A protocol error with only a kind.
    #[cold]
    #[inline(never)]
    pub fn from_kind(kind: ProtocolErrorKind) -> Self {
        Self {
            inner: Box::new(ProtocolErrorInner {
                kind,
                message: None,
                path: Vec::new(),
            }),
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> ProtocolErrorKind {
        self.inner.kind
    }

    /// The detail message, if any.
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// The `(struct, field)` path, outermost first.
    pub fn path(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.inner.path.iter().rev().copied()
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (strukt, field) in self.path() {
            if first {
                write!(f, "{strukt}.{field}")?;
                first = false;
            } else {
                write!(f, " > {strukt}.{field}")?;
            }
        }
        if !first {
            f.write_str(": ")?;
        }
        f.write_str(self.inner.kind.describe())?;
        if let Some(m) = &self.inner.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProtocolError {}

/// Builds an [`Error::Protocol`] with a message; cold so that it stays off hot paths.
#[cold]
#[inline(never)]
pub(crate) fn protocol_err(kind: ProtocolErrorKind, message: impl Into<String>) -> Error {
    Error::Protocol(ProtocolError::new(kind, message))
}

/// Builds an [`Error::Protocol`] with only a kind.
#[cold]
#[inline(never)]
pub(crate) fn protocol_kind(kind: ProtocolErrorKind) -> Error {
    Error::Protocol(ProtocolError::from_kind(kind))
}

/// The error for an input that ended too early.
#[cold]
#[inline(never)]
pub(crate) fn eof() -> Error {
    Error::Transport(TransportError::eof())
}

/// The error generated code returns when a required field is missing.
#[cold]
#[inline(never)]
pub(crate) fn missing_field(strukt: &'static str, field: &'static str) -> Error {
    Error::Protocol(ProtocolError {
        inner: Box::new(ProtocolErrorInner {
            kind: ProtocolErrorKind::MissingField,
            message: None,
            path: vec![(strukt, field)],
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_rendered_outermost_first() {
        let e = protocol_kind(ProtocolErrorKind::InvalidUtf8)
            .in_field("Address", "street")
            .in_field("User", "home");
        assert_eq!(
            e.to_string(),
            "protocol error: User.home > Address.street: invalid utf-8"
        );
        assert_eq!(e.protocol_kind(), Some(ProtocolErrorKind::InvalidUtf8));
    }

    #[test]
    fn io_error_keeps_source() {
        let e = Error::from(io::Error::other("boom"));
        let src = std::error::Error::source(&e).unwrap();
        assert!(std::error::Error::source(src).is_some());
        assert_eq!(e.transport_kind(), Some(TransportErrorKind::Io));
    }

    #[test]
    fn error_is_small() {
        assert!(
            std::mem::size_of::<Error>() <= 40,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
