//! Hand-built values of every type in `constructs.thrift`, shared by the round-trip tests and
//! the vector test.
//!
//! `scripts/codegen_vectors.py` builds the same values, field by field, with the Python code
//! Apache's compiler generates; a function here and its namesake there must stay identical.
//! Sets and maps are written in iteration order, which for `BTreeSet`/`BTreeMap` is sorted
//! order, so the Python side lists elements in that order too.

use std::collections::{BTreeMap, BTreeSet};

use thrift_rt::OrderedF64;

use crate::idl::base::Point;
use crate::idl::constructs::{
    Color, Conflict, Containers, Defaults, Failure, Node, Ping, Pong, Sample, Samples, Scalars,
    Shape, Tree,
};

/// The name of each value, in the order the vector files list them.
pub const NAMES: &[&str] = &[
    "point",
    "scalars_full",
    "scalars_minimal",
    "defaults_idl",
    "defaults_custom",
    "containers_full",
    "containers_empty",
    "samples",
    "shape_circle",
    "shape_point",
    "shape_polygon",
    "shape_scaled",
    "node_chain",
    "tree",
    "ping_pong",
    "failure",
    "conflict",
    "conflict_no_message",
];

/// A point with a negative coordinate.
pub fn point() -> Point {
    Point { x: -1, y: 2 }
}

/// Every field set, to extreme or awkward values.
pub fn scalars_full() -> Scalars {
    Scalars {
        b: true,
        i8v: -128,
        i16v: 32767,
        i32v: -2_147_483_648,
        i64v: 9_223_372_036_854_775_807,
        dv: 0.1,
        s: "h\u{e9}llo \"w\" \\ \n\t\u{1} \u{1f600}".to_string(),
        bin: vec![0x00, 0x01, 0x02, 0xfe, 0xff],
        req: 7,
        opt: Some(-5),
        at: 1_700_000_000_000,
        deadline: Some(42),
    }
}

/// Zero values, and the optional fields absent.
pub fn scalars_minimal() -> Scalars {
    Scalars {
        b: false,
        i8v: 0,
        i16v: 0,
        i32v: 0,
        i64v: 0,
        dv: 0.0,
        s: String::new(),
        bin: Vec::new(),
        req: 0,
        opt: None,
        at: 0,
        deadline: None,
    }
}

/// The IDL defaults, spelled out (the optional `maybe` is absent, as Apache's C++ and Java
/// leave it unset).
pub fn defaults_idl() -> Defaults {
    Defaults {
        n: 7,
        s: "seven".to_string(),
        d: 7.5,
        flag: true,
        color: Color::GREEN,
        nums: vec![1, 2, 3],
        nested: BTreeMap::from([("a".to_string(), vec![1]), ("b".to_string(), vec![])]),
        r#where: Point { x: 7, y: 8 },
        maybe: None,
        small: BTreeSet::from([1, 2, 3]),
        blob: b"raw".to_vec(),
    }
}

/// Every field away from its default.
pub fn defaults_custom() -> Defaults {
    Defaults {
        n: -1,
        s: String::new(),
        d: -0.0,
        flag: false,
        color: Color::NEGATIVE,
        nums: vec![],
        nested: BTreeMap::from([("z".to_string(), vec![-1, 0, 1])]),
        r#where: Point { x: 0, y: -8 },
        maybe: Some("here".to_string()),
        small: BTreeSet::from([-32768, 32767]),
        blob: vec![0xff; 4],
    }
}

