//! The readers, writers, sources and sinks of run-time choices ([`ProtocolKind`],
//! [`TransportKind`]): enums over the built-in ones that match on the variant for every call.
//!
//! [`ProtocolKind`]: super::ProtocolKind
//! [`TransportKind`]: super::TransportKind

use std::io;

use bytes::Bytes;

use super::{HeaderProtocolReader, HeaderProtocolWriter};
use crate::error::Result;
use crate::layer::{ZlibReader, ZlibWriter};
use crate::limits::Limits;
use crate::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter, RawValue, Scalar,
};
#[cfg(unix)]
use crate::transport::fd::{FdFramedReader, FdFramedWriter};
use crate::transport::header::{HeaderReader, HeaderWriter, PayloadProtocol};
use crate::transport::{
    BufferedReader, BufferedWriter, FramedReader, FramedWriter, ReadEnd, Sink, Source, WriteEnd,
};
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};

/// A protocol reader chosen at run time.
#[derive(Debug)]
#[allow(missing_docs)] // Each variant is named after its protocol.
pub enum AnyProtocolReader<S> {
    Binary(BinaryReader<S>),
    Compact(CompactReader<S>),
    Json(JsonReader<S>),
    Header(HeaderProtocolReader<S>),
}

/// A protocol writer chosen at run time.
#[derive(Debug)]
#[allow(missing_docs)] // Each variant is named after its protocol.
pub enum AnyProtocolWriter<W> {
    Binary(BinaryWriter<W>),
    Compact(CompactWriter<W>),
    Json(JsonWriter<W>),
    Header(HeaderProtocolWriter<W>),
}

/// A transport's source chosen at run time.
#[derive(Debug)]
#[allow(missing_docs)] // Each variant is named after its transport.
pub enum AnySource<R> {
    Buffered(BufferedReader<R>),
    Framed(FramedReader<BufferedReader<R>>),
    #[cfg(unix)]
    Fd(FdFramedReader<R>),
    Zlib(BufferedReader<ZlibReader<R>>),
    Header(HeaderReader<R>),
}

/// A transport's sink chosen at run time.
#[derive(Debug)]
#[allow(missing_docs)] // Each variant is named after its transport.
pub enum AnySink<W> {
    Buffered(BufferedWriter<W>),
    Framed(FramedWriter<W>),
    #[cfg(unix)]
    Fd(FdFramedWriter<W>),
    Zlib(BufferedWriter<ZlibWriter<W>>),
    Header(HeaderWriter<W>),
}

macro_rules! each_protocol {
    ($ty:ident, $self:expr, $p:ident => $e:expr) => {
        match $self {
            $ty::Binary($p) => $e,
            $ty::Compact($p) => $e,
            $ty::Json($p) => $e,
            $ty::Header($p) => $e,
        }
    };
}

macro_rules! each_transport {
    ($ty:ident, $self:expr, $p:ident => $e:expr) => {
        match $self {
            $ty::Buffered($p) => $e,
            $ty::Framed($p) => $e,
            #[cfg(unix)]
            $ty::Fd($p) => $e,
            $ty::Zlib($p) => $e,
            $ty::Header($p) => $e,
        }
    };
}

macro_rules! delegate {
    ($each:ident, $ty:ident; $($name:ident($($arg:ident: $argty:ty),*) -> $ret:ty;)*) => {
        $(
            #[inline]
            fn $name(&mut self, $($arg: $argty),*) -> $ret {
                $each!($ty, self, p => p.$name($($arg),*))
            }
        )*
    };
}

impl<S: Source> AnyProtocolReader<S> {
    /// The source under the reader.
    pub fn get_ref(&self) -> &S {
        each_protocol!(Self, self, p => p.get_ref())
    }

    /// The source under the reader, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        each_protocol!(Self, self, p => p.get_mut())
    }
}

impl<W: Sink> AnyProtocolWriter<W> {
    /// The sink under the writer.
    pub fn get_ref(&self) -> &W {
        each_protocol!(Self, self, p => p.get_ref())
    }

    /// The sink under the writer, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        each_protocol!(Self, self, p => p.get_mut())
    }
}

impl<W: Sink> ProtocolWriter for AnyProtocolWriter<W> {
    fn can_carry_fds(&self) -> bool {
        each_protocol!(Self, self, p => p.can_carry_fds())
    }

    fn discard_message(&mut self) {
        each_protocol!(Self, self, p => p.discard_message());
    }

    #[cfg(unix)]
    fn write_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        each_protocol!(Self, self, p => p.write_fd(fd))
    }

    forwarded_writer_methods!(delegate! { each_protocol, Self;
        write_message_begin(header: &MessageHeader<&str>) -> Result<()>;
    });
}

impl<S: Source> ProtocolReader for AnyProtocolReader<S> {
    forwarded_reader_methods!(delegate! { each_protocol, Self;
        read_message_begin() -> Result<MessageHeader>;
        has_message() -> Result<bool>;
        skip_message_begin() -> Result<()>;
    });

    fn limits(&self) -> &Limits {
        each_protocol!(Self, self, p => p.limits())
    }

    #[cfg(unix)]
    fn read_fd(&mut self) -> Result<std::os::fd::OwnedFd> {
        each_protocol!(Self, self, p => p.read_fd())
    }
}

