//! The XOR layer (a layer written outside thrift-rt) under every stack: a generated client
//! against a thread-pool server (and the simple and threaded servers) and against a
//! listening endpoint over TCP and a Unix socket,
//! and a generated client against `processor::serve` over an in-memory pipe and over files;
//! binary and compact (endpoints: binary, the only protocol with a channel byte), buffered and
//! framed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use example_app::idl::example::{Entry, StoreClient, StoreGetError, StoreProcessor, Value};
use example_app::store::MemoryStore;
use example_app::xor::Xor;
use thrift_rt::connect;
use thrift_rt::endpoint;
use thrift_rt::server::{self, Listener, ServerKind};
use thrift_rt::stack::{Binary, Buffered, Compact, Framed, Protocol, Stack, Transport};
use thrift_rt::transport::{ReadEnd, Stream, WriteEnd, pipe};
use thrift_rt::{Caller, Limits};

const KEY: &[u8] = b"a layer of our own";

/// The conversation every combination must get through.
fn converse<C: Caller>(client: &mut StoreClient<C>, label: &str) {
    let entry = Entry {
        key: format!("{label}/k"),
        value: Value::Many(vec![Value::Text("x".repeat(3000)), Value::Number(7)]),
        updated: Some(1),
        labels: BTreeMap::from([("layer".to_owned(), "xor".to_owned())]),
    };
    client.put(&entry).unwrap();
    assert_eq!(client.get(&entry.key).unwrap(), entry, "{label}");
    assert!(
        matches!(
            client.get(&format!("{label}/missing")),
            Err(StoreGetError::NotFound(_))
        ),
        "{label}"
    );
    client.forget(&entry.key).unwrap();
    // A oneway call has no reply to wait for. A plain connection serves its calls in order,
    // so the next call sees its effect; an endpoint runs calls on workers side by side, so
    // there it may take a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut keys = client.keys(label, 10).unwrap();
    while !keys.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
        keys = client.keys(label, 10).unwrap();
    }
    assert_eq!(keys, Vec::<String>::new(), "{label}");
}

fn socket_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("xor-layer-{}-{tag}.sock", std::process::id()))
}

/// Both sockets, for the servers and endpoints.
fn listeners(tag: &str) -> Vec<(&'static str, Listener)> {
    vec![
        ("tcp", Listener::tcp("127.0.0.1:0").unwrap()),
        ("unix", Listener::unix(socket_path(tag)).unwrap()),
    ]
}

fn connect_to(kind: &str, server_addr: Option<std::net::SocketAddr>, tag: &str) -> Stream {
    match kind {
        "tcp" => connect::tcp(server_addr.unwrap(), &Default::default()).unwrap(),
        _ => connect::unix(socket_path(tag), &Default::default()).unwrap(),
    }
}

