//! Byte-exact compatibility with Apache Thrift's Python and C++ libraries.
//!
//! `tests/vectors/*.txt` hold call sequences and the bytes Apache's protocols produced for them
//! (see `scripts/vectors.sh`): `binary`, `binary_nonstrict`, `compact` and `json` come from the
//! Python library (PyPI `thrift` 0.25.0, including uuid), `json_cpp` from the C++ library
//! (Debian `libthrift-dev` 0.17.0: unpadded base64 and the `"NaN"`/`"Infinity"`/`"-Infinity"`
//! doubles, which Python writes as bare `nan`/`inf`). For every case we replay the calls through
//! our writer and compare bytes, replay them through our reader over Apache's bytes and compare
//! values, and skip the whole value and check that every byte was consumed.

use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter,
};
use thrift_rt::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};

#[derive(Debug, Clone)]
enum Op {
    MessageBegin(String, MessageType, i32),
    MessageEnd,
    StructBegin,
    StructEnd,
    FieldBegin(TType, i16),
    FieldEnd,
    FieldStop,
    ListBegin(TType, usize),
    ListEnd,
    SetBegin(TType, usize),
    SetEnd,
    MapBegin(TType, TType, usize),
    MapEnd,
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    Double(u64),
    Str(String),
    Binary(Vec<u8>),
    Uuid([u8; 16]),
}

#[derive(Debug)]
struct Case {
    name: String,
    decode_only: bool,
    ops: Vec<Op>,
    bytes: Vec<u8>,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn ttype(s: &str) -> TType {
    TType::from_binary_id(s.parse().unwrap()).unwrap()
}

fn parse_op(text: &str) -> Op {
    let mut parts = text.split(' ');
    let name = parts.next().unwrap();
    let args: Vec<&str> = parts.collect();
    let arg = |i: usize| args.get(i).copied().unwrap_or("");
    match name {
        "message_begin" => Op::MessageBegin(
            String::from_utf8(unhex(arg(0))).unwrap(),
            MessageType::from_i32(arg(1).parse().unwrap()).unwrap(),
            arg(2).parse().unwrap(),
        ),
        "message_end" => Op::MessageEnd,
        "struct_begin" => Op::StructBegin,
        "struct_end" => Op::StructEnd,
        "field_begin" => Op::FieldBegin(ttype(arg(0)), arg(1).parse().unwrap()),
        "field_end" => Op::FieldEnd,
        "field_stop" => Op::FieldStop,
        "list_begin" => Op::ListBegin(ttype(arg(0)), arg(1).parse().unwrap()),
        "list_end" => Op::ListEnd,
        "set_begin" => Op::SetBegin(ttype(arg(0)), arg(1).parse().unwrap()),
        "set_end" => Op::SetEnd,
        "map_begin" => Op::MapBegin(ttype(arg(0)), ttype(arg(1)), arg(2).parse().unwrap()),
        "map_end" => Op::MapEnd,
        "bool" => Op::Bool(arg(0) == "1"),
        "i8" => Op::I8(arg(0).parse().unwrap()),
        "i16" => Op::I16(arg(0).parse().unwrap()),
        "i32" => Op::I32(arg(0).parse().unwrap()),
        "i64" => Op::I64(arg(0).parse().unwrap()),
        "double" => Op::Double(u64::from_str_radix(arg(0), 16).unwrap()),
        "string" => Op::Str(String::from_utf8(unhex(arg(0))).unwrap()),
        "binary" => Op::Binary(unhex(arg(0))),
        "uuid" => Op::Uuid(unhex(arg(0)).try_into().unwrap()),
        other => panic!("unknown op {other}"),
    }
}

fn load(protocol: &str) -> Vec<Case> {
    let path = format!(
        "{}/tests/vectors/{protocol}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "case" => cases.push(Case {
                name: rest.to_owned(),
                decode_only: false,
                ops: Vec::new(),
                bytes: Vec::new(),
            }),
            "flags" => cases.last_mut().unwrap().decode_only = rest.contains("decode_only"),
            "note" => {}
            "ops" => cases.last_mut().unwrap().ops = rest.split(';').map(parse_op).collect(),
            "hex" => cases.last_mut().unwrap().bytes = unhex(rest),
            other => panic!("unknown line {other}"),
        }
    }
    assert!(cases.len() >= 5, "{path} has only {} cases", cases.len());
    cases
}

