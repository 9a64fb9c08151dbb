//! Protocols: how Thrift values become bytes.
//!
//! [`ProtocolWriter`] and [`ProtocolReader`] are the two traits generated code is written
//! against. Both have a small required core (one method per wire construct) and provided
//! helpers; both work with static dispatch (`R: ProtocolReader`) and as trait objects
//! (`&mut dyn ProtocolReader`), which is why generated code bounds them with `?Sized`.
//!
//! The call sequence is Apache Thrift's:
//!
//! ```text
//! write_struct_begin
//!   (write_field_begin  <value>  write_field_end)*
//!   write_field_stop
//! write_struct_end
//!
//! read_struct_begin
//!   (read_field_begin -> Some(field)  <value or skip(field.ttype)>  read_field_end)*
//!   read_field_begin -> None
//! read_struct_end
//! ```
//!
//! Lists, sets and maps are `*_begin`, the elements (for maps: key, value, key, value, ...),
//! `*_end`. Readers check every length and count against [`Limits`] and against the bytes the
//! message can still supply before anything is allocated, and count nesting depth in
//! `read_struct_begin` and in the container `*_begin` methods.
//!
//! | protocol | writer | reader |
//! |---|---|---|
//! | binary | [`BinaryWriter`] | [`BinaryReader`] |
//! | compact | [`CompactWriter`] | [`CompactReader`] |
//! | JSON | [`JsonWriter`] | [`JsonReader`] |
//! | multiplexed | [`MultiplexedWriter`] | [`multiplexed::split_service_name`] |

use bytes::Bytes;

use crate::error::{ProtocolErrorKind, Result, protocol_err, protocol_kind};
use crate::limits::Limits;
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, TType};

pub(crate) use fixed_width::{read_fixed_width_list, write_fixed_width};

/// A scalar field value, for [`ProtocolWriter::write_scalar_field`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// `bool`
    Bool(bool),
    /// `i8`
    I8(i8),
    /// `i16`
    I16(i16),
    /// `i32`
    I32(i32),
    /// `i64`
    I64(i64),
    /// `double`
    Double(f64),
}

impl Scalar {
    /// The wire type of the value.
    #[inline]
    pub const fn ttype(self) -> TType {
        match self {
            Self::Bool(_) => TType::Bool,
            Self::I8(_) => TType::I8,
            Self::I16(_) => TType::I16,
            Self::I32(_) => TType::I32,
            Self::I64(_) => TType::I64,
            Self::Double(_) => TType::Double,
        }
    }

    /// Writes the value alone (no field header) with the matching `write_*` method.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    #[inline]
    pub fn write_value<W: ProtocolWriter + ?Sized>(self, w: &mut W) -> Result<()> {
        match self {
            Self::Bool(v) => w.write_bool(v),
            Self::I8(v) => w.write_i8(v),
            Self::I16(v) => w.write_i16(v),
            Self::I32(v) => w.write_i32(v),
            Self::I64(v) => w.write_i64(v),
            Self::Double(v) => w.write_double(v),
        }
    }
}

/// `new`, `with_limits` and the source accessors of a reader that holds `src` and `limits`
/// and whose other fields (listed) all start as their `Default`.
macro_rules! reader_constructors {
    ($new_doc:literal, $($field:ident),*) => {
        #[doc = $new_doc]
        pub fn new(src: S) -> Self {
            Self::with_limits(src, Limits::default())
        }

        /// A reader with the given limits.
        pub fn with_limits(src: S, limits: Limits) -> Self {
            Self {
                src,
                limits,
                $($field: Default::default()),*
            }
        }

        accessors!("source", src: S);
    };
}

/// A length no protocol can write: past `i32::MAX`.
#[cold]
#[inline(never)]
fn too_long(len: usize) -> crate::Error {
    protocol_err(ProtocolErrorKind::SizeLimit, format!("length {len}"))
}

