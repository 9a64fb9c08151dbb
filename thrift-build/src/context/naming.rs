//! The naming pass: every Rust name the generated code declares, decided once.
//!
//! Emitters never make up a name: they read it here. That keeps two emitters that must agree
//! (the processor that builds a result struct and the struct emitter that declares it, a
//! client method and the argument struct it fills) from drifting apart, and it makes the
//! de-duplication order explicit: within one Rust namespace, names are claimed in IDL order
//! from one [`Scope`], IDL names before the names we derive from them.

use std::collections::HashMap;

use thrift_parser::ir::{DefId, DefKind, Function, Program, Service, StructKind};

use crate::names::{Scope, camel_case, shouty_case, snake_case};

/// Names the generator itself puts in every module.
const RESERVED_ITEMS: &[&str] = &["_rt"];

/// Every generated name.
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Per definition (by [`DefId::index`]): the Rust item name (for services: the handler
    /// trait).
    pub(crate) items: Vec<String>,
    /// Per definition: its members, in IDL order: the fields of a struct or exception (snake
    /// case), the variants of a union (camel case), the constants of an enum (upper snake
    /// case). Empty for the other kinds.
    pub(crate) members: Vec<Vec<String>>,
    pub(crate) services: HashMap<DefId, ServiceNames>,
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
    /// `{service}_wire`: the hidden module of the argument and result structs and `CHANNEL`.
    pub(crate) wire: String,
    /// Per own function, in IDL order.
    pub(crate) functions: Vec<FunctionNames>,
    /// The client's methods: every function of the service and its bases, base first.
    pub(crate) client_methods: Vec<ClientMethod>,
}

/// The Rust names of one service function.
#[derive(Debug, Clone)]
pub(crate) struct FunctionNames {
    /// The handler method (snake case).
    pub(crate) method: String,
    /// The parameters (snake case), as handler and client arguments and argument fields.
    pub(crate) params: Vec<String>,
    /// `{Service}{Method}Error`, for functions that declare exceptions.
    pub(crate) error: Option<String>,
    /// The variants of the error enum, one per declared exception (`Thrift` is taken).
    pub(crate) error_variants: Vec<String>,
    /// The argument struct, in the wire module.
    pub(crate) args: String,
    /// The borrowed view of the argument struct a client writes, in the wire module.
    pub(crate) args_ref: String,
    /// The result struct (an alias; not for oneway functions), in the wire module.
    pub(crate) result: String,
}

/// One method of a generated client.
#[derive(Debug, Clone)]
pub(crate) struct ClientMethod {
    /// The service that declares the function (the client's own or a base).
    pub(crate) owner: DefId,
    /// The function's index in its service.
    pub(crate) index: usize,
    /// The method name.
    pub(crate) name: String,
}

/// The field holding a struct's unknown fields, with `keep_unknown_fields`.
pub(crate) const UNKNOWN_FIELDS: &str = "unknown_fields";

/// Names everything in `program`; the structs of the files for which `keep_unknown` (given
/// the file name) is true reserve [`UNKNOWN_FIELDS`].
pub(crate) fn assign(program: &Program, keep_unknown: impl Fn(&str) -> bool) -> Names {
    let mut names = Names {
        items: vec![String::new(); program.defs.len()],
        members: vec![Vec::new(); program.defs.len()],
        services: HashMap::new(),
    };
    for def in &program.defs {
        let keep = keep_unknown(&program.file(def.file).name);
        names.members[def.id.index()] = member_names(&def.kind, keep);
    }
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
            names.items[def_id.index()] = scope.claim(&name);
        }
        for &def_id in &file.defs {
            let def = program.def(def_id);
            let DefKind::Service(service) = &def.kind else {
                continue;
            };
            let service_names = service_names(program, def_id, &def.name, service, &mut scope);
            names.items[def_id.index()] = service_names.handler.clone();
            names.services.insert(def_id, service_names);
        }
    }
    names
}

