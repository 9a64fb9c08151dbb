//! Interoperability with Apache Thrift: `vectors/*.txt` hold the values of `src/values.rs`
//! as Apache's Python library encodes them, with Python code generated from
//! `idl/constructs.thrift` by Apache's compiler (`scripts/codegen_vectors.py`). Every vector
//! must decode to the hand-built value, and the value must encode to the same bytes.

use std::collections::BTreeMap;
use std::fmt::Debug;

use codegen_tests::codec::{Protocol, clip, decode, encode, show};
use codegen_tests::values;
use thrift_rt::{ReadThrift, WriteThrift};

/// `name → bytes` of one vector file, in file order.
fn load(protocol: Protocol) -> Vec<(String, Vec<u8>)> {
    let text = match protocol {
        Protocol::Binary => include_str!("../vectors/binary.txt"),
        Protocol::Compact => include_str!("../vectors/compact.txt"),
        Protocol::Json => include_str!("../vectors/json.txt"),
    };
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (name, hex) = line.split_once(' ').expect("`name hex` per line");
            (name.to_string(), unhex(hex))
        })
        .collect()
}

fn unhex(hex: &str) -> Vec<u8> {
    assert!(hex.len() % 2 == 0, "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Checks every vector of one protocol; returns the names whose bytes differ from ours.
struct Checker {
    protocol: Protocol,
    vectors: BTreeMap<String, Vec<u8>>,
    checked: Vec<&'static str>,
    mismatches: Vec<String>,
}

impl Checker {
    fn new(protocol: Protocol) -> Self {
        let loaded = load(protocol);
        let names: Vec<&str> = loaded.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            values::NAMES,
            "{protocol:?}: the vector file lists other values than values::NAMES; regenerate it \
             with scripts/codegen_vectors.sh"
        );
        Self {
            protocol,
            vectors: loaded.into_iter().collect(),
            checked: Vec::new(),
            mismatches: Vec::new(),
        }
    }

    fn check<T: WriteThrift + ReadThrift + PartialEq + Debug>(
        &mut self,
        name: &'static str,
        value: &T,
    ) {
        let protocol = self.protocol;
        let apache = &self.vectors[name];
        let decoded: T = decode(protocol, apache).unwrap_or_else(|e| {
            panic!(
                "{protocol:?} {name}: decoding Apache's bytes failed: {e}\n{}",
                clip(show(protocol, apache))
            )
        });
        assert_eq!(
            &decoded, value,
            "{protocol:?} {name}: decoded value differs"
        );
        let ours = encode(protocol, value);
        if &ours != apache {
            self.mismatches.push(format!(
                "{protocol:?} {name}:\n  apache: {}\n  ours:   {}",
                clip(show(protocol, apache)),
                clip(show(protocol, &ours))
            ));
        }
        self.checked.push(name);
    }

    fn finish(self) -> Vec<String> {
        assert_eq!(
            self.checked,
            values::NAMES,
            "every value is checked, in order"
        );
        self.mismatches
    }
}

fn check_all(protocol: Protocol) -> Vec<String> {
    let mut c = Checker::new(protocol);
    c.check("point", &values::point());
    c.check("scalars_full", &values::scalars_full());
    c.check("scalars_minimal", &values::scalars_minimal());
    c.check("defaults_idl", &values::defaults_idl());
    c.check("defaults_custom", &values::defaults_custom());
    c.check("containers_full", &values::containers_full());
    c.check("containers_empty", &values::containers_empty());
    c.check("samples", &values::samples());
    c.check("shape_circle", &values::shape_circle());
    c.check("shape_point", &values::shape_point());
    c.check("shape_polygon", &values::shape_polygon());
    c.check("shape_scaled", &values::shape_scaled());
    c.check("node_chain", &values::node_chain());
    c.check("tree", &values::tree());
    c.check("ping_pong", &values::ping_pong());
    c.check("failure", &values::failure());
    c.check("conflict", &values::conflict());
    c.check("conflict_no_message", &values::conflict_no_message());
    c.finish()
}

#[test]
fn binary_matches_apache() {
    let mismatches = check_all(Protocol::Binary);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn compact_matches_apache() {
    let mismatches = check_all(Protocol::Compact);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The values whose JSON Apache's Python library writes differently from Apache's C++ library
/// (and from us): their binaries are base64 with `=` padding (C++ writes none, and every
/// Apache reader accepts both), or their strings hold control characters other than
/// `\b \f \n \r \t`, which Python writes raw (invalid JSON, RFC 8259 §7) where C++ writes
/// `\u00XX`. We follow C++ (see WIRE.md), so these are compared after rewriting Python's bytes
/// the C++ way; every other value must match byte for byte.
const PYTHON_JSON_DEVIATIONS: &[&str] = &[
    "scalars_full",
    "defaults_custom",
    "containers_full",
    "conflict",
];

/// Python's TJSONProtocol output rewritten as Apache's C++ TJSONProtocol writes it: control
/// characters escaped as `\u00xx`, and base64 padding dropped. (None of the values has a string
/// ending in `=`, so every `="` is padding.)
fn as_cpp_writes_it(python: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(python.len());
    for &b in python {
        match b {
            0x00..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            b'"' => {
                while out.last() == Some(&b'=') {
                    out.pop();
                }
                out.push(b);
            }
            _ => out.push(b),
        }
    }
    out
}

#[test]
fn json_matches_apache() {
    let mismatches = check_all(Protocol::Json);
    let mismatched: Vec<&str> = mismatches
        .iter()
        .map(|m| m.split([' ', ':']).nth(1).unwrap())
        .collect();
    assert_eq!(
        mismatched,
        PYTHON_JSON_DEVIATIONS,
        "only the known Python deviations differ:\n{}",
        mismatches.join("\n")
    );
    let vectors: BTreeMap<_, _> = load(Protocol::Json).into_iter().collect();
    let ours: BTreeMap<&str, Vec<u8>> = [
        (
            "scalars_full",
            encode(Protocol::Json, &values::scalars_full()),
        ),
        (
            "defaults_custom",
            encode(Protocol::Json, &values::defaults_custom()),
        ),
        (
            "containers_full",
            encode(Protocol::Json, &values::containers_full()),
        ),
        ("conflict", encode(Protocol::Json, &values::conflict())),
    ]
    .into();
    for name in PYTHON_JSON_DEVIATIONS {
        let rewritten = as_cpp_writes_it(&vectors[*name]);
        assert_eq!(
            show(Protocol::Json, &ours[name]),
            show(Protocol::Json, &rewritten),
            "{name}: differs beyond base64 padding and control characters"
        );
    }
}

/// What Apache's C++ TJSONProtocol (0.17) writes for a string of control characters and DEL,
/// and for a binary of two bytes (recorded with scripts/json_vectors.cpp): lower-case `\u00xx`
/// escapes, DEL raw, base64 without padding.
#[test]
fn json_escapes_like_apache_cpp() {
    let value = codegen_tests::idl::constructs::Scalars {
        s: "\u{1}\u{2}\u{1f}\u{7f}".to_string(),
        bin: vec![0xff, 0xfe],
        ..values::scalars_minimal()
    };
    let json = String::from_utf8(encode(Protocol::Json, &value)).unwrap();
    assert!(
        json.contains("\"7\":{\"str\":\"\\u0001\\u0002\\u001f\u{7f}\"},\"8\":{\"str\":\"//4\"}"),
        "{json}"
    );
}

#[test]
fn defaults_idl_is_the_default() {
    assert_eq!(
        values::defaults_idl(),
        codegen_tests::idl::constructs::Defaults::default()
    );
}
