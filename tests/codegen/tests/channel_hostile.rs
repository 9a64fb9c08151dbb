//! A listening endpoint fed bytes no peer should send: it closes that connection promptly
//! (the peer reads the end of the stream), never waits for the rest of a lying frame, and
//! keeps serving its other peers.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use codegen_tests::idl::channels::{Pong, PongClient, PongProcessor};
use thrift_rt::endpoint::{Builder, EndpointListener};
use thrift_rt::server::Listener;
use thrift_rt::{Error, TransportKind};

struct Adder;

impl Pong for Adder {
    fn add(&self, a: i64, b: i64) -> Result<String, Error> {
        Ok((a + b).to_string())
    }
}

fn listening(transport: TransportKind) -> EndpointListener {
    Builder::new()
        .transport(transport)
        .serve(PongProcessor::new(Adder))
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap()
}

/// Sends `bytes` (then keeps the connection open, or half-closes it with `end`) and returns
/// how long the endpoint took to close the connection.
fn closed_after(listener: &EndpointListener, bytes: &[u8], end: bool) -> Duration {
    let mut peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let start = Instant::now();
    peer.write_all(bytes).unwrap();
    if end {
        peer.shutdown(std::net::Shutdown::Write).unwrap();
    }
    let mut buf = [0u8; 256];
    loop {
        match peer.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(e) => panic!("the endpoint did not close the connection: {e}"),
        }
    }
}

fn still_serves(listener: &EndpointListener, transport: TransportKind) {
    let endpoint = Builder::new()
        .transport(transport)
        .call_timeout(Some(Duration::from_secs(5)))
        .connect_tcp(listener.local_addr().unwrap(), &Default::default())
        .unwrap();
    assert_eq!(
        PongClient::from_caller(endpoint.caller())
            .add(2, 3)
            .unwrap(),
        "5"
    );
    endpoint.close();
}

#[test]
fn a_frame_over_the_limit_closes_the_connection_at_once() {
    let listener = listening(TransportKind::Framed);
    // 2 GiB announced: refused from the header, nothing allocated or awaited.
    let took = closed_after(&listener, &0x7fff_ffffu32.to_be_bytes(), false);
    assert!(took < Duration::from_secs(2), "{took:?}");
    let took = closed_after(&listener, &(-5i32).to_be_bytes(), false);
    assert!(
        took < Duration::from_secs(2),
        "negative frame size: {took:?}"
    );
    still_serves(&listener, TransportKind::Framed);
    listener.shutdown();
}

#[test]
fn bytes_that_are_no_message_close_the_connection() {
    for transport in [TransportKind::Buffered, TransportKind::Framed] {
        let listener = listening(transport);
        let garbage: &[u8] = match transport {
            TransportKind::Framed => &[0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef],
            _ => &[0x7f, 0xff, 0xff, 0xff, 0x11, 0x22, 0x33],
        };
        let took = closed_after(&listener, garbage, false);
        assert!(took < Duration::from_secs(2), "{transport:?}: {took:?}");
        still_serves(&listener, transport);
        listener.shutdown();
    }
}

#[test]
fn a_message_cut_short_by_the_end_of_the_stream_closes_the_connection() {
    let listener = listening(TransportKind::Framed);
    // A frame announcing 100 bytes, 3 of them sent, then the end.
    let took = closed_after(&listener, &[0, 0, 0, 100, 0x80, 0x01, 0x00], true);
    assert!(took < Duration::from_secs(2), "{took:?}");
    still_serves(&listener, TransportKind::Framed);
    listener.shutdown();
}
