//! The options of code generation ([`Config`]), as [`Builder`](crate::Builder) sets them, and
//! the checks and selectors over them.

use std::path::PathBuf;

use proc_macro2::TokenStream;

use crate::error::Error;

/// Which Rust collections `set<T>` and `map<K, V>` become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Collections {
    /// `BTreeSet` / `BTreeMap`: ordered, deterministic iteration; generated types can derive
    /// `Hash` and `Ord`. The default.
    #[default]
    BTree,
    /// `HashSet` / `HashMap`: faster lookups; types holding them cannot derive `Hash` or `Ord`.
    Hash,
}

/// Which Rust type `binary` becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BinaryType {
    /// `Vec<u8>`. The default.
    #[default]
    Vec,
    /// `bytes::Bytes` (re-exported as `thrift_rt::bytes::Bytes`): decoding from a `Bytes`
    /// buffer slices it instead of copying.
    Bytes,
}

/// Which Rust type `string` becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StringType {
    /// `String`. The default.
    #[default]
    String,
    /// `thrift_rt::BytesStr`: a UTF-8 string sharing a `Bytes` buffer. Decoding from a
    /// `Bytes` buffer (`thrift_rt::transport::BytesSource`) slices it instead of allocating
    /// a `String` per string, which on messages of many short strings is most of the
    /// decoding time. It dereferences to `str`.
    BytesStr,
}

/// The options, in one place; [`Builder`](crate::Builder) sets them.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) include_dirs: Vec<PathBuf>,
    pub(crate) out_dir: Option<PathBuf>,
    pub(crate) type_attributes: Vec<(String, String)>,
    pub(crate) field_attributes: Vec<(String, String)>,
    pub(crate) extern_paths: Vec<(String, String)>,
    pub(crate) collections: Collections,
    pub(crate) binary: BinaryType,
    pub(crate) string: StringType,
    pub(crate) client: bool,
    pub(crate) server: bool,
    pub(crate) emit_rerun_if_changed: bool,
    pub(crate) keep_unknown_fields: bool,
    /// Files (`name` of `name.thrift`) whose types keep unknown fields.
    pub(crate) keep_unknown_files: Vec<String>,
}

impl Config {
    /// The output directory: the one configured, else `OUT_DIR` (`env_out_dir`).
    pub(crate) fn out_dir(
        &self,
        env_out_dir: Option<std::ffi::OsString>,
    ) -> Result<PathBuf, Error> {
        match (&self.out_dir, env_out_dir) {
            (Some(dir), _) => Ok(dir.clone()),
            (None, Some(dir)) => Ok(PathBuf::from(dir)),
            (None, None) => Err(Error::Config(
                "OUT_DIR is not set: call compile from a build script, or set out_dir".to_string(),
            )),
        }
    }

    /// The Rust path replacing IDL file `file_name`, if `extern_path` named it.
    pub(crate) fn extern_path_for(&self, file_name: &str) -> Option<TokenStream> {
        self.extern_paths
            .iter()
            .find(|(idl, _)| idl == file_name)
            .and_then(|(_, rust)| rust.parse().ok())
    }

    /// Whether the structs, unions and exceptions of IDL file `file` keep unknown fields.
    pub(crate) fn keeps_unknown_fields(&self, file: &str) -> bool {
        self.keep_unknown_fields || self.keep_unknown_files.iter().any(|f| f == file)
    }

    /// The attributes `type_attribute` gave type `name` of file `file`.
    pub(crate) fn type_attributes_for(&self, file: &str, name: &str) -> Vec<TokenStream> {
        select(&self.type_attributes, |path| {
            path == "." || path == name || path == format!("{file}.{name}")
        })
    }

    /// The attributes `field_attribute` gave field `field` of type `name` in file `file`.
    pub(crate) fn field_attributes_for(
        &self,
        file: &str,
        name: &str,
        field: &str,
    ) -> Vec<TokenStream> {
        select(&self.field_attributes, |path| {
            path == "."
                || path == format!("{name}.{field}")
                || path == format!("{file}.{name}.{field}")
        })
    }

    /// The options whose selector matched nothing in `program`: probably a typo, worth a
    /// warning.
    pub(crate) fn unmatched(&self, program: &thrift_parser::Program) -> Vec<String> {
        use thrift_parser::ir::DefKind;
        let mut types = Vec::new();
        let mut fields = Vec::new();
        for def in &program.defs {
            let file = &program.file(def.file).name;
            match &def.kind {
                DefKind::Struct(s) => {
                    types.push((file.as_str(), def.name.as_str()));
                    for field in &s.fields {
                        fields.push((file.as_str(), def.name.as_str(), field.name.as_str()));
                    }
                }
                DefKind::Enum(_) => types.push((file.as_str(), def.name.as_str())),
                _ => {}
            }
        }
        let mut unmatched = Vec::new();
        for (path, _) in &self.type_attributes {
            let hit = types
                .iter()
                .any(|(f, n)| path == "." || path == n || *path == format!("{f}.{n}"));
            if !hit {
                unmatched.push(format!("type_attribute(\"{path}\", …) matches no type"));
            }
        }
        for (path, _) in &self.field_attributes {
            let hit = fields.iter().any(|(f, n, x)| {
                path == "." || *path == format!("{n}.{x}") || *path == format!("{f}.{n}.{x}")
            });
            if !hit {
                unmatched.push(format!("field_attribute(\"{path}\", …) matches no field"));
            }
        }
        for (idl, _) in &self.extern_paths {
            if !program.files.iter().any(|f| f.name == *idl) {
                unmatched.push(format!(
                    "extern_path(\"{idl}\", …) names no IDL file that was read"
                ));
            }
        }
        for idl in &self.keep_unknown_files {
            if !program.files.iter().any(|f| f.name == *idl) {
                unmatched.push(format!(
                    "keep_unknown_fields_in(\"{idl}\") names no IDL file that was read"
                ));
            }
        }
        for dir in &self.include_dirs {
            if !dir.is_dir() {
                unmatched.push(format!("include_dir({}) is not a directory", dir.display()));
            }
        }
        unmatched
    }

