//! The example application: a key-value `Store` service from `idl/example.thrift`, served
//! and called over TCP (framed transport, binary protocol) and over a Unix socket (buffered
//! transport, compact protocol).
//!
//! `build.rs` generates the code; `idl` below pulls it in. The server side implements the
//! generated `Store` trait and wraps it in `StoreProcessor`; the client side uses
//! `StoreClient`. Run it with `cargo run -p example-app`.

use std::collections::BTreeMap;
use std::io::{self, BufWriter};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;

use thrift_rt::protocol::{BinaryReader, BinaryWriter, CompactReader, CompactWriter};
use thrift_rt::transport::{BufferedReader, FramedReader, FramedWriter, socket, unix};
use thrift_rt::{ApplicationErrorKind, Error, ProtocolReader, ProtocolWriter};

/// The code generated from `idl/example.thrift` and `idl/common.thrift`.
///
/// A binary uses only part of the generated API (this one ignores the channel services), and
/// in a binary every unused `pub` item is dead code, so those two lints are off for this
/// module only. A library that exports the module needs no such allowance.
#[allow(dead_code, unreachable_pub)]
mod idl {
    thrift_rt::include_thrift!();
}

use idl::example::{Entry, NotFound, Store, StoreClient, StoreGetError, StoreProcessor, Value};

/// The server side: an in-memory map behind a lock (handlers take `&self` and may run on
/// several connections at once).
#[derive(Debug, Default)]
struct MemoryStore {
    entries: Mutex<BTreeMap<String, Entry>>,
}

impl MemoryStore {
    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        // A handler that panicked while holding the lock cannot leave the map half-written
        // (every change is a single insert or remove), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn put(&self, entry: Entry) -> Result<(), Error> {
        self.entries().insert(entry.key.clone(), entry);
        Ok(())
    }

    fn get(&self, key: String) -> Result<Entry, StoreGetError> {
        match self.entries().get(&key) {
            Some(entry) => Ok(entry.clone()),
            None => Err(NotFound {
                key,
                ..NotFound::default()
            }
            .into()),
        }
    }

    fn keys(&self, prefix: String, limit: i32) -> Result<Vec<String>, Error> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let entries = self.entries();
        let keys = entries.keys().filter(|k| k.starts_with(&prefix));
        Ok(keys.take(limit).cloned().collect())
    }

    fn forget(&self, key: String) -> Result<(), Error> {
        self.entries().remove(&key);
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let processor = Arc::new(StoreProcessor::new(MemoryStore::default()));

    // TCP: framed transport, binary protocol.
    let listener = socket::listen("127.0.0.1:0", 16)?;
    let addr = listener.local_addr()?;
    spawn_server(
        move || listener.accept().map(|(stream, _)| stream),
        Arc::clone(&processor),
        |stream: TcpStream| {
            let read_half = stream.try_clone()?;
            let r = BinaryReader::new(FramedReader::new(read_half));
            Ok((r, BinaryWriter::new(FramedWriter::new(stream))))
        },
    );

    // Unix socket: buffered transport, compact protocol.
    let path = socket_path();
    let unix_listener = unix::bind(&path, &unix::ListenOptions::default())?;
    spawn_server(
        move || unix_listener.accept().map(|(stream, _)| stream),
        Arc::clone(&processor),
        |stream: UnixStream| {
            let read_half = stream.try_clone()?;
            let r = CompactReader::new(BufferedReader::new(read_half));
            Ok((r, CompactWriter::new(BufWriter::new(stream))))
        },
    );

    println!("== TCP {addr} (framed, binary)");
    let stream = socket::connect(addr, &socket::TcpOptions::default())?;
    let mut tcp_client = StoreClient::new(
        BinaryReader::new(FramedReader::new(stream.try_clone()?)),
        BinaryWriter::new(FramedWriter::new(stream)),
    );
    demo(&mut tcp_client, "tcp")?;
    drop(tcp_client.into_inner());

    println!("\n== Unix socket {} (buffered, compact)", path.display());
    let stream = unix::connect(&path, None)?;
    let mut unix_client = StoreClient::new(
        CompactReader::new(BufferedReader::new(stream.try_clone()?)),
        CompactWriter::new(BufWriter::new(stream)),
    );
    demo(&mut unix_client, "unix")?;
    drop(unix_client);

    std::fs::remove_file(&path)?;
    Ok(())
}

/// The same conversation over any protocol and transport.
fn demo<R: ProtocolReader, W: ProtocolWriter>(
    client: &mut StoreClient<R, W>,
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

/// Accepts connections on a thread of its own and serves each one on another thread, over
/// the protocols `protocols` puts on the stream. (thrift-rt's servers will do this for you,
/// with limits, timeouts and shutdown.)
fn spawn_server<S, R, W>(
    mut accept: impl FnMut() -> io::Result<S> + Send + 'static,
    processor: Arc<StoreProcessor<MemoryStore>>,
    protocols: fn(S) -> io::Result<(R, W)>,
) where
    S: Send + 'static,
    R: ProtocolReader + 'static,
    W: ProtocolWriter + 'static,
{
    thread::spawn(move || {
        while let Ok(stream) = accept() {
            let processor = Arc::clone(&processor);
            thread::spawn(move || match protocols(stream) {
                Ok((mut r, mut w)) => {
                    report(thrift_rt::processor::serve(&*processor, &mut r, &mut w));
                }
                Err(e) => eprintln!("server: cannot set up a connection: {e}"),
            });
        }
    });
}

/// Logs how a connection ended; a clean close is the normal case.
fn report(result: thrift_rt::Result<()>) {
    match result {
        Ok(()) => {}
        Err(Error::Application(e)) if e.kind == ApplicationErrorKind::Unknown => {}
        Err(e) => eprintln!("server: connection failed: {e}"),
    }
}

/// A socket path unique to this process.
fn socket_path() -> PathBuf {
    std::env::temp_dir().join(format!("thrift-example-{}.sock", std::process::id()))
}
