//! The error enum of a function that declares exceptions: one variant per exception, plus
//! `Thrift` for every other failure, so callers `match` instead of downcasting.
//!
//! It also implements the runtime's hidden `Exceptions`: it writes and reads its declared
//! exceptions as fields of the function's result struct, so that struct can be the
//! runtime's generic `Reply` rather than one generated per function.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use thrift_parser::ir::{DefId, Function};

use crate::codegen::docs::opt_doc_attrs;
use crate::codegen::tokens::id_literal;
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
    let ids: Vec<TokenStream> = function.throws.iter().map(|e| id_literal(e.id)).collect();
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

        impl _rt::Exceptions for #name {
            fn write_exception<W: _rt::ProtocolWriter + ?Sized>(&self, w: &mut W) -> _rt::Result<()> {
                match self {
                    #(Self::#variants(e) => _rt::write_field(w, #ids, e),)*
                    Self::Thrift(_) => ::core::result::Result::Ok(()),
                }
            }

            fn read_exception<R: _rt::ProtocolReader + ?Sized>(
                r: &mut R,
                field: _rt::FieldHeader,
            ) -> _rt::Result<::core::option::Option<Self>> {
                match field.id {
                    #(#ids => _rt::read_exception(r, field, Self::#variants),)*
                    _ => _rt::skip_field(r, field).map(|()| ::core::option::Option::None),
                }
            }

            fn declared(self) -> _rt::Result<Self> {
                match self {
                    Self::Thrift(e) => ::core::result::Result::Err(e),
                    declared => ::core::result::Result::Ok(declared),
                }
            }
        }
    }
}
