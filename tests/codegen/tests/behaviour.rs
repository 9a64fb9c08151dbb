//! What generated code does with input it did not write itself: enum values and union members
//! it does not know, missing fields (IDL defaults, required fields), unknown fields, and fields
//! of the wrong type. The input is built field by field with the protocol writers.

use codegen_tests::codec::{Protocol, decode, encode, roundtrip};
use codegen_tests::idl::base::Point;
use codegen_tests::idl::constructs::{
    self, Color, Conflict, Defaults, Failure, Nothing, Pong, Scalars, Shape, Tree,
};
use codegen_tests::idl::edge_cases::Variants;
use codegen_tests::values;
use thrift_rt::{FieldHeader, ListHeader, ProtocolErrorKind, ProtocolWriter, TType, WriteThrift};

/// A struct with whatever fields a test needs, as a peer with another IDL would send it.
#[derive(Debug, Default)]
struct Raw(Vec<(i16, Value)>);

#[derive(Debug)]
enum Value {
    I32(i32),
    Str(&'static str),
    Double(f64),
    List(Vec<i32>),
    Struct(Raw),
}

impl Raw {
    fn field(mut self, id: i16, value: Value) -> Self {
        self.0.push((id, value));
        self
    }
}

impl WriteThrift for Raw {
    const TTYPE: TType = TType::Struct;

    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> thrift_rt::Result<()> {
        w.write_struct_begin("Raw")?;
        for (id, value) in &self.0 {
            let ttype = match value {
                Value::I32(_) => TType::I32,
                Value::Str(_) => TType::String,
                Value::Double(_) => TType::Double,
                Value::List(_) => TType::List,
                Value::Struct(_) => TType::Struct,
            };
            w.write_field_begin(FieldHeader::new(ttype, *id))?;
            match value {
                Value::I32(v) => w.write_i32(*v)?,
                Value::Str(v) => w.write_string(v)?,
                Value::Double(v) => w.write_double(*v)?,
                Value::List(items) => {
                    w.write_list_begin(ListHeader::new(TType::I32, items.len()))?;
                    for item in items {
                        w.write_i32(*item)?;
                    }
                    w.write_list_end()?;
                }
                Value::Struct(inner) => inner.write(w)?,
            }
            w.write_field_end()?;
        }
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

/// Decodes `raw` as a `T` with every protocol; all must agree.
fn decode_raw<T: thrift_rt::ReadThrift + PartialEq + std::fmt::Debug>(
    raw: &Raw,
) -> thrift_rt::Result<T> {
    let mut results = Protocol::ALL
        .map(|p| (p, decode::<T>(p, &encode(p, raw))))
        .into_iter();
    let (_, first) = results.next().unwrap();
    for (protocol, result) in results {
        match (&result, &first) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{protocol:?}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{protocol:?}"),
            _ => panic!("{protocol:?} disagrees with binary: {result:?} vs {first:?}"),
        }
    }
    first
}

#[test]
fn unknown_enum_value_survives() {
    let color = Color(99);
    assert_eq!(color.name(), None);
    assert_eq!(format!("{color:?}"), "Color(99)");
    assert_eq!(Color::from(99), color);
    assert_eq!(i32::from(color), 99);
    let defaults = Defaults {
        color,
        ..Defaults::default()
    };
    roundtrip(&defaults);
    for protocol in Protocol::ALL {
        let result = constructs::kitchen_wire::MixResult {
            success: Some(Color(-2_000_000)),
            exception: None,
        };
        let back: constructs::kitchen_wire::MixResult =
            decode(protocol, &encode(protocol, &result)).unwrap();
        assert_eq!(back.success, result.success, "{protocol:?}");
    }
    // Read from a peer that knows more values.
    let raw = Raw::default().field(5, Value::I32(99));
    assert_eq!(decode_raw::<Defaults>(&raw).unwrap().color, Color(99));
}

#[test]
fn unknown_union_member_is_kept_as_its_id() {
    let raw = Raw::default().field(9, Value::Str("from a newer peer"));
    assert_eq!(decode_raw::<Shape>(&raw).unwrap(), Shape::Unknown(9));
    let raw = Raw::default().field(-3, Value::List(vec![1, 2]));
    assert_eq!(decode_raw::<Shape>(&raw).unwrap(), Shape::Unknown(-3));
    // Nested inside a known member.
    let raw = Raw::default().field(4, Value::Struct(Raw::default().field(7, Value::I32(1))));
    assert_eq!(
        decode_raw::<Shape>(&raw).unwrap(),
        Shape::Scaled(Box::new(Shape::Unknown(7)))
    );
    // A union with a member named `unknown` keeps the catch-all apart.
    let raw = Raw::default().field(1, Value::I32(5));
    assert_eq!(decode_raw::<Variants>(&raw).unwrap(), Variants::Unknown_(5));
    let raw = Raw::default().field(4, Value::I32(5));
    assert_eq!(decode_raw::<Variants>(&raw).unwrap(), Variants::Unknown(4));
}

#[test]
fn unknown_union_member_is_written_back_empty() {
    for protocol in Protocol::ALL {
        let bytes = encode(protocol, &Shape::Unknown(9));
        assert_eq!(bytes, encode(protocol, &Raw::default()), "{protocol:?}");
        // ... which is not a valid union, so reading it back fails.
        let e = decode::<Shape>(protocol, &bytes).unwrap_err();
        assert_eq!(e.protocol_kind(), Some(ProtocolErrorKind::InvalidUnion));
    }
}

#[test]
fn empty_union() {
    // `Nothing` has no members: the only value is a member this build does not know.
    let raw = Raw::default().field(1, Value::I32(1));
    assert_eq!(decode_raw::<Nothing>(&raw).unwrap(), Nothing::Unknown(1));
    let e = decode_raw::<Nothing>(&Raw::default()).unwrap_err();
    assert_eq!(e.protocol_kind(), Some(ProtocolErrorKind::InvalidUnion));
    assert!(e.to_string().contains("Nothing"), "{e}");
    for protocol in Protocol::ALL {
        assert_eq!(
            encode(protocol, &Nothing::Unknown(1)),
            encode(protocol, &Raw::default())
        );
    }
}

#[test]
fn union_with_zero_or_two_members_is_an_error() {
    let e = decode_raw::<Shape>(&Raw::default()).unwrap_err();
    assert_eq!(e.protocol_kind(), Some(ProtocolErrorKind::InvalidUnion));
    assert!(e.to_string().contains("Shape"), "{e}");
    let two = Raw::default()
        .field(1, Value::Double(1.0))
        .field(2, Value::Struct(Raw::default()));
    let e = decode_raw::<Shape>(&two).unwrap_err();
    assert_eq!(e.protocol_kind(), Some(ProtocolErrorKind::InvalidUnion));
}

#[test]
fn missing_fields_take_the_idl_defaults() {
    let empty = decode_raw::<Defaults>(&Raw::default()).unwrap();
    assert_eq!(empty, Defaults::default());
    assert_eq!(empty, values::defaults_idl());
    // Field by field, against the IDL text.
    assert_eq!(empty.n, 7);
    assert_eq!(empty.s, "seven");
    assert_eq!(empty.d, 7.5);
    assert!(empty.flag);
    assert_eq!(empty.color, Color::GREEN);
    assert_eq!(empty.nums, [1, 2, 3]);
    assert_eq!(empty.nested["a"], [1]);
    assert!(empty.nested["b"].is_empty());
    assert_eq!(empty.nested.len(), 2);
    assert_eq!(empty.r#where, Point { x: 7, y: 8 });
    assert_eq!(
        empty.maybe, None,
        "optional: absent, despite its IDL default"
    );
    assert_eq!(empty.small.iter().copied().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(empty.blob, b"raw");

    // Some fields present: only the others default.
    let raw = Raw::default()
        .field(1, Value::I32(-1))
        .field(9, Value::Str("given"));
    let partial = decode_raw::<Defaults>(&raw).unwrap();
    assert_eq!(
        partial,
        Defaults {
            n: -1,
            maybe: Some("given".to_string()),
            ..Defaults::default()
        }
    );

    assert_eq!(
        decode_raw::<Failure>(&Raw::default()).unwrap(),
        Failure {
            message: String::new(),
            code: 500
        }
    );
    // Argument defaults too: `shape(1: Shape s, 2: i32 mode = 1)`.
    let raw = Raw::default().field(
        1,
        Value::Struct(Raw::default().field(1, Value::Double(2.0))),
    );
    let args = decode_raw::<constructs::kitchen_wire::ShapeArgs>(&raw).unwrap();
    assert_eq!(args.mode, 1);
    assert_eq!(args.s, Shape::Circle(2.0));
}

#[test]
fn missing_required_field_names_struct_and_field() {
    let raw = Raw::default().field(4, Value::I32(1));
    let e = decode_raw::<Scalars>(&raw).unwrap_err();
    assert_eq!(e.protocol_kind(), Some(ProtocolErrorKind::MissingField));
    let text = e.to_string();
    assert!(text.contains("Scalars.req"), "{text}");
    // Nested: the path leads to it.
    let raw = Raw::default().field(2, Value::Struct(Raw::default()));
    let e = decode_raw::<Conflict>(&raw).unwrap_err();
    assert_eq!(e.protocol_kind(), Some(ProtocolErrorKind::MissingField));
    let text = e.to_string();
    assert!(text.contains("Conflict.current > Scalars.req"), "{text}");
    // Only `req` is required: the rest default.
    let raw = Raw::default().field(9, Value::I32(3));
    assert_eq!(
        decode_raw::<Scalars>(&raw).unwrap(),
        Scalars {
            req: 3,
            ..values::scalars_minimal()
        }
    );
}

#[test]
fn unknown_fields_are_skipped() {
    let raw = Raw::default()
        .field(
            3,
            Value::Struct(Raw::default().field(1, Value::List(vec![1]))),
        )
        .field(2, Value::I32(-2))
        .field(100, Value::List(vec![1, 2, 3]))
        .field(1, Value::I32(1))
        .field(-1, Value::Str("x"));
    assert_eq!(decode_raw::<Point>(&raw).unwrap(), Point { x: 1, y: -2 });
}

#[test]
fn fields_of_another_type_are_skipped() {
    // Apache's generated code skips a field whose wire type does not match the IDL.
    let raw = Raw::default()
        .field(1, Value::Str("not an i32"))
        .field(2, Value::I32(2));
    assert_eq!(decode_raw::<Point>(&raw).unwrap(), Point { x: 0, y: 2 });
    let raw = Raw::default().field(9, Value::Str("req is an i32"));
    let e = decode_raw::<Scalars>(&raw).unwrap_err();
    assert_eq!(e.protocol_kind(), Some(ProtocolErrorKind::MissingField));
}

#[test]
fn missing_recursive_optional_field_is_none() {
    let pong = decode_raw::<Pong>(&Raw::default()).unwrap();
    assert_eq!(pong, Pong { ping: None });
}

#[test]
fn missing_recursive_list_field_is_empty() {
    // Apache's Python writes a `Tree(label="leaf")` without field 2 (children is None).
    let raw = Raw::default().field(1, Value::Str("leaf"));
    assert_eq!(
        decode_raw::<Tree>(&raw).unwrap(),
        Tree {
            label: "leaf".to_string(),
            children: vec![],
        }
    );
}