/// The `ProtocolWriter` methods the binary and compact writers share, word for word: both
/// have a sink `w` and `put` / `put_len` methods, and end containers and fields, write
/// uuids, strings, binaries and descriptor indexes, and flush the same way.
macro_rules! binary_like_writer_methods {
    () => {
        fn can_carry_fds(&self) -> bool {
            self.w.can_carry_fds()
        }

        #[cfg(unix)]
        fn write_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
            let index = self.w.attach_fd(fd)?;
            self.write_i32(index)
        }

        // Nothing marks the end of a message, field or container on the wire.
        binary_like_writer_methods!(@nothing write_message_end, write_field_end,
            write_list_end, write_set_end, write_map_end);

        #[inline]
        fn write_uuid(&mut self, v: &[u8; 16]) -> Result<()> {
            self.put(v)
        }

        #[inline]
        fn write_string(&mut self, v: &str) -> Result<()> {
            self.write_binary(v.as_bytes())
        }

        #[inline]
        fn write_binary(&mut self, v: &[u8]) -> Result<()> {
            self.put_len(v.len())?;
            self.put(v)
        }

        #[inline]
        fn write_bytes(&mut self, v: &bytes::Bytes) -> Result<()> {
            self.put_len(v.len())?;
            self.w.write_bytes(v)?;
            Ok(())
        }

        #[inline]
        fn write_bytes_str(&mut self, v: &crate::BytesStr) -> Result<()> {
            self.write_bytes(v.as_bytes())
        }

        fn flush(&mut self) -> Result<()> {
            self.w.flush()?;
            Ok(())
        }
    };
    (@nothing $($end:ident),*) => {
        $(
            #[inline]
            fn $end(&mut self) -> Result<()> {
                Ok(())
            }
        )*
    };
}

/// The `ProtocolReader` methods the binary and compact readers share, word for word: both
/// have `src`, `limits`, `depth` and `scratch` fields and `read_len` (a length or count) and
/// `read_list_header` methods, and begin lists and sets, end containers, and read uuids,
/// binaries, bytes and descriptor indexes the same way.
macro_rules! binary_like_reader_methods {
    () => {
        fn has_message(&mut self) -> Result<bool> {
            self.src.fill_buf()
        }

        #[inline]
        fn read_message_end(&mut self) -> Result<()> {
            self.src.end_message()
        }

        #[cfg(unix)]
        fn read_fd(&mut self) -> Result<std::os::fd::OwnedFd> {
            let index = self.read_i32()?;
            self.src.take_fd(index)
        }

        // Lists and sets share one header on the wire.
        #[inline]
        fn read_list_begin(&mut self) -> Result<ListHeader> {
            self.read_list_header()
        }

        #[inline]
        fn read_set_begin(&mut self) -> Result<ListHeader> {
            self.read_list_header()
        }

        // Nothing marks a container's end on the wire: it only leaves a level of nesting.
        binary_like_reader_methods!(@leave read_list_end, read_set_end, read_map_end);

        #[inline]
        fn read_i8(&mut self) -> Result<i8> {
            Ok(self.src.read_u8()? as i8)
        }

        #[inline]
        fn read_uuid(&mut self) -> Result<[u8; 16]> {
            self.src.take_array()
        }

        #[inline]
        fn read_binary_ref(&mut self) -> Result<&[u8]> {
            let len = self.read_len()?;
            self.limits.check_string_len(len, &self.src)?;
            self.src.read_slice(len, &mut self.scratch)
        }

        #[inline]
        fn read_bytes(&mut self) -> Result<Bytes> {
            let len = self.read_len()?;
            self.limits.check_string_len(len, &self.src)?;
            self.src.read_bytes(len)
        }

        #[inline]
        fn read_bytes_str(&mut self) -> Result<crate::BytesStr> {
            super::bytes_str(self.read_bytes()?)
        }

        #[inline]
        fn limits(&self) -> &Limits {
            &self.limits
        }
    };
    (@leave $($end:ident),*) => {
        $(
            #[inline]
            fn $end(&mut self) -> Result<()> {
                self.depth.leave();
                Ok(())
            }
        )*
    };
}

pub mod binary;
pub mod compact;
mod fixed_width;
pub mod json;
pub mod multiplexed;
pub mod raw;
mod varint_list;

pub use binary::{BinaryReader, BinaryWriter};
pub use compact::{CompactReader, CompactWriter};
pub use json::{JsonReader, JsonWriter};
pub use multiplexed::{MultiplexedWriter, StoredMessageReader};
pub use raw::{RawProtocol, RawValue};

