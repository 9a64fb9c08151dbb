//! [`Caller`]: how a generated client sends a call and gets its reply.
//!
//! A generated `FooClient<C>` is a thin, typed layer over a `C: Caller`: each method writes
//! its argument struct through [`Caller::send`] and, unless the call is oneway, decodes its
//! result struct through [`Caller::receive`]. [`Client`](crate::Client) is the caller over
//! one connection's reader and writer, used by one thread, where the reply is the next
//! message on the stream; other callers can route calls differently (many in flight on one
//! connection, each reply matched to its caller by sequence id).

use crate::codec::ReadThrift;
use crate::error::Result;
use crate::intercept::Interceptors;
use crate::protocol::ProtocolWriter;
use crate::ttype::MessageType;

/// Sends calls and receives their replies for a generated client.
pub trait Caller {
    /// The writer the argument struct is written to.
    type Writer: ProtocolWriter;
    /// What [`receive`](Caller::receive) needs to find the reply to a call
    /// [`send`](Caller::send) made.
    type Pending;

    /// Writes one call or oneway message on `channel`: header, the argument struct written by
    /// `write_args`, end. Returns what [`receive`](Caller::receive) needs (ignored for
    /// oneway calls).
    ///
    /// # Errors
    ///
    /// Whatever the protocol or transport reports.
    fn send(
        &mut self,
        method: &str,
        kind: MessageType,
        channel: u8,
        write_args: impl FnOnce(&mut Self::Writer) -> Result<()>,
    ) -> Result<Self::Pending>;

    /// Waits for the reply to the call `method` that [`send`](Caller::send) returned
    /// `pending` for, and decodes its result struct.
    ///
    /// # Errors
    ///
    /// [`Error::Application`](crate::Error::Application) when the peer answered with an
    /// exception or the reply does not answer this call; otherwise whatever the protocol or
    /// transport reports.
    fn receive<T: ReadThrift>(&mut self, method: &str, pending: Self::Pending) -> Result<T>;

    /// Whether calls can carry file descriptors (the IDL type `fd`). Generated clients ask
    /// before sending arguments that hold descriptors, so such a call fails with
    /// [`FdUnsupported`](crate::TransportErrorKind::FdUnsupported) before anything is
    /// written.
    fn can_carry_fds(&self) -> bool {
        false
    }

    /// The interceptors run around every call this caller makes (see
    /// [`intercept`](crate::intercept)); `None` (the default) when there are none.
    fn interceptors(&self) -> Option<&Interceptors> {
        None
    }

    /// The sequence id of the call `pending` is for, as interceptors see it (0 where the
    /// caller does not tell).
    fn seqid_of(pending: &Self::Pending) -> i32 {
        let _ = pending;
        0
    }
}
