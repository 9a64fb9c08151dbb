//! Code for the codec benchmark (`benches/codec/`), only with the `codec` feature:
//! `idl/bench.thrift` generated four times, into `$OUT_DIR/codec/`:
//!
//! - `ours/`: thrift_build, default options (`BTreeMap`, `String`, `Vec<u8>` for `binary`);
//! - `ours_shared/`: thrift_build with `StringType::BytesStr` and `BinaryType::Bytes`
//!   (strings and binaries share the input buffer when decoded from `Bytes`, as pilota's do);
//! - `apache/bench.rs`: Apache's compiler (`thrift --gen rs`, 0.17), its `#![...]` lines
//!   removed so that `include!` can take it (as `build.rs` does for the echo service);
//! - `pilota.rs`: pilota-build, with `ignore_unused(false)` (the IDL has no service, and
//!   pilota-build otherwise generates only what services use).

use std::path::Path;
use std::process::Command;

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
    apache(&dir.join("apache"));
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

/// Runs Apache's compiler (`$THRIFT`, default `thrift`) on [`IDL`] into `dir`.
fn apache(dir: &Path) {
    println!("cargo:rerun-if-changed={IDL}");
    println!("cargo:rerun-if-env-changed=THRIFT");
    let compiler = std::env::var("THRIFT").unwrap_or_else(|_| "thrift".to_owned());
    std::fs::create_dir_all(dir).unwrap();
    let output = Command::new(&compiler)
        .args(["--gen", "rs", "-out"])
        .arg(dir)
        .arg(IDL)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run Apache Thrift's compiler `{compiler}` ({e}); see README.md")
        });
    if !output.status.success() {
        panic!(
            "`{compiler} --gen rs {IDL}` failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let file = dir.join("bench.rs");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("`{compiler}` wrote no {}: {e}", file.display()));
    let text: String = text
        .lines()
        .filter(|line| !line.starts_with("#!["))
        .flat_map(|line| [line, "\n"])
        .collect();
    std::fs::write(&file, text).unwrap();
}