/// Encodes Thrift values.
///
/// Required methods map one-to-one to wire constructs; the `write_*_slice` methods are bulk
/// paths for lists of scalars that protocols may override.
pub trait ProtocolWriter {
    /// Starts a message.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_message_begin(&mut self, header: &MessageHeader<&str>) -> Result<()>;
    /// Ends a message.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_message_end(&mut self) -> Result<()>;
    /// Starts a struct, union or exception; `name` is the IDL name (unused on the wire).
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_struct_begin(&mut self, name: &str) -> Result<()>;
    /// Ends a struct; call [`write_field_stop`](ProtocolWriter::write_field_stop) first.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_struct_end(&mut self) -> Result<()>;
    /// Starts a field; the value follows.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_field_begin(&mut self, header: FieldHeader) -> Result<()>;
    /// Ends a field.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_field_end(&mut self) -> Result<()>;
    /// Marks the end of a struct's fields.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_field_stop(&mut self) -> Result<()>;
    /// Starts a list.
    ///
    /// # Errors
    ///
    /// I/O errors; a length the protocol cannot encode.
    fn write_list_begin(&mut self, header: ListHeader) -> Result<()>;
    /// Ends a list.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_list_end(&mut self) -> Result<()>;
    /// Starts a set.
    ///
    /// # Errors
    ///
    /// I/O errors; a length the protocol cannot encode.
    fn write_set_begin(&mut self, header: ListHeader) -> Result<()>;
    /// Ends a set.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_set_end(&mut self) -> Result<()>;
    /// Starts a map.
    ///
    /// # Errors
    ///
    /// I/O errors; a length the protocol cannot encode.
    fn write_map_begin(&mut self, header: MapHeader) -> Result<()>;
    /// Ends a map.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_map_end(&mut self) -> Result<()>;
    /// Writes a `bool`.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_bool(&mut self, v: bool) -> Result<()>;
    /// Writes an `i8`.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_i8(&mut self, v: i8) -> Result<()>;
    /// Writes an `i16`.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_i16(&mut self, v: i16) -> Result<()>;
    /// Writes an `i32` (also enums).
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_i32(&mut self, v: i32) -> Result<()>;
    /// Writes an `i64`.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_i64(&mut self, v: i64) -> Result<()>;
    /// Writes a `double`.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_double(&mut self, v: f64) -> Result<()>;
    /// Writes a `uuid` (16 bytes, RFC 4122 order).
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn write_uuid(&mut self, v: &[u8; 16]) -> Result<()>;
    /// Writes a `string`.
    ///
    /// # Errors
    ///
    /// I/O errors; a string longer than the protocol can encode.
    fn write_string(&mut self, v: &str) -> Result<()>;
    /// Writes a `binary`.
    ///
    /// # Errors
    ///
    /// I/O errors; a binary longer than the protocol can encode.
    fn write_binary(&mut self, v: &[u8]) -> Result<()>;
    /// Writes a `binary` the caller shares ([`bytes::Bytes`]): the binary and compact
    /// writers hand a large one to their sink by reference
    /// ([`Sink::write_bytes`](crate::transport::Sink::write_bytes)), so a transport that
    /// sends whole messages sends it from where it is, without a copy. By default, as
    /// [`write_binary`](Self::write_binary).
    ///
    /// # Errors
    ///
    /// As [`write_binary`](Self::write_binary).
    #[inline]
    fn write_bytes(&mut self, v: &bytes::Bytes) -> Result<()> {
        self.write_binary(v)
    }
    /// Writes a `string` the caller shares ([`BytesStr`](crate::BytesStr)), as
    /// [`write_bytes`](Self::write_bytes) does a binary. By default, as
    /// [`write_string`](Self::write_string).
    ///
    /// # Errors
    ///
    /// As [`write_string`](Self::write_string).
    #[inline]
    fn write_bytes_str(&mut self, v: &crate::BytesStr) -> Result<()> {
        self.write_string(v)
    }
    /// Flushes the underlying writer (for framed transports: sends the frame).
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    fn flush(&mut self) -> Result<()>;

    /// Drops a message whose writing failed half-way: the transport's unflushed bytes and
    /// descriptors ([`Sink::discard`](crate::transport::Sink::discard)) and the protocol's
    /// own state, so the next message starts clean.
    fn discard_message(&mut self) {}

    /// Whether this writer's transport can carry file descriptors (see
    /// [`Sink::can_carry_fds`](crate::transport::Sink::can_carry_fds)).
    fn can_carry_fds(&self) -> bool {
        false
    }

