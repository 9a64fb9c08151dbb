//! Diagnostics: plain data while the front end runs, rendered text at the end.
//!
//! Every phase pushes [`Diagnostic`]s instead of stopping at the first problem, so one run
//! reports everything wrong with a file. Rendering puts `file:line:column` first on the line,
//! the way compilers and editors expect, then the source line and a caret under the problem.

use std::fmt::{self, Write as _};

use crate::source::{SourceMap, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The input is accepted, but something deserves attention (deprecated forms, auto ids).
    Warning,
    /// The input is rejected.
    Error,
}

/// A span with an optional message of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it; may be empty.
    pub message: String,
}

/// One problem found in the IDL.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line, lowercase, naming the thing ("field id 3 is used twice in struct `User`").
    pub message: String,
    /// The place the message is about; `None` only for problems with no place (a missing root file).
    pub primary: Option<Label>,
    /// Related places ("first used here").
    pub secondary: Vec<Label>,
    /// Extra lines of explanation or advice.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, Some(span), message.into())
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, Some(span), message.into())
    }

    /// An error that belongs to no place in any file.
    pub fn error_without_span(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, None, message.into())
    }

    fn new(severity: Severity, span: Option<Span>, message: String) -> Diagnostic {
        Diagnostic {
            severity,
            message,
            primary: span.map(|span| Label {
                span,
                message: String::new(),
            }),
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a related place.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders this diagnostic: `file:line:col: error: message`, then the source line with a caret.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.primary {
            Some(label) => {
                let _ = writeln!(
                    out,
                    "{}: {kind}: {}",
                    location(sources, label.span),
                    self.message
                );
                render_snippet(&mut out, sources, label);
            }
            None => {
                let _ = writeln!(out, "{kind}: {}", self.message);
            }
        }
        for label in &self.secondary {
            let _ = writeln!(
                out,
                "{}: note: {}",
                location(sources, label.span),
                label.message
            );
            render_snippet(
                &mut out,
                sources,
                &Label {
                    span: label.span,
                    message: String::new(),
                },
            );
        }
        for note in &self.notes {
            let _ = writeln!(out, "  = note: {note}");
        }
        out
    }
}

/// `path:line:column` of the start of `span`.
pub fn location(sources: &SourceMap, span: Span) -> String {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start);
    format!("{}:{line}:{column}", file.path().display())
}

fn render_snippet(out: &mut String, sources: &SourceMap, label: &Label) {
    let file = sources.get(label.span.file);
    let (line, column) = file.line_col(label.span.start);
    let text = file.line_text(line);
    let (end_line, end_column) = file.line_col(label.span.end);
    // Underline the whole span when it stays on one line, else just its first character.
    let width = if end_line == line && end_column > column {
        end_column - column
    } else {
        1
    };
    // Show at most a window of the line around the problem, so a huge one-line file cannot
    // turn each diagnostic into megabytes of output.
    const WINDOW: usize = 100;
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let first = (column - 1).saturating_sub(WINDOW / 2).min(chars.len());
    let last = (first + WINDOW).min(chars.len());
    let prefix = if first > 0 { "…" } else { "" };
    let suffix = if last < chars.len() { "…" } else { "" };
    let shown: String = chars[first..last].iter().collect();
    let caret_at = column - 1 - first + prefix.chars().count();
    let width = width.min(WINDOW);
    let gutter = line.to_string().len();
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{line} | {prefix}{shown}{suffix}");
    let _ = writeln!(
        out,
        "{:gutter$} | {}{}",
        "",
        " ".repeat(caret_at),
        "^".repeat(width)
    );
}

/// The diagnostics of one run, in the order they were found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No diagnostics yet.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Records one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// True when at least one error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Every diagnostic, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// The number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Renders every diagnostic, sorted by file and position, errors and warnings interleaved.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut sorted: Vec<&Diagnostic> = self.items.iter().collect();
        sorted.sort_by_key(|d| d.primary.as_ref().map(|l| (l.span.file, l.span.start)));
        sorted.iter().map(|d| d.render(sources)).collect()
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.items.extend(iter);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Diagnostics already rendered against their sources: what a failed load returns.
///
/// Its `Debug` is the rendered text, so a build script that calls `.unwrap()` on a failed load
/// still prints readable `file:line:column` messages.
#[derive(Clone, PartialEq)]
pub struct Rendered {
    /// The diagnostics as data.
    pub diagnostics: Diagnostics,
    /// The diagnostics as text.
    pub text: String,
}

impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\n")?;
        f.write_str(&self.text)
    }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Rendered {}
