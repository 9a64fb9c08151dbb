//! Every generated type of `constructs.thrift` and `edge_cases.thrift`, hand-built with every
//! field set, through the binary, compact and JSON protocols and back.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use codegen_tests::codec::{Protocol, decode, encode, roundtrip};
use codegen_tests::idl::base::Point;
use codegen_tests::idl::constructs::{
    self, Color, Conflict, Defaults, Failure, Node, Ping, Pong, Scalars, Shape, Tree,
};
use codegen_tests::idl::edge_cases;
use codegen_tests::values;
use thrift_rt::{OrderedF64, ProtocolErrorKind};

#[test]
fn constructs_values() {
    roundtrip(&values::point());
    roundtrip(&values::scalars_full());
    roundtrip(&values::scalars_minimal());
    roundtrip(&values::defaults_idl());
    roundtrip(&values::defaults_custom());
    roundtrip(&Defaults::default());
    roundtrip(&values::containers_full());
    roundtrip(&values::containers_empty());
    roundtrip(&values::samples());
    roundtrip(&values::shape_circle());
    roundtrip(&values::shape_point());
    roundtrip(&values::shape_polygon());
    roundtrip(&values::shape_scaled());
    roundtrip(&values::node_chain());
    roundtrip(&values::tree());
    roundtrip(&values::ping_pong());
    roundtrip(&values::failure());
    roundtrip(&Failure::default());
    roundtrip(&values::conflict());
    roundtrip(&values::conflict_no_message());
}

#[test]
fn scalars_extremes() {
    for (i8v, i16v, i32v, i64v) in [
        (i8::MIN, i16::MIN, i32::MIN, i64::MIN),
        (i8::MAX, i16::MAX, i32::MAX, i64::MAX),
        (-1, -1, -1, -1),
    ] {
        for dv in [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
            -0.0,
            5e-324,
            1.0 / 3.0,
        ] {
            let value = Scalars {
                i8v,
                i16v,
                i32v,
                i64v,
                dv,
                req: i32v,
                opt: Some(i64v),
                at: i64v,
                deadline: Some(i64v),
                ..values::scalars_full()
            };
            roundtrip(&value);
        }
    }
}

#[test]
fn negative_zero_keeps_its_sign() {
    let value = Scalars {
        dv: -0.0,
        ..values::scalars_minimal()
    };
    for bytes in roundtrip(&value).iter().zip(Protocol::ALL) {
        let back: Scalars = decode(bytes.1, bytes.0).unwrap();
        assert!(back.dv.is_sign_negative(), "{:?}", bytes.1);
    }
}

#[test]
fn nan_in_double_sets_and_map_keys() {
    // `OrderedF64` makes NaN equal to itself, so a NaN key survives a round trip and compares
    // equal (a plain `f64` field holding NaN never compares equal, so it is not tried here).
    let value = constructs::Containers {
        reals: [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0]
            .into_iter()
            .map(OrderedF64)
            .collect(),
        by_real: BTreeMap::from([
            (OrderedF64(f64::NAN), "nan".to_string()),
            (OrderedF64(f64::NEG_INFINITY), "-inf".to_string()),
        ]),
        ..values::containers_empty()
    };
    roundtrip(&value);
}

#[test]
fn every_color() {
    for &color in Color::KNOWN {
        roundtrip(&constructs::kitchen_wire::MixArgs {
            a: color,
            b: Color(i32::MIN),
            at: -1,
        });
    }
}

#[test]
fn typedefs_are_their_targets() {
    let path: constructs::Path = vec![Point { x: 1, y: 2 }, Point { x: 3, y: 0 }];
    assert_eq!(*constructs::ROUTE, path);
    let deadline: constructs::Deadline = 5;
    let millis: constructs::Millis = deadline;
    assert_eq!(millis, 5_i64);
}

