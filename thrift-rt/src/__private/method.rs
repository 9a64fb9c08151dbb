//! One service function, end to end: what a processor's dispatch arm and a client method
//! reduce to. A dispatch arm is one [`serve`] call with a closure that calls the handler; a
//! client method is one [`call`] with a borrowed argument struct. The plumbing in between
//! (reading arguments, catching panics, sorting declared exceptions from other failures,
//! replying, unpacking the reply) is written here once.

use crate::application::ApplicationError;
use crate::client::Caller;
use crate::codec::{ReadThrift, WriteThrift};
use crate::error::Result;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{MessageHeader, MessageType};

use super::reply::{Exceptions, Reply, VoidReply};
use super::service::{
    catch_panic, missing_result, oneway_done, read_args, reply, reply_with_fds, undeclared_error,
};

/// Defines a `serve` function: the value kind (`T`) or the `void` kind, with or without the
/// check that the reply's descriptors can travel. The four differ in nothing else.
macro_rules! serve_fn {
    ($(#[$doc:meta])* $name:ident, value, $fds:literal) => {
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// When the arguments cannot be read or the reply cannot be written.
        pub fn $name<A, T, E, R, W>(
            header: &MessageHeader,
            r: &mut R,
            w: &mut W,
            handler: impl FnOnce(A) -> Result<T, E>,
        ) -> Result<bool>
        where
            A: ReadThrift,
            T: WriteThrift,
            E: Exceptions,
            R: ProtocolReader + ?Sized,
            W: ProtocolWriter + ?Sized,
        {
            answer(header, r, w, $fds, |args| returned(handler(args)))
        }
    };
    ($(#[$doc:meta])* $name:ident, void, $fds:literal) => {
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// When the arguments cannot be read or the reply cannot be written.
        pub fn $name<A, E, R, W>(
            header: &MessageHeader,
            r: &mut R,
            w: &mut W,
            handler: impl FnOnce(A) -> Result<(), E>,
        ) -> Result<bool>
        where
            A: ReadThrift,
            E: Exceptions,
            R: ProtocolReader + ?Sized,
            W: ProtocolWriter + ?Sized,
        {
            answer(header, r, w, $fds, |args| returned_void(handler(args)))
        }
    };
}

serve_fn!(
    /// Serves a call of a function that returns a value: reads the arguments `A`, runs
    /// `handler` (a panic becomes `INTERNAL_ERROR`), and replies with the value or the declared
    /// exception, or an exception message for any other error. Returns `Ok(true)`: the call
    /// was served.
    serve, value, false
);
serve_fn!(
    /// As [`serve`], for a function whose result can hold file descriptors: where the
    /// connection cannot carry them, an `INTERNAL_ERROR` exception goes back instead.
    serve_fds, value, true
);
serve_fn!(
    /// As [`serve`], for a `void` function.
    serve_void, void, false
);
serve_fn!(
    /// As [`serve_void`], for a function whose exceptions can hold file descriptors (see
    /// [`serve_fds`]).
    serve_void_fds, void, true
);

/// Serves a oneway call: reads the arguments and runs `handler`; a failure is logged, as
/// there is nobody to tell.
///
/// # Errors
///
/// When the arguments cannot be read.
pub fn serve_oneway<A, R, W>(
    header: &MessageHeader,
    r: &mut R,
    w: &mut W,
    handler: impl FnOnce(A) -> Result<()>,
) -> Result<bool>
where
    A: ReadThrift,
    R: ProtocolReader + ?Sized,
    W: ProtocolWriter + ?Sized,
{
    let args = read_args(header, r, w)?;
    oneway_done(&header.name, catch_panic(&header.name, || handler(args)));
    Ok(true)
}

/// The result struct of a handler's outcome; an undeclared error comes back as `Err`.
fn returned<T, E: Exceptions>(outcome: Result<T, E>) -> Result<Reply<T, E>> {
    match outcome {
        Ok(value) => Ok(Reply {
            success: Some(value),
            exception: None,
        }),
        Err(e) => e.declared().map(|e| Reply {
            success: None,
            exception: Some(e),
        }),
    }
}

/// The result struct of a `void` handler's outcome; an undeclared error comes back as `Err`.
fn returned_void<E: Exceptions>(outcome: Result<(), E>) -> Result<VoidReply<E>> {
    match outcome {
        Ok(()) => Ok(VoidReply { exception: None }),
        Err(e) => e.declared().map(|e| VoidReply { exception: Some(e) }),
    }
}

/// Reads the arguments, runs the handler, and replies.
fn answer<A, Res, R, W>(
    header: &MessageHeader,
    r: &mut R,
    w: &mut W,
    holds_fds: bool,
    handler: impl FnOnce(A) -> Result<Res>,
) -> Result<bool>
where
    A: ReadThrift,
    Res: WriteThrift,
    R: ProtocolReader + ?Sized,
    W: ProtocolWriter + ?Sized,
{
    let args = read_args(header, r, w)?;
    let outcome: Result<Res, ApplicationError> = match catch_panic(&header.name, || handler(args)) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(e)) => Err(undeclared_error(&header.name, e)),
        Err(panic) => Err(panic),
    };
    if holds_fds {
        reply_with_fds(w, header, outcome)?;
    } else {
        reply(w, header, outcome)?;
    }
    Ok(true)
}

/// Calls `method` with `args` on `channel` and waits for the reply: the returned value, the
/// declared exception, or the failure.
///
/// # Errors
///
/// A declared exception, or any transport, protocol or application error as `E`'s `Thrift`
/// variant.
pub fn call<C, A, T, E>(caller: &mut C, method: &str, channel: u8, args: &A) -> Result<T, E>
where
    C: Caller,
    A: WriteThrift + ?Sized,
    T: ReadThrift,
    E: Exceptions,
{
    let pending = caller.send(method, MessageType::Call, channel, |w| args.write(w))?;
    let reply: Reply<T, E> = caller.receive(method, pending)?;
    match reply {
        Reply {
            exception: Some(e), ..
        } => Err(e),
        Reply {
            success: Some(value),
            ..
        } => Ok(value),
        _ => Err(missing_result(method).into()),
    }
}

/// As [`call`], for a `void` function.
///
/// # Errors
///
/// As [`call`].
pub fn call_void<C, A, E>(caller: &mut C, method: &str, channel: u8, args: &A) -> Result<(), E>
where
    C: Caller,
    A: WriteThrift + ?Sized,
    E: Exceptions,
{
    let pending = caller.send(method, MessageType::Call, channel, |w| args.write(w))?;
    let reply: VoidReply<E> = caller.receive(method, pending)?;
    reply.exception.map_or(Ok(()), Err)
}

/// Sends a oneway call; nothing comes back.
///
/// # Errors
///
/// Whatever the protocol or transport reports.
pub fn call_oneway<C, A>(caller: &mut C, method: &str, channel: u8, args: &A) -> Result<()>
where
    C: Caller,
    A: WriteThrift + ?Sized,
{
    caller.send(method, MessageType::Oneway, channel, |w| args.write(w))?;
    Ok(())
}