    /// Writes an `fd`: attaches a duplicate of `fd` to the message and writes its index in
    /// the message's descriptor list as an `i32`.
    ///
    /// # Errors
    ///
    /// [`FdUnsupported`](crate::TransportErrorKind::FdUnsupported) when the transport cannot
    /// carry descriptors; [`FdCount`](crate::TransportErrorKind::FdCount) beyond the
    /// per-message limit.
    #[cfg(unix)]
    fn write_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        let _ = fd;
        Err(crate::transport::sink::fd_unsupported())
    }

    /// Writes a whole field holding a scalar: its header, the value and the field's end.
    /// Generated code writes every `bool`, integer, `double` and enum field through it, so a
    /// protocol whose field header is fixed bytes (binary) can emit header and value in one
    /// write to its sink; the others keep this default.
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    #[inline]
    fn write_scalar_field(&mut self, id: i16, value: Scalar) -> Result<()> {
        self.write_field_begin(FieldHeader::new(value.ttype(), id))?;
        value.write_value(self)?;
        self.write_field_end()
    }

    /// Writes a whole field whose value was captured by a reader
    /// ([`ProtocolReader::capture_value`]): a field of a struct generated with
    /// `keep_unknown_fields`. The binary and compact writers copy the bytes of a value of
    /// their own protocol unchanged; otherwise (and by default) the value is transcoded
    /// ([`RawValue::transcode`]). The JSON writer drops the field (see [`raw`]).
    ///
    /// # Errors
    ///
    /// Bytes that do not hold one value of `ttype`; I/O errors from the underlying writer.
    fn write_raw_field(&mut self, id: i16, ttype: TType, raw: &RawValue) -> Result<()> {
        raw::write_raw_field_transcoded(self, id, ttype, raw)
    }

    /// Writes the elements of a `list<i64>` (after `write_list_begin`).
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    #[inline]
    fn write_i64_slice(&mut self, values: &[i64]) -> Result<()> {
        values.iter().try_for_each(|&v| self.write_i64(v))
    }

    /// Writes the elements of a `list<i32>` (after `write_list_begin`).
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    #[inline]
    fn write_i32_slice(&mut self, values: &[i32]) -> Result<()> {
        values.iter().try_for_each(|&v| self.write_i32(v))
    }

    /// Writes the elements of a `list<double>` (after `write_list_begin`).
    ///
    /// # Errors
    ///
    /// I/O errors from the underlying writer.
    #[inline]
    fn write_double_slice(&mut self, values: &[f64]) -> Result<()> {
        values.iter().try_for_each(|&v| self.write_double(v))
    }
}

/// Decodes Thrift values.
///
/// Strings and binaries can be read without copying: [`read_binary_ref`] borrows from the
/// source's buffer when it can, and [`read_bytes`] shares a [`Bytes`] buffer when the source is
/// one.
///
/// [`read_binary_ref`]: ProtocolReader::read_binary_ref
/// [`read_bytes`]: ProtocolReader::read_bytes
pub trait ProtocolReader {
    /// Reads a message header.
    ///
    /// # Errors
    ///
    /// [`BadVersion`](ProtocolErrorKind::BadVersion) for a foreign or unknown header,
    /// [`InvalidMessageType`](ProtocolErrorKind::InvalidMessageType), transport errors.
    fn read_message_begin(&mut self) -> Result<MessageHeader>;

