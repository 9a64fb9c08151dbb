//! The `tracing` spans of a call on both sides: a subscriber records every span's fields,
//! including those recorded when the call ends (outcome, duration, trace id).

mod observe;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use observe::{Collect, Fields, hello_server};
use thrift_rt::{ProtocolKind, TransportKind};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata};

/// Every span: its name and fields.
#[derive(Default)]
struct Spans {
    next: AtomicU64,
    spans: Mutex<BTreeMap<u64, (String, Fields)>>,
}

#[derive(Clone)]
struct Recorder(Arc<Spans>);

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields::new();
        span.record(&mut Collect(&mut fields));
        let name = span.metadata().name().to_owned();
        self.0.spans.lock().unwrap().insert(id, (name, fields));
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some((_, fields)) = self.0.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn calls_have_spans_with_outcome_duration_and_trace_id() {
    let spans = Arc::new(Spans::default());
    tracing::subscriber::set_global_default(Recorder(Arc::clone(&spans))).unwrap();
    let (server, mut client) = hello_server(ProtocolKind::Header, TransportKind::Header, |b| {
        b.thread_pool(2, 8)
    });
    let trace = thrift_rt::trace::start();
    let ours = thrift_rt::trace::current().unwrap().trace_id_hex();
    assert_eq!(client.hello("spans").unwrap(), "Hello, spans");
    drop((trace, client));
    server.shutdown(Duration::from_secs(1));

    let spans = spans.spans.lock().unwrap();
    let find = |name: &str| {
        spans
            .values()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .unwrap_or_else(|| panic!("no {name} span"))
    };
    for (name, side) in [("thrift.call", "client"), ("thrift.serve", "server")] {
        let fields = find(name);
        assert_eq!(
            fields.get("method").map(String::as_str),
            Some("hello"),
            "{side}"
        );
        assert_eq!(fields.get("seqid").map(String::as_str), Some("1"), "{side}");
        assert_eq!(
            fields.get("outcome").map(String::as_str),
            Some("ok"),
            "{side}"
        );
        assert_eq!(fields.get("trace_id"), Some(&ours), "{side}");
        assert!(fields.contains_key("elapsed_us"), "{side}: {fields:?}");
    }
    assert_eq!(
        find("thrift.serve").get("service").map(String::as_str),
        Some("Plain")
    );
    assert!(find("thrift.connection").contains_key("peer"));
}
