//! The client side: every `ThriftTest` method with the values Apache's clients send, each
//! answer compared exactly, failures collected as the runner's exit bits.
//!
//! One connection per loop, as Apache's C++ client does; after a failed check the
//! connection is replaced, so one broken answer cannot hide the checks after it. Sequence
//! ids start at 2,147,483,637 and run past `i32::MAX` into negative ids, so a server must
//! echo those too (the five-byte compact varint included).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::time::{Duration, Instant};

use thrift_rt::client::deadline::{ClientReadHalf, ClientWriteHalf};
use thrift_rt::connect::{self, ClientOptions};
use thrift_rt::endpoint::{self, EndpointCaller};
use thrift_rt::layer::MaybeLayered;
use thrift_rt::layer::tls::{TlsClient, TlsClientConfig, TlsReader, TlsWriter};
use thrift_rt::protocol::multiplexed::MultiplexedWriter;
use thrift_rt::stack::{
    AnyProtocolReader, AnyProtocolWriter, AnySink, AnySource, HttpClient, KindStack, Plain, Stack,
};
use thrift_rt::transport::http;
use thrift_rt::transport::socket::TcpOptions;
use thrift_rt::{Caller, Client, ProtocolReader, ProtocolWriter};

use crate::handler;
use crate::idl::cross_test::{
    Insanity, Numberz, SecondServiceClient, ThriftTestClient, ThriftTestTestExceptionError,
    ThriftTestTestMultiExceptionError, Xception, Xception2, Xtruct, Xtruct2,
};
use crate::options::{ClientArgs, Endpoint};

/// Exit-status bit: a base-type method failed (void, string, bool, byte, i32, i64, double,
/// binary, oneway).
pub const BASE_TYPES: u8 = 1;
/// Exit-status bit: struct, nest, enum, typedef, insanity or multi failed.
pub const STRUCTS: u8 = 2;
/// Exit-status bit: map, string map, set, list or map-of-maps failed.
pub const CONTAINERS: u8 = 4;
/// Exit-status bit: exception, multi-exception or the `SecondService` call failed.
pub const EXCEPTIONS: u8 = 8;
/// Exit-status bit: the suite could not start (bad arguments, no connection).
pub const UNKNOWN: u8 = 64;
/// Exit-status bit: a call timed out.
pub const TIMEOUT: u8 = 128;

/// Every test bit: what a run that could not start reports as not run.
const ALL_TESTS: u8 = BASE_TYPES | STRUCTS | CONTAINERS | EXCEPTIONS;

/// How long one call may take before the suite gives up on it. The runner kills a client
/// after 30 s; a hung server must cost less than that.
const CALL_TIMEOUT: Duration = Duration::from_secs(8);

/// A oneway call only writes; anything near this bound means the client waited for a reply.
const ONEWAY_BOUND: Duration = Duration::from_millis(500);

/// The first sequence id, as Apache's C++ client: ten calls later the ids are negative.
const FIRST_SEQID: i32 = i32::MAX - 10;

/// Runs `args.loops` loops of the suite on `args.threads` threads and returns the exit
/// bits of every failure (0 when everything passed).
pub fn run(args: &ClientArgs) -> u8 {
    let next = std::sync::atomic::AtomicU32::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..args.threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut bits = 0;
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < args.loops {
                        bits |= run_once(args);
                    }
                    bits
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or(ALL_TESTS))
            .fold(0, |a, b| a | b)
    })
}

/// One loop of the whole suite (or, with `--bench`, the timed calls).
fn run_once(args: &ClientArgs) -> u8 {
    fn go<L: Link>(args: &ClientArgs) -> u8 {
        let session = Session::<L>::new(args);
        match args.bench {
            Some(calls) => session.bench(calls),
            None => session.run(),
        }
    }
    if args.endpoint_mode {
        go::<EndpointLink>(args)
    } else if args.http && args.protocol.multiplexed {
        go::<MultiplexedWriter<HttpWriter>>(args)
    } else if args.http {
        go::<HttpWriter>(args)
    } else if args.protocol.multiplexed {
        go::<MultiplexedWriter<AnyWriter>>(args)
    } else {
        go::<AnyWriter>(args)
    }
}

