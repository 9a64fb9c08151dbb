//! Stacks: a protocol over a transport over layers over an end point, composed once and
//! used by every server, endpoint and client.
//!
//! ```text
//!   generated code      WriteThrift / ReadThrift
//!   ─────────────────   ─────────────────────────────────────────────
//!   Protocol            Binary, Compact, Json, HeaderProtocol, ProtocolKind, yours
//!                                                                     ProtocolReader / ProtocolWriter
//!   Transport           Buffered, Framed, Fd, Header, TransportKind, yours
//!                                                                     Source / Sink (whole messages)
//!   Layer (0 or more)   Plain, (A, B), yours: encryption, compression     ReadEnd / WriteEnd (bytes)
//!   end point           TCP, Unix socket, memory pipe, file, ...          ReadEnd / WriteEnd
//! ```
//!
//! As in Apache Thrift's architecture, each piece only knows the interface of the one below
//! it, so a layer written in another crate against these traits is inserted between the
//! transport and the end point without touching either, and works everywhere a built-in one
//! does: [`server::Builder::stack`](crate::server::Builder::stack),
//! [`endpoint::Builder::stack`](crate::endpoint::Builder::stack) and
//! [`connect::with_stack`](crate::connect::with_stack) all take a [`Stack`].
//!
//! - A [`Protocol`] makes protocol readers and writers over any [`Source`] and [`Sink`].
//! - A [`Transport`] delimits messages: it turns a byte [`ReadEnd`] into a [`Source`] of
//!   message bytes and a [`WriteEnd`] into a [`Sink`] that sends whole messages.
//! - A [`Layer`] transforms the byte stream under the transport (both directions at once, so
//!   that a layer like TLS can share state between them). [`Plain`] is no layer; a pair
//!   `(A, B)` puts `B` over `A`.
//!
//! Everything is generic: a stack is a type, and every value is read and written with
//! static dispatch. [`ProtocolKind`] and [`TransportKind`], chosen at run time (from a command
//! line flag), are a protocol and a transport too, whose readers and writers match on the
//! choice for every value; servers and endpoints never use them that way: they resolve the
//! choice to the concrete type once per connection ([`Stack::resolve`]), and clients pay a
//! predictable branch per value, which is nothing next to a round trip.
//!
//! # Adding a layer
//!
//! Implement [`Layer`]: wrap the two halves, and give the server a way back to the halves
//! below ([`Layer::inner`], so it can reach the socket's deadlines). A layer that holds bytes
//! it has read but not yet returned says so in [`ReadEnd::holds_bytes`]. A layer that
//! changes the bytes cannot carry descriptors: leave [`WriteEnd::can_send_fds`] false, and
//! the fd transport refuses to open over it. See `example-app/src/xor.rs` for a complete one.

use std::io;

use crate::error::Result;
use crate::limits::Limits;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::transport::{ReadEnd, Sink, Source, WriteEnd};

/// The [`ProtocolReader`] methods that a protocol choosing among others at run time
/// (`any.rs`, `header.rs`) hands straight to the one it holds, written once for both:
/// `forwarded_reader_methods!(mac! { prefix })` expands to `mac! { prefix <the list> }`,
/// `mac` being the file's own forwarding macro.
macro_rules! forwarded_reader_methods {
    ($mac:ident! { $($prefix:tt)* }) => {
        $mac! { $($prefix)*
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
            read_binary_ref() -> Result<&[u8]>;
            read_str() -> Result<&str>;
            skip_binary() -> Result<()>;
            skip(ttype: TType) -> Result<()>;
            capture_value(ttype: TType) -> Result<Option<RawValue>>;
            read_i64_list(len: usize, out: &mut Vec<i64>) -> Result<()>;
            read_i32_list(len: usize, out: &mut Vec<i32>) -> Result<()>;
            read_double_list(len: usize, out: &mut Vec<f64>) -> Result<()>;
        }
    };
}

/// The [`ProtocolWriter`] methods forwarded the same way (see `forwarded_reader_methods`).
macro_rules! forwarded_writer_methods {
    ($mac:ident! { $($prefix:tt)* }) => {
        $mac! { $($prefix)*
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
            write_bytes(v: &Bytes) -> Result<()>;
            write_bytes_str(v: &crate::BytesStr) -> Result<()>;
            flush() -> Result<()>;
            write_i64_slice(v: &[i64]) -> Result<()>;
            write_i32_slice(v: &[i32]) -> Result<()>;
            write_double_slice(v: &[f64]) -> Result<()>;
            write_scalar_field(id: i16, value: Scalar) -> Result<()>;
            write_raw_field(id: i16, ttype: TType, raw: &RawValue) -> Result<()>;
        }
    };
}

