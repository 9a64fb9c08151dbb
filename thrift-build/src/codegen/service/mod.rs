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

mod client;
mod errors;
mod handler;
mod processor;
mod signature;
mod wire;

use proc_macro2::TokenStream;
use quote::quote;
use thrift_parser::ir::{DefId, DefKind};

use crate::codegen::structs;
use crate::context::Context;
use crate::types::Here;

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
            items.push(errors::error_enum(
                cx, def_id, function, fn_names, error, here,
            ));
        }
        if cx.config.server {
            items.push(structs::emit(&wire::args_model(
                cx, def_id, index, function, here,
            )));
        }
        if !function.oneway {
            items.push(structs::emit(&wire::result_model(
                cx, def_id, index, function, here,
            )));
        }
    }
    if cx.config.server {
        items.push(handler::handler_trait(cx, def_id, service, names, here));
        items.push(processor::processor(cx, def_id, service, names, here));
    }
    if cx.config.client {
        items.push(client::client(cx, def_id, service, names, here));
    }
    quote!(#(#items)*)
}
