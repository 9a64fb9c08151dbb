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
use crate::trace::{self, span::CallSpan};
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
    let span = CallSpan::server(&header.name, header.seqid, header.kind);
    let conn = intercept::current();
    if conn.is_none() && !span.is_active() {
        oneway_done(&header.name, catch_panic(&header.name, || handler(args)));
        return Ok(true);
    }
    serve_observed(conn.as_deref(), &span, header, |before, report| {
        let outcome = match before {
            Err(refusal) => Err(refusal),
            Ok(()) => catch_panic(&header.name, || handler(args)),
        };
        report(&match &outcome {
            Ok(Ok(())) => Outcome::Success,
            Ok(Err(e)) => Outcome::Failure(e),
            Err(e) => Outcome::Application(e),
        });
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

/// Reads the arguments, runs the handler, and replies; with interceptors installed or a
/// subscriber wanting the call's span, they see it (see [`serve_observed`]).
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
    let span = CallSpan::server(&header.name, header.seqid, header.kind);
    let conn = intercept::current();
    if conn.is_none() && !span.is_active() {
        let outcome = run_handler(header, || handler(args)).map(|(result, _)| result);
        send_reply(w, header, holds_fds, outcome)?;
        return Ok(true);
    }
    serve_observed(conn.as_deref(), &span, header, |before, report| {
        let (outcome, declared) = match before {
            Err(refusal) => (Err(refusal), false),
            Ok(()) => match run_handler(header, || handler(args)) {
                Ok((result, declared)) => (Ok(result), declared),
                Err(e) => (Err(e), false),
            },
        };
        let exception = outcome.as_ref().err().cloned();
        let sent = send_reply(w, header, holds_fds, outcome);
        report(&match (&sent, &exception) {
            (Err(e), _) => Outcome::Failure(e),
            (Ok(()), Some(e)) => Outcome::Application(e),
            (Ok(()), None) if declared => Outcome::Exception,
            (Ok(()), None) => Outcome::Success,
        });
        sent.map(|()| true)
    })
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

/// Serves a call with its span entered and the connection's interceptors (if any) around
/// it: `body` gets the verdict of the `before` hooks (a refusal is sent instead of running
/// the handler) and a `report` to call with the outcome, which ends the span and runs the
/// `after` hooks.
#[inline(never)]
fn serve_observed<T>(
    conn: Option<&ConnContext>,
    span: &CallSpan,
    header: &MessageHeader,
    body: impl FnOnce(Result<(), ApplicationError>, &mut dyn FnMut(&Outcome<'_>)) -> T,
) -> T {
    let start = Instant::now();
    span.in_scope(|| {
        intercept::service_of(|service| {
            span.service(service);
            let call = Call {
                side: Side::Server,
                service,
                method: &header.name,
                seqid: header.seqid,
                kind: header.kind,
                peer: conn.map(|c| &*c.peer),
            };
            let before = conn.map_or(Ok(()), |c| c.interceptors.before(&call));
            let mut report = |outcome: &Outcome<'_>| {
                span.finish(outcome.name());
                if let Some(c) = conn {
                    c.interceptors.after(&call, outcome, start.elapsed());
                }
            };
            body(before, &mut report)
        })
    })
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
    observed(
        caller,
        method,
        MessageType::Oneway,
        channel,
        args,
        |_, _| Ok(()),
        |()| false,
    )
}

/// Sends a call and receives its result struct `Res` (see [`observed`]). `declared` tells
/// whether a result holds a declared exception.
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
    observed(
        caller,
        method,
        kind,
        channel,
        args,
        |caller, pending| caller.receive(method, pending),
        declared,
    )
}

/// Sends a call, then `finish`es it (receives the reply, or nothing for a oneway call); with
/// interceptors installed, a subscriber wanting the call's span or a trace to carry, they see
/// it (see [`intercepted`]). Nothing of that is touched on the plain path.
fn observed<C, A, V>(
    caller: &mut C,
    method: &str,
    kind: MessageType,
    channel: u8,
    args: &A,
    finish: impl FnOnce(&mut C, C::Pending) -> Result<V>,
    declared: impl Fn(&V) -> bool,
) -> Result<V>
where
    C: Caller,
    A: WriteThrift + ?Sized,
{
    let span = CallSpan::client(method, kind);
    let interceptors = caller.interceptors().cloned();
    if interceptors.is_none() && !span.is_active() && trace::current().is_none() {
        let pending = caller.send(method, kind, channel, |w| args.write(w))?;
        return finish(caller, pending);
    }
    trace::propagate(|| {
        intercepted(
            caller,
            interceptors.as_ref(),
            &span,
            method,
            kind,
            |caller| match caller.send(method, kind, channel, |w| args.write(w)) {
                Ok(pending) => (C::seqid_of(&pending), finish(caller, pending)),
                Err(e) => (0, Err(e)),
            },
            declared,
        )
    })
}

/// Runs `exchange` (which returns the call's sequence id, 0 if it was not sent, and its
/// result) inside the call's span and between the interceptors' hooks; a refusal fails the
/// call before anything is sent.
#[inline(never)]
fn intercepted<C, V>(
    caller: &mut C,
    interceptors: Option<&Interceptors>,
    span: &CallSpan,
    method: &str,
    kind: MessageType,
    exchange: impl FnOnce(&mut C) -> (i32, Result<V>),
    declared: impl Fn(&V) -> bool,
) -> Result<V> {
    let start = Instant::now();
    span.in_scope(|| {
        let mut call = Call {
            side: Side::Client,
            service: None,
            method,
            seqid: 0,
            kind,
            peer: None,
        };
        if let Some(Err(refusal)) = interceptors.map(|i| i.before(&call)) {
            let outcome = Outcome::Application(&refusal);
            span.finish(outcome.name());
            if let Some(i) = interceptors {
                i.after(&call, &outcome, start.elapsed());
            }
            return Err(Error::Application(refusal));
        }
        let (seqid, result) = exchange(caller);
        call.seqid = seqid;
        span.seqid(seqid);
        let seen = match &result {
            Ok(value) if declared(value) => Outcome::Exception,
            Ok(_) => Outcome::Success,
            Err(Error::Application(e)) => Outcome::Application(e),
            Err(e) => Outcome::Failure(e),
        };
        span.finish(seen.name());
        if let Some(i) = interceptors {
            i.after(&call, &seen, start.elapsed());
        }
        result
    })
}