    /// Checks that every attribute and extern path parses as Rust.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let attributes = self.type_attributes.iter().chain(&self.field_attributes);
        for (path, attribute) in attributes {
            let parsed = attribute
                .parse::<TokenStream>()
                .ok()
                .and_then(|tokens| syn::parse2::<AttributeList>(tokens).ok());
            if parsed.is_none() {
                return Err(Error::Config(format!(
                    "the attribute `{attribute}` for `{path}` is not a Rust attribute like `#[derive(Hash)]`"
                )));
            }
        }
        for (idl, rust) in &self.extern_paths {
            if rust
                .parse::<TokenStream>()
                .ok()
                .and_then(|t| syn::parse2::<syn::Path>(t).ok())
                .is_none()
            {
                return Err(Error::Config(format!(
                    "the extern path `{rust}` for `{idl}` is not a Rust path"
                )));
            }
        }
        Ok(())
    }
}

fn select(entries: &[(String, String)], matches: impl Fn(&str) -> bool) -> Vec<TokenStream> {
    entries
        .iter()
        .filter(|(path, _)| matches(path))
        .filter_map(|(_, attribute)| attribute.parse().ok())
        .collect()
}

/// One or more outer attributes, for validating user input.
struct AttributeList;

impl syn::parse::Parse for AttributeList {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let attributes = syn::Attribute::parse_outer(input)?;
        if attributes.is_empty() || !input.is_empty() {
            return Err(input.error("expected attributes"));
        }
        Ok(AttributeList)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builder;

    fn config(builder: &mut Builder) -> Config {
        builder.config().clone()
    }

    #[test]
    fn out_dir_is_the_configured_one_then_out_dir_else_an_error() {
        let mut builder = Builder::new();
        let err = config(&mut builder).out_dir(None).unwrap_err();
        assert!(err.to_string().contains("OUT_DIR is not set"), "{err}");
        let from_env = config(&mut builder).out_dir(Some("/env".into())).unwrap();
        assert_eq!(from_env, PathBuf::from("/env"));
        builder.out_dir("/mine");
        let configured = config(&mut builder).out_dir(Some("/env".into())).unwrap();
        assert_eq!(configured, PathBuf::from("/mine"));
    }

    #[test]
    fn attributes_and_extern_paths_must_be_rust() {
        let check = |builder: &mut Builder| config(builder).validate().map_err(|e| e.to_string());
        assert!(check(Builder::new().type_attribute(".", "#[derive(Hash)]")).is_ok());
        let err = check(Builder::new().type_attribute("User", "derive(Hash)")).unwrap_err();
        assert!(
            err.contains("`derive(Hash)` for `User` is not a Rust attribute"),
            "{err}"
        );
        let err = check(Builder::new().field_attribute("User.id", "#[serde(")).unwrap_err();
        assert!(
            err.contains("for `User.id` is not a Rust attribute"),
            "{err}"
        );
        let err = check(Builder::new().extern_path("common", "not a path")).unwrap_err();
        assert!(
            err.contains("`not a path` for `common` is not a Rust path"),
            "{err}"
        );
    }

    #[test]
    fn options_that_match_nothing_are_reported() {
        let loaded = thrift_parser::load_str(
            "shop.thrift",
            "struct User { 1: i32 id }\nenum Color { RED }\n",
        );
        let program = loaded.into_result().unwrap();
        let mut builder = Builder::new();
        builder
            .type_attribute("User", "#[derive(Hash)]")
            .type_attribute("shop.Color", "#[derive(Hash)]")
            .type_attribute("Nope", "#[derive(Hash)]")
            .field_attribute("User.id", "#[doc = \"x\"]")
            .field_attribute("shop.User.name", "#[doc = \"x\"]")
            .extern_path("shop", "::a::shop")
            .extern_path("other", "::a::other")
            .include_dir("/no/such/dir");
        let unmatched = config(&mut builder).unmatched(&program);
        assert_eq!(
            unmatched,
            [
                "type_attribute(\"Nope\", …) matches no type",
                "field_attribute(\"shop.User.name\", …) matches no field",
                "extern_path(\"other\", …) names no IDL file that was read",
                "include_dir(/no/such/dir) is not a directory",
            ]
        );
    }
}
