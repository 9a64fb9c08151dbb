//! Services: a handler trait, a processor, a client, and per-method error enums.
//!
//! For `service Store { Entry get(1: string key) throws (1: NotFound nf) }`:
//!
//! - `trait Store: Send + Sync { fn get(&self, key: String) -> Result<Entry, StoreGetError>; }`
//!   is what the application implements (a base service is a supertrait);
//! - `StoreGetError { Nf(NotFound), Thrift(thrift_rt::Error) }` holds the declared exceptions,
//!   so callers `match` instead of downcasting;
//! - `StoreProcessor<H>` implements `thrift_rt::Processor`: it dispatches on the method name,
//!   catches handler panics, and answers unknown methods;
//! - `StoreClient<R, W>` has one method per function (base services' functions included),
//!   taking arguments by reference;
//! - hidden `StoreGetArgs` / `StoreGetResult` structs are the wire format of the call.
//!
//! File descriptors (`fd`): a client method whose arguments can hold one first asks its caller
//! whether the connection can carry them and fails with `FdUnsupported` before writing
//! anything; it takes a bare `fd` by value, so the caller's descriptor is closed once the call
//! is sent (a duplicate travels). A processor whose result can hold one answers through
//! `reply_with_fds`, which sends an `INTERNAL_ERROR` exception instead of a reply the
//! connection cannot carry.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use thrift_parser::ir::{BaseType, DefId, DefKind, Field, Function, Service, Type};

use super::docs::opt_doc_attrs;
use super::structs::{self, FieldModel, StructModel};
use super::tokens::id_literal;
use crate::context::{Context, DefaultImpl, FunctionNames, ServiceNames, service_chain};
use crate::names::ident;
use crate::types::{COMPLEX_TYPE, Here, has_double};

