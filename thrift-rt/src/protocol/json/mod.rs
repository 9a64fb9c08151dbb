//! Apache Thrift's JSON protocol (`TJSONProtocol`), byte-compatible with the C++ library.
//!
//! Messages are arrays `[1,"name",type,seqid,{...}]`; structs are objects keyed by field id,
//! each value wrapped in a one-entry object naming its type (`{"1":{"i32":7}}`); lists and sets
//! are `["i32",2,1,2]`; maps are `["str","i32",1,{"k":1}]`. Numbers in key position are
//! quoted, doubles use 17 significant digits (`%.17g`) and `"NaN"`, `"Infinity"`,
//! `"-Infinity"` for the specials, binaries are unpadded base64.
//!
//! The writer never emits whitespace. The reader is slightly more lenient than Apache's: it
//! skips JSON whitespace between tokens and accepts padded base64.

mod base64;
mod context;
mod double;
mod reader;
mod uuid;
mod writer;

pub use reader::JsonReader;
pub use writer::JsonWriter;

use crate::error::{ProtocolErrorKind, Result, protocol_err};
use crate::ttype::TType;

/// The protocol version, the first element of every message array.
const VERSION: i64 = 1;

/// The tag naming a value's type (`{"i32":7}`, `["str",2,...]`).
fn type_name(ttype: TType) -> &'static [u8] {
    match ttype {
        TType::Bool => b"tf",
        TType::I8 => b"i8",
        TType::I16 => b"i16",
        TType::I32 => b"i32",
        TType::I64 => b"i64",
        TType::Double => b"dbl",
        TType::String => b"str",
        TType::Struct => b"rec",
        TType::Map => b"map",
        TType::List => b"lst",
        TType::Set => b"set",
        TType::Uuid => b"uid",
        // Never written: STOP has no JSON form.
        TType::Stop => b"",
    }
}

fn type_from_name(name: &[u8]) -> Result<TType> {
    Ok(match name {
        b"tf" => TType::Bool,
        b"i8" => TType::I8,
        b"i16" => TType::I16,
        b"i32" => TType::I32,
        b"i64" => TType::I64,
        b"dbl" => TType::Double,
        b"str" => TType::String,
        b"rec" => TType::Struct,
        b"map" => TType::Map,
        b"lst" => TType::List,
        b"set" => TType::Set,
        b"uid" => TType::Uuid,
        _ => {
            return Err(protocol_err(
                ProtocolErrorKind::UnknownType,
                format!("json type name {:?}", String::from_utf8_lossy(name)),
            ));
        }
    })
}
