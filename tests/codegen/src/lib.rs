//! Generated code under test, and the values and helpers the tests share.
//!
//! [`idl`] is `idl/channels.thrift`, `idl/constructs.thrift`, `idl/edge_cases.thrift`,
//! `idl/example.thrift` and `idl/fds.thrift` (with `idl/fd_shadow.thrift`, which it includes)
//! built with the default options; [`alt`] is `idl/constructs.thrift` and `idl/fds.thrift` built
//! with hash collections and `Bytes` binaries; [`cycles`] is `idl/required_cycle.thrift`
//! (structs no value satisfies); [`v1`] and [`v2`] (`unknown_v1.thrift`, `unknown_v2.thrift`) are two versions of one
//! schema, the old one keeping unknown fields. The tests live in `tests/`: `roundtrip.rs` (every
//! type through every protocol), `behaviour.rs` (unknown values, defaults, required fields),
//! `props.rs` (property tests), `vectors.rs` (bytes written by Apache's Python library),
//! `rpc.rs` (client, processor and handler talking in memory) and `fd_codec.rs` (types holding
//! file descriptors through the fd transport, and where descriptors cannot travel) and
//! `required_cycle.rs` (what a cycle of required fields generates).

/// Code generated with the default options.
pub mod idl {
    thrift_rt::include_thrift!();
}

/// `constructs.thrift` and `fds.thrift` generated with `Collections::Hash` and
/// `BinaryType::Bytes`.
pub mod alt {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/alt"));
}

/// `required_cycle.thrift`: structs no value can satisfy, which must still compile cleanly.
pub mod cycles {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/required_cycle"));
}

/// `unknown_v1.thrift` generated with `keep_unknown_fields`.
pub mod v1 {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/unknown_v1"));
}

/// `unknown_v2.thrift` (a newer version of `unknown_v1.thrift`) with the default options.
pub mod v2 {
    thrift_rt::include_thrift!(concat!(env!("OUT_DIR"), "/unknown_v2"));
}

pub mod codec;
pub mod values;