/// How a session opens connections and makes its clients: a plain or multiplexed client
/// connection, or a channel-0 endpoint.
trait Link: Sized {
    /// The caller under the generated clients.
    type Caller: Caller;

    /// Opens a connection whose first call carries `next_seqid` (where the link lets the
    /// caller choose).
    fn open(args: &ClientArgs, next_seqid: i32) -> std::io::Result<ThriftTestClient<Self::Caller>>;

    /// The sequence id the next call will carry (to continue on a new connection).
    fn next_seqid(client: &mut ThriftTestClient<Self::Caller>) -> i32;

    /// Calls `SecondService.secondtestString(thing)` on the same connection.
    fn second_service(
        client: ThriftTestClient<Self::Caller>,
        thing: &str,
    ) -> Result<String, thrift_rt::Error>;
}

/// The writer of a client connection (a stream or HTTP), and how to open one.
trait PlainWriter: ProtocolWriter + Sized {
    /// The connection's reader.
    type Reader: ProtocolReader;
    /// Opens a connection as `args` say.
    fn connect(args: &ClientArgs) -> std::io::Result<(Self::Reader, Self)>;
}

impl PlainWriter for AnyWriter {
    type Reader = AnyReader;

    fn connect(args: &ClientArgs) -> std::io::Result<(AnyReader, AnyWriter)> {
        connect_plain(args)
    }
}

/// The writer of a plain or multiplexed client connection.
trait ServiceWriter: ProtocolWriter + Sized {
    type Plain: PlainWriter;
    fn for_service(writer: Self::Plain, service: &str) -> Self;
    fn into_plain(self) -> Self::Plain;
}

/// A plain writer serves one service, whatever its name.
macro_rules! plain_service_writer {
    ($($w:ty),*) => {$(
        impl ServiceWriter for $w {
            type Plain = $w;

            fn for_service(writer: $w, _: &str) -> Self {
                writer
            }

            fn into_plain(self) -> $w {
                self
            }
        }
    )*};
}

plain_service_writer!(AnyWriter, HttpWriter);

impl<W: PlainWriter> ServiceWriter for MultiplexedWriter<W> {
    type Plain = W;

    fn for_service(writer: W, service: &str) -> Self {
        MultiplexedWriter::new(writer, service)
    }

    fn into_plain(self) -> W {
        self.into_inner()
    }
}

impl<W: ServiceWriter> Link for W {
    type Caller = Client<<W::Plain as PlainWriter>::Reader, W>;

    fn open(args: &ClientArgs, next_seqid: i32) -> std::io::Result<ThriftTestClient<Self::Caller>> {
        let (r, w) = W::Plain::connect(args)?;
        let inner = Client::new(r, W::for_service(w, "ThriftTest")).with_next_seqid(next_seqid);
        Ok(ThriftTestClient::from_caller(inner))
    }

    fn next_seqid(client: &mut ThriftTestClient<Self::Caller>) -> i32 {
        client.caller_mut().next_seqid()
    }

    fn second_service(
        mut client: ThriftTestClient<Self::Caller>,
        thing: &str,
    ) -> Result<String, thrift_rt::Error> {
        let seqid = client.caller_mut().next_seqid();
        let (r, w) = client.into_inner();
        let inner =
            Client::new(r, W::for_service(w.into_plain(), "SecondService")).with_next_seqid(seqid);
        SecondServiceClient::from_caller(inner).secondtest_string(thing)
    }
}

/// A channel-0 endpoint (binary protocol) used as a plain client: the endpoint numbers its
/// own calls.
enum EndpointLink {}

impl Link for EndpointLink {
    type Caller = EndpointCaller;

    fn open(args: &ClientArgs, _: i32) -> std::io::Result<ThriftTestClient<EndpointCaller>> {
        // The options parser allows `--endpoint` with the binary protocol only.
        let builder = endpoint::Builder::new()
            .transport(args.transport)
            .call_timeout(Some(CALL_TIMEOUT));
        let endpoint = match &args.endpoint {
            Endpoint::Tcp { host, port } => {
                let options = TcpOptions::default()
                    .connect_timeout(CALL_TIMEOUT)
                    .write_timeout(CALL_TIMEOUT);
                builder.connect_tcp((host.as_str(), *port), &options)?
            }
            Endpoint::Unix(path) => builder.connect_unix(path)?,
        };
        Ok(ThriftTestClient::from_caller(endpoint.caller()))
    }

