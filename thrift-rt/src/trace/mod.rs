//! Trace context: which distributed trace the current call belongs to, carried between
//! services in the W3C `traceparent` THeader info header, and the `tracing` spans of calls.
//!
//! A [`TraceContext`] is a trace id (16 bytes, the same in every service the trace crosses),
//! a span id (8 bytes, the caller's own part of the trace) and flags (bit 0: sampled). It is
//! set on the current thread:
//!
//! - by the application, to start a trace ([`start`]) or continue one it received some
//!   other way ([`enter`]);
//! - by servers, around a call that came in a THeader frame with a `traceparent` info
//!   header: the handler runs in that trace, with a span id of its own, so the calls it makes
//!   continue the same trace.
//!
//! While a context is current, every client call on the thread (plain, shared or endpoint
//! caller) sends `traceparent: 00-<trace id>-<a new span id>-<flags>` in its THeader info
//! headers (other transports have nowhere to put it and send nothing). The `tracing` span of
//! each call (`thrift.call` on clients, `thrift.serve` on servers, at `DEBUG` level, with the
//! method, sequence id, service, outcome and duration in microseconds recorded when the call
//! ends) records the trace id as `trace_id`.
//!
//! ```
//! use thrift_rt::trace;
//!
//! let _trace = trace::start();
//! let id = trace::current().unwrap().trace_id_hex();
//! // client.call(...) sends traceparent 00-<id>-...
//! # assert_eq!(id.len(), 32);
//! ```
//!
//! Span ids are random per process (hashed from a per-process random seed and a counter):
//! unique enough to tell spans apart, not secret.

pub(crate) mod span;

use std::cell::Cell;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::header::InfoHeaders;

/// The info header that carries the trace context.
pub const TRACEPARENT: &str = "traceparent";

/// A W3C trace context: trace id, span id and flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceContext {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    flags: u8,
}

impl TraceContext {
    /// A new trace: a random trace id and span id, sampled.
    pub fn new_root() -> Self {
        let mut trace_id = [0; 16];
        trace_id[..8].copy_from_slice(&random_nonzero().to_be_bytes());
        trace_id[8..].copy_from_slice(&random_nonzero().to_be_bytes());
        Self {
            trace_id,
            span_id: random_nonzero().to_be_bytes(),
            flags: 1,
        }
    }

    /// The same trace with a new span id (the part of the trace a call or handler is).
    #[must_use]
    pub fn child(&self) -> Self {
        Self {
            span_id: random_nonzero().to_be_bytes(),
            ..*self
        }
    }

    /// A context from its parts; `None` when an id is all zeros (invalid in W3C).
    pub fn from_parts(trace_id: [u8; 16], span_id: [u8; 8], flags: u8) -> Option<Self> {
        (trace_id != [0; 16] && span_id != [0; 8]).then_some(Self {
            trace_id,
            span_id,
            flags,
        })
    }

    /// The trace id.
    pub fn trace_id(&self) -> [u8; 16] {
        self.trace_id
    }

    /// The span id.
    pub fn span_id(&self) -> [u8; 8] {
        self.span_id
    }

    /// The trace flags (bit 0: sampled).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// The trace id as 32 lowercase hex digits.
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// Parses a `traceparent` value: `00-<32 hex>-<16 hex>-<2 hex>`. Later versions are
    /// read as version 00 (their first four fields), as the W3C spec asks; version `ff`,
    /// uppercase hex, all-zero ids and anything malformed are refused (`None`).
    pub fn parse(traceparent: &str) -> Option<Self> {
        let s = traceparent.as_bytes();
        if s.len() < 55 || s[2] != b'-' || s[35] != b'-' || s[52] != b'-' {
            return None;
        }
        let version = unhex::<1>(&s[..2])?[0];
        if version == 0xff || (version == 0 && s.len() != 55) || (s.len() > 55 && s[55] != b'-') {
            return None;
        }
        Self::from_parts(
            unhex(&s[3..35])?,
            unhex(&s[36..52])?,
            unhex::<1>(&s[53..55])?[0],
        )
    }