mod any;
mod header;
#[cfg(feature = "http")]
mod http;
mod kind;
mod protocols;
mod transports;

pub use any::{AnyProtocolReader, AnyProtocolWriter, AnySink, AnySource};
pub use header::{Header, HeaderProtocol, HeaderProtocolReader, HeaderProtocolWriter};
#[cfg(feature = "http")]
pub use http::{HttpClient, HttpServer};
pub use kind::{ProtocolKind, TransportKind, UnknownKind};
pub use protocols::{Binary, Compact, Json};
pub(crate) use transports::fd_needs_unix;
pub use transports::{Buffered, BufferedZlib, Fd, Framed};

/// A wire protocol: makes [`ProtocolReader`]s and [`ProtocolWriter`]s over any source and
/// sink.
pub trait Protocol: Clone + Send + Sync + 'static {
    /// The reader over a source `S`.
    type Reader<S: Source + Send>: ProtocolReader + Send;
    /// The writer over a sink `W`.
    type Writer<W: Sink + Send>: ProtocolWriter + Send;

    /// A reader over `source`, checking `limits`.
    fn reader<S: Source + Send>(&self, source: S, limits: Limits) -> Self::Reader<S>;

    /// A writer over `sink`.
    fn writer<W: Sink + Send>(&self, sink: W) -> Self::Writer<W>;

    /// The source under a reader.
    fn source<S: Source + Send>(reader: &Self::Reader<S>) -> &S;

    /// The source under a reader, mutably.
    fn source_mut<S: Source + Send>(reader: &mut Self::Reader<S>) -> &mut S;

    /// The sink under a writer, mutably.
    fn sink_mut<W: Sink + Send>(writer: &mut Self::Writer<W>) -> &mut W;

    /// Calls `v` with the concrete protocol this one stands for: itself, except for a
    /// run-time choice like [`ProtocolKind`], which picks the matching concrete protocol.
    fn resolve<V: WithProtocol>(&self, v: V) -> V::Output {
        v.with(self.clone())
    }
}

/// A transport: delimits messages over a byte stream.
pub trait Transport: Clone + Send + Sync + 'static {
    /// The message source over a read end `R`.
    type Source<R: ReadEnd>: Source + Send;
    /// The message sink over a write end `W`.
    type Sink<W: WriteEnd>: Sink + Send;

    /// The source reading messages from `end`.
    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> Self::Source<R>;

    /// The sink writing messages to `end`.
    ///
    /// # Errors
    ///
    /// When the transport cannot work over this end (the fd transport needs a Unix socket).
    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<Self::Sink<W>>;

    /// The source and the sink of one connection, made together so that they may share
    /// state (a THeader reply goes out as its call came). The default makes them apart.
    ///
    /// # Errors
    ///
    /// As [`sink`](Self::sink).
    #[allow(clippy::type_complexity)]
    fn open<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
        limits: &Limits,
    ) -> io::Result<(Self::Source<R>, Self::Sink<W>)> {
        let sink = self.sink(write, limits)?;
        Ok((self.source(read, limits), sink))
    }

    /// The read end under a source.
    fn end<R: ReadEnd>(source: &Self::Source<R>) -> &R;

    /// The read end under a source, mutably.
    fn end_mut<R: ReadEnd>(source: &mut Self::Source<R>) -> &mut R;

    /// How many bytes at the start of `bytes` (as read from below the transport, holding
    /// messages of protocol `p`) make up the next whole message, if all of them are there.
    /// Servers use it to hand workers whole messages only, so a client that sends part of a
    /// message and stalls holds no thread. The default, [`MessageLen::Unknown`], makes servers read such a transport's
    /// messages as they arrive, holding a worker until each is complete.
    ///
    /// # Errors
    ///
    /// When the bytes cannot start a valid message (a frame too large, a bad header).
    fn message_len<P: Protocol>(&self, p: &P, bytes: &[u8], limits: &Limits) -> Result<MessageLen> {
        let _ = (p, bytes, limits);
        Ok(MessageLen::Unknown)
    }

    /// Whether messages carry file descriptors: such a transport needs a Unix socket, and
    /// servers refuse to start it on a TCP listener.
    fn carries_fds(&self) -> bool {
        false
    }

    /// Calls `v` with the concrete transport this one stands for: itself, except for a
    /// run-time choice like [`TransportKind`].
    fn resolve<V: WithTransport>(&self, v: V) -> V::Output {
        v.with(self.clone())
    }
}