fn against_server<P: Protocol, T: Transport>(
    kind: ServerKind,
    protocol: P,
    transport: T,
    label: &str,
) {
    let stack = Stack::new(protocol, transport).layer(Xor::new(KEY));
    for (socket, listener) in listeners(label) {
        let server = server::Builder::new()
            .kind(kind)
            .stack(stack.clone())
            .read_timeout(Some(Duration::from_secs(5)))
            .spawn(listener, StoreProcessor::new(MemoryStore::default()))
            .unwrap();
        let stream = connect_to(socket, server.local_addr(), label);
        let (r, w) = connect::with_stack(stream, &stack, &Limits::default()).unwrap();
        converse(&mut StoreClient::new(r, w), &format!("{label}/{socket}"));
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

#[test]
fn thread_pool_server_over_every_stack() {
    let pool = ServerKind::ThreadPool {
        workers: 4,
        queue: 16,
    };
    against_server(pool, Binary, Buffered, "pool-binary-buffered");
    against_server(pool, Binary, Framed, "pool-binary-framed");
    against_server(pool, Compact, Buffered, "pool-compact-buffered");
    against_server(pool, Compact, Framed, "pool-compact-framed");
}

/// The other server kinds run the same generic connection code; one stack each shows the
/// layer reaches them too.
#[test]
fn simple_and_threaded_servers_over_the_layer() {
    against_server(ServerKind::Simple, Compact, Framed, "simple");
    let threaded = ServerKind::Threaded { max_connections: 8 };
    against_server(threaded, Binary, Buffered, "threaded");
}

fn against_endpoint<T: Transport>(transport: T, label: &str) {
    let stack = Stack::new(Binary, transport).layer(Xor::new(KEY));
    for (socket, listener) in listeners(label) {
        let addr = listener.local_addr();
        let listening = endpoint::Builder::new()
            .stack(stack.clone())
            .serve(StoreProcessor::new(MemoryStore::default()))
            .listen(listener, |_| {})
            .unwrap();
        let caller = endpoint::Builder::new()
            .stack(stack.clone())
            .call_timeout(Some(Duration::from_secs(5)))
            .connect(connect_to(socket, addr, label))
            .unwrap();
        converse(
            &mut StoreClient::from_caller(caller.caller()),
            &format!("{label}/{socket}"),
        );
        drop(caller);
        listening.shutdown();
    }
}

#[test]
fn endpoint_over_every_stack() {
    against_endpoint(Buffered, "endpoint-buffered");
    against_endpoint(Framed, "endpoint-framed");
}

/// `processor::serve` on a thread, the client on this one, over an in-memory pipe.
fn over_memory<P: Protocol, T: Transport>(protocol: P, transport: T, label: &str) {
    let stack = Stack::new(protocol, transport).layer(Xor::new(KEY));
    let ((client_r, client_w), (server_r, server_w)) = pipe();
    let server_stack = stack.clone();
    let server = std::thread::spawn(move || {
        let (mut r, mut w) = server_stack
            .open(server_r, server_w, &Limits::default())
            .unwrap();
        let processor = StoreProcessor::new(MemoryStore::default());
        thrift_rt::processor::serve(&processor, &mut r, &mut w).unwrap();
    });
    let (r, w) = stack.open(client_r, client_w, &Limits::default()).unwrap();
    let mut client = StoreClient::new(r, w);
    converse(&mut client, label);
    // Dropping the client ends the server's stream; `serve` returns cleanly.
    drop(client);
    server.join().unwrap();
}

#[test]
fn in_memory_pipe_over_every_stack() {
    over_memory(Binary, Buffered, "memory-binary-buffered");
    over_memory(Binary, Framed, "memory-binary-framed");
    over_memory(Compact, Buffered, "memory-compact-buffered");
    over_memory(Compact, Framed, "memory-compact-framed");
}

/// A file read as it is being written: at its end, waits for more until the writer is done.
struct Tail {
    file: std::fs::File,
    done: Arc<AtomicBool>,
}

impl Read for Tail {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            // Read `done` first: bytes written before it was set are then seen by the read.
            let done = self.done.load(Ordering::Acquire);
            let n = self.file.read(buf)?;
            if n > 0 || done || buf.is_empty() {
                return Ok(n);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl ReadEnd for Tail {}

/// Marks a file's writer done when dropped.
struct Written {
    file: std::fs::File,
    done: Arc<AtomicBool>,
}

impl Write for Written {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.file.write(data)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Release);
    }
}

impl WriteEnd for Written {}

/// A file written by one side and read by the other as it grows.
fn file_channel(path: &Path) -> (Tail, Written) {
    let done = Arc::new(AtomicBool::new(false));
    let written = Written {
        file: std::fs::File::create(path).unwrap(),
        done: Arc::clone(&done),
    };
    let tail = Tail {
        file: std::fs::File::open(path).unwrap(),
        done,
    };
    (tail, written)
}

/// Files as end points: the client's calls go into one file, which `serve` reads as it
/// grows and answers into another, which the client reads; all through the layer.
fn over_files<P: Protocol, T: Transport>(protocol: P, transport: T, label: &str) {
    let stack = Stack::new(protocol, transport).layer(Xor::new(KEY));
    let dir = std::env::temp_dir().join(format!("xor-layer-{}-{label}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (calls_in, calls_out) = file_channel(&dir.join("calls"));
    let (replies_in, replies_out) = file_channel(&dir.join("replies"));
    let server_stack = stack.clone();
    let server = std::thread::spawn(move || {
        let (mut r, mut w) = server_stack
            .open(calls_in, replies_out, &Limits::default())
            .unwrap();
        let processor = StoreProcessor::new(MemoryStore::default());
        thrift_rt::processor::serve(&processor, &mut r, &mut w).unwrap();
    });
    let (r, w) = stack
        .open(replies_in, calls_out, &Limits::default())
        .unwrap();
    let mut client = StoreClient::new(r, w);
    converse(&mut client, label);
    drop(client);
    server.join().unwrap();
    // The layer was there: the calls file holds no plaintext.
    let raw = std::fs::read(dir.join("calls")).unwrap();
    assert!(raw.len() > 3000, "{label}: the calls were written");
    assert!(!contains(&raw, b"xxxxxxxx"), "{label}: calls in clear");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn files_over_every_stack() {
    over_files(Binary, Buffered, "file-binary-buffered");
    over_files(Binary, Framed, "file-binary-framed");
    over_files(Compact, Buffered, "file-compact-buffered");
    over_files(Compact, Framed, "file-compact-framed");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Without the layer on one side, nothing gets through: the test above would notice a layer
/// that did nothing.
#[test]
fn a_client_without_the_layer_is_not_understood() {
    let stack = Stack::new(Binary, Framed).layer(Xor::new(KEY));
    let server = server::Builder::new()
        .stack(stack)
        .spawn(
            Listener::tcp("127.0.0.1:0").unwrap(),
            StoreProcessor::new(MemoryStore::default()),
        )
        .unwrap();
    let opts = connect::ClientOptions::default()
        .transport(thrift_rt::TransportKind::Framed)
        .timeouts(Duration::from_secs(5));
    let (r, w) = connect::connect_tcp(server.local_addr().unwrap(), &opts).unwrap();
    assert!(StoreClient::new(r, w).keys("", 1).is_err());
    server.shutdown(Duration::from_secs(1));
}

/// The fd transport needs a socket that carries descriptors; a byte layer cannot.
#[test]
fn the_fd_transport_refuses_to_open_over_the_layer() {
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let stack = Stack::new(Binary, thrift_rt::stack::Fd).layer(Xor::new(KEY));
    let err = stack
        .open(a.try_clone().unwrap(), a, &Limits::default())
        .expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
