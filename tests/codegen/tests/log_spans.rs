//! An application that installs only a `log` logger (no tracing subscriber) sees the calls'
//! spans as log records when it asks for debug records, and the runtime makes no span at all
//! when it does not (see `trace/span.rs`: the check is made before the span is built).

mod observe;

use std::sync::Mutex;
use std::time::Duration;

use observe::hello_server;
use thrift_rt::{ProtocolKind, TransportKind};

static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Collect;

impl log::Log for Collect {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {} {}", record.level(), record.target(), record.args());
            RECORDS.lock().unwrap().push(line);
        }
    }
    fn flush(&self) {}
}

/// Calls `hello` once over a fresh server and connection, and returns the records logged
/// meanwhile that name the call's spans.
fn span_records_of_one_call() -> Vec<String> {
    let (server, mut client) = hello_server(ProtocolKind::Binary, TransportKind::Framed, |b| {
        b.thread_pool(2, 8)
    });
    RECORDS.lock().unwrap().clear();
    assert_eq!(client.hello("log").unwrap(), "Hello, log");
    drop(client);
    server.shutdown(Duration::from_secs(1));
    let records = RECORDS.lock().unwrap();
    records
        .iter()
        .filter(|r| r.contains("thrift.call") || r.contains("thrift.serve"))
        .cloned()
        .collect()
}

#[test]
fn a_log_logger_sees_call_spans_only_when_it_wants_debug_records() {
    log::set_logger(&Collect).unwrap();

    log::set_max_level(log::LevelFilter::Debug);
    let wanted = span_records_of_one_call();
    for name in ["thrift.call", "thrift.serve"] {
        assert!(
            wanted
                .iter()
                .any(|r| r.contains(name) && r.contains("method=\"hello\"")),
            "no record of the {name} span: {wanted:?}"
        );
    }

    log::set_max_level(log::LevelFilter::Info);
    let unwanted = span_records_of_one_call();
    assert!(unwanted.is_empty(), "{unwanted:?}");
}
