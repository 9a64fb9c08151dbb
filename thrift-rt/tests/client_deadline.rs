//! A client's timeout bounds the whole call: a server that trickles a valid reply a byte at a
//! time, or answers too late, cannot keep a client waiting past its timeout (a socket read
//! timeout alone restarts with every byte).

mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::echo::*;
use thrift_rt::connect::{ClientOptions, connect_tcp};
use thrift_rt::protocol::{BinaryReader, BinaryWriter, ProtocolReader, ProtocolWriter};
use thrift_rt::transport::BufferedReader;
use thrift_rt::{Client, MessageHeader, MessageType, TType, TransportErrorKind, WriteThrift};

/// The reply to echo call `seqid`, encoded.
fn reply(msg: &str, seqid: i32) -> Vec<u8> {
    let mut w = BinaryWriter::new(Vec::new());
    w.write_message_begin(&MessageHeader::new("echo", MessageType::Reply, seqid))
        .unwrap();
    EchoResult(msg.to_owned()).write(&mut w).unwrap();
    w.write_message_end().unwrap();
    w.into_inner()
}

/// Serves one connection: answers each call whole and at once, except call `slow`, which
/// gets its reply one byte every `gap`.
fn hostile_server(slow: i32, gap: Duration) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let mut r = BinaryReader::new(BufferedReader::new(&s));
        while let Ok(header) = r.read_message_begin() {
            r.skip(TType::Struct).unwrap();
            r.read_message_end().unwrap();
            let bytes = reply("trickled", header.seqid);
            if header.seqid == slow {
                for b in bytes {
                    if (&s).write_all(&[b]).is_err() {
                        return;
                    }
                    thread::sleep(gap);
                }
            } else {
                (&s).write_all(&bytes).unwrap();
            }
        }
    });
    addr
}

fn client(addr: std::net::SocketAddr, timeout: Duration) -> TestClient {
    let (r, w) = connect_tcp(addr, &ClientOptions::default().timeouts(timeout)).unwrap();
    Client::new(r, w)
}

#[test]
fn a_trickled_reply_fails_at_the_call_timeout() {
    // About 40 bytes at 50 ms each: 2 s of reply against a 400 ms timeout; each byte arrives
    // well within the socket timeout, so only a deadline over the whole call stops it.
    let timeout = Duration::from_millis(400);
    let addr = hostile_server(2, Duration::from_millis(50));
    let mut c = client(addr, timeout);
    // A prompt call goes through.
    assert_eq!(call(&mut c, "first", 0).unwrap(), "trickled");
    let start = Instant::now();
    let err = call(&mut c, "second", 0).unwrap_err();
    let took = start.elapsed();
    assert_eq!(
        err.transport_kind(),
        Some(TransportErrorKind::TimedOut),
        "{err}"
    );
    // The deadline, plus at most an eighth of the timeout of slack, plus scheduling.
    assert!(
        took >= timeout - Duration::from_millis(20) && took < timeout * 2,
        "the call took {took:?}"
    );
}

#[test]
fn a_call_answered_in_time_pays_nothing_for_the_deadline() {
    // Calls answered within the timeout, one after another on one connection: each starts a
    // fresh deadline, so many of them together may take far longer than one timeout.
    let timeout = Duration::from_millis(300);
    let addr = hostile_server(-1, Duration::ZERO);
    let mut c = client(addr, timeout);
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < timeout * 2 {
        assert_eq!(call(&mut c, "x", 0).unwrap(), "trickled");
        n += 1;
        thread::sleep(Duration::from_millis(10));
    }
    assert!(n > 10, "{n} calls");
}

#[test]
fn a_server_that_never_answers_fails_the_call_at_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let _silent = thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        thread::sleep(Duration::from_secs(3));
        drop::<TcpStream>(s);
    });
    let timeout = Duration::from_millis(300);
    let mut c = client(addr, timeout);
    let start = Instant::now();
    let err = call(&mut c, "anyone?", 0).unwrap_err();
    assert_eq!(err.transport_kind(), Some(TransportErrorKind::TimedOut));
    assert!(start.elapsed() < timeout * 2, "{:?}", start.elapsed());
}
