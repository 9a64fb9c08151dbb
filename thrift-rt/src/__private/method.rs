//! One service function, end to end: what a processor's dispatch arm and a client method
//! reduce to. A dispatch arm is one [`serve`] call with a closure that calls the handler; a
//! client method is one [`call`] with a borrowed argument struct. The plumbing in between
//! (reading arguments, catching panics, sorting declared exceptions from other failures,
//! replying, unpacking the reply) is written here once.

use crate::application::ApplicationError;
use crate::client::Caller;
use crate::codec::{ReadThrift, WriteThrift};
use crate::error::{Error, Result};
use crate::intercept::{self, Call, ConnContext, Interceptors, Outcome, Side};
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{MessageHeader, MessageType};
use std::time::Instant;

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
    let Some(conn) = intercept::current() else {
        oneway_done(&header.name, catch_panic(&header.name, || handler(args)));
        return Ok(true);
    };
    let start = Instant::now();
    intercept::service_of(|service| {
        let call = server_call(header, service, &conn.peer);
        let outcome = match conn.interceptors.before(&call) {
            Err(refusal) => Err(refusal),
            Ok(()) => catch_panic(&header.name, || handler(args)),
        };
        let seen = match &outcome {
            Ok(Ok(())) => Outcome::Success,
            Ok(Err(e)) => Outcome::Failure(e),
            Err(e) => Outcome::Application(e),
        };
        conn.interceptors.after(&call, &seen, start.elapsed());
        oneway_done(&header.name, outcome);
    });
    Ok(true)
}

/// The result struct of a handler's outcome; an undeclared error comes back as `Err`.
/// The flag is whether it holds a declared exception (for interceptors).
fn returned<T, E: Exceptions>(outcome: Result<T, E>) -> Result<(Reply<T, E>, bool)> {
    match outcome {
        Ok(value) => Ok((
            Reply {
                success: Some(value),
                exception: None,
            },
            false,
        )),
        Err(e) => e.declared().map(|e| {
            (
                Reply {
                    success: None,
                    exception: Some(e),
                },
                true,
            )
        }),
    }
}

/// The result struct of a `void` handler's outcome; an undeclared error comes back as `Err`.
/// The flag is as for [`returned`].
fn returned_void<E: Exceptions>(outcome: Result<(), E>) -> Result<(VoidReply<E>, bool)> {
    match outcome {
        Ok(()) => Ok((VoidReply { exception: None }, false)),
        Err(e) => e
            .declared()
            .map(|e| (VoidReply { exception: Some(e) }, true)),
    }
}

/// Reads the arguments, runs the handler, and replies; with interceptors installed, they
/// run around the handler (see [`answer_intercepted`]).
fn answer<A, Res, R, W>(
    header: &MessageHeader,
    r: &mut R,
    w: &mut W,
    holds_fds: bool,
    handler: impl FnOnce(A) -> Result<(Res, bool)>,
) -> Result<bool>
where
    A: ReadThrift,
    Res: WriteThrift,
    R: ProtocolReader + ?Sized,
    W: ProtocolWriter + ?Sized,
{
    let args = read_args(header, r, w)?;
    if let Some(conn) = intercept::current() {
        return answer_intercepted(&conn, header, w, holds_fds, || handler(args));
    }
    let outcome = run_handler(header, || handler(args)).map(|(result, _)| result);
    send_reply(w, header, holds_fds, outcome)?;
    Ok(true)
}

/// Runs the handler, sorting a panic and an undeclared error into the exception to send.
fn run_handler<Res>(
    header: &MessageHeader,
    handler: impl FnOnce() -> Result<Res>,
) -> Result<Res, ApplicationError> {
    match catch_panic(&header.name, handler) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(e)) => Err(undeclared_error(&header.name, e)),
        Err(panic) => Err(panic),
    }
}

/// Writes the reply, checking first that descriptors can travel where it may hold some.
fn send_reply<Res: WriteThrift, W: ProtocolWriter + ?Sized>(
    w: &mut W,
    header: &MessageHeader,
    holds_fds: bool,
    outcome: Result<Res, ApplicationError>,
) -> Result<()> {
    if holds_fds {
        reply_with_fds(w, header, outcome)
    } else {
        reply(w, header, outcome)
    }
}

