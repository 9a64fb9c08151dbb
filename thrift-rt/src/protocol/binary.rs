//! The binary protocol: fixed-width big-endian integers, `i32` lengths.
//!
//! Writers produce strict message headers (`80 01 cc tt`, `cc` being our channel byte) unless
//! told otherwise; readers accept strict and old-style (non-strict) headers unless
//! [`BinaryReader::strict_read`] is set.

use bytes::Bytes;

use super::{
    Depth, ProtocolReader, ProtocolWriter, RawProtocol, RawValue, Scalar, non_negative,
    read_fixed_width_list, write_fixed_width,
};
use crate::endpoint::recording::Recording;
use crate::error::{ProtocolErrorKind, Result, protocol_err};
use crate::limits::Limits;
use crate::transport::header::PayloadProtocol;
use crate::transport::{Sink, Source};
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};

const VERSION_MASK: u32 = 0xffff_0000;
const VERSION_1: u32 = 0x8001_0000;

/// The smallest number of bytes one value of `ttype` takes in the binary protocol.
#[inline]
pub(crate) fn min_size(ttype: TType) -> usize {
    match ttype {
        TType::Stop | TType::Bool | TType::I8 | TType::Struct => 1,
        TType::I16 => 2,
        TType::I32 | TType::String => 4,
        TType::I64 | TType::Double => 8,
        TType::Set | TType::List => 5,
        TType::Map => 6,
        TType::Uuid => 16,
    }
}

/// Writes the binary protocol to any [`Sink`] (any `io::Write` with an empty `Sink` impl).
#[derive(Debug)]
pub struct BinaryWriter<W> {
    w: W,
    strict: bool,
}

impl<W: Sink> BinaryWriter<W> {
    /// A writer producing strict message headers.
    pub fn new(w: W) -> Self {
        Self { w, strict: true }
    }

    /// Chooses strict (`true`, the default) or old-style message headers. Old-style headers
    /// cannot carry a channel.
    #[must_use]
    pub fn strict_write(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    accessors!("sink", w: W);

    /// Writes a length (of a string, binary or container) as an i32.
    #[inline]
    fn put_len(&mut self, len: usize) -> Result<()> {
        let n = i32::try_from(len).map_err(|_| super::too_long(len))?;
        self.put(&n.to_be_bytes())
    }

    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        Ok(self.w.write_all(bytes)?)
    }
}

impl<W: Sink> ProtocolWriter for BinaryWriter<W> {
    binary_like_writer_methods!();

    #[inline]
    fn write_scalar_field(&mut self, id: i16, value: Scalar) -> Result<()> {
        // Header (type byte, id) and value as one write of 4 to 11 bytes.
        let mut buf = [0u8; 11];
        buf[0] = value.ttype() as u8;
        buf[1..3].copy_from_slice(&id.to_be_bytes());
        let len = match value {
            Scalar::Bool(v) => {
                buf[3] = u8::from(v);
                4
            }
            Scalar::I8(v) => {
                buf[3] = v as u8;
                4
            }
            Scalar::I16(v) => {
                buf[3..5].copy_from_slice(&v.to_be_bytes());
                5
            }
            Scalar::I32(v) => {
                buf[3..7].copy_from_slice(&v.to_be_bytes());
                7
            }
            Scalar::I64(v) => {
                buf[3..11].copy_from_slice(&v.to_be_bytes());
                11
            }
            Scalar::Double(v) => {
                buf[3..11].copy_from_slice(&v.to_bits().to_be_bytes());
                11
            }
        };
        self.put(&buf[..len])
    }

    fn discard_message(&mut self) {
        self.w.discard();
    }

    fn write_raw_field(&mut self, id: i16, ttype: TType, raw: &RawValue) -> Result<()> {
        if raw.protocol() == RawProtocol::Binary {
            self.write_field_begin(FieldHeader::new(ttype, id))?;
            self.put(raw.bytes())
        } else {
            super::raw::write_raw_field_transcoded(self, id, ttype, raw)
        }
    }