    fn next_seqid(_: &mut ThriftTestClient<EndpointCaller>) -> i32 {
        FIRST_SEQID
    }

    fn second_service(
        client: ThriftTestClient<EndpointCaller>,
        thing: &str,
    ) -> Result<String, thrift_rt::Error> {
        SecondServiceClient::from_caller(client.into_caller()).secondtest_string(thing)
    }
}

type TestClient<L> = ThriftTestClient<<L as Link>::Caller>;

/// One loop: a connection (replaced after failures) and the bits failed so far.
struct Session<'a, L: Link> {
    args: &'a ClientArgs,
    client: Option<TestClient<L>>,
    next_seqid: i32,
    failed: u8,
}

impl<'a, L: Link> Session<'a, L> {
    fn new(args: &'a ClientArgs) -> Self {
        Self {
            args,
            client: None,
            next_seqid: FIRST_SEQID,
            failed: 0,
        }
    }

    fn run(mut self) -> u8 {
        if let Err(e) = self.connect() {
            eprintln!("cannot connect to {}: {e}", self.args.endpoint);
            return UNKNOWN | ALL_TESTS;
        }
        self.base_types();
        self.structs();
        self.containers();
        self.exceptions();
        self.oneway();
        if self.args.protocol.multiplexed {
            self.second_service();
        }
        self.failed
    }

    /// `--bench`: `calls` calls of `testString("hello world")` on one connection after 100
    /// to warm up, then one line: the calls, the time, the time per call.
    fn bench(mut self, calls: u32) -> u8 {
        const WARM_UP: u32 = 100;
        let client = match self.connect() {
            Ok(client) => client,
            Err(e) => {
                eprintln!("cannot connect to {}: {e}", self.args.endpoint);
                return UNKNOWN;
            }
        };
        let mut start = Instant::now();
        for i in 0..WARM_UP + calls {
            if i == WARM_UP {
                start = Instant::now();
            }
            match client.test_string("hello world") {
                Ok(s) if s == "hello world" => {}
                Ok(s) => {
                    eprintln!("FAIL testString: got {}", short(&s));
                    return BASE_TYPES;
                }
                Err(e) => {
                    eprintln!("FAIL testString: {e}");
                    return BASE_TYPES;
                }
            }
        }
        let elapsed = start.elapsed();
        println!(
            "{calls} calls in {elapsed:?}: {:.2}µs per call",
            elapsed.as_secs_f64() * 1e6 / f64::from(calls.max(1))
        );
        0
    }

    fn connect(&mut self) -> std::io::Result<&mut TestClient<L>> {
        let client = L::open(self.args, self.next_seqid)?;
        Ok(self.client.insert(client))
    }

    /// Makes one call on the current connection (opening one if needed) and compares the
    /// answer with `want`, recording `bit` on any difference.
    fn check<T, E>(
        &mut self,
        bit: u8,
        call: &str,
        want: &T,
        f: impl FnOnce(&mut TestClient<L>) -> Result<T, E>,
    ) where
        T: PartialEq + Debug,
        E: std::error::Error + 'static,
    {
        let got = self.call(bit, call, f);
        match got {
            Some(Ok(got)) if got == *want => self.passed(call),
            Some(Ok(got)) => self.fail(
                bit,
                call,
                &format!("got {}, want {}", short(&got), short(want)),
            ),
            Some(Err(e)) => self.error(bit, call, &e),
            None => {}
        }
    }

    /// Makes one call; `None` when no connection could be opened (already recorded).
    fn call<T, E>(
        &mut self,
        bit: u8,
        call: &str,
        f: impl FnOnce(&mut TestClient<L>) -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        let client = match self.client.take() {
            Some(client) => self.client.insert(client),
            None => match self.connect() {
                Ok(client) => client,
                Err(e) => {
                    self.fail(bit, call, &format!("cannot reconnect: {e}"));
                    return None;
                }
            },
        };
        let result = f(client);
        self.next_seqid = L::next_seqid(client);
        Some(result)
    }

    fn passed(&self, call: &str) {
        if self.args.verbose {
            println!("ok   {call}");
        }
    }