#[test]
fn deep_recursion() {
    // Deep, but within the default depth limit (64 structs, lists, sets and maps).
    let mut node = Node {
        value: 0,
        next: None,
    };
    let mut shape = Shape::Circle(0.5);
    let mut tree = Tree {
        label: "leaf".to_string(),
        children: vec![],
    };
    let mut ping = Ping { pong: None };
    for i in 1..30 {
        node = Node {
            value: i,
            next: Some(Box::new(node)),
        };
        shape = Shape::Scaled(Box::new(shape));
        if i < 20 {
            // Each level is a struct and a list.
            tree = Tree {
                label: i.to_string(),
                children: vec![
                    tree.clone(),
                    Tree {
                        label: String::new(),
                        children: vec![],
                    },
                ],
            };
        }
        if i % 2 == 0 {
            ping = Ping {
                pong: Some(Pong {
                    ping: Some(Box::new(ping)),
                }),
            };
        }
    }
    roundtrip(&node);
    roundtrip(&shape);
    roundtrip(&tree);
    roundtrip(&ping);
}

#[test]
fn too_deep_is_an_error_not_a_crash() {
    let mut node = Node {
        value: 0,
        next: None,
    };
    for i in 1..200 {
        node = Node {
            value: i,
            next: Some(Box::new(node)),
        };
    }
    for protocol in Protocol::ALL {
        let bytes = encode(protocol, &node);
        let e = decode::<Node>(protocol, &bytes).unwrap_err();
        assert_eq!(
            e.protocol_kind(),
            Some(ProtocolErrorKind::DepthLimit),
            "{protocol:?}: {e}"
        );
    }
}

#[test]
fn exceptions_display() {
    assert_eq!(values::failure().to_string(), "Failure: boom");
    assert_eq!(values::conflict().to_string(), "Conflict: taken");
    assert_eq!(values::conflict_no_message().to_string(), "Conflict");
    let error: &dyn std::error::Error = &values::failure();
    assert!(error.source().is_none());
    // Exceptions are ordinary structs on the wire, too.
    roundtrip(&Conflict::default());
}

#[test]
fn service_args_and_results() {
    roundtrip(&constructs::kitchen_wire::ContainersArgs {
        c: values::containers_full(),
        extra: vec![1, -1],
        labels: BTreeMap::from([("k".to_string(), "v".to_string())]),
    });
    // A declared exception travels as its own field of the result struct; the error enum
    // (which also holds transport errors) has no `PartialEq`, so the variant is matched.
    for protocol in Protocol::ALL {
        let failed = constructs::kitchen_wire::ShapeResult {
            success: None,
            exception: Some(constructs::KitchenShapeError::Conflict(values::conflict())),
        };
        let back: constructs::kitchen_wire::ShapeResult =
            decode(protocol, &encode(protocol, &failed)).unwrap();
        assert!(back.success.is_none(), "{protocol:?}");
        assert!(
            matches!(back.exception, Some(constructs::KitchenShapeError::Conflict(c)) if c == values::conflict()),
            "{protocol:?}"
        );
        let succeeded = constructs::kitchen_wire::ShapeResult {
            success: Some(values::shape_polygon()),
            exception: None,
        };
        let back: constructs::kitchen_wire::ShapeResult =
            decode(protocol, &encode(protocol, &succeeded)).unwrap();
        assert_eq!(back.success, Some(values::shape_polygon()), "{protocol:?}");
        assert!(back.exception.is_none(), "{protocol:?}");
    }
    roundtrip(&constructs::kitchen_wire::NotifyArgs {
        event: "e".to_string(),
        payload: vec![1, 2, 3],
    });
    roundtrip(&constructs::kitchen_wire::GrowArgs {
        tree: values::tree(),
        chain: values::node_chain(),
    });
}

#[test]
fn edge_case_keywords_and_std_names() {
    roundtrip(&edge_cases::Keywords {
        r#type: "type".to_string(),
        self_: -1,
        r#match: true,
        r#fn: i64::MIN,
        crate_: "crate".to_string(),
        self__: "Self".to_string(),
        super_: 7,
        r#async: "async".to_string(),
    });
    let string = edge_cases::String {
        inner: edge_cases::Option {
            some: edge_cases::Result { ok: 3 },
        },
    };
    roundtrip(&string);
    roundtrip(&edge_cases::Clash {
        foo_bar: 1,
        foo_bar_: 2,
        foo_bar__: 3,
    });
    roundtrip(&edge_cases::StoreClient { id: 9 });
    roundtrip(&edge_cases::Docs { documented: 1 });
    roundtrip(&edge_cases::Thing { id: -9 });
    roundtrip(&edge_cases::store_wire::TypeArgs {
        self_: edge_cases::Keywords::default(),
    });
    roundtrip(&edge_cases::store_wire::IntoInnerArgs {
        seqid_: 1,
        result_: 2,
    });
}

