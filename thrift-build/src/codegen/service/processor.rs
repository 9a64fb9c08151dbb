//! The processor: the runtime's `processor_items!` declares the struct and its `Processor`
//! impl; what is written here is `dispatch`, one arm per function, each a single call into
//! the runtime (`serve`, `serve_void`, `serve_oneway`) with a closure that hands the
//! arguments to the handler. A method no arm knows goes to the base service's processor.

use proc_macro2::TokenStream;
use quote::quote;
use thrift_parser::ir::{DefId, Function};

use super::emitting::Emitting;
use super::signature::{large_err_allow, sibling_path};
use crate::context::Context;
use crate::names::ident;

pub(super) fn processor(emitting: Emitting<'_>) -> TokenStream {
    let (cx, def_id, service, names, here) = emitting.parts();
    let idl_name = &cx.program.def(def_id).name;
    let handler = ident(&names.handler);
    let name = ident(&names.processor);
    let wire = ident(&names.wire);
    let arms = service
        .functions
        .iter()
        .enumerate()
        .map(|(index, function)| dispatch_arm(cx, def_id, index, function));
    let fallback = match service.extends {
        Some(base) => {
            let base_processor = sibling_path(cx, base, &cx.service_names(base).processor, here);
            quote!(#base_processor::<H>::dispatch(handler, header, r, w))
        }
        None => quote!(::core::result::Result::Ok(false)),
    };
    let dispatch_body = if service.functions.is_empty() && service.extends.is_none() {
        quote! {
            let _ = (handler, header, r, w);
            ::core::result::Result::Ok(false)
        }
    } else if service.functions.is_empty() {
        fallback
    } else {
        quote! {
            match header.name.as_str() {
                #(#arms)*
                _ => #fallback,
            }
        }
    };
    let large_err = large_err_allow(cx, &[def_id]);
    quote! {
        _rt::processor_items!(#name, #handler, #idl_name, #wire::CHANNEL);

        impl<H: #handler> #name<H> {
            /// Serves one call if it is a method of this service (or a base service); returns
            /// `false`, having read nothing more, when it is not.
            #[doc(hidden)]
            #large_err
            pub fn dispatch<R: _rt::ProtocolReader + ?Sized, W: _rt::ProtocolWriter + ?Sized>(
                handler: &H,
                header: &_rt::MessageHeader,
                r: &mut R,
                w: &mut W,
            ) -> _rt::Result<bool> {
                #dispatch_body
            }
        }
    }
}

/// `"name" => _rt::serve(header, r, w, |args: Args| handler.method(args.a, ...)),`
fn dispatch_arm(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    function: &Function,
) -> TokenStream {
    let service_names = cx.service_names(service);
    let names = &service_names.functions[index];
    let idl_method = &function.name;
    let method = ident(&names.method);
    let wire = ident(&service_names.wire);
    let args_ty = ident(&names.args);
    let params = names.params.iter().map(|p| ident(p));
    let (binding, call) = if function.params.is_empty() {
        (quote!(_), quote!(handler.#method()))
    } else {
        (quote!(args), quote!(handler.#method(#(args.#params),*)))
    };
    // A reply that can hold descriptors is replaced by an exception where they cannot travel.
    let fds = !cx.wire_derives(service, index).result.no_fds;
    let serve = match (function.oneway, function.returns.is_some(), fds) {
        (true, _, _) => quote!(_rt::serve_oneway),
        (false, true, false) => quote!(_rt::serve),
        (false, true, true) => quote!(_rt::serve_fds),
        (false, false, false) => quote!(_rt::serve_void),
        (false, false, true) => quote!(_rt::serve_void_fds),
    };
    quote! {
        #idl_method => #serve(header, r, w, |#binding: #wire::#args_ty| #call),
    }
}
