//! Per-file symbol tables: what each name means inside one file.
//!
//! As in Apache Thrift, a file sees its own definitions by bare name (`User`, `Color.RED`) and
//! the definitions of the files it includes *directly* by `<file name>.<name>`
//! (`shared.User`, `shared.Color.RED`). Types, services and constants live in separate tables,
//! so a constant may share a name with a type.

use std::collections::HashMap;

use super::ir::DefId;

/// What a constant-like name refers to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum ConstSymbol {
    /// A `const` definition.
    Const(DefId),
    /// Value number `index` of an enum.
    EnumValue(DefId, usize),
}

#[derive(Debug, Default)]
pub(super) struct Scope {
    pub(super) types: HashMap<String, DefId>,
    pub(super) services: HashMap<String, DefId>,
    pub(super) consts: HashMap<String, ConstSymbol>,
    /// The prefixes (`file.`) of the includes that could not be loaded. Their error is
    /// already reported; the names they would have defined are not reported again.
    pub(super) missing: Vec<String>,
}

/// The names one file exports: filled for each file, then copied into the scopes of the
/// file itself (bare) and of its includers (prefixed).
#[derive(Debug, Default)]
pub(super) struct Exports {
    pub(super) types: Vec<(String, DefId)>,
    pub(super) services: Vec<(String, DefId)>,
    pub(super) consts: Vec<(String, ConstSymbol)>,
}

impl Scope {
    /// True when `name` is qualified by an include that could not be loaded (`missing.Type`).
    pub(super) fn is_from_missing_include(&self, name: &str) -> bool {
        self.missing
            .iter()
            .any(|prefix| name.starts_with(prefix.as_str()))
    }

    /// Adds `exports` under `prefix` (empty for the file's own names). Earlier entries win,
    /// so a duplicate definition does not shadow the first one.
    pub(super) fn add(&mut self, prefix: &str, exports: &Exports) {
        for (name, id) in &exports.types {
            self.types.entry(format!("{prefix}{name}")).or_insert(*id);
        }
        for (name, id) in &exports.services {
            self.services
                .entry(format!("{prefix}{name}"))
                .or_insert(*id);
        }
        for (name, symbol) in &exports.consts {
            self.consts
                .entry(format!("{prefix}{name}"))
                .or_insert(*symbol);
        }
    }
}
