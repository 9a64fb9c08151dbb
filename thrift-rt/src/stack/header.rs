//! THeader in the stack: [`Header`], the transport, and [`HeaderProtocol`], the protocol that
//! follows each frame's payload protocol.
//!
//! `Stack::new(HeaderProtocol::default(), Header::new())` is a THeader connection: a client
//! sends calls in THeader frames with a binary payload (or compact, with
//! [`HeaderProtocol::compact`]); a server answers each call in the protocol, transforms and
//! framing it came in, which makes it the *one port for every client*: unframed and framed
//! binary and compact clients and THeader clients on the same listener. `ProtocolKind::Header`
//! with `TransportKind::Header` is the same, chosen at run time.

use std::io;
use std::sync::Arc;

use bytes::Bytes;

use super::{MessageLen, Protocol, Transport};
use crate::error::Result;
use crate::limits::Limits;
use crate::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, ProtocolReader, ProtocolWriter,
    RawValue, Scalar,
};
use crate::transport::header::{Config, HeaderReader, HeaderWriter, PayloadProtocol, Shared};
use crate::transport::{ReadEnd, Sink, Source, WriteEnd};
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, TType};

/// The THeader transport (see [`transport::header`](crate::transport::header)), with its
/// settings for every connection opened with it: zlib for calls, headers sent with every
/// message, and Apache's THeader-inside-frames variant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    config: Arc<Config>,
}

impl Header {
    /// THeader frames, no transform, no headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Compresses calls with the zlib transform (replies always follow their call).
    #[must_use]
    pub fn zlib(mut self, on: bool) -> Self {
        Arc::make_mut(&mut self.config).zlib = on;
        self
    }

    /// Sends the key-value header `key: value` with every message.
    #[must_use]
    pub fn header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.config).headers.insert(key, value);
        self
    }

    /// Puts every message inside a plain frame of its own (a 4-byte length before the
    /// THeader frame's own): what Apache's C++ and Python test programs send for
    /// `--protocol=header --transport=framed` (a THeader transport over a framed one). Such a
    /// server also answers plain framed clients, not unframed ones.
    #[must_use]
    pub fn outer_frames(mut self, on: bool) -> Self {
        Arc::make_mut(&mut self.config).outer_frames = on;
        self
    }

    /// Whether messages go inside plain frames ([`outer_frames`](Self::outer_frames)).
    pub fn has_outer_frames(&self) -> bool {
        self.config.outer_frames
    }
}

impl Transport for Header {
    type Source<R: ReadEnd> = HeaderReader<R>;
    type Sink<W: WriteEnd> = HeaderWriter<W>;

    /// A source on its own: its replies cannot follow its calls (use [`open`](Self::open)).
    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> HeaderReader<R> {
        HeaderReader::new(end, limits, &self.config, Shared::new())
    }

    /// A sink on its own: it writes every message as a THeader call (use
    /// [`open`](Self::open)).
    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<HeaderWriter<W>> {
        Ok(HeaderWriter::new(end, limits, &self.config, Shared::new()))
    }

    /// The two halves, sharing what the last message read was like, so that a reply goes
    /// out as its call came.
    fn open<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
        limits: &Limits,
    ) -> io::Result<(HeaderReader<R>, HeaderWriter<W>)> {
        let shared = Shared::new();
        Ok((
            HeaderReader::new(read, limits, &self.config, Arc::clone(&shared)),
            HeaderWriter::new(write, limits, &self.config, shared),
        ))
    }

    fn end<R: ReadEnd>(source: &HeaderReader<R>) -> &R {
        source.get_ref()
    }

    fn end_mut<R: ReadEnd>(source: &mut HeaderReader<R>) -> &mut R {
        source.get_mut()
    }

    /// By the frame length, or (an unframed client) by skipping through the message.
    fn message_len<P: Protocol>(&self, _: &P, bytes: &[u8], limits: &Limits) -> Result<MessageLen> {
        crate::transport::header::message_len(bytes, self.config.outer_frames, limits)
    }
}

