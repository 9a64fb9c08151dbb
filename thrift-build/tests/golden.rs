//! Golden files: the code generated for the IDL files in `idl/` is checked in under
//! `tests/golden/<idl file>/` and must not change unnoticed.
//!
//! After an intended change to the generator, rewrite them with
//! `UPDATE_GOLDEN=1 cargo test -p thrift-build --test golden` and review the diff. The test
//! never rewrites them on its own.

use std::path::{Path, PathBuf};

/// The IDL files whose output is pinned; together they use every construct.
const CASES: &[&str] = &[
    "example.thrift",
    "constructs.thrift",
    "edge_cases.thrift",
    "fds.thrift",
    "required_cycle.thrift",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn generated_code_matches_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let idl = root().join("idl");
    let mut mismatches = Vec::new();
    for case in CASES {
        let generated = thrift_build::Builder::new()
            .include_dir(&idl)
            .emit_rerun_if_changed(false)
            .generate(&[idl.join(case)])
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(case.trim_end_matches(".thrift"));
        if update {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
        }
        let mut expected_names: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        expected_names.sort();
        let mut generated_names: Vec<String> = generated
            .files
            .iter()
            .map(|(name, _)| name.clone())
            .collect();
        generated_names.sort();
        for (name, content) in &generated.files {
            let path = dir.join(name);
            if update {
                std::fs::write(&path, content).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(expected) if expected == *content => {}
                Ok(expected) => mismatches.push(format!(
                    "{}: differs from the generated code (first difference at line {})",
                    path.display(),
                    first_difference(&expected, content)
                )),
                Err(_) => mismatches.push(format!("{}: missing", path.display())),
            }
        }
        if !update && expected_names != generated_names {
            mismatches.push(format!(
                "{}: golden files {expected_names:?}, generated {generated_names:?}",
                dir.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{}\n\nIf the change is intended, run `UPDATE_GOLDEN=1 cargo test -p thrift-build --test golden` and review the diff.",
        mismatches.join("\n")
    );
}

fn first_difference(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()))
        + 1
}

/// The same input gives byte-identical output (no hash-map order, no timestamps).
#[test]
fn generation_is_deterministic() {
    let idl = root().join("idl");
    let run = || {
        thrift_build::Builder::new()
            .include_dir(&idl)
            .emit_rerun_if_changed(false)
            .generate(&[idl.join("constructs.thrift"), idl.join("edge_cases.thrift")])
            .unwrap()
            .files
    };
    assert_eq!(run(), run());
}
