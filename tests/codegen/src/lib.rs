//! Generated code under test, and the values and helpers the tests share.
//!
//! [`idl`] is `idl/constructs.thrift`, `idl/edge_cases.thrift` and `idl/example.thrift` built
//! with the default options; [`alt`] is `idl/constructs.thrift` built with hash collections and
//! `Bytes` binaries. The tests live in `tests/`: `roundtrip.rs` (every type through every
//! protocol), `behaviour.rs` (unknown values, defaults, required fields), `props.rs` (property
//! tests), `vectors.rs` (bytes written by Apache's Python library) and `rpc.rs` (client,
//! processor and handler talking in memory).

/// Code generated with the default options.
pub mod idl {
    thrift_rt::include_thrift!();
}

/// `constructs.thrift` generated with `Collections::Hash` and `BinaryType::Bytes`.
pub mod alt {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/alt"));
}

pub mod codec;
pub mod values;
