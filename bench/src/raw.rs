//! The floor: the bytes of one binary-protocol call and its reply, exchanged with one
//! `write` and one exact read on each side, with no Thrift code in the loop.
//!
//! The request and reply are what our client and server send for the payload over the
//! buffered transport (the framed transport adds 4 bytes each way). The server thread reads
//! exactly the request's length and writes the reply; the client writes the request and
//! reads exactly the reply's length. TCP sockets have `TCP_NODELAY` on both sides.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};

use thrift_rt::protocol::BinaryWriter;
use thrift_rt::{MessageHeader, MessageType, ProtocolWriter, WriteThrift};

use crate::ours::echo::echo_wire::{
    EchoBinaryArgs, EchoBinaryResult, EchoStringArgs, EchoStringResult,
};
use crate::rpc::Caller;
use crate::{BoxError, Endpoint, Payload, Socket};

/// The encoded call and reply of `payload` (binary protocol, no framing).
pub fn messages(payload: Payload) -> (Vec<u8>, Vec<u8>) {
    match payload {
        Payload::String => {
            let s = crate::SMALL_STRING.to_owned();
            (
                message(
                    "echo_string",
                    MessageType::Call,
                    &EchoStringArgs { s: s.clone() },
                ),
                message(
                    "echo_string",
                    MessageType::Reply,
                    &EchoStringResult {
                        success: Some(s),
                        exception: None,
                    },
                ),
            )
        }
        Payload::Binary => {
            let b = crate::binary_value();
            (
                message(
                    "echo_binary",
                    MessageType::Call,
                    &EchoBinaryArgs { b: b.clone() },
                ),
                message(
                    "echo_binary",
                    MessageType::Reply,
                    &EchoBinaryResult {
                        success: Some(b),
                        exception: None,
                    },
                ),
            )
        }
    }
}

fn message(name: &str, kind: MessageType, body: &impl WriteThrift) -> Vec<u8> {
    let mut w = BinaryWriter::new(Vec::new());
    w.write_message_begin(&MessageHeader {
        name,
        kind,
        seqid: 1,
        channel: 0,
    })
    .and_then(|()| body.write(&mut w))
    .and_then(|()| w.write_message_end())
    .expect("writing to a Vec cannot fail");
    w.into_inner()
}

/// Starts a ping-pong server for `payload`: a thread per connection that reads requests of
/// exactly the call's length and answers each with the reply. Its threads run until the
/// process exits (connection threads end when their client closes).
///
/// # Errors
///
/// When the socket cannot be bound.
pub fn start_server(socket: Socket, payload: Payload) -> io::Result<Endpoint> {
    let (request, reply) = messages(payload);
    let len = request.len();
    match socket {
        Socket::Tcp => {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let endpoint = Endpoint::Tcp(listener.local_addr()?);
            spawn_accept(
                move || {
                    let (stream, _) = listener.accept()?;
                    stream.set_nodelay(true)?;
                    Ok(stream)
                },
                len,
                reply,
            )?;
            Ok(endpoint)
        }
        Socket::Unix => {
            let path = crate::socket_path("raw");
            let listener = UnixListener::bind(&path)?;
            spawn_accept(move || Ok(listener.accept()?.0), len, reply)?;
            Ok(Endpoint::Unix(path))
        }
    }
}

fn spawn_accept<S, A>(mut accept: A, request_len: usize, reply: Vec<u8>) -> io::Result<()>
where
    S: Read + Write + Send + 'static,
    A: FnMut() -> io::Result<S> + Send + 'static,
{
    std::thread::Builder::new()
        .name("raw-accept".to_owned())
        .spawn(move || {
            while let Ok(mut stream) = accept() {
                let reply = reply.clone();
                let spawned = std::thread::Builder::new()
                    .name("raw-conn".to_owned())
                    .spawn(move || {
                        let mut request = vec![0; request_len];
                        while stream.read_exact(&mut request).is_ok() {
                            if stream.write_all(&reply).is_err() {
                                break;
                            }
                        }
                    });
                if spawned.is_err() {
                    break;
                }
            }
        })?;
    Ok(())
}

struct RawCaller<S> {
    stream: S,
    request: Vec<u8>,
    reply: Vec<u8>,
}

impl<S: Read + Write + Send> Caller for RawCaller<S> {
    fn call(&mut self) -> Result<(), BoxError> {
        self.stream.write_all(&self.request)?;
        self.stream.read_exact(&mut self.reply)?;
        Ok(())
    }
}

/// Connects a ping-pong client for `payload` to a [`start_server`] server.
///
/// # Errors
///
/// When connecting fails.
pub fn connect(endpoint: &Endpoint, payload: Payload) -> Result<Box<dyn Caller>, BoxError> {
    let (request, reply) = messages(payload);
    let reply = vec![0; reply.len()];
    Ok(match endpoint {
        Endpoint::Tcp(addr) => {
            let stream = TcpStream::connect(addr)?;
            stream.set_nodelay(true)?;
            Box::new(RawCaller {
                stream,
                request,
                reply,
            })
        }
        Endpoint::Unix(path) => Box::new(RawCaller {
            stream: UnixStream::connect(path)?,
            request,
            reply,
        }),
    })
}
