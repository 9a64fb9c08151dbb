//! The `tracing` span of one call, on either side. When neither a `tracing` subscriber nor a
//! `log` logger wants debug records, no span is made at all: two atomic loads per call. (With
//! tracing's `log` feature, `debug_span!` alone would build and drop a disabled span and
//! format its fields for `log` whenever no subscriber is set: about 400 instructions per round
//! trip, measured with callgrind.) The clock is only read and the fields only recorded when a
//! subscriber or logger does want them.

use std::time::Instant;

use tracing::field::Empty;

use crate::ttype::MessageType;

/// Whether anyone may want debug spans: a `tracing` subscriber's level, or, for applications
/// that only install a `log` logger (tracing's `log` feature turns spans into log records),
/// the logger's level.
#[inline]
pub(crate) fn wanted() -> bool {
    use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
    (STATIC_MAX_LEVEL >= LevelFilter::DEBUG && LevelFilter::current() >= LevelFilter::DEBUG)
        || log::max_level() >= log::LevelFilter::Debug
}

/// A call's span and when it started; `None` when nobody wants it (then no `tracing::Span`
/// exists to be dropped either).
pub(crate) struct CallSpan(Option<Active>);

struct Active {
    span: tracing::Span,
    start: Instant,
}

impl CallSpan {
    /// The span of a call a server serves.
    #[inline]
    pub(crate) fn server(method: &str, seqid: i32, kind: MessageType) -> Self {
        if !wanted() {
            return Self(None);
        }
        Self::started(tracing::debug_span!(
            "thrift.serve",
            method,
            seqid,
            kind = ?kind,
            service = Empty,
            outcome = Empty,
            elapsed_us = Empty,
            trace_id = Empty,
        ))
    }

    /// The span of a call a client makes.
    #[inline]
    pub(crate) fn client(method: &str, kind: MessageType) -> Self {
        if !wanted() {
            return Self(None);
        }
        Self::started(tracing::debug_span!(
            "thrift.call",
            method,
            kind = ?kind,
            seqid = Empty,
            outcome = Empty,
            elapsed_us = Empty,
            trace_id = Empty,
        ))
    }

    fn started(span: tracing::Span) -> Self {
        if span.is_disabled() {
            return Self(None);
        }
        if let Some(context) = super::current() {
            span.record("trace_id", context.trace_id_hex());
        }
        Self(Some(Active {
            span,
            start: Instant::now(),
        }))
    }

    /// Whether a subscriber wants this span.
    #[inline]
    pub(crate) fn is_active(&self) -> bool {
        self.0.is_some()
    }

    /// Runs `f` inside the span: events it emits belong to the call.
    pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.0 {
            Some(active) => active.span.in_scope(f),
            None => f(),
        }
    }

    /// Records the service the call was routed to.
    pub(crate) fn service(&self, service: Option<&str>) {
        if let (Some(active), Some(service)) = (&self.0, service) {
            active.span.record("service", service);
        }
    }

    /// Records the sequence id (clients learn it when the call is sent).
    pub(crate) fn seqid(&self, seqid: i32) {
        if let Some(active) = &self.0 {
            active.span.record("seqid", seqid);
        }
    }

    /// Records how the call ended and how long it took.
    pub(crate) fn finish(&self, outcome: &'static str) {
        if let Some(active) = &self.0 {
            let elapsed = u64::try_from(active.start.elapsed().as_micros()).unwrap_or(u64::MAX);
            active.span.record("outcome", outcome);
            active.span.record("elapsed_us", elapsed);
        }
    }
}
