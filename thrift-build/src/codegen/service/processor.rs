//! The processor: dispatches a call on the method name to the handler, catches its panics,
//! maps its outcome to a reply, and answers unknown methods.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use thrift_parser::ir::{DefId, Function, Service};

use super::signature::{large_err_allow, sibling_path};
use crate::context::{Context, ServiceNames};
use crate::names::ident;
use crate::types::Here;

pub(super) fn processor(
    cx: &Context<'_>,
    def_id: DefId,
    service: &Service,
    names: &ServiceNames,
    here: Here,
) -> TokenStream {
    let def = cx.program.def(def_id);
    let handler = ident(&names.handler);
    let name = ident(&names.processor);
    let idl_name = &def.name;
    let channel = proc_macro2::Literal::u8_unsuffixed(service.channel);
    let summary = format!(
        " Serves `{idl_name}` calls with a [`{}`] handler.",
        names.handler
    );
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
        #[doc = #summary]
        #[derive(Debug, Clone)]
        pub struct #name<H> {
            handler: H,
        }

        impl<H> #name<H> {
            /// The service name, for registering with a multiplexed processor.
            pub const SERVICE_NAME: &'static str = #idl_name;
            /// The channel the IDL gives this service (0 when it gives none).
            pub const CHANNEL: u8 = #channel;

            /// A processor that serves calls with `handler`.
            pub fn new(handler: H) -> Self {
                Self { handler }
            }

            /// The handler.
            pub fn handler(&self) -> &H {
                &self.handler
            }
        }

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

        impl<H: #handler> _rt::Processor for #name<H> {
            const CHANNEL: u8 = #channel;

            fn process<R: _rt::ProtocolReader + ?Sized, W: _rt::ProtocolWriter + ?Sized>(
                &self,
                header: &_rt::MessageHeader,
                r: &mut R,
                w: &mut W,
            ) -> _rt::Result<()> {
                if !matches!(header.kind, _rt::MessageType::Call | _rt::MessageType::Oneway) {
                    return _rt::invalid_message_type(header, r, w);
                }
                if Self::dispatch(&self.handler, header, r, w)? {
                    ::core::result::Result::Ok(())
                } else {
                    _rt::unknown_method(header, r, w)
                }
            }
        }
    }
}

fn dispatch_arm(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    function: &Function,
) -> TokenStream {
    let names = &cx.service_names(service).functions[index];
    let idl_method = &function.name;
    let method = ident(&names.method);
    let args_ty = ident(&names.args);
    let arg_fields: Vec<Ident> = names.params.iter().map(|p| ident(p)).collect();
    let call = quote!(_rt::catch_panic(#idl_method, || handler.#method(#(args.#arg_fields),*)));
    let read_args = if function.params.is_empty() {
        quote!(let #args_ty {} = _rt::read_args(header, r, w)?;)
    } else {
        quote!(let args: #args_ty = _rt::read_args(header, r, w)?;)
    };
    if function.oneway {
        return quote! {
            #idl_method => {
                #read_args
                _rt::oneway_done(#idl_method, #call);
                ::core::result::Result::Ok(true)
            }
        };
    }
    let result_ty = ident(&names.result);
    let result_fields: Vec<Ident> = names.result_fields.iter().map(|f| ident(f)).collect();
    let none_except = |set: Option<&Ident>, value: TokenStream| {
        let inits = result_fields.iter().map(|field| {
            if Some(field) == set {
                quote!(#field: ::core::option::Option::Some(#value))
            } else {
                quote!(#field: ::core::option::Option::None)
            }
        });
        quote!(#result_ty { #(#inits),* })
    };
    let success = match &function.returns {
        Some(_) => {
            let result = none_except(result_fields.first(), quote!(success));
            quote!(::core::result::Result::Ok(::core::result::Result::Ok(success)) => ::core::result::Result::Ok(#result),)
        }
        None => {
            let result = none_except(None, TokenStream::new());
            quote!(::core::result::Result::Ok(::core::result::Result::Ok(())) => ::core::result::Result::Ok(#result),)
        }
    };
    let offset = usize::from(function.returns.is_some());
    let error_arms = match &names.error {
        Some(error) => {
            let error = ident(error);
            let variants: Vec<Ident> = names.error_variants.iter().map(|v| ident(v)).collect();
            let arms = variants.iter().enumerate().map(|(i, variant)| {
                let result = none_except(result_fields.get(i + offset), quote!(e));
                quote!(::core::result::Result::Ok(::core::result::Result::Err(#error::#variant(e))) => ::core::result::Result::Ok(#result),)
            });
            quote! {
                #(#arms)*
                ::core::result::Result::Ok(::core::result::Result::Err(#error::Thrift(e))) => {
                    ::core::result::Result::Err(_rt::undeclared_error(#idl_method, e))
                }
            }
        }
        None => quote! {
            ::core::result::Result::Ok(::core::result::Result::Err(e)) => {
                ::core::result::Result::Err(_rt::undeclared_error(#idl_method, e))
            }
        },
    };
    // A reply that can hold descriptors is replaced by an exception where they cannot travel.
    let reply = if !cx.wire_derives(service, index).result.no_fds {
        quote!(_rt::reply_with_fds)
    } else {
        quote!(_rt::reply)
    };
    quote! {
        #idl_method => {
            #read_args
            let outcome = match #call {
                #success
                #error_arms
                ::core::result::Result::Err(exception) => ::core::result::Result::Err(exception),
            };
            #reply(w, header, outcome)?;
            ::core::result::Result::Ok(true)
        }
    }
}
