//! Code for the codec benchmark (`benches/codec/`), only with the `codec` feature:
//! `idl/bench.thrift` generated four times, into `$OUT_DIR/codec/`:
//!
//! - `ours/`: thrift_build, default options (`BTreeMap`, `String`, `Vec<u8>` for `binary`);
//! - `ours_shared/`: thrift_build with `StringType::BytesStr` and `BinaryType::Bytes`
//!   (strings and binaries share the input buffer when decoded from `Bytes`, as pilota's do);
//! - `apache/bench.rs`: Apache's compiler (`thrift --gen rs`, 0.17), its `#![...]` lines
//!   removed so that `include!` can take it (by `build.rs`'s `apache`, as for the echo service);
//! - `pilota.rs`: pilota-build, with `ignore_unused(false)` (the IDL has no service, and
//!   pilota-build otherwise generates only what services use).

use std::path::Path;

const IDL: &str = "idl/bench.thrift";

/// Generates the four versions of `idl/bench.thrift` if the `codec` feature is on.
pub(crate) fn generate(out: &Path) {
    if std::env::var_os("CARGO_FEATURE_CODEC").is_none() {
        return;
    }
    let dir = out.join("codec");
    thrift_build::Builder::new()
        .out_dir(dir.join("ours"))
        .compile(&[IDL])
        .unwrap();
    thrift_build::Builder::new()
        .string_type(thrift_build::StringType::BytesStr)
        .binary_type(thrift_build::BinaryType::Bytes)
        .out_dir(dir.join("ours_shared"))
        .compile(&[IDL])
        .unwrap();
    super::apache(IDL, &dir.join("apache"));
    pilota(&dir.join("pilota.rs"));
}

#[cfg(feature = "codec")]
fn pilota(file: &Path) {
    println!("cargo:rerun-if-changed={IDL}");
    pilota_build::Builder::thrift()
        .ignore_unused(false)
        .compile([IDL], pilota_build::Output::File(file.to_owned()));
}

#[cfg(not(feature = "codec"))]
fn pilota(_file: &Path) {}
