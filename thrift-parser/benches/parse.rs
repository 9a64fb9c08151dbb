//! Parse + resolve time for the largest IDL tree of the shared corpus
//! (`cloudera__impyla/impala/thrift/ImpalaService.thrift` and its includes, about 200 KB),
//! and for a single large file. Run: `cargo bench -p thrift-parser --bench parse`.
//!
//! The files are read into memory first, so the figure is the front end's own time.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};

fn corpus() -> PathBuf {
    std::env::var_os("THRIFT_IDL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/idl-corpus"))
}

/// A loader with every `.thrift` file of `dir` preloaded in memory.
fn loader_with_folder(dir: &Path) -> (thrift_parser::Loader, usize) {
    let mut loader = thrift_parser::Loader::new();
    let mut bytes = 0;
    for entry in std::fs::read_dir(dir).expect("corpus folder") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "thrift") {
            let text = std::fs::read_to_string(&path).unwrap();
            bytes += text.len();
            loader.add_source(&path, text);
        }
    }
    (loader, bytes)
}

fn bench(c: &mut Criterion) {
    let dir = corpus().join("cloudera__impyla/impala/thrift");
    assert!(
        dir.is_dir(),
        "the IDL corpus is missing: {} (set THRIFT_IDL_CORPUS)",
        dir.display()
    );
    let (loader, bytes) = loader_with_folder(&dir);
    let root = dir.join("ImpalaService.thrift");
    let loaded = loader.load(&[&root]);
    assert!(
        !loaded.diagnostics.has_errors(),
        "{}",
        loaded.render_diagnostics()
    );
    let tree_bytes: usize = loaded
        .program
        .sources
        .files()
        .map(|(_, f)| f.text().len())
        .sum();
    eprintln!(
        "ImpalaService.thrift tree: {} files, {tree_bytes} bytes ({bytes} bytes in the folder)",
        loaded.program.files.len()
    );
    c.bench_function("parse+resolve ImpalaService.thrift tree", |b| {
        b.iter(|| loader.load(&[&root]));
    });

    let parquet = corpus().join("apache__parquet-format/src/main/thrift/parquet.thrift");
    let text = std::fs::read_to_string(&parquet).unwrap();
    c.bench_function("parse+resolve parquet.thrift (52 KB)", |b| {
        b.iter(|| thrift_parser::load_str("parquet.thrift", &text));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
