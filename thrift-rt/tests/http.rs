//! Thrift over HTTP end to end: our client against our server under every server kind and
//! protocol, oneway calls against a server that answers them and one that does not, paths,
//! headers, chunked and pipelined requests written by hand, and a stalled client that must
//! not hold the thread pool's only worker.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::echo::*;
use thrift_rt::__private as rt;
use thrift_rt::client::deadline::{ClientReadHalf, ClientWriteHalf};
use thrift_rt::connect::{tcp as connect, with_stack};
use thrift_rt::processor::Processor;
use thrift_rt::stack::{Binary, HttpClient, HttpServer, Plain, Stack, StackReader, StackWriter};
use thrift_rt::transport::http::{HttpReader, Response};
use thrift_rt::transport::socket::TcpOptions;
use thrift_rt::{
    Caller, Client, Limits, MessageHeader, MessageType, ProtocolKind, ProtocolReader,
    ProtocolWriter, Result, TransportErrorKind, WriteThrift,
};

type HttpTestClient = Client<
    StackReader<ProtocolKind, HttpClient, Plain, ClientReadHalf>,
    StackWriter<ProtocolKind, HttpClient, Plain, ClientWriteHalf>,
>;

/// Echo, plus a oneway `note` that counts what it was sent.
#[derive(Clone, Default)]
struct Notes {
    echo: Echo,
    notes: Arc<Mutex<Vec<String>>>,
}

impl Processor for Notes {
    fn process<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Result<()> {
        if header.name == "note" {
            let args: EchoArgs = rt::read_args(header, r, w)?;
            self.notes.lock().unwrap().push(args.msg);
            return Ok(());
        }
        self.echo.process(header, r, w)
    }
}

fn http_client(addr: SocketAddr, protocol: ProtocolKind, http: HttpClient) -> HttpTestClient {
    let t = Duration::from_secs(5);
    let options = TcpOptions::default().read_timeout(t).write_timeout(t);
    let stream = connect(addr, &options).unwrap();
    let (r, w) = with_stack(stream, &Stack::new(protocol, http), &Limits::default()).unwrap();
    Client::new(r, w)
}

fn note<R: ProtocolReader, W: ProtocolWriter>(c: &mut Client<R, W>, msg: &str) -> Result<()> {
    let args = EchoArgs {
        msg: msg.to_owned(),
        delay_ms: 0,
    };
    c.send("note", MessageType::Oneway, 0, |w| args.write(w))
        .map(drop)
}

fn wait_notes(notes: &Mutex<Vec<String>>, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let got = notes.lock().unwrap().clone();
        if got.len() >= n || start.elapsed() > Duration::from_secs(5) {
            return got;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn http_server(
    kind: &str,
    protocol: ProtocolKind,
    http: HttpServer,
    p: Notes,
) -> thrift_rt::server::Server {
    let builder = quick().stack(Stack::new(protocol, http));
    let builder = match kind {
        "simple" => builder.simple(),
        "threaded" => builder.threaded(16),
        _ => builder.thread_pool(2, 16),
    };
    builder.spawn(tcp(), p).unwrap()
}

#[test]
fn our_client_and_server_under_every_kind_and_protocol() {
    for kind in ["simple", "threaded", "thread-pool"] {
        for protocol in [
            ProtocolKind::Binary,
            ProtocolKind::Compact,
            ProtocolKind::Json,
        ] {
            let p = Notes::default();
            let server = http_server(kind, protocol, HttpServer::new(), p.clone());
            let mut c = http_client(addr(&server), protocol, HttpClient::new("localhost"));
            // One kept-alive connection for every call, oneway calls in between.
            for i in 0..5 {
                let msg = format!("{kind} {protocol:?} {i} {}", "x".repeat(i * 3000));
                assert_eq!(call_named(&mut c, "echo", &msg, 0).unwrap(), msg);
                note(&mut c, &format!("n{i}")).unwrap();
            }
            assert_eq!(call_named(&mut c, "echo", "last", 0).unwrap(), "last");
            assert_eq!(wait_notes(&p.notes, 5), ["n0", "n1", "n2", "n3", "n4"]);
            assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0, "{kind}");
        }
    }
}

/// A server like Apache's C++ `THttpServer`: it never answers a oneway call.
fn silent_oneway_server(p: Notes) -> (SocketAddr, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let read = stream.try_clone().unwrap();
        let stack = Stack::new(Binary, HttpServer::new());
        let (mut r, mut w) = stack.open(read, stream, &Limits::default()).unwrap();
        // `processor::serve` does not tell the sink when a message was served: a oneway
        // call gets no response at all.
        let _ = thrift_rt::processor::serve(&p, &mut r, &mut w);
    });
    (addr, handle)
}