    fn fail(&mut self, bit: u8, call: &str, why: &str) {
        eprintln!("FAIL {call}: {why}");
        self.failed |= bit;
        // The connection may be out of step now; the next check gets a fresh one.
        self.client = None;
    }

    fn error(&mut self, bit: u8, call: &str, e: &(dyn std::error::Error + 'static)) {
        if timed_out(e) {
            self.failed |= TIMEOUT;
        }
        self.fail(bit, call, &format!("error: {e}"));
    }

    fn base_types(&mut self) {
        self.check(BASE_TYPES, "testVoid()", &(), |c| c.test_void());
        for s in strings() {
            let call = format!("testString({})", short(&s));
            self.check(BASE_TYPES, &call, &s, |c| c.test_string(&s));
        }
        for b in [true, false] {
            self.check(BASE_TYPES, &format!("testBool({b})"), &b, |c| {
                c.test_bool(b)
            });
        }
        for v in [0, -1, 42, -42, 127, -128, 63, -127, 1, -2] {
            self.check(BASE_TYPES, &format!("testByte({v})"), &v, |c| {
                c.test_byte(v)
            });
        }
        for v in [0, -1, 190_000_013, -190_000_013, i32::MIN, i32::MAX, 1] {
            self.check(BASE_TYPES, &format!("testI32({v})"), &v, |c| c.test_i32(v));
        }
        for v in i64s() {
            self.check(BASE_TYPES, &format!("testI64({v})"), &v, |c| c.test_i64(v));
        }
        for v in doubles() {
            let call = format!("testDouble({v:e})");
            // Compare bits: the text form in JSON must round-trip exactly.
            let got = self.call(BASE_TYPES, &call, |c| c.test_double(v));
            match got {
                Some(Ok(got)) if got.to_bits() == v.to_bits() => self.passed(&call),
                Some(Ok(got)) => self.fail(BASE_TYPES, &call, &format!("got {got:e}")),
                Some(Err(e)) => self.error(BASE_TYPES, &call, &e),
                None => {}
            }
        }
        for bytes in binaries() {
            let call = format!("testBinary({} bytes)", bytes.len());
            self.check(BASE_TYPES, &call, &bytes, |c| c.test_binary(&bytes));
        }
    }

    fn structs(&mut self) {
        let xtruct = zero();
        self.check(STRUCTS, "testStruct", &xtruct, |c| c.test_struct(&xtruct));
        let nest = Xtruct2 {
            byte_thing: 1,
            struct_thing: zero(),
            i32_thing: 5,
        };
        self.check(STRUCTS, "testNest", &nest, |c| c.test_nest(&nest));
        for v in [
            Numberz::ONE,
            Numberz::TWO,
            Numberz::THREE,
            Numberz::FIVE,
            Numberz::EIGHT,
        ] {
            self.check(STRUCTS, &format!("testEnum({v:?})"), &v, |c| c.test_enum(v));
        }
        for v in [309_858_235_082_523, 0xff_ffff_ffff_ffff, -1] {
            self.check(STRUCTS, &format!("testTypedef({v})"), &v, |c| {
                c.test_typedef(v)
            });
        }
        let argument = Insanity {
            user_map: BTreeMap::from([(Numberz::FIVE, 5), (Numberz::EIGHT, 8)]),
            xtructs: vec![xtruct_of("Goodbye4", 4, 4, 4), xtruct_of("Hello2", 2, 2, 2)],
        };
        let want = handler::insanity(argument.clone());
        self.check(STRUCTS, "testInsanity", &want, |c| {
            c.test_insanity(&argument)
        });
        let arg3 = BTreeMap::from([(1, "first".to_owned()), (-2, "second".to_owned())]);
        let want = handler::multi(9, 11, 12);
        self.check(STRUCTS, "testMulti", &want, |c| {
            c.test_multi(9, 11, 12, &arg3, Numberz::FIVE, 13)
        });
    }

    fn containers(&mut self) {
        for map in [
            (0..5).map(|i| (i, i - 10)).collect::<BTreeMap<i32, i32>>(),
            BTreeMap::from([(-1, 1), (i32::MIN, i32::MAX)]),
            BTreeMap::new(),
        ] {
            self.check(CONTAINERS, &format!("testMap({map:?})"), &map, |c| {
                c.test_map(&map)
            });
        }
        let map: BTreeMap<String, String> =
            [("a", "2"), ("b", "blah"), ("some", "thing"), ("", "")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        self.check(CONTAINERS, "testStringMap", &map, |c| {
            c.test_string_map(&map)
        });
        for set in [(-2..3).collect::<BTreeSet<i32>>(), BTreeSet::new()] {
            self.check(CONTAINERS, &format!("testSet({set:?})"), &set, |c| {
                c.test_set(&set)
            });
        }
        for list in [
            (-2..3).collect::<Vec<i32>>(),
            vec![7, 7, 7, i32::MIN],
            Vec::new(),
        ] {
            self.check(CONTAINERS, &format!("testList({list:?})"), &list, |c| {
                c.test_list(&list)
            });
        }
        let want = handler::map_map();
        self.check(CONTAINERS, "testMapMap(1)", &want, |c| c.test_map_map(1));
    }

    fn exceptions(&mut self) {
        let call = "testException(\"Xception\")";
        match self.call(EXCEPTIONS, call, |c| c.test_exception("Xception")) {
            Some(Err(ThriftTestTestExceptionError::Err1(x)))
                if x == (Xception {
                    error_code: 1001,
                    message: "Xception".to_owned(),
                }) =>
            {
                self.passed(call);
            }
            Some(other) => self.fail(EXCEPTIONS, call, &format!("got {other:?}")),
            None => {}
        }
        let call = "testException(\"TException\")";
        match self.call(EXCEPTIONS, call, |c| c.test_exception("TException")) {
            Some(Err(ThriftTestTestExceptionError::Thrift(thrift_rt::Error::Application(_)))) => {
                self.passed(call);
            }
            Some(other) => self.fail(EXCEPTIONS, call, &format!("got {other:?}")),
            None => {}
        }
        // The connection must still work after an exception, declared or not.
        for arg in ["success", "Safe"] {
            let call = format!("testException({arg:?})");
            self.check(EXCEPTIONS, &call, &(), |c| c.test_exception(arg));
        }

        let call = "testMultiException(\"Xception\", \"test 1\")";
        match self.call(EXCEPTIONS, call, |c| {
            c.test_multi_exception("Xception", "test 1")
        }) {
            Some(Err(ThriftTestTestMultiExceptionError::Err1(x)))
                if x.error_code == 1001 && x.message == "This is an Xception" =>
            {
                self.passed(call);
            }
            Some(other) => self.fail(EXCEPTIONS, call, &format!("got {other:?}")),
            None => {}
        }
        let call = "testMultiException(\"Xception2\", \"test 2\")";
        let want = Xception2 {
            error_code: 2002,
            struct_thing: xtruct_of("This is an Xception2", 0, 0, 0),
        };
        match self.call(EXCEPTIONS, call, |c| {
            c.test_multi_exception("Xception2", "test 2")
        }) {
            Some(Err(ThriftTestTestMultiExceptionError::Err2(x))) if x == want => self.passed(call),
            Some(other) => self.fail(EXCEPTIONS, call, &format!("got {other:?}")),
            None => {}
        }
        let want = xtruct_of("test 3", 0, 0, 0);
        self.check(
            EXCEPTIONS,
            "testMultiException(\"success\", \"test 3\")",
            &want,
            |c| c.test_multi_exception("success", "test 3"),
        );
    }

    /// A oneway call returns without waiting, and the next call on the same connection gets
    /// its own reply (not a stray one for the oneway).
    fn oneway(&mut self) {
        let call = "testOneway(1)";
        let start = Instant::now();
        match self.call(BASE_TYPES, call, |c| c.test_oneway(1)) {
            Some(Ok(())) if start.elapsed() < ONEWAY_BOUND => self.passed(call),
            Some(Ok(())) => {
                let why = format!("took {:?}; a oneway call must not wait", start.elapsed());
                self.fail(BASE_TYPES, call, &why);
            }
            Some(Err(e)) => self.error(BASE_TYPES, call, &e),
            None => return,
        }
        self.check(BASE_TYPES, "testI32(-7) after testOneway", &-7, |c| {
            c.test_i32(-7)
        });
    }

    /// `SecondService` on the same connection, through its own multiplexed name.
    fn second_service(&mut self) {
        let call = "secondtestString(\"foobar\")";
        if self.client.is_none() {
            if let Err(e) = self.connect() {
                return self.fail(EXCEPTIONS, call, &format!("cannot reconnect: {e}"));
            }
        }
        let Some(client) = self.client.take() else {
            return;
        };
        match L::second_service(client, "foobar") {
            Ok(s) if s == "testString(\"foobar\")" => self.passed(call),
            Ok(s) => self.fail(EXCEPTIONS, call, &format!("got {s:?}")),
            Err(e) => self.error(EXCEPTIONS, call, &e),
        }
    }
}

/// Opens a connection with the protocol, transport and timeouts of `args`.
/// The stack of a plain or multiplexed client connection: TLS under the transport when
/// `--ssl` asks for it.
type Layers = (Plain, Option<TlsClient>);
/// The reader of a plain or multiplexed client connection (`StackReader` of [`Layers`],
/// spelled out: trait coherence cannot see through the projection).
type AnyReader =
    AnyProtocolReader<AnySource<MaybeLayered<TlsReader<ClientReadHalf>, ClientReadHalf>>>;
/// The writer of a plain or multiplexed client connection.
type AnyWriter =
    AnyProtocolWriter<AnySink<MaybeLayered<TlsWriter<ClientWriteHalf>, ClientWriteHalf>>>;

fn connect_plain(args: &ClientArgs) -> std::io::Result<(AnyReader, AnyWriter)> {
    let options = ClientOptions::default()
        .protocol(args.protocol.kind)
        .transport(args.transport)
        .timeouts(CALL_TIMEOUT);
    let (stream, tls) = match &args.endpoint {
        Endpoint::Tcp { host, port } => (
            connect::tcp((host.as_str(), *port), &options.socket)?,
            tls_layer(args, host)?,
        ),
        Endpoint::Unix(path) => (connect::unix(path, &options.socket)?, None),
    };
    let stack: KindStack<Layers> = options.stack().layer(tls);
    let (r, mut w) = connect::with_stack(stream, &stack, &options.limits)?;
    header_settings(args, &mut w);
    Ok((r, w))
}

/// With `--ssl`: TLS verifying the server against `CA.pem` for the name `host`,
/// presenting `client.crt` / `client.key` when both exist (as Apache's C++ client does).
fn tls_layer(args: &ClientArgs, host: &str) -> std::io::Result<Option<TlsClient>> {
    let Some(keys) = &args.ssl else {
        return Ok(None);
    };
    let (cert, key) = (keys.join("client.crt"), keys.join("client.key"));
    let client_cert = (cert.exists() && key.exists()).then_some((cert, key));
    let config = TlsClientConfig::from_pem_files(keys.join("CA.pem"), client_cert)?;
    TlsClient::new(&config, host).map(Some)
}

/// THeader settings of the connection (`--header-compact`, `--header-zlib`), and a
/// key-value header naming the client on every call.
fn header_settings(args: &ClientArgs, w: &mut AnyWriter) {
    if args.header_compact {
        w.set_header_call_protocol(thrift_rt::transport::header::PayloadProtocol::Compact);
    }
    if let Some(h) = w.get_mut().header_mut() {
        h.set_zlib(args.header_zlib);
        h.headers_mut().insert("client", "thrift-rt test_client");
    }
}

/// Whether `e` or anything under it is a timeout.
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(thrift) = e.downcast_ref::<thrift_rt::Error>() {
            if thrift.transport_kind() == Some(thrift_rt::error::TransportErrorKind::TimedOut) {
                return true;
            }
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                return true;
            }
        }
        next = e.source();
    }
    false
}