/// What [`Transport::message_len`] found at the start of a connection's unread bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageLen {
    /// A whole message of this many bytes (framing included).
    Whole(usize),
    /// The start of a message: more bytes must arrive.
    Partial,
    /// The transport cannot tell without reading the message as it arrives.
    Unknown,
}

/// A byte layer between a transport and the end point: encryption, compression, accounting.
pub trait Layer: Clone + Send + Sync + 'static {
    /// The read half over a read end `R`.
    type Reader<R: ReadEnd>: ReadEnd;
    /// The write half over a write end `W`.
    type Writer<W: WriteEnd>: WriteEnd;

    /// Wraps both halves of one connection (together, so they may share state or run a
    /// handshake).
    ///
    /// # Errors
    ///
    /// When the layer cannot be set up on this connection.
    fn wrap<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
    ) -> io::Result<(Self::Reader<R>, Self::Writer<W>)>;

    /// The read end under the layer's read half.
    fn inner<R: ReadEnd>(reader: &Self::Reader<R>) -> &R;

    /// The read end under the layer's read half, mutably.
    fn inner_mut<R: ReadEnd>(reader: &mut Self::Reader<R>) -> &mut R;

    /// What this layer knows about the peer (a TLS client's certificates), for handlers:
    /// servers make it [`current_peer_identity`](crate::layer::current_peer_identity) while
    /// they serve the connection. The default knows nothing.
    fn peer_identity<R: ReadEnd>(reader: &Self::Reader<R>) -> Option<crate::layer::PeerIdentity> {
        let _ = reader;
        None
    }
}

/// No layer: the transport works on the end point itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plain;

impl Layer for Plain {
    type Reader<R: ReadEnd> = R;
    type Writer<W: WriteEnd> = W;

    fn wrap<R: ReadEnd, W: WriteEnd>(&self, read: R, write: W) -> io::Result<(R, W)> {
        Ok((read, write))
    }

    fn inner<R: ReadEnd>(reader: &R) -> &R {
        reader
    }

    fn inner_mut<R: ReadEnd>(reader: &mut R) -> &mut R {
        reader
    }
}

/// `B` over `A`: `A` wraps the end point, `B` wraps `A`.
impl<A: Layer, B: Layer> Layer for (A, B) {
    type Reader<R: ReadEnd> = B::Reader<A::Reader<R>>;
    type Writer<W: WriteEnd> = B::Writer<A::Writer<W>>;

    fn wrap<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
    ) -> io::Result<(Self::Reader<R>, Self::Writer<W>)> {
        let (read, write) = self.0.wrap(read, write)?;
        self.1.wrap(read, write)
    }

    fn inner<R: ReadEnd>(reader: &Self::Reader<R>) -> &R {
        A::inner(B::inner(reader))
    }

    fn inner_mut<R: ReadEnd>(reader: &mut Self::Reader<R>) -> &mut R {
        A::inner_mut(B::inner_mut(reader))
    }

    /// The upper layer's, or else the lower one's.
    fn peer_identity<R: ReadEnd>(reader: &Self::Reader<R>) -> Option<crate::layer::PeerIdentity> {
        B::peer_identity(reader).or_else(|| A::peer_identity(B::inner(reader)))
    }
}

/// A protocol, a transport and the layers under it: everything a connection needs besides
/// its end point.
///
/// ```
/// use thrift_rt::stack::{Compact, Framed, Stack};
///
/// let (r, w) = std::os::unix::net::UnixStream::pair()?;
/// let (mut reader, mut writer) = Stack::new(Compact, Framed).open(r, w, &Default::default())?;
/// # let _ = (&mut reader, &mut writer);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stack<P, T, L = Plain> {
    /// The protocol.
    pub protocol: P,
    /// The transport.
    pub transport: T,
    /// The layers between the transport and the end point.
    pub layer: L,
}

/// The protocol reader of a stack over the read end `R`.
pub type StackReader<P, T, L, R> =
    <P as Protocol>::Reader<<T as Transport>::Source<<L as Layer>::Reader<R>>>;
