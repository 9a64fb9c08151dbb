//! Generates Rust for `idl/example.thrift` (and `idl/common.thrift`, which it includes) and
//! `idl/files.thrift` into `OUT_DIR`; `cargo build` reruns this whenever one of them changes.

fn main() {
    thrift_build::compile(&["../idl/example.thrift", "../idl/files.thrift"]).unwrap();
}
