//! The compact protocol: zigzag varints, field-id deltas, bools folded into field headers.

use bytes::Bytes;

use super::{
    Depth, ProtocolReader, ProtocolWriter, RawProtocol, RawValue, read_fixed_width_list,
    write_fixed_width,
};
use crate::endpoint::recording::Recording;
use crate::error::{ProtocolErrorKind, Result, protocol_err, protocol_kind};
use crate::limits::Limits;
use crate::transport::header::PayloadProtocol;
use crate::transport::{Sink, Source};
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};

const PROTOCOL_ID: u8 = 0x82;
const VERSION: u8 = 1;
const VERSION_MASK: u8 = 0x1f;
const TYPE_SHIFT: u8 = 5;

const CT_BOOL_TRUE: u8 = 1;
const CT_BOOL_FALSE: u8 = 2;

/// Zigzag-encodes a 64-bit integer.
#[inline]
pub(crate) fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

/// Zigzag-encodes a 32-bit integer.
#[inline]
pub fn zigzag32(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

/// Decodes a zigzag-encoded 64-bit integer.
#[inline]
pub(crate) fn unzigzag64(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// Decodes a zigzag-encoded 32-bit integer.
#[inline]
pub fn unzigzag32(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

/// Writes `v` as a ULEB128 varint into `buf`, returning the number of bytes used (1..=10).
#[inline]
pub fn encode_varint(mut v: u64, buf: &mut [u8; 10]) -> usize {
    let mut i = 0;
    while v >= 0x80 {
        buf[i] = (v as u8) | 0x80;
        v >>= 7;
        i += 1;
    }
    buf[i] = v as u8;
    i + 1
}

/// Decodes a varint of at most `MAX` bytes from the front of `buf`.
///
/// Returns `Ok(None)` if `buf` ends before the varint does.
#[inline]
fn decode_varint<const MAX: usize>(buf: &[u8]) -> Result<Option<(u64, usize)>> {
    let mut result = 0u64;
    for i in 0..MAX {
        let Some(&b) = buf.get(i) else {
            return Ok(None);
        };
        result |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            if i == MAX - 1 && u32::from(b) >> last_byte_bits(MAX) != 0 {
                return Err(varint_overflow());
            }
            return Ok(Some((result, i + 1)));
        }
    }
    Err(varint_too_long(MAX))
}

/// How many payload bits the last byte of a maximal varint may carry.
#[inline]
const fn last_byte_bits(max: usize) -> u32 {
    if max == 10 { 1 } else { 4 }
}

#[cold]
#[inline(never)]
fn varint_too_long(max: usize) -> crate::Error {
    protocol_err(
        ProtocolErrorKind::InvalidData,
        format!("varint longer than {max} bytes"),
    )
}

#[cold]
#[inline(never)]
fn varint_overflow() -> crate::Error {
    protocol_err(ProtocolErrorKind::InvalidData, "varint overflows its type")
}

#[inline]
fn compact_id(ttype: TType) -> u8 {
    match ttype {
        TType::Stop => 0,
        TType::Bool => CT_BOOL_TRUE,
        TType::I8 => 3,
        TType::I16 => 4,
        TType::I32 => 5,
        TType::I64 => 6,
        TType::Double => 7,
        TType::String => 8,
        TType::List => 9,
        TType::Set => 10,
        TType::Map => 11,
        TType::Struct => 12,
        TType::Uuid => 13,
    }
}

#[inline]
fn from_compact_id(id: u8) -> Result<TType> {
    Ok(match id {
        0 => TType::Stop,
        CT_BOOL_TRUE | CT_BOOL_FALSE => TType::Bool,
        3 => TType::I8,
        4 => TType::I16,
        5 => TType::I32,
        6 => TType::I64,
        7 => TType::Double,
        8 => TType::String,
        9 => TType::List,
        10 => TType::Set,
        11 => TType::Map,
        12 => TType::Struct,
        13 => TType::Uuid,
        _ => return Err(unknown_type(id)),
    })
}

#[cold]
#[inline(never)]
fn unknown_type(id: u8) -> crate::Error {
    protocol_err(
        ProtocolErrorKind::UnknownType,
        format!("compact type id {id}"),
    )
}

/// The smallest number of bytes one value of `ttype` takes in the compact protocol.
#[inline]
pub(crate) fn min_size(ttype: TType) -> usize {
    match ttype {
        TType::Double => 8,
        TType::Uuid => 16,
        _ => 1,
    }
}

/// Writes the compact protocol to any [`Sink`] (any `io::Write` with an empty `Sink` impl).
#[derive(Debug)]
pub struct CompactWriter<W> {
    w: W,
    last_field_id: i16,
    field_id_stack: Vec<i16>,
    pending_bool_field: Option<i16>,
}

impl<W: Sink> CompactWriter<W> {
    /// A compact writer.
    pub fn new(w: W) -> Self {
        Self {
            w,
            last_field_id: 0,
            field_id_stack: Vec::new(),
            pending_bool_field: None,
        }
    }

    accessors!("sink", w: W);

    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        Ok(self.w.write_all(bytes)?)
    }

    #[inline]
    fn put_varint(&mut self, v: u64) -> Result<()> {
        let mut buf = [0u8; 10];
        let n = encode_varint(v, &mut buf);
        self.put(&buf[..n])
    }

    #[inline]
    fn put_len(&mut self, len: usize) -> Result<()> {
        match i32::try_from(len) {
            Ok(n) => self.put_varint(n as u64),
            Err(_) => Err(super::too_long(len)),
        }
    }

    #[inline]
    fn write_field_header(&mut self, type_id: u8, id: i16) -> Result<()> {
        let delta = i32::from(id) - i32::from(self.last_field_id);
        if (1..=15).contains(&delta) {
            self.put(&[((delta as u8) << 4) | type_id])?;
        } else {
            let mut buf = [0u8; 10];
            buf[0] = type_id;
            let mut var = [0u8; 10];
            let n = encode_varint(u64::from(zigzag32(i32::from(id))), &mut var);
            buf[1..=n].copy_from_slice(&var[..n]);
            self.put(&buf[..=n])?;
        }
        self.last_field_id = id;
        Ok(())
    }

    #[inline]
    fn write_collection_begin(&mut self, elem: TType, len: usize) -> Result<()> {
        if len <= 14 {
            self.put(&[((len as u8) << 4) | compact_id(elem)])
        } else {
            self.put(&[0xf0 | compact_id(elem)])?;
            self.put_len(len)
        }
    }
}

impl<W: Sink> ProtocolWriter for CompactWriter<W> {
    binary_like_writer_methods!();

    fn discard_message(&mut self) {
        self.last_field_id = 0;
        self.field_id_stack.clear();
        self.w.discard();
    }

    fn write_raw_field(&mut self, id: i16, ttype: TType, raw: &RawValue) -> Result<()> {
        // A bool field's value lives in its header: that one goes through write_bool.
        if raw.protocol() == RawProtocol::Compact && ttype != TType::Bool {
            self.write_field_header(compact_id(ttype), id)?;
            self.put(raw.bytes())
        } else {
            super::raw::write_raw_field_transcoded(self, id, ttype, raw)
        }
    }

    fn write_message_begin(&mut self, header: &MessageHeader<&str>) -> Result<()> {
        self.w
            .begin_message(Some(PayloadProtocol::Compact), header.kind, header.seqid);
        self.last_field_id = 0;
        self.field_id_stack.clear();
        self.put(&[PROTOCOL_ID, VERSION | ((header.kind as u8) << TYPE_SHIFT)])?;
        self.put_varint(u64::from(header.seqid as u32))?;
        self.write_string(header.name)
    }

    #[inline]
    fn write_struct_begin(&mut self, _name: &str) -> Result<()> {
        self.field_id_stack.push(self.last_field_id);
        self.last_field_id = 0;
        Ok(())
    }

    #[inline]
    fn write_struct_end(&mut self) -> Result<()> {
        self.last_field_id = self.field_id_stack.pop().unwrap_or(0);
        Ok(())
    }

    #[inline]
    fn write_field_begin(&mut self, header: FieldHeader) -> Result<()> {
        if header.ttype == TType::Bool {
            // The value goes into the type nibble; wait for write_bool.
            self.pending_bool_field = Some(header.id);
            Ok(())
        } else {
            self.write_field_header(compact_id(header.ttype), header.id)
        }
    }

    #[inline]
    fn write_field_stop(&mut self) -> Result<()> {
        self.put(&[0])
    }

    #[inline]
    fn write_list_begin(&mut self, header: ListHeader) -> Result<()> {
        self.write_collection_begin(header.elem, header.len)
    }

    #[inline]
    fn write_set_begin(&mut self, header: ListHeader) -> Result<()> {
        self.write_collection_begin(header.elem, header.len)
    }

    #[inline]
    fn write_map_begin(&mut self, header: MapHeader) -> Result<()> {
        if header.len == 0 {
            self.put(&[0])
        } else {
            self.put_len(header.len)?;
            self.put(&[(compact_id(header.key) << 4) | compact_id(header.value)])
        }
    }

    #[inline]
    fn write_bool(&mut self, v: bool) -> Result<()> {
        let id = if v { CT_BOOL_TRUE } else { CT_BOOL_FALSE };
        match self.pending_bool_field.take() {
            Some(field_id) => self.write_field_header(id, field_id),
            None => self.put(&[id]),
        }
    }

    #[inline]
    fn write_i8(&mut self, v: i8) -> Result<()> {
        self.put(&[v as u8])
    }

    #[inline]
    fn write_i16(&mut self, v: i16) -> Result<()> {
        self.put_varint(u64::from(zigzag32(i32::from(v))))
    }

    #[inline]
    fn write_i32(&mut self, v: i32) -> Result<()> {
        self.put_varint(u64::from(zigzag32(v)))
    }

    #[inline]
    fn write_i64(&mut self, v: i64) -> Result<()> {
        self.put_varint(zigzag64(v))
    }

    #[inline]
    fn write_double(&mut self, v: f64) -> Result<()> {
        self.put(&v.to_bits().to_le_bytes())
    }

    fn write_i64_slice(&mut self, values: &[i64]) -> Result<()> {
        super::varint_list::write_varints(&mut self.w, values.iter().map(|&v| zigzag64(v)))
    }

    fn write_i32_slice(&mut self, values: &[i32]) -> Result<()> {
        super::varint_list::write_zigzag32_list(&mut self.w, values)
    }

    fn write_double_slice(&mut self, values: &[f64]) -> Result<()> {
        write_fixed_width(&mut self.w, values, |v| v.to_bits().to_le_bytes())
    }
}

/// Reads the compact protocol from a [`Source`].
#[derive(Debug)]
pub struct CompactReader<S> {
    src: S,
    limits: Limits,
    depth: Depth,
    last_field_id: i16,
    field_id_stack: Vec<i16>,
    pending_bool: Option<bool>,
    scratch: Vec<u8>,
}

impl<S: Source> CompactReader<S> {
    reader_constructors!(
        "A reader with default limits.",
        depth,
        last_field_id,
        field_id_stack,
        pending_bool,
        scratch
    );

    #[inline]
    fn read_varint<const MAX: usize>(&mut self) -> Result<u64> {
        let buf = self.src.buffered();
        if let Some(&b) = buf.first() {
            if b < 0x80 {
                self.src.consume(1);
                return Ok(u64::from(b));
            }
            if let Some((v, n)) = decode_varint::<MAX>(buf)? {
                self.src.consume(n);
                return Ok(v);
            }
        }
        self.read_varint_slow::<MAX>()
    }

    #[cold]
    fn read_varint_slow<const MAX: usize>(&mut self) -> Result<u64> {
        let mut result = 0u64;
        for i in 0..MAX {
            let b = self.src.read_u8()?;
            result |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                if i == MAX - 1 && u32::from(b) >> last_byte_bits(MAX) != 0 {
                    return Err(varint_overflow());
                }
                return Ok(result);
            }
        }
        Err(varint_too_long(MAX))
    }

    /// A message header up to its name: kind and sequence id.
    fn message_begin(&mut self) -> Result<(MessageType, i32)> {
        self.src.begin_message();
        self.depth.reset();
        self.last_field_id = 0;
        self.field_id_stack.clear();
        self.pending_bool = None;
        let id = self.src.read_u8()?;
        if id != PROTOCOL_ID {
            return Err(protocol_err(
                ProtocolErrorKind::BadVersion,
                format!("compact protocol id {id:#04x}"),
            ));
        }
        let b = self.src.read_u8()?;
        if b & VERSION_MASK != VERSION {
            return Err(protocol_err(
                ProtocolErrorKind::BadVersion,
                format!("compact version {}", b & VERSION_MASK),
            ));
        }
        let kind = MessageType::from_i32(i32::from(b >> TYPE_SHIFT))?;
        let seqid = self.read_varint32()? as i32;
        Ok((kind, seqid))
    }

    #[inline]
    fn read_varint32(&mut self) -> Result<u32> {
        Ok(self.read_varint::<5>()? as u32)
    }

    #[inline]
    fn read_len(&mut self) -> Result<usize> {
        let n = self.read_varint32()?;
        if n > i32::MAX as u32 {
            return Err(protocol_kind(ProtocolErrorKind::NegativeSize));
        }
        Ok(n as usize)
    }

    #[inline]
    fn read_list_header(&mut self) -> Result<ListHeader> {
        let b = self.src.read_u8()?;
        let elem = from_compact_id(b & 0x0f)?;
        let short = usize::from(b >> 4);
        let len = if short == 15 { self.read_len()? } else { short };
        if elem == TType::Stop && len > 0 {
            return Err(unknown_type(0));
        }
        self.depth
            .enter_container(&self.limits, len, min_size(elem), &self.src)?;
        Ok(ListHeader { elem, len })
    }

    /// Reads `len` varints of at most `MAX` bytes, converted by `convert`, and appends them to
    /// `out`: decoded straight out of the buffer while a maximal varint surely fits there, then
    /// one at a time.
    #[inline]
    fn read_varint_list<const MAX: usize, T>(
        &mut self,
        len: usize,
        out: &mut Vec<T>,
        convert: impl Fn(u64) -> T,
    ) -> Result<()> {
        let mut done = 0;
        let buf = self.src.buffered();
        let mut pos = 0;
        while done < len && buf.len() - pos >= MAX {
            let b = buf[pos];
            let (v, n) = if b < 0x80 {
                (u64::from(b), 1)
            } else {
                decode_varint::<MAX>(&buf[pos..])?.expect("MAX bytes are buffered")
            };
            out.push(convert(v));
            pos += n;
            done += 1;
        }
        self.src.consume(pos);
        for _ in done..len {
            out.push(convert(self.read_varint::<MAX>()?));
        }
        Ok(())
    }
}

