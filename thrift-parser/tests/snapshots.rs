//! Data-driven tests: every `.thrift` file under `tests/data/ok` must load without errors and
//! every one under `tests/data/err/<category>` must fail. The resolved program (for `ok`) or
//! the rendered diagnostics (for `err`) are compared with the expected file next to the input.
//!
//! Expected files are rewritten only on request: `UPDATE_EXPECT=1 cargo test -p thrift-parser`.

use std::fs;
use std::path::{Path, PathBuf};

fn thrift_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(thrift_files(&path));
        } else if path.extension().is_some_and(|e| e == "thrift") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Compares `actual` with the file at `expected_path`, or writes it when blessing.
fn check_expected(expected_path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(expected_path, actual).unwrap();
        return;
    }
    match fs::read_to_string(expected_path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{} differs.\n--- expected\n{expected}\n--- actual\n{actual}",
            expected_path.display()
        )),
        Err(_) => failures.push(format!(
            "{} is missing; run with UPDATE_EXPECT=1 to create it",
            expected_path.display()
        )),
    }
}

#[test]
fn valid_files_resolve_to_the_expected_program() {
    let mut failures = Vec::new();
    let files = thrift_files(Path::new("tests/data/ok"));
    assert!(files.len() >= 6, "test data missing");
    for path in files {
        let loaded = thrift_parser::Loader::new().load(&[&path]);
        let rendered = loaded.render_diagnostics();
        if loaded.diagnostics.has_errors() {
            failures.push(format!(
                "{} should be valid but has errors:\n{rendered}",
                path.display()
            ));
            continue;
        }
        let actual = format!("{}\n--- diagnostics\n{rendered}", loaded.program.dump());
        check_expected(&path.with_extension("expected"), &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_files_give_the_expected_diagnostics() {
    let mut failures = Vec::new();
    let files = thrift_files(Path::new("tests/data/err"));
    assert!(files.len() >= 30, "test data missing");
    for path in files {
        let loaded = thrift_parser::Loader::new().load(&[&path]);
        let rendered = loaded.render_diagnostics();
        if !loaded.diagnostics.has_errors() {
            failures.push(format!(
                "{} should be rejected but loads:\n{rendered}",
                path.display()
            ));
            continue;
        }
        check_expected(&path.with_extension("stderr"), &rendered, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
