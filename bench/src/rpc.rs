//! Echo servers and clients: ours (thrift-rt) and Apache's (the `thrift` crate), binary
//! protocol, over TCP or a Unix socket, buffered or framed.
//!
//! Every client is a [`Caller`]: one `call` is one round trip with the benchmark's payload,
//! checked for the right reply length, so the benchmarks treat all implementations alike.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use thrift::protocol::{
    TBinaryInputProtocol, TBinaryInputProtocolFactory, TBinaryOutputProtocol,
    TBinaryOutputProtocolFactory, TInputProtocolFactory, TOutputProtocolFactory,
};
use thrift::server::{TProcessor, TServer};
use thrift::transport::{
    TBufferedReadTransport, TBufferedReadTransportFactory, TBufferedWriteTransport,
    TBufferedWriteTransportFactory, TFramedReadTransport, TFramedReadTransportFactory,
    TFramedWriteTransport, TFramedWriteTransportFactory, TIoChannel, TReadTransportFactory,
    TTcpChannel, TWriteTransportFactory,
};
use thrift_rt::connect::{self, AnyReader, AnyWriter, ClientOptions};
use thrift_rt::server::{self, Listener};
use thrift_rt::{ProtocolKind, TransportKind};

use crate::apache::{EchoSyncClient, EchoSyncHandler, EchoSyncProcessor, TEchoSyncClient};
use crate::ours::echo::{Echo, EchoClient, EchoProcessor};
use crate::{BoxError, Endpoint, Payload, Socket, Transport};

/// Server worker threads: enough for the 16 client threads of the throughput benchmarks
/// (both servers give each connection a thread of its own for its lifetime).
pub const WORKERS: usize = 16;

/// The handler of both servers: every call returns its argument.
#[derive(Clone, Copy, Debug, Default)]
pub struct EchoHandler;

impl Echo for EchoHandler {
    fn echo_string(&self, s: String) -> Result<String, thrift_rt::Error> {
        Ok(s)
    }

    fn echo_binary(&self, b: Vec<u8>) -> Result<Vec<u8>, thrift_rt::Error> {
        Ok(b)
    }
}

impl EchoSyncHandler for EchoHandler {
    fn handle_echo_string(&self, s: String) -> thrift::Result<String> {
        Ok(s)
    }

    fn handle_echo_binary(&self, b: Vec<u8>) -> thrift::Result<Vec<u8>> {
        Ok(b)
    }
}

/// Which implementation a client or server is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implementation {
    /// thrift-rt: `thrift_rt::connect` + our generated `EchoClient`, served by
    /// `thrift_rt::server` (thread pool).
    Ours,
    /// Apache's `thrift` crate out of the box: `TTcpChannel` or `UnixStream` + the generated
    /// `EchoSyncClient`, served by its `TServer` (thread pool). Neither side sets
    /// `TCP_NODELAY`.
    Thrift,
    /// As [`Thrift`](Self::Thrift), with `TCP_NODELAY` set on the client's socket (the server
    /// is still `TServer`, whose accepted sockets keep Nagle's algorithm on).
    ThriftNodelay,
    /// The crate with `TCP_NODELAY` on both sockets: the client of
    /// [`ThriftNodelay`](Self::ThriftNodelay), served by [`start_thrift_nodelay_server`]
    /// (the crate's own processor, transports and protocol, as `TServer` builds them, behind
    /// an accept loop of ours, since `TServer` cannot set the option).
    ThriftNodelayBoth,
}

impl Implementation {
    /// The name used in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::Thrift => "thrift",
            Self::ThriftNodelay => "thrift-nodelay",
            Self::ThriftNodelayBoth => "thrift-nodelay-both",
        }
    }
}

/// One client connection making echo calls.
pub trait Caller: Send {
    /// Makes one call with the payload and checks the reply.
    ///
    /// # Errors
    ///
    /// When the call fails or the reply has the wrong length.
    fn call(&mut self) -> Result<(), BoxError>;
}

/// The argument of every call a client makes.
#[derive(Clone, Debug)]
/// A payload value of the benchmark.
pub(crate) enum Value {
    Str(String),
    Bin(Vec<u8>),
}

impl Value {
    pub(crate) fn new(payload: Payload) -> Self {
        match payload {
            Payload::String => Self::Str(crate::SMALL_STRING.to_owned()),
            Payload::Binary => Self::Bin(crate::binary_value()),
        }
    }
}

