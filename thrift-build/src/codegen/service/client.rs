//! The client: the runtime's `client_items!` declares the struct, its constructors and
//! accessors; what is written here is one method per function (base services' included),
//! each a single call into the runtime (`call`, `call_void`, `call_oneway`) with a borrowed
//! view of its arguments.
//!
//! A method takes strings, binaries, lists and structs by reference, scalars and enums by
//! value, and `fd` by value: the caller's descriptor is closed when the call returns (a
//! duplicate travels). A method whose arguments can hold descriptors first asks its caller
//! whether the connection can carry them, and fails with `FdUnsupported` before writing
//! anything.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use thrift_parser::ir::{DefId, DefKind, Function};

use super::emitting::Emitting;
use super::signature::{error_type, large_err_allow, method_allows, return_type, sibling_path};
use super::wire::param_passing;
use crate::codegen::docs::opt_doc_attrs;
use crate::context::{Context, service_chain};
use crate::names::ident;
use crate::types::Here;

pub(super) fn client(emitting: Emitting<'_>) -> TokenStream {
    let (cx, def_id, _, names, here) = emitting.parts();
    let idl_name = &cx.program.def(def_id).name;
    let name = ident(&names.client);
    let wire = ident(&names.wire);
    let chain = service_chain(cx.program, def_id);
    let large_err = large_err_allow(cx, &chain);
    let methods = names.client_methods.iter().map(|method| {
        let DefKind::Service(owner) = &cx.program.def(method.owner).kind else {
            unreachable!("clients call services")
        };
        let function = &owner.functions[method.index];
        client_method(cx, method.owner, method.index, function, &method.name, here)
    });
    quote! {
        _rt::client_items!(#name, #idl_name, #wire::CHANNEL);

        #large_err
        impl<C: _rt::Caller> #name<C> {
            #(#methods)*
        }
    }
}

fn client_method(
    cx: &Context<'_>,
    owner: DefId,
    index: usize,
    function: &Function,
    method_name: &str,
    here: Here,
) -> TokenStream {
    let owner_names = cx.service_names(owner);
    let fn_names = &owner_names.functions[index];
    let method = ident(method_name);
    let idl_method = &function.name;
    let mut doc = opt_doc_attrs(function.doc.as_deref());
    let params: Vec<Ident> = fn_names.params.iter().map(|p| ident(p)).collect();
    let signature = params.iter().zip(&function.params).map(|(p, param)| {
        let (ty, borrowed) = param_passing(cx, &param.ty, here);
        if borrowed && !cx.is_fd(&param.ty) {
            quote!(#p: &#ty)
        } else {
            quote!(#p: #ty)
        }
    });
    // The view borrows every argument it holds by reference; a descriptor the method owns.
    let inits = params.iter().zip(&function.params).map(|(p, param)| {
        if cx.is_fd(&param.ty) {
            quote!(#p: &#p)
        } else {
            quote!(#p)
        }
    });
    let wire = sibling_path(cx, owner, &owner_names.wire, here);
    let view = ident(&fn_names.args_ref);
    let returns = return_type(cx, function, here);
    let error = error_type(cx, owner, index, here);
    let allow = method_allows(cx, function, fn_names, method_name);
    let fd_check = if !cx.wire_derives(owner, index).args.no_fds {
        let unsupported = if fn_names.error.is_some() {
            quote!(_rt::fds_unsupported(#idl_method).into())
        } else {
            quote!(_rt::fds_unsupported(#idl_method))
        };
        if !doc.is_empty() {
            doc.extend(quote!(#[doc = ""]));
        }
        doc.extend(quote! {
            #[doc = " The arguments can hold file descriptors: where the connection cannot carry them,"]
            #[doc = " this fails with `TransportErrorKind::FdUnsupported` before anything is sent."]
        });
        quote! {
            if !_rt::Caller::can_carry_fds(&self.inner) {
                return ::core::result::Result::Err(#unsupported);
            }
        }
    } else {
        TokenStream::new()
    };
    let call = match (function.oneway, function.returns.is_some()) {
        (true, _) => quote!(_rt::call_oneway),
        (false, true) => quote!(_rt::call),
        (false, false) => quote!(_rt::call_void),
    };
    let call =
        quote!(#call(&mut self.inner, #idl_method, self.channel, &#wire::#view { #(#inits),* }));
    // A descriptor taken by value is the method's to close, once the call has gone out.
    let owned_fds: Vec<&Ident> = params
        .iter()
        .zip(&function.params)
        .filter(|(_, param)| cx.is_fd(&param.ty))
        .map(|(p, _)| p)
        .collect();
    let body = if owned_fds.is_empty() {
        call
    } else {
        quote! {
            let outcome = #call;
            #(::core::mem::drop(#owned_fds);)*
            outcome
        }
    };
    quote! {
        #doc
        #allow
        pub fn #method(&mut self, #(#signature),*) -> ::core::result::Result<#returns, #error> {
            #fd_check
            #body
        }
    }
}
