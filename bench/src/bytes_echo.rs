//! The echo service with strings and binaries as shared `Bytes`: a thread-pool server whose
//! handler returns the binary it was given without copying it (the frame is shared), and a
//! client of it. For the 4 KiB binary echo against the raw ping-pong.

use std::io;

use thrift_rt::bytes::Bytes;
use thrift_rt::server::{self, Listener};
use thrift_rt::{BytesStr, ProtocolKind};

use crate::ours_bytes::echo::{Echo, EchoClient, EchoProcessor};
use crate::rpc::{Caller, WORKERS, check_len, transport_kind};
use crate::{BoxError, Endpoint, Payload, Socket, Transport};

/// Returns its argument, shared.
#[derive(Clone, Copy, Debug, Default)]
struct SharedEcho;

impl Echo for SharedEcho {
    fn echo_string(&self, s: BytesStr) -> Result<BytesStr, thrift_rt::Error> {
        Ok(s)
    }

    fn echo_binary(&self, b: Bytes) -> Result<Bytes, thrift_rt::Error> {
        Ok(b)
    }
}

/// Starts a thread-pool server of this service; it runs until the process exits.
///
/// # Errors
///
/// When the socket cannot be bound or a thread cannot be spawned.
pub fn start(socket: Socket, transport: Transport) -> io::Result<(server::Server, Endpoint)> {
    let (listener, endpoint) = match socket {
        Socket::Tcp => {
            let listener = Listener::tcp("127.0.0.1:0")?;
            let addr = listener
                .local_addr()
                .expect("a TCP listener has an address");
            (listener, Endpoint::Tcp(addr))
        }
        Socket::Unix => {
            let path = crate::socket_path("ours-bytes");
            (Listener::unix(&path)?, Endpoint::Unix(path))
        }
    };
    let server = server::Builder::new()
        .protocol(ProtocolKind::Binary)
        .transport(transport_kind(transport))
        .thread_pool(WORKERS, 128)
        .spawn(listener, EchoProcessor::new(SharedEcho))?;
    Ok((server, endpoint))
}

/// A client of the service at `endpoint`.
///
/// # Errors
///
/// When the connection fails.
pub fn connect(
    endpoint: &Endpoint,
    transport: Transport,
    payload: Payload,
) -> Result<Box<dyn Caller>, BoxError> {
    let (r, w) = crate::rpc::connect_binary(endpoint, transport)?;
    Ok(Box::new(BytesCaller {
        client: EchoClient::new(r, w),
        payload,
        text: BytesStr::from(crate::SMALL_STRING.to_owned()),
        value: Bytes::from(crate::binary_value()),
    }))
}

struct BytesCaller<C> {
    client: C,
    payload: Payload,
    text: BytesStr,
    value: Bytes,
}

impl<R, W> Caller for BytesCaller<EchoClient<thrift_rt::Client<R, W>>>
where
    R: thrift_rt::ProtocolReader + Send,
    W: thrift_rt::ProtocolWriter + Send,
{
    fn call(&mut self) -> Result<(), BoxError> {
        match self.payload {
            Payload::String => {
                let got = self.client.echo_string(&self.text)?;
                check_len("echo_string", got.len(), self.text.len())
            }
            Payload::Binary => {
                let got = self.client.echo_binary(&self.value)?;
                check_len("echo_binary", got.len(), self.value.len())
            }
        }
    }
}