#[test]
fn edge_case_enum_names() {
    let all = [
        edge_cases::Weird::SELF,
        edge_cases::Weird::KNOWN_,
        edge_cases::Weird::LOWER_CASE,
        edge_cases::Weird::CAMEL_CASE,
    ];
    assert_eq!(edge_cases::Weird::KNOWN, &all);
    let names: Vec<_> = all.iter().map(|w| w.name().unwrap()).collect();
    assert_eq!(names, ["Self", "KNOWN", "lower_case", "CamelCase"]);
    assert_eq!(format!("{:?}", edge_cases::Weird(9)), "Weird(9)");
    assert_eq!(format!("{:?}", Color::BLUE), "Color::BLUE");
    for w in all {
        let bytes = encode(Protocol::Compact, &w);
        assert_eq!(
            decode::<edge_cases::Weird>(Protocol::Compact, &bytes).unwrap(),
            w
        );
    }
}

#[test]
fn edge_case_union_variants() {
    let nested = edge_cases::Variants::Nested(Box::new(edge_cases::Variants::Nested(Box::new(
        edge_cases::Variants::Unknown__("Unknown".to_string()),
    ))));
    for value in [
        edge_cases::Variants::Unknown_(-1),
        edge_cases::Variants::Unknown__(String::new()),
        nested,
    ] {
        roundtrip(&value);
    }
}

