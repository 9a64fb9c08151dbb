//! The module pass: where each IDL file's definitions live in Rust.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use thrift_parser::ir::Program;
use thrift_parser::source::FileId;

use crate::names::module_name;
use crate::options::Config;

/// Where a file's definitions live in Rust.
#[derive(Debug, Clone)]
pub(crate) enum ModulePath {
    /// Generated here, at this module path below the include point.
    Local(Vec<String>),
    /// Generated elsewhere (`extern_path`): this absolute Rust path.
    Extern(TokenStream),
}

/// The module of every file (by [`FileId::index`]): its file name, or its `namespace rs`, or
/// the Rust path `extern_path` gives it. Two files that would share a module (same name in
/// different folders) get distinct ones.
pub(crate) fn assign(program: &Program, config: &Config) -> Vec<ModulePath> {
    let mut used: HashSet<Vec<String>> = HashSet::new();
    // Visit files in path order so that a clash is resolved the same way every build.
    let mut order: Vec<FileId> = program.files.iter().map(|f| f.id).collect();
    order.sort_by(|a, b| program.path(*a).cmp(program.path(*b)));
    let mut modules = vec![ModulePath::Local(Vec::new()); program.files.len()];
    for file in order {
        let name = &program.file(file).name;
        if let Some(rust_path) = config.extern_path_for(name) {
            modules[file.index()] = ModulePath::Extern(rust_path);
            continue;
        }
        let mut path: Vec<String> = match program.namespace(file, "rs") {
            Some(ns) if !ns.is_empty() => ns.split('.').map(module_name).collect(),
            _ => vec![module_name(name)],
        };
        while used.contains(&path) {
            path.last_mut()
                .expect("module paths are not empty")
                .push('_');
        }
        used.insert(path.clone());
        modules[file.index()] = ModulePath::Local(path);
    }
    modules
}
