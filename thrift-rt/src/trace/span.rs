//! The `tracing` span of one call, on either side: created for every call, it costs a
//! check of the callsite's interest when no subscriber wants it; the clock is only read and
//! the fields only recorded when one does.

use std::time::Instant;

use tracing::field::Empty;

use crate::ttype::MessageType;

/// A call's span and when it started (`None`: the span is disabled).
pub(crate) struct CallSpan {
    span: tracing::Span,
    start: Option<Instant>,
}

impl CallSpan {
    /// The span of a call a server serves.
    #[inline]
    pub(crate) fn server(method: &str, seqid: i32, kind: MessageType) -> Self {
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

    #[inline]
    fn started(span: tracing::Span) -> Self {
        if span.is_disabled() {
            return Self { span, start: None };
        }
        if let Some(context) = super::current() {
            span.record("trace_id", context.trace_id_hex());
        }
        Self {
            span,
            start: Some(Instant::now()),
        }
    }

    /// Whether a subscriber wants this span.
    #[inline]
    pub(crate) fn is_active(&self) -> bool {
        self.start.is_some()
    }

    /// Runs `f` inside the span: events it emits belong to the call.
    pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        self.span.in_scope(f)
    }

    /// Records the service the call was routed to.
    pub(crate) fn service(&self, service: Option<&str>) {
        if let (true, Some(service)) = (self.is_active(), service) {
            self.span.record("service", service);
        }
    }

    /// Records the sequence id (clients learn it when the call is sent).
    pub(crate) fn seqid(&self, seqid: i32) {
        if self.is_active() {
            self.span.record("seqid", seqid);
        }
    }

    /// Records how the call ended and how long it took.
    pub(crate) fn finish(&self, outcome: &'static str) {
        if let Some(start) = self.start {
            let elapsed = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.span.record("outcome", outcome);
            self.span.record("elapsed_us", elapsed);
        }
    }
}
