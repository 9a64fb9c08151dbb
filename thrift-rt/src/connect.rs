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
//! static dispatch instead (see [`server`](crate::server)). Callers who know the pair at
//! compile time can build the concrete reader and writer themselves.

use std::io::{self, BufReader};
#[cfg(unix)]
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;

use crate::error::Result;
use crate::limits::Limits;
use crate::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter,
};
use crate::stack::{ProtocolKind, TransportKind};
#[cfg(unix)]
use crate::transport::fd::{FdFramedReader, FdFramedWriter};
use crate::transport::socket::{self, TcpOptions};
use crate::transport::stream::Stream;
use crate::transport::{BufferedReader, BufferedWriter, FramedReader, FramedWriter};
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, TType};

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
    /// the read and write timeouts.
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

/// Connects over TCP and returns the reader and writer for a generated client.
///
/// # Errors
///
/// Errors from resolving, connecting or setting socket options.
pub fn connect_tcp(
    addr: impl std::net::ToSocketAddrs,
    opts: &ClientOptions,
) -> io::Result<(AnyReader, AnyWriter)> {
    let stream = socket::connect(addr, &opts.socket)?;
    from_stream(Stream::Tcp(stream), opts)
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
    let stream = std::os::unix::net::UnixStream::connect(path)?;
    stream.set_read_timeout(opts.socket.read_timeout)?;
    stream.set_write_timeout(opts.socket.write_timeout)?;
    from_stream(Stream::Unix(stream), opts)
}

/// Wraps a connected stream in the chosen protocol and transport.
///
/// # Errors
///
/// When the stream cannot be cloned into a read and a write handle; an
/// [`io::ErrorKind::InvalidInput`] error for the fd transport on a TCP stream.
pub fn from_stream(stream: Stream, opts: &ClientOptions) -> io::Result<(AnyReader, AnyWriter)> {
    if opts.transport == TransportKind::Fd && !matches!(stream, Stream::Unix(_)) {
        return Err(fd_needs_unix());
    }
    let out = stream.try_clone()?;
    let limits = opts.limits;
    Ok(match opts.transport {
        TransportKind::Buffered => {
            let src = BufferedReader::with_limits(stream, &limits);
            let sink = BufferedWriter::new(out);
            match opts.protocol {
                ProtocolKind::Binary => (
                    AnyReader::BinaryBuffered(BinaryReader::with_limits(src, limits)),
                    AnyWriter::BinaryBuffered(BinaryWriter::new(sink)),
                ),
                ProtocolKind::Compact => (
                    AnyReader::CompactBuffered(CompactReader::with_limits(src, limits)),
                    AnyWriter::CompactBuffered(CompactWriter::new(sink)),
                ),
                ProtocolKind::Json => (
                    AnyReader::JsonBuffered(JsonReader::with_limits(src, limits)),
                    AnyWriter::JsonBuffered(JsonWriter::new(sink)),
                ),
            }
        }
        TransportKind::Framed => {
            let src = FramedReader::with_limits(BufReader::new(stream), &limits);
            let sink = FramedWriter::with_limits(out, &limits);
            match opts.protocol {
                ProtocolKind::Binary => (
                    AnyReader::BinaryFramed(BinaryReader::with_limits(src, limits)),
                    AnyWriter::BinaryFramed(BinaryWriter::new(sink)),
                ),
                ProtocolKind::Compact => (
                    AnyReader::CompactFramed(CompactReader::with_limits(src, limits)),
                    AnyWriter::CompactFramed(CompactWriter::new(sink)),
                ),
                ProtocolKind::Json => (
                    AnyReader::JsonFramed(JsonReader::with_limits(src, limits)),
                    AnyWriter::JsonFramed(JsonWriter::new(sink)),
                ),
            }
        }
        #[cfg(unix)]
        TransportKind::Fd => {
            let src = FdFramedReader::with_limits(stream, &limits);
            let sink = FdFramedWriter::with_limits(out, &limits);
            match opts.protocol {
                ProtocolKind::Binary => (
                    AnyReader::BinaryFd(BinaryReader::with_limits(src, limits)),
                    AnyWriter::BinaryFd(BinaryWriter::new(sink)),
                ),
                ProtocolKind::Compact => (
                    AnyReader::CompactFd(CompactReader::with_limits(src, limits)),
                    AnyWriter::CompactFd(CompactWriter::new(sink)),
                ),
                ProtocolKind::Json => (
                    AnyReader::JsonFd(JsonReader::with_limits(src, limits)),
                    AnyWriter::JsonFd(JsonWriter::new(sink)),
                ),
            }
        }
    })
}

