//! Deadlines: a call to a handler that sleeps past the caller's timeout fails with
//! `TimedOut` within the timeout plus 50 ms, on every kind of client; over THeader the
//! timeout travels to the server, whose handler sees it as `header::deadline()`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use codegen_tests::idl::channels::{Plain, PlainClient, PlainProcessor};
use thrift_rt::client::shared::SharedClient;
use thrift_rt::connect::{ClientOptions, connect_tcp};
use thrift_rt::server::{Builder, Listener, Server};
use thrift_rt::transport::socket::TcpOptions;
use thrift_rt::{Error, ProtocolKind, TransportErrorKind, TransportKind};

const TIMEOUT: Duration = Duration::from_millis(300);
const SLACK: Duration = Duration::from_millis(50);

/// What a handler learned of its caller's deadline: the header, and the time left.
type Seen = (Option<String>, Option<Duration>);

/// Sleeps for a call named `slow`; records what it learns of the caller's deadline.
#[derive(Clone, Default)]
struct Sleeper {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Plain for Sleeper {
    fn hello(&self, name: String) -> Result<String, Error> {
        let header = thrift_rt::header::current()
            .and_then(|h| h.get(thrift_rt::header::DEADLINE_KEY).map(str::to_owned));
        let left =
            thrift_rt::header::deadline().map(|d| d.saturating_duration_since(Instant::now()));
        self.seen.lock().unwrap().push((header, left));
        if name == "slow" {
            std::thread::sleep(Duration::from_secs(2));
        }
        Ok(name)
    }
}

fn server(handler: &Sleeper, protocol: ProtocolKind, transport: TransportKind) -> Server {
    Builder::new()
        .protocol(protocol)
        .transport(transport)
        .thread_pool(4, 16)
        .spawn(
            Listener::tcp("127.0.0.1:0").unwrap(),
            PlainProcessor::new(handler.clone()),
        )
        .unwrap()
}

/// A plain client of `server` whose calls time out after [`TIMEOUT`].
fn client(
    server: &Server,
    protocol: ProtocolKind,
    transport: TransportKind,
) -> PlainClient<thrift_rt::Client<thrift_rt::connect::AnyReader, thrift_rt::connect::AnyWriter>> {
    let opts = ClientOptions::default()
        .protocol(protocol)
        .transport(transport)
        .timeouts(TIMEOUT);
    let (r, w) = connect_tcp(server.local_addr().unwrap(), &opts).unwrap();
    PlainClient::new(r, w)
}

fn assert_timed_out(result: Result<String, Error>, started: Instant) {
    let took = started.elapsed();
    match result {
        Err(e) => assert_eq!(
            e.transport_kind(),
            Some(TransportErrorKind::TimedOut),
            "{e}"
        ),
        Ok(s) => panic!("answered {s:?} after {took:?}"),
    }
    assert!(took >= TIMEOUT, "gave up early: {took:?}");
    assert!(took <= TIMEOUT + SLACK, "gave up late: {took:?}");
}

#[test]
fn a_plain_client_times_out_within_its_deadline() {
    let handler = Sleeper::default();
    let server = server(&handler, ProtocolKind::Binary, TransportKind::Framed);
    let mut client = client(&server, ProtocolKind::Binary, TransportKind::Framed);
    let started = Instant::now();
    assert_timed_out(client.hello("slow"), started);
    server.shutdown(Duration::from_millis(100));
}

#[test]
fn a_shared_client_times_out_within_its_deadline() {
    let handler = Sleeper::default();
    let server = server(&handler, ProtocolKind::Binary, TransportKind::Framed);
    let shared = SharedClient::builder()
        .tcp(server.local_addr().unwrap())
        .unwrap()
        .stack(thrift_rt::stack::Stack::new(
            ProtocolKind::Binary,
            TransportKind::Framed,
        ))
        .socket(
            TcpOptions::default()
                .read_timeout(TIMEOUT)
                .write_timeout(TIMEOUT),
        )
        .build();
    let mut client = PlainClient::from_caller(shared.caller());
    let started = Instant::now();
    assert_timed_out(client.hello("slow"), started);
    // The broken-off connection is not reused: the next call is answered.
    assert_eq!(client.hello("quick").unwrap(), "quick");
    server.shutdown(Duration::from_millis(100));
}

#[test]
fn an_endpoint_times_out_within_its_deadline() {
    let handler = Sleeper::default();
    let listener = thrift_rt::endpoint::Builder::new()
        .serve(PlainProcessor::new(handler))
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let endpoint = thrift_rt::endpoint::Builder::new()
        .call_timeout(Some(TIMEOUT))
        .connect_tcp(listener.local_addr().unwrap(), &Default::default())
        .unwrap();
    let mut client = PlainClient::from_caller(endpoint.caller());
    let started = Instant::now();
    assert_timed_out(client.hello("slow"), started);
    endpoint.close();
    listener.shutdown();
}

/// Over THeader the call timeout goes with each call; the handler sees it as a header and
/// as `header::deadline()`, at most the timeout away.
#[test]
fn over_theader_the_server_learns_the_deadline() {
    let handler = Sleeper::default();
    let server = server(&handler, ProtocolKind::Header, TransportKind::Header);
    let mut client = client(&server, ProtocolKind::Header, TransportKind::Header);
    assert_eq!(client.hello("quick").unwrap(), "quick");
    let started = Instant::now();
    assert_timed_out(client.hello("slow"), started);
    let seen = handler.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for (header, left) in seen {
        assert_eq!(header.as_deref(), Some("300"));
        let left = left.expect("a deadline");
        assert!(left <= TIMEOUT && left > TIMEOUT - SLACK, "{left:?}");
    }
    server.shutdown(Duration::from_millis(100));
}

/// A plain (not THeader) call carries no deadline.
#[test]
fn without_theader_there_is_no_deadline_header() {
    let handler = Sleeper::default();
    let server = server(&handler, ProtocolKind::Binary, TransportKind::Framed);
    let mut client = client(&server, ProtocolKind::Binary, TransportKind::Framed);
    assert_eq!(client.hello("quick").unwrap(), "quick");
    assert_eq!(handler.seen.lock().unwrap()[0], (None, None));
    server.shutdown(Duration::from_millis(100));
}
