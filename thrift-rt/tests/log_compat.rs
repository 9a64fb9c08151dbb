//! Applications that install only a `log` logger (no tracing subscriber) still see the
//! runtime's events: tracing's `log` feature turns them into log records.

use std::sync::Mutex;

use thrift_rt::{Error, TransportError, TransportErrorKind};

static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Collect;

impl log::Log for Collect {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        RECORDS
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

#[test]
fn a_log_logger_sees_the_runtime_events() {
    log::set_logger(&Collect).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    // A handler failing with an undeclared error is logged as a warning.
    let failure = Error::Transport(TransportError::new(TransportErrorKind::Io, "disk on fire"));
    let _ = thrift_rt::__private::undeclared_error("burn", failure);
    let records = RECORDS.lock().unwrap();
    assert!(
        records.iter().any(|r| r.starts_with("WARN")
            && r.contains("`burn` failed")
            && r.contains("disk on fire")),
        "{records:?}"
    );
}
