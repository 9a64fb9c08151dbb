//! Generates the code under test: with the default options into `OUT_DIR`, and with hash
//! collections, `Bytes` binaries and `BytesStr` strings into `OUT_DIR/alt` (`constructs.thrift` and, for maps of
//! descriptors in a `HashMap`, `fds.thrift`), so both option sets must compile warning-free;
//! `required_cycle.thrift` into `OUT_DIR/required_cycle`, with its expected IDL warning
//! kept out of cargo's output; and `unknown_v1.thrift` with `keep_unknown_fields` and
//! `unknown_v2.thrift` without into `OUT_DIR/unknown_v1` and `OUT_DIR/unknown_v2`.

use std::path::PathBuf;

const IDL: &[&str] = &[
    "../../idl/channels.thrift",
    "../../idl/constructs.thrift",
    "../../idl/edge_cases.thrift",
    "../../idl/example.thrift",
    "../../idl/fds.thrift",
];

fn main() {
    if let Err(e) = thrift_build::compile(IDL) {
        panic!("thrift-build (default options) failed:\n{e:?}");
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let result = thrift_build::Builder::new()
        .collections(thrift_build::Collections::Hash)
        .binary_type(thrift_build::BinaryType::Bytes)
        .string_type(thrift_build::StringType::BytesStr)
        .out_dir(out_dir.join("alt"))
        .compile(&["../../idl/constructs.thrift", "../../idl/fds.thrift"]);
    if let Err(e) = result {
        panic!("thrift-build (hash collections, Bytes, BytesStr) failed:\n{e:?}");
    }
    // Two versions of one schema: the old one keeps the fields only the new one knows.
    for (version, keep) in [("v1", true), ("v2", false)] {
        let result = thrift_build::Builder::new()
            .keep_unknown_fields(keep)
            .out_dir(out_dir.join(format!("unknown_{version}")))
            .compile(&[format!("../../idl/unknown_{version}.thrift")]);
        if let Err(e) = result {
            panic!("thrift-build (unknown_{version}.thrift) failed:\n{e:?}");
        }
    }
    // The cycle of required fields draws a warning, which is the point of the file: print it
    // to the build script's own log rather than as a `cargo:warning` on every build.
    println!("cargo:rerun-if-changed=../../idl/required_cycle.thrift");
    let result = thrift_build::Builder::new()
        .emit_rerun_if_changed(false)
        .out_dir(out_dir.join("required_cycle"))
        .compile(&["../../idl/required_cycle.thrift"]);
    if let Err(e) = result {
        panic!("thrift-build (required_cycle.thrift) failed:\n{e:?}");
    }
}
