//! Encoding and decoding values with each protocol, in memory.

use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
};
use thrift_rt::{ProtocolWriter, ReadThrift, WriteThrift};

/// The protocols every value is tried with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `TBinaryProtocol`.
    Binary,
    /// `TCompactProtocol`.
    Compact,
    /// `TJSONProtocol`.
    Json,
}

impl Protocol {
    /// Every protocol.
    pub const ALL: [Protocol; 3] = [Protocol::Binary, Protocol::Compact, Protocol::Json];

    /// The name used in vector files.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Binary => "binary",
            Protocol::Compact => "compact",
            Protocol::Json => "json",
        }
    }
}

/// Writes `value` (a struct, union, exception or any other Thrift value) with `protocol`.
///
/// # Panics
///
/// When the writer fails.
pub fn encode<T: WriteThrift + ?Sized>(protocol: Protocol, value: &T) -> Vec<u8> {
    fn finish<W: ProtocolWriter, T: WriteThrift + ?Sized>(mut w: W, value: &T) -> W {
        value.write(&mut w).expect("write");
        w.flush().expect("flush");
        w
    }
    match protocol {
        Protocol::Binary => finish(BinaryWriter::new(Vec::new()), value).into_inner(),
        Protocol::Compact => finish(CompactWriter::new(Vec::new()), value).into_inner(),
        Protocol::Json => finish(JsonWriter::new(Vec::new()), value).into_inner(),
    }
}

/// Reads one `T` from `bytes` with `protocol`, and checks that nothing is left over.
///
/// # Errors
///
/// Whatever decoding fails with.
///
/// # Panics
///
/// When decoding succeeds but leaves bytes unread.
pub fn decode<T: ReadThrift>(protocol: Protocol, bytes: &[u8]) -> thrift_rt::Result<T> {
    let (value, rest) = match protocol {
        Protocol::Binary => {
            let mut r = BinaryReader::new(bytes);
            (T::read(&mut r)?, r.into_inner())
        }
        Protocol::Compact => {
            let mut r = CompactReader::new(bytes);
            (T::read(&mut r)?, r.into_inner())
        }
        Protocol::Json => {
            let mut r = JsonReader::new(bytes);
            (T::read(&mut r)?, r.into_inner())
        }
    };
    assert!(
        rest.is_empty(),
        "{protocol:?}: {} bytes left after decoding",
        rest.len()
    );
    Ok(value)
}

/// Encodes `value` with every protocol and decodes it back, asserting the result is equal.
/// Returns the encodings, in [`Protocol::ALL`] order.
///
/// # Panics
///
/// When a round trip fails or changes the value.
pub fn roundtrip<T>(value: &T) -> [Vec<u8>; 3]
where
    T: WriteThrift + ReadThrift + PartialEq + std::fmt::Debug,
{
    Protocol::ALL.map(|protocol| {
        let bytes = encode(protocol, value);
        let back: T = decode(protocol, &bytes).unwrap_or_else(|e| {
            panic!(
                "{protocol:?}: decoding {} failed: {e}\nbytes: {}",
                clip(format!("{value:?}")),
                clip(show(protocol, &bytes))
            )
        });
        assert_eq!(&back, value, "{protocol:?} round trip changed the value");
        bytes
    })
}

/// Bytes as text for failure messages: JSON as itself, the binary protocols as hex.
pub fn show(protocol: Protocol, bytes: &[u8]) -> String {
    match protocol {
        Protocol::Json => String::from_utf8_lossy(bytes).into_owned(),
        Protocol::Binary | Protocol::Compact => hex(bytes),
    }
}

/// `text`, shortened to its first 2,000 characters.
pub fn clip(mut text: String) -> String {
    if let Some((end, _)) = text.char_indices().nth(2000) {
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
