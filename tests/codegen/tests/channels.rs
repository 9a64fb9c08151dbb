//! Channel endpoints with generated services: calls both ways on one connection, nested
//! callbacks, many threads through one endpoint, unknown channels, oneways, and what callers
//! see when the connection drops.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use codegen_tests::idl::channels::{
    Ping, PingClient, PingProcessor, Plain, PlainClient, PlainProcessor, Pong, PongClient,
    PongProcessor,
};
use thrift_rt::endpoint::{Builder, Endpoint, EndpointCaller, EndpointListener};
use thrift_rt::server::Listener;
use thrift_rt::{ApplicationErrorKind, Error, TransportKind};

/// One side's handlers. `peer` is set once the connection exists, so handlers can call back.
#[derive(Clone)]
struct Side {
    name: &'static str,
    peer: Arc<OnceLock<EndpointCaller>>,
    notes: Arc<Mutex<Sender<String>>>,
}

impl Side {
    fn new(name: &'static str) -> (Self, Receiver<String>) {
        let (tx, rx) = channel();
        let side = Self {
            name,
            peer: Arc::new(OnceLock::new()),
            notes: Arc::new(Mutex::new(tx)),
        };
        (side, rx)
    }

    fn builder(&self, transport: TransportKind) -> Builder {
        Builder::new()
            .transport(transport)
            .call_timeout(Some(Duration::from_secs(10)))
            .serve(PingProcessor::new(self.clone()))
            .serve(PongProcessor::new(self.clone()))
    }
}

impl Ping for Side {
    fn bounce(&self, n: i32) -> Result<i64, Error> {
        if n <= 0 {
            return Ok(0);
        }
        let peer = self.peer.get().expect("the peer is connected");
        let rest = PingClient::from_caller(peer.clone()).bounce(n - 1)?;
        Ok(i64::from(n) + rest)
    }

    fn note(&self, text: String) -> Result<(), Error> {
        let _ = self.notes.lock().unwrap().send(text);
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

impl Pong for Side {
    fn add(&self, a: i64, b: i64) -> Result<String, Error> {
        Ok(format!("{} from {}", a + b, self.name))
    }
}

/// A listening side and a connected side, both hosting `Ping` and `Pong`, each knowing the
/// other as its peer.
struct Pair {
    listener: EndpointListener,
    client: Endpoint,
    server: Endpoint,
    server_notes: Receiver<String>,
    client_notes: Receiver<String>,
}

fn pair(transport: TransportKind) -> Pair {
    let (server_side, server_notes) = Side::new("server");
    let (client_side, client_notes) = Side::new("client");
    let (tx, rx) = channel();
    let peer = Arc::clone(&server_side.peer);
    let listener = server_side
        .builder(transport)
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), move |endpoint| {
            let _ = peer.set(endpoint.caller());
            let _ = tx.send(endpoint);
        })
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let client = client_side
        .builder(transport)
        .connect_tcp(addr, &Default::default())
        .unwrap();
    let _ = client_side.peer.set(client.caller());
    let server = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    Pair {
        listener,
        client,
        server,
        server_notes,
        client_notes,
    }
}

impl Pair {
    fn finish(self) {
        // Handlers hold callers of their own connection, so close explicitly.
        self.client.close();
        self.listener.shutdown();
    }
}

#[test]
fn calls_both_ways_on_one_connection() {
    for transport in [TransportKind::Framed, TransportKind::Buffered] {
        let pair = pair(transport);
        let mut to_server = PongClient::from_caller(pair.client.caller());
        let mut to_client = PongClient::from_caller(pair.server.caller());
        assert_eq!(to_server.add(2, 3).unwrap(), "5 from server");
        assert_eq!(to_client.add(-2, 3).unwrap(), "1 from client");
        // Both services, both ends.
        let mut ping_server = PingClient::from_caller(pair.client.caller());
        let mut ping_client = PingClient::from_caller(pair.server.caller());
        assert_eq!(ping_server.nap(1).unwrap(), 1);
        assert_eq!(ping_client.nap(2).unwrap(), 2);
        pair.finish();
    }
}

