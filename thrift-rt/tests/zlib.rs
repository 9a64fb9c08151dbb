//! The zlib transport (`TransportKind::Zlib`: buffered over the zlib layer) end to end: every
//! server kind, large messages, a peer's stream (Python's `zlib`, as Apache's
//! `TZlibTransport` writes it) read back, and calls pipelined in one compressed flush, whose
//! second message waits inside the layer (`holds_bytes`) and must still be answered.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use common::echo::*;
use thrift_rt::layer::Zlib;
use thrift_rt::protocol::BinaryReader;
use thrift_rt::server::ServerKind;
use thrift_rt::{ProtocolKind, ProtocolReader, ReadThrift, TransportKind};

/// The buffered transport's buffer (`transport::buffered`'s default capacity).
const BUFFER: usize = 8 * 1024;

const KINDS: [ServerKind; 3] = [
    ServerKind::Simple,
    ServerKind::Threaded { max_connections: 8 },
    ServerKind::ThreadPool {
        workers: 2,
        queue: 8,
    },
];

#[test]
fn every_server_kind_and_protocol() {
    for kind in KINDS {
        for protocol in [ProtocolKind::Binary, ProtocolKind::Compact] {
            let server = quick()
                .protocol(protocol)
                .transport(TransportKind::Zlib)
                .kind(kind)
                .spawn(tcp(), Echo::default())
                .unwrap();
            let mut c = client(addr(&server), protocol, TransportKind::Zlib);
            for msg in ["short", &"compressible ".repeat(200_000), "after"] {
                assert_eq!(call(&mut c, msg, 0).unwrap(), msg, "{kind:?} {protocol:?}");
            }
            drop(c);
            assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
        }
    }
}

/// Two binary calls compressed in one flush (so the server inflates the second with the
/// first), then their two replies read back through the layer. The first call is exactly
/// two buffers of the buffered transport long, so when it has been read the transport's
/// buffer is empty and the second call waits inside the zlib layer alone.
fn pipelined(stream: &mut TcpStream, level: u32) -> Vec<String> {
    let first = "f".repeat(2 * BUFFER - 31);
    let call = raw_call_seq(&first, 1);
    assert_eq!(call.len(), 2 * BUFFER);
    let mut w = Zlib::new(level).writer(Vec::new());
    w.write_all(&call).unwrap();
    w.write_all(&raw_call_seq("second", 2)).unwrap();
    w.flush().unwrap();
    stream.write_all(w.get_ref()).unwrap();
    let mut r = BinaryReader::new(thrift_rt::transport::BufferedReader::new(
        Zlib::default().reader(stream.try_clone().unwrap()),
    ));
    (0..2)
        .map(|_| {
            let header = r.read_message_begin().unwrap();
            let reply = EchoResult::read(&mut r).unwrap();
            r.read_message_end().unwrap();
            assert_eq!(header.name, "echo");
            reply.0
        })
        .collect()
}