fn write_ops<W: ProtocolWriter + ?Sized>(w: &mut W, ops: &[Op]) -> thrift_rt::Result<()> {
    for op in ops {
        match op {
            Op::MessageBegin(name, kind, seqid) => {
                w.write_message_begin(&MessageHeader::new(name, *kind, *seqid))?;
            }
            Op::MessageEnd => w.write_message_end()?,
            Op::StructBegin => w.write_struct_begin("S")?,
            Op::StructEnd => w.write_struct_end()?,
            Op::FieldBegin(t, id) => w.write_field_begin(FieldHeader::new(*t, *id))?,
            Op::FieldEnd => w.write_field_end()?,
            Op::FieldStop => w.write_field_stop()?,
            Op::ListBegin(t, n) => w.write_list_begin(ListHeader::new(*t, *n))?,
            Op::ListEnd => w.write_list_end()?,
            Op::SetBegin(t, n) => w.write_set_begin(ListHeader::new(*t, *n))?,
            Op::SetEnd => w.write_set_end()?,
            Op::MapBegin(k, v, n) => w.write_map_begin(MapHeader::new(*k, *v, *n))?,
            Op::MapEnd => w.write_map_end()?,
            Op::Bool(v) => w.write_bool(*v)?,
            Op::I8(v) => w.write_i8(*v)?,
            Op::I16(v) => w.write_i16(*v)?,
            Op::I32(v) => w.write_i32(*v)?,
            Op::I64(v) => w.write_i64(*v)?,
            Op::Double(bits) => w.write_double(f64::from_bits(*bits))?,
            Op::Str(v) => w.write_string(v)?,
            Op::Binary(v) => w.write_binary(v)?,
            Op::Uuid(v) => w.write_uuid(v)?,
        }
    }
    w.flush()
}

fn read_ops<R: ProtocolReader + ?Sized>(r: &mut R, ops: &[Op], case: &str) {
    for (i, op) in ops.iter().enumerate() {
        let at = || format!("{case}: op {i} {op:?}");
        match op {
            Op::MessageBegin(name, kind, seqid) => {
                let h = r
                    .read_message_begin()
                    .unwrap_or_else(|e| panic!("{}: {e}", at()));
                assert_eq!(
                    (&h.name, h.kind, h.seqid),
                    (name, *kind, *seqid),
                    "{}",
                    at()
                );
            }
            Op::MessageEnd => r.read_message_end().unwrap(),
            Op::StructBegin => r.read_struct_begin().unwrap(),
            Op::StructEnd => r.read_struct_end().unwrap(),
            Op::FieldBegin(t, id) => {
                let f = r
                    .read_field_begin()
                    .unwrap_or_else(|e| panic!("{}: {e}", at()));
                assert_eq!(f, Some(FieldHeader::new(*t, *id)), "{}", at());
            }
            Op::FieldEnd => r.read_field_end().unwrap(),
            Op::FieldStop => assert_eq!(r.read_field_begin().unwrap(), None, "{}", at()),
            Op::ListBegin(t, n) => {
                assert_eq!(
                    r.read_list_begin().unwrap(),
                    ListHeader::new(*t, *n),
                    "{}",
                    at()
                );
            }
            Op::ListEnd => r.read_list_end().unwrap(),
            Op::SetBegin(t, n) => {
                assert_eq!(
                    r.read_set_begin().unwrap(),
                    ListHeader::new(*t, *n),
                    "{}",
                    at()
                );
            }
            Op::SetEnd => r.read_set_end().unwrap(),
            Op::MapBegin(k, v, n) => {
                let h = r.read_map_begin().unwrap();
                assert_eq!(h.len, *n, "{}", at());
                if *n > 0 {
                    assert_eq!((h.key, h.value), (*k, *v), "{}", at());
                }
            }
            Op::MapEnd => r.read_map_end().unwrap(),
            Op::Bool(v) => assert_eq!(r.read_bool().unwrap(), *v, "{}", at()),
            Op::I8(v) => assert_eq!(r.read_i8().unwrap(), *v, "{}", at()),
            Op::I16(v) => assert_eq!(r.read_i16().unwrap(), *v, "{}", at()),
            Op::I32(v) => assert_eq!(r.read_i32().unwrap(), *v, "{}", at()),
            Op::I64(v) => assert_eq!(r.read_i64().unwrap(), *v, "{}", at()),
            Op::Double(bits) => {
                let got = r.read_double().unwrap().to_bits();
                assert_eq!(got, *bits, "{}", at());
            }
            Op::Str(v) => assert_eq!(r.read_str().unwrap(), v, "{}", at()),
            Op::Binary(v) => assert_eq!(r.read_binary_ref().unwrap(), &v[..], "{}", at()),
            Op::Uuid(v) => assert_eq!(&r.read_uuid().unwrap(), v, "{}", at()),
        }
    }
}