/// Every container non-empty, with nesting, doubles as keys and an enum value unknown to the
/// IDL in a set.
pub fn containers_full() -> Containers {
    Containers {
        longs: vec![i64::MIN, 0, i64::MAX],
        strings: vec![String::new(), "x".to_string(), "\u{fc}n\u{ef}".to_string()],
        ints: BTreeSet::from([-1, 0, 5]),
        points: BTreeMap::from([
            ("a".to_string(), Point { x: 1, y: 2 }),
            ("b".to_string(), Point { x: -3, y: 4 }),
        ]),
        grid: vec![vec![1, 2], vec![], vec![3]],
        deep: BTreeMap::from([
            (-7, BTreeMap::new()),
            (
                1,
                BTreeMap::from([
                    ("a".to_string(), vec![Color::RED, Color::BLUE]),
                    ("b".to_string(), vec![]),
                ]),
            ),
        ]),
        reals: [-2.5, -0.0, 0.1, 1e100]
            .into_iter()
            .map(OrderedF64)
            .collect(),
        by_real: BTreeMap::from([
            (OrderedF64(-1.0), "minus one".to_string()),
            (OrderedF64(0.5), "half".to_string()),
            (OrderedF64(3.25), String::new()),
        ]),
        blobs: vec![vec![], vec![0], b"abc".to_vec(), vec![0xff, 0xfe]],
        bools: vec![true, false, true],
        doubles: vec![1.0, -0.5, 1e-300, 123_456.789],
        colors: BTreeSet::from([Color::NEGATIVE, Color::RED, Color::GREEN, Color(99)]),
    }
}

/// Every container empty.
pub fn containers_empty() -> Containers {
    Containers {
        longs: vec![],
        strings: vec![],
        ints: BTreeSet::new(),
        points: BTreeMap::new(),
        grid: vec![],
        deep: BTreeMap::new(),
        reals: BTreeSet::new(),
        by_real: BTreeMap::new(),
        blobs: vec![],
        bools: vec![],
        doubles: vec![],
        colors: BTreeSet::new(),
    }
}

fn sample(value: f64, label: &str) -> Sample {
    Sample {
        value: OrderedF64(value),
        label: label.to_string(),
    }
}

/// Structs holding a double as set elements and map keys.
pub fn samples() -> Samples {
    Samples {
        unique: BTreeSet::from([sample(-1.0, "z"), sample(0.5, "a"), sample(0.5, "b")]),
        counts: BTreeMap::from([(sample(1.0, "one"), 1), (sample(2.0, "two"), 2)]),
    }
}

/// The `double` member.
pub fn shape_circle() -> Shape {
    Shape::Circle(2.5)
}

/// The struct member.
pub fn shape_point() -> Shape {
    Shape::Point(Point { x: 3, y: 4 })
}

/// The list member.
pub fn shape_polygon() -> Shape {
    Shape::Polygon(vec![
        Point { x: 0, y: 0 },
        Point { x: 1, y: 0 },
        Point { x: 0, y: 1 },
    ])
}

/// The recursive member, twice.
pub fn shape_scaled() -> Shape {
    Shape::Scaled(Box::new(Shape::Scaled(Box::new(Shape::Circle(1.0)))))
}

/// A three-element linked list.
pub fn node_chain() -> Node {
    Node {
        value: 1,
        next: Some(Box::new(Node {
            value: 2,
            next: Some(Box::new(Node {
                value: 3,
                next: None,
            })),
        })),
    }
}

fn leaf(label: &str) -> Tree {
    Tree {
        label: label.to_string(),
        children: vec![],
    }
}

/// A tree three levels deep.
pub fn tree() -> Tree {
    Tree {
        label: "root".to_string(),
        children: vec![
            leaf("a"),
            Tree {
                label: "b".to_string(),
                children: vec![leaf("c")],
            },
        ],
    }
}

/// Mutual recursion, two rounds.
pub fn ping_pong() -> Ping {
    Ping {
        pong: Some(Pong {
            ping: Some(Box::new(Ping {
                pong: Some(Pong { ping: None }),
            })),
        }),
    }
}

/// An exception with a default-valued field changed.
pub fn failure() -> Failure {
    Failure {
        message: "boom".to_string(),
        code: 503,
    }
}

/// An exception holding a struct.
pub fn conflict() -> Conflict {
    Conflict {
        message: Some("taken".to_string()),
        current: scalars_full(),
    }
}

/// An exception whose optional message is absent.
pub fn conflict_no_message() -> Conflict {
    Conflict {
        message: None,
        current: scalars_minimal(),
    }
}
