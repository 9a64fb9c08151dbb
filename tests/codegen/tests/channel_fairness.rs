//! What the endpoint's reading must guarantee under load: a slow handler does not hold up
//! the calls that arrived with it, and two peers writing large messages to each other at
//! once never stop reading.

use std::sync::Arc;
use std::time::{Duration, Instant};

use codegen_tests::idl::channels::{
    Ping, PingClient, PingProcessor, Pong, PongClient, PongProcessor,
};
use thrift_rt::Error;
use thrift_rt::endpoint::{Builder, Endpoint};
use thrift_rt::server::Listener;

#[derive(Clone)]
struct Both;

impl Ping for Both {
    fn bounce(&self, n: i32) -> Result<i64, Error> {
        Ok(i64::from(n))
    }

    fn note(&self, _: String) -> Result<(), Error> {
        Ok(())
    }

    fn nap(&self, ms: i32) -> Result<i32, Error> {
        std::thread::sleep(Duration::from_millis(u64::try_from(ms).unwrap_or(0)));
        Ok(ms)
    }

    fn blob(&self, data: Vec<u8>) -> Result<Vec<u8>, Error> {
        Ok(data)
    }
}

impl Pong for Both {
    fn add(&self, a: i64, b: i64) -> Result<String, Error> {
        Ok((a + b).to_string())
    }
}

fn builder() -> Builder {
    Builder::new()
        .call_timeout(Some(Duration::from_secs(20)))
        .serve(PingProcessor::new(Both))
        .serve(PongProcessor::new(Both))
}

/// A listening endpoint and one connected to it, both serving `Ping` and `Pong`; returns the
/// connected endpoint and the listener's side of the connection.
fn pair() -> (thrift_rt::endpoint::EndpointListener, Endpoint, Endpoint) {
    let (tx, rx) = std::sync::mpsc::channel();
    let listener = builder()
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), move |peer| {
            let _ = tx.send(peer);
        })
        .unwrap();
    let client = builder()
        .connect_tcp(listener.local_addr().unwrap(), &Default::default())
        .unwrap();
    let server = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    (listener, client, server)
}

/// Quick calls sent together with a slow one (so that they are read in one go) are answered
/// while the slow one still runs, round after round.
#[test]
fn a_slow_handler_does_not_hold_up_the_calls_that_came_with_it() {
    let (listener, client, _server) = pair();
    for round in 0..5 {
        let slow_caller = client.caller();
        let slow = std::thread::spawn(move || PingClient::from_caller(slow_caller).nap(1000));
        std::thread::sleep(Duration::from_millis(5));
        let start = Instant::now();
        let quick: Vec<_> = (0..4)
            .map(|i| {
                let caller = client.caller();
                std::thread::spawn(move || PongClient::from_caller(caller).add(i, round))
            })
            .collect();
        for (i, q) in quick.into_iter().enumerate() {
            assert_eq!(q.join().unwrap().unwrap(), (i as i64 + round).to_string());
        }
        let took = start.elapsed();
        assert!(took < Duration::from_millis(500), "round {round}: {took:?}");
        assert_eq!(slow.join().unwrap().unwrap(), 1000);
    }
    client.close();
    listener.shutdown();
}

/// Both peers call each other with messages far larger than the sockets' buffers, from
/// several threads each, at once: every call completes (nobody holding a connection's
/// reading is ever stuck writing).
#[test]
fn large_calls_both_ways_at_once_complete() {
    let (listener, client, server) = pair();
    let data = Arc::new(vec![0x5au8; 4 << 20]);
    let start = Instant::now();
    std::thread::scope(|s| {
        for side in [&client, &server] {
            for _ in 0..3 {
                let data = Arc::clone(&data);
                let caller = side.caller();
                s.spawn(move || {
                    let mut ping = PingClient::from_caller(caller);
                    for _ in 0..3 {
                        let back = ping.blob(&data).unwrap();
                        assert_eq!(back.len(), data.len());
                        assert!(back == *data);
                    }
                });
            }
        }
    });
    assert!(start.elapsed() < Duration::from_secs(20));
    client.close();
    listener.shutdown();
}

/// One framed call of a method taking one field, as the binary protocol writes it.
fn framed_call(
    name: &str,
    seqid: i32,
    channel: u8,
    field: impl FnOnce(&mut thrift_rt::protocol::BinaryWriter<Vec<u8>>),
) -> Vec<u8> {
    use thrift_rt::{MessageHeader, MessageType, ProtocolWriter};
    let mut w = thrift_rt::protocol::BinaryWriter::new(Vec::new());
    let mut header = MessageHeader::new(name, MessageType::Call, seqid);
    header.channel = channel;
    w.write_message_begin(&header).unwrap();
    w.write_struct_begin("args").unwrap();
    field(&mut w);
    w.write_field_stop().unwrap();
    w.write_struct_end().unwrap();
    w.write_message_end().unwrap();
    let body = w.into_inner();
    let mut framed = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    framed.extend_from_slice(&body);
    framed
}

