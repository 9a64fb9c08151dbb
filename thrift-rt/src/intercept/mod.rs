//! Interceptors: synchronous hooks that run before and after every call a server, an
//! endpoint or a client makes or serves, for authentication, metrics and logging.
//!
//! An [`Interceptor`] sees each call as a [`Call`] (side, service where known, method,
//! sequence id, message kind, peer address) and, after it, its [`Outcome`] and duration.
//! Everything else about the call is in the thread-locals the server sets around it, which
//! are also set while interceptors run: the Unix peer's credentials
//! ([`peer::current`](crate::peer::current)), the TLS identity
//! ([`layer::current_peer_identity`](crate::layer::current_peer_identity)) and the THeader
//! info headers ([`header::current`](crate::header::current)).
//!
//! [`Interceptor::before`] may refuse a call with an [`ApplicationError`]: on a server the
//! handler is not run and the client gets that exception; on a client nothing is sent and
//! the call fails with it.
//!
//! Install them with [`server::Builder::interceptor`](crate::server::Builder::interceptor),
//! [`endpoint::Builder::interceptor`](crate::endpoint::Builder::interceptor),
//! [`client::shared::Builder::interceptor`](crate::client::shared::Builder::interceptor) or
//! [`Client::with_interceptor`](crate::Client::with_interceptor):
//!
//! ```
//! use thrift_rt::intercept::{Call, Interceptor};
//! use thrift_rt::{ApplicationError, ApplicationErrorKind};
//!
//! /// Lets in only calls that carry the right token in a THeader info header.
//! struct Token(&'static str);
//!
//! impl Interceptor for Token {
//!     fn before(&self, _call: &Call<'_>) -> Result<(), ApplicationError> {
//!         let headers = thrift_rt::header::current();
//!         match headers.as_deref().and_then(|h| h.get("token")) {
//!             Some(t) if t == self.0 => Ok(()),
//!             _ => Err(ApplicationError::new(ApplicationErrorKind::Unknown, "not authorized")),
//!         }
//!     }
//! }
//! # let _ = thrift_rt::server::Builder::new().interceptor(Token("secret"));
//! ```
//!
//! # Cost
//!
//! With none installed, a served call costs one thread-local read more and a client call one
//! field check; the hooks are called through `dyn Interceptor` (once per call and
//! interceptor, never per value).

mod context;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::application::ApplicationError;
use crate::error::Error;
use crate::ttype::MessageType;

pub(crate) use context::{ConnContext, ServiceName, current, enter, enter_service, service_of};

/// Hooks run around every call; see the [module documentation](self).
pub trait Interceptor: Send + Sync + 'static {
    /// Runs before the call: on a server after its arguments were read and before the
    /// handler runs, on a client before anything is sent. An `Err` refuses the call.
    ///
    /// # Errors
    ///
    /// The exception that refuses the call: a server sends it to the client instead of
    /// running the handler; a client returns it as [`Error::Application`].
    fn before(&self, call: &Call<'_>) -> Result<(), ApplicationError> {
        let _ = call;
        Ok(())
    }

    /// Runs after the call with its outcome and how long it took (from just before the
    /// `before` hooks to the end of the reply, on a server, or to the reply received, on a
    /// client). It runs for every call, refused ones included.
    fn after(&self, call: &Call<'_>, outcome: &Outcome<'_>, elapsed: Duration) {
        let _ = (call, outcome, elapsed);
    }
}

/// Which end of a call an interceptor runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A server or endpoint serving a call it received.
    Server,
    /// A client making a call.
    Client,
}

/// A call as interceptors see it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Call<'a> {
    /// Which end this is.
    pub side: Side,
    /// The service: on a server, the name a multiplexed call was addressed to or the IDL
    /// name of the generated processor serving it; on a client, `None` (the method name then
    /// carries a multiplexed prefix, if any).
    pub service: Option<&'a str>,
    /// The method name, as the message header has it.
    pub method: &'a str,
    /// The sequence id (0 where the client's caller does not tell).
    pub seqid: i32,
    /// [`MessageType::Call`] or [`MessageType::Oneway`].
    pub kind: MessageType,
    /// The peer's address: `Some` on servers and endpoints, `None` on clients.
    pub peer: Option<&'a str>,
}