    /// The `traceparent` value for this context (version 00).
    pub fn to_traceparent(&self) -> String {
        format!(
            "00-{}-{}-{:02x}",
            hex(&self.trace_id),
            hex(&self.span_id),
            self.flags
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `N` bytes from `2 * N` lowercase hex digits.
fn unhex<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    if digits.len() != 2 * N {
        return None;
    }
    let digit = |d: u8| match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    };
    let mut out = [0; N];
    for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// A random nonzero 64-bit value: a counter hashed with this process's random seed.
fn random_nonzero() -> u64 {
    static SEED: LazyLock<RandomState> = LazyLock::new(RandomState::new);
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let mut h = SEED.build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        let v = h.finish();
        if v != 0 {
            return v;
        }
    }
}

thread_local! {
    static CURRENT: Cell<Option<TraceContext>> = const { Cell::new(None) };
}

/// The trace context of this thread; `None` outside a trace.
#[inline]
pub fn current() -> Option<TraceContext> {
    CURRENT.with(Cell::get)
}

/// Makes `context` the current trace context of this thread until the guard is dropped.
pub fn enter(context: TraceContext) -> TraceGuard {
    TraceGuard {
        previous: CURRENT.with(|c| c.replace(Some(context))),
    }
}

/// Starts a new trace on this thread (see [`TraceContext::new_root`]) until the guard is
/// dropped.
pub fn start() -> TraceGuard {
    enter(TraceContext::new_root())
}

/// Puts the previous trace context back when dropped.
#[derive(Debug)]
#[must_use = "the trace context is current only while the guard lives"]
pub struct TraceGuard {
    previous: Option<TraceContext>,
}

impl Drop for TraceGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

/// On a server: makes the trace of a call whose info headers are `headers` current (with a
/// span id of the handler's own), when they carry a valid `traceparent`.
#[inline]
pub(crate) fn enter_incoming(headers: Option<&InfoHeaders>) -> Option<TraceGuard> {
    let parent = TraceContext::parse(headers?.get(TRACEPARENT)?)?;
    Some(enter(parent.child()))
}

/// On a client: runs `f` (which sends a call) with `traceparent` in its call headers when
/// this thread is in a trace.
pub(crate) fn propagate<T>(f: impl FnOnce() -> T) -> T {
    match current() {
        None => f(),
        Some(context) => {
            let mut headers = InfoHeaders::new();
            headers.insert(TRACEPARENT, context.child().to_traceparent());
            crate::header::with_call_headers(&headers, f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_round_trips_and_bad_ones_are_refused() {
        let t =
            TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(t.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            t.span_id(),
            [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]
        );
        assert_eq!(t.flags(), 1);
        assert_eq!(
            t.to_traceparent(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceContext::parse(bad), None, "{bad:?}");
        }
        // A later version with more fields: its first four are read.
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra";
        assert_eq!(TraceContext::parse(later), Some(t));
    }

    #[test]
    fn children_keep_the_trace_and_get_new_span_ids() {
        let root = TraceContext::new_root();
        let child = root.child();
        assert_eq!(child.trace_id(), root.trace_id());
        assert_ne!(child.span_id(), root.span_id());
        assert_ne!(TraceContext::new_root().trace_id(), root.trace_id());
    }

    #[test]
    fn current_is_scoped() {
        assert_eq!(current(), None);
        {
            let _outer = start();
            let outer = current().unwrap();
            {
                let _inner = enter(outer.child());
                assert_ne!(current(), Some(outer));
            }
            assert_eq!(current(), Some(outer));
        }
        assert_eq!(current(), None);
    }

    #[test]
    fn incoming_headers_make_the_trace_current() {
        let mut headers = InfoHeaders::new();
        assert!(enter_incoming(Some(&headers)).is_none());
        headers.insert(TRACEPARENT, "garbage");
        assert!(enter_incoming(Some(&headers)).is_none());
        let parent = TraceContext::new_root();
        headers.insert(TRACEPARENT, parent.to_traceparent());
        let _guard = enter_incoming(Some(&headers)).unwrap();
        let now = current().unwrap();
        assert_eq!(now.trace_id(), parent.trace_id());
        assert_ne!(now.span_id(), parent.span_id());
    }
}