/// A slow call and quick ones arriving in one write (so read in one go, the quick ones
/// buffered behind the slow one): the quick ones are answered while the slow one runs.
#[test]
fn calls_buffered_behind_a_slow_one_are_not_held_up() {
    use std::io::{Read, Write};
    use thrift_rt::{FieldHeader, ProtocolWriter, TType};
    let listener = builder()
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let add = |seqid| {
        framed_call("add", seqid, 8, |w| {
            w.write_field_begin(FieldHeader::new(TType::I64, 1))
                .unwrap();
            w.write_i64(40).unwrap();
            w.write_field_begin(FieldHeader::new(TType::I64, 2))
                .unwrap();
            w.write_i64(2).unwrap();
        })
    };
    // A first call, so that the connection's threads are up and idle when the burst comes.
    let mut buf = [0u8; 4096];
    peer.write_all(&add(100)).unwrap();
    assert!(peer.read(&mut buf).unwrap() > 0);
    std::thread::sleep(Duration::from_millis(50));
    let mut bytes = framed_call("nap", 1, 7, |w| {
        w.write_field_begin(FieldHeader::new(TType::I32, 1))
            .unwrap();
        w.write_i32(1500).unwrap();
    });
    for seqid in 2..5 {
        bytes.extend(framed_call("add", seqid, 8, |w| {
            w.write_field_begin(FieldHeader::new(TType::I64, 1))
                .unwrap();
            w.write_i64(40).unwrap();
            w.write_field_begin(FieldHeader::new(TType::I64, 2))
                .unwrap();
            w.write_i64(2).unwrap();
        }));
    }
    let start = Instant::now();
    peer.write_all(&bytes).unwrap();
    // Three replies of `add` ("42") before the nap's.
    let mut got = Vec::new();
    while got.windows(2).filter(|w| w == b"42").count() < 3 {
        let n = peer.read(&mut buf).unwrap();
        assert!(n > 0, "the endpoint closed the connection");
        got.extend_from_slice(&buf[..n]);
    }
    let took = start.elapsed();
    assert!(took < Duration::from_millis(700), "{took:?}");
    drop(peer);
    listener.shutdown();
}

/// Quick calls and a slow one behind them arriving in one write: the replies to the quick
/// ones, kept to go out with the next reply in one write while more calls are buffered, are
/// sent while the slow one still runs (the thread the lending timer wakes flushes them).
#[test]
fn replies_held_for_a_burst_are_sent_while_a_slow_call_runs() {
    use std::io::{Read, Write};
    use thrift_rt::{FieldHeader, ProtocolWriter, TType};
    let listener = builder()
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let add = |seqid| {
        framed_call("add", seqid, 8, |w| {
            w.write_field_begin(FieldHeader::new(TType::I64, 1))
                .unwrap();
            w.write_i64(40).unwrap();
            w.write_field_begin(FieldHeader::new(TType::I64, 2))
                .unwrap();
            w.write_i64(2).unwrap();
        })
    };
    let mut buf = [0u8; 4096];
    peer.write_all(&add(100)).unwrap();
    assert!(peer.read(&mut buf).unwrap() > 0);
    std::thread::sleep(Duration::from_millis(50));
    for round in 0..3 {
        let mut bytes: Vec<u8> = (2..5).flat_map(add).collect();
        bytes.extend(framed_call("nap", 1, 7, |w| {
            w.write_field_begin(FieldHeader::new(TType::I32, 1))
                .unwrap();
            w.write_i32(1500).unwrap();
        }));
        let start = Instant::now();
        peer.write_all(&bytes).unwrap();
        let mut got = Vec::new();
        while got.windows(2).filter(|w| w == b"42").count() < 3 {
            let n = peer.read(&mut buf).unwrap();
            assert!(n > 0, "the endpoint closed the connection");
            got.extend_from_slice(&buf[..n]);
        }
        let took = start.elapsed();
        assert!(took < Duration::from_millis(700), "round {round}: {took:?}");
        // The nap's reply, before the next round.
        while !got.windows(3).any(|w| w == b"nap") {
            let n = peer.read(&mut buf).unwrap();
            assert!(n > 0, "the endpoint closed the connection");
            got.extend_from_slice(&buf[..n]);
        }
    }
    drop(peer);
    listener.shutdown();
}