#[test]
fn oneway_calls_against_a_server_that_does_not_answer_them() {
    let p = Notes::default();
    let (addr, server) = silent_oneway_server(p.clone());
    let mut c = http_client(addr, ProtocolKind::Binary, HttpClient::new("localhost"));
    for i in 0..3 {
        let start = Instant::now();
        note(&mut c, &format!("n{i}")).unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "a oneway call must not wait"
        );
        note(&mut c, "again").unwrap();
        assert_eq!(call_named(&mut c, "echo", "after", 0).unwrap(), "after");
    }
    assert_eq!(wait_notes(&p.notes, 6).len(), 6);
    drop(c);
    server.join().unwrap();
}

#[test]
fn oneway_calls_against_a_server_that_answers_them() {
    for kind in ["simple", "threaded", "thread-pool"] {
        let p = Notes::default();
        let server = http_server(kind, ProtocolKind::Binary, HttpServer::new(), p.clone());
        let mut raw = TcpStream::connect(addr(&server)).unwrap();
        raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut oneway = thrift_rt::protocol::BinaryWriter::new(Vec::new());
        oneway
            .write_message_begin(&MessageHeader::new("note", MessageType::Oneway, 1))
            .unwrap();
        EchoArgs {
            msg: "hi".into(),
            delay_ms: 0,
        }
        .write(&mut oneway)
        .unwrap();
        oneway.write_message_end().unwrap();
        raw.write_all(&post("/", &oneway.into_inner())).unwrap();
        // Our reader would skip the empty response: look at the bytes.
        let mut head = [0u8; 128];
        let n = raw.read(&mut head).unwrap();
        let head = String::from_utf8_lossy(&head[..n]);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{kind}: {head}");
        assert!(
            head.ends_with("Content-Length: 0\r\n\r\n"),
            "{kind}: {head}"
        );
        assert_eq!(wait_notes(&p.notes, 1), ["hi"], "{kind}");
        drop(raw);
        server.shutdown(Duration::from_secs(1));
    }
}