/// A value's debug form, cut short for the failure report.
fn short(value: &impl Debug) -> String {
    let text = format!("{value:?}");
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}… ({} chars)", &text[..cut], text.chars().count()),
        None => text,
    }
}

fn xtruct_of(s: &str, byte: i8, i32_thing: i32, i64_thing: i64) -> Xtruct {
    Xtruct {
        string_thing: s.to_owned(),
        byte_thing: byte,
        i32_thing,
        i64_thing,
    }
}

/// The struct Apache's clients send to `testStruct`.
fn zero() -> Xtruct {
    xtruct_of("Zero", 1, -3, -5)
}

/// Strings: plain, empty, many scripts with combining marks and right-to-left text, and the
/// characters JSON must escape.
fn strings() -> Vec<String> {
    let scripts = concat!(
        "Thrift speaks: English, Ελληνικά, Русский, Українська, Հայերեն, ქართული, ",
        "עברית (right to left), العربية (من اليمين), فارسی, हिन्दी, বাংলা, தமிழ், ",
        "ไทย, ລາວ, ខ្មែរ, 日本語, 中文, 한국어, ᏣᎳᎩ, ᐃᓄᒃᑎᑐᑦ, Ge\u{02bb}ez ግዕዝ, ",
        "combining: e\u{301} a\u{308} n\u{303} o\u{302}\u{323}, ",
        "astral: 𝄞 🚀 🦀 𐍈, and a BOM \u{feff} and zero width \u{200b}joiner."
    );
    let escapes =
        "quote \" backslash \\ slash / \u{8} \u{c} \n \r \t { } : [ ] , \u{1} \u{1f} \u{7f}";
    let mut all = vec![
        "Test".to_owned(),
        String::new(),
        scripts.to_owned(),
        escapes.to_owned(),
    ];
    all.extend(["\"", "\\", "/", "\u{8}", "\t", "\n", "\r", "{", "}", ":"].map(str::to_owned));
    all
}

