//! The THeader transport (Apache's `THeaderTransport`, magic `0x0FFF`): frames carrying a
//! payload protocol id, transforms (zlib) and key-value info headers, and a server side
//! that also answers unframed and framed binary and compact clients on the same connection
//! type, deciding from their first bytes.
//!
//! ```text
//!   u32 length (of everything after it) | u16 0x0FFF | u16 flags | u32 seqid
//!   | u16 header size in 4-byte words | header | payload
//!   header: varint protocol id (0 binary, 2 compact) | varint transform count | varint ids
//!           | info blocks (id 1: varint count, then key and value as varint length + bytes)
//!           | zero padding to a 4-byte boundary
//! ```
//!
//! - [`HeaderReader`] is the [`Source`](super::Source): it reads one message per frame (or
//!   streams an unframed client's bytes), undoes the transforms, and tells the protocol which
//!   payload protocol the frame names ([`Source::payload_protocol`](super::Source::payload_protocol))
//!   and the server which info headers came with it.
//! - [`HeaderWriter`] is the [`Sink`](super::Sink): it writes each message in a THeader frame
//!   (calls), or as the call it answers came (replies: the same client type, payload protocol
//!   and transforms), with the header written in front of the payload in the same buffer
//!   when no transform is used, so a message costs one copy into the socket.
//! - The two halves of a connection share what the last call was like ([`Transport::open`]);
//!   the payload protocol of each frame is followed by
//!   [`HeaderProtocol`](crate::stack::HeaderProtocol).
//!
//! Detection (from the first four bytes `w` of a message, as Apache's THeader servers do):
//! `w & 0xFFFF0000 == 0x80010000` is an unframed binary client; first byte `0x82` with
//! version 1 is an unframed compact client (both fixed for the connection: nothing marks
//! where their messages end but the protocol); otherwise `w` is a frame length and the
//! frame's first word decides: binary or compact version (framed binary or compact), or
//! `0x0FFF` magic (THeader). Anything else is refused.
//!
//! [`Transport::open`]: crate::stack::Transport::open

mod frame;
mod reader;
mod writer;
mod zlib;

use std::sync::{Arc, Mutex, PoisonError};

pub use reader::HeaderReader;
pub use writer::HeaderWriter;

pub(crate) use frame::message_len;
/// Parsing one frame on its own, for tools and tests that look at THeader bytes.
pub use frame::{ParsedFrame, parse_frame};

/// The magic number in the first two bytes after a THeader frame's length.
pub const MAGIC: u16 = 0x0FFF;
/// The transform id of zlib (zlib-wrapped deflate).
pub const ZLIB: u32 = 1;
/// The info block id of key-value headers.
pub const KEY_VALUE: u32 = 1;

/// The protocol of a THeader frame's payload (the header's protocol id).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PayloadProtocol {
    /// `TBinaryProtocol` (id 0).
    #[default]
    Binary,
    /// `TCompactProtocol` (id 2).
    Compact,
}

impl PayloadProtocol {
    /// The id in the header.
    pub fn id(self) -> u32 {
        match self {
            Self::Binary => 0,
            Self::Compact => 2,
        }
    }

    /// The protocol of an id; `None` for ids we cannot read (JSON's 1, unknown ones).
    pub fn from_id(id: u32) -> Option<Self> {
        match id {
            0 => Some(Self::Binary),
            2 => Some(Self::Compact),
            _ => None,
        }
    }
}

/// How a peer frames its messages: a THeader client, or one of the four kinds of legacy
/// clients a THeader server answers in their own dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientType {
    /// THeader frames.
    Header,
    /// Framed (4-byte length), binary or compact.
    Framed(PayloadProtocol),
    /// Unframed (buffered), binary or compact.
    Unframed(PayloadProtocol),
}

/// What the last message read on a connection was like, so that its reply goes out the same
/// way; shared by the two halves of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dialect {
    pub(crate) client: ClientType,
    pub(crate) protocol: PayloadProtocol,
    pub(crate) zlib: bool,
}

/// The state the reader and the writer of one connection share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    last_read: Mutex<Option<Dialect>>,
}

impl Shared {
    pub(crate) fn new() -> Arc<Self> {
        Arc::default()
    }

    pub(crate) fn set(&self, dialect: Dialect) {
        *self
            .last_read
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(dialect);
    }

    pub(crate) fn get(&self) -> Option<Dialect> {
        *self
            .last_read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Settings of the THeader transport, the same for every connection opened with it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Config {
    /// Compress calls with zlib.
    pub(crate) zlib: bool,
    /// Headers sent with every call.
    pub(crate) headers: crate::header::InfoHeaders,
    /// Each message inside a plain frame of its own (Apache's THeader over
    /// `TFramedTransport`, which its test programs make of `--transport=framed`).
    pub(crate) outer_frames: bool,
}