fn post(path: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-thrift\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for part in body.chunks(7) {
        req.extend_from_slice(format!("{:x};ext=1\r\n", part.len()).as_bytes());
        req.extend_from_slice(part);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\nTrailer: yes\r\n\r\n");
    req
}

/// Reads one echo reply from `responses`.
fn echo_reply(responses: &mut HttpReader<&TcpStream, Response>) -> String {
    assert!(responses.next_frame().unwrap());
    let mut r = thrift_rt::protocol::BinaryReader::new(responses.body());
    let header = r.read_message_begin().unwrap();
    assert_eq!(header.kind, MessageType::Reply);
    thrift_rt::ReadThrift::read(&mut r)
        .map(|r: EchoResult| r.0)
        .unwrap()
}

#[test]
fn chunked_pipelined_and_closing_requests_by_hand() {
    for kind in ["simple", "thread-pool"] {
        let server = http_server(
            kind,
            ProtocolKind::Binary,
            HttpServer::new(),
            Notes::default(),
        );
        let raw = TcpStream::connect(addr(&server)).unwrap();
        raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // Three requests in one write: chunked, with a length, and one asking to close.
        let mut bytes = chunked(&raw_call_seq("chunks of seven bytes", 1));
        bytes.extend(post("/any/path", &raw_call_seq("plain", 2)));
        let body = raw_call_seq("bye", 3);
        let head = format!(
            "POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        bytes.extend(head.as_bytes());
        bytes.extend(body);
        (&raw).write_all(&bytes).unwrap();
        let mut responses = HttpReader::<_, Response>::new(&raw, &Limits::default());
        assert_eq!(
            echo_reply(&mut responses),
            "chunks of seven bytes",
            "{kind}"
        );
        assert_eq!(echo_reply(&mut responses), "plain", "{kind}");
        assert_eq!(echo_reply(&mut responses), "bye", "{kind}");
        if kind == "simple" {
            // The request asked to close: the server does after answering.
            assert!(!responses.next_frame().unwrap());
        }
        drop(responses);
        server.shutdown(Duration::from_secs(1));
    }
}

#[test]
fn paths_and_custom_headers() {
    let server = http_server(
        "threaded",
        ProtocolKind::Compact,
        HttpServer::new().path("/service"),
        Notes::default(),
    );
    let http = HttpClient::new("localhost")
        .path("/service")
        .header("X-Trace", "abc");
    let mut c = http_client(addr(&server), ProtocolKind::Compact, http);
    assert_eq!(call_named(&mut c, "echo", "served", 0).unwrap(), "served");
    // Another path is not served: the connection is closed without an answer.
    let mut c = http_client(
        addr(&server),
        ProtocolKind::Compact,
        HttpClient::new("h").path("/x"),
    );
    assert!(call_named(&mut c, "echo", "refused", 0).is_err());
    server.shutdown(Duration::from_secs(1));

    // What goes on the wire: one write with the head and the body.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = listener.local_addr().unwrap();
    let seen = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        buf.truncate(n);
        buf
    });
    let http = HttpClient::new("example.com:81")
        .path("/p?q=1")
        .header("X-Trace", "abc");
    let mut c = http_client(a, ProtocolKind::Binary, http);
    let _ = call_named(&mut c, "echo", "look", 0);
    let seen = seen.join().unwrap();
    let split = seen.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let (head, body) = (String::from_utf8_lossy(&seen[..split]), &seen[split..]);
    let seen = head.as_ref();
    assert!(
        seen.starts_with("POST /p?q=1 HTTP/1.1\r\nHost: example.com:81\r\n"),
        "{seen}"
    );
    assert!(
        seen.contains("\r\nContent-Type: application/x-thrift\r\n"),
        "{seen}"
    );
    assert!(seen.contains("\r\nX-Trace: abc\r\n"), "{seen}");
    let length = format!("\r\nContent-Length: {}\r\n\r\n", body.len());
    assert!(head.ends_with(&length), "{seen}");
    assert_eq!(body, raw_call("look"), "the body is the message");
}

#[test]
fn a_client_times_out_on_a_server_that_never_answers() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = listener.local_addr().unwrap();
    let held = thread::spawn(move || {
        listener.accept().map(|(s, _)| {
            thread::sleep(Duration::from_secs(2));
            drop(s);
        })
    });
    let options = TcpOptions::default().read_timeout(Duration::from_millis(300));
    let stream = connect(a, &options).unwrap();
    let stack = Stack::new(ProtocolKind::Binary, HttpClient::new("h"));
    let (r, w) = with_stack(stream, &stack, &Limits::default()).unwrap();
    let mut c = Client::new(r, w);
    let start = Instant::now();
    let e = call_named(&mut c, "echo", "hello?", 0).unwrap_err();
    assert_eq!(
        e.transport_kind(),
        Some(TransportErrorKind::TimedOut),
        "{e}"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
    held.join().unwrap().unwrap();
}

