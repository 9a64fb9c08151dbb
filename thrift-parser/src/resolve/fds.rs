//! Where file descriptors may not go.
//!
//! `fd` (our extension) is a descriptor passed along with a message: it exists only in a
//! running process, and two duplicates of one open file are different descriptors, so it has
//! neither a literal value nor a meaningful order or equality. Hence a type that can hold
//! one (directly, or through containers, typedefs and structs, recursively) may not be:
//! - a map key, or a set element other than `fd` itself (`set<fd>` is allowed: it is a
//!   collection of descriptors, not a set ordered by them);
//! - the type of a constant;
//! - the type of a field with a default value.

use std::collections::VecDeque;

use super::Resolver;
use super::ir::{BaseType, DefKind, Type};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// A place where a type that can hold an `fd` is an error, recorded in pass 2.
#[derive(Debug)]
pub(super) enum FdSite {
    /// The key type of a `map<K, V>`.
    MapKey { ty: Type, span: Span },
    /// The element type of a `set<T>`.
    SetElement { ty: Type, span: Span },
    /// The declared type of `const T NAME`; `span` is the type's.
    Const { name: String, ty: Type, span: Span },
    /// A field with `= value`; `span` is the value's.
    Default {
        field: String,
        ty: Type,
        type_span: Span,
        span: Span,
    },
}

const NO_ORDER: &str = "file descriptors have no order and no equality: two duplicates of one open file are different descriptors";
const RUN_TIME_ONLY: &str = "a file descriptor exists only in a running process: it can be an argument or a result of a call, never a value written in the IDL";

impl Resolver<'_, '_> {
    /// Reports every recorded [`FdSite`] whose type can hold a file descriptor.
    pub(super) fn check_fds(&mut self) {
        let sites = std::mem::take(&mut self.fd_sites);
        if sites.is_empty() {
            return;
        }
        let holders = self.fd_holders();
        for site in sites {
            let diagnostic = match site {
                FdSite::MapKey { ty, span } if self.holds_fd(&ty, &holders) => {
                    let message = if self.text(span) == "fd" {
                        "`fd` cannot be a map key".to_string()
                    } else {
                        format!(
                            "map key type `{}` {}, which cannot be a map key",
                            self.text(span),
                            self.how(&ty)
                        )
                    };
                    Diagnostic::error(span, message).with_note(NO_ORDER)
                }
                FdSite::SetElement { ty, span }
                    if !self.is_fd(&ty) && self.holds_fd(&ty, &holders) =>
                {
                    Diagnostic::error(
                        span,
                        format!(
                            "set element type `{}` can hold an `fd`; of the sets, only `set<fd>` itself may hold descriptors",
                            self.text(span)
                        ),
                    )
                    .with_note(NO_ORDER)
                    .with_note("use a `list` instead")
                }
                FdSite::Const { name, ty, span } if self.holds_fd(&ty, &holders) => {
                    let message = if self.text(span) == "fd" {
                        format!("constant `{name}` cannot be of type `fd`")
                    } else {
                        format!(
                            "constant `{name}` cannot be of type `{}`, which {}",
                            self.text(span),
                            self.how(&ty)
                        )
                    };
                    Diagnostic::error(span, message).with_note(RUN_TIME_ONLY)
                }
                FdSite::Default {
                    field,
                    ty,
                    type_span,
                    span,
                } if self.holds_fd(&ty, &holders) => {
                    let message = if self.text(type_span) == "fd" {
                        format!("field `{field}` of type `fd` cannot have a default value")
                    } else {
                        format!(
                            "field `{field}` cannot have a default value: its type `{}` {}",
                            self.text(type_span),
                            self.how(&ty)
                        )
                    };
                    Diagnostic::error(span, message)
                        .with_secondary(type_span, "the field's type")
                        .with_note(RUN_TIME_ONLY)
                }
                _ => continue,
            };
            self.diagnostics.push(diagnostic);
        }
    }

    /// How a type that can hold a descriptor does: "is an `fd`" or "can hold an `fd`".
    fn how(&self, ty: &Type) -> &'static str {
        if self.is_fd(ty) {
            "is an `fd`"
        } else {
            "can hold an `fd`"
        }
    }

    /// The source text of `span`, to name a type as the IDL writes it.
    fn text(&self, span: Span) -> &str {
        let text = self.sources.get(span.file).text();
        text.get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// True when `ty` is `fd` itself (through typedefs).
    fn is_fd(&self, ty: &Type) -> bool {
        self.true_type_of(ty) == Some(Type::Base(BaseType::Fd))
    }

    /// Per definition: whether a struct, union or exception can hold a file descriptor.
    ///
    /// A struct holds one when a field's type does; the structs that do are found by
    /// propagating from those with an `fd` of their own along "is used by" edges, which takes
    /// linear time and handles recursive types.
    fn fd_holders(&self) -> Vec<bool> {
        let mut holders = vec![false; self.defs.len()];
        let mut used_by = vec![Vec::new(); self.defs.len()];
        let mut queue = VecDeque::new();
        for (index, def) in self.defs.iter().enumerate() {
            let DefKind::Struct(strukt) = &def.kind else {
                continue;
            };
            let mut direct = false;
            let mut targets = Vec::new();
            for field in &strukt.fields {
                direct |= self.type_parts(&field.ty, &mut targets);
            }
            for target in targets {
                used_by[target].push(index);
            }
            if direct {
                holders[index] = true;
                queue.push_back(index);
            }
        }
        while let Some(index) = queue.pop_front() {
            for &user in &used_by[index] {
                if !holders[user] {
                    holders[user] = true;
                    queue.push_back(user);
                }
            }
        }
        holders
    }

    /// Collects the struct-like definitions `ty` holds (through typedefs and containers) into
    /// `targets`; returns true when it holds an `fd` itself.
    fn type_parts(&self, ty: &Type, targets: &mut Vec<usize>) -> bool {
        match self.true_type_of(ty) {
            Some(Type::Base(BaseType::Fd)) => true,
            Some(Type::List(elem) | Type::Set(elem)) => self.type_parts(&elem, targets),
            Some(Type::Map(key, value)) => {
                let key = self.type_parts(&key, targets);
                self.type_parts(&value, targets) || key
            }
            Some(Type::Def(def)) => {
                if matches!(self.defs[def.index()].kind, DefKind::Struct(_)) {
                    targets.push(def.index());
                }
                false
            }
            _ => false,
        }
    }

    /// True when a value of `ty` can hold a file descriptor, given [`Self::fd_holders`].
    fn holds_fd(&self, ty: &Type, holders: &[bool]) -> bool {
        let mut targets = Vec::new();
        self.type_parts(ty, &mut targets) || targets.iter().any(|&def| holders[def])
    }
}
