//! A minimal `log` backend for the executables: one line per record on stderr.
//!
//! The runner keeps each program's output in a log file; a dependency on a full logging
//! crate would buy nothing here.

use std::io::Write;

use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        // A failed write to stderr has nowhere else to go.
        let _ = writeln!(
            std::io::stderr().lock(),
            "[{}] {}",
            record.level(),
            record.args()
        );
    }

    fn flush(&self) {}
}

/// Logs records up to `level` to stderr. Calling it twice keeps the first setting.
pub fn init(level: LevelFilter) {
    if log::set_logger(&Stderr).is_ok() {
        log::set_max_level(level);
    }
}
