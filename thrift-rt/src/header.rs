//! THeader key-value info headers, for handlers and for clients.
//!
//! A THeader frame (see [`transport::header`](crate::transport::header)) may carry key-value
//! *info headers* next to the message: request ids, trace context, a client's name.
//!
//! **Handlers** read the headers of the call they are handling with [`current`], a
//! thread-local set by the server around each call read from a THeader frame (on every server
//! kind), like [`peer::current`](crate::peer::current) for Unix-socket credentials:
//!
//! ```
//! fn handle() -> String {
//!     thrift_rt::header::current()
//!         .and_then(|h| h.get("request-id").map(str::to_owned))
//!         .unwrap_or_default()
//! }
//! # assert_eq!(handle(), "");
//! ```
//!
//! **Clients** send headers per connection and per call:
//!
//! - per connection: [`stack::Header::header`](crate::stack::Header::header) for every
//!   connection opened with that transport, or
//!   [`HeaderWriter::headers_mut`](crate::transport::header::HeaderWriter::headers_mut) on one
//!   connection's sink (reached from a generated client through `caller_mut()`, the client's
//!   writer and `get_mut()`; [`AnySink::header_mut`](crate::stack::AnySink::header_mut) for a
//!   client made from `ClientOptions`);
//! - per call: [`with_call_headers`], which adds headers to every THeader message this
//!   thread writes inside the closure, whatever the client type:
//!
//! ```
//! use thrift_rt::header::{InfoHeaders, with_call_headers};
//!
//! let mut headers = InfoHeaders::new();
//! headers.insert("request-id", "42");
//! let reply = with_call_headers(&headers, || {
//!     // client.get_user(7)
//!     "reply"
//! });
//! # assert_eq!(reply, "reply");
//! ```
//!
//! A call header with the same key as a connection header replaces it for that call.
//! Why a thread-local for handlers: handler traits stay what the IDL says, and the same
//! handler serves THeader and other clients; the headers do not follow work a handler moves
//! to another thread by itself (`current()` returns an `Arc` to carry along). Channel
//! endpoints over the THeader transport set it too, on the thread that runs each call.

use std::cell::RefCell;
use std::sync::Arc;

/// Key-value info headers, in the order they were set or received. Keys are unique:
/// [`insert`](Self::insert) replaces the value of a key already there.
///
/// Keys and values travel as bytes; received bytes that are not UTF-8 are read with
/// replacement characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InfoHeaders {
    pairs: Vec<(String, String)>,
}

impl InfoHeaders {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, replacing its value if it is already there.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        match self.pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(pair) => pair.1 = value,
            None => self.pairs.push((key, value)),
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let at = self.pairs.iter().position(|(k, _)| k == key)?;
        Some(self.pairs.remove(at).1)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The headers, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Removes every header.
    pub fn clear(&mut self) {
        self.pairs.clear();
    }
}

/// The info header a call's deadline travels in: how many milliseconds its caller waits for
/// the reply, counted from when the call was sent (the key fbthrift's clients use). Our
/// clients send it on THeader connections with a call timeout (the socket's read timeout for
/// plain and shared clients, `call_timeout` for endpoints); servers turn it into
/// [`deadline`] for the handler.
pub const DEADLINE_KEY: &str = "client_timeout";

thread_local! {
    /// The headers of the call this thread handles, and when it started being handled.
    static CURRENT: RefCell<Option<Arc<InfoHeaders>>> = const { RefCell::new(None) };
    static STARTED: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
    /// The headers the client calls of this thread add (set by `with_call_headers`).
    static CALL: RefCell<Option<InfoHeaders>> = const { RefCell::new(None) };
}

