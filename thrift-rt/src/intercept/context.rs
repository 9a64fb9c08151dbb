//! What a server or endpoint tells the interceptors of the calls it serves on this thread:
//! the connection's interceptors and peer address, set around processing like
//! [`peer::enter`](crate::peer::enter), and the service the call is addressed to, set by the
//! processor (multiplexed or generated) that routes it.
//!
//! Nothing is set when no interceptor is installed and no subscriber wants the calls' spans,
//! so the served call's only cost is reading an empty thread-local and checking a callsite's
//! interest.

use std::cell::RefCell;
use std::sync::Arc;

use super::Interceptors;

/// One connection's interceptors and peer, shared by the threads that serve it.
#[derive(Debug)]
pub(crate) struct ConnContext {
    pub(crate) interceptors: Interceptors,
    pub(crate) peer: Arc<str>,
}

impl ConnContext {
    /// The context of a connection from `peer`; `None` when there are no interceptors, so
    /// nothing is set per call.
    pub(crate) fn of(interceptors: &Interceptors, peer: &str) -> Option<Arc<Self>> {
        (!interceptors.is_empty()).then(|| {
            Arc::new(Self {
                interceptors: interceptors.clone(),
                peer: peer.into(),
            })
        })
    }
}

/// The service name a call was routed to.
#[derive(Clone, Debug)]
enum Name {
    /// A generated processor's IDL name.
    Static(&'static str),
    /// The name a multiplexed call was addressed to.
    Shared(Arc<str>),
}

thread_local! {
    static CONN: RefCell<Option<Arc<ConnContext>>> = const { RefCell::new(None) };
    static SERVICE: RefCell<Option<Name>> = const { RefCell::new(None) };
}

/// Makes `conn` the context of the calls this thread serves until the guard is dropped;
/// nothing is touched for `None`.
pub(crate) fn enter(conn: Option<&Arc<ConnContext>>) -> Option<ConnGuard> {
    let conn = Arc::clone(conn?);
    let previous = CONN.with(|c| c.replace(Some(conn)));
    Some(ConnGuard { previous })
}

/// Restores the previous context when dropped.
pub(crate) struct ConnGuard {
    previous: Option<Arc<ConnContext>>,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CONN.with(|c| *c.borrow_mut() = previous);
    }
}

/// The context of the call this thread serves, if interceptors are installed.
#[inline]
pub(crate) fn current() -> Option<Arc<ConnContext>> {
    CONN.with(|c| c.borrow().clone())
}

/// Runs `f` with `name` as the service of the calls it serves, unless a multiplexed
/// processor already named one (the name the client used wins over the IDL name). Only does
/// anything when interceptors are installed or a subscriber wants the calls' spans.
#[inline]
pub(crate) fn enter_service<T>(name: ServiceName<'_>, f: impl FnOnce() -> T) -> T {
    // Nobody to tell: no interceptors, and nobody for the calls' spans.
    if CONN.with(|c| c.borrow().is_none()) && !crate::trace::span::wanted() {
        return f();
    }
    let name = match name {
        ServiceName::Static(s) => Name::Static(s),
        ServiceName::Shared(s) => Name::Shared(Arc::clone(s)),
    };
    let previous = SERVICE.with(|s| {
        let mut s = s.borrow_mut();
        match (&*s, &name) {
            // A multiplexed name was set: the generated processor below keeps it.
            (Some(Name::Shared(_)), Name::Static(_)) => None,
            _ => Some(s.replace(name)),
        }
    });
    let restore = Restore(previous);
    let out = f();
    drop(restore);
    out
}

/// Puts the previous service back, even if `f` panics.
struct Restore(Option<Option<Name>>);

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            SERVICE.with(|s| *s.borrow_mut() = previous);
        }
    }
}

/// A service name as processors give it.
#[derive(Clone, Copy)]
pub(crate) enum ServiceName<'a> {
    /// A generated processor's IDL name.
    Static(&'static str),
    /// A multiplexed registration's name.
    Shared(&'a Arc<str>),
}

/// Runs `f` with the service name of the call being served (`None` when none was set).
pub(crate) fn service_of<T>(f: impl FnOnce(Option<&str>) -> T) -> T {
    SERVICE.with(|s| {
        let s = s.borrow();
        f(s.as_ref().map(|n| match n {
            Name::Static(s) => *s,
            Name::Shared(s) => &**s,
        }))
    })
}
