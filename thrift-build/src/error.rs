//! [`Error`]: why code generation failed.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why [`Builder::compile`](crate::Builder::compile) failed.
///
/// `Debug` prints the same text as `Display`, so a build script that calls `.unwrap()` or
/// returns the error from `main` still shows every diagnostic with its file, line and column.
#[non_exhaustive]
pub enum Error {
    /// The IDL files have errors; the text holds every diagnostic, rendered.
    Idl(String),
    /// Reading or writing a file failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The build is misconfigured: no `OUT_DIR` and no output directory given, or an
    /// attribute or extern path that is not valid Rust.
    Config(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Idl(text) => write!(f, "thrift-build: the IDL has errors\n{text}"),
            Error::Io { path, source } => {
                write!(f, "thrift-build: {}: {source}", path.display())
            }
            Error::Config(message) => write!(f, "thrift-build: {message}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
