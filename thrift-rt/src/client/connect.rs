//! Client helpers: connect over TCP or a Unix socket with a protocol and transport chosen at
//! run time, in one call.
//!
//! ```no_run
//! # fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! use thrift_rt::connect::{ClientOptions, connect_tcp};
//! use thrift_rt::{ProtocolKind, TransportKind};
//!
//! let opts = ClientOptions::default()
//!     .protocol(ProtocolKind::Compact)
//!     .transport(TransportKind::Framed)
//!     .timeouts(Duration::from_secs(5));
//! let (r, w) = connect_tcp("127.0.0.1:9090", &opts)?;
//! // let client = CalculatorClient::new(r, w);
//! # let _ = (r, w); Ok(()) }
//! ```
//!
//! The returned [`AnyReader`] / [`AnyWriter`] implement the protocol traits by matching on
//! the protocol and transport for every value. That costs a predictable branch per value,
//! which is nothing next to a network round trip; a server, which reads far more, keeps
//! static dispatch instead (see [`server`](crate::server)). Callers who know the stack at
//! compile time, or add layers of their own, use [`with_stack`].

use std::io;
#[cfg(unix)]
use std::path::Path;
use std::time::Duration;

use super::deadline::{ClientReadHalf, ClientWriteHalf};
use crate::limits::Limits;
use crate::stack::{
    AnyProtocolReader, AnyProtocolWriter, AnySink, AnySource, KindStack, Layer, Protocol,
    ProtocolKind, Stack, StackReader, StackWriter, Transport, TransportKind,
};
use crate::transport::socket::{self, TcpOptions};
use crate::transport::stream::Stream;

/// Protocol, transport, limits and socket options for a client connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The protocol (default binary).
    pub protocol: ProtocolKind,
    /// The transport (default buffered).
    pub transport: TransportKind,
    /// Limits for decoding replies.
    pub limits: Limits,
    /// Connect, read and write timeouts and `TCP_NODELAY` (on by default). Unix sockets use
    /// the read and write timeouts. The read timeout bounds a whole call: its reply must
    /// have arrived completely that long after the call was sent.
    pub socket: TcpOptions,
}

impl ClientOptions {
    /// Sets [`ClientOptions::protocol`].
    #[must_use]
    pub fn protocol(mut self, protocol: ProtocolKind) -> Self {
        self.protocol = protocol;
        self
    }

    /// Sets [`ClientOptions::transport`].
    #[must_use]
    pub fn transport(mut self, transport: TransportKind) -> Self {
        self.transport = transport;
        self
    }

    /// Sets [`ClientOptions::limits`].
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets [`ClientOptions::socket`].
    #[must_use]
    pub fn socket(mut self, socket: TcpOptions) -> Self {
        self.socket = socket;
        self
    }

    /// Sets the connect, read and write timeouts to `t`.
    #[must_use]
    pub fn timeouts(mut self, t: Duration) -> Self {
        self.socket = self
            .socket
            .connect_timeout(t)
            .read_timeout(t)
            .write_timeout(t);
        self
    }
}

/// The stack these options choose: their protocol and transport, without layers.
impl ClientOptions {
    /// The [`Stack`] of [`protocol`](Self::protocol) and [`transport`](Self::transport).
    pub fn stack(&self) -> KindStack {
        Stack::new(self.protocol, self.transport)
    }
}

/// The protocol reader of a client connection made with [`ClientOptions`].
pub type AnyReader = AnyProtocolReader<AnySource<ClientReadHalf>>;
/// The protocol writer of a client connection made with [`ClientOptions`].
pub type AnyWriter = AnyProtocolWriter<AnySink<ClientWriteHalf>>;

/// Connects over TCP and returns the reader and writer for a generated client.
///
/// # Errors
///
/// Errors from resolving, connecting or setting socket options.
pub fn connect_tcp(
    addr: impl std::net::ToSocketAddrs,
    opts: &ClientOptions,
) -> io::Result<(AnyReader, AnyWriter)> {
    from_stream(tcp(addr, &opts.socket)?, opts)
}

/// Connects to a Unix socket and returns the reader and writer for a generated client.
///
/// # Errors
///
/// Errors from connecting or setting socket options.
#[cfg(unix)]
pub fn connect_unix(
    path: impl AsRef<Path>,
    opts: &ClientOptions,
) -> io::Result<(AnyReader, AnyWriter)> {
    from_stream(unix(path, &opts.socket)?, opts)
}

/// Wraps a connected stream in the chosen protocol and transport.
///
/// # Errors
///
/// When the stream cannot be cloned into a read and a write handle; an
/// [`io::ErrorKind::InvalidInput`] error for the fd transport on a TCP stream.
pub fn from_stream(stream: Stream, opts: &ClientOptions) -> io::Result<(AnyReader, AnyWriter)> {
    with_stack(stream, &opts.stack(), &opts.limits)
}

/// Wraps a connected stream in any [`Stack`]: a protocol, a transport and layers of your own.
///
/// The stream's read timeout, as set now, becomes the call timeout: a call fails with
/// `TimedOut` when its reply has not arrived completely within it after it was sent (see
/// [`deadline`](super::deadline)), however the server trickles it.
///
/// ```no_run
/// # fn demo() -> std::io::Result<()> {
/// use thrift_rt::connect::{tcp, with_stack};
/// use thrift_rt::stack::{Compact, Framed, Stack};
/// use thrift_rt::transport::socket::TcpOptions;
///
/// let stream = tcp("127.0.0.1:9090", &TcpOptions::default())?;
/// let (r, w) = with_stack(stream, &Stack::new(Compact, Framed), &Default::default())?;
/// // let client = CalculatorClient::new(r, w);
/// # let _ = (r, w); Ok(()) }
/// ```
///
/// # Errors
///
/// When the stream cannot be cloned into a read and a write handle, a layer cannot be set
/// up, or the transport cannot work over the stream (the fd transport on TCP).
#[allow(clippy::type_complexity)]
pub fn with_stack<P: Protocol, T: Transport, L: Layer>(
    stream: Stream,
    stack: &Stack<P, T, L>,
    limits: &Limits,
) -> io::Result<(
    StackReader<P, T, L, ClientReadHalf>,
    StackWriter<P, T, L, ClientWriteHalf>,
)> {
    let timeout = stream.read_timeout()?;
    let (read, write) = super::deadline::split(stream)?;
    let (reader, mut writer) = stack.open(read, write, limits)?;
    // THeader sends it with each call, so servers know how long the caller waits.
    crate::transport::Sink::set_call_timeout(P::sink_mut(&mut writer), timeout);
    Ok((reader, writer))
}

/// Connects over TCP with `opts` (connect timeout, read and write timeouts, `TCP_NODELAY`).
///
/// # Errors
///
/// Errors from resolving, connecting or setting socket options.
pub fn tcp(addr: impl std::net::ToSocketAddrs, opts: &TcpOptions) -> io::Result<Stream> {
    Ok(Stream::Tcp(socket::connect(addr, opts)?))
}

/// Connects to a Unix socket with the read and write timeouts of `opts`.
///
/// # Errors
///
/// Errors from connecting or setting socket options.
#[cfg(unix)]
pub fn unix(path: impl AsRef<Path>, opts: &TcpOptions) -> io::Result<Stream> {
    let stream = std::os::unix::net::UnixStream::connect(path)?;
    stream.set_read_timeout(opts.read_timeout)?;
    stream.set_write_timeout(opts.write_timeout)?;
    Ok(Stream::Unix(stream))
}
