//! Interceptors with generated services: a refusing one (authentication by a THeader info
//! header, by Unix peer credentials) on every server kind and on endpoints, and an observing
//! one recording what each call looked like on the server and on the client.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codegen_tests::idl::base::Health;
use codegen_tests::idl::channels::{Plain, PlainClient, PlainProcessor};
use codegen_tests::idl::constructs::{
    Color, Containers, Failure, Kitchen, KitchenCheckError, KitchenClient, KitchenProcessor,
    KitchenShapeError, Millis, Node, Scalars, Shape, Tree,
};
use codegen_tests::values;
use thrift_rt::connect::{ClientOptions, connect_tcp, connect_unix};
use thrift_rt::header::{InfoHeaders, with_call_headers};
use thrift_rt::intercept::{Call, Interceptor, Outcome, Side};
use thrift_rt::protocol::multiplexed::MultiplexedWriter;
use thrift_rt::server::MultiplexedProcessor;
use thrift_rt::server::{Builder, Listener, Server};
use thrift_rt::{
    ApplicationError, ApplicationErrorKind, Client, Error, MessageType, ProtocolKind, TransportKind,
};

/// Counts the calls its handler ran.
struct Greeter(Arc<AtomicUsize>);

impl Plain for Greeter {
    fn hello(&self, name: String) -> Result<String, Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(format!("Hello, {name}"))
    }
}

/// Lets in only calls carrying `token: <the token>` in their THeader info headers.
struct Token(&'static str);

impl Interceptor for Token {
    fn before(&self, _call: &Call<'_>) -> Result<(), ApplicationError> {
        let headers = thrift_rt::header::current();
        match headers.as_deref().and_then(|h| h.get("token")) {
            Some(t) if t == self.0 => Ok(()),
            _ => Err(ApplicationError::new(
                ApplicationErrorKind::Unknown,
                "not authorized: no valid token",
            )),
        }
    }
}

/// Lets in only Unix-socket peers with user id `.0`.
struct Uid(u32);

impl Interceptor for Uid {
    fn before(&self, _call: &Call<'_>) -> Result<(), ApplicationError> {
        match thrift_rt::peer::current() {
            Some(peer) if peer.uid() == self.0 => Ok(()),
            Some(peer) => Err(ApplicationError::new(
                ApplicationErrorKind::Unknown,
                format!("uid {} may not call", peer.uid()),
            )),
            None => Err(ApplicationError::new(
                ApplicationErrorKind::Unknown,
                "not a Unix-socket peer",
            )),
        }
    }
}

/// One call as an interceptor saw it.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    side: Side,
    service: Option<String>,
    method: String,
    seqid: i32,
    kind: MessageType,
    peer: bool,
    outcome: &'static str,
    elapsed: Duration,
}

/// Records every call's `after`.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Recorder {
    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Interceptor for Recorder {
    fn after(&self, call: &Call<'_>, outcome: &Outcome<'_>, elapsed: Duration) {
        self.0.lock().unwrap().push(Seen {
            side: call.side,
            service: call.service.map(str::to_owned),
            method: call.method.to_owned(),
            seqid: call.seqid,
            kind: call.kind,
            peer: call.peer.is_some(),
            outcome: outcome.name(),
            elapsed,
        });
    }
}

fn header_options() -> ClientOptions {
    ClientOptions::default()
        .protocol(ProtocolKind::Header)
        .transport(TransportKind::Header)
}

fn header_server(builder: Builder) -> Builder {
    builder
        .protocol(ProtocolKind::Header)
        .transport(TransportKind::Header)
}

/// Calls `hello` with the token `token` (none: no header).
fn hello_with(addr: std::net::SocketAddr, token: Option<&str>) -> Result<String, Error> {
    let (r, w) = connect_tcp(addr, &header_options()).unwrap();
    let mut client = PlainClient::new(r, w);
    let mut headers = InfoHeaders::new();
    if let Some(token) = token {
        headers.insert("token", token);
    }
    with_call_headers(&headers, || client.hello("you"))
}

