//! Channel endpoints (`thrift_rt::endpoint`) in the echo benchmarks: a listening endpoint
//! serving the echo service on channel 0, and callers that share one connected endpoint.
//!
//! The endpoint's peer is an endpoint too, so both ends run a read pump and hand calls to
//! worker threads; the cost of that machinery against a plain client and a thread-pool server
//! is what `benches/endpoint.rs` measures.

use std::io;
use std::time::Duration;

use thrift_rt::endpoint::{self, EndpointCaller, EndpointListener};
use thrift_rt::server::Listener;
use thrift_rt::transport::socket::TcpOptions;

use crate::ours::echo::{EchoClient, EchoProcessor};
use crate::rpc::{Caller, EchoHandler, Value, check_len, transport_kind};
use crate::{BoxError, Endpoint, Payload, Socket, Transport};

/// A listening endpoint hosting the echo service on channel 0; shut down when dropped.
#[derive(Debug)]
pub struct EndpointServer {
    listener: EndpointListener,
    endpoint: Endpoint,
}

impl EndpointServer {
    /// Starts accepting connections.
    ///
    /// # Errors
    ///
    /// When the socket cannot be bound or the accept thread cannot be spawned.
    pub fn start(socket: Socket, transport: Transport) -> io::Result<Self> {
        let (listener, unix_path) = match socket {
            Socket::Tcp => (Listener::tcp("127.0.0.1:0")?, None),
            Socket::Unix => {
                let path = crate::socket_path("endpoint");
                (Listener::unix(&path)?, Some(path))
            }
        };
        let listener = builder(transport).listen(listener, |_peer| {})?;
        let endpoint = match unix_path {
            Some(path) => Endpoint::Unix(path),
            None => Endpoint::Tcp(
                listener
                    .local_addr()
                    .expect("a TCP listener has an address"),
            ),
        };
        Ok(Self { listener, endpoint })
    }

    /// Where the endpoint listens.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Drop for EndpointServer {
    fn drop(&mut self) {
        self.listener.shutdown();
    }
}

fn builder(transport: Transport) -> endpoint::Builder {
    endpoint::Builder::new()
        .serve(EchoProcessor::new(EchoHandler))
        .transport(transport_kind(transport))
        .call_timeout(Some(Duration::from_secs(30)))
}

/// Connects an endpoint (hosting nothing itself) to `endpoint`. Its
/// [`caller`](endpoint::Endpoint::caller)s are what the benchmark threads share.
///
/// # Errors
///
/// When the connection fails.
pub fn connect(endpoint: &Endpoint, transport: Transport) -> io::Result<endpoint::Endpoint> {
    let builder = endpoint::Builder::new().transport(transport_kind(transport));
    match endpoint {
        Endpoint::Tcp(addr) => builder.connect_tcp(addr, &TcpOptions::default()),
        Endpoint::Unix(path) => builder.connect_unix(path),
    }
}

/// A generated client on a (possibly shared) endpoint's caller.
#[derive(Debug)]
pub struct EndpointEcho {
    client: EchoClient<EndpointCaller>,
    value: Value,
}

impl EndpointEcho {
    /// A client calling through `caller` with the benchmark's payload.
    pub fn new(caller: EndpointCaller, payload: Payload) -> Self {
        Self {
            client: EchoClient::from_caller(caller),
            value: Value::new(payload),
        }
    }
}

impl Caller for EndpointEcho {
    fn call(&mut self) -> Result<(), BoxError> {
        match &self.value {
            Value::Str(s) => check_len("echo_string", self.client.echo_string(s)?.len(), s.len()),
            Value::Bin(b) => check_len("echo_binary", self.client.echo_binary(b)?.len(), b.len()),
        }
    }
}