pub(crate) fn check_len(what: &str, got: usize, want: usize) -> Result<(), BoxError> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: reply of {got} bytes, expected {want}").into())
    }
}

// --- ours -----------------------------------------------------------------------------------

/// One of our servers; shut down when dropped.
#[derive(Debug)]
pub struct OursServer {
    server: server::Server,
    endpoint: Endpoint,
}

impl OursServer {
    /// Starts a thread-pool server of [`WORKERS`] workers with the binary protocol.
    ///
    /// # Errors
    ///
    /// When the socket cannot be bound or a thread cannot be spawned.
    pub fn start(socket: Socket, transport: Transport) -> io::Result<Self> {
        let (listener, unix_path) = match socket {
            Socket::Tcp => (Listener::tcp("127.0.0.1:0")?, None),
            Socket::Unix => {
                let path = crate::socket_path("ours");
                (Listener::unix(&path)?, Some(path))
            }
        };
        let server = server::Builder::new()
            .protocol(ProtocolKind::Binary)
            .transport(transport_kind(transport))
            .thread_pool(WORKERS, 128)
            .spawn(listener, EchoProcessor::new(EchoHandler))?;
        let endpoint = match unix_path {
            Some(path) => Endpoint::Unix(path),
            None => Endpoint::Tcp(server.local_addr().expect("a TCP server has an address")),
        };
        Ok(Self { server, endpoint })
    }

    /// Where the server listens.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Stops the server and joins its threads.
    pub fn shutdown(self) {
        self.server.shutdown(Duration::from_secs(1));
    }
}

pub(crate) fn transport_kind(transport: Transport) -> TransportKind {
    match transport {
        Transport::Buffered => TransportKind::Buffered,
        Transport::Framed => TransportKind::Framed,
    }
}

struct OursCaller {
    client: EchoClient<thrift_rt::Client<AnyReader, AnyWriter>>,
    value: Value,
}

impl Caller for OursCaller {
    fn call(&mut self) -> Result<(), BoxError> {
        match &self.value {
            Value::Str(s) => check_len("echo_string", self.client.echo_string(s)?.len(), s.len()),
            Value::Bin(b) => check_len("echo_binary", self.client.echo_binary(b)?.len(), b.len()),
        }
    }
}

/// A binary-protocol connection of ours to `endpoint` (`TCP_NODELAY` is on by default).
///
/// # Errors
///
/// When the connection fails.
pub(crate) fn connect_binary(
    endpoint: &Endpoint,
    transport: Transport,
) -> std::io::Result<(connect::AnyReader, connect::AnyWriter)> {
    let options = ClientOptions::default()
        .protocol(ProtocolKind::Binary)
        .transport(transport_kind(transport));
    match endpoint {
        Endpoint::Tcp(addr) => connect::connect_tcp(addr, &options),
        Endpoint::Unix(path) => connect::connect_unix(path, &options),
    }
}

fn connect_ours(
    endpoint: &Endpoint,
    transport: Transport,
    payload: Payload,
) -> Result<Box<dyn Caller>, BoxError> {
    let (r, w) = connect_binary(endpoint, transport)?;
    Ok(Box::new(OursCaller {
        client: EchoClient::new(r, w),
        value: Value::new(payload),
    }))
}

// --- Apache's thrift crate ------------------------------------------------------------------

/// Starts Apache's `TServer` (thread pool of [`WORKERS`]) with the binary protocol and returns
/// once it accepts connections.
///
/// `TServer::listen` and `listen_uds` never return and the server has no way to stop, so its
/// threads run until the process exits.
///
/// # Errors
///
/// When no free port can be found or the server does not come up within 5 s.
pub fn start_thrift_server(socket: Socket, transport: Transport) -> Result<Endpoint, BoxError> {
    let endpoint = match socket {
        // `TServer::listen` binds the address itself, so we need a port that is free now.
        Socket::Tcp => Endpoint::Tcp(TcpListener::bind("127.0.0.1:0")?.local_addr()?),
        Socket::Unix => Endpoint::Unix(crate::socket_path("thrift")),
    };
    let at = endpoint.clone();
    std::thread::Builder::new()
        .name("thrift-tserver".to_owned())
        .spawn(move || {
            let result = match transport {
                Transport::Buffered => serve_thrift(
                    TBufferedReadTransportFactory::new(),
                    TBufferedWriteTransportFactory::new(),
                    &at,
                ),
                Transport::Framed => serve_thrift(
                    TFramedReadTransportFactory::new(),
                    TFramedWriteTransportFactory::new(),
                    &at,
                ),
            };
            if let Err(e) = result {
                eprintln!("thrift crate's TServer on {at:?} stopped: {e}");
            }
        })?;
    wait_until_listening(&endpoint)?;
    Ok(endpoint)
}

