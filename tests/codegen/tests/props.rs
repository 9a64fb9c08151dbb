//! Property tests: any value of `Scalars`, `Containers` or `Shape` survives every protocol.

use std::collections::{BTreeMap, BTreeSet};

use codegen_tests::codec::roundtrip;
use codegen_tests::idl::base::Point;
use codegen_tests::idl::constructs::{Color, Containers, Scalars, Shape};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;
use thrift_rt::OrderedF64;

/// Any double that equals itself (NaN is covered by `nan_in_double_sets_and_map_keys`).
fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("not NaN", |d| !d.is_nan()),
        Just(-0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
    ]
}

/// Any double, NaN included: in keys it is an `OrderedF64`, which NaN equals.
fn key_double() -> impl Strategy<Value = OrderedF64> {
    prop_oneof![double(), Just(f64::NAN)].prop_map(OrderedF64)
}

fn color() -> impl Strategy<Value = Color> {
    prop_oneof![
        proptest::sample::select(Color::KNOWN.to_vec()),
        any::<i32>().prop_map(Color),
    ]
}

fn point() -> impl Strategy<Value = Point> {
    (any::<i32>(), any::<i32>()).prop_map(|(x, y)| Point { x, y })
}

fn scalars() -> impl Strategy<Value = Scalars> {
    (
        (any::<bool>(), any::<i8>(), any::<i16>(), any::<i32>()),
        (
            any::<i64>(),
            double(),
            any::<String>(),
            vec(any::<u8>(), 0..40),
        ),
        (
            any::<i32>(),
            any::<Option<i64>>(),
            any::<i64>(),
            any::<Option<i64>>(),
        ),
    )
        .prop_map(
            |((b, i8v, i16v, i32v), (i64v, dv, s, bin), (req, opt, at, deadline))| Scalars {
                b,
                i8v,
                i16v,
                i32v,
                i64v,
                dv,
                s,
                bin,
                req,
                opt,
                at,
                deadline,
            },
        )
}

fn containers() -> impl Strategy<Value = Containers> {
    (
        (
            vec(any::<i64>(), 0..8),
            vec(any::<String>(), 0..5),
            btree_set(any::<i32>(), 0..8),
            btree_map(any::<String>(), point(), 0..4),
        ),
        (
            vec(vec(any::<i32>(), 0..4), 0..4),
            btree_map(
                any::<i32>(),
                btree_map(any::<String>(), vec(color(), 0..3), 0..3),
                0..3,
            ),
            btree_set(key_double(), 0..6),
            btree_map(key_double(), any::<String>(), 0..4),
        ),
        (
            vec(vec(any::<u8>(), 0..8), 0..4),
            vec(any::<bool>(), 0..10),
            vec(double(), 0..8),
            btree_set(color(), 0..5),
        ),
    )
        .prop_map(
            |(
                (longs, strings, ints, points),
                (grid, deep, reals, by_real),
                (blobs, bools, doubles, colors),
            )| Containers {
                longs,
                strings,
                ints,
                points,
                grid,
                deep,
                reals,
                by_real,
                blobs,
                bools,
                doubles,
                colors,
            },
        )
}

fn shape() -> impl Strategy<Value = Shape> {
    let leaf = prop_oneof![
        double().prop_map(Shape::Circle),
        point().prop_map(Shape::Point),
        vec(point(), 0..5).prop_map(Shape::Polygon),
    ];
    // Up to 20 levels of `scaled`, well inside the default depth limit.
    leaf.prop_recursive(20, 20, 1, |inner| {
        inner.prop_map(|s| Shape::Scaled(Box::new(s)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn scalars_roundtrip(value in scalars()) {
        roundtrip(&value);
    }

    #[test]
    fn containers_roundtrip(value in containers()) {
        roundtrip(&value);
    }

    #[test]
    fn shape_roundtrip(value in shape()) {
        roundtrip(&value);
    }
}

#[test]
fn strategies_cover_empty_values() {
    // The strategies above can produce empty containers; make sure those are fine on their own.
    roundtrip(&Containers {
        deep: BTreeMap::from([(0, BTreeMap::new())]),
        reals: BTreeSet::new(),
        ..Containers::default()
    });
}
