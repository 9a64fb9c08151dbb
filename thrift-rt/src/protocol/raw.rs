//! Encoded values kept as bytes: what [`ProtocolReader::capture_value`] returns and
//! [`ProtocolWriter::write_raw_field`] writes back, for structs generated with
//! `keep_unknown_fields`.
//!
//! A [`RawValue`] is the encoding of one value (no field header) in the binary or compact
//! protocol, tagged with which. Written to a writer of the same protocol, its bytes go out
//! unchanged; written to any other protocol, it is *transcoded*: read back with its own
//! protocol's reader and copied value by value (binary and compact values can be read without
//! the schema), so nothing is lost between binary and compact.
//!
//! JSON is left out on both sides: Apache's JSON protocol writes a `string` as JSON text and a
//! `binary` as base64 under the same type tag, so a value cannot be read or written without
//! knowing which it is. The JSON reader skips unknown fields (captures nothing) and the JSON
//! writer drops raw fields.

use bytes::Bytes;

use super::{BinaryReader, CompactReader, ProtocolReader, ProtocolWriter};
use crate::error::{ProtocolErrorKind, Result, protocol_err};
use crate::limits::Limits;
use crate::ttype::{FieldHeader, ListHeader, MapHeader, TType};

/// The protocol a [`RawValue`] is encoded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RawProtocol {
    /// The binary protocol.
    Binary,
    /// The compact protocol. A `bool` is one byte, 1 (true) or 2 (false), as in containers.
    Compact,
}

/// One value encoded in a protocol, without field header.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawValue {
    protocol: RawProtocol,
    bytes: Bytes,
}

impl RawValue {
    /// A value of `protocol` encoded as `bytes`. Nothing is checked: a writer of the same
    /// protocol writes the bytes as they are, and transcoding fails on bytes that do not hold
    /// one value of the field's type.
    pub fn new(protocol: RawProtocol, bytes: Bytes) -> Self {
        Self { protocol, bytes }
    }

    /// The protocol the bytes are in.
    pub fn protocol(&self) -> RawProtocol {
        self.protocol
    }

    /// The encoded value.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Reads the value (of type `ttype`) with its own protocol's reader and writes it to `w`,
    /// value by value.
    ///
    /// # Errors
    ///
    /// Bytes that do not hold one value of `ttype`; whatever `w` reports.
    pub fn transcode<W: ProtocolWriter + ?Sized>(&self, ttype: TType, w: &mut W) -> Result<()> {
        // The bytes were checked against the limits of the reader that captured them.
        let limits = Limits::default()
            .max_depth(u16::MAX)
            .max_string_len(usize::MAX)
            .max_container_len(usize::MAX);
        match self.protocol {
            RawProtocol::Binary => {
                let mut r = BinaryReader::with_limits(&self.bytes[..], limits);
                copy_value(&mut r, w, ttype)
            }
            RawProtocol::Compact => {
                let mut r = CompactReader::with_limits(&self.bytes[..], limits);
                copy_value(&mut r, w, ttype)
            }
        }
    }
}

/// Writes a whole field (header, value, end) whose value is `raw`, transcoding it: the
/// default of [`ProtocolWriter::write_raw_field`].
///
/// # Errors
///
/// As for [`RawValue::transcode`].
pub fn write_raw_field_transcoded<W: ProtocolWriter + ?Sized>(
    w: &mut W,
    id: i16,
    ttype: TType,
    raw: &RawValue,
) -> Result<()> {
    w.write_field_begin(FieldHeader::new(ttype, id))?;
    raw.transcode(ttype, w)?;
    w.write_field_end()
}

