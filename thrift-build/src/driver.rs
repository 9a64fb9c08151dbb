//! The pipeline behind [`Builder::generate`](crate::Builder::generate): load and resolve the
//! IDL, decide everything once ([`Context`]), emit, and report warnings on the way.

use std::path::{Path, PathBuf};

use crate::codegen;
use crate::context::Context;
use crate::error::Error;
use crate::options::Config;

/// What [`Builder::generate`](crate::Builder::generate) produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// `(file name, Rust source)` pairs, `mod.rs` first, then in module order.
    pub files: Vec<(String, String)>,
    /// Every IDL file read, includes included.
    pub inputs: Vec<PathBuf>,
}

/// Loads, resolves and generates; nothing is written.
pub(crate) fn generate(config: &Config, files: &[impl AsRef<Path>]) -> Result<Generated, Error> {
    config.validate()?;
    let mut loader = thrift_parser::Loader::new();
    for dir in &config.include_dirs {
        loader.include_dir(dir);
    }
    let loaded = loader.load(files);
    if !loaded.diagnostics.has_errors() && !loaded.diagnostics.is_empty() {
        report_warnings(config, &loaded.render_diagnostics());
    }
    let program = loaded
        .into_result()
        .map_err(|rendered| Error::Idl(rendered.text))?;
    for warning in config.unmatched(&program) {
        if config.emit_rerun_if_changed {
            println!("cargo:warning=thrift-build: {warning}");
        } else {
            eprintln!("thrift-build: warning: {warning}");
        }
    }
    let cx = Context::new(&program, config);
    let cycles = cx.required_cycle_warnings();
    if !cycles.is_empty() {
        report_warnings(config, &cycles.render(&program.sources));
    }
    let files = codegen::emit_all(&cx)?;
    let inputs = program
        .files
        .iter()
        .map(|f| program.path(f.id).to_path_buf())
        .collect();
    Ok(Generated { files, inputs })
}

/// Shows rendered IDL warnings: as `cargo:warning` lines from a build script (cargo prints
/// them), else on stderr.
fn report_warnings(config: &Config, rendered: &str) {
    if config.emit_rerun_if_changed {
        for line in rendered.lines().filter(|l| !l.trim().is_empty()) {
            println!("cargo:warning={line}");
        }
    } else {
        eprint!("{rendered}");
    }
}
