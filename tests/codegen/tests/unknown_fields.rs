//! `keep_unknown_fields`: `unknown_v1.thrift` (generated with it) reads values written with
//! `unknown_v2.thrift` (which adds fields of every type, between, before and after the old
//! ones, and union members), keeps what it does not know, and writes it back: unchanged in the
//! same protocol, transcoded between binary and compact, dropped in JSON.

use std::collections::{BTreeMap, BTreeSet};

use codegen_tests::codec::{Protocol, decode, encode, hex};
use codegen_tests::{v1, v2};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;
use thrift_rt::protocol::RawProtocol;
use thrift_rt::{TType, UnknownFields};

const BINARY_LIKE: [Protocol; 2] = [Protocol::Binary, Protocol::Compact];

fn inner(a: i32) -> v2::unknown_v2::Inner {
    v2::unknown_v2::Inner {
        a,
        more: (a % 2 == 0).then(|| vec![1, -2, i16::MAX]),
    }
}

/// A record with every field set (`full`) or with the optional ones absent.
fn record(id: i32, full: bool) -> v2::unknown_v2::Record {
    use v2::unknown_v2::{Choice, Color, Record};
    Record {
        flag: true,
        small: -5,
        id,
        short_num: -300,
        off: full.then_some(false),
        ratio: 0.25,
        name: format!("record {id}"),
        wide: -(1 << 40),
        stamp: full.then_some(1_700_000_000),
        blob: vec![0, 1, 2, 255],
        key: [7; 16],
        color: Color::GREEN,
        inner: inner(id),
        names: vec!["a".into(), String::new(), "ü".into()],
        ids: BTreeSet::from([-1, 0, 1 << 20]),
        by_name: BTreeMap::from([("x".into(), inner(1)), ("y".into(), inner(2))]),
        choice: Choice::Text("chosen".into()),
        bits: vec![true, false, false, true],
        nested: BTreeMap::from([(-1, vec![]), (5, vec![1.5, -0.0])]),
        far: full.then(|| "field id 200".into()),
    }
}

fn holder(full: bool) -> v2::unknown_v2::Holder {
    use v2::unknown_v2::{Empty, Failure, Holder, Pick};
    Holder {
        record: record(1, full),
        records: vec![record(2, !full), record(3, full)],
        pick: Pick::Inner(inner(4)),
        failure: Failure {
            message: "oops".into(),
            code: 42,
        },
        empty: Empty {
            x: 9,
            y: full.then(|| "why".into()),
        },
    }
}

/// Decodes v2's bytes as v1, writes v1 in `to`, and decodes that as v2.
fn through_v1(from: Protocol, bytes: &[u8], to: Protocol) -> (v1::unknown_v1::Holder, Vec<u8>) {
    let old: v1::unknown_v1::Holder = decode(from, bytes).expect("v1 reads v2's bytes");
    let rewritten = encode(to, &old);
    (old, rewritten)
}

#[test]
fn same_protocol_round_trip_is_byte_identical() {
    for protocol in BINARY_LIKE {
        for full in [true, false] {
            let original = holder(full);
            let bytes = encode(protocol, &original);
            let (old, rewritten) = through_v1(protocol, &bytes, protocol);
            assert_eq!(
                hex(&rewritten),
                hex(&bytes),
                "{protocol:?} (full: {full}): v1 changed the bytes"
            );
            // v1 saw its own fields and kept the others.
            assert_eq!(old.record.id, 1);
            assert_eq!(old.record.name, "record 1");
            assert_eq!(old.record.stamp, full.then_some(1_700_000_000));
            let expected_unknown = if full { 17 } else { 15 };
            assert_eq!(old.record.unknown_fields.len(), expected_unknown);
            // Holder itself gained no field.
            assert!(old.unknown_fields.is_empty());
            let back: v2::unknown_v2::Holder = decode(protocol, &rewritten).unwrap();
            assert_eq!(back, original);
        }
    }
}