#[test]
fn calls_pipelined_in_one_flush_are_all_answered() {
    for kind in KINDS {
        let server = quick()
            .transport(TransportKind::Zlib)
            .kind(kind)
            .spawn(tcp(), Echo::default())
            .unwrap();
        let mut s = TcpStream::connect(addr(&server)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // The pool parks a connection whose socket has nothing more unless the layer says it
        // still holds the second call: that would leave this read waiting.
        let replies = pipelined(&mut s, 6);
        assert_eq!(replies[0].len(), 2 * BUFFER - 31);
        assert_eq!(replies[1], "second", "{kind:?}");
        drop(s);
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

/// One worker and busy neighbours: a connection whose next call waits inside the zlib layer
/// must not be parked (the poller would wait for its socket, which has nothing more) when
/// other connections want the worker.
#[test]
fn pipelined_calls_beside_busy_neighbours_on_one_worker() {
    let server = quick()
        .transport(TransportKind::Zlib)
        .thread_pool(1, 16)
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let neighbours: Vec<_> = (0..3)
        .map(|i| {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut c = client(a, ProtocolKind::Binary, TransportKind::Zlib);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let msg = format!("neighbour {i}");
                    assert_eq!(call(&mut c, &msg, 0).unwrap(), msg);
                }
            })
        })
        .collect();
    for _ in 0..20 {
        let mut s = TcpStream::connect(a).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(pipelined(&mut s, 1)[1], "second");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for n in neighbours {
        n.join().unwrap();
    }
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn a_stream_compressed_by_pythons_zlib_as_apache_writes_it() {
    // Apache's Python TZlibTransport: compressobj(9), Z_SYNC_FLUSH per flush; its C++ one:
    // Z_BLOCK then Z_FULL_FLUSH. Both framings of the same two calls must read back.
    let calls = [raw_call_seq("from python", 7), raw_call_seq("again", 8)].concat();
    let hex: String = calls.iter().map(|b| format!("{b:02x}")).collect();
    let script = format!(
        "import zlib,sys\n\
         data=bytes.fromhex('{hex}')\n\
         z=zlib.compressobj(9)\n\
         out=z.compress(data[:len(data)//2])+z.flush(zlib.Z_SYNC_FLUSH)\n\
         out+=z.compress(data[len(data)//2:])+z.flush(zlib.Z_FULL_FLUSH)\n\
         sys.stdout.buffer.write(out)"
    );
    let Ok(out) = Command::new("python3").args(["-c", &script]).output() else {
        eprintln!("python3 not found: skipped");
        return;
    };
    assert!(out.status.success());
    let mut inflated = Vec::new();
    Zlib::default()
        .reader(&out.stdout[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, calls);
    // And straight to a server.
    let server = quick()
        .transport(TransportKind::Zlib)
        .spawn(tcp(), Echo::default())
        .unwrap();
    let mut s = TcpStream::connect(addr(&server)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(&out.stdout).unwrap();
    let mut r = BinaryReader::new(thrift_rt::transport::BufferedReader::new(
        Zlib::default().reader(s.try_clone().unwrap()),
    ));
    for want in ["from python", "again"] {
        r.read_message_begin().unwrap();
        assert_eq!(EchoResult::read(&mut r).unwrap().0, want);
        r.read_message_end().unwrap();
    }
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn garbage_closes_only_its_connection() {
    let server = quick()
        .transport(TransportKind::Zlib)
        .thread_pool(2, 8)
        .spawn(tcp(), Echo::default())
        .unwrap();
    let mut bad = TcpStream::connect(addr(&server)).unwrap();
    bad.write_all(b"\x78\x9cnot deflate at all, not at all")
        .unwrap();
    assert!(time_until_closed(bad) < Duration::from_secs(2));
    let mut c = client(addr(&server), ProtocolKind::Binary, TransportKind::Zlib);
    assert_eq!(call(&mut c, "still here", 0).unwrap(), "still here");
    drop(c);
    server.shutdown(Duration::from_secs(1));
}

/// The layer under any transport: framed over zlib, with fixed types, on every server kind
/// (the pool's gate sits between the transport and the layer, so it sees whole frames of
/// plaintext and hands workers whole messages).
#[test]
fn framed_over_the_zlib_layer() {
    use thrift_rt::stack::{Compact, Framed, Stack};

    let stack =
        Stack::new(Compact, Framed).layer(Zlib::new(1).flush(thrift_rt::layer::ZlibFlush::Full));
    for kind in KINDS {
        let server = quick()
            .stack(stack)
            .kind(kind)
            .spawn(tcp(), Echo::default())
            .unwrap();
        let stream = thrift_rt::connect::tcp(
            addr(&server),
            &thrift_rt::transport::socket::TcpOptions::default(),
        )
        .unwrap();
        let (r, w) = thrift_rt::connect::with_stack(stream, &stack, &Default::default()).unwrap();
        let mut c = thrift_rt::Client::new(r, w);
        for msg in ["one", &"framed and compressed ".repeat(50_000), "three"] {
            assert_eq!(call_named(&mut c, "echo", msg, 0).unwrap(), msg, "{kind:?}");
        }
        drop(c);
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

/// The buffered transport over the zlib layer (the bytes of `TransportKind::Zlib`, with
/// fixed types) is gated on the thread pool: the gate sits over the layer and sees the
/// inflated bytes, so a client stalled inside a compressed message holds no worker.
#[test]
fn a_client_stalled_inside_a_compressed_message_holds_no_worker() {
    use thrift_rt::stack::{Binary, Buffered, Stack};

    let stack = Stack::new(Binary, Buffered).layer(Zlib::default());
    let server = quick()
        .stack(stack)
        .thread_pool(1, 8)
        .spawn(tcp(), Echo::default())
        .unwrap();
    let mut w = Zlib::default().writer(Vec::new());
    let call = raw_call_seq("never finished", 1);
    w.write_all(&call[..call.len() / 2]).unwrap();
    w.flush().unwrap();
    let mut stalled = TcpStream::connect(addr(&server)).unwrap();
    stalled.write_all(w.get_ref()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = std::time::Instant::now();
    let stream = thrift_rt::connect::tcp(
        addr(&server),
        &thrift_rt::transport::socket::TcpOptions::default().read_timeout(Duration::from_secs(5)),
    )
    .unwrap();
    let (r, w) = thrift_rt::connect::with_stack(stream, &stack, &Default::default()).unwrap();
    let mut c = thrift_rt::Client::new(r, w);
    assert_eq!(call_named(&mut c, "echo", "served", 0).unwrap(), "served");
    // Far less than the message timeout (5 s) the stalled client could hold a worker for.
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    drop((c, stalled));
    server.shutdown(Duration::from_secs(1));
}
