//! `TApplicationException`: the error a server sends in an `Exception` message.

use std::fmt;

use crate::__private::{read_field_value, skip_field, write_field};
use crate::codec::{ReadThrift, WriteThrift};
use crate::error::Result;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::TType;

/// The `type` field of a `TApplicationException`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApplicationErrorKind {
    /// 0: unknown error (also used for wire values this build does not know).
    #[default]
    Unknown,
    /// 1: the server does not implement the method.
    UnknownMethod,
    /// 2: the message type was not `Call` or `Oneway`.
    InvalidMessageType,
    /// 3: the reply named another method.
    WrongMethodName,
    /// 4: the reply's sequence id did not match the call.
    BadSequenceId,
    /// 5: the reply had neither a result nor a declared exception.
    MissingResult,
    /// 6: the handler failed in a way the IDL does not declare.
    InternalError,
    /// 7: the request could not be decoded.
    ProtocolError,
    /// 8: a transform (e.g. compression) failed.
    InvalidTransform,
    /// 9: the protocol is not supported.
    InvalidProtocol,
    /// 10: the client type is not supported.
    UnsupportedClientType,
}

impl ApplicationErrorKind {
    /// The wire value.
    pub fn to_i32(self) -> i32 {
        match self {
            ApplicationErrorKind::Unknown => 0,
            ApplicationErrorKind::UnknownMethod => 1,
            ApplicationErrorKind::InvalidMessageType => 2,
            ApplicationErrorKind::WrongMethodName => 3,
            ApplicationErrorKind::BadSequenceId => 4,
            ApplicationErrorKind::MissingResult => 5,
            ApplicationErrorKind::InternalError => 6,
            ApplicationErrorKind::ProtocolError => 7,
            ApplicationErrorKind::InvalidTransform => 8,
            ApplicationErrorKind::InvalidProtocol => 9,
            ApplicationErrorKind::UnsupportedClientType => 10,
        }
    }

    /// Maps a wire value to a kind; unknown values become [`ApplicationErrorKind::Unknown`].
    pub fn from_i32(v: i32) -> Self {
        match v {
            1 => ApplicationErrorKind::UnknownMethod,
            2 => ApplicationErrorKind::InvalidMessageType,
            3 => ApplicationErrorKind::WrongMethodName,
            4 => ApplicationErrorKind::BadSequenceId,
            5 => ApplicationErrorKind::MissingResult,
            6 => ApplicationErrorKind::InternalError,
            7 => ApplicationErrorKind::ProtocolError,
            8 => ApplicationErrorKind::InvalidTransform,
            9 => ApplicationErrorKind::InvalidProtocol,
            10 => ApplicationErrorKind::UnsupportedClientType,
            _ => ApplicationErrorKind::Unknown,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ApplicationErrorKind::Unknown => "unknown",
            ApplicationErrorKind::UnknownMethod => "unknown method",
            ApplicationErrorKind::InvalidMessageType => "invalid message type",
            ApplicationErrorKind::WrongMethodName => "wrong method name",
            ApplicationErrorKind::BadSequenceId => "bad sequence id",
            ApplicationErrorKind::MissingResult => "missing result",
            ApplicationErrorKind::InternalError => "internal error",
            ApplicationErrorKind::ProtocolError => "protocol error",
            ApplicationErrorKind::InvalidTransform => "invalid transform",
            ApplicationErrorKind::InvalidProtocol => "invalid protocol",
            ApplicationErrorKind::UnsupportedClientType => "unsupported client type",
        }
    }
}

/// `TApplicationException { 1: string message, 2: i32 type }`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ApplicationError {
    /// What happened, for humans.
    pub message: String,
    /// What kind of failure.
    pub kind: ApplicationErrorKind,
}

impl ApplicationError {
    /// An application error.
    pub fn new(kind: ApplicationErrorKind, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind,
        }
    }
}

impl fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.kind.describe())
        } else {
            write!(f, "{}: {}", self.kind.describe(), self.message)
        }
    }
}

impl std::error::Error for ApplicationError {}

impl WriteThrift for ApplicationError {
    const TTYPE: TType = TType::Struct;

    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_struct_begin("TApplicationException")?;
        write_field(w, 1, self.message.as_str())?;
        write_field(w, 2, &self.kind.to_i32())?;
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

impl ReadThrift for ApplicationError {
    const TTYPE: TType = TType::Struct;

    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let mut out = ApplicationError::default();
        r.read_struct_begin()?;
        while let Some(field) = r.read_field_begin()? {
            match field.id {
                1 => {
                    if let Some(m) = read_field_value(r, field)
                        .map_err(|e| e.in_field("TApplicationException", "message"))?
                    {
                        out.message = m;
                    }
                }
                2 => {
                    if let Some(k) = read_field_value::<_, i32>(r, field)
                        .map_err(|e| e.in_field("TApplicationException", "type"))?
                    {
                        out.kind = ApplicationErrorKind::from_i32(k);
                    }
                }
                _ => skip_field(r, field)?,
            }
        }
        r.read_struct_end()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryReader, BinaryWriter};

    #[test]
    fn all_kinds_roundtrip() {
        for v in 0..=10 {
            let kind = ApplicationErrorKind::from_i32(v);
            assert_eq!(kind.to_i32(), v);
            let e = ApplicationError::new(kind, format!("m{v}"));
            let mut w = BinaryWriter::new(Vec::new());
            e.write(&mut w).unwrap();
            let bytes = w.into_inner();
            assert_eq!(
                ApplicationError::read(&mut BinaryReader::new(&bytes[..])).unwrap(),
                e
            );
        }
        assert_eq!(
            ApplicationErrorKind::from_i32(99),
            ApplicationErrorKind::Unknown
        );
    }

    #[test]
    fn wire_bytes() {
        let e = ApplicationError::new(ApplicationErrorKind::UnknownMethod, "x");
        let mut w = BinaryWriter::new(Vec::new());
        e.write(&mut w).unwrap();
        assert_eq!(
            w.into_inner(),
            [11, 0, 1, 0, 0, 0, 1, b'x', 8, 0, 2, 0, 0, 0, 1, 0]
        );
    }
}