/// Reads one value of type `ttype` from `r` and writes it to `w`, without a schema. Depth is
/// counted by `r` as when skipping, so the recursion is bounded by its limits.
///
/// # Errors
///
/// Whatever reading or writing fails with; a [`TType::Stop`] is
/// [`InvalidData`](ProtocolErrorKind::InvalidData).
pub fn copy_value<R, W>(r: &mut R, w: &mut W, ttype: TType) -> Result<()>
where
    R: ProtocolReader + ?Sized,
    W: ProtocolWriter + ?Sized,
{
    match ttype {
        TType::Bool => w.write_bool(r.read_bool()?),
        TType::I8 => w.write_i8(r.read_i8()?),
        TType::I16 => w.write_i16(r.read_i16()?),
        TType::I32 => w.write_i32(r.read_i32()?),
        TType::I64 => w.write_i64(r.read_i64()?),
        TType::Double => w.write_double(r.read_double()?),
        TType::Uuid => w.write_uuid(&r.read_uuid()?),
        TType::String => w.write_binary(r.read_binary_ref()?),
        TType::Struct => {
            r.read_struct_begin()?;
            w.write_struct_begin("")?;
            while let Some(field) = r.read_field_begin()? {
                w.write_field_begin(field)?;
                copy_value(r, w, field.ttype)?;
                w.write_field_end()?;
                r.read_field_end()?;
            }
            w.write_field_stop()?;
            w.write_struct_end()?;
            r.read_struct_end()
        }
        TType::List | TType::Set => {
            let header = if ttype == TType::List {
                r.read_list_begin()?
            } else {
                r.read_set_begin()?
            };
            let out = ListHeader::new(header.elem, header.len);
            if ttype == TType::List {
                w.write_list_begin(out)?;
            } else {
                w.write_set_begin(out)?;
            }
            for _ in 0..header.len {
                copy_value(r, w, header.elem)?;
            }
            if ttype == TType::List {
                w.write_list_end()?;
                r.read_list_end()
            } else {
                w.write_set_end()?;
                r.read_set_end()
            }
        }
        TType::Map => {
            let header = r.read_map_begin()?;
            w.write_map_begin(MapHeader::new(header.key, header.value, header.len))?;
            for _ in 0..header.len {
                copy_value(r, w, header.key)?;
                copy_value(r, w, header.value)?;
            }
            w.write_map_end()?;
            r.read_map_end()
        }
        TType::Stop => Err(protocol_err(
            ProtocolErrorKind::InvalidData,
            "cannot copy a stop",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryWriter, JsonReader, JsonWriter};
    use crate::transport::BufferedReader;

    /// A struct holding field 1 (a nested struct with a bool, a string and a list) and field 2
    /// (a map), written with `w`.
    fn write_sample<W: ProtocolWriter>(w: &mut W) -> Result<()> {
        w.write_struct_begin("s")?;
        w.write_field_begin(FieldHeader::new(TType::Struct, 1))?;
        w.write_struct_begin("inner")?;
        w.write_field_begin(FieldHeader::new(TType::Bool, 3))?;
        w.write_bool(false)?;
        w.write_field_end()?;
        w.write_field_begin(FieldHeader::new(TType::String, 40))?;
        w.write_string("a string longer than the buffer")?;
        w.write_field_end()?;
        w.write_field_begin(FieldHeader::new(TType::List, 41))?;
        w.write_list_begin(ListHeader::new(TType::I64, 3))?;
        w.write_i64_slice(&[1, -1 << 40, 7])?;
        w.write_list_end()?;
        w.write_field_end()?;
        w.write_field_stop()?;
        w.write_struct_end()?;
        w.write_field_end()?;
        w.write_field_begin(FieldHeader::new(TType::Map, 2))?;
        w.write_map_begin(MapHeader::new(TType::I16, TType::Bool, 2))?;
        for (k, v) in [(1, true), (-2, false)] {
            w.write_i16(k)?;
            w.write_bool(v)?;
        }
        w.write_map_end()?;
        w.write_field_end()?;
        w.write_field_stop()?;
        w.write_struct_end()
    }

    /// The sample encoded in protocol `kind`.
    fn sample(kind: crate::stack::ProtocolKind) -> Vec<u8> {
        use crate::stack::Protocol;
        let mut w = kind.writer(Vec::new());
        write_sample(&mut w).unwrap();
        w.get_ref().clone()
    }

    /// Reads the sample's two fields with `capture_value` and writes them back with
    /// `write_raw_field` into `w`.
    fn capture_and_rewrite<R: ProtocolReader, W: ProtocolWriter>(
        r: &mut R,
        w: &mut W,
    ) -> Vec<Option<RawValue>> {
        let mut kept = Vec::new();
        r.read_struct_begin().unwrap();
        w.write_struct_begin("s").unwrap();
        while let Some(field) = r.read_field_begin().unwrap() {
            let raw = r.capture_value(field.ttype).unwrap();
            r.read_field_end().unwrap();
            if let Some(raw) = &raw {
                w.write_raw_field(field.id, field.ttype, raw).unwrap();
            }
            kept.push(raw);
        }
        r.read_struct_end().unwrap();
        w.write_field_stop().unwrap();
        w.write_struct_end().unwrap();
        kept
    }

    #[test]
    fn binary_and_compact_capture_exact_bytes_across_buffer_refills() {
        let limits = Limits::default();
        let binary = sample(crate::stack::ProtocolKind::Binary);
        let compact = sample(crate::stack::ProtocolKind::Compact);
        // Same protocol: the same bytes; the other protocol: what it writes itself.
        let encoded = |p: RawProtocol| match p {
            RawProtocol::Binary => &binary,
            RawProtocol::Compact => &compact,
        };
        for from in [RawProtocol::Binary, RawProtocol::Compact] {
            for to in [RawProtocol::Binary, RawProtocol::Compact] {
                // A 4-byte buffer, so that values straddle refills.
                let source = BufferedReader::with_capacity(4, &encoded(from)[..], &limits);
                let (out, kept) = match from {
                    RawProtocol::Binary => rewritten(&mut BinaryReader::new(source), to),
                    RawProtocol::Compact => rewritten(&mut CompactReader::new(source), to),
                };
                assert!(kept.iter().all(|k| k.as_ref().unwrap().protocol() == from));
                assert_eq!(&out, encoded(to), "{from:?} to {to:?}");
            }
        }
    }

    /// What [`capture_and_rewrite`] writes in protocol `to`, and what it kept.
    fn rewritten<R: ProtocolReader>(
        r: &mut R,
        to: RawProtocol,
    ) -> (Vec<u8>, Vec<Option<RawValue>>) {
        use crate::stack::{Protocol, ProtocolKind};
        let kind = match to {
            RawProtocol::Binary => ProtocolKind::Binary,
            RawProtocol::Compact => ProtocolKind::Compact,
        };
        let mut w = kind.writer(Vec::new());
        let kept = capture_and_rewrite(r, &mut w);
        (w.get_ref().clone(), kept)
    }

    #[test]
    fn json_captures_nothing_and_writes_nothing() {
        let json = sample(crate::stack::ProtocolKind::Json);
        let mut r = JsonReader::new(&json[..]);
        let mut w = BinaryWriter::new(Vec::new());
        let kept = capture_and_rewrite(&mut r, &mut w);
        assert_eq!(kept, [None, None]);
        assert_eq!(w.into_inner(), [0]);

        let binary = sample(crate::stack::ProtocolKind::Binary);
        let mut r = BinaryReader::new(&binary[..]);
        let mut w = JsonWriter::new(Vec::new());
        capture_and_rewrite(&mut r, &mut w);
        assert_eq!(w.into_inner(), b"{}");
    }

    #[test]
    fn captured_values_keep_the_readers_limits() {
        let binary = sample(crate::stack::ProtocolKind::Binary);
        let mut r = BinaryReader::with_limits(&binary[..], Limits::default().max_string_len(5));
        r.read_struct_begin().unwrap();
        let field = r.read_field_begin().unwrap().unwrap();
        let err = r.capture_value(field.ttype).unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::SizeLimit));
    }
}