fn i64s() -> Vec<i64> {
    let two32 = 1_i64 << 32;
    vec![
        0,
        -1,
        7_000_000_000_000_000_123,
        -7_000_000_000_000_000_123,
        two32,
        -two32,
        two32 + 1,
        -(two32 + 1),
        i64::MIN,
        i64::MAX,
        -34_359_738_368,
    ]
}

fn doubles() -> Vec<f64> {
    let two32 = 4_294_967_296.0;
    let max_exact = 9_007_199_254_740_991.0;
    vec![
        0.0,
        -1.0,
        -5.209_852_3,
        // The literal Apache's clients use, more digits than an f64 holds.
        #[allow(clippy::excessive_precision)]
        -0.000_341_012_439_638_598_279,
        two32,
        -two32,
        two32 + 1.0,
        -(two32 + 1.0),
        max_exact,
        -max_exact,
        1e307,
        1e-292,
        0.1,
        f64::MIN_POSITIVE,
        f64::MAX,
    ]
}

/// All 256 byte values, then sizes 0, 1, 2, 4, …, 131,072 of a pattern that is not UTF-8.
fn binaries() -> Vec<Vec<u8>> {
    let mut all = vec![(0..=255).collect::<Vec<u8>>()];
    all.push(Vec::new());
    let mut size = 1;
    while size <= 131_072 {
        #[allow(clippy::cast_possible_truncation)] // `% 251` keeps it below 256
        all.push((0..size).map(|i| ((i * 7 + 128) % 251) as u8).collect());
        size *= 2;
    }
    all
}