/// The fields v1 kept: ids and types in the order read, in the protocol read.
#[test]
fn unknown_fields_hold_ids_types_and_protocol() {
    let bytes = encode(Protocol::Compact, &record(1, true));
    let old: v1::unknown_v1::Record = decode(Protocol::Compact, &bytes).unwrap();
    let seen: Vec<(i16, TType)> = old
        .unknown_fields
        .iter()
        .map(|f| (f.id(), f.ttype()))
        .collect();
    use TType::*;
    assert_eq!(
        seen,
        [
            (1, Bool),
            (2, I8),
            (4, I16),
            (5, Bool),
            (6, Double),
            (8, I64),
            (10, String),
            (11, Uuid),
            (12, I32),
            (13, Struct),
            (14, List),
            (15, Set),
            (16, Map),
            (17, Struct),
            (18, List),
            (19, Map),
            (200, String),
        ]
    );
    assert!(
        old.unknown_fields
            .iter()
            .all(|f| f.value().protocol() == RawProtocol::Compact)
    );
    // Compact bools live in the field header: kept as the value alone.
    assert_eq!(
        &old.unknown_fields.iter().next().unwrap().value().bytes()[..],
        [1]
    );
}

#[test]
fn binary_and_compact_transcode_into_each_other() {
    for (from, to) in [
        (Protocol::Binary, Protocol::Compact),
        (Protocol::Compact, Protocol::Binary),
    ] {
        for full in [true, false] {
            let original = holder(full);
            let (_, rewritten) = through_v1(from, &encode(from, &original), to);
            // Exactly what v2 itself writes in the other protocol.
            assert_eq!(
                hex(&rewritten),
                hex(&encode(to, &original)),
                "{from:?} -> {to:?}"
            );
            let back: v2::unknown_v2::Holder = decode(to, &rewritten).unwrap();
            assert_eq!(back, original, "{from:?} -> {to:?}");
        }
    }
}

#[test]
fn union_members_v1_does_not_know_are_kept() {
    use v1::unknown_v1::Pick as OldPick;
    use v2::unknown_v2::Pick;
    for protocol in BINARY_LIKE {
        for pick in [Pick::Text("t".into()), Pick::Inner(inner(6)), Pick::Num(3)] {
            let bytes = encode(protocol, &pick);
            let old: OldPick = decode(protocol, &bytes).unwrap();
            match (&pick, &old) {
                (Pick::Num(n), OldPick::Num(m)) => assert_eq!(n, m),
                (Pick::Num(_), _) => panic!("{old:?}"),
                (_, OldPick::Unknown(fields)) => assert_eq!(fields.len(), 1),
                _ => panic!("{old:?}"),
            }
            assert_eq!(encode(protocol, &old), bytes, "{protocol:?} {pick:?}");
        }
    }
}

/// JSON cannot tell a string from a binary without the schema: it keeps and writes nothing.
#[test]
fn json_keeps_nothing_and_drops_kept_fields() {
    let original = record(1, true);
    let old: v1::unknown_v1::Record =
        decode(Protocol::Json, &encode(Protocol::Json, &original)).expect("v1 reads v2's JSON");
    assert!(old.unknown_fields.is_empty());
    assert_eq!((old.id, old.name.as_str()), (1, "record 1"));

    let kept: v1::unknown_v1::Record =
        decode(Protocol::Binary, &encode(Protocol::Binary, &original)).unwrap();
    assert!(!kept.unknown_fields.is_empty());
    let json = encode(Protocol::Json, &kept);
    let without_unknown = v1::unknown_v1::Record {
        unknown_fields: UnknownFields::new(),
        ..kept
    };
    assert_eq!(
        String::from_utf8(json).unwrap(),
        String::from_utf8(encode(Protocol::Json, &without_unknown)).unwrap()
    );
}

/// Equality sees the kept fields: a struct that lost them is not the one read.
#[test]
fn kept_fields_take_part_in_equality_and_clone() {
    let bytes = encode(Protocol::Binary, &record(1, true));
    let old: v1::unknown_v1::Record = decode(Protocol::Binary, &bytes).unwrap();
    let mut cleared = old.clone();
    assert_eq!(cleared, old);
    cleared.unknown_fields.clear();
    assert_ne!(cleared, old);
    let known_only = v1::unknown_v1::Record {
        id: old.id,
        name: old.name.clone(),
        stamp: old.stamp,
        ..Default::default()
    };
    assert_eq!(
        encode(Protocol::Binary, &cleared),
        encode(Protocol::Binary, &known_only)
    );
}

