//! Generates the echo service twice: with our generator (thrift_build) into
//! `$OUT_DIR/ours`, and with Apache's compiler (`thrift --gen rs`, which must be the 0.17
//! the `thrift` crate dependency matches) into `$OUT_DIR/apache`; and the descriptor-passing
//! service (`idl/fds.thrift`, ours only) next to ours.
//!
//! Apache's file starts with inner attributes (`#![allow(...)]`), which `include!` cannot
//! take inside a module; they are removed here and `src/lib.rs` puts the allowances on the
//! module instead.

use std::path::{Path, PathBuf};
use std::process::Command;

mod build_codec;

const IDL: &str = "idl/echo.thrift";

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    thrift_build::Builder::new()
        .out_dir(out.join("ours"))
        .compile(&[IDL, "idl/fds.thrift"])
        .unwrap();
    // The same service decoding strings and binaries as shared `Bytes` (zero-copy serving).
    thrift_build::Builder::new()
        .out_dir(out.join("ours_bytes"))
        .string_type(thrift_build::StringType::BytesStr)
        .binary_type(thrift_build::BinaryType::Bytes)
        .compile(&[IDL])
        .unwrap();

    apache(IDL, &out.join("apache"));

    build_codec::generate(&out);
}

/// Runs Apache's compiler (`$THRIFT`, default `thrift` on the `PATH`) on `idl`, into `dir`,
/// and strips the inner attributes from the file it writes.
fn apache(idl: &str, dir: &Path) {
    println!("cargo:rerun-if-changed={idl}");
    println!("cargo:rerun-if-env-changed=THRIFT");
    let compiler = std::env::var("THRIFT").unwrap_or_else(|_| "thrift".to_owned());
    std::fs::create_dir_all(dir).unwrap();
    let output = Command::new(&compiler)
        .args(["--gen", "rs", "-out"])
        .arg(dir)
        .arg(idl)
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run Apache Thrift's compiler `{compiler}` ({e}); the benchmark compares \
             against Apache's generated code: install it (Debian: `apt-get install \
             thrift-compiler`, version 0.17 to match the `thrift` crate) or set THRIFT to \
             its path"
        ),
    };
    if !output.status.success() {
        panic!(
            "`{compiler} --gen rs {idl}` failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stem = Path::new(idl).file_stem().expect("an IDL file name");
    let file = dir.join(stem).with_extension("rs");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("`{compiler}` wrote no {}: {e}", file.display()));
    let text: String = text
        .lines()
        .filter(|line| !line.starts_with("#!["))
        .flat_map(|line| [line, "\n"])
        .collect();
    std::fs::write(&file, text).unwrap();

    let version = Command::new(&compiler)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !version.contains("0.17.") {
        println!(
            "cargo:warning=`{compiler}` is {}, not 0.17: its code may not compile against the \
             thrift 0.17 crate",
            version.trim()
        );
    }
}
