//! Enums: an open newtype over `i32` with one associated constant per IDL value.
//!
//! Thrift enums are open: a newer peer can send a value this build does not know, and it must
//! survive a decode and re-encode. `pub struct Color(pub i32)` keeps any value, while
//! `Color::RED` reads like an enum variant and works in `match` patterns. The price is that
//! a `match` needs a `_` arm; ARCHITECTURE.md explains the choice.

use proc_macro2::TokenStream;
use quote::quote;
use thrift_parser::ir::{DefId, DefKind};

use super::docs::opt_doc_attrs;
use crate::context::Context;
use crate::names::ident;

pub(crate) fn emit(cx: &Context<'_>, def_id: DefId) -> TokenStream {
    let def = cx.program.def(def_id);
    let DefKind::Enum(enumeration) = &def.kind else {
        unreachable!("enums are enums")
    };
    let file_name = &cx.program.file(def.file).name;
    let name = ident(cx.item_name(def_id));
    let idl_name = &def.name;
    let doc = opt_doc_attrs(def.doc.as_deref());
    let attrs = cx.config.type_attributes_for(file_name, &def.name);
    let names: Vec<_> = cx.member_names(def_id).iter().map(|n| ident(n)).collect();

    let consts = enumeration
        .values
        .iter()
        .zip(&names)
        .map(|(value, const_name)| {
            let doc = opt_doc_attrs(value.doc.as_deref());
            let number = value.value;
            quote!(#doc pub const #const_name: Self = Self(#number);)
        });
    // Two IDL names may share a number; the first one names it.
    let mut seen = std::collections::HashSet::new();
    let name_arms: Vec<_> = enumeration
        .values
        .iter()
        .filter(|v| seen.insert(v.value))
        .map(|v| {
            let number = v.value;
            let value_name = &v.name;
            quote!(#number => ::core::option::Option::Some(#value_name),)
        })
        .collect();
    let name_body = if name_arms.is_empty() {
        quote!(::core::option::Option::None)
    } else {
        quote! {
            match self.0 {
                #(#name_arms)*
                _ => ::core::option::Option::None,
            }
        }
    };
    let debug_known = format!("{idl_name}::{{}}");
    let debug_unknown = format!("{idl_name}({{}})");

    quote! {
        #doc
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        #(#attrs)*
        pub struct #name(pub i32);

        impl #name {
            #(#consts)*

            /// Every value the IDL declares, in IDL order.
            pub const KNOWN: &'static [Self] = &[#(Self::#names),*];

            /// The IDL name of this value, or `None` for a number this build does not know.
            pub fn name(self) -> ::core::option::Option<&'static str> {
                #name_body
            }
        }

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    ::core::option::Option::Some(name) => ::core::write!(f, #debug_known, name),
                    ::core::option::Option::None => ::core::write!(f, #debug_unknown, self.0),
                }
            }
        }

        impl ::core::convert::From<i32> for #name {
            fn from(value: i32) -> Self {
                Self(value)
            }
        }

        impl ::core::convert::From<#name> for i32 {
            fn from(value: #name) -> Self {
                value.0
            }
        }

        impl _rt::WriteThrift for #name {
            const TTYPE: _rt::TType = _rt::TType::I32;

            #[inline]
            fn write<W: _rt::ProtocolWriter + ?Sized>(&self, w: &mut W) -> _rt::Result<()> {
                w.write_i32(self.0)
            }

            #[inline]
            fn write_as_field<W: _rt::ProtocolWriter + ?Sized>(
                &self,
                w: &mut W,
                id: i16,
            ) -> _rt::Result<()> {
                w.write_scalar_field(id, _rt::Scalar::I32(self.0))
            }
        }

        impl _rt::ReadThrift for #name {
            const TTYPE: _rt::TType = _rt::TType::I32;

            #[inline]
            fn read<R: _rt::ProtocolReader + ?Sized>(r: &mut R) -> _rt::Result<Self> {
                r.read_i32().map(Self)
            }
        }
    }
}
