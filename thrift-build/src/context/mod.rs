//! [`Context`]: everything decided about a [`Program`] before any code is emitted.
//!
//! Each decision is a pass of its own, run once, in order (a later pass may read the results
//! of the earlier ones), in the manner of prost-build's ident and message-graph passes:
//!
//! 1. [`modules`]: where each IDL file's module sits (its file name, or `namespace rs`), or
//!    which Rust path replaces it (`extern_path`);
//! 2. [`naming`]: every Rust name (types, fields, variants, constants, parameters, result
//!    fields, handler traits, processors, clients and their methods), unique where it must be;
//! 3. [`boxing`]: which struct fields need a `Box` (only where by-value fields form a cycle);
//! 4. [`derives`]: which traits each struct, union, exception and wire struct derives, which
//!    depends on its fields, recursively.
//!
//! The emitters in `codegen` only read the context; none of them names or decides anything.
//! [`required_cycles`] finds the structs that can never be built, for a warning.

mod boxing;
mod derives;
mod modules;
mod naming;
mod required_cycles;

use std::collections::{BTreeMap, HashSet};

use thrift_parser::Diagnostics;
use thrift_parser::ir::{DefId, Program, Type};
use thrift_parser::source::FileId;

pub(crate) use derives::{Caps, DefaultImpl, Derives, WireDerives, is_type_default};
pub(crate) use modules::ModulePath;
pub(crate) use naming::{FunctionNames, Names, ServiceNames, service_chain};

/// The decisions code generation works from.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub(crate) program: &'a Program,
    pub(crate) config: &'a crate::options::Config,
    /// Per file (by [`FileId::index`]).
    pub(crate) modules: Vec<ModulePath>,
    pub(crate) names: Names,
    /// `(struct, field index)` pairs stored as `Box<T>`.
    pub(crate) boxed: HashSet<(DefId, usize)>,
    /// Struct-like definitions used (directly or inside another) as a set element or map key.
    /// Their `double`s are `OrderedF64`, so they can be `Ord` and `Hash`.
    pub(crate) key_structs: HashSet<DefId>,
    pub(crate) derives: Derives,
}

impl<'a> Context<'a> {
    /// Runs every pass over `program`.
    pub(crate) fn new(program: &'a Program, config: &'a crate::options::Config) -> Context<'a> {
        let mut cx = Context {
            program,
            config,
            modules: modules::assign(program, config),
            names: naming::assign(program, |file| config.keeps_unknown_fields(file)),
            boxed: boxing::boxed_fields(program),
            key_structs: derives::key_structs(program),
            derives: Derives::default(),
        };
        cx.derives = derives::compute(cx.derive_inputs());
        cx
    }

    fn derive_inputs(&self) -> derives::Inputs<'_> {
        derives::Inputs {
            program: self.program,
            collections: self.config.collections,
            boxed: &self.boxed,
            key_structs: &self.key_structs,
        }
    }

    /// What a value of type `ty` (in an ordinary position) can derive.
    pub(crate) fn type_caps(&self, ty: &Type) -> Caps {
        derives::type_caps_in(self.derive_inputs(), &self.derives.caps, ty, false)
    }

    /// True when `ty` is `fd` itself (through typedefs).
    pub(crate) fn is_fd(&self, ty: &Type) -> bool {
        derives::is_fd(self.program, ty)
    }

    /// True when a field of type `ty` has a value to fall back on when it is missing.
    pub(crate) fn type_has_default(&self, ty: &Type) -> bool {
        self.type_caps(ty).default
    }

    /// The Rust name of definition `def` (for a service: its handler trait).
    pub(crate) fn item_name(&self, def: DefId) -> &str {
        &self.names.items[def.index()]
    }

    /// Whether the struct, union or exception `def` keeps unknown fields.
    pub(crate) fn keeps_unknown_fields(&self, def: DefId) -> bool {
        let file = self.program.def(def).file;
        self.config
            .keeps_unknown_fields(&self.program.file(file).name)
    }

    /// The Rust names of the members of `def`: see [`Names::members`].
    pub(crate) fn member_names(&self, def: DefId) -> &[String] {
        &self.names.members[def.index()]
    }

    /// The Rust names of service `def`'s items.
    pub(crate) fn service_names(&self, def: DefId) -> &ServiceNames {
        &self.names.services[&def]
    }

    /// What struct-like `def` derives.
    pub(crate) fn caps(&self, def: DefId) -> Caps {
        self.derives.caps[def.index()]
    }

    /// How struct-like `def` gets `Default`.
    pub(crate) fn default_impl(&self, def: DefId) -> DefaultImpl {
        self.derives.default[def.index()]
    }

    /// What the wire structs of function `index` of service `def` derive.
    pub(crate) fn wire_derives(&self, def: DefId, index: usize) -> WireDerives {
        self.derives.wire[&def][index]
    }

    /// True when field `index` of struct-like `def` is an `Option` (see
    /// [`boxing::is_optional`]).
    pub(crate) fn is_optional(&self, def: DefId, index: usize) -> bool {
        boxing::is_optional(self.program, &self.boxed, def, index)
    }

    /// Warnings about structs no value of which can be built.
    pub(crate) fn required_cycle_warnings(&self) -> Diagnostics {
        required_cycles::warnings(self.program)
    }

    /// The local module path of every generated file, sorted (for the root `mod.rs`).
    pub(crate) fn local_modules(&self) -> BTreeMap<Vec<String>, FileId> {
        self.program
            .files
            .iter()
            .filter_map(|file| match &self.modules[file.id.index()] {
                ModulePath::Local(path) => Some((path.clone(), file.id)),
                ModulePath::Extern(_) => None,
            })
            .collect()
    }
}