/// The info headers of the THeader call this thread is handling; `None` outside a handler,
/// for calls that did not come in a THeader frame, and for frames without headers.
pub fn current() -> Option<Arc<InfoHeaders>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// When the caller of the THeader call this thread is handling stops waiting for its reply:
/// the [`DEADLINE_KEY`] header it sent, counted from when the server began handling the
/// call (the time on the wire and in queues is not known, so the deadline is a little late,
/// never early). `None` outside a handler, or when the caller sent no deadline.
///
/// A handler can give up on work nobody will wait for; the calls it makes over THeader
/// carry what is left of it (or their own timeout, if sooner).
pub fn deadline() -> Option<std::time::Instant> {
    let started = STARTED.with(std::cell::Cell::get)?;
    let ms: u64 = CURRENT.with(|c| c.borrow().as_ref()?.get(DEADLINE_KEY)?.trim().parse().ok())?;
    started.checked_add(std::time::Duration::from_millis(ms))
}

/// Makes `headers` what [`current`] returns on this thread until the guard is dropped
/// (`None` when there is nothing to change: no headers now and none before, the case of every
/// call that does not come over THeader).
#[inline]
pub(crate) fn enter(headers: Option<Arc<InfoHeaders>>) -> Option<CurrentGuard> {
    if headers.is_none() && CURRENT.with(|c| c.borrow().is_none()) {
        return None;
    }
    let started = headers.as_ref().map(|_| std::time::Instant::now());
    let previous = CURRENT.with(|c| c.replace(headers));
    let previous_start = STARTED.with(|s| s.replace(started));
    Some(CurrentGuard {
        previous,
        previous_start,
    })
}

/// Restores the previous headers (of an enclosing call, if any) when dropped.
pub(crate) struct CurrentGuard {
    previous: Option<Arc<InfoHeaders>>,
    previous_start: Option<std::time::Instant>,
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
        STARTED.with(|s| s.set(self.previous_start));
    }
}

/// Runs `f` with `headers` added to every THeader message this thread writes meanwhile (the
/// calls of any client; a call header replaces a connection header of the same key). Nested
/// calls add to the headers of the enclosing one.
pub fn with_call_headers<T>(headers: &InfoHeaders, f: impl FnOnce() -> T) -> T {
    let previous = CALL.with(|c| {
        let mut c = c.borrow_mut();
        let mut merged = c.clone().unwrap_or_default();
        for (k, v) in headers.iter() {
            merged.insert(k, v);
        }
        c.replace(merged)
    });
    /// Restores the enclosing call headers, also when `f` panics.
    struct Restore(Option<Option<InfoHeaders>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                CALL.with(|c| *c.borrow_mut() = previous);
            }
        }
    }
    let _restore = Restore(Some(previous));
    f()
}

/// Calls `f` with the call headers of this thread (see [`with_call_headers`]), if any.
pub(crate) fn with_call<T>(f: impl FnOnce(Option<&InfoHeaders>) -> T) -> T {
    CALL.with(|c| f(c.borrow().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_and_keeps_order() {
        let mut h = InfoHeaders::new();
        h.insert("a", "1");
        h.insert("b", "2");
        h.insert("a", "3");
        assert_eq!(h.iter().collect::<Vec<_>>(), [("a", "3"), ("b", "2")]);
        assert_eq!(h.remove("a").as_deref(), Some("3"));
        assert_eq!(h.get("a"), None);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn call_headers_nest_and_are_restored() {
        let mut outer = InfoHeaders::new();
        outer.insert("a", "1");
        let mut inner = InfoHeaders::new();
        inner.insert("b", "2");
        with_call_headers(&outer, || {
            with_call_headers(&inner, || {
                with_call(|h| {
                    let h = h.unwrap();
                    assert_eq!((h.get("a"), h.get("b")), (Some("1"), Some("2")));
                });
            });
            with_call(|h| assert_eq!(h.unwrap().get("b"), None));
        });
        with_call(|h| assert!(h.is_none()));
    }

    #[test]
    fn current_is_scoped() {
        assert!(current().is_none());
        let mut h = InfoHeaders::new();
        h.insert("k", "v");
        {
            let _g = enter(Some(Arc::new(h)));
            assert_eq!(current().unwrap().get("k"), Some("v"));
        }
        assert!(current().is_none());
    }
}
