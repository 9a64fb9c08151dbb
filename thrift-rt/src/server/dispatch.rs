//! [`ConnectionProcessor`] and [`ServerIo`]: how a server hands a message to a processor
//! without giving up static dispatch.
//!
//! [`Processor::process`] is generic over the reader and writer, so it cannot be called
//! through a trait object. A server, though, only ever builds nine reader/writer pairs (three
//! protocols × three transports over a [`Stream`](crate::transport::Stream)); [`ServerIo`] names them. A
//! [`ConnectionProcessor`] takes one `ServerIo` per message: the blanket implementation for
//! every [`Processor`] matches on it once and calls `process` with the concrete pair, so every
//! value is read and written with static dispatch. `ConnectionProcessor` is object-safe, which
//! is what lets the [`MultiplexedProcessor`](super::MultiplexedProcessor) keep processors of
//! different types in one map: the price is one virtual call and one match per message.

use crate::error::Result;
use crate::processor::Processor;
use crate::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
};
#[cfg(unix)]
use crate::transport::fd::{FdFramedReader, FdFramedWriter};
use crate::transport::{BufferedReader, BufferedWriter, FramedReader, FramedWriter};
use crate::ttype::MessageHeader;

use super::deadline::{ReadHalf, WriteHalf};

/// The source of a buffered connection.
pub type BufferedIn = BufferedReader<ReadHalf>;
/// The sink of a buffered connection.
pub type BufferedOut = BufferedWriter<WriteHalf>;
/// The source of a framed connection (the buffered reader only buffers the frames' bytes;
/// unlike `std::io::BufReader`, it can free its buffer while the connection is idle).
pub type FramedIn = FramedReader<BufferedReader<ReadHalf>>;
/// The sink of a framed connection.
pub type FramedOut = FramedWriter<WriteHalf>;
/// The source of an fd-transport connection.
#[cfg(unix)]
pub type FdIn = FdFramedReader<ReadHalf>;
/// The sink of an fd-transport connection.
#[cfg(unix)]
pub type FdOut = FdFramedWriter<WriteHalf>;

/// The reader and writer of one server connection, for each protocol and transport.
#[derive(Debug)]
#[allow(missing_docs)] // Each variant is named after its protocol and transport.
pub enum ServerIo<'a> {
    BinaryBuffered(
        &'a mut BinaryReader<BufferedIn>,
        &'a mut BinaryWriter<BufferedOut>,
    ),
    BinaryFramed(
        &'a mut BinaryReader<FramedIn>,
        &'a mut BinaryWriter<FramedOut>,
    ),
    CompactBuffered(
        &'a mut CompactReader<BufferedIn>,
        &'a mut CompactWriter<BufferedOut>,
    ),
    CompactFramed(
        &'a mut CompactReader<FramedIn>,
        &'a mut CompactWriter<FramedOut>,
    ),
    JsonBuffered(
        &'a mut JsonReader<BufferedIn>,
        &'a mut JsonWriter<BufferedOut>,
    ),
    JsonFramed(&'a mut JsonReader<FramedIn>, &'a mut JsonWriter<FramedOut>),
    #[cfg(unix)]
    BinaryFd(&'a mut BinaryReader<FdIn>, &'a mut BinaryWriter<FdOut>),
    #[cfg(unix)]
    CompactFd(&'a mut CompactReader<FdIn>, &'a mut CompactWriter<FdOut>),
    #[cfg(unix)]
    JsonFd(&'a mut JsonReader<FdIn>, &'a mut JsonWriter<FdOut>),
}

/// Runs `$body` with `$r` and `$w` bound to the concrete reader and writer of a [`ServerIo`].
macro_rules! with_io {
    ($io:expr, |$r:ident, $w:ident| $body:expr) => {
        match $io {
            $crate::server::ServerIo::BinaryBuffered($r, $w) => $body,
            $crate::server::ServerIo::BinaryFramed($r, $w) => $body,
            $crate::server::ServerIo::CompactBuffered($r, $w) => $body,
            $crate::server::ServerIo::CompactFramed($r, $w) => $body,
            $crate::server::ServerIo::JsonBuffered($r, $w) => $body,
            $crate::server::ServerIo::JsonFramed($r, $w) => $body,
            #[cfg(unix)]
            $crate::server::ServerIo::BinaryFd($r, $w) => $body,
            #[cfg(unix)]
            $crate::server::ServerIo::CompactFd($r, $w) => $body,
            #[cfg(unix)]
            $crate::server::ServerIo::JsonFd($r, $w) => $body,
        }
    };
}
pub(crate) use with_io;

/// What a server runs: handles one message whose header was read, on the connection's
/// reader and writer.
///
/// Every [`Processor`] is one. Implement it directly only for something that routes
/// messages, like [`MultiplexedProcessor`](super::MultiplexedProcessor).
pub trait ConnectionProcessor: Send + Sync {
    /// Handles one message, as [`Processor::process`] does.
    ///
    /// # Errors
    ///
    /// When the connection can no longer be used.
    fn process_message(&self, header: &MessageHeader, io: ServerIo<'_>) -> Result<()>;
}

impl<P: Processor> ConnectionProcessor for P {
    #[inline]
    fn process_message(&self, header: &MessageHeader, io: ServerIo<'_>) -> Result<()> {
        with_io!(io, |r, w| self.process(header, r, w))
    }
}