fn serve_thrift<RTF, WTF>(rtf: RTF, wtf: WTF, endpoint: &Endpoint) -> thrift::Result<()>
where
    RTF: TReadTransportFactory + 'static,
    WTF: TWriteTransportFactory + 'static,
{
    let mut server = TServer::new(
        rtf,
        TBinaryInputProtocolFactory::new(),
        wtf,
        TBinaryOutputProtocolFactory::new(),
        EchoSyncProcessor::new(EchoHandler),
        WORKERS,
    );
    match endpoint {
        Endpoint::Tcp(addr) => server.listen(addr),
        Endpoint::Unix(path) => server.listen_uds(path),
    }
}

/// Serves the crate's processor over TCP with `TCP_NODELAY` on every accepted socket: a
/// thread per connection running the per-connection stack `TServer` builds (the same
/// factories, boxed transports and protocols, and its `process` loop). With at most
/// [`WORKERS`] connections this is what `TServer`'s pool does, less Nagle's algorithm.
///
/// Like `TServer`, it cannot be stopped: its threads end with the process (connection threads
/// when their client closes).
///
/// # Errors
///
/// When the socket cannot be bound.
pub fn start_thrift_nodelay_server(transport: Transport) -> Result<Endpoint, BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let endpoint = Endpoint::Tcp(listener.local_addr()?);
    let processor = Arc::new(EchoSyncProcessor::new(EchoHandler));
    std::thread::Builder::new()
        .name("thrift-nodelay-accept".to_owned())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if stream.set_nodelay(true).is_err() {
                    continue;
                }
                let processor = Arc::clone(&processor);
                let _ = std::thread::Builder::new()
                    .name("thrift-nodelay-conn".to_owned())
                    .spawn(move || {
                        let _ = match transport {
                            Transport::Buffered => serve_thrift_connection(
                                &*processor,
                                stream,
                                &TBufferedReadTransportFactory::new(),
                                &TBufferedWriteTransportFactory::new(),
                            ),
                            Transport::Framed => serve_thrift_connection(
                                &*processor,
                                stream,
                                &TFramedReadTransportFactory::new(),
                                &TFramedWriteTransportFactory::new(),
                            ),
                        };
                    });
            }
        })?;
    Ok(endpoint)
}

fn serve_thrift_connection(
    processor: &impl TProcessor,
    stream: TcpStream,
    rtf: &impl TReadTransportFactory,
    wtf: &impl TWriteTransportFactory,
) -> thrift::Result<()> {
    let (r, w) = TTcpChannel::with_stream(stream).split()?;
    let mut i_prot = TBinaryInputProtocolFactory::new().create(rtf.create(Box::new(r)));
    let mut o_prot = TBinaryOutputProtocolFactory::new().create(wtf.create(Box::new(w)));
    // Until the client closes (an end-of-file error) or anything fails, as in `TServer`.
    loop {
        processor.process(&mut *i_prot, &mut *o_prot)?;
    }
}

