//! Type ids and the small `Copy` headers that protocols read and write.

use crate::error::{ProtocolErrorKind, Result, protocol_err};

/// A Thrift wire type, with the binary protocol's type ids as discriminants.
///
/// `String` covers both `string` and `binary`; `Struct` covers structs, unions and exceptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum TType {
    /// End of a struct's fields.
    Stop = 0,
    /// `bool`.
    Bool = 2,
    /// `i8` (also `byte`).
    I8 = 3,
    /// `double`.
    Double = 4,
    /// `i16`.
    I16 = 6,
    /// `i32` (and enums).
    I32 = 8,
    /// `i64`.
    I64 = 10,
    /// `string` and `binary`.
    String = 11,
    /// Structs, unions and exceptions.
    Struct = 12,
    /// `map<K, V>`.
    Map = 13,
    /// `set<T>`.
    Set = 14,
    /// `list<T>`.
    List = 15,
    /// `uuid`: 16 bytes.
    Uuid = 16,
}

impl TType {
    /// Maps a binary-protocol type id to a type; `None` for ids that are not Thrift types.
    #[inline]
    pub fn from_binary_id(id: u8) -> Option<TType> {
        Some(match id {
            0 => TType::Stop,
            2 => TType::Bool,
            3 => TType::I8,
            4 => TType::Double,
            6 => TType::I16,
            8 => TType::I32,
            10 => TType::I64,
            11 => TType::String,
            12 => TType::Struct,
            13 => TType::Map,
            14 => TType::Set,
            15 => TType::List,
            16 => TType::Uuid,
            _ => return None,
        })
    }

    /// Like [`TType::from_binary_id`], but an unknown id is an
    /// [`UnknownType`](ProtocolErrorKind::UnknownType) error.
    #[inline]
    pub fn try_from_binary_id(id: u8) -> Result<TType> {
        match TType::from_binary_id(id) {
            Some(t) => Ok(t),
            None => Err(unknown_type(id)),
        }
    }

    /// The binary-protocol id of this type.
    #[inline]
    pub fn binary_id(self) -> u8 {
        self as u8
    }
}

/// Out of line, so that the field-header readers that call [`TType::try_from_binary_id`]
/// stay small enough to inline.
#[cold]
#[inline(never)]
fn unknown_type(id: u8) -> crate::Error {
    protocol_err(ProtocolErrorKind::UnknownType, format!("type id {id}"))
}

/// The kind of a message, byte 3 of a strict binary header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// A request that expects a reply.
    Call = 1,
    /// A normal reply.
    Reply = 2,
    /// A reply carrying a `TApplicationException`.
    Exception = 3,
    /// A request without reply.
    Oneway = 4,
}

impl MessageType {
    /// Maps a wire value to a message type; unknown values are an
    /// [`InvalidMessageType`](ProtocolErrorKind::InvalidMessageType) error.
    #[inline]
    pub fn from_i32(v: i32) -> Result<MessageType> {
        Ok(match v {
            1 => MessageType::Call,
            2 => MessageType::Reply,
            3 => MessageType::Exception,
            4 => MessageType::Oneway,
            _ => {
                return Err(protocol_err(
                    ProtocolErrorKind::InvalidMessageType,
                    format!("message type {v}"),
                ));
            }
        })
    }
}

/// A message header: name, kind, sequence id and our channel extension.
///
/// Writers take `MessageHeader<&str>`, readers return `MessageHeader<String>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageHeader<S = String> {
    /// Method name (for multiplexed calls, `Service:method`).
    pub name: S,
    /// Call, reply, exception or oneway.
    pub kind: MessageType,
    /// Sequence id chosen by the client and echoed by the server.
    pub seqid: i32,
    /// Channel number: byte 2 of a strict binary header (our extension). Other protocols write
    /// nothing and read 0.
    pub channel: u8,
}

impl MessageType {
    /// A call or a oneway call: a message a server runs.
    pub(crate) fn is_call(self) -> bool {
        matches!(self, MessageType::Call | MessageType::Oneway)
    }
}

impl<S> MessageHeader<S> {
    /// A header on channel 0.
    pub fn new(name: S, kind: MessageType, seqid: i32) -> Self {
        Self {
            name,
            kind,
            seqid,
            channel: 0,
        }
    }
}

impl MessageHeader<String> {
    /// Borrows the name, giving the header shape writers take.
    pub fn borrowed(&self) -> MessageHeader<&str> {
        MessageHeader {
            name: &self.name,
            kind: self.kind,
            seqid: self.seqid,
            channel: self.channel,
        }
    }
}

/// A field header; `id` is the IDL field id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldHeader {
    /// Wire type of the value that follows.
    pub ttype: TType,
    /// Field id.
    pub id: i16,
}

impl FieldHeader {
    /// A field header.
    #[inline]
    pub fn new(ttype: TType, id: i16) -> Self {
        Self { ttype, id }
    }
}

/// A list or set header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListHeader {
    /// Element type.
    pub elem: TType,
    /// Number of elements.
    pub len: usize,
}

impl ListHeader {
    /// A list or set header.
    #[inline]
    pub fn new(elem: TType, len: usize) -> Self {
        Self { elem, len }
    }
}

/// A map header. For an empty map read from the compact protocol, which sends no types, both
/// types are [`TType::Stop`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MapHeader {
    /// Key type.
    pub key: TType,
    /// Value type.
    pub value: TType,
    /// Number of entries.
    pub len: usize,
}

impl MapHeader {
    /// A map header.
    #[inline]
    pub fn new(key: TType, value: TType, len: usize) -> Self {
        Self { key, value, len }
    }
}
