//! Small pieces of syntax several emitters write or look for: derive attributes, field ids,
//! and whether a body names the runtime.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use crate::context::Caps;

/// The derive attribute for `caps`, with `Default` when `default`. A type that can hold a
/// file descriptor derives `Debug` only.
pub(crate) fn derive_attr(caps: Caps, default: bool) -> TokenStream {
    if !caps.no_fds {
        return quote!(#[derive(Debug)]);
    }
    let mut derives = vec![quote!(Clone), quote!(Debug), quote!(PartialEq)];
    if caps.eq {
        derives.push(quote!(Eq));
    }
    if caps.hash {
        derives.push(quote!(Hash));
    }
    if caps.ord {
        derives.push(quote!(PartialOrd));
        derives.push(quote!(Ord));
    }
    if default {
        derives.push(quote!(Default));
    }
    quote!(#[derive(#(#derives),*)])
}

/// A field id as a literal pattern or argument (negative ids need a separate minus sign).
pub(crate) fn id_literal(id: i16) -> TokenStream {
    let magnitude = proc_macro2::Literal::u16_unsuffixed(id.unsigned_abs());
    if id < 0 {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}

/// True when `tokens` mention the runtime alias (so the `use` is not unused).
pub(crate) fn uses_rt(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(i) => i == "_rt",
        TokenTree::Group(g) => uses_rt(&g.stream()),
        _ => false,
    })
}
