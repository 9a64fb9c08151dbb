//! The loader: reads the root files and everything they include, parsing each file once.
//!
//! Include search order, as in Apache Thrift: the including file's own folder first, then the
//! include directories in the order given. A file reached twice (by two paths that name the same
//! file) is parsed once. An include cycle is an error, reported at the `include` that closes it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::ast::{Document, Header};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::parser;
use crate::source::{FileId, SourceMap, Span};

/// Everything the loader read: the sources, one parsed document per file, and where each
/// `include` led.
#[derive(Debug)]
pub(crate) struct LoadedFiles {
    pub(crate) sources: SourceMap,
    /// Indexed by `FileId`.
    pub(crate) documents: Vec<Document>,
    /// Indexed by `FileId`: for each `include` header of that file, in order, the file it
    /// names, or `None` when it could not be found or read.
    pub(crate) includes: Vec<Vec<Option<FileId>>>,
    /// The root files that could be read, in the order given.
    pub(crate) roots: Vec<FileId>,
}

pub(crate) struct LoadRequest<'a> {
    pub(crate) roots: &'a [PathBuf],
    pub(crate) include_dirs: &'a [PathBuf],
    /// In-memory files, consulted before the disk (tests, fuzzing, editors).
    pub(crate) overlay: &'a HashMap<PathBuf, String>,
}

pub(crate) fn load(request: &LoadRequest<'_>, diagnostics: &mut Diagnostics) -> LoadedFiles {
    let mut loader = Loader {
        request,
        files: LoadedFiles {
            sources: SourceMap::new(),
            documents: Vec::new(),
            includes: Vec::new(),
            roots: Vec::new(),
        },
        by_identity: HashMap::new(),
        state: Vec::new(),
        stack: Vec::new(),
        diagnostics,
    };
    for root in request.roots {
        match loader.read(root) {
            Ok(id) => {
                loader.visit(id);
                if !loader.files.roots.contains(&id) {
                    loader.files.roots.push(id);
                }
            }
            Err(message) => loader
                .diagnostics
                .push(Diagnostic::error_without_span(format!(
                    "cannot read `{}`: {message}",
                    root.display()
                ))),
        }
    }
    loader.files
}

#[derive(Clone, Copy, PartialEq)]
enum VisitState {
    Unvisited,
    InProgress,
    Done,
}

struct Loader<'r, 'd> {
    request: &'r LoadRequest<'r>,
    files: LoadedFiles,
    /// Canonical path (or overlay path) to the file already read from it.
    by_identity: HashMap<PathBuf, FileId>,
    state: Vec<VisitState>,
    /// The chain of files being visited, for cycle messages.
    stack: Vec<FileId>,
    diagnostics: &'d mut Diagnostics,
}

