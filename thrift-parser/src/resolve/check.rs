//! Checks that need the whole program: typedef cycles and the rules for services.

use std::collections::HashMap;

use super::Resolver;
use super::ir::{DefId, DefKind, StructKind, Type};
use crate::diagnostic::Diagnostic;

impl Resolver<'_, '_> {
    /// `typedef A B; typedef B A` can never become a type, and neither can a typedef that
    /// holds itself through containers (`typedef list<A> A`): only a struct may recur.
    ///
    /// One depth-first walk over the typedefs, with an explicit stack, so that hostile input
    /// (thousands of chained typedefs) costs linear time and no deep recursion. Every cycle
    /// has an edge back to a typedef still being walked; that typedef is reported, and its
    /// target becomes [`Type::Error`], which breaks the cycle for every later pass.
    pub(super) fn check_typedef_cycles(&mut self) {
        const UNSEEN: u8 = 0;
        const WALKING: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![UNSEEN; self.defs.len()];
        let mut cyclic = vec![false; self.defs.len()];
        for root in 0..self.defs.len() {
            if state[root] != UNSEEN || !matches!(self.defs[root].kind, DefKind::Typedef(_)) {
                continue;
            }
            state[root] = WALKING;
            let mut walk = vec![(root, self.typedefs_in_target(root))];
            while let Some((node, next)) = walk.last_mut() {
                let node = *node;
                let Some(next) = next.pop() else {
                    state[node] = DONE;
                    walk.pop();
                    continue;
                };
                match state[next] {
                    UNSEEN => {
                        state[next] = WALKING;
                        walk.push((next, self.typedefs_in_target(next)));
                    }
                    WALKING => cyclic[next] = true,
                    _ => {}
                }
            }
        }
        for index in (0..self.defs.len()).filter(|&index| cyclic[index]) {
            let def = &self.defs[index];
            let message = format!("typedef `{}` refers to itself", def.name);
            let span = def.span;
            self.diagnostics.push(Diagnostic::error(span, message));
            if let DefKind::Typedef(typedef) = &mut self.defs[index].kind {
                typedef.target = Type::Error;
            }
        }
    }

    /// The typedefs a typedef's target names directly or as container elements (not those
    /// inside structs, which may recur).
    fn typedefs_in_target(&self, index: usize) -> Vec<usize> {
        let DefKind::Typedef(typedef) = &self.defs[index].kind else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut types = vec![&typedef.target];
        while let Some(ty) = types.pop() {
            match ty {
                Type::List(elem) | Type::Set(elem) => types.push(elem),
                Type::Map(key, value) => types.extend([&**key, &**value]),
                Type::Def(id) if matches!(self.defs[id.index()].kind, DefKind::Typedef(_)) => {
                    found.push(id.index());
                }
                Type::Def(_) | Type::Base(_) | Type::Error => {}
            }
        }
        // Popped from the end: walk the edges in source order.
        found.reverse();
        found
    }

    pub(super) fn check_services(&mut self) {
        for index in 0..self.defs.len() {
            let id = DefId(index as u32);
            if !matches!(self.defs[index].kind, DefKind::Service(_)) {
                continue;
            }
            self.check_extends_cycle(id);
            self.check_functions(id);
        }
    }

    fn check_extends_cycle(&mut self, id: DefId) {
        let mut current = id;
        for _ in 0..=self.defs.len() {
            let DefKind::Service(service) = &self.defs[current.index()].kind else {
                return;
            };
            let Some(base) = service.extends else { return };
            if base == id {
                let def = &self.defs[id.index()];
                let message = format!(
                    "service `{}` extends itself (through its `extends` chain)",
                    def.name
                );
                let span = def.span;
                self.diagnostics.push(Diagnostic::error(span, message));
                if let DefKind::Service(service) = &mut self.defs[id.index()].kind {
                    service.extends = None;
                }
                return;
            }
            current = base;
        }
    }

    fn check_functions(&mut self, id: DefId) {
        let service_name = self.defs[id.index()].name.clone();
        let DefKind::Service(service) = &self.defs[id.index()].kind else {
            return;
        };
        let mut problems = Vec::new();
        let mut seen: HashMap<&str, crate::source::Span> = HashMap::new();
        for function in &service.functions {
            if let Some(&first) = seen.get(function.name.as_str()) {
                problems.push(
                    Diagnostic::error(
                        function.span,
                        format!(
                            "function `{}` is defined twice in service `{service_name}`",
                            function.name
                        ),
                    )
                    .with_secondary(first, "first defined here"),
                );
            } else {
                seen.insert(&function.name, function.span);
            }
            if let Some((base, span)) = self.inherited_function(service.extends, &function.name) {
                problems.push(
                    Diagnostic::error(
                        function.span,
                        format!("function `{}` of service `{service_name}` is already defined in base service `{base}`", function.name),
                    )
                    .with_secondary(span, "defined there"),
                );
            }
            if function.oneway {
                if function.returns.is_some() {
                    problems.push(Diagnostic::error(
                        function.span,
                        format!(
                            "oneway function `{}` must return `void`: no reply is ever sent",
                            function.name
                        ),
                    ));
                }
                if let Some(first) = function.throws.first() {
                    problems.push(Diagnostic::error(
                        first.span,
                        format!(
                            "oneway function `{}` cannot throw exceptions: no reply is ever sent",
                            function.name
                        ),
                    ));
                }
            }
            for field in &function.throws {
                let true_type = self.true_type_of(&field.ty);
                let is_exception = match &true_type {
                    Some(Type::Def(def)) => {
                        matches!(&self.defs[def.index()].kind, DefKind::Struct(s) if s.kind == StructKind::Exception)
                    }
                    None | Some(Type::Error) => true, // already reported
                    _ => false,
                };
                if !is_exception {
                    problems.push(Diagnostic::error(
                        field.span,
                        format!("`throws` lists `{}`, which is not an exception", field.name),
                    ));
                }
            }
        }
        self.diagnostics.extend(problems);
    }

    /// The base service (name, function span) that already defines `name`, if any.
    fn inherited_function(
        &self,
        mut base: Option<DefId>,
        name: &str,
    ) -> Option<(String, crate::source::Span)> {
        for _ in 0..=self.defs.len() {
            let def = &self.defs[base?.index()];
            let DefKind::Service(service) = &def.kind else {
                return None;
            };
            if let Some(function) = service.functions.iter().find(|f| f.name == name) {
                return Some((def.name.clone(), function.span));
            }
            base = service.extends;
        }
        None
    }
}