#[test]
fn nested_callback_chains_do_not_deadlock() {
    let pair = pair(TransportKind::Framed);
    let mut ping = PingClient::from_caller(pair.client.caller());
    // client → server → client → ... twelve levels, each waiting for the next.
    assert_eq!(ping.bounce(12).unwrap(), (1..=12).sum::<i64>());
    let mut ping_back = PingClient::from_caller(pair.server.caller());
    assert_eq!(ping_back.bounce(5).unwrap(), 15);
    pair.finish();
}

#[test]
fn many_threads_share_one_endpoint() {
    let pair = pair(TransportKind::Framed);
    let threads: Vec<_> = (0..8_i64)
        .map(|t| {
            let mut pong = PongClient::from_caller(pair.client.caller());
            std::thread::spawn(move || {
                for i in 0..1000_i64 {
                    let want = format!("{} from server", t * 1_000_000 + i);
                    assert_eq!(pong.add(t * 1_000_000, i).unwrap(), want);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(pair.client.pending_calls(), 0);
    pair.finish();
}

#[test]
fn a_channel_the_peer_does_not_serve_gets_an_exception() {
    let (side, _notes) = Side::new("server");
    let builder = Builder::new().serve(PingProcessor::new(side));
    let listener = builder
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let client = Builder::new()
        .connect_tcp(listener.local_addr().unwrap(), &Default::default())
        .unwrap();
    let mut pong = PongClient::from_caller(client.caller());
    match pong.add(1, 2) {
        Err(Error::Application(e)) => {
            assert_eq!(e.kind, ApplicationErrorKind::UnknownMethod);
            assert!(e.message.contains("channel 8"), "{}", e.message);
        }
        other => panic!("expected UNKNOWN_METHOD, got {other:?}"),
    }
    // The connection is still fine for the channel that is served.
    assert_eq!(PingClient::from_caller(client.caller()).nap(0).unwrap(), 0);
    drop(client);
    listener.shutdown();
}

#[test]
fn oneway_calls_on_a_channel() {
    let pair = pair(TransportKind::Buffered);
    PingClient::from_caller(pair.client.caller())
        .note("to the server")
        .unwrap();
    PingClient::from_caller(pair.server.caller())
        .note("to the client")
        .unwrap();
    let wait = Duration::from_secs(5);
    assert_eq!(
        pair.server_notes.recv_timeout(wait).unwrap(),
        "to the server"
    );
    assert_eq!(
        pair.client_notes.recv_timeout(wait).unwrap(),
        "to the client"
    );
    pair.finish();
}

#[test]
fn a_dropped_connection_wakes_every_caller_at_once() {
    let pair = pair(TransportKind::Framed);
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let mut ping = PingClient::from_caller(pair.client.caller());
            std::thread::spawn(move || {
                let start = Instant::now();
                (ping.nap(2_000), start.elapsed())
            })
        })
        .collect();
    while pair.client.pending_calls() < 4 {
        std::thread::sleep(Duration::from_millis(5));
    }
    // The server side goes away mid-call.
    pair.server.close();
    for caller in callers {
        let (result, waited) = caller.join().unwrap();
        assert!(result.is_err(), "a call on a dropped connection must fail");
        assert!(waited < Duration::from_millis(1500), "waited {waited:?}");
    }
    // New calls fail at once too.
    let err = PongClient::from_caller(pair.client.caller())
        .add(1, 1)
        .unwrap_err();
    assert!(err.to_string().contains("closed"), "{err}");
    assert!(pair.client.is_closed());
    pair.finish();
}

#[test]
fn call_timeouts_and_late_replies() {
    let pair = pair(TransportKind::Framed);
    let caller = pair
        .client
        .caller()
        .with_timeout(Some(Duration::from_millis(50)));
    let err = PingClient::from_caller(caller).nap(300).unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(thrift_rt::error::TransportErrorKind::TimedOut),
        "{err}"
    );
    // The late reply is dropped and the connection keeps working.
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(
        PongClient::from_caller(pair.client.caller())
            .add(1, 1)
            .unwrap(),
        "2 from server"
    );
    pair.finish();
}

/// Channel 0 is plain Thrift: an ordinary generated client and server talk to endpoints.
#[test]
fn channel_zero_interoperates_with_plain_clients_and_servers() {
    #[derive(Clone)]
    struct Hello;
    impl Plain for Hello {
        fn hello(&self, name: String) -> Result<String, Error> {
            Ok(format!("Hello, {name}"))
        }
    }
    // An endpoint serving channel 0, called by an ordinary client.
    let builder = Builder::new()
        .transport(TransportKind::Buffered)
        .serve(PlainProcessor::new(Hello));
    let listener = builder
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let options = thrift_rt::connect::ClientOptions::default();
    let (r, w) = thrift_rt::connect::connect_tcp(listener.local_addr().unwrap(), &options).unwrap();
    let mut plain = PlainClient::new(r, w);
    assert_eq!(plain.hello("plain client").unwrap(), "Hello, plain client");
    drop(plain);
    listener.shutdown();

    // An endpoint calling an ordinary server.
    let server = thrift_rt::server::Builder::new()
        .spawn(
            Listener::tcp("127.0.0.1:0").unwrap(),
            PlainProcessor::new(Hello),
        )
        .unwrap();
    let builder = Builder::new().transport(TransportKind::Buffered);
    let endpoint = builder
        .connect_tcp(server.local_addr().unwrap(), &Default::default())
        .unwrap();
    let mut plain = PlainClient::from_caller(endpoint.caller());
    assert_eq!(plain.hello("endpoint").unwrap(), "Hello, endpoint");
    drop((plain, endpoint));
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn beyond_max_workers_calls_are_refused_not_queued_without_bound() {
    let (side, _notes) = Side::new("server");
    // One worker and a queue of one: a third concurrent call has nowhere to go.
    let builder = Builder::new()
        .serve(PingProcessor::new(side))
        .max_workers(1);
    let listener = builder
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let client = Builder::new()
        .connect_tcp(listener.local_addr().unwrap(), &Default::default())
        .unwrap();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let mut ping = PingClient::from_caller(client.caller());
            std::thread::spawn(move || ping.nap(300))
        })
        .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let served = outcomes.iter().filter(|o| matches!(o, Ok(300))).count();
    let refused: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o {
            Err(Error::Application(e)) => Some(e),
            _ => None,
        })
        .collect();
    assert!(served >= 1, "the worker served some calls: {outcomes:?}");
    assert!(!refused.is_empty(), "some calls were refused: {outcomes:?}");
    assert_eq!(served + refused.len(), 6, "{outcomes:?}");
    for e in refused {
        assert_eq!(e.kind, ApplicationErrorKind::InternalError);
        assert!(e.message.contains("overloaded"), "{}", e.message);
    }
    // Once the burst is over, the endpoint serves again.
    assert_eq!(PingClient::from_caller(client.caller()).nap(0).unwrap(), 0);
    drop(client);
    listener.shutdown();
}

