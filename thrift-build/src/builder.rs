//! [`Builder`]: the public face of the crate. It collects options into a [`Config`] and hands
//! it to the [`driver`](crate::driver), which does the work.

use std::path::Path;

use crate::driver::Generated;
use crate::error::Error;
use crate::options::{BinaryType, Collections, Config, StringType};

/// Configures and runs code generation, in the manner of `prost_build::Config`.
///
/// ```no_run
/// // In build.rs:
/// thrift_build::Builder::new()
///     .include_dir("idl/vendor")
///     .type_attribute(".", "#[derive(serde::Serialize)]")
///     .collections(thrift_build::Collections::Hash)
///     .client(true)
///     .server(false)
///     .compile(&["idl/svc.thrift"])
///     .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    config: Config,
}

impl Builder {
    /// The options collected so far (for the option checks' unit tests).
    #[cfg(test)]
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// Default options: output to `OUT_DIR`, `BTreeMap`/`BTreeSet`, `String`, `Vec<u8>`, clients and
    /// servers, `cargo:rerun-if-changed` lines.
    pub fn new() -> Self {
        Self {
            config: Config {
                include_dirs: Vec::new(),
                out_dir: None,
                type_attributes: Vec::new(),
                field_attributes: Vec::new(),
                extern_paths: Vec::new(),
                collections: Collections::BTree,
                binary: BinaryType::Vec,
                string: StringType::String,
                client: true,
                server: true,
                emit_rerun_if_changed: true,
                keep_unknown_fields: false,
                keep_unknown_files: Vec::new(),
            },
        }
    }

    /// Adds a directory to search for included files, after the including file's own
    /// directory. Directories are searched in the order added.
    pub fn include_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.config.include_dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// Writes the generated files to `dir` instead of `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.config.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Adds an attribute (e.g. `#[derive(serde::Serialize)]`) to generated types.
    ///
    /// `path` selects the types: `"."` all of them, `"Name"` every type called `Name` (its IDL
    /// name), `"file.Name"` the one in `file.thrift`. Structs, unions, exceptions and enums
    /// get the attribute.
    pub fn type_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.config
            .type_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Adds an attribute to generated struct fields (or union variants).
    ///
    /// `path` selects the fields: `"."` all of them, `"Name.field"`, or `"file.Name.field"`.
    pub fn field_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.config
            .field_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Uses types generated elsewhere (another crate) instead of generating them.
    ///
    /// `idl_path` names an IDL file by the name other files include it as (`"shared"` for
    /// `shared.thrift`); `rust_path` is the module holding its generated code, e.g.
    /// `"::common_types::shared"`. No code is generated for that file, and references to its
    /// definitions use `rust_path`. The other crate must generate it with the same options.
    pub fn extern_path(
        &mut self,
        idl_path: impl Into<String>,
        rust_path: impl Into<String>,
    ) -> &mut Self {
        self.config
            .extern_paths
            .push((idl_path.into(), rust_path.into()));
        self
    }

    /// Chooses `BTreeMap`/`BTreeSet` (default) or `HashMap`/`HashSet`.
    pub fn collections(&mut self, collections: Collections) -> &mut Self {
        self.config.collections = collections;
        self
    }

    /// Chooses `Vec<u8>` (default) or `Bytes` for `binary`.
    pub fn binary_type(&mut self, binary: BinaryType) -> &mut Self {
        self.config.binary = binary;
        self
    }

    /// Chooses `String` (default) or [`thrift_rt::BytesStr`] for `string`.
    ///
    /// [`thrift_rt::BytesStr`]: https://docs.rs/thrift-rt/latest/thrift_rt/struct.BytesStr.html
    pub fn string_type(&mut self, string: StringType) -> &mut Self {
        self.config.string = string;
        self
    }

    /// Generates clients for services (default: on).
    pub fn client(&mut self, on: bool) -> &mut Self {
        self.config.client = on;
        self
    }

