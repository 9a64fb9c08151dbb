//! Constants and typedefs.
//!
//! A typedef is a type alias. A constant is a `pub const` where Rust can build the value at
//! compile time (numbers, bools, enum values, uuids, strings as `&str`, binaries as
//! `&[u8]`), and otherwise (containers, structs) a `pub static` built on first use.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use thrift_parser::ir::{BaseType, ConstValue, DefId, DefKind, Type};

use super::docs::opt_doc_attrs;
use crate::context::Context;
use crate::names::ident;
use crate::types::{COMPLEX_TYPE, Here, has_double, scalar_expr};

pub(crate) fn emit_typedef(cx: &Context<'_>, def_id: DefId, here: Here) -> TokenStream {
    let def = cx.program.def(def_id);
    let DefKind::Typedef(typedef) = &def.kind else {
        unreachable!("typedefs are typedefs")
    };
    let name = ident(cx.item_name(def_id));
    let doc = opt_doc_attrs(def.doc.as_deref());
    let target = cx.rust_type(&typedef.target, here);
    quote!(#doc pub type #name = #target;)
}

pub(crate) fn emit_const(cx: &Context<'_>, def_id: DefId, here: Here) -> TokenStream {
    let def = cx.program.def(def_id);
    let DefKind::Const(constant) = &def.kind else {
        unreachable!("constants are constants")
    };
    let name = ident(cx.item_name(def_id));
    let doc = opt_doc_attrs(def.doc.as_deref());
    let ty = &constant.ty;
    let value = &constant.value;
    // The IDL's numbers are what they are, even when one looks like π.
    let approx = has_double(value).then(|| quote!(#[allow(clippy::approx_constant)]));
    let doc = quote!(#doc #approx);
    match (cx.program.true_type(ty), value) {
        (Type::Base(BaseType::String), ConstValue::String(s)) => {
            quote!(#doc pub const #name: &str = #s;)
        }
        (Type::Base(BaseType::Binary), ConstValue::String(s)) => {
            let bytes = Literal::byte_string(s.as_bytes());
            quote!(#doc pub const #name: &[u8] = #bytes;)
        }
        (Type::Base(_), _) => {
            let rust_ty = cx.rust_type(ty, here);
            let expr = scalar_expr(cx.program.true_type(ty), value);
            quote!(#doc pub const #name: #rust_ty = #expr;)
        }
        (Type::Def(_), ConstValue::Enum { .. }) => {
            let rust_ty = cx.rust_type(ty, here);
            let expr = cx.value_expr(ty, value, here);
            quote!(#doc pub const #name: #rust_ty = #expr;)
        }
        _ => {
            let rust_ty = cx.rust_type(ty, here);
            let expr = cx.value_expr(ty, value, here);
            let complex = (cx.wrapped_score(ty, 1) > COMPLEX_TYPE)
                .then(|| quote!(#[allow(clippy::type_complexity)]));
            quote! {
                #doc
                #complex
                pub static #name: _rt::LazyLock<#rust_ty> = _rt::LazyLock::new(|| #expr);
            }
        }
    }
}