/// The error for the fd transport on a socket that cannot carry descriptors.
pub(crate) fn fd_needs_unix() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the fd transport needs a Unix socket (TCP cannot carry file descriptors)",
    )
}

type BufferedSrc = BufferedReader<Stream>;
type FramedSrc = FramedReader<BufReader<Stream>>;
type BufferedSink = BufferedWriter<Stream>;
type FramedSink = FramedWriter<Stream>;
#[cfg(unix)]
type FdSrc = FdFramedReader<Stream>;
#[cfg(unix)]
type FdSink = FdFramedWriter<Stream>;

/// A protocol reader over a client [`Stream`], for any protocol and transport.
#[derive(Debug)]
#[allow(missing_docs)] // Each variant is named after its protocol and transport.
pub enum AnyReader {
    BinaryBuffered(BinaryReader<BufferedSrc>),
    BinaryFramed(BinaryReader<FramedSrc>),
    CompactBuffered(CompactReader<BufferedSrc>),
    CompactFramed(CompactReader<FramedSrc>),
    JsonBuffered(JsonReader<BufferedSrc>),
    JsonFramed(JsonReader<FramedSrc>),
    #[cfg(unix)]
    BinaryFd(BinaryReader<FdSrc>),
    #[cfg(unix)]
    CompactFd(CompactReader<FdSrc>),
    #[cfg(unix)]
    JsonFd(JsonReader<FdSrc>),
}

/// A protocol writer over a client [`Stream`], for any protocol and transport.
#[derive(Debug)]
#[allow(missing_docs)] // Each variant is named after its protocol and transport.
pub enum AnyWriter {
    BinaryBuffered(BinaryWriter<BufferedSink>),
    BinaryFramed(BinaryWriter<FramedSink>),
    CompactBuffered(CompactWriter<BufferedSink>),
    CompactFramed(CompactWriter<FramedSink>),
    JsonBuffered(JsonWriter<BufferedSink>),
    JsonFramed(JsonWriter<FramedSink>),
    #[cfg(unix)]
    BinaryFd(BinaryWriter<FdSink>),
    #[cfg(unix)]
    CompactFd(CompactWriter<FdSink>),
    #[cfg(unix)]
    JsonFd(JsonWriter<FdSink>),
}

macro_rules! each {
    ($ty:ident, $self:expr, $p:ident => $e:expr) => {
        match $self {
            $ty::BinaryBuffered($p) => $e,
            $ty::BinaryFramed($p) => $e,
            $ty::CompactBuffered($p) => $e,
            $ty::CompactFramed($p) => $e,
            $ty::JsonBuffered($p) => $e,
            $ty::JsonFramed($p) => $e,
            #[cfg(unix)]
            $ty::BinaryFd($p) => $e,
            #[cfg(unix)]
            $ty::CompactFd($p) => $e,
            #[cfg(unix)]
            $ty::JsonFd($p) => $e,
        }
    };
}

macro_rules! delegate {
    ($ty:ident; $($name:ident($($arg:ident: $argty:ty),*) -> $ret:ty;)*) => {
        $(
            #[inline]
            fn $name(&mut self, $($arg: $argty),*) -> $ret {
                each!($ty, self, p => p.$name($($arg),*))
            }
        )*
    };
}

