//! THeader servers end to end: info headers reach handlers on every server kind, one port
//! answers every kind of client in its own dialect, an unknown transform is answered with
//! INVALID_TRANSFORM on a connection that goes on, and a client stalling in its first bytes
//! holds no pool worker.

mod common;

use std::io::Write as _;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::echo::*;
use thrift_rt::Caller as _;
use thrift_rt::connect::{ClientOptions, connect_tcp};
use thrift_rt::header::{InfoHeaders, with_call_headers};
use thrift_rt::server::Builder;
use thrift_rt::stack::{Header, HeaderProtocol, Stack};
use thrift_rt::transport::header::PayloadProtocol;
use thrift_rt::{
    ApplicationErrorKind, Client, MessageHeader, MessageType, ProtocolKind, ProtocolReader,
    ProtocolWriter, TransportKind, WriteThrift,
};

fn kinds() -> [(&'static str, Builder); 3] {
    [
        ("simple", quick().simple()),
        ("threaded", quick().threaded(8)),
        ("pool", quick().thread_pool(2, 8)),
    ]
}

fn header_client(addr: std::net::SocketAddr) -> TestClient {
    header_client_with(addr, |_| {})
}

#[test]
fn handlers_see_info_headers_on_every_server_kind() {
    for (kind, builder) in kinds() {
        let server = builder.one_port().spawn(tcp(), Echo::default()).unwrap();
        let a = addr(&server);
        // Per connection: on the sink, from the client's writer.
        let mut c = header_client_with(a, |w| {
            w.get_mut()
                .header_mut()
                .unwrap()
                .headers_mut()
                .insert("conn", "c1");
        });
        assert_eq!(
            call_named(&mut c, "header", "conn", 0).unwrap(),
            "c1",
            "{kind}"
        );
        assert_eq!(call_named(&mut c, "header", "req", 0).unwrap(), "none");
        // Per call: for the calls inside the closure only; a call header replaces a
        // connection header of the same key.
        let mut per_call = InfoHeaders::new();
        per_call.insert("req", "r1");
        per_call.insert("conn", "c2");
        with_call_headers(&per_call, || {
            assert_eq!(call_named(&mut c, "header", "req", 0).unwrap(), "r1");
            assert_eq!(call_named(&mut c, "header", "conn", 0).unwrap(), "c2");
        });
        assert_eq!(call_named(&mut c, "header", "req", 0).unwrap(), "none");
        // A legacy client on the same server sees none (nothing stale from another call; the
        // simple server serves one connection at a time).
        drop(c);
        let mut plain = client(a, ProtocolKind::Binary, TransportKind::Framed);
        assert_eq!(
            call_named(&mut plain, "header", "conn", 0).unwrap(),
            "none",
            "{kind}"
        );
        drop(plain);
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

#[test]
fn one_port_answers_every_client_in_kind() {
    for (kind, builder) in kinds() {
        let server = builder.one_port().spawn(tcp(), Echo::default()).unwrap();
        let a = addr(&server);
        let legacy = [
            (ProtocolKind::Binary, TransportKind::Buffered),
            (ProtocolKind::Compact, TransportKind::Buffered),
            (ProtocolKind::Binary, TransportKind::Framed),
            (ProtocolKind::Compact, TransportKind::Framed),
            (ProtocolKind::Header, TransportKind::Header),
        ];
        for (p, t) in legacy {
            let mut c = client(a, p, t);
            for i in 0..3 {
                let msg = format!("{kind} {p:?} {t:?} {i} {}", "x".repeat(i * 3000));
                assert_eq!(call(&mut c, &msg, 0).unwrap(), msg);
            }
        }
        // THeader with compact calls and zlib: the reply follows.
        let mut c = header_client_with(a, |w| {
            w.set_header_call_protocol(PayloadProtocol::Compact);
            w.get_mut().header_mut().unwrap().set_zlib(true);
        });
        let big = "z".repeat(200_000);
        assert_eq!(call(&mut c, &big, 0).unwrap(), big);
        drop(c);
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

/// A THeader call (binary, empty `echo` arguments are not needed: any bytes) with transform 9.
fn frame_with_unknown_transform() -> Vec<u8> {
    // length, magic, flags, seqid 5, 1 header word: protocol 0, 1 transform, id 9, pad.
    let mut f = vec![0, 0, 0, 18, 0x0F, 0xFF, 0, 0, 0, 0, 0, 5, 0, 1, 0, 1, 9, 0];
    f.extend_from_slice(&[0x80, 1, 0, 1]);
    f
}

#[test]
fn unknown_transform_is_answered_and_the_connection_goes_on() {
    for (kind, builder) in kinds() {
        let server = builder.one_port().spawn(tcp(), Echo::default()).unwrap();
        let stream = TcpStream::connect(addr(&server)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        (&stream)
            .write_all(&frame_with_unknown_transform())
            .unwrap();
        let (mut r, mut w) = Stack::new(HeaderProtocol::default(), Header::new())
            .open(
                stream.try_clone().unwrap(),
                stream.try_clone().unwrap(),
                &Default::default(),
            )
            .unwrap();
        let m = r.read_message_begin().unwrap();
        assert_eq!(m.kind, MessageType::Exception, "{kind}");
        let e = <thrift_rt::ApplicationError as thrift_rt::ReadThrift>::read(&mut r).unwrap();
        r.read_message_end().unwrap();
        assert_eq!(e.kind, ApplicationErrorKind::InvalidTransform);
        assert!(e.message.contains('9'), "{e}");
        // The same connection still serves calls.
        let args = EchoArgs {
            msg: "after".to_owned(),
            delay_ms: 0,
        };
        w.write_message_begin(&MessageHeader {
            name: "echo",
            kind: MessageType::Call,
            seqid: 6,
            channel: 0,
        })
        .unwrap();
        args.write(&mut w).unwrap();
        w.write_message_end().unwrap();
        w.flush().unwrap();
        let mut c = Client::new(r, w);
        let reply = c.receive::<EchoResult>("echo", 6).unwrap();
        assert_eq!(reply.0, "after");
        drop(c);
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

/// A client that sends two bytes and stalls, on a pool of one worker: others are served.
#[test]
fn a_client_stalling_in_its_first_bytes_holds_no_worker() {
    let server = quick()
        .thread_pool(1, 8)
        .one_port()
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    let stalled = TcpStream::connect(a).unwrap();
    (&stalled).write_all(&[0, 0]).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    let mut c = header_client(a);
    assert_eq!(call(&mut c, "served", 0).unwrap(), "served");
    let mut c = client(a, ProtocolKind::Compact, TransportKind::Buffered);
    assert_eq!(call(&mut c, "served too", 0).unwrap(), "served too");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    drop((c, stalled));
    server.shutdown(Duration::from_secs(1));
}

/// Bytes that are no client type close that connection only.
#[test]
fn garbage_closes_only_its_connection() {
    let server = quick()
        .thread_pool(2, 8)
        .one_port()
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    for bytes in [
        &[0, 0, 0, 4, 1, 2, 3, 4][..], // a frame that is no message
        &[0x7F, 0xFF, 0xFF, 0xFF][..], // an absurd length
        &[0, 0, 0, 12, 0x0F, 0xFF, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0][..], // header past the frame
    ] {
        let s = TcpStream::connect(a).unwrap();
        (&s).write_all(bytes).unwrap();
        let closed = time_until_closed(s);
        assert!(closed < Duration::from_secs(3), "{closed:?}");
    }
    let mut c = header_client(a);
    assert_eq!(call(&mut c, "still", 0).unwrap(), "still");
    drop(c);
    server.shutdown(Duration::from_secs(1));
}

/// A listening channel-0 endpoint over THeader: a THeader client's info headers reach the
/// handler there too.
#[test]
fn endpoint_handlers_see_info_headers() {
    let listener = thrift_rt::endpoint::Builder::new()
        .transport(TransportKind::Header)
        .serve(Echo::default())
        .listen(tcp(), |_| {})
        .unwrap();
    let a = listener.local_addr().unwrap();
    let mut c = header_client_with(a, |w| {
        w.get_mut()
            .header_mut()
            .unwrap()
            .headers_mut()
            .insert("conn", "e1");
    });
    assert_eq!(call(&mut c, "plain", 0).unwrap(), "plain");
    assert_eq!(call_named(&mut c, "header", "conn", 0).unwrap(), "e1");
    let mut per_call = InfoHeaders::new();
    per_call.insert("req", "r2");
    with_call_headers(&per_call, || {
        assert_eq!(call_named(&mut c, "header", "req", 0).unwrap(), "r2");
    });
    assert_eq!(call_named(&mut c, "header", "req", 0).unwrap(), "none");
    drop(c);
    listener.shutdown();
}

/// A THeader client of `addr`, its writer set up by `setup` before the first call.
fn header_client_with(
    addr: std::net::SocketAddr,
    setup: impl FnOnce(&mut thrift_rt::connect::AnyWriter),
) -> TestClient {
    let options = ClientOptions::default()
        .protocol(ProtocolKind::Header)
        .transport(TransportKind::Header)
        .timeouts(Duration::from_secs(5));
    let (r, mut w) = connect_tcp(addr, &options).unwrap();
    setup(&mut w);
    Client::new(r, w)
}