/// The protocol of THeader connections: binary or compact, following the payload protocol
/// each frame names when reading, and writing calls in its own (binary unless
/// [`compact`](Self::compact)) and replies in the protocol of their call. Over a transport
/// whose frames name no protocol it is its own protocol.
///
/// Its reader and writer match on the protocol for every value (as [`ProtocolKind`]'s do:
/// a predictable branch) and switch only when a frame names another protocol.
///
/// [`ProtocolKind`]: super::ProtocolKind
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeaderProtocol {
    calls: PayloadProtocol,
}

impl HeaderProtocol {
    /// Calls in the binary protocol (the default, as Apache's Python client).
    pub fn binary() -> Self {
        Self {
            calls: PayloadProtocol::Binary,
        }
    }

    /// Calls in the compact protocol.
    pub fn compact() -> Self {
        Self {
            calls: PayloadProtocol::Compact,
        }
    }

    /// The protocol calls are written in.
    pub fn calls(&self) -> PayloadProtocol {
        self.calls
    }
}

/// The reader of [`HeaderProtocol`].
#[derive(Debug)]
pub struct HeaderProtocolReader<S> {
    inner: Reading<S>,
}

#[derive(Debug)]
enum Reading<S> {
    Binary(BinaryReader<S>),
    Compact(CompactReader<S>),
    /// Only while switching.
    Switching,
}

/// The writer of [`HeaderProtocol`].
#[derive(Debug)]
pub struct HeaderProtocolWriter<W> {
    inner: Writing<W>,
    calls: PayloadProtocol,
}

#[derive(Debug)]
enum Writing<W> {
    Binary(BinaryWriter<W>),
    Compact(CompactWriter<W>),
    /// Only while switching.
    Switching,
}

macro_rules! each {
    ($ty:ident, $self:expr, $p:ident => $e:expr) => {
        match $self {
            $ty::Binary($p) => $e,
            $ty::Compact($p) => $e,
            $ty::Switching => unreachable!("a switch never fails half-way"),
        }
    };
}

macro_rules! delegate {
    ($ty:ident; $($name:ident($($arg:ident: $argty:ty),*) -> $ret:ty;)*) => {
        $(
            #[inline]
            fn $name(&mut self, $($arg: $argty),*) -> $ret {
                each!($ty, &mut self.inner, p => p.$name($($arg),*))
            }
        )*
    };
}

impl<S: Source> HeaderProtocolReader<S> {
    fn new(source: S, limits: Limits, protocol: PayloadProtocol) -> Self {
        Self {
            inner: match protocol {
                PayloadProtocol::Binary => {
                    Reading::Binary(BinaryReader::with_limits(source, limits))
                }
                PayloadProtocol::Compact => {
                    Reading::Compact(CompactReader::with_limits(source, limits))
                }
            },
        }
    }

    /// The source under the reader.
    pub fn get_ref(&self) -> &S {
        each!(Reading, &self.inner, p => p.get_ref())
    }

    /// The source under the reader, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        each!(Reading, &mut self.inner, p => p.get_mut())
    }

    /// Reads the next message's first bytes and switches to the protocol its frame names.
    fn follow(&mut self) -> Result<bool> {
        let src = self.get_mut();
        src.begin_message();
        if src.buffered().is_empty() && !src.fill_buf()? {
            return Ok(false);
        }
        let wanted = self.get_ref().payload_protocol();
        let limits = *ProtocolReader::limits(self);
        let switch = matches!(
            (wanted, &self.inner),
            (Some(PayloadProtocol::Binary), Reading::Compact(_))
                | (Some(PayloadProtocol::Compact), Reading::Binary(_))
        );
        if let (true, Some(wanted)) = (switch, wanted) {
            let source = match std::mem::replace(&mut self.inner, Reading::Switching) {
                Reading::Binary(r) => r.into_inner(),
                Reading::Compact(r) => r.into_inner(),
                Reading::Switching => unreachable!("a switch never fails half-way"),
            };
            *self = Self::new(source, limits, wanted);
        }
        Ok(true)
    }
}

