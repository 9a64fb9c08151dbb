//! The error enum of a function that declares exceptions: one variant per exception, plus
//! `Thrift` for every other failure, so callers `match` instead of downcasting.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use thrift_parser::ir::{DefId, Function};

use crate::codegen::docs::opt_doc_attrs;
use crate::context::{Context, FunctionNames};
use crate::names::ident;
use crate::types::Here;

pub(super) fn error_enum(
    cx: &Context<'_>,
    service: DefId,
    function: &Function,
    names: &FunctionNames,
    name: &str,
    here: Here,
) -> TokenStream {
    let name = ident(name);
    let variants: Vec<Ident> = names.error_variants.iter().map(|v| ident(v)).collect();
    let types: Vec<TokenStream> = function
        .throws
        .iter()
        .map(|e| cx.rust_type(&e.ty, here))
        .collect();
    let summary = format!(
        " What `{}.{}` can fail with: the exceptions the IDL declares, or any other failure.",
        cx.program.def(service).name,
        function.name
    );
    let declarations = function
        .throws
        .iter()
        .zip(&variants)
        .zip(&types)
        .map(|((e, v), ty)| {
            let doc = opt_doc_attrs(e.doc.as_deref());
            quote!(#doc #v(#ty))
        });
    // `From` only for exception types declared once: two variants of one type would make the
    // conversion ambiguous.
    let froms = function
        .throws
        .iter()
        .zip(&variants)
        .zip(&types)
        .filter(|((e, _), _)| {
            function
                .throws
                .iter()
                .filter(|other| other.ty == e.ty)
                .count()
                == 1
        });
    let froms = froms.map(|((_, variant), ty)| {
        quote! {
            impl ::core::convert::From<#ty> for #name {
                fn from(e: #ty) -> Self {
                    Self::#variant(e)
                }
            }
        }
    });
    quote! {
        #[doc = #summary]
        #[derive(Debug)]
        pub enum #name {
            #(#declarations,)*
            /// A transport or protocol failure, or a `TApplicationException` from the server.
            Thrift(_rt::Error),
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    #(Self::#variants(e) => ::core::fmt::Display::fmt(e, f),)*
                    Self::Thrift(e) => ::core::fmt::Display::fmt(e, f),
                }
            }
        }

        impl ::std::error::Error for #name {
            fn source(&self) -> ::core::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    #(Self::#variants(e) => ::core::option::Option::Some(e),)*
                    Self::Thrift(e) => ::core::option::Option::Some(e),
                }
            }
        }

        #(#froms)*

        impl ::core::convert::From<_rt::Error> for #name {
            fn from(e: _rt::Error) -> Self {
                Self::Thrift(e)
            }
        }
    }
}