impl ProtocolWriter for AnyWriter {
    fn can_carry_fds(&self) -> bool {
        each!(AnyWriter, self, p => p.can_carry_fds())
    }

    fn discard_message(&mut self) {
        each!(AnyWriter, self, p => p.discard_message());
    }

    #[cfg(unix)]
    fn write_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        each!(AnyWriter, self, p => p.write_fd(fd))
    }

    delegate! { AnyWriter;
        write_message_begin(header: &MessageHeader<&str>) -> Result<()>;
        write_message_end() -> Result<()>;
        write_struct_begin(name: &str) -> Result<()>;
        write_struct_end() -> Result<()>;
        write_field_begin(header: FieldHeader) -> Result<()>;
        write_field_end() -> Result<()>;
        write_field_stop() -> Result<()>;
        write_list_begin(header: ListHeader) -> Result<()>;
        write_list_end() -> Result<()>;
        write_set_begin(header: ListHeader) -> Result<()>;
        write_set_end() -> Result<()>;
        write_map_begin(header: MapHeader) -> Result<()>;
        write_map_end() -> Result<()>;
        write_bool(v: bool) -> Result<()>;
        write_i8(v: i8) -> Result<()>;
        write_i16(v: i16) -> Result<()>;
        write_i32(v: i32) -> Result<()>;
        write_i64(v: i64) -> Result<()>;
        write_double(v: f64) -> Result<()>;
        write_uuid(v: &[u8; 16]) -> Result<()>;
        write_string(v: &str) -> Result<()>;
        write_binary(v: &[u8]) -> Result<()>;
        flush() -> Result<()>;
        write_i64_slice(v: &[i64]) -> Result<()>;
        write_i32_slice(v: &[i32]) -> Result<()>;
        write_double_slice(v: &[f64]) -> Result<()>;
        write_scalar_field(id: i16, value: crate::protocol::Scalar) -> Result<()>;
    }
}

impl ProtocolReader for AnyReader {
    delegate! { AnyReader;
        read_message_begin() -> Result<MessageHeader>;
        has_message() -> Result<bool>;
        read_message_end() -> Result<()>;
        read_struct_begin() -> Result<()>;
        read_struct_end() -> Result<()>;
        read_field_begin() -> Result<Option<FieldHeader>>;
        read_field_end() -> Result<()>;
        read_list_begin() -> Result<ListHeader>;
        read_list_end() -> Result<()>;
        read_set_begin() -> Result<ListHeader>;
        read_set_end() -> Result<()>;
        read_map_begin() -> Result<MapHeader>;
        read_map_end() -> Result<()>;
        read_bool() -> Result<bool>;
        read_i8() -> Result<i8>;
        read_i16() -> Result<i16>;
        read_i32() -> Result<i32>;
        read_i64() -> Result<i64>;
        read_double() -> Result<f64>;
        read_uuid() -> Result<[u8; 16]>;
        read_bytes() -> Result<Bytes>;
        read_bytes_str() -> Result<crate::BytesStr>;
        skip_binary() -> Result<()>;
        skip(ttype: TType) -> Result<()>;
        read_i64_list(len: usize, out: &mut Vec<i64>) -> Result<()>;
        read_i32_list(len: usize, out: &mut Vec<i32>) -> Result<()>;
        read_double_list(len: usize, out: &mut Vec<f64>) -> Result<()>;
    }

    #[inline]
    fn read_binary_ref(&mut self) -> Result<&[u8]> {
        each!(AnyReader, self, p => p.read_binary_ref())
    }

    #[inline]
    fn read_str(&mut self) -> Result<&str> {
        each!(AnyReader, self, p => p.read_str())
    }

    fn limits(&self) -> &Limits {
        each!(AnyReader, self, p => p.limits())
    }

    #[cfg(unix)]
    fn read_fd(&mut self) -> Result<std::os::fd::OwnedFd> {
        each!(AnyReader, self, p => p.read_fd())
    }
}
