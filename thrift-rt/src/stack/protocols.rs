//! The built-in protocols as [`Protocol`]s, and [`ProtocolKind`]: the one place that maps the
//! run-time choice to them.

use super::any::{AnyProtocolReader, AnyProtocolWriter};
use super::{HeaderProtocol, Protocol, ProtocolKind, WithProtocol};
use crate::limits::Limits;
use crate::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
};
use crate::transport::{Sink, Source};

/// `TBinaryProtocol`: strict headers written, strict and old-style headers read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Binary;

/// `TCompactProtocol`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Compact;

/// `TJSONProtocol`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json;

macro_rules! protocol {
    ($name:ident, $reader:ident, $writer:ident) => {
        impl Protocol for $name {
            type Reader<S: Source + Send> = $reader<S>;
            type Writer<W: Sink + Send> = $writer<W>;

            #[inline]
            fn reader<S: Source + Send>(&self, source: S, limits: Limits) -> $reader<S> {
                $reader::with_limits(source, limits)
            }

            #[inline]
            fn writer<W: Sink + Send>(&self, sink: W) -> $writer<W> {
                $writer::new(sink)
            }

            #[inline]
            fn source<S: Source + Send>(reader: &$reader<S>) -> &S {
                reader.get_ref()
            }

            #[inline]
            fn source_mut<S: Source + Send>(reader: &mut $reader<S>) -> &mut S {
                reader.get_mut()
            }

            #[inline]
            fn sink_mut<W: Sink + Send>(writer: &mut $writer<W>) -> &mut W {
                writer.get_mut()
            }
        }
    };
}

protocol!(Binary, BinaryReader, BinaryWriter);
protocol!(Compact, CompactReader, CompactWriter);
protocol!(Json, JsonReader, JsonWriter);

/// The protocol chosen at run time: its readers and writers match on the choice for every
/// value; [`resolve`](Protocol::resolve) gives the concrete protocol instead.
impl Protocol for ProtocolKind {
    type Reader<S: Source + Send> = AnyProtocolReader<S>;
    type Writer<W: Sink + Send> = AnyProtocolWriter<W>;

    fn reader<S: Source + Send>(&self, source: S, limits: Limits) -> AnyProtocolReader<S> {
        match self {
            Self::Binary => AnyProtocolReader::Binary(Binary.reader(source, limits)),
            Self::Compact => AnyProtocolReader::Compact(Compact.reader(source, limits)),
            Self::Json => AnyProtocolReader::Json(Json.reader(source, limits)),
            Self::Header => {
                AnyProtocolReader::Header(HeaderProtocol::default().reader(source, limits))
            }
        }
    }

    fn writer<W: Sink + Send>(&self, sink: W) -> AnyProtocolWriter<W> {
        match self {
            Self::Binary => AnyProtocolWriter::Binary(Binary.writer(sink)),
            Self::Compact => AnyProtocolWriter::Compact(Compact.writer(sink)),
            Self::Json => AnyProtocolWriter::Json(Json.writer(sink)),
            Self::Header => AnyProtocolWriter::Header(HeaderProtocol::default().writer(sink)),
        }
    }

    fn source<S: Source + Send>(reader: &AnyProtocolReader<S>) -> &S {
        reader.get_ref()
    }

    fn source_mut<S: Source + Send>(reader: &mut AnyProtocolReader<S>) -> &mut S {
        reader.get_mut()
    }

    fn sink_mut<W: Sink + Send>(writer: &mut AnyProtocolWriter<W>) -> &mut W {
        writer.get_mut()
    }

    fn resolve<V: WithProtocol>(&self, v: V) -> V::Output {
        match self {
            Self::Binary => v.with(Binary),
            Self::Compact => v.with(Compact),
            Self::Json => v.with(Json),
            Self::Header => v.with(HeaderProtocol::default()),
        }
    }
}
