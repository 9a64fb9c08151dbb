//! The derives pass: which traits each struct, union, exception and service wire struct
//! derives, and how a struct gets its `Default`.
//!
//! `Clone` and `PartialEq` unless it can hold a file descriptor, `Eq`, `Hash`, `Ord`,
//! `Default`: each depends on the fields, recursively, so the answer is a fixpoint over the
//! whole program, computed once here.

use std::collections::HashSet;

use thrift_parser::ir::{
    BaseType, ConstValue, DefId, DefKind, Program, Requiredness, StructKind, Type,
};

use super::boxing::is_optional;
use crate::options::Collections;

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

/// How a struct-like definition gets `Default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultImpl {
    /// It has none (a union, a descriptor inside, or a value that cannot be built).
    None,
    /// `#[derive(Default)]`: every field takes its type's default.
    Derived,
    /// A written `impl Default`: some field has an IDL default of its own.
    Written,
}

/// What the hidden argument and result structs of one service function derive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WireDerives {
    pub(crate) args: Caps,
    pub(crate) result: Caps,
}

/// The outcome of the pass.
#[derive(Debug, Default)]
pub(crate) struct Derives {
    /// Per definition (by [`DefId::index`]): what a struct-like definition can derive (others:
    /// unused).
    pub(crate) caps: Vec<Caps>,
    /// Per definition: how a struct or exception gets `Default`.
    pub(crate) default: Vec<DefaultImpl>,
    /// Per service, per own function.
    pub(crate) wire: std::collections::HashMap<DefId, Vec<WireDerives>>,
}

/// What the pass reads: the program, the options, and the results of the earlier passes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a> {
    pub(crate) program: &'a Program,
    pub(crate) collections: Collections,
    pub(crate) boxed: &'a HashSet<(DefId, usize)>,
    pub(crate) key_structs: &'a HashSet<DefId>,
}

impl Inputs<'_> {
    fn is_optional(&self, def: DefId, index: usize) -> bool {
        is_optional(self.program, self.boxed, def, index)
    }
}

/// Runs the pass.
pub(crate) fn compute(cx: Inputs<'_>) -> Derives {
    let program = cx.program;
    let mut derives = Derives {
        caps: fixpoint(cx),
        ..Derives::default()
    };
    derives.default = program
        .defs
        .iter()
        .map(|def| default_impl(cx, &derives.caps, def.id))
        .collect();
    let holds_fd = |ty: &Type| !type_caps_in(cx, &derives.caps, ty, false).no_fds;
    for def in &program.defs {
        let DefKind::Service(service) = &def.kind else {
            continue;
        };
        let functions = service
            .functions
            .iter()
            .map(|function| WireDerives {
                args: wire_caps(!function.params.iter().any(|p| holds_fd(&p.ty))),
                result: wire_caps(
                    !function
                        .returns
                        .iter()
                        .chain(function.throws.iter().map(|e| &e.ty))
                        .any(holds_fd),
                ),
            })
            .collect();
        derives.wire.insert(def.id, functions);
    }
    derives
}

/// Argument and result structs derive `Clone`, `Debug` and `PartialEq` only (`Debug` only
/// when they can hold a file descriptor).
fn wire_caps(no_fds: bool) -> Caps {
    Caps {
        no_fds,
        eq: false,
        hash: false,
        ord: false,
        default: false,
    }
}

/// `Derived` when every field takes its type's default, `Written` when some field has an
/// IDL default of its own (or a boxed one, which `Default` cannot build).
fn default_impl(cx: Inputs<'_>, caps: &[Caps], def: DefId) -> DefaultImpl {
    let DefKind::Struct(strukt) = &cx.program.def(def).kind else {
        return DefaultImpl::None;
    };
    if !caps[def.index()].default {
        return DefaultImpl::None;
    }
    let written = strukt.fields.iter().enumerate().any(|(index, field)| {
        let boxed = cx.boxed.contains(&(def, index));
        field.requiredness != Requiredness::Required
            && !cx.is_optional(def, index)
            && field
                .default
                .as_ref()
                .is_some_and(|value| boxed || !is_type_default(value))
    });
    if written {
        DefaultImpl::Written
    } else {
        DefaultImpl::Derived
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
fn fixpoint(cx: Inputs<'_>) -> Vec<Caps> {
    let program = cx.program;
    let mut all = vec![
        Caps {
            default: false,
            ..Caps::ALL
        };
        program.defs.len()
    ];
    loop {
        let mut changed = false;
        for def in &program.defs {
            let DefKind::Struct(strukt) = &def.kind else {
                continue;
            };
            let mut caps = Caps::ALL;
            let key = cx.key_structs.contains(&def.id);
            for (index, field) in strukt.fields.iter().enumerate() {
                let mut field_caps = type_caps_in(cx, &all, &field.ty, key);
                if cx.is_optional(def.id, index) || field.default.is_some() {
                    field_caps.default = true;
                }
                caps = caps.and(field_caps);
            }
            // A union has no natural default value.
            caps.default &= strukt.kind != StructKind::Union;
            caps.default &= caps.no_fds;
            if caps != all[def.id.index()] {
                all[def.id.index()] = caps;
                changed = true;
            }
        }
        if !changed {
            return all;
        }
    }
}

/// What a value of type `ty` can derive, given the struct caps so far; in key position
/// doubles are `OrderedF64`.
pub(crate) fn type_caps_in(cx: Inputs<'_>, caps: &[Caps], ty: &Type, key: bool) -> Caps {
    let hash_collections = cx.collections == Collections::Hash;
    match cx.program.true_type(ty) {
        Type::Base(BaseType::Fd) => Caps::FD,
        // `set<fd>` is an `FdSet`: a `Vec` with a set's wire type.
        Type::Set(elem) if is_fd(cx.program, elem) => Caps {
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
            ..type_caps_in(cx, caps, elem, key)
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
            let value_caps = type_caps_in(cx, caps, value, key);
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
        Type::Def(id) => match &cx.program.def(*id).kind {
            DefKind::Struct(_) => caps[id.index()],
            _ => Caps::ALL,
        },
    }
}

/// True when `ty` is `fd` itself (through typedefs).
pub(crate) fn is_fd(program: &Program, ty: &Type) -> bool {
    matches!(program.true_type(ty), Type::Base(BaseType::Fd))
}

pub(crate) fn key_structs(program: &Program) -> HashSet<DefId> {
    let mut key_structs = HashSet::new();
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
                    if key_structs.insert(*def) {
                        key_roots.extend(strukt.fields.iter().map(|f| f.ty.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    key_structs
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

/// True when `value` is what `Default::default()` gives for its type (`0`, `false`, `""`,
/// `[]`), so a field with it needs no hand-written default.
pub(crate) fn is_type_default(value: &ConstValue) -> bool {
    match value {
        ConstValue::Bool(b) => !b,
        ConstValue::Int(i) => *i == 0,
        ConstValue::Double(d) => d.to_bits() == 0,
        ConstValue::String(s) => s.is_empty(),
        ConstValue::Uuid(bytes) => bytes.iter().all(|b| *b == 0),
        ConstValue::List(items) => items.is_empty(),
        ConstValue::Map(entries) => entries.is_empty(),
        ConstValue::Enum { .. } | ConstValue::Struct { .. } => false,
    }
}
