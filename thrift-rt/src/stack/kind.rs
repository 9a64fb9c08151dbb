//! The protocol and transport of a connection, chosen at run time.
//!
//! Servers and the client helpers in [`connect`](crate::connect) take these enums and match on
//! them once per connection; every value is then read and written through a concrete,
//! statically dispatched reader or writer.

use std::fmt;
use std::str::FromStr;

/// A wire protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ProtocolKind {
    /// `TBinaryProtocol`: strict headers written, strict and old-style headers read.
    #[default]
    Binary,
    /// `TCompactProtocol`.
    Compact,
    /// `TJSONProtocol`.
    Json,
    /// `THeaderProtocol`: binary or compact, as each THeader frame says; calls in binary,
    /// replies in the protocol of their call (see [`HeaderProtocol`](super::HeaderProtocol)).
    /// Goes with [`TransportKind::Header`] or [`TransportKind::FramedHeader`].
    Header,
}

/// A transport: how messages are delimited on the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TransportKind {
    /// `TBufferedTransport`: messages back to back, read through a buffer.
    #[default]
    Buffered,
    /// `TFramedTransport`: each message preceded by its 4-byte big-endian length.
    Framed,
    /// The fd transport: framed messages over a Unix socket, carrying file descriptors
    /// (`SCM_RIGHTS`) with the message they belong to (see
    /// [`transport::fd`](crate::transport::fd)). Byte-compatible with `Framed` for messages
    /// without descriptors; needs a Unix socket.
    Fd,
    /// `TZlibTransport` over `TBufferedTransport`, as Apache's cross-test runs
    /// `--transport=zlib`: the buffered transport over the [`Zlib`](crate::layer::Zlib) layer
    /// (a zlib stream, flushed after each message).
    Zlib,
    /// `THeaderTransport` (see [`Header`](super::Header)): THeader frames; a server also
    /// answers unframed and framed binary and compact clients, each in its own dialect.
    Header,
    /// THeader frames each inside a plain frame, as Apache's test programs send
    /// `--protocol=header --transport=framed` ([`Header::outer_frames`](super::Header::outer_frames)).
    FramedHeader,
}

/// The error for a protocol or transport name that is not known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKind(String);

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown protocol or transport `{}`", self.0)
    }
}

impl std::error::Error for UnknownKind {}

impl FromStr for ProtocolKind {
    type Err = UnknownKind;

    /// Parses `binary`, `compact`, `json` or `header` (the names Apache's test programs use).
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        match s {
            "binary" => Ok(Self::Binary),
            "compact" => Ok(Self::Compact),
            "json" => Ok(Self::Json),
            "header" => Ok(Self::Header),
            _ => Err(UnknownKind(s.to_owned())),
        }
    }
}

impl FromStr for TransportKind {
    type Err = UnknownKind;

    /// Parses `buffered`, `framed`, `fd`, `zlib`, `header` or `framed-header`.
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        match s {
            "buffered" => Ok(Self::Buffered),
            "framed" => Ok(Self::Framed),
            "fd" => Ok(Self::Fd),
            "zlib" => Ok(Self::Zlib),
            "header" => Ok(Self::Header),
            "framed-header" => Ok(Self::FramedHeader),
            _ => Err(UnknownKind(s.to_owned())),
        }
    }
}

impl TransportKind {
    /// The built-in transport `transport` is, chosen at compile time (`Framed`, `Buffered`,
    /// `Fd`) or at run time (a `TransportKind`); `None` for a transport of your own and for
    /// the THeader and zlib ones. Endpoints take shortcuts for the simplest of them.
    pub(crate) fn of<T: super::Transport>(transport: &T) -> Option<TransportKind> {
        let transport: &dyn std::any::Any = transport;
        if transport.is::<super::Framed>() {
            Some(TransportKind::Framed)
        } else if transport.is::<super::Buffered>() {
            Some(TransportKind::Buffered)
        } else if transport.is::<super::Fd>() {
            Some(TransportKind::Fd)
        } else {
            transport.downcast_ref::<TransportKind>().copied()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names() {
        assert_eq!("compact".parse(), Ok(ProtocolKind::Compact));
        assert_eq!("framed".parse(), Ok(TransportKind::Framed));
        assert!("xml".parse::<ProtocolKind>().is_err());
        assert_eq!("zlib".parse(), Ok(TransportKind::Zlib));
    }
}