#[test]
fn edge_case_uuids() {
    let ids = edge_cases::Ids {
        id: edge_cases::SOME_ID,
        parent: Some(edge_cases::NIL),
        others: vec![[0xff; 16], edge_cases::SOME_ID, [0; 16]],
    };
    let [_, _, json] = roundtrip(&ids);
    let json = String::from_utf8(json).unwrap();
    assert!(
        json.contains(r#"{"uid":"8d1e5c8e-3c2a-4a8e-9f1b-0123456789ab"}"#),
        "{json}"
    );
    roundtrip(&edge_cases::Ids {
        parent: None,
        others: vec![],
        ..ids
    });
    assert_eq!(
        edge_cases::SOME_ID,
        [
            0x8d, 0x1e, 0x5c, 0x8e, 0x3c, 0x2a, 0x4a, 0x8e, 0x9f, 0x1b, 0x01, 0x23, 0x45, 0x67,
            0x89, 0xab
        ]
    );
}

#[test]
fn edge_case_self_recursion() {
    let chain = edge_cases::Chain {
        value: 1,
        next: Some(Box::new(edge_cases::Chain {
            value: 2,
            next: None,
        })),
    };
    roundtrip(&chain);
}

/// The same values as `values::scalars_full` and `values::containers_full`, with hash
/// collections, `Bytes` binaries and `BytesStr` strings.
mod alt {
    use super::*;
    use codegen_tests::alt::base::Point;
    use codegen_tests::alt::constructs::{Color, Containers, Sample, Samples, Scalars};
    use thrift_rt::BytesStr;
    use thrift_rt::bytes::Bytes;

    pub(super) fn scalars_full() -> Scalars {
        let v = values::scalars_full();
        Scalars {
            b: v.b,
            i8v: v.i8v,
            i16v: v.i16v,
            i32v: v.i32v,
            i64v: v.i64v,
            dv: v.dv,
            s: v.s.into(),
            bin: Bytes::from(v.bin),
            req: v.req,
            opt: v.opt,
            at: v.at,
            deadline: v.deadline,
        }
    }

    pub(super) fn containers_full() -> Containers {
        let v = values::containers_full();
        Containers {
            longs: v.longs,
            strings: v.strings.into_iter().map(BytesStr::from).collect(),
            ints: v.ints.into_iter().collect(),
            points: v
                .points
                .into_iter()
                .map(|(k, p)| (k.into(), Point { x: p.x, y: p.y }))
                .collect(),
            grid: v.grid,
            deep: v
                .deep
                .into_iter()
                .map(|(k, inner)| {
                    let inner = inner
                        .into_iter()
                        .map(|(s, colors)| {
                            (s.into(), colors.into_iter().map(|c| Color(c.0)).collect())
                        })
                        .collect();
                    (k, inner)
                })
                .collect(),
            reals: v.reals.into_iter().collect(),
            by_real: v.by_real.into_iter().map(|(k, s)| (k, s.into())).collect(),
            blobs: v.blobs.into_iter().map(Bytes::from).collect(),
            bools: v.bools,
            doubles: v.doubles,
            colors: v.colors.into_iter().map(|c| Color(c.0)).collect(),
        }
    }

    #[test]
    fn alt_roundtrip() {
        roundtrip(&scalars_full());
        roundtrip(&containers_full());
        roundtrip(&Samples {
            unique: HashSet::from([Sample::default()]),
            counts: HashMap::from([(Sample::default(), 1)]),
        });
    }

    #[test]
    fn alt_reads_what_default_options_write() {
        // Hash collections write in an arbitrary order, so compare values, not bytes.
        for protocol in Protocol::ALL {
            let bytes = encode(protocol, &values::scalars_full());
            assert_eq!(decode::<Scalars>(protocol, &bytes).unwrap(), scalars_full());
            let bytes = encode(protocol, &values::containers_full());
            assert_eq!(
                decode::<Containers>(protocol, &bytes).unwrap(),
                containers_full()
            );
            let back: constructs::Containers =
                decode(protocol, &encode(protocol, &containers_full())).unwrap();
            assert_eq!(back, values::containers_full());
        }
    }

    #[test]
    fn bytes_fields_share_the_input() {
        let bytes = Bytes::from(encode(Protocol::Binary, &scalars_full()));
        let mut r = thrift_rt::protocol::BinaryReader::new(thrift_rt::transport::BytesSource::new(
            bytes.clone(),
        ));
        let back = <Scalars as thrift_rt::ReadThrift>::read(&mut r).unwrap();
        let input = bytes.as_ptr_range();
        assert!(input.contains(&back.bin.as_ptr()), "`bin` was copied");
    }

    /// Decodes `bytes` from a `BytesSource`, so that strings and binaries can share them
    /// (binary or compact: the protocols whose strings are plain bytes).
    fn decode_shared<T: thrift_rt::ReadThrift>(
        protocol: Protocol,
        bytes: Bytes,
    ) -> thrift_rt::Result<T> {
        let source = thrift_rt::transport::BytesSource::new(bytes);
        match protocol {
            Protocol::Binary => T::read(&mut thrift_rt::protocol::BinaryReader::new(source)),
            Protocol::Compact => T::read(&mut thrift_rt::protocol::CompactReader::new(source)),
            Protocol::Json => unreachable!("JSON strings are escaped text, never shared"),
        }
    }

    #[test]
    fn string_fields_share_the_input() {
        for protocol in [Protocol::Binary, Protocol::Compact] {
            let bytes = Bytes::from(encode(protocol, &containers_full()));
            let back: Containers = decode_shared(protocol, bytes.clone()).unwrap();
            assert_eq!(back, containers_full());
            let input = bytes.as_ptr_range();
            assert!(!back.strings.is_empty());
            for s in back.strings.iter().chain(back.points.keys()) {
                assert!(
                    input.contains(&s.as_ptr()),
                    "{s:?} was copied ({protocol:?})"
                );
            }
        }
    }

    #[test]
    fn invalid_utf8_in_a_shared_string_is_an_error() {
        let mut value = scalars_full();
        value.s = BytesStr::from("\u{1F600} ok");
        for protocol in [Protocol::Binary, Protocol::Compact] {
            let mut bytes = encode(protocol, &value);
            let at = bytes
                .windows(4)
                .position(|w| w == "\u{1F600}".as_bytes())
                .unwrap();
            bytes[at + 1] = 0xff;
            let err = decode_shared::<Scalars>(protocol, Bytes::from(bytes)).unwrap_err();
            assert!(
                err.to_string().contains("invalid utf-8"),
                "{protocol:?}: {err}"
            );
        }
    }

    #[test]
    fn alt_sets_are_sets() {
        let small: HashSet<i16> = codegen_tests::alt::constructs::Defaults::default().small;
        assert_eq!(small, HashSet::from([1, 2, 3]));
        let _: BTreeSet<i16> = Defaults::default().small;
    }
}