fn assert_refused(result: Result<String, Error>, why: &str) {
    match result {
        Err(Error::Application(e)) => {
            assert_eq!(e.kind, ApplicationErrorKind::Unknown);
            assert!(e.message.contains(why), "{}", e.message);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_token_interceptor_refuses_calls_on_every_server_kind() {
    for (name, kind) in [
        ("simple", Builder::new().simple()),
        ("threaded", Builder::new().threaded(4)),
        ("thread pool", Builder::new().thread_pool(2, 8)),
    ] {
        let calls = Arc::new(AtomicUsize::new(0));
        let server = header_server(kind)
            .interceptor(Token("sesame"))
            .spawn(
                Listener::tcp("127.0.0.1:0").unwrap(),
                PlainProcessor::new(Greeter(Arc::clone(&calls))),
            )
            .unwrap();
        let addr = server.local_addr().unwrap();
        assert_eq!(
            hello_with(addr, Some("sesame")).unwrap(),
            "Hello, you",
            "{name}"
        );
        assert_refused(hello_with(addr, None), "no valid token");
        assert_refused(hello_with(addr, Some("wrong")), "no valid token");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "{name}: refused calls ran no handler"
        );
        server.shutdown(Duration::from_secs(1));
    }
}

/// The effective user id of this process.
fn my_uid() -> u32 {
    std::fs::metadata("/proc/self").unwrap().uid()
}

fn unix_server(
    dir: &std::path::Path,
    uid: u32,
    calls: &Arc<AtomicUsize>,
) -> (Server, std::path::PathBuf) {
    let path = dir.join(format!("uid-{uid}.sock"));
    let server = Builder::new()
        .thread_pool(2, 8)
        .interceptor(Uid(uid))
        .spawn(
            Listener::unix(&path).unwrap(),
            PlainProcessor::new(Greeter(Arc::clone(calls))),
        )
        .unwrap();
    (server, path)
}

#[test]
fn a_credentials_interceptor_refuses_other_users() {
    let dir = tempdir();
    let calls = Arc::new(AtomicUsize::new(0));
    let (mine, mine_path) = unix_server(&dir, my_uid(), &calls);
    let (other, other_path) = unix_server(&dir, my_uid().wrapping_add(1), &calls);
    let (r, w) = connect_unix(&mine_path, &ClientOptions::default()).unwrap();
    assert_eq!(PlainClient::new(r, w).hello("me").unwrap(), "Hello, me");
    let (r, w) = connect_unix(&other_path, &ClientOptions::default()).unwrap();
    assert_refused(PlainClient::new(r, w).hello("me"), "may not call");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    mine.shutdown(Duration::from_secs(1));
    other.shutdown(Duration::from_secs(1));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A fresh directory for sockets.
fn tempdir() -> std::path::PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "thrift-intercept-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A Kitchen handler that sleeps a little in `nothing`, so durations can be checked.
struct Chef;

impl Health for Chef {
    fn ping(&self) -> Result<bool, Error> {
        Ok(true)
    }
}

impl Kitchen for Chef {
    fn nothing(&self) -> Result<(), Error> {
        std::thread::sleep(Duration::from_millis(20));
        Ok(())
    }
    fn scalars(&self, s: Scalars) -> Result<Scalars, Error> {
        Ok(s)
    }
    fn containers(
        &self,
        c: Containers,
        _: Vec<i32>,
        _: BTreeMap<String, String>,
    ) -> Result<Containers, Error> {
        Ok(c)
    }
    fn shape(&self, s: Shape, mode: i32) -> Result<Shape, KitchenShapeError> {
        match mode {
            1 => Ok(s),
            2 => Err(Failure {
                message: "burnt".to_string(),
                code: 418,
            }
            .into()),
            _ => Err(KitchenShapeError::Thrift(Error::Application(
                ApplicationError::new(ApplicationErrorKind::InvalidTransform, "no"),
            ))),
        }
    }
    fn check(&self, what: String) -> Result<(), KitchenCheckError> {
        match what.as_str() {
            "ok" => Ok(()),
            _ => Err(KitchenCheckError::Failure(Failure {
                message: what,
                code: 500,
            })),
        }
    }
    fn mix(&self, a: Color, _: Color, _: Millis) -> Result<Color, Error> {
        Ok(a)
    }
    fn notify(&self, _: String, _: Vec<u8>) -> Result<(), Error> {
        Ok(())
    }
    fn grow(&self, tree: Tree, _: Node) -> Result<Tree, Error> {
        Ok(tree)
    }
}

/// Makes the calls whose outcomes the recorder checks.
fn session<C: thrift_rt::Caller>(client: &mut KitchenClient<C>) {
    client.nothing().unwrap();
    client.shape(&values::shape_circle(), 1).unwrap();
    assert!(matches!(
        client.shape(&values::shape_circle(), 2),
        Err(KitchenShapeError::Failure(_))
    ));
    assert!(matches!(
        client.shape(&values::shape_circle(), 3),
        Err(KitchenShapeError::Thrift(Error::Application(_)))
    ));
    client.check("bad").unwrap_err();
    client.notify("event", &[1, 2]).unwrap();
    // The oneway is handled before the next call's reply comes back.
    assert!(client.ping().unwrap());
}

/// What `session` must look like to an interceptor on `side`.
type Summary<'a> = Vec<(Option<String>, &'a str, i32, MessageType, &'static str)>;

fn expected(service: Option<&str>, first_seqid: i32) -> Summary<'static> {
    let s = service.map(str::to_owned);
    [
        ("nothing", MessageType::Call, "ok"),
        ("shape", MessageType::Call, "ok"),
        ("shape", MessageType::Call, "exception"),
        ("shape", MessageType::Call, "application_error"),
        ("check", MessageType::Call, "exception"),
        ("notify", MessageType::Oneway, "ok"),
        ("ping", MessageType::Call, "ok"),
    ]
    .into_iter()
    .zip(first_seqid..)
    .map(|((m, k, o), seqid)| (s.clone(), m, seqid, k, o))
    .collect()
}

fn summary(seen: &[Seen]) -> Summary<'_> {
    seen.iter()
        .map(|s| {
            (
                s.service.clone(),
                s.method.as_str(),
                s.seqid,
                s.kind,
                s.outcome,
            )
        })
        .collect()
}

#[test]
fn an_observing_interceptor_sees_every_call_on_server_and_client() {
    for (name, multiplexed) in [("plain", false), ("multiplexed", true)] {
        let on_server = Recorder::default();
        let builder = Builder::new()
            .thread_pool(2, 8)
            .interceptor(on_server.clone());
        let listener = Listener::tcp("127.0.0.1:0").unwrap();
        let server = if multiplexed {
            builder.spawn(
                listener,
                MultiplexedProcessor::new().register("Cook", KitchenProcessor::new(Chef)),
            )
        } else {
            builder.spawn(listener, KitchenProcessor::new(Chef))
        }
        .unwrap();
        let options = ClientOptions::default();
        let (r, w) = connect_tcp(server.local_addr().unwrap(), &options).unwrap();
        let on_client = Recorder::default();
        if multiplexed {
            let w = MultiplexedWriter::new(w, "Cook");
            let caller = Client::new(r, w)
                .with_next_seqid(100)
                .with_interceptor(on_client.clone());
            session(&mut KitchenClient::from_caller(caller));
        } else {
            let caller = Client::new(r, w)
                .with_next_seqid(100)
                .with_interceptor(on_client.clone());
            session(&mut KitchenClient::from_caller(caller));
        }
        server.shutdown(Duration::from_secs(1));

        let server_seen = on_server.take();
        let service = if multiplexed { "Cook" } else { "Kitchen" };
        assert_eq!(
            summary(&server_seen),
            expected(Some(service), 100),
            "{name}"
        );
        assert!(
            server_seen.iter().all(|s| s.side == Side::Server && s.peer),
            "{name}"
        );
        assert!(
            server_seen[0].elapsed >= Duration::from_millis(20),
            "{name}: {:?}",
            server_seen[0]
        );

        let client_seen = on_client.take();
        // The multiplexed prefix is added by the protocol writer, under the client.
        assert_eq!(summary(&client_seen), expected(None, 100), "{name}");
        assert!(
            client_seen
                .iter()
                .all(|s| s.side == Side::Client && !s.peer),
            "{name}"
        );
        assert!(
            client_seen[0].elapsed >= Duration::from_millis(20),
            "{name}"
        );
    }
}

/// A client interceptor that refuses: nothing is sent, the call fails with its exception.
#[test]
fn a_client_interceptor_can_refuse_before_sending() {
    struct No;
    impl Interceptor for No {
        fn before(&self, _: &Call<'_>) -> Result<(), ApplicationError> {
            Err(ApplicationError::new(
                ApplicationErrorKind::Unknown,
                "client says no",
            ))
        }
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let server = Builder::new()
        .thread_pool(1, 4)
        .spawn(
            Listener::tcp("127.0.0.1:0").unwrap(),
            PlainProcessor::new(Greeter(Arc::clone(&calls))),
        )
        .unwrap();
    let (r, w) = connect_tcp(server.local_addr().unwrap(), &ClientOptions::default()).unwrap();
    let mut client = PlainClient::from_caller(Client::new(r, w).with_interceptor(No));
    assert_refused(client.hello("x"), "client says no");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    server.shutdown(Duration::from_secs(1));
}

/// Endpoints run their interceptors around the calls they serve (a refusal answers the
/// call) and the calls their callers make.
#[test]
fn endpoints_intercept_both_sides() {
    use thrift_rt::endpoint::Builder as EndpointBuilder;
    let calls = Arc::new(AtomicUsize::new(0));
    let on_server = Recorder::default();
    let listener = EndpointBuilder::new()
        .transport(TransportKind::Framed)
        .interceptor(on_server.clone())
        .interceptor(Token("sesame"))
        .serve(PlainProcessor::new(Greeter(Arc::clone(&calls))))
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let on_client = Recorder::default();
    let endpoint = EndpointBuilder::new()
        .transport(TransportKind::Framed)
        .interceptor(on_client.clone())
        .connect_tcp(listener.local_addr().unwrap(), &Default::default())
        .unwrap();
    let mut client = PlainClient::from_caller(endpoint.caller());
    // Endpoints speak framed binary, not THeader: no info headers, so the token check
    // refuses every call.
    assert_refused(client.hello("x"), "no valid token");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    drop((client, endpoint));
    listener.shutdown();
    let server = on_server.take();
    assert_eq!(
        summary(&server),
        [(
            Some("Plain".to_owned()),
            "hello",
            1,
            MessageType::Call,
            "application_error"
        )]
    );
    let client = on_client.take();
    assert_eq!(
        summary(&client),
        [(None, "hello", 1, MessageType::Call, "application_error")]
    );
}

/// A shared client runs its interceptors around the calls of every caller.
#[test]
fn a_shared_client_intercepts_its_calls() {
    use thrift_rt::client::shared::SharedClient;
    let calls = Arc::new(AtomicUsize::new(0));
    let server = Builder::new()
        .thread_pool(2, 8)
        .spawn(
            Listener::tcp("127.0.0.1:0").unwrap(),
            PlainProcessor::new(Greeter(Arc::clone(&calls))),
        )
        .unwrap();
    let on_client = Recorder::default();
    let shared = SharedClient::builder()
        .tcp(server.local_addr().unwrap())
        .unwrap()
        .interceptor(on_client.clone())
        .build();
    std::thread::scope(|s| {
        for i in 0..4 {
            let caller = shared.caller();
            s.spawn(move || {
                let mut client = PlainClient::from_caller(caller);
                assert_eq!(client.hello(&i.to_string()).unwrap(), format!("Hello, {i}"));
            });
        }
    });
    let mut seen = on_client.take();
    seen.sort_by_key(|s| s.seqid);
    let seqids: Vec<i32> = seen.iter().map(|s| s.seqid).collect();
    assert_eq!(seqids, [1, 2, 3, 4]);
    assert!(
        seen.iter()
            .all(|s| s.outcome == "ok" && s.method == "hello" && s.side == Side::Client)
    );
    server.shutdown(Duration::from_secs(1));
}