pub(crate) fn emit(cx: &Context<'_>, def_id: DefId, here: Here) -> TokenStream {
    let def = cx.program.def(def_id);
    let DefKind::Service(service) = &def.kind else {
        unreachable!("services are services")
    };
    let names = cx.service_names(def_id);
    let mut items = Vec::new();
    for (index, (function, fn_names)) in service.functions.iter().zip(&names.functions).enumerate()
    {
        if let Some(error) = &fn_names.error {
            items.push(error_enum(cx, def_id, function, fn_names, error, here));
        }
        if cx.config.server {
            items.push(structs::emit(&args_model(
                cx, def_id, index, function, here,
            )));
        }
        if !function.oneway {
            items.push(structs::emit(&result_model(
                cx, def_id, index, function, here,
            )));
        }
    }
    if cx.config.server {
        items.push(handler_trait(cx, def_id, service, names, here));
        items.push(processor(cx, def_id, service, names, here));
    }
    if cx.config.client {
        items.push(client(cx, def_id, service, names, here));
    }
    quote!(#(#items)*)
}

/// The hidden argument struct: the parameters as fields.
fn args_model(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    function: &Function,
    here: Here,
) -> StructModel {
    let names = &cx.service_names(service).functions[index];
    let param_names = &names.params;
    let fields = function
        .params
        .iter()
        .zip(param_names)
        .map(|(param, name)| {
            let default = structs::field_default(cx, None, param, false, here);
            wire_field(
                cx,
                param.id,
                &param.name,
                ident(name),
                &param.ty,
                Some(default),
                here,
            )
        })
        .collect();
    StructModel {
        name: ident(&names.args),
        idl_name: format!("{}_args", function.name),
        doc: TokenStream::new(),
        hidden: true,
        attrs: Vec::new(),
        fields,
        caps: cx.wire_derives(service, index).args,
        default: DefaultImpl::None,
        complex: function
            .params
            .iter()
            .any(|p| cx.type_score(&p.ty, 1) > COMPLEX_TYPE),
        float_defaults: function
            .params
            .iter()
            .any(|p| p.default.as_ref().is_some_and(has_double)),
    }
}

/// The hidden result struct: `success` (id 0) and one optional field per exception.
fn result_model(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    function: &Function,
    here: Here,
) -> StructModel {
    let names = &cx.service_names(service).functions[index];
    // `success` (id 0), then the exceptions.
    let wire = function.returns.iter().map(|ty| (0, "success", ty)).chain(
        function
            .throws
            .iter()
            .map(|e| (e.id, e.name.as_str(), &e.ty)),
    );
    let fields = wire
        .zip(&names.result_fields)
        .map(|((id, idl_name, ty), name)| wire_field(cx, id, idl_name, ident(name), ty, None, here))
        .collect();
    StructModel {
        name: ident(&names.result),
        idl_name: format!("{}_result", function.name),
        doc: TokenStream::new(),
        hidden: true,
        attrs: Vec::new(),
        fields,
        caps: cx.wire_derives(service, index).result,
        default: DefaultImpl::None,
        complex: function
            .returns
            .iter()
            .chain(function.throws.iter().map(|e| &e.ty))
            .any(|ty| cx.wrapped_score(ty, 1) > COMPLEX_TYPE),
        float_defaults: false,
    }
}

/// A field of a hidden argument struct (a plain value, `Some` default rule) or result struct
/// (`None`: every result field is optional).
fn wire_field(
    cx: &Context<'_>,
    id: i16,
    idl_name: &str,
    name: Ident,
    ty: &Type,
    default: Option<Option<structs::FieldDefault>>,
    here: Here,
) -> FieldModel {
    FieldModel {
        id,
        idl_name: idl_name.to_string(),
        name,
        ty: cx.rust_type(ty, here),
        optional: default.is_none(),
        default: default.flatten(),
        doc: TokenStream::new(),
        attrs: Vec::new(),
    }
}

fn error_enum(
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

/// The error type of a method: its own enum (next to the service), or `thrift_rt::Error`.
fn error_type(cx: &Context<'_>, service: DefId, index: usize, here: Here) -> TokenStream {
    match &cx.service_names(service).functions[index].error {
        Some(name) => sibling_path(cx, service, name, here),
        None => quote!(_rt::Error),
    }
}

/// The path of an item `name` that sits in the module of `service`.
fn sibling_path(cx: &Context<'_>, service: DefId, name: &str, here: Here) -> TokenStream {
    cx.item_path(cx.program.def(service).file, name, here)
}

fn return_type(cx: &Context<'_>, function: &Function, here: Here) -> TokenStream {
    match &function.returns {
        Some(ty) => cx.rust_type(ty, here),
        None => quote!(()),
    }
}

/// Lint allowances for a method generated from `function` (handler or client): each is
/// about the IDL's choices, which generated code cannot change.
fn method_allows(
    cx: &Context<'_>,
    function: &Function,
    names: &FunctionNames,
    method: &str,
) -> TokenStream {
    let mut lints = Vec::new();
    // Rust naming conventions for `new`, `from_*` and `into_*` assume constructors and
    // conversions; an IDL method of that name is neither.
    if method == "new" {
        lints.push(quote!(clippy::new_ret_no_self));
    }
    if method == "new" || method.starts_with("from_") || method.starts_with("into_") {
        lints.push(quote!(clippy::wrong_self_convention));
    }
    // clippy's limit is 7 arguments, counting `self`.
    if function.params.len() + 1 > 7 {
        lints.push(quote!(clippy::too_many_arguments));
    }
    // `Result<T, E>`: T and E sit one level down.
    let returns = function
        .returns
        .as_ref()
        .map_or(20, |ty| cx.type_score(ty, 2));
    let complex = 10 + returns + 20 > COMPLEX_TYPE
        || function
            .params
            .iter()
            .any(|p| cx.type_score(&p.ty, 1) > COMPLEX_TYPE);
    if complex {
        lints.push(quote!(clippy::type_complexity));
    }
    // clippy's default `disallowed_names`, which IDL authors use freely.
    if names
        .params
        .iter()
        .any(|p| matches!(p.as_str(), "foo" | "baz" | "quux"))
    {
        lints.push(quote!(clippy::disallowed_names));
    }
    if lints.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[allow(#(#lints),*)])
    }
}

/// Declared exceptions are returned by value, however large the IDL made them.
fn large_err_allow(cx: &Context<'_>, services: &[DefId]) -> Option<TokenStream> {
    services
        .iter()
        .any(|s| {
            cx.service_names(*s)
                .functions
                .iter()
                .any(|f| f.error.is_some())
        })
        .then(|| quote!(#[allow(clippy::result_large_err)]))
}

fn handler_trait(
    cx: &Context<'_>,
    def_id: DefId,
    service: &Service,
    names: &ServiceNames,
    here: Here,
) -> TokenStream {
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

fn processor(
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

fn client(
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
