//! Required cycles: structs no value of which can ever be built, worth a warning.

use thrift_parser::ir::{DefId, DefKind, Program, Requiredness, StructKind};
use thrift_parser::{Diagnostic, Diagnostics};

use super::boxing::by_value_edges;

/// Warns about structs that can never be built: a cycle of `required` struct fields (a
/// value would have to contain itself). Unions and optional or default fields break
/// cycles; they may be left unset.
///
/// Apache Thrift accepts such IDL, so we generate it too: the cycle is boxed like any
/// other ([`boxed_fields`](super::boxing::boxed_fields)), and the derives pass gives its types no `Default`, the one
/// derive that would have to build a value (and would recurse forever). Every other derive
/// only walks an existing value, and there is none.
pub(crate) fn warnings(program: &Program) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let required_edges = |def_id: DefId| -> Vec<(usize, DefId)> {
        match &program.def(def_id).kind {
            DefKind::Struct(s) if s.kind != StructKind::Union => by_value_edges(program, def_id)
                .into_iter()
                .filter(|(index, target)| {
                    s.fields[*index].requiredness == Requiredness::Required
                        && matches!(&program.def(*target).kind,
                            DefKind::Struct(t) if t.kind != StructKind::Union)
                })
                .collect(),
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