#[test]
fn a_client_stalled_inside_its_request_holds_no_worker() {
    let p = Notes::default();
    let server = quick()
        .stack(Stack::new(ProtocolKind::Binary, HttpServer::new()))
        .thread_pool(1, 16)
        .spawn(tcp(), p)
        .unwrap();
    // One stalls inside its head, one inside its body.
    let mut in_head = TcpStream::connect(addr(&server)).unwrap();
    in_head
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le")
        .unwrap();
    let mut in_body = TcpStream::connect(addr(&server)).unwrap();
    let whole = post("/", &raw_call("slow"));
    in_body.write_all(&whole[..whole.len() - 3]).unwrap();
    thread::sleep(Duration::from_millis(100));
    let served = AtomicUsize::new(0);
    let mut c = http_client(addr(&server), ProtocolKind::Binary, HttpClient::new("h"));
    for i in 0..3 {
        assert_eq!(
            call_named(&mut c, "echo", &i.to_string(), 0).unwrap(),
            i.to_string()
        );
        served.fetch_add(1, Ordering::SeqCst);
    }
    // The stalled body completes and is answered.
    in_body.write_all(&whole[whole.len() - 3..]).unwrap();
    let mut responses = HttpReader::<_, Response>::new(&in_body, &Limits::default());
    in_body
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert!(responses.next_frame().unwrap());
    assert!(responses.body().ends_with(b"slow\0"));
    drop(in_head);
    server.shutdown(Duration::from_secs(1));
}

/// A layer of our own under the HTTP transport: it counts the bytes each way, as a stand-in
/// for TLS (HTTPS is HTTP over such a layer).
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

struct CountingHalf<T>(T, Arc<AtomicUsize>);

impl<R: std::io::Read> std::io::Read for CountingHalf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.fetch_add(n, Ordering::Relaxed);
        Ok(n)
    }
}

impl<W: Write> Write for CountingHalf<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(data)?;
        self.1.fetch_add(n, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<R: thrift_rt::transport::ReadEnd> thrift_rt::transport::ReadEnd for CountingHalf<R> {}
impl<W: thrift_rt::transport::WriteEnd> thrift_rt::transport::WriteEnd for CountingHalf<W> {}

impl thrift_rt::stack::Layer for Counting {
    type Reader<R: thrift_rt::transport::ReadEnd> = CountingHalf<R>;
    type Writer<W: thrift_rt::transport::WriteEnd> = CountingHalf<W>;

    fn wrap<R: thrift_rt::transport::ReadEnd, W: thrift_rt::transport::WriteEnd>(
        &self,
        read: R,
        write: W,
    ) -> std::io::Result<(CountingHalf<R>, CountingHalf<W>)> {
        Ok((
            CountingHalf(read, Arc::clone(&self.0)),
            CountingHalf(write, Arc::clone(&self.0)),
        ))
    }

    fn inner<R: thrift_rt::transport::ReadEnd>(reader: &CountingHalf<R>) -> &R {
        &reader.0
    }

    fn inner_mut<R: thrift_rt::transport::ReadEnd>(reader: &mut CountingHalf<R>) -> &mut R {
        &mut reader.0
    }
}

#[test]
fn http_over_a_layer_of_our_own() {
    for kind in ["threaded", "thread-pool"] {
        let (on_server, on_client) = (Counting::default(), Counting::default());
        let stack = Stack::new(ProtocolKind::Compact, HttpServer::new()).layer(on_server.clone());
        let builder = quick().stack(stack);
        let builder = if kind == "threaded" {
            builder.threaded(4)
        } else {
            builder.thread_pool(2, 4)
        };
        let p = Notes::default();
        let server = builder.spawn(tcp(), p.clone()).unwrap();
        let options = TcpOptions::default().read_timeout(Duration::from_secs(5));
        let stream = connect(addr(&server), &options).unwrap();
        let stack =
            Stack::new(ProtocolKind::Compact, HttpClient::new("h")).layer(on_client.clone());
        let (r, w) = with_stack(stream, &stack, &Limits::default()).unwrap();
        let mut c = Client::new(r, w);
        for i in 0..3 {
            assert_eq!(
                call_named(&mut c, "echo", &i.to_string(), 0).unwrap(),
                i.to_string()
            );
            note(&mut c, "through the layer").unwrap();
        }
        assert_eq!(call_named(&mut c, "echo", "last", 0).unwrap(), "last");
        assert_eq!(wait_notes(&p.notes, 3).len(), 3, "{kind}");
        drop(c);
        server.shutdown(Duration::from_secs(1));
        let (s, c) = (
            on_server.0.load(Ordering::Relaxed),
            on_client.0.load(Ordering::Relaxed),
        );
        assert!(
            s > 0 && s == c,
            "{kind}: {s} bytes through the server's layer, {c} the client's"
        );
    }
}

#[test]
fn bad_requests_get_a_4xx_and_a_closed_connection() {
    for kind in ["simple", "threaded", "thread-pool"] {
        let server = http_server(
            kind,
            ProtocolKind::Binary,
            HttpServer::new(),
            Notes::default(),
        );
        for (request, status) in [
            (&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..], "400"),
            (b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", "400"),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n",
                "413",
            ),
        ] {
            let mut raw = TcpStream::connect(addr(&server)).unwrap();
            raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            raw.write_all(request).unwrap();
            let mut answer = Vec::new();
            raw.read_to_end(&mut answer).unwrap();
            let answer = String::from_utf8_lossy(&answer);
            let want = format!("HTTP/1.1 {status} ");
            assert!(answer.starts_with(&want), "{kind}: {answer:?}");
            assert!(
                answer.ends_with("Connection: close\r\n\r\n"),
                "{kind}: {answer:?}"
            );
        }
        // A call that cannot be decoded is answered with an exception, not a 4xx.
        let mut raw = TcpStream::connect(addr(&server)).unwrap();
        raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut call = raw_call("x");
        call.truncate(call.len() - 3);
        raw.write_all(&post("/", &call)).unwrap();
        let mut answer = Vec::new();
        let start = Instant::now();
        let _ = raw.read_to_end(&mut answer);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{kind}: the message ends with its body"
        );
        assert!(
            answer.starts_with(b"HTTP/1.1 200 OK\r\n"),
            "{kind}: {:?}",
            String::from_utf8_lossy(&answer)
        );
        assert_eq!(
            answer.windows(4).filter(|w| w == b"HTTP").count(),
            1,
            "{kind}: one response"
        );
        server.shutdown(Duration::from_secs(1));
    }
}

