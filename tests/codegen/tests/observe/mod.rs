//! What the tests of spans, events and logs share: a field visitor for `tracing`
//! subscribers, and a `Plain` server answering `hello` on a fresh TCP port, with a client.

// Each test file uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Debug;

use codegen_tests::idl::channels::{Plain, PlainClient, PlainProcessor};
use thrift_rt::connect::{AnyReader, AnyWriter, ClientOptions, connect_tcp};
use thrift_rt::server::{Builder, Listener, Server};
use thrift_rt::{Client, Error, ProtocolKind, TransportKind};
use tracing::field::{Field, Visit};

/// A span's or an event's fields by name (an event's message is `message`).
pub(crate) type Fields = BTreeMap<String, String>;

/// Records the fields it visits into a [`Fields`].
pub(crate) struct Collect<'a>(pub(crate) &'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

/// Answers `hello(name)` with `Hello, name`.
pub(crate) struct Hello;

impl Plain for Hello {
    fn hello(&self, name: String) -> Result<String, Error> {
        Ok(format!("Hello, {name}"))
    }
}

/// A thread-pool server of [`Hello`] (configured further by `builder`) on 127.0.0.1, and a
/// client connected to it with the same protocol and transport.
pub(crate) fn hello_server(
    protocol: ProtocolKind,
    transport: TransportKind,
    builder: impl FnOnce(Builder) -> Builder,
) -> (Server, PlainClient<Client<AnyReader, AnyWriter>>) {
    let server = builder(Builder::new().protocol(protocol).transport(transport))
        .spawn(
            Listener::tcp("127.0.0.1:0").unwrap(),
            PlainProcessor::new(Hello),
        )
        .unwrap();
    let options = ClientOptions::default()
        .protocol(protocol)
        .transport(transport);
    let (r, w) = connect_tcp(server.local_addr().unwrap(), &options).unwrap();
    (server, PlainClient::new(r, w))
}
