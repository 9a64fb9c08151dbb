//! The server's events: a connection accepted and closed, a protocol error, a limit hit
//! and a refused connection, each with the peer and (for failures) the error as fields.

mod observe;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use observe::{Collect, Fields, hello_server};
use thrift_rt::server::Overload;
use thrift_rt::{Limits, ProtocolKind, TransportKind};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata};

/// Records every event's fields (the message is the `message` field).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Fields>>>);

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Collect(&mut fields));
        self.0.lock().unwrap().push(fields);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Recorder {
    /// Waits (at most 5 s) for an event whose message starts with `message`, and returns it.
    fn wait_for(&self, message: &str) -> Fields {
        let start = Instant::now();
        loop {
            let found = self
                .0
                .lock()
                .unwrap()
                .iter()
                .find(|f| f.get("message").is_some_and(|m| m.starts_with(message)))
                .cloned();
            if let Some(fields) = found {
                return fields;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no `{message}` event in {:?}",
                self.0.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Sends `bytes` on a fresh connection and waits until the server closes it.
fn send_and_wait_for_close(addr: std::net::SocketAddr, bytes: &[u8]) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(bytes).unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
}

#[test]
fn servers_report_accepts_closes_protocol_errors_limits_and_refusals() {
    let events = Recorder::default();
    tracing::subscriber::set_global_default(events.clone()).unwrap();
    let (server, mut client) = hello_server(ProtocolKind::Binary, TransportKind::Framed, |b| {
        b.limits(Limits::default().max_frame_size(1024))
            .threaded(1)
            .overload(Overload::Refuse)
    });
    let addr = server.local_addr().unwrap();

    // A call, then the client goes away.
    assert_eq!(client.hello("events").unwrap(), "Hello, events");
    let accepted = events.wait_for("connection accepted");
    assert!(
        accepted
            .get("peer")
            .is_some_and(|p| p.starts_with("127.0.0.1:"))
    );

    // While it is open, the one connection the server allows is taken: refused.
    let refused = TcpStream::connect(addr).unwrap();
    let fields = events.wait_for("connection refused");
    assert_eq!(fields.get("limit").map(String::as_str), Some("true"));
    drop(refused);
    drop(client);
    events.wait_for("connection closed");

    // A frame larger than the limit.
    send_and_wait_for_close(addr, &1_000_000u32.to_be_bytes());
    let fields = events.wait_for("limit hit");
    assert_eq!(fields.get("limit").map(String::as_str), Some("true"));
    assert!(
        fields.get("error").is_some_and(|e| e.contains("1000000")),
        "{fields:?}"
    );

    // A frame that is no message (version 2 of the binary protocol).
    let mut frame = 8u32.to_be_bytes().to_vec();
    frame.extend_from_slice(&[0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0]);
    send_and_wait_for_close(addr, &frame);
    let fields = events.wait_for("protocol error");
    assert_eq!(fields.get("limit").map(String::as_str), Some("false"));
    assert!(fields.contains_key("peer") && fields.contains_key("error"));

    server.shutdown(Duration::from_secs(1));
}