    /// Waits until the next message starts or the input ends: `Ok(false)` when the peer
    /// closed the stream cleanly between messages, `Ok(true)` when bytes of a new message are
    /// available. Servers call this before [`read_message_begin`](Self::read_message_begin)
    /// to tell a closed connection from a broken one.
    ///
    /// # Errors
    ///
    /// I/O errors.
    fn has_message(&mut self) -> Result<bool>;
    /// Ends a message.
    ///
    /// # Errors
    ///
    /// Syntax errors (JSON), transport errors.
    fn read_message_end(&mut self) -> Result<()>;
    /// Starts a struct.
    ///
    /// # Errors
    ///
    /// [`DepthLimit`](ProtocolErrorKind::DepthLimit), syntax and transport errors.
    fn read_struct_begin(&mut self) -> Result<()>;
    /// Ends a struct.
    ///
    /// # Errors
    ///
    /// Syntax errors (JSON), transport errors.
    fn read_struct_end(&mut self) -> Result<()>;
    /// Reads a field header; `None` at the end of the struct.
    ///
    /// # Errors
    ///
    /// [`UnknownType`](ProtocolErrorKind::UnknownType), syntax and transport errors.
    fn read_field_begin(&mut self) -> Result<Option<FieldHeader>>;
    /// Ends a field (required after each field value, including skipped ones).
    ///
    /// # Errors
    ///
    /// Syntax errors (JSON), transport errors.
    fn read_field_end(&mut self) -> Result<()>;
    /// Starts a list.
    ///
    /// # Errors
    ///
    /// [`NegativeSize`](ProtocolErrorKind::NegativeSize),
    /// [`SizeLimit`](ProtocolErrorKind::SizeLimit), [`DepthLimit`](ProtocolErrorKind::DepthLimit),
    /// [`UnknownType`](ProtocolErrorKind::UnknownType), transport errors.
    fn read_list_begin(&mut self) -> Result<ListHeader>;
    /// Ends a list.
    ///
    /// # Errors
    ///
    /// Syntax errors (JSON), transport errors.
    fn read_list_end(&mut self) -> Result<()>;
    /// Starts a set.
    ///
    /// # Errors
    ///
    /// As for [`read_list_begin`](ProtocolReader::read_list_begin).
    fn read_set_begin(&mut self) -> Result<ListHeader>;
    /// Ends a set.
    ///
    /// # Errors
    ///
    /// Syntax errors (JSON), transport errors.
    fn read_set_end(&mut self) -> Result<()>;
    /// Starts a map.
    ///
    /// # Errors
    ///
    /// As for [`read_list_begin`](ProtocolReader::read_list_begin).
    fn read_map_begin(&mut self) -> Result<MapHeader>;
    /// Ends a map.
    ///
    /// # Errors
    ///
    /// Syntax errors (JSON), transport errors.
    fn read_map_end(&mut self) -> Result<()>;
    /// Reads a `bool`.
    ///
    /// # Errors
    ///
    /// Invalid data, transport errors.
    fn read_bool(&mut self) -> Result<bool>;
    /// Reads an `i8`.
    ///
    /// # Errors
    ///
    /// Invalid data, transport errors.
    fn read_i8(&mut self) -> Result<i8>;
    /// Reads an `i16`.
    ///
    /// # Errors
    ///
    /// Invalid data (e.g. a varint too long), transport errors.
    fn read_i16(&mut self) -> Result<i16>;
    /// Reads an `i32`.
    ///
    /// # Errors
    ///
    /// Invalid data (e.g. a varint too long), transport errors.
    fn read_i32(&mut self) -> Result<i32>;
    /// Reads an `i64`.
    ///
    /// # Errors
    ///
    /// Invalid data (e.g. a varint too long), transport errors.
    fn read_i64(&mut self) -> Result<i64>;
    /// Reads a `double`.
    ///
    /// # Errors
    ///
    /// Invalid data, transport errors.
    fn read_double(&mut self) -> Result<f64>;
    /// Reads a `uuid`.
    ///
    /// # Errors
    ///
    /// Invalid data, transport errors.
    fn read_uuid(&mut self) -> Result<[u8; 16]>;
    /// Reads a `binary` (or the bytes of a `string`), borrowing from the input where possible.
    ///
    /// # Errors
    ///
    /// [`NegativeSize`](ProtocolErrorKind::NegativeSize),
    /// [`SizeLimit`](ProtocolErrorKind::SizeLimit), transport errors.
    fn read_binary_ref(&mut self) -> Result<&[u8]>;
    /// Reads a message header as [`read_message_begin`](Self::read_message_begin) does,
    /// except for making (and checking) its name: for a pass that only finds where a
    /// message ends, before the message is decoded for real.
    ///
    /// # Errors
    ///
    /// As [`read_message_begin`](Self::read_message_begin), but for the name's encoding.
    fn skip_message_begin(&mut self) -> Result<()> {
        self.read_message_begin().map(drop)
    }
    /// The limits this reader enforces.
    fn limits(&self) -> &Limits;

    /// Reads an `fd`: an `i32` index into the descriptors that came with the message, whose
    /// descriptor it takes.
    ///
    /// # Errors
    ///
    /// [`FdUnsupported`](crate::TransportErrorKind::FdUnsupported) when the transport never
    /// carries descriptors; [`Descriptors`](ProtocolErrorKind::Descriptors) for an index
    /// beyond those received or already taken.
    #[cfg(unix)]
    fn read_fd(&mut self) -> Result<std::os::fd::OwnedFd> {
        let _ = self.read_i32()?;
        Err(crate::transport::sink::fd_unsupported())
    }