#[test]
fn hostile_responses_fail_the_call_cleanly() {
    let big_head = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(20_000));
    let cases: Vec<(Vec<u8>, TransportErrorKind)> = vec![
        (
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_vec(),
            TransportErrorKind::Http,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n".to_vec(),
            TransportErrorKind::FrameTooLarge,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffff\r\n".to_vec(),
            TransportErrorKind::FrameTooLarge,
        ),
        (big_head.into_bytes(), TransportErrorKind::Http),
        (
            b"hello, this is no HTTP\r\n\r\n".to_vec(),
            TransportErrorKind::Http,
        ),
        // A body that stops coming: the call's deadline ends it.
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc".to_vec(),
            TransportErrorKind::TimedOut,
        ),
    ];
    for (response, kind) in cases {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&response);
            // Hold the connection until the client gives up.
            let _ = s.read(&mut buf);
        });
        let options = TcpOptions::default().read_timeout(Duration::from_millis(500));
        let stream = connect(a, &options).unwrap();
        let stack = Stack::new(ProtocolKind::Binary, HttpClient::new("h"));
        let (r, w) = with_stack(stream, &stack, &Limits::default()).unwrap();
        let mut c = Client::new(r, w);
        let start = Instant::now();
        let e = call_named(&mut c, "echo", "x", 0).unwrap_err();
        assert_eq!(e.transport_kind(), Some(kind), "{e}");
        if kind != TransportErrorKind::TimedOut {
            assert!(
                start.elapsed() < Duration::from_millis(400),
                "{kind:?} took {:?}",
                start.elapsed()
            );
        }
        drop(c);
        server.join().unwrap();
    }
}
