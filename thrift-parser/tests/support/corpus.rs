//! Finding and reading the shared real-world IDL corpus, for the tests that use it
//! (`thrift-parser/tests/corpus.rs`, `thrift-build/tests/corpus_compile.rs`, which includes this
//! file by path).
//!
//! The corpus is `$THRIFT_IDL_CORPUS`, else `../shared/idl-corpus` beside the project's root,
//! else `/work/shared/idl-corpus`. A test that needs it fails, saying so, when it is missing.

use std::path::{Path, PathBuf};

/// One line of `MANIFEST.tsv`.
pub(crate) struct Entry {
    /// The IDL file.
    pub(crate) path: PathBuf,
    /// `valid-0.17`, `valid-newer`, `invalid`, …
    pub(crate) status: String,
    /// The include directories its note gives (relative to the file, made absolute).
    pub(crate) include_dirs: Vec<PathBuf>,
}

impl Entry {
    /// True for the files every Thrift compiler must accept.
    pub(crate) fn is_valid(&self) -> bool {
        self.status.starts_with("valid")
    }
}

/// The corpus folder (it may not exist: [`manifest`] says so).
pub(crate) fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("THRIFT_IDL_CORPUS") {
        return PathBuf::from(dir);
    }
    // Both crates that use this sit one level below the project's root.
    let beside_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/idl-corpus");
    let machine = PathBuf::from("/work/shared/idl-corpus");
    if !beside_root.is_dir() && machine.is_dir() {
        machine
    } else {
        beside_root
    }
}

/// Every entry of `dir/MANIFEST.tsv`.
///
/// # Panics
///
/// When the manifest cannot be read: the corpus is missing, and the calling test must not
/// pass without it.
pub(crate) fn manifest(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_else(|e| {
        panic!(
            "\n\n*** The IDL corpus is missing: expected {}/MANIFEST.tsv ({e}); set \
             THRIFT_IDL_CORPUS to its folder. This test cannot pass without it. ***\n",
            dir.display()
        )
    });
    let mut entries = Vec::new();
    for line in text.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (path, status, note) = (
            columns[0],
            columns[5],
            columns.get(6).copied().unwrap_or(""),
        );
        let path = dir.join(path);
        let folder = path.parent().unwrap().to_path_buf();
        let include_dirs = note
            .split_once("include-dirs (relative to this file):")
            .map(|(_, dirs)| {
                dirs.split(';')
                    .next()
                    .unwrap()
                    .trim()
                    .split(':')
                    .map(|d| folder.join(d.trim()))
                    .collect()
            })
            .unwrap_or_default();
        entries.push(Entry {
            path,
            status: status.to_string(),
            include_dirs,
        });
    }
    entries
}