/// How a call ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The handler returned a value (or, for oneway calls, the message was handled or sent).
    Success,
    /// The handler returned an exception the IDL declares.
    Exception,
    /// A `TApplicationException`: sent by the server (an undeclared error, a panic, a refusal
    /// by an interceptor) or, on a client, received from it.
    Application(&'a ApplicationError),
    /// The transport or protocol failed (or, on a server, the handler of a oneway call did).
    Failure(&'a Error),
}

impl Outcome<'_> {
    /// A short name for logs and metrics: `ok`, `exception`, `application_error`, `failure`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Success => "ok",
            Outcome::Exception => "exception",
            Outcome::Application(_) => "application_error",
            Outcome::Failure(_) => "failure",
        }
    }
}

/// An ordered list of interceptors; cheap to clone (one shared list).
#[derive(Clone, Default)]
pub struct Interceptors {
    list: Option<Arc<[Arc<dyn Interceptor>]>>,
}

impl Interceptors {
    /// No interceptors.
    pub fn new() -> Self {
        Self::default()
    }

    /// The list with `interceptor` added after the others (its `before` runs after theirs).
    #[must_use]
    pub fn with(self, interceptor: impl Interceptor) -> Self {
        self.with_arc(Arc::new(interceptor))
    }

    /// As [`with`](Self::with), for an interceptor already shared.
    #[must_use]
    pub fn with_arc(self, interceptor: Arc<dyn Interceptor>) -> Self {
        let mut list: Vec<Arc<dyn Interceptor>> = self.list.as_deref().unwrap_or(&[]).to_vec();
        list.push(interceptor);
        Self {
            list: Some(list.into()),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_none()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.list.as_deref().map_or(0, <[_]>::len)
    }

    /// Runs the `before` hooks in order; the first refusal stops them.
    ///
    /// # Errors
    ///
    /// The first refusal.
    pub fn before(&self, call: &Call<'_>) -> Result<(), ApplicationError> {
        for i in self.list.as_deref().unwrap_or(&[]) {
            i.before(call)?;
        }
        Ok(())
    }

    /// Runs the `after` hooks in reverse order (the first installed sees the call last).
    pub fn after(&self, call: &Call<'_>, outcome: &Outcome<'_>, elapsed: Duration) {
        for i in self.list.as_deref().unwrap_or(&[]).iter().rev() {
            i.after(call, outcome, elapsed);
        }
    }
}

impl fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Interceptors({})", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::ApplicationErrorKind;
    use std::sync::Mutex;

    struct Log(Arc<Mutex<Vec<String>>>, &'static str, bool);

    impl Interceptor for Log {
        fn before(&self, call: &Call<'_>) -> Result<(), ApplicationError> {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} before {}", self.1, call.method));
            if self.2 {
                return Err(ApplicationError::new(ApplicationErrorKind::Unknown, "no"));
            }
            Ok(())
        }
        fn after(&self, call: &Call<'_>, outcome: &Outcome<'_>, _: Duration) {
            let line = format!("{} after {} {}", self.1, call.method, outcome.name());
            self.0.lock().unwrap().push(line);
        }
    }

    #[test]
    fn before_in_order_after_in_reverse_and_the_first_refusal_stops() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let list = Interceptors::new()
            .with(Log(Arc::clone(&log), "a", false))
            .with(Log(Arc::clone(&log), "b", true))
            .with(Log(Arc::clone(&log), "c", false));
        assert_eq!(list.len(), 3);
        let call = Call {
            side: Side::Server,
            service: None,
            method: "get",
            seqid: 1,
            kind: MessageType::Call,
            peer: None,
        };
        let refusal = list.before(&call).unwrap_err();
        assert_eq!(refusal.message, "no");
        list.after(&call, &Outcome::Application(&refusal), Duration::ZERO);
        assert_eq!(
            *log.lock().unwrap(),
            [
                "a before get",
                "b before get",
                "c after get application_error",
                "b after get application_error",
                "a after get application_error",
            ]
        );
        assert!(Interceptors::new().is_empty());
    }
}
