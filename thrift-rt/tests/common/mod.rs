//! Shared test helpers: a hand-written struct shaped like generated code, and protocol
//! constructors by name.

#![allow(dead_code, unreachable_pub)]

pub mod echo;

use std::collections::BTreeMap;

use thrift_rt::__private as rt;
use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter,
};
use thrift_rt::{Limits, ReadThrift, Result, TType, WriteThrift};

/// What `thrift-build` would generate for
///
/// ```thrift
/// struct Node {
///   1: required i64 id
///   2: string name
///   3: list<string> tags
///   4: map<string, list<i64>> scores
///   5: list<bool> flags
///   6: optional Node child
///   7: binary blob
///   8: double ratio
///   9: set<i32> ids
///  10: i8 small
///  11: i16 medium
///  12: optional uuid key
/// }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    pub id: i64,
    pub name: String,
    pub tags: Vec<String>,
    pub scores: BTreeMap<String, Vec<i64>>,
    pub flags: Vec<bool>,
    pub child: Option<Box<Node>>,
    pub blob: Vec<u8>,
    pub ratio: f64,
    pub ids: std::collections::BTreeSet<i32>,
    pub small: i8,
    pub medium: i16,
    pub key: Option<[u8; 16]>,
}

impl WriteThrift for Node {
    const TTYPE: TType = TType::Struct;

    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_struct_begin("Node")?;
        rt::write_field(w, 1, &self.id)?;
        rt::write_field(w, 2, &self.name)?;
        rt::write_field(w, 3, &self.tags)?;
        rt::write_field(w, 4, &self.scores)?;
        rt::write_field(w, 5, &self.flags)?;
        if let Some(child) = &self.child {
            rt::write_field(w, 6, child)?;
        }
        rt::write_field(w, 7, &self.blob)?;
        rt::write_field(w, 8, &self.ratio)?;
        rt::write_field(w, 9, &self.ids)?;
        rt::write_field(w, 10, &self.small)?;
        rt::write_field(w, 11, &self.medium)?;
        if let Some(key) = &self.key {
            rt::write_field(w, 12, key)?;
        }
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

impl ReadThrift for Node {
    const TTYPE: TType = TType::Struct;

    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let mut id = None;
        let mut name = None;
        let mut tags = None;
        let mut scores = None;
        let mut flags = None;
        let mut child = None;
        let mut blob = None;
        let mut ratio = None;
        let mut ids = None;
        let mut small = None;
        let mut medium = None;
        let mut key = None;
        r.read_struct_begin()?;
        while let Some(field) = r.read_field_begin()? {
            match field.id {
                1 => rt::read_field_into(r, field, &mut id, "Node", "id")?,
                2 => rt::read_field_into(r, field, &mut name, "Node", "name")?,
                3 => rt::read_field_into(r, field, &mut tags, "Node", "tags")?,
                4 => rt::read_field_into(r, field, &mut scores, "Node", "scores")?,
                5 => rt::read_field_into(r, field, &mut flags, "Node", "flags")?,
                6 => rt::read_field_into(r, field, &mut child, "Node", "child")?,
                7 => rt::read_field_into(r, field, &mut blob, "Node", "blob")?,
                8 => rt::read_field_into(r, field, &mut ratio, "Node", "ratio")?,
                9 => rt::read_field_into(r, field, &mut ids, "Node", "ids")?,
                10 => rt::read_field_into(r, field, &mut small, "Node", "small")?,
                11 => rt::read_field_into(r, field, &mut medium, "Node", "medium")?,
                12 => rt::read_field_into(r, field, &mut key, "Node", "key")?,
                _ => rt::skip_field(r, field)?,
            }
        }
        r.read_struct_end()?;
        Ok(Node {
            id: id.ok_or_else(|| rt::missing_field("Node", "id"))?,
            name: name.unwrap_or_default(),
            tags: tags.unwrap_or_default(),
            scores: scores.unwrap_or_default(),
            flags: flags.unwrap_or_default(),
            child,
            blob: blob.unwrap_or_default(),
            ratio: ratio.unwrap_or_default(),
            ids: ids.unwrap_or_default(),
            small: small.unwrap_or_default(),
            medium: medium.unwrap_or_default(),
            key,
        })
    }
}

/// A populated node two levels deep.
pub fn sample() -> Node {
    let leaf = Node {
        id: -7,
        name: "leaf \u{e9}".into(),
        flags: vec![true],
        key: Some(*b"0123456789abcdef"),
        ..Node::default()
    };
    Node {
        id: 1 << 40,
        name: "root".into(),
        tags: vec!["a".into(), "bc".into(), String::new()],
        scores: BTreeMap::from([("x".into(), vec![1, -2, 300]), ("y".into(), vec![])]),
        flags: vec![true, false, true],
        child: Some(Box::new(leaf)),
        blob: vec![0, 1, 2, 255],
        ratio: 0.25,
        ids: [5, -5, 70000].into_iter().collect(),
        small: -128,
        medium: 4096,
        key: None,
    }
}

/// The protocols under test.
pub const PROTOCOLS: [&str; 3] = ["binary", "compact", "json"];

/// Encodes `value` with the named protocol.
pub fn encode<T: WriteThrift>(protocol: &str, value: &T) -> Vec<u8> {
    fn go<T: WriteThrift>(w: &mut dyn ProtocolWriter, value: &T) {
        value.write(w).unwrap();
    }
    match protocol {
        "binary" => {
            let mut w = BinaryWriter::new(Vec::new());
            go(&mut w, value);
            w.into_inner()
        }
        "compact" => {
            let mut w = CompactWriter::new(Vec::new());
            go(&mut w, value);
            w.into_inner()
        }
        "json" => {
            let mut w = JsonWriter::new(Vec::new());
            go(&mut w, value);
            w.into_inner()
        }
        other => panic!("unknown protocol {other}"),
    }
}

/// Runs `f` with a reader of the named protocol over `bytes`.
pub fn with_reader<T>(
    protocol: &str,
    bytes: &[u8],
    limits: Limits,
    f: impl FnOnce(&mut dyn ProtocolReader) -> T,
) -> T {
    match protocol {
        "binary" => f(&mut BinaryReader::with_limits(bytes, limits)),
        "compact" => f(&mut CompactReader::with_limits(bytes, limits)),
        "json" => f(&mut JsonReader::with_limits(bytes, limits)),
        other => panic!("unknown protocol {other}"),
    }
}

/// Decodes a `T` with the named protocol.
pub fn decode<T: ReadThrift>(protocol: &str, bytes: &[u8]) -> Result<T> {
    with_reader(protocol, bytes, Limits::default(), |r| T::read(r))
}

/// Skips one struct with the named protocol.
pub fn skip_struct(protocol: &str, bytes: &[u8]) -> Result<()> {
    with_reader(protocol, bytes, Limits::default(), |r| {
        r.skip(TType::Struct)
    })
}