/// Skips the case's top-level value (a message: header, body struct, end).
fn skip_all<R: ProtocolReader + ?Sized>(r: &mut R, ops: &[Op]) {
    if matches!(ops[0], Op::MessageBegin(..)) {
        r.read_message_begin().unwrap();
        r.skip(TType::Struct).unwrap();
        r.read_message_end().unwrap();
    } else {
        r.skip(TType::Struct).unwrap();
    }
}

fn check_protocol(
    protocol: &str,
    write: impl Fn(&[Op]) -> Vec<u8>,
    read: impl Fn(&[u8], &dyn Fn(&mut dyn ProtocolReader)) -> usize,
) {
    let cases = load(protocol);
    for case in &cases {
        if !case.decode_only {
            let ours = write(&case.ops);
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&case.bytes),
                "{protocol}/{}: bytes differ",
                case.name
            );
            assert_eq!(ours, case.bytes, "{protocol}/{}", case.name);
        }
        let left = read(&case.bytes, &|r| read_ops(r, &case.ops, &case.name));
        assert_eq!(
            left, 0,
            "{protocol}/{}: {left} bytes left after reading",
            case.name
        );
        let left = read(&case.bytes, &|r| skip_all(r, &case.ops));
        assert_eq!(
            left, 0,
            "{protocol}/{}: {left} bytes left after skipping",
            case.name
        );
    }
}

#[test]
fn binary_strict_matches_apache() {
    check_protocol(
        "binary",
        |ops| {
            let mut w = BinaryWriter::new(Vec::new());
            write_ops(&mut w, ops).unwrap();
            w.into_inner()
        },
        |bytes, f| {
            let mut r = BinaryReader::new(bytes);
            f(&mut r);
            r.into_inner().len()
        },
    );
}

#[test]
fn binary_non_strict_matches_apache() {
    check_protocol(
        "binary_nonstrict",
        |ops| {
            let mut w = BinaryWriter::new(Vec::new()).strict_write(false);
            write_ops(&mut w, ops).unwrap();
            w.into_inner()
        },
        |bytes, f| {
            let mut r = BinaryReader::new(bytes);
            f(&mut r);
            r.into_inner().len()
        },
    );
}

#[test]
fn compact_matches_apache() {
    check_protocol(
        "compact",
        |ops| {
            let mut w = CompactWriter::new(Vec::new());
            write_ops(&mut w, ops).unwrap();
            w.into_inner()
        },
        |bytes, f| {
            let mut r = CompactReader::new(bytes);
            f(&mut r);
            r.into_inner().len()
        },
    );
}

#[test]
fn json_matches_apache() {
    check_protocol(
        "json",
        |ops| {
            let mut w = JsonWriter::new(Vec::new());
            write_ops(&mut w, ops).unwrap();
            w.into_inner()
        },
        |bytes, f| {
            let mut r = JsonReader::new(bytes);
            f(&mut r);
            r.into_inner().len()
        },
    );
}

#[test]
fn json_matches_apache_cpp() {
    check_protocol(
        "json_cpp",
        |ops| {
            let mut w = JsonWriter::new(Vec::new());
            write_ops(&mut w, ops).unwrap();
            w.into_inner()
        },
        |bytes, f| {
            let mut r = JsonReader::new(bytes);
            f(&mut r);
            r.into_inner().len()
        },
    );
}

/// The vector files cover what they claim: uuid in every Python file, the special doubles and
/// an unpadded binary in the C++ file.
#[test]
fn vectors_cover_uuid_and_special_doubles() {
    for protocol in ["binary", "compact", "json"] {
        let cases = load(protocol);
        let uuid = cases.iter().find(|c| c.name == "uuid").unwrap();
        assert!(uuid.ops.iter().any(|op| matches!(op, Op::Uuid(_))));
    }
    let cpp = load("json_cpp");
    for name in [
        "double_nan",
        "double_inf",
        "double_neg_inf",
        "binary_values",
    ] {
        let case = cpp.iter().find(|c| c.name == name).unwrap();
        assert!(!case.decode_only, "{name}");
    }
    let inf = cpp.iter().find(|c| c.name == "double_neg_inf").unwrap();
    assert!(String::from_utf8_lossy(&inf.bytes).contains(r#""-Infinity""#));
}
