//! The multiplexed protocol: several services on one connection.
//!
//! Clients prefix the method name of `Call` and `Oneway` messages with `Service:`
//! ([`MultiplexedWriter`]); servers split the name at the first `:`
//! ([`split_service_name`]), pick the service, and hand its processor the message again with
//! the bare name ([`StoredMessageReader`]). Replies carry the bare name.

use bytes::Bytes;

use super::{ProtocolReader, ProtocolWriter};
use crate::error::Result;
use crate::limits::Limits;
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};

/// The separator between service and method name.
pub const SEPARATOR: char = ':';

/// Splits `Service:method` into `(Some("Service"), "method")`; a name without `:` gives
/// `(None, name)`.
///
/// ```
/// use thrift_rt::protocol::multiplexed::split_service_name;
/// assert_eq!(split_service_name("Calc:add"), (Some("Calc"), "add"));
/// assert_eq!(split_service_name("add"), (None, "add"));
/// ```
pub fn split_service_name(name: &str) -> (Option<&str>, &str) {
    match name.split_once(SEPARATOR) {
        Some((service, method)) => (Some(service), method),
        None => (None, name),
    }
}

/// Wraps a writer, prefixing call and oneway method names with the service name.
#[derive(Debug)]
pub struct MultiplexedWriter<P> {
    inner: P,
    service: String,
    name: String,
}

impl<P: ProtocolWriter> MultiplexedWriter<P> {
    /// Writes messages for `service` through `inner`.
    pub fn new(inner: P, service: impl Into<String>) -> Self {
        Self {
            inner,
            service: service.into(),
            name: String::new(),
        }
    }

    accessors!("value", inner: P);
}

macro_rules! delegate_write {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            #[inline]
            fn $name(&mut self, $($arg: $ty),*) -> Result<()> {
                self.inner.$name($($arg),*)
            }
        )*
    };
}

impl<P: ProtocolWriter> ProtocolWriter for MultiplexedWriter<P> {
    fn can_carry_fds(&self) -> bool {
        self.inner.can_carry_fds()
    }

    fn discard_message(&mut self) {
        self.inner.discard_message();
    }

    #[cfg(unix)]
    fn write_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        self.inner.write_fd(fd)
    }

    fn write_message_begin(&mut self, header: &MessageHeader<&str>) -> Result<()> {
        match header.kind {
            MessageType::Call | MessageType::Oneway => {
                self.name.clear();
                self.name.push_str(&self.service);
                self.name.push(SEPARATOR);
                self.name.push_str(header.name);
                let prefixed = MessageHeader {
                    name: self.name.as_str(),
                    ..*header
                };
                self.inner.write_message_begin(&prefixed)
            }
            MessageType::Reply | MessageType::Exception => self.inner.write_message_begin(header),
        }
    }

    delegate_write! {
        write_message_end();
        write_struct_begin(name: &str);
        write_struct_end();
        write_field_begin(header: FieldHeader);
        write_field_end();
        write_field_stop();
        write_list_begin(header: ListHeader);
        write_list_end();
        write_set_begin(header: ListHeader);
        write_set_end();
        write_map_begin(header: MapHeader);
        write_map_end();
        write_bool(v: bool);
        write_i8(v: i8);
        write_i16(v: i16);
        write_i32(v: i32);
        write_i64(v: i64);
        write_double(v: f64);
        write_uuid(v: &[u8; 16]);
        write_string(v: &str);
        write_binary(v: &[u8]);
        write_bytes(v: &bytes::Bytes);
        write_bytes_str(v: &crate::BytesStr);
        flush();
        write_i64_slice(v: &[i64]);
        write_i32_slice(v: &[i32]);
        write_double_slice(v: &[f64]);
        write_scalar_field(id: i16, value: super::Scalar);
        write_raw_field(id: i16, ttype: TType, raw: &super::RawValue);
    }
}

/// Wraps a reader whose message header was already read (by a multiplexing server), returning
/// that header, once, from the next `read_message_begin`.
#[derive(Debug)]
pub struct StoredMessageReader<R> {
    inner: R,
    stored: Option<MessageHeader>,
}

impl<R: ProtocolReader> StoredMessageReader<R> {
    /// Replays `header` before continuing with `inner`.
    pub fn new(inner: R, header: MessageHeader) -> Self {
        Self {
            inner,
            stored: Some(header),
        }
    }

