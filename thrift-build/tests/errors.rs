//! IDL that Thrift accepts but Rust cannot represent well gets a located diagnostic; broken
//! IDL is rejected with every diagnostic located.

use std::process::Command;

fn generate(name: &str, idl: &str) -> Result<thrift_build::Generated, thrift_build::Error> {
    let dir = std::env::temp_dir().join(format!("thrift-build-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, idl).unwrap();
    thrift_build::Builder::new()
        .emit_rerun_if_changed(false)
        .generate(&[path])
}

/// Apache Thrift accepts a cycle of required fields, so it is generated, with a warning (on
/// stderr here; a build script prints it as `cargo:warning`).
#[test]
fn a_cycle_of_required_fields_generates_with_a_located_warning() {
    let dir = std::env::temp_dir().join(format!("thrift-build-cycle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let idl = "struct A {\n  1: required B b\n}\nstruct B {\n  1: required A a\n}\n";
    std::fs::write(dir.join("cycle.thrift"), idl).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_thrift-build"))
        .args(["gen", "-o", "out", "cycle.thrift"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("cycle.thrift:5:3: warning: struct `B` can never be built"),
        "{stderr}"
    );
    assert!(stderr.contains("1: required A a"), "{stderr}");
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    let code = std::fs::read_to_string(dir.join("out/cycle.rs")).unwrap();
    assert!(
        code.contains("pub a: ::std::boxed::Box<A>,"),
        "the cycle is not boxed:\n{code}"
    );
    assert!(
        !code.contains("Default"),
        "a type of the cycle has a default:\n{code}"
    );
}

#[test]
fn optional_fields_and_unions_break_cycles() {
    let idl = "struct A {\n  1: required B b\n}\nstruct B {\n  1: optional A a\n}\n\
               union U {\n  1: S s\n  2: i32 n\n}\nstruct S {\n  1: required U u\n}\n";
    generate("fine.thrift", idl).unwrap();
}

#[test]
fn idl_errors_are_rendered_with_locations() {
    let err = generate("bad.thrift", "struct S {\n  1: i32 a\n  1: i32 b\n}\n").unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("bad.thrift:3:"), "{text}");
}

#[test]
fn files_an_earlier_run_generated_are_removed_and_others_kept() {
    let dir = std::env::temp_dir().join(format!("thrift-build-stale-{}", std::process::id()));
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(dir.join("old.thrift"), "struct Old { 1: i32 x }\n").unwrap();
    std::fs::write(dir.join("new.thrift"), "struct New { 1: i32 x }\n").unwrap();
    std::fs::write(out.join("mine.rs"), "// written by hand\n").unwrap();
    let compile = |file: &str| {
        thrift_build::Builder::new()
            .emit_rerun_if_changed(false)
            .out_dir(&out)
            .compile(&[dir.join(file)])
            .unwrap();
    };
    compile("old.thrift");
    assert!(out.join("old.rs").exists());
    compile("new.thrift");
    assert!(!out.join("old.rs").exists(), "the stale module stays");
    assert!(out.join("new.rs").exists());
    assert!(
        out.join("mine.rs").exists(),
        "a file we did not write was deleted"
    );
}
