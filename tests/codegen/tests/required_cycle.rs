//! `idl/required_cycle.thrift`: structs that hold each other through `required` fields only.
//! No value of them exists, so the generated code must compile, derive no `Default` (it would
//! recurse forever), keep the derives that only walk a value, and refuse every finite input.

use std::marker::PhantomData;

use codegen_tests::codec::{Protocol, decode, encode};
use codegen_tests::cycles::required_cycle::{First, Holder, Itself, Second};
use thrift_rt::{FieldHeader, ProtocolErrorKind, ProtocolWriter, TType, WriteThrift};

/// Asks, without requiring it, whether a type has a `Default`: method lookup tries the
/// receiver `&Probe<T>` (where `HasDefault` applies when `T: Default`) before `&&Probe<T>`.
macro_rules! has_default {
    ($ty:ty) => {
        (&Probe::<$ty>(PhantomData)).has_default()
    };
}

struct Probe<T>(PhantomData<T>);

trait HasDefault {
    fn has_default(&self) -> bool {
        true
    }
}
impl<T: Default> HasDefault for Probe<T> {}

trait NoDefault {
    fn has_default(&self) -> bool {
        false
    }
}
impl<T> NoDefault for &Probe<T> {}

#[test]
fn no_type_of_the_cycle_or_holding_it_has_a_default() {
    assert!(!has_default!(First));
    assert!(!has_default!(Second));
    assert!(!has_default!(Itself));
    assert!(!has_default!(Holder));
    // The probe can tell: a type with a default is seen as one.
    assert!(has_default!(Vec<First>));
}

#[test]
fn the_derives_that_only_walk_a_value_are_kept() {
    fn walks<T: Clone + std::fmt::Debug + PartialEq + Eq + std::hash::Hash + Ord>() {}
    walks::<First>();
    walks::<Second>();
    walks::<Itself>();
    walks::<Holder>();
}

/// Structs nested `depth` deep through field 1, the innermost one empty: the shape of every
/// input a `First`, `Second` or `Itself` could be read from.
struct Nested(usize);

impl WriteThrift for Nested {
    const TTYPE: TType = TType::Struct;

    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> thrift_rt::Result<()> {
        w.write_struct_begin("Nested")?;
        if self.0 > 0 {
            w.write_field_begin(FieldHeader::new(TType::Struct, 1))?;
            Nested(self.0 - 1).write(w)?;
            w.write_field_end()?;
        }
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

#[test]
fn every_finite_input_is_missing_a_required_field() {
    for protocol in Protocol::ALL {
        for depth in [0, 1, 2, 5, 20] {
            let bytes = encode(protocol, &Nested(depth));
            let errors = [
                decode::<First>(protocol, &bytes).map(|_| ()).unwrap_err(),
                decode::<Second>(protocol, &bytes).map(|_| ()).unwrap_err(),
                decode::<Itself>(protocol, &bytes).map(|_| ()).unwrap_err(),
            ];
            for e in errors {
                assert_eq!(
                    e.protocol_kind(),
                    Some(ProtocolErrorKind::MissingField),
                    "{protocol:?}, depth {depth}: {e}"
                );
            }
        }
    }
}
