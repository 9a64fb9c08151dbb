//! What the handler method and the client method of a function share: the return and error
//! types, where the items of a service are, and the lints their signatures must allow.

use proc_macro2::TokenStream;
use quote::quote;
use thrift_parser::ir::{DefId, Function};

use crate::context::{Context, FunctionNames};
use crate::types::{COMPLEX_TYPE, Here};

/// The error type of a method: its own enum (next to the service), or `thrift_rt::Error`.
pub(super) fn error_type(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    here: Here,
) -> TokenStream {
    match &cx.service_names(service).functions[index].error {
        Some(name) => sibling_path(cx, service, name, here),
        None => quote!(_rt::Error),
    }
}

/// The path of an item `name` that sits in the module of `service`.
pub(super) fn sibling_path(
    cx: &Context<'_>,
    service: DefId,
    name: &str,
    here: Here,
) -> TokenStream {
    cx.item_path(cx.program.def(service).file, name, here)
}

pub(super) fn return_type(cx: &Context<'_>, function: &Function, here: Here) -> TokenStream {
    match &function.returns {
        Some(ty) => cx.rust_type(ty, here),
        None => quote!(()),
    }
}

/// Lint allowances for a method generated from `function` (handler or client): each is
/// about the IDL's choices, which generated code cannot change.
pub(super) fn method_allows(
    cx: &Context<'_>,
    function: &Function,
    names: &FunctionNames,
    method: &str,
) -> TokenStream {
    let mut lints = Vec::new();
    // Rust naming conventions for `new`, `from_*` and `into_*` assume constructors and
    // conversions; an IDL method of that name is neither.
    if method == "new" {
        lints.push(quote!(clippy::new_ret_no_self));
    }
    if method == "new" || method.starts_with("from_") || method.starts_with("into_") {
        lints.push(quote!(clippy::wrong_self_convention));
    }
    // clippy's limit is 7 arguments, counting `self`.
    if function.params.len() + 1 > 7 {
        lints.push(quote!(clippy::too_many_arguments));
    }
    // `Result<T, E>`: T and E sit one level down.
    let returns = function
        .returns
        .as_ref()
        .map_or(20, |ty| cx.type_score(ty, 2));
    let complex = 10 + returns + 20 > COMPLEX_TYPE
        || function
            .params
            .iter()
            .any(|p| cx.type_score(&p.ty, 1) > COMPLEX_TYPE);
    if complex {
        lints.push(quote!(clippy::type_complexity));
    }
    // clippy's default `disallowed_names`, which IDL authors use freely.
    if names
        .params
        .iter()
        .any(|p| matches!(p.as_str(), "foo" | "baz" | "quux"))
    {
        lints.push(quote!(clippy::disallowed_names));
    }
    if lints.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[allow(#(#lints),*)])
    }
}

/// Declared exceptions are returned by value, however large the IDL made them.
pub(super) fn large_err_allow(cx: &Context<'_>, services: &[DefId]) -> Option<TokenStream> {
    services
        .iter()
        .any(|s| {
            cx.service_names(*s)
                .functions
                .iter()
                .any(|f| f.error.is_some())
        })
        .then(|| quote!(#[allow(clippy::result_large_err)]))
}