    /// Reads a `string`, borrowing from the input where possible.
    ///
    /// # Errors
    ///
    /// [`InvalidUtf8`](ProtocolErrorKind::InvalidUtf8), and as for
    /// [`read_binary_ref`](ProtocolReader::read_binary_ref).
    #[inline]
    fn read_str(&mut self) -> Result<&str> {
        let bytes = self.read_binary_ref()?;
        std::str::from_utf8(bytes).map_err(|e| invalid_utf8(&e))
    }

    /// Reads a `string` into a new `String`.
    ///
    /// # Errors
    ///
    /// As for [`read_str`](ProtocolReader::read_str).
    #[inline]
    fn read_string(&mut self) -> Result<String> {
        self.read_str().map(str::to_owned)
    }

    /// Reads a `binary` into a new vector.
    ///
    /// # Errors
    ///
    /// As for [`read_binary_ref`](ProtocolReader::read_binary_ref).
    #[inline]
    fn read_binary(&mut self) -> Result<Vec<u8>> {
        self.read_binary_ref().map(<[u8]>::to_vec)
    }

    /// Reads a `binary` as [`Bytes`]; readers over a `Bytes` buffer share it without copying.
    ///
    /// # Errors
    ///
    /// As for [`read_binary_ref`](ProtocolReader::read_binary_ref).
    #[inline]
    fn read_bytes(&mut self) -> Result<Bytes> {
        self.read_binary_ref().map(Bytes::copy_from_slice)
    }

    /// Reads a `string` as a [`BytesStr`](crate::BytesStr); the binary and compact readers
    /// over a `Bytes` buffer share it without copying (checking UTF-8 once).
    ///
    /// # Errors
    ///
    /// As for [`read_str`](ProtocolReader::read_str).
    #[inline]
    fn read_bytes_str(&mut self) -> Result<crate::BytesStr> {
        self.read_string().map(crate::BytesStr::from)
    }

    /// Skips a string or binary without decoding it.
    ///
    /// # Errors
    ///
    /// As for [`read_binary_ref`](ProtocolReader::read_binary_ref).
    #[inline]
    fn skip_binary(&mut self) -> Result<()> {
        self.read_binary_ref().map(drop)
    }

    /// Skips one value of type `ttype`, obeying the same depth and size limits as reading it.
    ///
    /// # Errors
    ///
    /// Everything reading the value could fail with; skipping [`TType::Stop`] is
    /// [`InvalidData`](ProtocolErrorKind::InvalidData).
    fn skip(&mut self, ttype: TType) -> Result<()> {
        skip_value(self, ttype)
    }

    /// Reads one value of type `ttype` (after its field header) and returns its encoding, for
    /// structs generated with `keep_unknown_fields`. The binary and compact readers return
    /// the bytes exactly as read; by default (and in JSON, see [`raw`]) the value is skipped
    /// and `None` returned.
    ///
    /// # Errors
    ///
    /// As for [`skip`](ProtocolReader::skip).
    fn capture_value(&mut self, ttype: TType) -> Result<Option<RawValue>> {
        self.skip(ttype).map(|()| None)
    }

    /// Reads `len` elements of a `list<i64>` (after `read_list_begin`) and appends them to `out`.
    ///
    /// # Errors
    ///
    /// As for [`read_i64`](ProtocolReader::read_i64).
    #[inline]
    fn read_i64_list(&mut self, len: usize, out: &mut Vec<i64>) -> Result<()> {
        for _ in 0..len {
            out.push(self.read_i64()?);
        }
        Ok(())
    }

    /// Reads `len` elements of a `list<i32>` (after `read_list_begin`) and appends them to `out`.
    ///
    /// # Errors
    ///
    /// As for [`read_i32`](ProtocolReader::read_i32).
    #[inline]
    fn read_i32_list(&mut self, len: usize, out: &mut Vec<i32>) -> Result<()> {
        for _ in 0..len {
            out.push(self.read_i32()?);
        }
        Ok(())
    }

    /// Reads `len` elements of a `list<double>` (after `read_list_begin`) and appends them to
    /// `out`.
    ///
    /// # Errors
    ///
    /// As for [`read_double`](ProtocolReader::read_double).
    #[inline]
    fn read_double_list(&mut self, len: usize, out: &mut Vec<f64>) -> Result<()> {
        for _ in 0..len {
            out.push(self.read_double()?);
        }
        Ok(())
    }
}