    fn write_message_begin(&mut self, header: &MessageHeader<&str>) -> Result<()> {
        self.w
            .begin_message(Some(PayloadProtocol::Binary), header.kind, header.seqid);
        if self.strict {
            self.put(&[0x80, 0x01, header.channel, header.kind as u8])?;
            self.write_string(header.name)?;
        } else {
            self.write_string(header.name)?;
            self.put(&[header.kind as u8])?;
        }
        self.write_i32(header.seqid)
    }

    #[inline]
    fn write_struct_begin(&mut self, _name: &str) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn write_struct_end(&mut self) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn write_field_begin(&mut self, header: FieldHeader) -> Result<()> {
        let id = header.id.to_be_bytes();
        self.put(&[header.ttype.binary_id(), id[0], id[1]])
    }

    #[inline]
    fn write_field_stop(&mut self) -> Result<()> {
        self.put(&[0])
    }

    #[inline]
    fn write_list_begin(&mut self, header: ListHeader) -> Result<()> {
        self.put(&[header.elem.binary_id()])?;
        self.put_len(header.len)
    }

    #[inline]
    fn write_set_begin(&mut self, header: ListHeader) -> Result<()> {
        self.write_list_begin(header)
    }

    #[inline]
    fn write_map_begin(&mut self, header: MapHeader) -> Result<()> {
        self.put(&[header.key.binary_id(), header.value.binary_id()])?;
        self.put_len(header.len)
    }

    #[inline]
    fn write_bool(&mut self, v: bool) -> Result<()> {
        self.put(&[u8::from(v)])
    }

    #[inline]
    fn write_i8(&mut self, v: i8) -> Result<()> {
        self.put(&v.to_be_bytes())
    }

    #[inline]
    fn write_i16(&mut self, v: i16) -> Result<()> {
        self.put(&v.to_be_bytes())
    }

    #[inline]
    fn write_i32(&mut self, v: i32) -> Result<()> {
        self.put(&v.to_be_bytes())
    }

    #[inline]
    fn write_i64(&mut self, v: i64) -> Result<()> {
        self.put(&v.to_be_bytes())
    }

    #[inline]
    fn write_double(&mut self, v: f64) -> Result<()> {
        self.put(&v.to_bits().to_be_bytes())
    }

    fn write_i64_slice(&mut self, values: &[i64]) -> Result<()> {
        write_fixed_width(&mut self.w, values, i64::to_be_bytes)
    }

    fn write_i32_slice(&mut self, values: &[i32]) -> Result<()> {
        write_fixed_width(&mut self.w, values, i32::to_be_bytes)
    }

    fn write_double_slice(&mut self, values: &[f64]) -> Result<()> {
        write_fixed_width(&mut self.w, values, |v| v.to_bits().to_be_bytes())
    }
}

/// Reads the binary protocol from a [`Source`].
///
/// It accepts old-style message headers (no version word, no channel) as Apache's readers
/// do, unless told not to with [`strict_read`](Self::strict_read).
#[derive(Debug)]
pub struct BinaryReader<S> {
    /// Refuse old-style message headers.
    strict: bool,
    src: S,
    limits: Limits,
    depth: Depth,
    scratch: Vec<u8>,
}

impl<S: Source> BinaryReader<S> {
    reader_constructors!(
        "A reader with default limits that accepts strict and old-style message headers.",
        depth,
        strict,
        scratch
    );

