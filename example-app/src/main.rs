//! The example application: a key-value `Store` service from `idl/example.thrift`, served
//! and called over TCP (framed transport, binary protocol) and over a Unix socket (buffered
//! transport, compact protocol).
//!
//! `build.rs` generates the code; the library's `idl` module pulls it in. The server side implements the
//! generated `Store` trait, wraps it in `StoreProcessor` and runs it on thrift-rt's servers; the
//! client side uses `StoreClient` over connections from `thrift_rt::connect`. Then
//! [`channels`] shows two-way RPC: both ends of one connection host `EchoServer` and
//! `RandServer` and call each other, [`Xor`] is a layer of our own under the transport, and
//! [`files`] passes file descriptors (a file service
//! that checks the caller's uid, and a 64 MiB sealed memfd), and [`production`] a shared
//! client used from several threads with a deadline. Run it with
//! `cargo run -p example-app`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use thrift_rt::connect::{self, ClientOptions};
use thrift_rt::server::{self, Listener};
use thrift_rt::stack::{Compact, Framed, Stack};
use thrift_rt::{Caller, ProtocolKind, TransportKind};

use example_app::idl;
use example_app::store::MemoryStore;
use example_app::xor::Xor;

mod channels;
mod files;
mod production;

use idl::example::{Entry, StoreClient, StoreGetError, StoreProcessor, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One handler, shared by both servers.
    let processor = Arc::new(StoreProcessor::new(MemoryStore::default()));

    // TCP: framed transport, binary protocol, a thread pool (the default kind).
    let tcp_server = server::Builder::new()
        .protocol(ProtocolKind::Binary)
        .transport(TransportKind::Framed)
        .spawn(Listener::tcp("127.0.0.1:0")?, Arc::clone(&processor))?;
    let addr = tcp_server
        .local_addr()
        .ok_or("the TCP server has no address")?;

    // Unix socket: buffered transport, compact protocol, a thread per connection.
    let path = socket_path();
    let unix_server = server::Builder::new()
        .protocol(ProtocolKind::Compact)
        .transport(TransportKind::Buffered)
        .threaded(64)
        .spawn(Listener::unix(&path)?, Arc::clone(&processor))?;

    println!("== TCP {addr} (framed, binary)");
    let options = ClientOptions::default()
        .protocol(ProtocolKind::Binary)
        .transport(TransportKind::Framed);
    let (r, w) = connect::connect_tcp(addr, &options)?;
    demo(&mut StoreClient::new(r, w), "tcp")?;

    println!("\n== Unix socket {} (buffered, compact)", path.display());
    let options = ClientOptions::default()
        .protocol(ProtocolKind::Compact)
        .transport(TransportKind::Buffered);
    let (r, w) = connect::connect_unix(&path, &options)?;
    demo(&mut StoreClient::new(r, w), "unix")?;

    println!("\n== A layer of our own: XOR under framed compact, over TCP (a toy, not security)");
    let xor = Stack::new(Compact, Framed).layer(Xor::new(b"example key"));
    let xor_server = server::Builder::new()
        .stack(xor.clone())
        .spawn(Listener::tcp("127.0.0.1:0")?, Arc::clone(&processor))?;
    let xor_addr = xor_server
        .local_addr()
        .ok_or("the XOR server has no address")?;
    let stream = connect::tcp(xor_addr, &Default::default())?;
    let (r, w) = connect::with_stack(stream, &xor, &Default::default())?;
    demo(&mut StoreClient::new(r, w), "xor")?;

    println!("\n== Channels over a Unix socket (binary, framed): both ends serve and call");
    let channel_path = std::env::temp_dir().join(format!(
        "thrift-example-channels-{}.sock",
        std::process::id()
    ));
    channels::run(&channel_path)?;

    println!("\n== File descriptors over a Unix socket (the fd transport)");
    let files_dir =
        std::env::temp_dir().join(format!("thrift-example-files-{}", std::process::id()));
    let outcome = files::run(&files_dir);
    let _ = std::fs::remove_dir_all(&files_dir);
    outcome?;

    println!("\n== Around the calls: a shared client from 8 threads, THeader, a deadline");
    production::run()?;

    // Stop accepting, let in-flight calls finish (there are none left), join every thread.
    for server in [tcp_server, unix_server, xor_server] {
        let report = server.shutdown(Duration::from_secs(1));
        println!(
            "\nserver shut down ({} connection(s) cut off)",
            report.forced
        );
    }
    Ok(())
}

/// The same conversation over any protocol and transport (any [`Caller`]).
fn demo<C: Caller>(
    client: &mut StoreClient<C>,
    prefix: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let entries = [
        (
            format!("{prefix}/greeting"),
            Value::Text("hello".to_string()),
        ),
        (format!("{prefix}/answer"), Value::Number(42)),
        (
            format!("{prefix}/list"),
            Value::Many(vec![Value::Number(1), Value::Blob(vec![0xca, 0xfe])]),
        ),
    ];
    for (key, value) in entries {
        let entry = Entry {
            key: key.clone(),
            value,
            updated: Some(1_700_000_000_000),
            labels: BTreeMap::from([("by".to_string(), "example-app".to_string())]),
        };
        client.put(&entry)?;
        println!("put({key:?}) -> ok");
    }

    let key = format!("{prefix}/answer");
    let entry = client.get(&key)?;
    println!("get({key:?}) -> {:?}", entry.value);

    // A declared exception arrives as a variant of the method's own error enum.
    let missing = format!("{prefix}/missing");
    match client.get(&missing) {
        Err(StoreGetError::NotFound(e)) => println!("get({missing:?}) -> {e}"),
        other => return Err(format!("expected NotFound, got {other:?}").into()),
    }

    // `limit` has an IDL default (100); the client still passes every argument.
    let keys = client.keys(prefix, 100)?;
    println!("keys({prefix:?}) -> {keys:?}");

    // A oneway call gets no reply; the next call on this connection sees its effect.
    let greeting = format!("{prefix}/greeting");
    client.forget(&greeting)?;
    println!("forget({greeting:?}) -> sent (oneway)");
    match client.get(&greeting) {
        Err(StoreGetError::NotFound(_)) => println!("get({greeting:?}) -> NotFound, as expected"),
        other => return Err(format!("expected NotFound, got {other:?}").into()),
    }
    Ok(())
}

/// A socket path unique to this process.
fn socket_path() -> PathBuf {
    std::env::temp_dir().join(format!("thrift-example-{}.sock", std::process::id()))
}
