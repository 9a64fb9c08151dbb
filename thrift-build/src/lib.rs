//! Generate Rust code for Apache Thrift IDL files from a build script, with no external
//! binary.
//!
//! # Getting started
//!
//! Add the runtime as a dependency and this crate as a build dependency:
//!
//! ```toml
//! [dependencies]
//! thrift-rt = "0.1"
//!
//! [build-dependencies]
//! thrift-build = "0.1"
//! ```
//!
//! Compile the IDL in the `main` of `build.rs`:
//!
//! ```no_run
//! thrift_build::compile(&["idl/calculator.thrift"]).unwrap();
//! ```
//!
//! and include the generated code where you want it:
//!
//! ```ignore
//! mod idl {
//!     thrift_rt::include_thrift!();
//! }
//! use idl::calculator::{Calculator, CalculatorClient, CalculatorProcessor, Work};
//! ```
//!
//! Each IDL file (the ones named and every file they include) becomes one module, named after
//! the file (`calculator.thrift` → `calculator`) or after its `namespace rs`. `cargo build`
//! regenerates the code whenever one of these files changes.
//!
//! # What the generated code looks like
//!
//! - A `struct` is a Rust struct with public fields: `optional` fields are `Option`s, the others
//!   plain values that take the IDL default when missing from the wire. `required` fields
//!   missing from the wire are a decode error.
//! - An `exception` is a struct that also implements `Display` and `std::error::Error`.
//! - A `union` is a Rust enum, plus an `Unknown(id)` variant for fields from a newer peer.
//! - An `enum` is an open newtype, `pub struct Color(pub i32)`, with `Color::RED`-style
//!   constants, so values from a newer peer survive a round trip.
//! - A `typedef` is a type alias; a `const` a `pub const` (or a lazily built `static` for
//!   containers and structs).
//! - A `service Calc` gives a handler trait `Calc`, a `CalcProcessor` that serves it, a
//!   `CalcClient`, and for each function that declares exceptions an error enum
//!   (`CalcDivideError`) with one variant per exception.
//!
//! Everything implements `thrift_rt::WriteThrift` and `thrift_rt::ReadThrift`, so any protocol
//! can encode it. ARCHITECTURE.md in the repository has the full mapping.
//!
//! # Options
//!
//! [`Builder`] sets include directories, the output directory, extra attributes (e.g. serde
//! derives), extern paths, the collection and binary types, and turns clients and servers on
//! or off.
//!
//! # Errors
//!
//! IDL errors are collected, not stopped at: [`Error`] holds every diagnostic with its
//! `file:line:column` and source line, and its `Debug` prints them, so `.unwrap()` in a build
//! script gives a readable failure.

// The crate's parts, in the order a build runs through them: the options the user sets, the
// pipeline that loads the IDL, the decisions made once over the whole program, the emitters
// that only read those decisions, and the writing of the files.
mod builder;
mod options;

mod driver;

mod context;
mod names;
mod types;

mod codegen;

mod error;
mod output;

pub use builder::Builder;
pub use driver::Generated;
pub use error::Error;
pub use options::{BinaryType, Collections, StringType};

/// Generates code for `files` (and their includes) into `OUT_DIR` with default options, and
/// tells cargo to rerun the build script when any of them changes.
///
/// # Errors
///
/// See [`Builder::compile`].
pub fn compile(files: &[impl AsRef<std::path::Path>]) -> Result<(), Error> {
    Builder::new().compile(files)
}