    /// Generates handler traits and processors for services (default: on).
    pub fn server(&mut self, on: bool) -> &mut Self {
        self.config.server = on;
        self
    }

    /// Keeps the fields a struct, union or exception does not know (sent by a peer with a
    /// newer IDL) and writes them back (default: off).
    ///
    /// When on, every generated struct and exception gets a field
    /// `pub unknown_fields: thrift_rt::UnknownFields` (the name is reserved: an IDL field
    /// called `unknown_fields` becomes `unknown_fields_`), and a union's `Unknown` variant
    /// holds `thrift_rt::UnknownFields` instead of the field id. Decoding keeps each unknown
    /// field's encoded value and its position among the known fields; encoding writes it back
    /// at that position, so a struct read and written again in the same protocol gives the
    /// same bytes.
    ///
    /// - Binary and compact keep the bytes as read. Written in the same protocol they are
    ///   copied unchanged; written in the other one they are transcoded (both protocols can
    ///   be read without a schema), so nothing is lost.
    /// - JSON keeps nothing and writes nothing: Apache's JSON protocol encodes `string` and
    ///   `binary` differently under one type tag, so a value cannot be read or written without
    ///   its schema. A struct read from JSON has no unknown fields, and unknown fields read
    ///   from binary or compact are dropped when written as JSON.
    ///
    /// When off, the generated code is exactly what it is without this option: no field, no
    /// extra work.
    ///
    /// A field whose id is known but whose wire type is not the one the IDL gives is still
    /// skipped, as without the option (keeping it would send two fields with one id).
    /// [`keep_unknown_fields_in`](Self::keep_unknown_fields_in) turns the option on for the
    /// types of one IDL file only.
    pub fn keep_unknown_fields(&mut self, on: bool) -> &mut Self {
        self.config.keep_unknown_fields = on;
        self
    }

    /// Keeps unknown fields (see [`keep_unknown_fields`](Self::keep_unknown_fields)) in the
    /// structs, unions and exceptions of IDL file `file` (`"shared"` for `shared.thrift`,
    /// wherever it was found). Call it once per file.
    pub fn keep_unknown_fields_in(&mut self, file: impl Into<String>) -> &mut Self {
        self.config.keep_unknown_files.push(file.into());
        self
    }

    /// Prints `cargo:rerun-if-changed=` for every IDL file read (default: on). Turn it off
    /// outside build scripts.
    pub fn emit_rerun_if_changed(&mut self, on: bool) -> &mut Self {
        self.config.emit_rerun_if_changed = on;
        self
    }

    /// Generates code for `files` (and every file they include) and writes it to the output
    /// directory: one `<module>.rs` per IDL file and a `mod.rs` that declares them all
    /// (include it with `thrift_rt::include_thrift!()`). Files are only rewritten when their
    /// content changes.
    ///
    /// # Errors
    ///
    /// [`Error::Idl`] with every diagnostic when the IDL (or an option) is wrong,
    /// [`Error::Io`] when a file cannot be written, [`Error::Config`] when there is no output
    /// directory.
    pub fn compile(&self, files: &[impl AsRef<Path>]) -> Result<(), Error> {
        let out_dir = self.config.out_dir(std::env::var_os("OUT_DIR"))?;
        let generated = self.generate(files)?;
        if self.config.emit_rerun_if_changed {
            for input in &generated.inputs {
                println!("cargo:rerun-if-changed={}", input.display());
            }
        }
        crate::output::write_all(&out_dir, &generated.files)
    }

    /// Generates code for `files` without writing anything: the output file names and their
    /// contents, and the IDL files read.
    ///
    /// # Errors
    ///
    /// [`Error::Idl`] with every diagnostic when the IDL (or an option) is wrong.
    pub fn generate(&self, files: &[impl AsRef<Path>]) -> Result<Generated, Error> {
        crate::driver::generate(&self.config, files)
    }
}