/// [`answer`] with the connection's interceptors around the handler: a refusal is sent
/// instead of running it.
#[inline(never)]
fn answer_intercepted<Res, W>(
    conn: &ConnContext,
    header: &MessageHeader,
    w: &mut W,
    holds_fds: bool,
    handler: impl FnOnce() -> Result<(Res, bool)>,
) -> Result<bool>
where
    Res: WriteThrift,
    W: ProtocolWriter + ?Sized,
{
    let start = Instant::now();
    intercept::service_of(|service| {
        let call = server_call(header, service, &conn.peer);
        let (outcome, declared) = match conn.interceptors.before(&call) {
            Err(refusal) => (Err(refusal), false),
            Ok(()) => match run_handler(header, handler) {
                Ok((result, declared)) => (Ok(result), declared),
                Err(e) => (Err(e), false),
            },
        };
        let exception = outcome.as_ref().err().cloned();
        let sent = send_reply(w, header, holds_fds, outcome);
        let seen = match (&sent, &exception) {
            (Err(e), _) => Outcome::Failure(e),
            (Ok(()), Some(e)) => Outcome::Application(e),
            (Ok(()), None) if declared => Outcome::Exception,
            (Ok(()), None) => Outcome::Success,
        };
        conn.interceptors.after(&call, &seen, start.elapsed());
        sent.map(|()| true)
    })
}

/// The call a server's interceptors see.
fn server_call<'a>(header: &'a MessageHeader, service: Option<&'a str>, peer: &'a str) -> Call<'a> {
    Call {
        side: Side::Server,
        service,
        method: &header.name,
        seqid: header.seqid,
        kind: header.kind,
        peer: Some(peer),
    }
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
    let reply: Reply<T, E> = exchange(
        caller,
        method,
        MessageType::Call,
        channel,
        args,
        |r: &Reply<T, E>| r.exception.is_some(),
    )?;
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
    let reply: VoidReply<E> = exchange(
        caller,
        method,
        MessageType::Call,
        channel,
        args,
        |r: &VoidReply<E>| r.exception.is_some(),
    )?;
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
    if let Some(interceptors) = caller.interceptors() {
        let interceptors = interceptors.clone();
        return intercepted(
            caller,
            &interceptors,
            method,
            MessageType::Oneway,
            |caller| match caller.send(method, MessageType::Oneway, channel, |w| args.write(w)) {
                Ok(pending) => (C::seqid_of(&pending), Ok(())),
                Err(e) => (0, Err(e)),
            },
            |()| false,
        );
    }
    caller.send(method, MessageType::Oneway, channel, |w| args.write(w))?;
    Ok(())
}

/// Sends a call and receives its result struct `Res`, with the caller's interceptors
/// around it if it has any; `declared` tells whether a result holds a declared exception.
fn exchange<C, A, Res>(
    caller: &mut C,
    method: &str,
    kind: MessageType,
    channel: u8,
    args: &A,
    declared: impl Fn(&Res) -> bool,
) -> Result<Res>
where
    C: Caller,
    A: WriteThrift + ?Sized,
    Res: ReadThrift,
{
    if let Some(interceptors) = caller.interceptors() {
        let interceptors = interceptors.clone();
        return intercepted(
            caller,
            &interceptors,
            method,
            kind,
            |caller| match caller.send(method, kind, channel, |w| args.write(w)) {
                Ok(pending) => (C::seqid_of(&pending), caller.receive(method, pending)),
                Err(e) => (0, Err(e)),
            },
            declared,
        );
    }
    let pending = caller.send(method, kind, channel, |w| args.write(w))?;
    caller.receive(method, pending)
}

/// Runs `exchange` (which returns the call's sequence id, 0 if it was not sent, and its
/// result) between the interceptors' hooks; a refusal fails the call before anything is
/// sent.
#[inline(never)]
fn intercepted<C, V>(
    caller: &mut C,
    interceptors: &Interceptors,
    method: &str,
    kind: MessageType,
    exchange: impl FnOnce(&mut C) -> (i32, Result<V>),
    declared: impl Fn(&V) -> bool,
) -> Result<V> {
    let start = Instant::now();
    let mut call = Call {
        side: Side::Client,
        service: None,
        method,
        seqid: 0,
        kind,
        peer: None,
    };
    if let Err(refusal) = interceptors.before(&call) {
        interceptors.after(&call, &Outcome::Application(&refusal), start.elapsed());
        return Err(Error::Application(refusal));
    }
    let (seqid, result) = exchange(caller);
    call.seqid = seqid;
    let seen = match &result {
        Ok(value) => {
            if declared(value) {
                Outcome::Exception
            } else {
                Outcome::Success
            }
        }
        Err(Error::Application(e)) => Outcome::Application(e),
        Err(e) => Outcome::Failure(e),
    };
    interceptors.after(&call, &seen, start.elapsed());
    result
}
