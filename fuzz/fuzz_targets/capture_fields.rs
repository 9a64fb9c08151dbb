//! Keeping unknown fields (`ProtocolReader::capture_value`, `ProtocolWriter::write_raw_field`):
//! the first byte picks binary (even) or compact (odd), the rest is read as a struct whose
//! every field is captured raw. Whatever the bytes, capturing must never panic or allocate
//! past the limits; when it succeeds, writing the captured fields back in the same protocol
//! and capturing again must give the same raw values, and writing them in the other protocol
//! (transcoding) must succeed and be read back field for field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thrift_rt::protocol::{BinaryReader, BinaryWriter, CompactReader, CompactWriter};
use thrift_rt::protocol::{ProtocolReader, ProtocolWriter, RawValue};
use thrift_rt::{Limits, TType};

type Captured = Vec<(i16, TType, RawValue)>;

/// Every field of one struct, captured raw; `None` where the bytes are not a struct.
fn capture<R: ProtocolReader>(r: &mut R) -> Option<Captured> {
    let mut fields = Vec::new();
    r.read_struct_begin().ok()?;
    while let Some(field) = r.read_field_begin().ok()? {
        let raw = r.capture_value(field.ttype).ok()??;
        r.read_field_end().ok()?;
        fields.push((field.id, field.ttype, raw));
    }
    r.read_struct_end().ok()?;
    Some(fields)
}

/// The captured fields written as a struct.
fn write<W: ProtocolWriter>(mut w: W, fields: &Captured) -> W {
    w.write_struct_begin("s").unwrap();
    for (id, ttype, raw) in fields {
        w.write_raw_field(*id, *ttype, raw).unwrap();
    }
    w.write_field_stop().unwrap();
    w.write_struct_end().unwrap();
    w
}

fn same_shape(a: &Captured, b: &Captured) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && x.1 == y.1)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let limits = Limits::default().max_depth(32).max_container_len(1 << 12);
    if mode % 2 == 0 {
        let Some(fields) = capture(&mut BinaryReader::with_limits(bytes, limits)) else {
            return;
        };
        let same = write(BinaryWriter::new(Vec::new()), &fields).into_inner();
        let again = capture(&mut BinaryReader::with_limits(&same[..], limits));
        assert_eq!(
            again.as_ref(),
            Some(&fields),
            "binary rewrite changed the fields"
        );
        let other = write(CompactWriter::new(Vec::new()), &fields).into_inner();
        let back = capture(&mut CompactReader::with_limits(&other[..], limits));
        assert!(
            back.is_some_and(|b| same_shape(&b, &fields)),
            "binary to compact"
        );
    } else {
        let Some(fields) = capture(&mut CompactReader::with_limits(bytes, limits)) else {
            return;
        };
        let same = write(CompactWriter::new(Vec::new()), &fields).into_inner();
        let again = capture(&mut CompactReader::with_limits(&same[..], limits));
        assert_eq!(
            again.as_ref(),
            Some(&fields),
            "compact rewrite changed the fields"
        );
        let other = write(BinaryWriter::new(Vec::new()), &fields).into_inner();
        let back = capture(&mut BinaryReader::with_limits(&other[..], limits));
        assert!(
            back.is_some_and(|b| same_shape(&b, &fields)),
            "compact to binary"
        );
    }
});
