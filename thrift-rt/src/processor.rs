//! [`Processor`]: the server side of a service, implemented by generated code.
//!
//! A server reads a message header, picks a processor and hands it the rest of the message.
//! The processor reads the arguments, calls the handler the application wrote, and writes the
//! reply. Generated processors implement this trait for any protocol pair, so the protocol is
//! chosen when the server is built and every value is read with static dispatch.
//!
//! The shared bodies of generated processors (reading arguments, mapping handler failures to
//! `TApplicationException`, catching panics, writing replies) are in the hidden `__private`
//! module: they are for generated code only.

use crate::error::Result;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::MessageHeader;

/// Serves the calls of one service (or, for a multiplexed processor, of several).
///
/// `process` is called after the message header was read; it reads the rest of the message,
/// and for calls writes and flushes the reply. An `Err` means the connection can no longer be
/// used (the stream broke or the request could not be decoded); failures of the handler itself
/// are sent to the client as `TApplicationException`s and return `Ok`.
pub trait Processor: Send + Sync {
    /// The channel the service is declared on (`service Foo channel N`; 0 without one).
    /// [Endpoints](crate::endpoint) route incoming calls by it; ordinary servers ignore it.
    const CHANNEL: u8 = 0;

    /// Handles one incoming message whose header is `header`.
    ///
    /// # Errors
    ///
    /// When reading the request or writing the reply fails; the caller should close the
    /// connection.
    fn process<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Result<()>;
}

impl<P: Processor + ?Sized> Processor for std::sync::Arc<P> {
    const CHANNEL: u8 = P::CHANNEL;

    fn process<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Result<()> {
        (**self).process(header, r, w)
    }
}

/// Serves the messages of one connection with `processor` until the peer closes it cleanly
/// between messages.
///
/// This is the loop inside every server; use it directly for a connection you accepted
/// yourself.
///
/// # Errors
///
/// The first error that makes the connection unusable (see [`Processor::process`]).
pub fn serve<P: Processor + ?Sized, R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
    processor: &P,
    r: &mut R,
    w: &mut W,
) -> Result<()> {
    while r.has_message()? {
        let header = r.read_message_begin()?;
        processor.process(&header, r, w)?;
    }
    Ok(())
}
