//! [`Context`]: everything decided about a [`Program`] before any code is emitted.
//!
//! - where each IDL file's module sits (its file name, or `namespace rs`), or which Rust path
//!   replaces it (`extern_path`);
//! - the Rust name of every definition, unique within its module;
//! - which struct fields need a `Box` (only where by-value fields form a cycle);
//! - which traits each struct, union and exception can derive (`Clone` and `PartialEq` unless
//!   it can hold a file descriptor, `Eq`, `Hash`, `Ord`, `Default`), which depends on its
//!   fields, recursively.

use std::collections::{BTreeMap, HashMap, HashSet};

use proc_macro2::TokenStream;
use thrift_parser::ir::{BaseType, DefId, DefKind, Program, Requiredness, StructKind, Type};
use thrift_parser::source::FileId;
use thrift_parser::{Diagnostic, Diagnostics};

use crate::config::{Collections, Config};
use crate::names::{Scope, camel_case, module_name, shouty_case, snake_case};

/// Names the generator itself puts in every module.
const RESERVED_ITEMS: &[&str] = &["_rt"];

/// Where a file's definitions live in Rust.
#[derive(Debug, Clone)]
pub(crate) enum ModulePath {
    /// Generated here, at this module path below the include point.
    Local(Vec<String>),
    /// Generated elsewhere (`extern_path`): this absolute Rust path.
    Extern(TokenStream),
}

/// The Rust names of one service's items.
#[derive(Debug, Clone)]
pub(crate) struct ServiceNames {
    /// The handler trait (the service's own name).
    pub(crate) handler: String,
    /// `{Service}Processor`.
    pub(crate) processor: String,
    /// `{Service}Client`.
    pub(crate) client: String,
    /// Per own function, in IDL order.
    pub(crate) functions: Vec<FunctionNames>,
}

/// The Rust names of one service function.
#[derive(Debug, Clone)]
pub(crate) struct FunctionNames {
    /// The handler method (snake case).
    pub(crate) method: String,
    /// `{Service}{Method}Error`, for functions that declare exceptions.
    pub(crate) error: Option<String>,
    /// The argument struct (hidden).
    pub(crate) args: String,
    /// The result struct (hidden; not for oneway functions).
    pub(crate) result: String,
}

/// Which traits a type can derive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Caps {
    /// It cannot hold a file descriptor (`OwnedFd` is neither `Clone` nor `PartialEq`), so it
    /// derives `Clone` and `PartialEq`. A type that can hold one derives only `Debug`.
    pub(crate) no_fds: bool,
    pub(crate) eq: bool,
    pub(crate) hash: bool,
    pub(crate) ord: bool,
    pub(crate) default: bool,
}

impl Caps {
    const ALL: Caps = Caps {
        no_fds: true,
        eq: true,
        hash: true,
        ord: true,
        default: true,
    };

    /// What a file descriptor allows: nothing but `Debug`.
    pub(crate) const FD: Caps = Caps {
        no_fds: false,
        eq: false,
        hash: false,
        ord: false,
        default: false,
    };

    fn and(self, other: Caps) -> Caps {
        Caps {
            no_fds: self.no_fds && other.no_fds,
            eq: self.eq && other.eq,
            hash: self.hash && other.hash,
            ord: self.ord && other.ord,
            default: self.default && other.default,
        }
    }
}