    /// When `true`, old-style (non-strict) message headers are refused with
    /// [`BadVersion`](ProtocolErrorKind::BadVersion).
    #[must_use]
    pub fn strict_read(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// A message header, its name made by `name` from its bytes (a checked `String` for
    /// [`read_message_begin`](ProtocolReader::read_message_begin); nothing for a pass that
    /// only finds where the message ends).
    #[inline]
    fn message_begin<N>(
        &mut self,
        name: impl FnOnce(&[u8]) -> Result<N>,
    ) -> Result<MessageHeader<N>> {
        self.src.begin_message();
        self.depth.reset();
        let word = i32::from_be_bytes(self.src.take_array()?);
        if word < 0 {
            let word = word as u32;
            if word & VERSION_MASK != VERSION_1 {
                return Err(protocol_err(
                    ProtocolErrorKind::BadVersion,
                    format!("binary message header {word:#010x}"),
                ));
            }
            let channel = (word >> 8) as u8;
            let kind = MessageType::from_i32((word & 0xff) as i32)?;
            let name = name(self.read_binary_ref()?)?;
            let seqid = self.read_i32()?;
            Ok(MessageHeader {
                name,
                kind,
                seqid,
                channel,
            })
        } else {
            if self.strict {
                return Err(protocol_err(
                    ProtocolErrorKind::BadVersion,
                    "old-style binary message header in strict mode",
                ));
            }
            let len = word as usize;
            self.limits.check_string_len(len, &self.src)?;
            let name = name(self.src.read_slice(len, &mut self.scratch)?)?;
            let kind = MessageType::from_i32(i32::from(self.read_i8()?))?;
            let seqid = self.read_i32()?;
            Ok(MessageHeader::new(name, kind, seqid))
        }
    }

    #[inline]
    fn read_len(&mut self) -> Result<usize> {
        let n = i32::from_be_bytes(self.src.take_array()?);
        non_negative(n)
    }

    #[inline]
    fn read_ttype(&mut self) -> Result<TType> {
        TType::try_from_binary_id(self.src.read_u8()?)
    }

    #[inline]
    fn read_list_header(&mut self) -> Result<ListHeader> {
        let elem = self.read_ttype()?;
        let len = self.read_len()?;
        self.depth
            .enter_container(&self.limits, len, min_size(elem), &self.src)?;
        Ok(ListHeader { elem, len })
    }
}

impl<S: Source> ProtocolReader for BinaryReader<S> {
    binary_like_reader_methods!();

    fn capture_value(&mut self, ttype: TType) -> Result<Option<RawValue>> {
        // Skip the value with a reader that records every byte it takes from the source.
        let mut recorder = BinaryReader {
            strict: self.strict,
            src: Recording::new(&mut self.src),
            limits: self.limits,
            depth: self.depth,
            scratch: std::mem::take(&mut self.scratch),
        };
        let skipped = recorder.skip(ttype);
        let bytes = recorder.src.take();
        self.scratch = recorder.scratch;
        skipped?;
        Ok(Some(RawValue::new(RawProtocol::Binary, bytes)))
    }

    fn read_message_begin(&mut self) -> Result<MessageHeader> {
        self.message_begin(|name| {
            std::str::from_utf8(name)
                .map(str::to_owned)
                .map_err(|e| super::invalid_utf8(&e))
        })
    }

    fn skip_message_begin(&mut self) -> Result<()> {
        self.message_begin(|_| Ok(())).map(drop)
    }

    #[inline]
    fn read_struct_begin(&mut self) -> Result<()> {
        self.depth.enter(&self.limits)
    }

    #[inline]
    fn read_struct_end(&mut self) -> Result<()> {
        self.depth.leave();
        Ok(())
    }

    #[inline]
    fn read_field_begin(&mut self) -> Result<Option<FieldHeader>> {
        let ttype = self.read_ttype()?;
        if ttype == TType::Stop {
            return Ok(None);
        }
        let id = i16::from_be_bytes(self.src.take_array()?);
        Ok(Some(FieldHeader { ttype, id }))
    }

    #[inline]
    fn read_field_end(&mut self) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn read_map_begin(&mut self) -> Result<MapHeader> {
        let key = self.read_ttype()?;
        let value = self.read_ttype()?;
        let len = self.read_len()?;
        let min = min_size(key) + min_size(value);
        self.depth
            .enter_container(&self.limits, len, min, &self.src)?;
        Ok(MapHeader { key, value, len })
    }

