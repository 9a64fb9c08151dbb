//! The echo service over HTTP: our thread-pool server with the `HttpServer` transport and
//! our `HttpClient` on one kept-alive connection, binary protocol. For the HTTP case of the
//! round-trip benchmark, next to the same service over plain TCP and Unix sockets.

use std::io;

use thrift_rt::connect;
use thrift_rt::server::{self, Listener};
use thrift_rt::stack::{Binary, HttpClient, HttpServer, Stack};
use thrift_rt::transport::socket::TcpOptions;

use crate::ours::echo::{EchoClient, EchoProcessor};
use crate::rpc::{Caller, EchoHandler, Value, WORKERS, check_len};
use crate::{BoxError, Endpoint, Payload, Socket};

/// Starts a thread-pool HTTP server of the echo service; it runs until shut down.
///
/// # Errors
///
/// When the socket cannot be bound or a thread cannot be spawned.
pub fn start(socket: Socket) -> io::Result<(server::Server, Endpoint)> {
    let (listener, endpoint) = match socket {
        Socket::Tcp => {
            let listener = Listener::tcp("127.0.0.1:0")?;
            let addr = listener
                .local_addr()
                .expect("a TCP listener has an address");
            (listener, Endpoint::Tcp(addr))
        }
        Socket::Unix => {
            let path = crate::socket_path("ours-http");
            (Listener::unix(&path)?, Endpoint::Unix(path))
        }
    };
    let server = server::Builder::new()
        .stack(Stack::new(Binary, HttpServer::new()))
        .thread_pool(WORKERS, 128)
        .spawn(listener, EchoProcessor::new(EchoHandler))?;
    Ok((server, endpoint))
}

/// An HTTP client of the service at `endpoint` (`POST /`, `TCP_NODELAY` on TCP).
///
/// # Errors
///
/// When the connection fails.
pub fn connect(endpoint: &Endpoint, payload: Payload) -> Result<Box<dyn Caller>, BoxError> {
    let options = TcpOptions::default();
    let stream = match endpoint {
        Endpoint::Tcp(addr) => connect::tcp(addr, &options)?,
        Endpoint::Unix(path) => connect::unix(path, &options)?,
    };
    let stack = Stack::new(Binary, HttpClient::new("localhost"));
    let (r, w) = connect::with_stack(stream, &stack, &Default::default())?;
    Ok(Box::new(HttpCaller {
        client: EchoClient::new(r, w),
        value: Value::new(payload),
    }))
}

type HttpEchoClient = EchoClient<
    thrift_rt::Client<
        thrift_rt::stack::StackReader<
            Binary,
            HttpClient,
            thrift_rt::stack::Plain,
            thrift_rt::client::deadline::ClientReadHalf,
        >,
        thrift_rt::stack::StackWriter<
            Binary,
            HttpClient,
            thrift_rt::stack::Plain,
            thrift_rt::client::deadline::ClientWriteHalf,
        >,
    >,
>;

struct HttpCaller {
    client: HttpEchoClient,
    value: Value,
}

impl Caller for HttpCaller {
    fn call(&mut self) -> Result<(), BoxError> {
        match &self.value {
            Value::Str(s) => check_len("echo_string", self.client.echo_string(s)?.len(), s.len()),
            Value::Bin(b) => check_len("echo_binary", self.client.echo_binary(b)?.len(), b.len()),
        }
    }
}