/// Skips a value by reading it through the protocol. Depth is counted by the struct and
/// container `*_begin` methods of each protocol, so this recursion is bounded by
/// [`Limits::max_depth`].
pub fn skip_value<R: ProtocolReader + ?Sized>(r: &mut R, ttype: TType) -> Result<()> {
    match ttype {
        TType::Bool => r.read_bool().map(drop),
        TType::I8 => r.read_i8().map(drop),
        TType::I16 => r.read_i16().map(drop),
        TType::I32 => r.read_i32().map(drop),
        TType::I64 => r.read_i64().map(drop),
        TType::Double => r.read_double().map(drop),
        TType::Uuid => r.read_uuid().map(drop),
        TType::String => r.skip_binary(),
        TType::Struct => {
            r.read_struct_begin()?;
            while let Some(field) = r.read_field_begin()? {
                skip_value(r, field.ttype)?;
                r.read_field_end()?;
            }
            r.read_struct_end()
        }
        TType::List => {
            let header = r.read_list_begin()?;
            for _ in 0..header.len {
                skip_value(r, header.elem)?;
            }
            r.read_list_end()
        }
        TType::Set => {
            let header = r.read_set_begin()?;
            for _ in 0..header.len {
                skip_value(r, header.elem)?;
            }
            r.read_set_end()
        }
        TType::Map => {
            let header = r.read_map_begin()?;
            for _ in 0..header.len {
                skip_value(r, header.key)?;
                skip_value(r, header.value)?;
            }
            r.read_map_end()
        }
        TType::Stop => Err(protocol_err(
            ProtocolErrorKind::InvalidData,
            "cannot skip a stop",
        )),
    }
}

/// A `string` read as `bytes` made a [`BytesStr`](crate::BytesStr): for the readers whose
/// strings are plain length-prefixed bytes (binary, compact).
#[inline]
pub(crate) fn bytes_str(bytes: Bytes) -> Result<crate::BytesStr> {
    crate::BytesStr::from_utf8(bytes).map_err(|e| invalid_utf8(&e))
}

#[cold]
#[inline(never)]
pub(crate) fn invalid_utf8(e: &std::str::Utf8Error) -> crate::Error {
    protocol_err(ProtocolErrorKind::InvalidUtf8, e.to_string())
}

/// Nesting depth bookkeeping shared by all readers.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Depth(u16);

impl Depth {
    #[inline]
    pub(crate) fn enter(&mut self, limits: &Limits) -> Result<()> {
        if self.0 >= limits.max_depth {
            return Err(depth_err(limits.max_depth));
        }
        self.0 += 1;
        Ok(())
    }

    /// Checks a container's element count (see `Limits::check_container_len`) and enters it.
    #[inline]
    pub(crate) fn enter_container<S: crate::transport::Source + ?Sized>(
        &mut self,
        limits: &Limits,
        len: usize,
        min_elem_size: usize,
        src: &S,
    ) -> Result<()> {
        limits.check_container_len(len, min_elem_size, src)?;
        self.enter(limits)
    }

    #[inline]
    pub(crate) fn leave(&mut self) {
        self.0 = self.0.saturating_sub(1);
    }

    #[inline]
    pub(crate) fn reset(&mut self) {
        self.0 = 0;
    }
}

#[cold]
#[inline(never)]
fn depth_err(max: u16) -> crate::Error {
    protocol_err(
        ProtocolErrorKind::DepthLimit,
        format!("nesting deeper than {max}"),
    )
}

/// Converts a signed wire length to `usize`; negative is
/// [`NegativeSize`](ProtocolErrorKind::NegativeSize).
#[inline]
pub(crate) fn non_negative(len: i32) -> Result<usize> {
    if len < 0 {
        Err(protocol_kind(ProtocolErrorKind::NegativeSize))
    } else {
        Ok(len as usize)
    }
}

/// Writes the message every protocol's specification works through: a call of `add` with
/// sequence id 1 whose arguments hold field 1, the i32 1.
#[cfg(test)]
pub(crate) fn write_add_call<W: ProtocolWriter>(w: &mut W) -> Result<()> {
    w.write_message_begin(&MessageHeader::new("add", crate::MessageType::Call, 1))?;
    w.write_struct_begin("args")?;
    w.write_field_begin(FieldHeader::new(TType::I32, 1))?;
    w.write_i32(1)?;
    w.write_field_end()?;
    w.write_field_stop()?;
    w.write_struct_end()?;
    w.write_message_end()
}