    #[inline]
    fn read_bool(&mut self) -> Result<bool> {
        Ok(self.src.read_u8()? != 0)
    }

    #[inline]
    fn read_i16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(self.src.take_array()?))
    }

    #[inline]
    fn read_i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.src.take_array()?))
    }

    #[inline]
    fn read_i64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.src.take_array()?))
    }

    #[inline]
    fn read_double(&mut self) -> Result<f64> {
        Ok(f64::from_bits(u64::from_be_bytes(self.src.take_array()?)))
    }

    fn read_i64_list(&mut self, len: usize, out: &mut Vec<i64>) -> Result<()> {
        read_fixed_width_list(&mut self.src, len, out, i64::from_be_bytes)
    }

    fn read_i32_list(&mut self, len: usize, out: &mut Vec<i32>) -> Result<()> {
        read_fixed_width_list(&mut self.src, len, out, i32::from_be_bytes)
    }

    fn read_double_list(&mut self, len: usize, out: &mut Vec<f64>) -> Result<()> {
        read_fixed_width_list(&mut self.src, len, out, |b| {
            f64::from_bits(u64::from_be_bytes(b))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TransportErrorKind;

    fn written(f: impl FnOnce(&mut BinaryWriter<Vec<u8>>) -> Result<()>) -> Vec<u8> {
        let mut w = BinaryWriter::new(Vec::new());
        f(&mut w).unwrap();
        w.into_inner()
    }

    /// Skipping a message header reads exactly what reading it does, and fails the same
    /// way, except on the name's encoding, which only reading checks.
    #[test]
    fn skipping_a_message_header_reads_what_reading_it_does() {
        let strict = [0x80, 1, 0, 1, 0, 0, 0, 2, b'h', b'i', 0, 0, 0, 7, 0xaa];
        let old_style = [0, 0, 0, 2, b'h', b'i', 1, 0, 0, 0, 7, 0xaa];
        let bad_name = [0x80, 1, 0, 1, 0, 0, 0, 1, 0xff, 0, 0, 0, 7, 0xaa];
        let bad_version = [0x80, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7];
        let cut_short = [0x80, 1, 0, 1, 0, 0, 0, 9, b'h'];
        for bytes in [&strict[..], &old_style, &bad_version, &cut_short] {
            let mut read = BinaryReader::new(bytes);
            let mut skipped = BinaryReader::new(bytes);
            let (a, b) = (read.read_message_begin(), skipped.skip_message_begin());
            assert_eq!(a.is_ok(), b.is_ok(), "{bytes:?}");
            if let (Err(a), Err(b)) = (a, b) {
                assert_eq!(a.to_string(), b.to_string());
            }
            assert_eq!(read.into_inner(), skipped.into_inner(), "{bytes:?}");
        }
        let mut skipped = BinaryReader::new(&bad_name[..]);
        skipped.skip_message_begin().unwrap();
        assert_eq!(skipped.into_inner(), [0xaa]);
        assert!(
            BinaryReader::new(&bad_name[..])
                .read_message_begin()
                .is_err()
        );
    }

    /// The fused scalar field writes the bytes of header, value and end written apart.
    #[test]
    fn scalar_fields_in_one_write_match_the_long_way() {
        let values = [
            Scalar::Bool(true),
            Scalar::Bool(false),
            Scalar::I8(-7),
            Scalar::I16(-12_345),
            Scalar::I32(i32::MIN + 3),
            Scalar::I64(-(1 << 50) - 5),
            Scalar::Double(-0.1),
        ];
        for (id, value) in (-2i16..).zip(values) {
            let fused = written(|w| w.write_scalar_field(id * 1000, value));
            let long = written(|w| {
                w.write_field_begin(FieldHeader::new(value.ttype(), id * 1000))?;
                value.write_value(w)?;
                w.write_field_end()
            });
            assert_eq!(fused, long, "{value:?}");
        }
    }

    #[test]
    fn worked_example_from_the_spec() {
        let bytes = written(crate::protocol::write_add_call);
        assert_eq!(
            bytes,
            [
                0x80, 1, 0, 1, 0, 0, 0, 3, b'a', b'd', b'd', 0, 0, 0, 1, 8, 0, 1, 0, 0, 0, 1, 0
            ]
        );
        let mut r = BinaryReader::new(&bytes[..]);
        let h = r.read_message_begin().unwrap();
        assert_eq!(
            h,
            MessageHeader {
                name: "add".into(),
                kind: MessageType::Call,
                seqid: 1,
                channel: 0
            }
        );
        r.read_struct_begin().unwrap();
        assert_eq!(
            r.read_field_begin().unwrap(),
            Some(FieldHeader::new(TType::I32, 1))
        );
        assert_eq!(r.read_i32().unwrap(), 1);
        r.read_field_end().unwrap();
        assert_eq!(r.read_field_begin().unwrap(), None);
    }

    #[test]
    fn channel_byte_round_trips() {
        let header = MessageHeader {
            name: "m",
            kind: MessageType::Oneway,
            seqid: -5,
            channel: 3,
        };
        let bytes = written(|w| w.write_message_begin(&header));
        assert_eq!(&bytes[..4], &[0x80, 1, 3, 4]);
        let h = BinaryReader::new(&bytes[..]).read_message_begin().unwrap();
        assert_eq!(h.borrowed(), header);
    }

    #[test]
    fn non_strict_headers() {
        let bytes = {
            let mut w = BinaryWriter::new(Vec::new()).strict_write(false);
            w.write_message_begin(&MessageHeader::new("ab", MessageType::Reply, 9))
                .unwrap();
            w.into_inner()
        };
        assert_eq!(bytes, [0, 0, 0, 2, b'a', b'b', 2, 0, 0, 0, 9]);
        let h = BinaryReader::new(&bytes[..]).read_message_begin().unwrap();
        assert_eq!(
            (h.name.as_str(), h.kind, h.seqid),
            ("ab", MessageType::Reply, 9)
        );
        let err = BinaryReader::new(&bytes[..])
            .strict_read(true)
            .read_message_begin()
            .unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::BadVersion));
    }

    #[test]
    fn bad_headers() {
        let kind = |b: &[u8]| BinaryReader::new(b).read_message_begin().unwrap_err();
        assert_eq!(
            kind(&[0x80, 2, 0, 1]).protocol_kind(),
            Some(ProtocolErrorKind::BadVersion)
        );
        assert_eq!(
            kind(&[0x80, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]).protocol_kind(),
            Some(ProtocolErrorKind::InvalidMessageType)
        );
        assert_eq!(
            kind(&[0x80, 1, 0]).transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
    }

    #[test]
    fn lengths_are_checked_before_allocating() {
        let mut r = BinaryReader::new(&[0xff, 0xff, 0xff, 0xfe][..]);
        assert_eq!(
            r.read_binary().unwrap_err().protocol_kind(),
            Some(ProtocolErrorKind::NegativeSize)
        );
        let mut r = BinaryReader::new(&[0x7f, 0xff, 0xff, 0xff, 1][..]);
        assert_eq!(
            r.read_binary().unwrap_err().protocol_kind(),
            Some(ProtocolErrorKind::SizeLimit)
        );
        // 3 i64 need 24 bytes; only 16 remain.
        let mut r = BinaryReader::new(
            &[
                10, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ][..],
        );
        assert_eq!(
            r.read_list_begin().unwrap_err().transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
        let mut r = BinaryReader::new(&[17, 0, 0, 0, 0][..]);
        assert_eq!(
            r.read_list_begin().unwrap_err().protocol_kind(),
            Some(ProtocolErrorKind::UnknownType)
        );
    }
}
