//! Decoding what the server sends back (with our own library: only the client is hostile).

use thrift_rt::protocol::{BinaryReader, CompactReader, JsonReader};
use thrift_rt::transport::FramedReader;
use thrift_rt::{
    ApplicationError, ApplicationErrorKind, MessageType, ProtocolReader, ReadThrift, TType,
};

use crate::combos::{Combo, Framing, Proto};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    I32(i32),
    Str(String),
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Msg {
    Reply { seqid: i32, value: Option<Value> },
    Exception(ApplicationErrorKind, String),
    Other(MessageType),
}

fn decode_one<R: ProtocolReader>(r: &mut R) -> thrift_rt::Result<Msg> {
    let header = r.read_message_begin()?;
    let msg = match header.kind {
        MessageType::Exception => {
            let e = ApplicationError::read(r)?;
            Msg::Exception(e.kind, e.message)
        }
        MessageType::Reply => {
            let mut value = None;
            r.read_struct_begin()?;
            while let Some(field) = r.read_field_begin()? {
                if field.id == 0 {
                    value = Some(match field.ttype {
                        TType::I32 => Value::I32(r.read_i32()?),
                        TType::String => Value::Str(r.read_string()?),
                        other => {
                            r.skip(other)?;
                            Value::Other
                        }
                    });
                } else {
                    r.skip(field.ttype)?;
                }
                r.read_field_end()?;
            }
            r.read_struct_end()?;
            Msg::Reply {
                seqid: header.seqid,
                value,
            }
        }
        other => {
            r.skip(TType::Struct)?;
            Msg::Other(other)
        }
    };
    r.read_message_end()?;
    Ok(msg)
}

fn decode_with<R: ProtocolReader>(mut r: R) -> Vec<Msg> {
    let mut out = Vec::new();
    while let Ok(true) = r.has_message() {
        match decode_one(&mut r) {
            Ok(m) => out.push(m),
            Err(_) => break,
        }
    }
    out
}

/// The whole messages in `bytes` (a partial one at the end is left out).
pub(crate) fn decode_all(combo: Combo, bytes: &[u8]) -> Vec<Msg> {
    match (combo.proto, combo.framing) {
        (Proto::Binary, Framing::Buffered) => decode_with(BinaryReader::new(bytes)),
        (Proto::Binary, Framing::Framed) => {
            decode_with(BinaryReader::new(FramedReader::new(bytes)))
        }
        (Proto::Compact, Framing::Buffered) => decode_with(CompactReader::new(bytes)),
        (Proto::Compact, Framing::Framed) => {
            decode_with(CompactReader::new(FramedReader::new(bytes)))
        }
        (Proto::Json, Framing::Buffered) => decode_with(JsonReader::new(bytes)),
        (Proto::Json, Framing::Framed) => decode_with(JsonReader::new(FramedReader::new(bytes))),
        // The zlib cases (`zlib.rs`) read their answers through the zlib layer themselves.
        (_, Framing::Zlib) => Vec::new(),
    }
}
