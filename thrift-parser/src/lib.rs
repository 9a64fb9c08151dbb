//! The Apache Thrift IDL front end: lexer, parser, include loader and resolver.
//!
//! It accepts every construct the official Apache Thrift compiler (0.17 through 0.25) accepts,
//! plus this project's extensions, the type `fd` and `service Name channel N { … }` (also
//! spelled as annotations Apache's compiler ignores: `i32 (rs.fd = "true")`,
//! `service Name { … } (rs.channel = "N")`), and turns a set of `.thrift` files into a checked
//! [`Program`] for the code generator. Problems come back as
//! [`Diagnostic`]s that name `file:line:column` and show the source line.
//!
//! # Loading files
//!
//! ```no_run
//! let loaded = thrift_parser::Loader::new()
//!     .include_dir("idl/common")
//!     .load(&["idl/svc.thrift"]);
//! // Warnings and errors, rendered with file:line:column and the source line.
//! eprint!("{}", loaded.render_diagnostics());
//! let program = loaded.into_result().expect("valid IDL");
//! for def in &program.defs {
//!     println!("{} ({})", def.name, def.kind.describe());
//! }
//! ```
//!
//! # Checking text without files
//!
//! [`Loader::add_source`] registers in-memory files; they are looked up before the disk, so
//! includes between them work too:
//!
//! ```
//! let loaded = thrift_parser::Loader::new()
//!     .add_source("svc.thrift", "struct User { 1: required i64 id, 2: optional string name }")
//!     .load(&["svc.thrift"]);
//! assert!(!loaded.diagnostics.has_errors());
//! let program = loaded.into_result().unwrap();
//! assert_eq!(program.defs[0].name, "User");
//! ```
//!
//! # Phases
//!
//! 1. [`lexer`]: text to tokens (never fails; bad input becomes diagnostics);
//! 2. [`parser`]: tokens to an [`ast::Document`] per file (recovers, reports every error);
//! 3. `load`: follows `include`s (own folder first, then the include directories), each file
//!    parsed once, cycles reported;
//! 4. [`resolve`]: names to [`ir::DefId`]s, constants evaluated and type-checked, the semantic
//!    rules of Apache Thrift checked. The result is a [`Program`].

#![warn(missing_docs)]

pub mod ast;
pub mod diagnostic;
pub mod lexer;
mod load;
pub mod parser;
pub mod resolve;
pub mod source;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Diagnostics, Rendered, Severity};
pub use resolve::ir::{self, Program};
pub use source::{FileId, SourceMap, Span};

/// Loads IDL files with their includes and resolves them. Set include directories and
/// in-memory files, then call [`Loader::load`].
#[derive(Debug, Default, Clone)]
pub struct Loader {
    include_dirs: Vec<PathBuf>,
    overlay: HashMap<PathBuf, String>,
}

impl Loader {
    /// A loader with no include directories.
    pub fn new() -> Loader {
        Loader::default()
    }

    /// Adds a directory to search for included files, after the including file's own folder
    /// and after the directories added before (like `thrift -I`).
    pub fn include_dir(&mut self, dir: impl AsRef<Path>) -> &mut Loader {
        self.include_dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// Registers an in-memory file at `path`, used instead of the disk for that path.
    pub fn add_source(&mut self, path: impl AsRef<Path>, text: impl Into<String>) -> &mut Loader {
        self.overlay
            .insert(path.as_ref().to_path_buf(), text.into());
        self
    }

    /// Loads `roots` and everything they include, and resolves them.
    ///
    /// This never fails as such: the result always holds a [`Program`] (possibly partial) and
    /// the diagnostics; [`Loaded::into_result`] turns errors into an `Err`.
    pub fn load<P: AsRef<Path>>(&self, roots: &[P]) -> Loaded {
        let roots: Vec<PathBuf> = roots.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let mut diagnostics = Diagnostics::new();
        let request = load::LoadRequest {
            roots: &roots,
            include_dirs: &self.include_dirs,
            overlay: &self.overlay,
        };
        let files = load::load(&request, &mut diagnostics);
        let program = resolve::resolve(files, &mut diagnostics);
        Loaded {
            program,
            diagnostics,
        }
    }
}

/// What [`Loader::load`] produced.
#[derive(Debug)]
pub struct Loaded {
    /// The resolved program; complete only when `diagnostics` holds no error.
    pub program: Program,
    /// Every warning and error, in the order found.
    pub diagnostics: Diagnostics,
}

impl Loaded {
    /// Renders every diagnostic as text (`file:line:col: error: …`, source line, caret).
    pub fn render_diagnostics(&self) -> String {
        self.diagnostics.render(&self.program.sources)
    }

    /// The program when there were no errors (warnings are dropped: read them first);
    /// otherwise the rendered diagnostics.
    ///
    /// # Errors
    /// When any diagnostic is an error.
    pub fn into_result(self) -> Result<Program, Rendered> {
        if self.diagnostics.has_errors() {
            let text = self.render_diagnostics();
            Err(Rendered {
                diagnostics: self.diagnostics,
                text,
            })
        } else {
            Ok(self.program)
        }
    }
}

/// Parses and resolves one in-memory file (no includes can be found). A shortcut for tests
/// and tools.
pub fn load_str(path: &str, text: &str) -> Loaded {
    Loader::new().add_source(path, text).load(&[path])
}