/// The protocol writer of a stack over the write end `W`.
pub type StackWriter<P, T, L, W> =
    <P as Protocol>::Writer<<T as Transport>::Sink<<L as Layer>::Writer<W>>>;

/// The stack chosen at run time, as Apache's test programs take it from the command line.
pub type KindStack<L = Plain> = Stack<ProtocolKind, TransportKind, L>;

impl<P: Protocol, T: Transport> Stack<P, T> {
    /// `protocol` over `transport`, without layers.
    pub fn new(protocol: P, transport: T) -> Self {
        Self {
            protocol,
            transport,
            layer: Plain,
        }
    }
}

impl<P: Protocol, T: Transport, L: Layer> Stack<P, T, L> {
    /// Adds `layer` under the transport, over the layers already there.
    #[must_use]
    pub fn layer<L2: Layer>(self, layer: L2) -> Stack<P, T, (L, L2)> {
        Stack {
            protocol: self.protocol,
            transport: self.transport,
            layer: (self.layer, layer),
        }
    }

    /// Builds the protocol reader and writer of one connection over its two halves.
    ///
    /// # Errors
    ///
    /// When a layer cannot be set up, or the transport cannot work over these ends.
    #[allow(clippy::type_complexity)]
    pub fn open<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
        limits: &Limits,
    ) -> io::Result<(StackReader<P, T, L, R>, StackWriter<P, T, L, W>)> {
        let (read, write) = self.layer.wrap(read, write)?;
        let (source, sink) = self.transport.open(read, write, limits)?;
        Ok((
            self.protocol.reader(source, *limits),
            self.protocol.writer(sink),
        ))
    }

    /// The read end at the bottom of a reader this stack built.
    pub fn read_end<R: ReadEnd>(reader: &StackReader<P, T, L, R>) -> &R {
        L::inner(T::end(P::source(reader)))
    }

    /// The read end at the bottom of a reader this stack built, mutably.
    pub fn read_end_mut<R: ReadEnd>(reader: &mut StackReader<P, T, L, R>) -> &mut R {
        L::inner_mut(T::end_mut(P::source_mut(reader)))
    }

    /// Calls `v` with the concrete stack this one stands for: run-time choices
    /// ([`ProtocolKind`], [`TransportKind`]) replaced by the protocol and transport they name.
    /// Servers and endpoints call this once per connection, so that every value is then read
    /// and written with static dispatch.
    pub fn resolve<V: WithStack>(self, v: V) -> V::Output {
        let Stack {
            protocol,
            transport,
            layer,
        } = self;
        let rest = Stack {
            protocol: (),
            transport,
            layer,
        };
        protocol.resolve(Resolving(rest, v))
    }
}

/// Code generic over a protocol, for [`Protocol::resolve`].
pub trait WithProtocol {
    /// What the code returns.
    type Output;
    /// Runs with the concrete protocol `P`.
    fn with<P: Protocol>(self, protocol: P) -> Self::Output;
}

/// Code generic over a transport, for [`Transport::resolve`].
pub trait WithTransport {
    /// What the code returns.
    type Output;
    /// Runs with the concrete transport `T`.
    fn with<T: Transport>(self, transport: T) -> Self::Output;
}

/// Code generic over a whole stack, for [`Stack::resolve`].
pub trait WithStack {
    /// What the code returns.
    type Output;
    /// Runs with the concrete stack.
    fn with<P: Protocol, T: Transport, L: Layer>(self, stack: Stack<P, T, L>) -> Self::Output;
}

/// A stack part-way through [`Stack::resolve`], with the code to run: `()` stands for the
/// protocol, then the transport, not resolved yet.
struct Resolving<P, T, L, V>(Stack<P, T, L>, V);

impl<T: Transport, L: Layer, V: WithStack> WithProtocol for Resolving<(), T, L, V> {
    type Output = V::Output;

    fn with<P: Protocol>(self, protocol: P) -> V::Output {
        let Resolving(
            Stack {
                transport, layer, ..
            },
            v,
        ) = self;
        let rest = Stack {
            protocol,
            transport: (),
            layer,
        };
        transport.resolve(Resolving(rest, v))
    }
}

impl<P: Protocol, L: Layer, V: WithStack> WithTransport for Resolving<P, (), L, V> {
    type Output = V::Output;

    fn with<T: Transport>(self, transport: T) -> V::Output {
        let Resolving(
            Stack {
                protocol, layer, ..
            },
            v,
        ) = self;
        v.with(Stack {
            protocol,
            transport,
            layer,
        })
    }
}
