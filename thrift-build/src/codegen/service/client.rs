//! The client: one method per function (base services' included), taking arguments by
//! reference, over any `Caller`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use thrift_parser::ir::{BaseType, DefId, DefKind, Field, Function, Service, Type};

use super::signature::{error_type, large_err_allow, method_allows, return_type, sibling_path};
use crate::codegen::docs::opt_doc_attrs;
use crate::codegen::tokens::id_literal;
use crate::context::{Context, ServiceNames, service_chain};
use crate::names::ident;
use crate::types::Here;

/// How a client method takes a parameter: by value (`Copy` scalars, and `fd`, whose
/// descriptor the call consumes) or by reference (`&str`, `&[u8]`, `&[T]`, `&Struct`).
fn client_param(cx: &Context<'_>, ty: &Type, here: Here) -> (TokenStream, bool) {
    match cx.program.true_type(ty) {
        Type::Base(BaseType::String) => (quote!(&str), true),
        Type::Base(BaseType::Binary) => (quote!(&[u8]), true),
        Type::Base(_) => (cx.rust_type(ty, here), false),
        Type::List(elem) => {
            let elem = cx.rust_type(elem, here);
            (quote!(&[#elem]), true)
        }
        Type::Def(def) if matches!(cx.program.def(*def).kind, DefKind::Enum(_)) => {
            (cx.rust_type(ty, here), false)
        }
        _ => {
            let ty = cx.rust_type(ty, here);
            (quote!(&#ty), true)
        }
    }
}

pub(super) fn client(
    cx: &Context<'_>,
    def_id: DefId,
    service: &Service,
    names: &ServiceNames,
    here: Here,
) -> TokenStream {
    let def = cx.program.def(def_id);
    let name = ident(&names.client);
    let channel = proc_macro2::Literal::u8_unsuffixed(service.channel);
    let summary = format!(
        " Calls `{}` on a server: one method per function, base services' included.",
        def.name
    );
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
        #[doc = #summary]
        ///
        /// `C` is how calls travel: a [`Client`](_rt::Client) over one connection's reader and
        /// writer (see [`new`](Self::new)), or any other [`Caller`](_rt::Caller), such as a
        /// handle on a two-way endpoint (see [`from_caller`](Self::from_caller)).
        #[derive(Debug, Clone)]
        pub struct #name<C> {
            inner: C,
            channel: u8,
        }

        impl<R: _rt::ProtocolReader, W: _rt::ProtocolWriter> #name<_rt::Client<R, W>> {
            /// A client that writes calls to `writer` and reads replies from `reader`.
            pub fn new(reader: R, writer: W) -> Self {
                Self::from_caller(_rt::Client::new(reader, writer))
            }

            /// The reader and writer.
            pub fn into_inner(self) -> (R, W) {
                self.inner.into_inner()
            }
        }

        #large_err
        impl<C: _rt::Caller> #name<C> {
            /// The channel calls are sent on.
            pub const CHANNEL: u8 = #channel;

            /// A client that makes its calls through `caller`.
            pub fn from_caller(caller: C) -> Self {
                Self { inner: caller, channel: Self::CHANNEL }
            }

            /// Sends the calls on `channel` instead of [`CHANNEL`](Self::CHANNEL): for a peer
            /// that serves this service on another channel (as `serve_on` allows).
            #[must_use]
            pub fn on_channel(mut self, channel: u8) -> Self {
                self.channel = channel;
                self
            }

            /// The channel the calls are sent on.
            pub fn channel(&self) -> u8 {
                self.channel
            }

            /// The caller underneath, e.g. to set the next sequence id of a
            /// [`Client`](_rt::Client).
            pub fn caller_mut(&mut self) -> &mut C {
                &mut self.inner
            }

            /// The caller underneath.
            pub fn into_caller(self) -> C {
                self.inner
            }

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
    let fn_names = &cx.service_names(owner).functions[index];
    let method = ident(method_name);
    let idl_method = &function.name;
    let args_idl_name = format!("{}_args", function.name);
    let mut doc = opt_doc_attrs(function.doc.as_deref());
    let params: Vec<(Ident, TokenStream, bool, &Field)> = fn_names
        .params
        .iter()
        .zip(&function.params)
        .map(|(p, param)| {
            let (ty, by_ref) = client_param(cx, &param.ty, here);
            (ident(p), ty, by_ref, param)
        })
        .collect();
    let signature = params.iter().map(|(p, ty, _, _)| quote!(#p: #ty));
    let writes = params.iter().map(|(p, _, by_ref, param)| {
        let id = id_literal(param.id);
        if *by_ref {
            quote!(_rt::write_field(w, #id, #p)?;)
        } else {
            quote!(_rt::write_field(w, #id, &#p)?;)
        }
    });
    let returns = return_type(cx, function, here);
    let error = error_type(cx, owner, index, here);
    let allow = method_allows(cx, function, fn_names, method_name);
    let kind = if function.oneway {
        quote!(_rt::MessageType::Oneway)
    } else {
        quote!(_rt::MessageType::Call)
    };
    // Descriptors taken by value are moved into the closure that writes them, and closed
    // when it returns: a duplicate travels with the message.
    let consumes = params
        .iter()
        .any(|(_, _, by_ref, param)| !by_ref && cx.is_fd(&param.ty));
    let capture = consumes.then(|| quote!(move));
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
    let send = quote! {
        _rt::Caller::send(&mut self.inner, #idl_method, #kind, self.channel, #capture |w| {
            use _rt::ProtocolWriter as _;
            w.write_struct_begin(#args_idl_name)?;
            #(#writes)*
            w.write_field_stop()?;
            w.write_struct_end()
        })?
    };
    let body = if function.oneway {
        quote! {
            #fd_check
            #send;
            ::core::result::Result::Ok(())
        }
    } else {
        let result_ty = sibling_path(cx, owner, &fn_names.result, here);
        let result_fields: Vec<Ident> = fn_names.result_fields.iter().map(|f| ident(f)).collect();
        let offset = usize::from(function.returns.is_some());
        let exception_checks = match &fn_names.error {
            Some(error_name) => {
                let error_path = sibling_path(cx, owner, error_name, here);
                let variants: Vec<Ident> =
                    fn_names.error_variants.iter().map(|v| ident(v)).collect();
                let checks = variants.iter().enumerate().map(|(i, variant)| {
                    let field = &result_fields[i + offset];
                    quote! {
                        if let ::core::option::Option::Some(e) = result.#field {
                            return ::core::result::Result::Err(#error_path::#variant(e));
                        }
                    }
                });
                quote!(#(#checks)*)
            }
            None => TokenStream::new(),
        };
        let missing = if fn_names.error.is_some() {
            quote!(_rt::missing_result(#idl_method).into())
        } else {
            quote!(_rt::missing_result(#idl_method))
        };
        let finish = if function.returns.is_some() {
            quote! {
                match result.success {
                    ::core::option::Option::Some(success) => ::core::result::Result::Ok(success),
                    ::core::option::Option::None => ::core::result::Result::Err(#missing),
                }
            }
        } else {
            quote!(::core::result::Result::Ok(()))
        };
        let binding = if result_fields.is_empty() {
            quote!(let _: #result_ty)
        } else {
            quote!(let result: #result_ty)
        };
        quote! {
            #fd_check
            let pending = #send;
            #binding = _rt::Caller::receive(&mut self.inner, #idl_method, pending)?;
            #exception_checks
            #finish
        }
    };
    quote! {
        #doc
        #allow
        pub fn #method(&mut self, #(#signature),*) -> ::core::result::Result<#returns, #error> {
            #body
        }
    }
}