impl<S: Source> ProtocolReader for HeaderProtocolReader<S> {
    fn read_message_begin(&mut self) -> Result<MessageHeader> {
        if !self.follow()? {
            return Err(crate::error::eof());
        }
        each!(Reading, &mut self.inner, p => p.read_message_begin())
    }

    fn has_message(&mut self) -> Result<bool> {
        self.follow()
    }

    forwarded_reader_methods!(delegate! { Reading; });

    fn limits(&self) -> &Limits {
        each!(Reading, &self.inner, p => p.limits())
    }

    #[cfg(unix)]
    fn read_fd(&mut self) -> Result<std::os::fd::OwnedFd> {
        each!(Reading, &mut self.inner, p => p.read_fd())
    }
}

impl<W: Sink> HeaderProtocolWriter<W> {
    fn make(sink: W, protocol: PayloadProtocol) -> Writing<W> {
        match protocol {
            PayloadProtocol::Binary => Writing::Binary(BinaryWriter::new(sink)),
            PayloadProtocol::Compact => Writing::Compact(CompactWriter::new(sink)),
        }
    }

    /// The sink under the writer.
    pub fn get_ref(&self) -> &W {
        each!(Writing, &self.inner, p => p.get_ref())
    }

    /// The sink under the writer, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        each!(Writing, &mut self.inner, p => p.get_mut())
    }

    /// Writes calls in `protocol` from now on.
    pub fn set_call_protocol(&mut self, protocol: PayloadProtocol) {
        self.calls = protocol;
    }
}

impl<W: Sink> ProtocolWriter for HeaderProtocolWriter<W> {
    fn write_message_begin(&mut self, header: &MessageHeader<&str>) -> Result<()> {
        let wanted = self
            .get_ref()
            .message_protocol(header.kind)
            .unwrap_or(self.calls);
        let current = match self.inner {
            Writing::Binary(_) => PayloadProtocol::Binary,
            _ => PayloadProtocol::Compact,
        };
        if wanted != current {
            let sink = match std::mem::replace(&mut self.inner, Writing::Switching) {
                Writing::Binary(w) => w.into_inner(),
                Writing::Compact(w) => w.into_inner(),
                Writing::Switching => unreachable!("a switch never fails half-way"),
            };
            self.inner = Self::make(sink, wanted);
        }
        each!(Writing, &mut self.inner, p => p.write_message_begin(header))
    }

    fn can_carry_fds(&self) -> bool {
        each!(Writing, &self.inner, p => p.can_carry_fds())
    }

    fn discard_message(&mut self) {
        each!(Writing, &mut self.inner, p => p.discard_message());
    }

    #[cfg(unix)]
    fn write_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        each!(Writing, &mut self.inner, p => p.write_fd(fd))
    }

    forwarded_writer_methods!(delegate! { Writing; });
}

impl Protocol for HeaderProtocol {
    type Reader<S: Source + Send> = HeaderProtocolReader<S>;
    type Writer<W: Sink + Send> = HeaderProtocolWriter<W>;

    fn reader<S: Source + Send>(&self, source: S, limits: Limits) -> HeaderProtocolReader<S> {
        HeaderProtocolReader::new(source, limits, self.calls)
    }

    fn writer<W: Sink + Send>(&self, sink: W) -> HeaderProtocolWriter<W> {
        HeaderProtocolWriter {
            inner: HeaderProtocolWriter::make(sink, self.calls),
            calls: self.calls,
        }
    }

    fn source<S: Source + Send>(reader: &HeaderProtocolReader<S>) -> &S {
        reader.get_ref()
    }

    fn source_mut<S: Source + Send>(reader: &mut HeaderProtocolReader<S>) -> &mut S {
        reader.get_mut()
    }

    fn sink_mut<W: Sink + Send>(writer: &mut HeaderProtocolWriter<W>) -> &mut W {
        writer.get_mut()
    }
}