#[test]
fn an_undecodable_call_spoils_only_itself() {
    use std::io::{Read, Write};

    let (side, _notes) = Side::new("server");
    let builder = Builder::new().serve(PingProcessor::new(side));
    let listener = builder
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let mut raw = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // A framed call `nap` on channel 7 whose argument has the wrong type (string for i32)
    // and a length that runs past the frame.
    let mut body = vec![0x80, 0x01, 7, 1];
    body.extend_from_slice(&3_i32.to_be_bytes());
    body.extend_from_slice(b"nap");
    body.extend_from_slice(&1_i32.to_be_bytes());
    body.extend_from_slice(&[11, 0, 1]);
    body.extend_from_slice(&1000_i32.to_be_bytes());
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    raw.write_all(&frame).unwrap();
    // The answer is an exception for seqid 1 (the processor reports the decode error).
    let mut len = [0u8; 4];
    raw.read_exact(&mut len).unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
    raw.read_exact(&mut reply).unwrap();
    assert_eq!(
        &reply[..4],
        &[0x80, 0x01, 7, 3],
        "an exception on channel 7"
    );
    // The connection still serves well-formed calls.
    let client = Builder::new()
        .connect(thrift_rt::transport::Stream::Tcp(raw))
        .unwrap();
    assert_eq!(PingClient::from_caller(client.caller()).nap(1).unwrap(), 1);
    drop(client);
    listener.shutdown();
}