impl<S: Source> ProtocolReader for CompactReader<S> {
    binary_like_reader_methods!();

    fn capture_value(&mut self, ttype: TType) -> Result<Option<RawValue>> {
        if ttype == TType::Bool {
            // A bool field's value was in its header: keep it as a container bool byte.
            let byte: &'static [u8] = if self.read_bool()? {
                &[CT_BOOL_TRUE]
            } else {
                &[CT_BOOL_FALSE]
            };
            return Ok(Some(RawValue::new(
                RawProtocol::Compact,
                Bytes::from_static(byte),
            )));
        }
        // Skip the value with a reader that records every byte it takes from the source.
        // Field ids inside the value are deltas within its own structs, so the recorder
        // starts with no field id of its own.
        let mut recorder = CompactReader {
            src: Recording::new(&mut self.src),
            limits: self.limits,
            depth: self.depth,
            last_field_id: 0,
            field_id_stack: Vec::new(),
            pending_bool: None,
            scratch: std::mem::take(&mut self.scratch),
        };
        let skipped = recorder.skip(ttype);
        let bytes = recorder.src.take();
        self.scratch = recorder.scratch;
        skipped?;
        Ok(Some(RawValue::new(RawProtocol::Compact, bytes)))
    }

    fn read_message_begin(&mut self) -> Result<MessageHeader> {
        let (kind, seqid) = self.message_begin()?;
        let name = self.read_string()?;
        Ok(MessageHeader::new(name, kind, seqid))
    }

    fn skip_message_begin(&mut self) -> Result<()> {
        self.message_begin()?;
        self.skip_binary()
    }

    #[inline]
    fn read_struct_begin(&mut self) -> Result<()> {
        self.depth.enter(&self.limits)?;
        self.field_id_stack.push(self.last_field_id);
        self.last_field_id = 0;
        Ok(())
    }

    #[inline]
    fn read_struct_end(&mut self) -> Result<()> {
        self.depth.leave();
        self.last_field_id = self.field_id_stack.pop().unwrap_or(0);
        Ok(())
    }

    #[inline]
    fn read_field_begin(&mut self) -> Result<Option<FieldHeader>> {
        let b = self.src.read_u8()?;
        if b == 0 {
            return Ok(None);
        }
        let type_id = b & 0x0f;
        let ttype = from_compact_id(type_id)?;
        let delta = b >> 4;
        let id = if delta == 0 {
            self.read_i16()?
        } else {
            // A delta past 32767 names no field any IDL can declare; other implementations
            // wrap it into a negative id and go on, which silently reads garbage.
            match self.last_field_id.checked_add(i16::from(delta)) {
                Some(id) => id,
                None => return Err(field_id_overflow(self.last_field_id, delta)),
            }
        };
        if ttype == TType::Bool {
            self.pending_bool = Some(type_id == CT_BOOL_TRUE);
        }
        self.last_field_id = id;
        Ok(Some(FieldHeader { ttype, id }))
    }

    #[inline]
    fn read_field_end(&mut self) -> Result<()> {
        self.pending_bool = None;
        Ok(())
    }

    #[inline]
    fn read_map_begin(&mut self) -> Result<MapHeader> {
        let len = self.read_len()?;
        if len == 0 {
            self.depth.enter(&self.limits)?;
            return Ok(MapHeader {
                key: TType::Stop,
                value: TType::Stop,
                len: 0,
            });
        }
        let b = self.src.read_u8()?;
        let key = from_compact_id(b >> 4)?;
        let value = from_compact_id(b & 0x0f)?;
        if key == TType::Stop || value == TType::Stop {
            return Err(unknown_type(0));
        }
        let min = min_size(key) + min_size(value);
        self.depth
            .enter_container(&self.limits, len, min, &self.src)?;
        Ok(MapHeader { key, value, len })
    }

    #[inline]
    fn read_bool(&mut self) -> Result<bool> {
        if let Some(v) = self.pending_bool.take() {
            return Ok(v);
        }
        match self.src.read_u8()? {
            CT_BOOL_TRUE => Ok(true),
            0 | CT_BOOL_FALSE => Ok(false),
            b => Err(protocol_err(
                ProtocolErrorKind::InvalidData,
                format!("bool byte {b}"),
            )),
        }
    }

    #[inline]
    fn read_i16(&mut self) -> Result<i16> {
        let v = unzigzag32(self.read_varint32()?);
        i16::try_from(v)
            .map_err(|_| protocol_err(ProtocolErrorKind::InvalidData, "i16 out of range"))
    }

    #[inline]
    fn read_i32(&mut self) -> Result<i32> {
        Ok(unzigzag32(self.read_varint32()?))
    }

    #[inline]
    fn read_i64(&mut self) -> Result<i64> {
        Ok(unzigzag64(self.read_varint::<10>()?))
    }

    #[inline]
    fn read_double(&mut self) -> Result<f64> {
        Ok(f64::from_bits(u64::from_le_bytes(self.src.take_array()?)))
    }

    fn read_i64_list(&mut self, len: usize, out: &mut Vec<i64>) -> Result<()> {
        self.read_varint_list::<10, _>(len, out, unzigzag64)
    }

    fn read_i32_list(&mut self, len: usize, out: &mut Vec<i32>) -> Result<()> {
        self.read_varint_list::<5, _>(len, out, |v| unzigzag32(v as u32))
    }

    fn read_double_list(&mut self, len: usize, out: &mut Vec<f64>) -> Result<()> {
        read_fixed_width_list(&mut self.src, len, out, |b| {
            f64::from_bits(u64::from_le_bytes(b))
        })
    }
}