/// The members of a definition (see [`Names::members`]). Each kind reserves the name the
/// generator gives its own extra member.
fn member_names(kind: &DefKind, keep_unknown: bool) -> Vec<String> {
    match kind {
        DefKind::Struct(s) if s.kind == StructKind::Union => {
            let mut scope = Scope::with_reserved(&["Unknown"]);
            s.fields
                .iter()
                .map(|f| scope.claim(&camel_case(&f.name)))
                .collect()
        }
        DefKind::Struct(s) => {
            let mut scope = if keep_unknown {
                Scope::with_reserved(&[UNKNOWN_FIELDS])
            } else {
                Scope::default()
            };
            s.fields
                .iter()
                .map(|f| scope.claim(&snake_case(&f.name)))
                .collect()
        }
        DefKind::Enum(e) => {
            let mut scope = Scope::with_reserved(&["KNOWN"]);
            e.values
                .iter()
                .map(|v| scope.claim(&shouty_case(&v.name)))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The names of a service's items; module-level ones are claimed in `scope`.
fn service_names(
    program: &Program,
    def_id: DefId,
    idl_name: &str,
    service: &Service,
    scope: &mut Scope,
) -> ServiceNames {
    // Derived names grow from the plain name, not from a de-duplicated `Name_`.
    let stem = camel_case(idl_name);
    let handler = scope.claim(&stem);
    let processor = scope.claim(&format!("{stem}Processor"));
    let client = scope.claim(&format!("{stem}Client"));
    let wire = scope.claim(&format!("{}_wire", snake_case(idl_name)));
    // The wire module is a namespace of its own.
    let mut wire_scope = Scope::with_reserved(&["_rt", "CHANNEL"]);
    let mut methods = Scope::default();
    let functions = service
        .functions
        .iter()
        .map(|function| {
            let method = methods.claim(&snake_case(&function.name));
            let wire_stem = camel_case(&function.name);
            let stem = format!("{stem}{wire_stem}");
            FunctionNames {
                method,
                params: param_names(function),
                error: (!function.throws.is_empty()).then(|| scope.claim(&format!("{stem}Error"))),
                error_variants: error_variants(function),
                args: wire_scope.claim(&format!("{wire_stem}Args")),
                args_ref: wire_scope.claim(&format!("{wire_stem}ArgsRef")),
                result: wire_scope.claim(&format!("{wire_stem}Result")),
            }
        })
        .collect();
    ServiceNames {
        handler,
        processor,
        client,
        wire,
        functions,
        client_methods: client_methods(program, def_id),
    }
}

/// Parameter names. The locals of generated client methods are taken.
fn param_names(function: &Function) -> Vec<String> {
    let mut scope = Scope::with_reserved(&["w", "seqid", "result", "outcome"]);
    function
        .params
        .iter()
        .map(|p| scope.claim(&snake_case(&p.name)))
        .collect()
}

/// Variant names of a method's error enum (`Thrift` is the catch-all).
fn error_variants(function: &Function) -> Vec<String> {
    let mut scope = Scope::with_reserved(&["Thrift"]);
    function
        .throws
        .iter()
        .map(|e| scope.claim(&camel_case(&e.name)))
        .collect()
}

/// The methods of the client of `def_id`: its base chain's functions first, then its own;
/// the client's own inherent methods are taken.
fn client_methods(program: &Program, def_id: DefId) -> Vec<ClientMethod> {
    let mut scope = Scope::with_reserved(&[
        "new",
        "into_inner",
        "from_caller",
        "on_channel",
        "channel",
        "caller_mut",
        "into_caller",
        "inner",
    ]);
    let mut methods = Vec::new();
    for owner in service_chain(program, def_id) {
        let DefKind::Service(service) = &program.def(owner).kind else {
            continue;
        };
        for (index, function) in service.functions.iter().enumerate() {
            methods.push(ClientMethod {
                owner,
                index,
                name: scope.claim(&snake_case(&function.name)),
            });
        }
    }
    methods
}

/// `def_id` and the services it extends, the farthest base first.
pub(crate) fn service_chain(program: &Program, def_id: DefId) -> Vec<DefId> {
    let mut chain = vec![def_id];
    let mut current = def_id;
    while let DefKind::Service(Service {
        extends: Some(base),
        ..
    }) = &program.def(current).kind
    {
        if chain.contains(base) {
            break;
        }
        chain.push(*base);
        current = *base;
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(idl: &str) -> (Program, Names) {
        let program = thrift_parser::load_str("shop.thrift", idl)
            .into_result()
            .unwrap();
        let names = assign(&program, |_| false);
        (program, names)
    }

    #[test]
    fn keeping_unknown_fields_reserves_their_field_name() {
        let idl = "struct S { 1: i32 unknown_fields, 2: i32 unknownFields }\n";
        let program = thrift_parser::load_str("s.thrift", idl)
            .into_result()
            .unwrap();
        let members = |keep| assign(&program, |file| keep && file == "s").members[0].clone();
        assert_eq!(members(false), ["unknown_fields", "unknown_fields_"]);
        assert_eq!(members(true), ["unknown_fields_", "unknown_fields__"]);
    }

    #[test]
    fn idl_names_win_over_derived_ones_and_clashes_get_underscores() {
        let (program, names) = names(
            "struct StoreClient { 1: i32 fooBar, 2: i32 foo_bar, 3: i32 type }\n\
             exception Oops { 1: string message }\n\
             union U { 1: i32 unknown, 2: string Unknown }\n\
             enum E { KNOWN = 1, known = 2 }\n\
             service Store { void new(1: i32 w), void get() throws (1: Oops thrift) }\n",
        );
        let def = |name: &str| program.defs.iter().find(|d| d.name == name).unwrap().id;
        assert_eq!(names.items[def("StoreClient").index()], "StoreClient");
        assert_eq!(
            names.members[def("StoreClient").index()],
            ["foo_bar", "foo_bar_", "type"]
        );
        assert_eq!(names.members[def("U").index()], ["Unknown_", "Unknown__"]);
        assert_eq!(names.members[def("E").index()], ["KNOWN_", "KNOWN__"]);
        let store = &names.services[&def("Store")];
        assert_eq!(
            (store.handler.as_str(), store.client.as_str()),
            ("Store", "StoreClient_")
        );
        assert_eq!(store.functions[0].params, ["w_"]);
        assert_eq!(store.functions[1].error_variants, ["Thrift_"]);
        let client: Vec<_> = store.client_methods.iter().map(|m| &m.name).collect();
        assert_eq!(client, ["new_", "get"]);
    }
}
