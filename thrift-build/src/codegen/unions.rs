//! Unions: a Rust enum with one variant per field, plus `Unknown` for fields from a newer
//! peer.
//!
//! Decoding a union whose only field this build does not know gives `Unknown(id)` instead of
//! failing, so adding a union member is a compatible change. Zero or several fields on the
//! wire are an error (`invalid_union`). There is no `Default`: no variant is a natural one.

use proc_macro2::TokenStream;
use quote::quote;
use thrift_parser::ir::{DefId, DefKind};

use super::docs::opt_doc_attrs;
use super::tokens::{derive_attr, id_literal};
use crate::context::Context;
use crate::names::ident;
use crate::types::{COMPLEX_TYPE, Here};

pub(crate) fn emit(cx: &Context<'_>, def_id: DefId, here: Here) -> TokenStream {
    let def = cx.program.def(def_id);
    let DefKind::Struct(strukt) = &def.kind else {
        unreachable!("unions are structs")
    };
    let file_name = &cx.program.file(def.file).name;
    let name = ident(cx.item_name(def_id));
    let idl_name = &def.name;
    let doc = opt_doc_attrs(def.doc.as_deref());
    let attrs = cx.config.type_attributes_for(file_name, &def.name);
    let variants: Vec<_> = cx.member_names(def_id).iter().map(|v| ident(v)).collect();
    let derive = derive_attr(cx.caps(def_id), false);

    let declarations = strukt.fields.iter().enumerate().map(|(index, field)| {
        let variant = &variants[index];
        let mut ty = cx.field_type(def_id, &field.ty, here);
        if cx.boxed.contains(&(def_id, index)) {
            ty = quote!(::std::boxed::Box<#ty>);
        }
        let doc = opt_doc_attrs(field.doc.as_deref());
        let attrs = cx
            .config
            .field_attributes_for(file_name, &def.name, &field.name);
        quote!(#doc #(#attrs)* #variant(#ty))
    });
    let writes = strukt.fields.iter().zip(&variants).map(|(field, variant)| {
        let id = id_literal(field.id);
        quote!(Self::#variant(value) => {
            _rt::write_field(w, #id, value)?;
        })
    });
    let keep_unknown = cx.keeps_unknown_fields(def_id);
    let read_unknown = if keep_unknown {
        quote! {
            let mut unknown = _rt::UnknownFields::new();
            _rt::capture_unknown_field(r, field, &mut unknown, 0)?;
            value = ::core::option::Option::Some(Self::Unknown(unknown));
        }
    } else {
        quote! {
            _rt::skip_field(r, field)?;
            value = ::core::option::Option::Some(Self::Unknown(field.id));
        }
    };
    let unknown_variant = if keep_unknown {
        quote! {
            /// A field this build does not know (sent by a newer peer), kept as read and
            /// written back (nothing for one read from JSON: then it is written as an empty
            /// union).
            Unknown(_rt::UnknownFields)
        }
    } else {
        quote! {
            /// A field this build does not know (sent by a newer peer), with its id. It is
            /// written back as an empty union.
            Unknown(i16)
        }
    };
    let write_unknown = if keep_unknown {
        quote!(Self::Unknown(unknown) => unknown.write(w)?,)
    } else {
        quote!(Self::Unknown(_) => {})
    };
    let read_field = if strukt.fields.is_empty() {
        read_unknown
    } else {
        let arms = strukt.fields.iter().zip(&variants).map(|(field, variant)| {
            let id = id_literal(field.id);
            let field_name = &field.name;
            quote! {
                #id => {
                    let mut slot = ::core::option::Option::None;
                    _rt::read_field_into(r, field, &mut slot, #idl_name, #field_name)?;
                    value = slot.map(Self::#variant);
                }
            }
        });
        quote! {
            match field.id {
                #(#arms)*
                _ => { #read_unknown }
            }
        }
    };
    // Variants differ in size by nature; boxing the large ones would cost an allocation per
    // value, and the recursion analysis already boxes where the size would be infinite.
    let allow_large =
        (strukt.fields.len() > 1).then(|| quote!(#[allow(clippy::large_enum_variant)]));
    let complex = strukt.fields.iter().enumerate().any(|(index, field)| {
        let wrappers = usize::from(cx.boxed.contains(&(def_id, index)));
        cx.wrapped_score(&field.ty, wrappers) > COMPLEX_TYPE
    });
    let complex = complex.then(|| quote!(#[allow(clippy::type_complexity)]));

    quote! {
        #doc
        #derive
        #allow_large
        #complex
        #(#attrs)*
        pub enum #name {
            #(#declarations,)*
            #unknown_variant,
        }

        impl _rt::WriteThrift for #name {
            const TTYPE: _rt::TType = _rt::TType::Struct;

            fn write<W: _rt::ProtocolWriter + ?Sized>(&self, w: &mut W) -> _rt::Result<()> {
                w.write_struct_begin(#idl_name)?;
                match self {
                    #(#writes)*
                    #write_unknown
                }
                w.write_field_stop()?;
                w.write_struct_end()
            }
        }

        impl _rt::ReadThrift for #name {
            const TTYPE: _rt::TType = _rt::TType::Struct;

            fn read<R: _rt::ProtocolReader + ?Sized>(r: &mut R) -> _rt::Result<Self> {
                let mut value = ::core::option::Option::None;
                let mut n_fields = 0usize;
                r.read_struct_begin()?;
                while let ::core::option::Option::Some(field) = r.read_field_begin()? {
                    n_fields += 1;
                    #read_field
                }
                r.read_struct_end()?;
                match value {
                    ::core::option::Option::Some(value) if n_fields == 1 => ::core::result::Result::Ok(value),
                    _ => ::core::result::Result::Err(_rt::invalid_union(#idl_name, n_fields)),
                }
            }
        }
    }
}
