//! `keep_unknown_fields` and `keep_unknown_fields_in`: which generated types keep unknown
//! fields. What the kept fields do is tested in `tests/codegen/tests/unknown_fields.rs`.

use std::path::PathBuf;

fn idl(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../idl/{name}.thrift"))
}

/// The generated source of `unknown_v1.thrift` and `unknown_v2.thrift`, after `configure`.
fn generate(configure: impl FnOnce(&mut thrift_build::Builder)) -> (String, String) {
    let mut builder = thrift_build::Builder::new();
    builder.emit_rerun_if_changed(false);
    configure(&mut builder);
    let files = builder
        .generate(&[idl("unknown_v1"), idl("unknown_v2")])
        .unwrap_or_else(|e| panic!("{e}"))
        .files;
    let source = |name: &str| {
        files
            .iter()
            .find(|(file, _)| file == name)
            .map(|(_, code)| code.clone())
            .unwrap_or_else(|| panic!("no {name} among {files:?}"))
    };
    (source("unknown_v1.rs"), source("unknown_v2.rs"))
}

fn keeps(code: &str) -> bool {
    code.contains("pub unknown_fields: _rt::UnknownFields")
}

#[test]
fn off_by_default_and_identical_when_turned_off() {
    let (v1, v2) = generate(|_| {});
    assert!(!v1.contains("UnknownFields") && !v2.contains("UnknownFields"));
    assert!(!v1.contains("capture_unknown_field"));
    let (off1, off2) = generate(|b| {
        b.keep_unknown_fields(false);
    });
    assert_eq!((off1, off2), (v1, v2));
}

#[test]
fn on_for_every_file_or_one() {
    let (v1, v2) = generate(|b| {
        b.keep_unknown_fields(true);
    });
    assert!(keeps(&v1) && keeps(&v2));
    assert!(v1.contains("Unknown(_rt::UnknownFields)"));

    let (v1, v2) = generate(|b| {
        b.keep_unknown_fields_in("unknown_v1");
    });
    assert!(keeps(&v1), "{v1}");
    assert!(!keeps(&v2) && !v2.contains("UnknownFields"), "{v2}");
}