    /// Unwraps the reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

macro_rules! delegate_read {
    ($($name:ident() -> $ret:ty;)*) => {
        $(
            #[inline]
            fn $name(&mut self) -> Result<$ret> {
                self.inner.$name()
            }
        )*
    };
}

impl<R: ProtocolReader> ProtocolReader for StoredMessageReader<R> {
    fn read_message_begin(&mut self) -> Result<MessageHeader> {
        match self.stored.take() {
            Some(header) => Ok(header),
            None => self.inner.read_message_begin(),
        }
    }

    fn has_message(&mut self) -> Result<bool> {
        if self.stored.is_some() {
            Ok(true)
        } else {
            self.inner.has_message()
        }
    }

    delegate_read! {
        read_message_end() -> ();
        read_struct_begin() -> ();
        read_struct_end() -> ();
        read_field_begin() -> Option<FieldHeader>;
        read_field_end() -> ();
        read_list_begin() -> ListHeader;
        read_list_end() -> ();
        read_set_begin() -> ListHeader;
        read_set_end() -> ();
        read_map_begin() -> MapHeader;
        read_map_end() -> ();
        read_bool() -> bool;
        read_i8() -> i8;
        read_i16() -> i16;
        read_i32() -> i32;
        read_i64() -> i64;
        read_double() -> f64;
        read_uuid() -> [u8; 16];
        read_bytes() -> Bytes;
        read_bytes_str() -> crate::BytesStr;
        skip_binary() -> ();
    }

    #[inline]
    fn read_binary_ref(&mut self) -> Result<&[u8]> {
        self.inner.read_binary_ref()
    }

    #[inline]
    fn read_str(&mut self) -> Result<&str> {
        self.inner.read_str()
    }

    fn limits(&self) -> &Limits {
        self.inner.limits()
    }

    fn skip(&mut self, ttype: TType) -> Result<()> {
        self.inner.skip(ttype)
    }

    fn capture_value(&mut self, ttype: TType) -> Result<Option<super::RawValue>> {
        self.inner.capture_value(ttype)
    }

    #[cfg(unix)]
    fn read_fd(&mut self) -> Result<std::os::fd::OwnedFd> {
        self.inner.read_fd()
    }

    fn read_i64_list(&mut self, len: usize, out: &mut Vec<i64>) -> Result<()> {
        self.inner.read_i64_list(len, out)
    }

    fn read_i32_list(&mut self, len: usize, out: &mut Vec<i32>) -> Result<()> {
        self.inner.read_i32_list(len, out)
    }

    fn read_double_list(&mut self, len: usize, out: &mut Vec<f64>) -> Result<()> {
        self.inner.read_double_list(len, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryReader, BinaryWriter};

    #[test]
    fn prefixes_calls_and_oneways_only() {
        let mut w = MultiplexedWriter::new(BinaryWriter::new(Vec::new()), "Calc");
        w.write_message_begin(&MessageHeader::new("add", MessageType::Call, 1))
            .unwrap();
        w.write_message_begin(&MessageHeader::new("add", MessageType::Reply, 1))
            .unwrap();
        w.write_message_begin(&MessageHeader::new("ping", MessageType::Oneway, 2))
            .unwrap();
        let bytes = w.into_inner().into_inner();
        let mut r = BinaryReader::new(&bytes[..]);
        assert_eq!(r.read_message_begin().unwrap().name, "Calc:add");
        assert_eq!(r.read_message_begin().unwrap().name, "add");
        let h = r.read_message_begin().unwrap();
        assert_eq!(h.name, "Calc:ping");
        let (service, method) = split_service_name(&h.name);
        assert_eq!((service, method), (Some("Calc"), "ping"));
        let bare = MessageHeader {
            name: method.to_owned(),
            ..h.clone()
        };
        let mut stored = StoredMessageReader::new(BinaryReader::new(&[][..]), bare.clone());
        assert_eq!(stored.read_message_begin().unwrap(), bare);
    }

    #[test]
    fn split_at_first_colon() {
        assert_eq!(split_service_name("a:b:c"), (Some("a"), "b:c"));
        assert_eq!(split_service_name(":m"), (Some(""), "m"));
    }
}