/// The writer of an HTTP client connection (`--transport=http`), over TLS with `--ssl`.
type HttpWriter =
    AnyProtocolWriter<http::HttpWriter<MaybeLayered<TlsWriter<ClientWriteHalf>, ClientWriteHalf>>>;

impl PlainWriter for HttpWriter {
    type Reader = AnyProtocolReader<
        http::HttpReader<MaybeLayered<TlsReader<ClientReadHalf>, ClientReadHalf>, http::Response>,
    >;

    /// POSTs to `/` with `Host: host:port`, as Apache's Python client does, over TCP (TLS
    /// with `--ssl`) or (with `--domain-socket`) a Unix socket.
    fn connect(args: &ClientArgs) -> std::io::Result<(Self::Reader, Self)> {
        let options = TcpOptions::default()
            .connect_timeout(CALL_TIMEOUT)
            .read_timeout(CALL_TIMEOUT)
            .write_timeout(CALL_TIMEOUT);
        let (stream, host, tls) = match &args.endpoint {
            Endpoint::Tcp { host, port } => (
                connect::tcp((host.as_str(), *port), &options)?,
                format!("{host}:{port}"),
                tls_layer(args, host)?,
            ),
            Endpoint::Unix(path) => (connect::unix(path, &options)?, "localhost".to_owned(), None),
        };
        let stack = Stack::new(args.protocol.kind, HttpClient::new(&host)).layer(tls);
        connect::with_stack(stream, &stack, &thrift_rt::Limits::default())
    }
}
