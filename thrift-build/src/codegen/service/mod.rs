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
//! - `StoreClient<C>` has one method per function (base services' functions included),
//!   taking arguments by reference;
//! - the hidden module `store_wire` holds the wire format of the calls: `CHANNEL`, and
//!   `GetArgs` (read by the processor), `GetArgsRef` (its borrowed view, written by the
//!   client) and `GetResult` (an alias of the runtime's `Reply`).
//!
//! Everything that is the same for every service (the client's constructors, the processor's
//! `Processor` impl, reading arguments, catching panics, replying, unpacking replies) is in
//! the runtime, so each function costs a few lines of generated code.
//!
//! File descriptors (`fd`): see `client.rs` for calls that send them; a processor whose
//! result can hold one answers through `serve_fds`, which sends an `INTERNAL_ERROR` exception
//! instead of a reply the connection cannot carry.

mod client;
mod emitting;
mod errors;
mod handler;
mod processor;
mod signature;
mod wire;

use proc_macro2::TokenStream;
use quote::quote;
use thrift_parser::ir::{DefId, DefKind};

use emitting::Emitting;

use crate::context::Context;
use crate::types::Here;

pub(crate) fn emit(cx: &Context<'_>, def_id: DefId, here: Here) -> TokenStream {
    let def = cx.program.def(def_id);
    let DefKind::Service(service) = &def.kind else {
        unreachable!("services are services")
    };
    let names = cx.service_names(def_id);
    let mut items = Vec::new();
    for (function, fn_names) in service.functions.iter().zip(&names.functions) {
        if let Some(error) = &fn_names.error {
            items.push(errors::error_enum(
                cx, def_id, function, fn_names, error, here,
            ));
        }
    }
    let emitting = Emitting {
        cx,
        def_id,
        service,
        names,
        here,
    };
    // The wire module serves the processor and the client; with neither, it serves nothing.
    if cx.config.server || cx.config.client {
        items.push(wire::module(emitting));
    }
    if cx.config.server {
        items.push(handler::handler_trait(emitting));
        items.push(processor::processor(emitting));
    }
    if cx.config.client {
        items.push(client::client(emitting));
    }
    quote!(#(#items)*)
}