/// The decisions code generation works from.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub(crate) program: &'a Program,
    pub(crate) config: &'a Config,
    /// Per file (by [`FileId::index`]).
    pub(crate) modules: Vec<ModulePath>,
    /// Per definition (by [`DefId::index`]): the Rust item name (for services: the handler
    /// trait).
    pub(crate) names: Vec<String>,
    pub(crate) services: HashMap<DefId, ServiceNames>,
    /// `(struct, field index)` pairs stored as `Box<T>`.
    pub(crate) boxed: HashSet<(DefId, usize)>,
    /// Per definition: what a struct-like definition can derive (others: unused).
    pub(crate) caps: Vec<Caps>,
    /// Struct-like definitions used (directly or inside another) as a set element or map key.
    /// Their `double`s are `OrderedF64`, so they can be `Ord` and `Hash`.
    pub(crate) key_structs: HashSet<DefId>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(program: &'a Program, config: &'a Config) -> Context<'a> {
        let mut cx = Context {
            program,
            config,
            modules: Vec::new(),
            names: vec![String::new(); program.defs.len()],
            services: HashMap::new(),
            boxed: HashSet::new(),
            caps: vec![Caps::ALL; program.defs.len()],
            key_structs: HashSet::new(),
        };
        cx.assign_modules();
        cx.assign_names();
        cx.find_boxed_fields();
        cx.find_key_structs();
        cx.compute_caps();
        cx
    }

    fn assign_modules(&mut self) {
        let mut used: HashSet<Vec<String>> = HashSet::new();
        // Visit files in path order so that a clash is resolved the same way every build.
        let mut order: Vec<FileId> = self.program.files.iter().map(|f| f.id).collect();
        order.sort_by(|a, b| self.program.path(*a).cmp(self.program.path(*b)));
        let mut modules = vec![ModulePath::Local(Vec::new()); self.program.files.len()];
        for file in order {
            let name = &self.program.file(file).name;
            if let Some(rust_path) = self.config.extern_path_for(name) {
                modules[file.index()] = ModulePath::Extern(rust_path);
                continue;
            }
            let mut path: Vec<String> = match self.program.namespace(file, "rs") {
                Some(ns) if !ns.is_empty() => ns.split('.').map(module_name).collect(),
                _ => vec![module_name(name)],
            };
            // Two files (in different folders) may have the same name.
            while used.contains(&path) {
                path.last_mut()
                    .expect("module paths are not empty")
                    .push('_');
            }
            used.insert(path.clone());
            modules[file.index()] = ModulePath::Local(path);
        }
        self.modules = modules;
    }

    fn assign_names(&mut self) {
        let program = self.program;
        for file in &program.files {
            let mut scope = Scope::with_reserved(RESERVED_ITEMS);
            // Types and constants first, so IDL names win over names we derive.
            for &def_id in &file.defs {
                let def = program.def(def_id);
                let name = match &def.kind {
                    DefKind::Const(_) => shouty_case(&def.name),
                    DefKind::Service(_) => continue,
                    _ => camel_case(&def.name),
                };
                self.names[def_id.index()] = scope.claim(&name);
            }
            for &def_id in &file.defs {
                let def = program.def(def_id);
                let DefKind::Service(service) = &def.kind else {
                    continue;
                };
                // Derived names grow from the plain name, not from a de-duplicated `Name_`.
                let stem = camel_case(&def.name);
                let handler = scope.claim(&stem);
                let processor = scope.claim(&format!("{stem}Processor"));
                let client = scope.claim(&format!("{stem}Client"));
                let mut methods = Scope::default();
                let functions = service
                    .functions
                    .iter()
                    .map(|function| {
                        let method = methods.claim(&snake_case(&function.name));
                        let stem = format!("{stem}{}", camel_case(&function.name));
                        FunctionNames {
                            method,
                            error: (!function.throws.is_empty())
                                .then(|| scope.claim(&format!("{stem}Error"))),
                            args: scope.claim(&format!("{stem}Args")),
                            result: scope.claim(&format!("{stem}Result")),
                        }
                    })
                    .collect();
                self.names[def_id.index()] = handler.clone();
                self.services.insert(
                    def_id,
                    ServiceNames {
                        handler,
                        processor,
                        client,
                        functions,
                    },
                );
            }
        }
    }

    /// Boxes the fields that close a cycle of by-value struct fields.
    ///
    /// A depth-first search over "struct S holds a T by value" edges (typedefs looked through;
    /// lists, sets and maps already store their elements on the heap) boxes exactly the back
    /// edges, which leaves an acyclic graph. Visiting definitions in IDL order makes the choice
    /// deterministic: in `A { 1: B b }`, `B { 1: A a }`, it is `B.a` that is boxed.
    fn find_boxed_fields(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let program = self.program;
        let mut marks = vec![Mark::New; program.defs.len()];
        for root in program.defs.iter().map(|d| d.id) {
            if marks[root.index()] != Mark::New || by_value_edges(program, root).is_empty() {
                continue;
            }
            // Iterative DFS: (definition, index of the next edge to follow).
            let mut stack = vec![(root, 0usize)];
            marks[root.index()] = Mark::Active;
            while let Some(&mut (def_id, ref mut next)) = stack.last_mut() {
                let edges = by_value_edges(program, def_id);
                if let Some(&(field_index, target)) = edges.get(*next) {
                    *next += 1;
                    match marks[target.index()] {
                        Mark::Active => {
                            self.boxed.insert((def_id, field_index));
                        }
                        Mark::New => {
                            marks[target.index()] = Mark::Active;
                            stack.push((target, 0));
                        }
                        Mark::Done => {}
                    }
                } else {
                    marks[def_id.index()] = Mark::Done;
                    stack.pop();
                }
            }
        }
    }

    /// Warns about structs that can never be built: a cycle of `required` struct fields (a
    /// value would have to contain itself). Unions and optional or default fields break
    /// cycles; they may be left unset.
    ///
    /// Apache Thrift accepts such IDL, so we generate it too: the cycle is boxed like any
    /// other (`find_boxed_fields`), and `compute_caps` gives its types no `Default`, the one
    /// derive that would have to build a value (and would recurse forever). Every other derive
    /// only walks an existing value, and there is none.
    pub(crate) fn required_cycle_warnings(&self) -> Diagnostics {
        let program = self.program;
        let mut diagnostics = Diagnostics::new();
        let required_edges = |def_id: DefId| -> Vec<(usize, DefId)> {
            match &program.def(def_id).kind {
                DefKind::Struct(s) if s.kind != StructKind::Union => {
                    by_value_edges(program, def_id)
                        .into_iter()
                        .filter(|(index, target)| {
                            s.fields[*index].requiredness == Requiredness::Required
                                && matches!(&program.def(*target).kind,
                                DefKind::Struct(t) if t.kind != StructKind::Union)
                        })
                        .collect()
                }
                _ => Vec::new(),
            }
        };
        let mut done = vec![false; program.defs.len()];
        for root in program.defs.iter().map(|d| d.id) {
            if done[root.index()] {
                continue;
            }
            let mut on_stack = vec![root];
            let mut stack = vec![(root, 0usize)];
            while let Some(&mut (def_id, ref mut next)) = stack.last_mut() {
                let edges = required_edges(def_id);
                if let Some(&(index, target)) = edges.get(*next) {
                    *next += 1;
                    if on_stack.contains(&target) {
                        let DefKind::Struct(strukt) = &program.def(def_id).kind else {
                            continue;
                        };
                        let field = &strukt.fields[index];
                        diagnostics.push(
                            Diagnostic::warning(
                                field.span,
                                format!(
                                    "struct `{}` can never be built: its required field `{}` leads back to `{}` through required fields only",
                                    program.def(def_id).name,
                                    field.name,
                                    program.def(target).name
                                ),
                            )
                            .with_note("no value of these structs can be built or decoded; the code is generated without `Default`")
                            .with_note("make one field of the cycle optional"),
                        );
                    } else if !done[target.index()] {
                        on_stack.push(target);
                        stack.push((target, 0));
                    }
                } else {
                    done[def_id.index()] = true;
                    on_stack.retain(|d| *d != def_id);
                    stack.pop();
                }
            }
        }
        diagnostics
    }

    /// Finds the struct-like definitions that end up inside a set element or map key.
    fn find_key_structs(&mut self) {
        let program = self.program;
        let mut key_roots = Vec::new();
        let mut visit_type = |ty: &Type| collect_key_roots(ty, &mut key_roots);
        for def in &program.defs {
            match &def.kind {
                DefKind::Const(c) => visit_type(&c.ty),
                DefKind::Typedef(t) => visit_type(&t.target),
                DefKind::Enum(_) => {}
                DefKind::Struct(s) => s.fields.iter().for_each(|f| visit_type(&f.ty)),
                DefKind::Service(service) => {
                    for function in &service.functions {
                        function.returns.iter().for_each(&mut visit_type);
                        function.params.iter().for_each(|f| visit_type(&f.ty));
                        function.throws.iter().for_each(|f| visit_type(&f.ty));
                    }
                }
            }
        }
        // Everything a key type holds is part of the key too.
        while let Some(ty) = key_roots.pop() {
            match program.true_type(&ty) {
                Type::List(elem) | Type::Set(elem) => key_roots.push((**elem).clone()),
                Type::Map(k, v) => {
                    key_roots.push((**k).clone());
                    key_roots.push((**v).clone());
                }
                Type::Def(def) => {
                    if let DefKind::Struct(strukt) = &program.def(*def).kind {
                        if self.key_structs.insert(*def) {
                            key_roots.extend(strukt.fields.iter().map(|f| f.ty.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Computes [`Caps`] for every struct-like definition.
    ///
    /// "Holds no fd", `Eq`, `Hash` and `Ord` are a greatest fixpoint: start from "everything
    /// derivable" and remove what a field forbids until nothing changes (a recursive type can
    /// derive `Eq` if its other fields can; it holds a descriptor if a field, or a field of a
    /// field, does). `Default` is a least fixpoint: a type has a default only if one can
    /// actually be built, which a required recursive field rules out. A type that can hold a
    /// descriptor has no `Default`, even when its descriptors sit in `Option`s or `Vec`s.
    fn compute_caps(&mut self) {
        let program = self.program;
        for caps in &mut self.caps {
            caps.default = false;
        }
        loop {
            let mut changed = false;
            for def in &program.defs {
                let DefKind::Struct(strukt) = &def.kind else {
                    continue;
                };
                let mut caps = Caps::ALL;
                let key = self.key_structs.contains(&def.id);
                for (index, field) in strukt.fields.iter().enumerate() {
                    let mut field_caps = self.type_caps_in(&field.ty, key);
                    if self.is_optional(def.id, index) || field.default.is_some() {
                        field_caps.default = true;
                    }
                    caps = caps.and(field_caps);
                }
                // A union has no natural default value.
                caps.default &= strukt.kind != StructKind::Union;
                caps.default &= caps.no_fds;
                if caps != self.caps[def.id.index()] {
                    self.caps[def.id.index()] = caps;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// True when field `index` of struct-like `def` is an `Option`: declared `optional`, or
    /// boxed to break a cycle with default requiredness (a default-requiredness field may be
    /// absent on the wire, and a value that must contain itself could never be built).
    pub(crate) fn is_optional(&self, def: DefId, index: usize) -> bool {
        let DefKind::Struct(strukt) = &self.program.def(def).kind else {
            return false;
        };
        let field = &strukt.fields[index];
        match field.requiredness {
            Requiredness::Optional => strukt.kind != StructKind::Union,
            Requiredness::Default => self.boxed.contains(&(def, index)),
            Requiredness::Required => false,
        }
    }

    /// What a value of type `ty` (in an ordinary position) can derive.
    pub(crate) fn type_caps(&self, ty: &Type) -> Caps {
        self.type_caps_in(ty, false)
    }

    /// What a value of type `ty` can derive; in key position doubles are `OrderedF64`.
    fn type_caps_in(&self, ty: &Type, key: bool) -> Caps {
        let hash_collections = self.config.collections == Collections::Hash;
        match self.program.true_type(ty) {
            Type::Base(BaseType::Fd) => Caps::FD,
            // `set<fd>` is an `FdSet`: a `Vec` with a set's wire type.
            Type::Set(elem) if self.is_fd(elem) => Caps {
                default: true,
                ..Caps::FD
            },
            Type::Base(BaseType::Double) if key => Caps::ALL,
            Type::Base(BaseType::Double) => Caps {
                no_fds: true,
                eq: false,
                hash: false,
                ord: false,
                default: true,
            },
            Type::Base(_) | Type::Error => Caps::ALL,
            // A `Vec` has a default (empty) whatever its elements are.
            Type::List(elem) => Caps {
                default: true,
                ..self.type_caps_in(elem, key)
            },
            // Elements and keys are stored in key form, which is always Eq + Ord + Hash where it
            // compiles at all (the resolver keeps descriptors out of set elements and keys).
            Type::Set(_) if hash_collections => Caps {
                no_fds: true,
                eq: true,
                hash: false,
                ord: false,
                default: true,
            },
            Type::Set(_) => Caps::ALL,
            Type::Map(_, value) => {
                let value_caps = self.type_caps_in(value, key);
                if hash_collections {
                    Caps {
                        hash: false,
                        ord: false,
                        default: true,
                        ..value_caps
                    }
                } else {
                    Caps {
                        default: true,
                        ..value_caps
                    }
                }
            }
            Type::Def(id) => match &self.program.def(*id).kind {
                DefKind::Enum(_) => Caps::ALL,
                DefKind::Struct(_) => self.caps[id.index()],
                _ => Caps::ALL,
            },
        }
    }

    /// True when a value of type `ty` can hold a file descriptor.
    pub(crate) fn holds_fd(&self, ty: &Type) -> bool {
        !self.type_caps(ty).no_fds
    }

    /// True when `ty` is `fd` itself (through typedefs).
    pub(crate) fn is_fd(&self, ty: &Type) -> bool {
        matches!(self.program.true_type(ty), Type::Base(BaseType::Fd))
    }

    /// True when a field of type `ty` has a value to fall back on when it is missing.
    pub(crate) fn type_has_default(&self, ty: &Type) -> bool {
        self.type_caps(ty).default
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

/// The fields of a struct-like definition that hold another struct-like definition by value:
/// `(field index, target)`.
fn by_value_edges(program: &Program, def_id: DefId) -> Vec<(usize, DefId)> {
    let DefKind::Struct(strukt) = &program.def(def_id).kind else {
        return Vec::new();
    };
    strukt
        .fields
        .iter()
        .enumerate()
        .filter_map(|(index, field)| match program.true_type(&field.ty) {
            Type::Def(target) if matches!(program.def(*target).kind, DefKind::Struct(_)) => {
                Some((index, *target))
            }
            _ => None,
        })
        .collect()
}

/// Pushes the element and key types of every set and map inside `ty`.
fn collect_key_roots(ty: &Type, out: &mut Vec<Type>) {
    match ty {
        Type::List(elem) => collect_key_roots(elem, out),
        Type::Set(elem) => {
            out.push((**elem).clone());
            collect_key_roots(elem, out);
        }
        Type::Map(k, v) => {
            out.push((**k).clone());
            collect_key_roots(k, out);
            collect_key_roots(v, out);
        }
        _ => {}
    }
}
