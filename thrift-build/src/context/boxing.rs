//! The boxing pass: which struct fields are stored as `Box<T>`.

use std::collections::HashSet;

use thrift_parser::ir::{DefId, DefKind, Program, Requiredness, StructKind, Type};

/// Boxes the fields that close a cycle of by-value struct fields: `(struct, field index)`.
///
/// A depth-first search over "struct S holds a T by value" edges (typedefs looked through;
/// lists, sets and maps already store their elements on the heap) boxes exactly the back
/// edges, which leaves an acyclic graph. Visiting definitions in IDL order makes the choice
/// deterministic: in `A { 1: B b }`, `B { 1: A a }`, it is `B.a` that is boxed.
pub(crate) fn boxed_fields(program: &Program) -> HashSet<(DefId, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut boxed = HashSet::new();
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
                        boxed.insert((def_id, field_index));
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
    boxed
}

/// The fields of a struct-like definition that hold another struct-like definition by value:
/// `(field index, target)`.
pub(crate) fn by_value_edges(program: &Program, def_id: DefId) -> Vec<(usize, DefId)> {
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

/// True when field `index` of struct-like `def` is an `Option`: declared `optional`, or
/// boxed to break a cycle with default requiredness (a default-requiredness field may be
/// absent on the wire, and a value that must contain itself could never be built).
pub(crate) fn is_optional(
    program: &Program,
    boxed: &HashSet<(DefId, usize)>,
    def: DefId,
    index: usize,
) -> bool {
    let DefKind::Struct(strukt) = &program.def(def).kind else {
        return false;
    };
    let field = &strukt.fields[index];
    match field.requiredness {
        Requiredness::Optional => strukt.kind != StructKind::Union,
        Requiredness::Default => boxed.contains(&(def, index)),
        Requiredness::Required => false,
    }
}
