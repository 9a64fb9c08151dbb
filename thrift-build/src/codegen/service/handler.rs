//! The handler trait: what the application implements to serve a service (a base service is
//! a supertrait), and its blanket impl for `Arc`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::emitting::Emitting;
use super::signature::{error_type, large_err_allow, method_allows, return_type};
use crate::codegen::docs::opt_doc_attrs;
use crate::names::ident;

pub(super) fn handler_trait(emitting: Emitting<'_>) -> TokenStream {
    let (cx, def_id, service, names, here) = emitting.parts();
    let def = cx.program.def(def_id);
    let name = ident(&names.handler);
    let doc = opt_doc_attrs(def.doc.as_deref());
    let summary = format!(
        " Implement this to serve `{}`, and wrap the handler in [`{}`].",
        def.name, names.processor
    );
    let base = service.extends.map(|base| {
        let path = cx.def_path(base, here);
        quote!(#path +)
    });
    let mut methods = Vec::new();
    let mut forwards = Vec::new();
    for (index, function) in service.functions.iter().enumerate() {
        let method = ident(&names.functions[index].method);
        let doc = opt_doc_attrs(function.doc.as_deref());
        let args: Vec<Ident> = names.functions[index]
            .params
            .iter()
            .map(|p| ident(p))
            .collect();
        let params = args
            .iter()
            .zip(&function.params)
            .map(|(p, param)| {
                let ty = cx.rust_type(&param.ty, here);
                quote!(#p: #ty)
            })
            .collect::<Vec<_>>();
        let returns = return_type(cx, function, here);
        let error = error_type(cx, def_id, index, here);
        let allow = method_allows(
            cx,
            function,
            &names.functions[index],
            &names.functions[index].method,
        );
        let signature =
            quote!(fn #method(&self, #(#params),*) -> ::core::result::Result<#returns, #error>);
        methods.push(quote! {
            #doc
            #allow
            #signature;
        });
        forwards.push(quote! {
            #allow
            #signature {
                (**self).#method(#(#args),*)
            }
        });
    }
    // A blank line between the IDL's doc and ours, when there is one.
    let separator = if doc.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[doc = ""])
    };
    let large_err = large_err_allow(cx, &[def_id]);
    quote! {
        #doc
        #separator
        #[doc = #summary]
        #large_err
        pub trait #name: #base ::core::marker::Send + ::core::marker::Sync {
            #(#methods)*
        }

        /// A shared handler serves too, so one value can back several processors.
        #large_err
        impl<T: #name + ?::core::marker::Sized> #name for ::std::sync::Arc<T> {
            #(#forwards)*
        }
    }
}