#[cold]
#[inline(never)]
fn field_id_overflow(last: i16, delta: u8) -> crate::Error {
    protocol_err(
        ProtocolErrorKind::InvalidData,
        format!("field id {last} + delta {delta} overflows i16 (the largest field id is 32767)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Skipping a message header reads exactly what reading it does; only reading checks
    /// the name's encoding.
    #[test]
    fn skipping_a_message_header_reads_what_reading_it_does() {
        let good = [0x82, 0x21, 7, 2, b'h', b'i', 0xaa];
        let bad_name = [0x82, 0x21, 7, 1, 0xff, 0xaa];
        let mut read = CompactReader::new(&good[..]);
        let mut skipped = CompactReader::new(&good[..]);
        assert_eq!(read.read_message_begin().unwrap().seqid, 7);
        skipped.skip_message_begin().unwrap();
        assert_eq!(read.into_inner(), skipped.into_inner());
        let mut skipped = CompactReader::new(&bad_name[..]);
        skipped.skip_message_begin().unwrap();
        assert_eq!(skipped.into_inner(), [0xaa]);
        assert!(
            CompactReader::new(&bad_name[..])
                .read_message_begin()
                .is_err()
        );
        assert!(
            CompactReader::new(&[0x83, 0x21][..])
                .skip_message_begin()
                .is_err()
        );
    }

    #[test]
    fn zigzag_and_varints() {
        for v in [0i64, 1, -1, 2, -2, i64::MAX, i64::MIN, 50399] {
            assert_eq!(unzigzag64(zigzag64(v)), v);
        }
        for v in [0i32, 1, -1, i32::MAX, i32::MIN] {
            assert_eq!(unzigzag32(zigzag32(v)), v);
        }
        let mut buf = [0; 10];
        let n = encode_varint(50399, &mut buf);
        assert_eq!(&buf[..n], &[0xdf, 0x89, 0x03]);
    }

    #[test]
    fn worked_examples_from_the_spec() {
        let mut w = CompactWriter::new(Vec::new());
        crate::protocol::write_add_call(&mut w).unwrap();
        assert_eq!(
            w.into_inner(),
            [0x82, 0x21, 0x01, 0x03, b'a', b'd', b'd', 0x15, 0x02, 0x00]
        );

        let mut w = CompactWriter::new(Vec::new());
        w.write_message_begin(&MessageHeader::new("foo_method", MessageType::Oneway, 1))
            .unwrap();
        w.write_struct_begin("a").unwrap();
        w.write_field_begin(FieldHeader::new(TType::String, 1))
            .unwrap();
        w.write_string("arg1").unwrap();
        w.write_field_begin(FieldHeader::new(TType::I32, 2))
            .unwrap();
        w.write_i32(2).unwrap();
        w.write_field_stop().unwrap();
        let mut expected = vec![0x82, 0x81, 0x01, 0x0a];
        expected.extend_from_slice(b"foo_method");
        expected.extend_from_slice(&[0x18, 0x04]);
        expected.extend_from_slice(b"arg1");
        expected.extend_from_slice(&[0x15, 0x04, 0x00]);
        assert_eq!(w.into_inner(), expected);
    }

    #[test]
    fn overlong_varints_are_rejected() {
        let eleven = [
            0x80u8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
        ];
        let err = CompactReader::new(&eleven[..]).read_i64().unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
        let six = [0x80u8, 0x80, 0x80, 0x80, 0x80, 0x01];
        let err = CompactReader::new(&six[..]).read_i32().unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
        // Five bytes whose last carries more than 32 bits.
        let over = [0xffu8, 0xff, 0xff, 0xff, 0x1f];
        let err = CompactReader::new(&over[..]).read_i32().unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
        let max = [0xffu8, 0xff, 0xff, 0xff, 0x0f];
        assert_eq!(CompactReader::new(&max[..]).read_i32().unwrap(), i32::MIN);
    }

    #[test]
    fn bulk_i64_matches_scalar_path() {
        let values: Vec<i64> = (0..300).map(|i| (i * 7919) ^ ((i << 40) - 5)).collect();
        let mut w = CompactWriter::new(Vec::new());
        w.write_i64_slice(&values).unwrap();
        let bytes = w.into_inner();
        let mut out = Vec::new();
        CompactReader::new(&bytes[..])
            .read_i64_list(values.len(), &mut out)
            .unwrap();
        assert_eq!(out, values);
        let mut r = CompactReader::new(&bytes[..]);
        let scalar: Vec<i64> = (0..values.len()).map(|_| r.read_i64().unwrap()).collect();
        assert_eq!(scalar, values);
    }

    #[test]
    fn a_field_id_delta_past_32767_is_refused() {
        // Field 32767 (long form: i32 type, then the id as a zigzag varint), then a short-form
        // header with delta 1: id 32768 does not exist.
        let mut bytes = vec![0x05];
        bytes.extend_from_slice(&[0xfe, 0xff, 0x03]); // zigzag(32767)
        bytes.push(0x02); // the i32 value 1
        bytes.push(0x15); // delta 1, i32
        let mut r = CompactReader::new(&bytes[..]);
        r.read_struct_begin().unwrap();
        let first = r.read_field_begin().unwrap().unwrap();
        assert_eq!(first.id, 32767);
        assert_eq!(r.read_i32().unwrap(), 1);
        r.read_field_end().unwrap();
        let err = r.read_field_begin().unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
        assert!(err.to_string().contains("overflows"), "{err}");
    }
}