impl<R: ReadEnd> AnySource<R> {
    /// The read end under the source.
    pub fn end(&self) -> &R {
        match self {
            Self::Buffered(s) => s.get_ref(),
            Self::Framed(s) => s.get_ref().get_ref(),
            #[cfg(unix)]
            Self::Fd(s) => s.get_ref(),
            Self::Zlib(s) => s.get_ref().get_ref(),
            Self::Header(s) => s.get_ref(),
        }
    }

    /// The read end under the source, mutably.
    pub fn end_mut(&mut self) -> &mut R {
        match self {
            Self::Buffered(s) => s.get_mut(),
            Self::Framed(s) => s.get_mut().get_mut(),
            #[cfg(unix)]
            Self::Fd(s) => s.get_mut(),
            Self::Zlib(s) => s.get_mut().get_mut(),
            Self::Header(s) => s.get_mut(),
        }
    }
}

impl<R: ReadEnd> Source for AnySource<R> {
    #[inline]
    fn buffered(&self) -> &[u8] {
        each_transport!(Self, self, s => s.buffered())
    }

    #[inline]
    fn read_slice<'s>(&'s mut self, n: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
        each_transport!(Self, self, s => s.read_slice(n, scratch))
    }

    fn remaining(&self) -> usize {
        each_transport!(Self, self, s => s.remaining())
    }

    fn shortfall(&self) -> crate::TransportErrorKind {
        each_transport!(Self, self, s => s.shortfall())
    }

    fn holds_bytes(&self) -> bool {
        each_transport!(Self, self, s => Source::holds_bytes(s))
    }

    #[cfg(unix)]
    fn take_fd(&mut self, index: i32) -> Result<std::os::fd::OwnedFd> {
        each_transport!(Self, self, s => s.take_fd(index))
    }

    #[cfg(unix)]
    fn take_received_fds(&mut self) -> Option<crate::transport::fd::ReceivedFds> {
        each_transport!(Self, self, s => s.take_received_fds())
    }

    fn frames_messages(&self) -> bool {
        each_transport!(Self, self, s => s.frames_messages())
    }

    fn payload_protocol(&self) -> Option<PayloadProtocol> {
        each_transport!(Self, self, s => s.payload_protocol())
    }

    fn info_headers(&self) -> Option<std::sync::Arc<crate::header::InfoHeaders>> {
        each_transport!(Self, self, s => s.info_headers())
    }

    fn take_frame(&mut self) -> Result<Option<Bytes>> {
        each_transport!(Self, self, s => s.take_frame())
    }

    delegate! { each_transport, Self;
        consume(n: usize) -> ();
        fill_buf() -> Result<bool>;
        begin_message() -> ();
        end_message() -> Result<()>;
        read_bytes(n: usize) -> Result<Bytes>;
    }

    fn release_idle_buffer(&mut self) {
        each_transport!(Self, self, s => Source::release_idle_buffer(s));
    }
}

impl<W: WriteEnd> io::Write for AnySink<W> {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        each_transport!(Self, self, s => s.write(data))
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        each_transport!(Self, self, s => s.write_all(data))
    }

    fn flush(&mut self) -> io::Result<()> {
        each_transport!(Self, self, s => s.flush())
    }
}

impl<W: WriteEnd> Sink for AnySink<W> {
    fn can_carry_fds(&self) -> bool {
        each_transport!(Self, self, s => s.can_carry_fds())
    }

    fn write_bytes(&mut self, v: &Bytes) -> io::Result<()> {
        each_transport!(Self, self, s => s.write_bytes(v))
    }

    #[cfg(unix)]
    fn attach_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<i32> {
        each_transport!(Self, self, s => s.attach_fd(fd))
    }

    fn discard(&mut self) {
        each_transport!(Self, self, s => Sink::discard(s));
    }

    fn release_idle_buffer(&mut self) {
        each_transport!(Self, self, s => s.release_idle_buffer());
    }

    fn begin_message(&mut self, protocol: Option<PayloadProtocol>, kind: MessageType, seqid: i32) {
        each_transport!(Self, self, s => s.begin_message(protocol, kind, seqid));
    }

    fn message_protocol(&self, kind: MessageType) -> Option<PayloadProtocol> {
        each_transport!(Self, self, s => s.message_protocol(kind))
    }

    fn set_call_timeout(&mut self, timeout: Option<std::time::Duration>) {
        each_transport!(Self, self, s => s.set_call_timeout(timeout));
    }
}

impl<W: WriteEnd> AnySink<W> {
    /// The THeader writer, when the transport is THeader: per-connection headers and zlib
    /// ([`HeaderWriter::headers_mut`], [`HeaderWriter::set_zlib`]).
    pub fn header_mut(&mut self) -> Option<&mut HeaderWriter<W>> {
        match self {
            Self::Header(h) => Some(h),
            _ => None,
        }
    }
}

impl<W: Sink> AnyProtocolWriter<W> {
    /// For the THeader protocol: writes calls in `protocol` from now on (binary by
    /// default). Other protocols ignore it.
    pub fn set_header_call_protocol(&mut self, protocol: PayloadProtocol) {
        if let Self::Header(w) = self {
            w.set_call_protocol(protocol);
        }
    }
}
