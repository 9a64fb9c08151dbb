//! The example application's library part: the generated code, the store handler and a layer
//! of our own, shared by the binary (`main.rs`) and the tests.

/// The code generated from `idl/example.thrift`, `idl/common.thrift` and `idl/files.thrift`.
pub mod idl {
    thrift_rt::include_thrift!();
}

pub mod store;
pub mod xor;