impl Loader<'_, '_> {
    /// Reads and parses `path` unless it was read before; returns its id.
    fn read(&mut self, path: &Path) -> Result<FileId, String> {
        let (identity, text) = if let Some(text) = self.request.overlay.get(path) {
            (path.to_path_buf(), Some(text))
        } else {
            let identity = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
            (identity, None)
        };
        if let Some(&id) = self.by_identity.get(&identity) {
            return Ok(id);
        }
        let mut invalid_utf8_at = None;
        let text = match text {
            Some(text) => text.clone(),
            None => {
                let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
                // Old IDL files carry Latin-1 in comments, and Apache Thrift reads bytes: accept
                // the file with replacement characters and say where.
                match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(error) => {
                        invalid_utf8_at = Some(error.utf8_error().valid_up_to());
                        String::from_utf8_lossy(error.as_bytes()).into_owned()
                    }
                }
            }
        };
        let id = self.files.sources.add(path, text);
        if let Some(offset) = invalid_utf8_at {
            self.diagnostics.push(
                Diagnostic::warning(Span::new(id, offset, offset + 1), "the file is not valid UTF-8 from here on")
                    .with_note("invalid bytes are read as U+FFFD; inside a string literal that changes its value"),
            );
        }
        self.by_identity.insert(identity, id);
        let document = parser::parse(id, self.files.sources.get(id).text(), self.diagnostics);
        self.files.documents.push(document);
        self.files.includes.push(Vec::new());
        self.state.push(VisitState::Unvisited);
        Ok(id)
    }

    /// Two different included files with the same name (`a/common.thrift`,
    /// `b/common.thrift`) are both `common.` in the including file; the first one wins.
    fn warn_same_name(&mut self, earlier: &[Option<FileId>], target: FileId, span: Span) {
        let sources = &self.files.sources;
        let stem = crate::resolve::file_stem(sources.get(target).path());
        let first = earlier
            .iter()
            .flatten()
            .find(|&&f| f != target && crate::resolve::file_stem(sources.get(f).path()) == stem);
        if let Some(&first) = first {
            let message = format!(
                "`{}` and `{}` are both included as `{stem}`; `{stem}.Name` refers to the first",
                sources.get(first).path().display(),
                sources.get(target).path().display(),
            );
            self.diagnostics.push(Diagnostic::warning(span, message));
        }
    }

    /// Loads the includes of `id`, depth first, reporting cycles.
    fn visit(&mut self, id: FileId) {
        if self.state[id.index()] != VisitState::Unvisited {
            return;
        }
        self.state[id.index()] = VisitState::InProgress;
        self.stack.push(id);
        let includes: Vec<(String, Span)> = self.files.documents[id.index()]
            .headers
            .iter()
            .filter_map(|header| match header {
                Header::Include { path, span } => Some((path.clone(), *span)),
                _ => None,
            })
            .collect();
        let mut targets: Vec<Option<FileId>> = Vec::with_capacity(includes.len());
        for (path, span) in includes {
            let target = self.find_include(id, &path, span);
            if let Some(target) = target {
                self.warn_same_name(&targets, target, span);
            }
            if let Some(target) = target {
                match self.state[target.index()] {
                    VisitState::InProgress => self.report_cycle(target, span),
                    VisitState::Unvisited => self.visit(target),
                    VisitState::Done => {}
                }
            }
            targets.push(target);
        }
        self.files.includes[id.index()] = targets;
        self.stack.pop();
        self.state[id.index()] = VisitState::Done;
    }

    fn find_include(&mut self, from: FileId, path: &str, span: Span) -> Option<FileId> {
        let including = self.files.sources.get(from).path().to_path_buf();
        let own_dir = including
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let candidates: Vec<PathBuf> = if Path::new(path).is_absolute() {
            vec![PathBuf::from(path)]
        } else {
            std::iter::once(own_dir)
                .chain(self.request.include_dirs.iter().cloned())
                .map(|dir| dir.join(path))
                .collect()
        };
        for candidate in &candidates {
            let exists = self.request.overlay.contains_key(candidate) || candidate.is_file();
            if !exists {
                continue;
            }
            match self.read(candidate) {
                Ok(id) => return Some(id),
                Err(message) => {
                    self.diagnostics.push(Diagnostic::error(
                        span,
                        format!(
                            "cannot read included file `{}`: {message}",
                            candidate.display()
                        ),
                    ));
                    return None;
                }
            }
        }
        let searched: Vec<String> = candidates.iter().map(|c| c.display().to_string()).collect();
        self.diagnostics.push(
            Diagnostic::error(span, format!("included file `{path}` not found"))
                .with_note(format!("searched: {}", searched.join(", ")))
                .with_note("include paths are relative to the including file's folder, then to each include directory (-I)"),
        );
        None
    }

    fn report_cycle(&mut self, target: FileId, span: Span) {
        let start = self.stack.iter().position(|&f| f == target).unwrap_or(0);
        let mut chain: Vec<String> = self.stack[start..]
            .iter()
            .map(|&f| self.files.sources.get(f).path().display().to_string())
            .collect();
        chain.push(self.files.sources.get(target).path().display().to_string());
        self.diagnostics.push(
            Diagnostic::error(span, "include cycle")
                .with_note(format!("the cycle is {}", chain.join(" -> "))),
        );
    }
}