fn any_inner() -> impl Strategy<Value = v2::unknown_v2::Inner> {
    (any::<i32>(), proptest::option::of(vec(any::<i16>(), 0..4)))
        .prop_map(|(a, more)| v2::unknown_v2::Inner { a, more })
}

fn any_record() -> impl Strategy<Value = v2::unknown_v2::Record> {
    use v2::unknown_v2::{Choice, Color, Record};
    let scalars = (
        any::<bool>(),
        any::<i8>(),
        any::<i32>(),
        any::<i16>(),
        proptest::option::of(any::<bool>()),
        any::<i32>().prop_map(f64::from),
        ".{0,8}",
        any::<i64>(),
        proptest::option::of(any::<i64>()),
        vec(any::<u8>(), 0..8),
        any::<[u8; 16]>(),
        prop_oneof![Just(Color::RED), Just(Color::GREEN), Just(Color(77))],
    );
    let containers = (
        any_inner(),
        vec(".{0,4}", 0..4),
        btree_set(any::<i32>(), 0..20),
        btree_map(".{0,3}", any_inner(), 0..3),
        prop_oneof![
            any::<i32>().prop_map(Choice::Num),
            ".{0,4}".prop_map(Choice::Text)
        ],
        vec(any::<bool>(), 0..20),
        btree_map(
            any::<i64>(),
            vec(any::<i32>().prop_map(f64::from), 0..3),
            0..3,
        ),
        proptest::option::of(".{0,4}"),
    );
    (scalars, containers).prop_map(
        |(
            (flag, small, id, short_num, off, ratio, name, wide, stamp, blob, key, color),
            (inner, names, ids, by_name, choice, bits, nested, far),
        )| Record {
            flag,
            small,
            id,
            short_num,
            off,
            ratio,
            name,
            wide,
            stamp,
            blob,
            key,
            color,
            inner,
            names,
            ids,
            by_name,
            choice,
            bits,
            nested,
            far,
        },
    )
}

proptest! {
    /// Any v2 record survives v1, byte for byte in the same protocol and value for value
    /// across binary and compact.
    #[test]
    fn any_v2_record_survives_v1(original in any_record()) {
        for from in BINARY_LIKE {
            let bytes = encode(from, &original);
            for to in BINARY_LIKE {
                let old: v1::unknown_v1::Record = decode(from, &bytes).unwrap();
                prop_assert_eq!(old.id, original.id);
                let rewritten = encode(to, &old);
                if from == to {
                    prop_assert_eq!(hex(&rewritten), hex(&bytes));
                }
                let back: v2::unknown_v2::Record = decode(to, &rewritten).unwrap();
                prop_assert_eq!(&back, &original);
            }
        }
    }
}

/// The readers and writers that wrap the built-in ones (run-time protocol choice, multiplexing)
/// pass kept fields through.
#[test]
fn wrapping_readers_and_writers_pass_kept_fields_through() {
    use thrift_rt::protocol::{
        BinaryReader, BinaryWriter, CompactReader, CompactWriter, MultiplexedWriter,
        StoredMessageReader,
    };
    use thrift_rt::stack::{AnyProtocolReader, AnyProtocolWriter};
    use thrift_rt::{MessageHeader, MessageType, ReadThrift, WriteThrift};

    let original = holder(true);
    let binary = encode(Protocol::Binary, &original);
    let compact = encode(Protocol::Compact, &original);

    let mut r = AnyProtocolReader::Compact(CompactReader::new(&compact[..]));
    let old = v1::unknown_v1::Holder::read(&mut r).unwrap();
    let mut w = AnyProtocolWriter::Binary(BinaryWriter::new(Vec::new()));
    old.write(&mut w).unwrap();
    let AnyProtocolWriter::Binary(w) = w else {
        unreachable!()
    };
    assert_eq!(hex(&w.into_inner()), hex(&binary));

    let header = MessageHeader::new("m".to_string(), MessageType::Call, 1);
    let mut r = StoredMessageReader::new(BinaryReader::new(&binary[..]), header);
    let old = v1::unknown_v1::Holder::read(&mut r).unwrap();
    let mut w = MultiplexedWriter::new(CompactWriter::new(Vec::new()), "svc");
    old.write(&mut w).unwrap();
    assert_eq!(hex(&w.into_inner().into_inner()), hex(&compact));
}