/// Connects until the server accepts (the probe connections close at once).
fn wait_until_listening(endpoint: &Endpoint) -> Result<(), BoxError> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let attempt = match endpoint {
            Endpoint::Tcp(addr) => TcpStream::connect(addr).map(drop),
            Endpoint::Unix(path) => UnixStream::connect(path).map(drop),
        };
        match attempt {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() > deadline => {
                return Err(format!("server on {endpoint:?} did not come up: {e}").into());
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

struct ThriftCaller<C> {
    client: C,
    value: Value,
}

impl<C: TEchoSyncClient + Send> Caller for ThriftCaller<C> {
    fn call(&mut self) -> Result<(), BoxError> {
        // The generated client takes its arguments by value, so each call clones the payload:
        // that is the crate's API.
        match &self.value {
            Value::Str(s) => check_len(
                "echo_string",
                self.client.echo_string(s.clone())?.len(),
                s.len(),
            ),
            Value::Bin(b) => check_len(
                "echo_binary",
                self.client.echo_binary(b.clone())?.len(),
                b.len(),
            ),
        }
    }
}

fn connect_thrift(
    endpoint: &Endpoint,
    transport: Transport,
    payload: Payload,
    nodelay: bool,
) -> Result<Box<dyn Caller>, BoxError> {
    match endpoint {
        Endpoint::Tcp(addr) => {
            // What `TTcpChannel::open` does, plus the option.
            let stream = TcpStream::connect(addr)?;
            if nodelay {
                stream.set_nodelay(true)?;
            }
            thrift_caller(TTcpChannel::with_stream(stream), transport, payload)
        }
        Endpoint::Unix(path) => thrift_caller(UnixStream::connect(path)?, transport, payload),
    }
}

fn thrift_caller<C>(
    channel: C,
    transport: Transport,
    payload: Payload,
) -> Result<Box<dyn Caller>, BoxError>
where
    C: TIoChannel + Send + 'static,
{
    let (r, w) = channel.split()?;
    let value = Value::new(payload);
    Ok(match transport {
        Transport::Buffered => Box::new(ThriftCaller {
            client: EchoSyncClient::new(
                TBinaryInputProtocol::new(TBufferedReadTransport::new(r), true),
                TBinaryOutputProtocol::new(TBufferedWriteTransport::new(w), true),
            ),
            value,
        }),
        Transport::Framed => Box::new(ThriftCaller {
            client: EchoSyncClient::new(
                TBinaryInputProtocol::new(TFramedReadTransport::new(r), true),
                TBinaryOutputProtocol::new(TFramedWriteTransport::new(w), true),
            ),
            value,
        }),
    })
}

/// Opens a client connection of `implementation` to the server at `endpoint`.
///
/// # Errors
///
/// When connecting fails.
pub fn connect(
    implementation: Implementation,
    endpoint: &Endpoint,
    transport: Transport,
    payload: Payload,
) -> Result<Box<dyn Caller>, BoxError> {
    match implementation {
        Implementation::Ours => connect_ours(endpoint, transport, payload),
        Implementation::Thrift => connect_thrift(endpoint, transport, payload, false),
        Implementation::ThriftNodelay | Implementation::ThriftNodelayBoth => {
            connect_thrift(endpoint, transport, payload, true)
        }
    }
}

// --- THeader (ours) -------------------------------------------------------------------------

/// Starts our thread-pool server of [`WORKERS`] workers in one-port mode
/// (`server::Builder::one_port`): THeader frames, binary calls answered in binary. The
/// benchmark's THeader case, next to the framed one.
///
/// # Errors
///
/// When the socket cannot be bound or a thread cannot be spawned.
pub fn start_ours_header(socket: Socket) -> io::Result<OursServer> {
    let (listener, unix_path) = match socket {
        Socket::Tcp => (Listener::tcp("127.0.0.1:0")?, None),
        Socket::Unix => {
            let path = crate::socket_path("ours-header");
            (Listener::unix(&path)?, Some(path))
        }
    };
    let server = server::Builder::new()
        .one_port()
        .thread_pool(WORKERS, 128)
        .spawn(listener, EchoProcessor::new(EchoHandler))?;
    let endpoint = match unix_path {
        Some(path) => Endpoint::Unix(path),
        None => Endpoint::Tcp(server.local_addr().expect("a TCP server has an address")),
    };
    Ok(OursServer { server, endpoint })
}

/// A THeader client of ours (binary payload, no transform, no info headers).
///
/// # Errors
///
/// When the connection fails.
pub fn connect_ours_header(
    endpoint: &Endpoint,
    payload: Payload,
) -> Result<Box<dyn Caller>, BoxError> {
    let options = ClientOptions::default()
        .protocol(ProtocolKind::Header)
        .transport(TransportKind::Header);
    let (r, w) = match endpoint {
        Endpoint::Tcp(addr) => connect::connect_tcp(addr, &options)?,
        Endpoint::Unix(path) => connect::connect_unix(path, &options)?,
    };
    Ok(Box::new(OursCaller {
        client: EchoClient::new(r, w),
        value: Value::new(payload),
    }))
}
