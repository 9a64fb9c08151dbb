//! Our extensions spelled as annotations (`idl/extensions_annotated.thrift`): Apache Thrift's
//! compiler accepts the file, and it generates exactly the Rust of the native spelling (`fd`,
//! `service Name channel N`), which Apache's compiler rejects.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch folder of its own for this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "thrift-build-annotations-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn annotated_idl() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../idl/extensions_annotated.thrift");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The same IDL in the native spelling: `i32 (rs.fd = "true")` becomes `fd`, and a service's
/// `} (rs.channel = "N")` becomes `channel N` after its name.
fn native_spelling(annotated: &str) -> String {
    let text = annotated
        .replace("i32 (rs.fd = \"true\")", "fd")
        .replace("i32 (rs.fd = \"false\")", "i32");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut service_line = None;
    for index in 0..lines.len() {
        if lines[index].starts_with("service ") {
            service_line = Some(index);
        }
        let Some(rest) = lines[index].strip_prefix("} (rs.channel = \"") else {
            continue;
        };
        let channel = rest.trim_end_matches("\")").to_string();
        let header = service_line.expect("a service before its closing brace");
        let (name, after) = lines[header]["service ".len()..]
            .split_once(' ')
            .expect("a space after the service name");
        lines[header] = format!("service {name} channel {channel} {after}");
        lines[index] = "}".to_string();
    }
    lines.join("\n") + "\n"
}

/// Generates `idl` (as `extensions.thrift`, so both spellings name the same file).
fn generate(dir: &Path, idl: &str) -> Vec<(String, String)> {
    let path = dir.join("extensions.thrift");
    std::fs::write(&path, idl).unwrap();
    thrift_build::Builder::new()
        .emit_rerun_if_changed(false)
        .generate(&[path])
        .unwrap_or_else(|e| panic!("{e}"))
        .files
}

#[test]
fn the_annotation_spelling_generates_the_rust_of_the_native_spelling() {
    let annotated = annotated_idl();
    let native = native_spelling(&annotated);
    assert_eq!(annotated.matches("(rs.fd = \"true\")").count(), 10);
    assert_eq!(annotated.matches("(rs.channel = ").count(), 3);
    assert!(
        !native.contains("rs.fd") && !native.contains("rs.channel"),
        "{native}"
    );
    let from_annotations = generate(&scratch("annotated"), &annotated);
    let from_native = generate(&scratch("native"), &native);
    assert_eq!(from_annotations.len(), from_native.len());
    for ((name, code), (native_name, native_code)) in from_annotations.iter().zip(&from_native) {
        assert_eq!(name, native_name);
        assert!(
            code == native_code,
            "{name} differs between the spellings:\n--- annotations\n{code}\n--- native\n{native_code}"
        );
    }
    // The descriptors and channels really are there.
    let code = &from_native[1].1;
    assert!(code.contains("OwnedFd"), "{code}");
    assert!(code.contains("CHANNEL: u8 = 4"), "{code}");
}

/// Runs Apache's compiler on `idl`; `None` when it is not installed.
fn apache_accepts(dir: &Path, idl: &str) -> Option<Result<(), String>> {
    if Command::new("thrift").arg("-version").output().is_err() {
        eprintln!(
            "skipping the check with Apache's compiler: `thrift` is not installed \
             (scripts/install-test-deps.sh installs it)"
        );
        return None;
    }
    let path = dir.join("extensions.thrift");
    std::fs::write(&path, idl).unwrap();
    let out = dir.join("gen-py");
    std::fs::create_dir_all(&out).unwrap();
    let output = Command::new("thrift")
        .args(["--gen", "py", "-out"])
        .arg(&out)
        .arg(&path)
        .output()
        .expect("thrift runs");
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    })
}

#[test]
fn apache_thrift_accepts_the_annotation_spelling_and_not_the_native_one() {
    let annotated = annotated_idl();
    let Some(result) = apache_accepts(&scratch("apache-annotated"), &annotated) else {
        return;
    };
    if let Err(stderr) = result {
        panic!("Apache's compiler rejects idl/extensions_annotated.thrift:\n{stderr}");
    }
    let native = native_spelling(&annotated);
    let rejected = apache_accepts(&scratch("apache-native"), &native).expect("thrift is installed");
    assert!(
        rejected.is_err(),
        "Apache's compiler accepts the native spelling, so this test proves nothing"
    );
}
