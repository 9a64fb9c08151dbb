//! The hidden wire module of a service, `{service}_wire`: its `CHANNEL`, and per function the
//! argument struct a processor reads, the borrowed view of it a client writes, and the result
//! struct (an alias of the runtime's generic `Reply`).
//!
//! They sit in a module of their own so that the user's module holds only what the user
//! names: types, handler traits, processors, clients and error enums. The owned argument
//! struct is written through its view, so a call's encoding exists once.

use proc_macro2::TokenStream;
use quote::quote;
use thrift_parser::ir::{BaseType, DefId, DefKind, Function, Type};

use super::emitting::Emitting;
use crate::codegen::structs::{self, FieldModel, StructModel};
use crate::codegen::tokens::uses_rt;
use crate::context::{Context, DefaultImpl};
use crate::names::ident;
use crate::types::{COMPLEX_TYPE, Here, has_double};

/// How an argument travels in a client's view of the arguments: the type, and whether the view
/// holds it by reference (`&'a str`, `&'a [u8]`, `&'a [T]`, `&'a Struct`) or by value (`Copy`
/// scalars and enums).
pub(super) fn param_passing(cx: &Context<'_>, ty: &Type, here: Here) -> (TokenStream, bool) {
    match cx.program.true_type(ty) {
        Type::Base(BaseType::String) => (quote!(str), true),
        Type::Base(BaseType::Binary) => (quote!([u8]), true),
        Type::Base(BaseType::Fd) => (cx.rust_type(ty, here), true),
        Type::Base(_) => (cx.rust_type(ty, here), false),
        Type::List(elem) => {
            let elem = cx.rust_type(elem, here);
            (quote!([#elem]), true)
        }
        Type::Def(def) if matches!(cx.program.def(*def).kind, DefKind::Enum(_)) => {
            (cx.rust_type(ty, here), false)
        }
        _ => (cx.rust_type(ty, here), true),
    }
}

/// The wire module of service `def_id`.
pub(super) fn module(emitting: Emitting<'_>) -> TokenStream {
    let (cx, def_id, service, names, here) = emitting.parts();
    let inner = here.wire();
    let wire = ident(&names.wire);
    let channel = proc_macro2::Literal::u8_unsuffixed(service.channel);
    let channel_doc = format!(
        " The channel the IDL gives `{}` (0 when it gives none).",
        cx.program.def(def_id).name
    );
    let mut items = Vec::new();
    for (index, function) in service.functions.iter().enumerate() {
        let view = args_model(cx, def_id, index, function, inner, None);
        if cx.config.server {
            let args = args_model(cx, def_id, index, function, inner, Some(&view));
            items.push(structs::emit(&args));
        }
        items.push(structs::emit(&view));
        if !function.oneway {
            items.push(result_alias(cx, def_id, index, function, inner));
        }
    }
    let body = quote!(#(#items)*);
    let import = uses_rt(&body).then(|| {
        quote!(
            use ::thrift_rt::__private as _rt;
        )
    });
    let summary = format!(
        " The wire format of `{}`'s calls: what its processor reads and its client writes.",
        cx.program.def(def_id).name
    );
    quote! {
        #[doc = #summary]
        #[doc(hidden)]
        pub mod #wire {
            #import
            #[doc = #channel_doc]
            pub const CHANNEL: u8 = #channel;
            #body
        }
    }
}

/// The argument struct of function `index`: the borrowed view (`owned_view` is `None`), or
/// the owned struct, written through `owned_view`.
fn args_model(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    function: &Function,
    here: Here,
    owned_view: Option<&StructModel>,
) -> StructModel {
    let names = &cx.service_names(service).functions[index];
    let fields: Vec<FieldModel> = function
        .params
        .iter()
        .zip(&names.params)
        .map(|(param, name)| {
            let (ty, borrowed) = match owned_view {
                Some(_) => (cx.rust_type(&param.ty, here), false),
                None => param_passing(cx, &param.ty, here),
            };
            FieldModel {
                id: param.id,
                idl_name: param.name.clone(),
                name: ident(name),
                ty,
                optional: false,
                borrowed,
                default: owned_view
                    .and_then(|_| structs::field_default(cx, None, param, false, here)),
                doc: TokenStream::new(),
                attrs: Vec::new(),
            }
        })
        .collect();
    let write_via = owned_view.map(|view| {
        let view_name = &view.name;
        let inits = view.fields.iter().map(|field| {
            let name = &field.name;
            if field.borrowed {
                quote!(#name: &self.#name)
            } else {
                quote!(#name: self.#name)
            }
        });
        quote!(#view_name { #(#inits),* })
    });
    let name = match owned_view {
        Some(_) => &names.args,
        None => &names.args_ref,
    };
    StructModel {
        name: ident(name),
        idl_name: format!("{}_args", function.name),
        doc: TokenStream::new(),
        hidden: true,
        view: owned_view.is_none(),
        write_via,
        attrs: Vec::new(),
        fields,
        caps: cx.wire_derives(service, index).args,
        default: DefaultImpl::None,
        keep_unknown: false,
        complex: function
            .params
            .iter()
            .any(|p| cx.type_score(&p.ty, 1) > COMPLEX_TYPE),
        float_defaults: owned_view.is_some()
            && function
                .params
                .iter()
                .any(|p| p.default.as_ref().is_some_and(has_double)),
    }
}

/// The result struct of function `index`: `Reply<T, E>`, or `VoidReply<E>` for `void`, where
/// `E` is the function's error enum (the runtime's `Error` when it declares no exception).
fn result_alias(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    function: &Function,
    here: Here,
) -> TokenStream {
    let names = &cx.service_names(service).functions[index];
    let name = ident(&names.result);
    let error = names
        .error
        .as_ref()
        .map(|error| cx.item_path(cx.program.def(service).file, error, here));
    let complex = function
        .returns
        .as_ref()
        .is_some_and(|ty| cx.wrapped_score(ty, 1) > COMPLEX_TYPE)
        .then(|| quote!(#[allow(clippy::type_complexity)]));
    let reply = match (&function.returns, error) {
        (Some(ty), Some(error)) => {
            let ty = cx.rust_type(ty, here);
            quote!(_rt::Reply<#ty, #error>)
        }
        (Some(ty), None) => {
            let ty = cx.rust_type(ty, here);
            quote!(_rt::Reply<#ty>)
        }
        (None, Some(error)) => quote!(_rt::VoidReply<#error>),
        (None, None) => quote!(_rt::VoidReply),
    };
    quote!(#complex pub type #name = #reply;)
}
