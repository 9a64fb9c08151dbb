//! The markdown tables of the codec benchmark.

use std::fmt::Write as _;
use std::time::Duration;

use crate::cases::{Direction, Implementation, Protocol};

/// What became of one implementation's case.
pub(crate) enum Outcome {
    Timed {
        /// Per operation, over the rounds.
        median_ns: f64,
        min_ns: f64,
        max_ns: f64,
        /// Allocations (alloc, alloc_zeroed, realloc calls) and bytes asked for, per operation.
        allocs: f64,
        alloc_bytes: f64,
    },
    NotApplicable,
    Failed(String),
}

/// The results of one group.
pub(crate) struct Measured {
    pub(crate) workload: &'static str,
    pub(crate) protocol: Protocol,
    pub(crate) direction: Direction,
    pub(crate) bytes: usize,
    pub(crate) outcomes: Vec<(Implementation, Outcome)>,
}

impl Measured {
    fn outcome(&self, implementation: Implementation) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|(i, _)| *i == implementation)
            .map(|(_, o)| o)
    }

    fn median(&self, implementation: Implementation) -> Option<f64> {
        match self.outcome(implementation)? {
            Outcome::Timed { median_ns, .. } => Some(*median_ns),
            _ => None,
        }
    }

    fn row_start(&self) -> String {
        format!(
            "| {} | {} | {} |",
            self.workload,
            self.protocol.name(),
            self.direction.name()
        )
    }
}

fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn size(bytes: f64) -> String {
    if bytes < 1024.0 {
        format!("{bytes:.0} B")
    } else {
        format!("{:.1} KiB", bytes / 1024.0)
    }
}

/// A number of allocations: whole numbers as such, fractions with one decimal.
fn count(n: f64) -> String {
    if (n - n.round()).abs() < 0.05 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".to_owned(),
    }
}

/// The label of a case that was not timed, with its note number.
fn not_timed(why: &str, note: usize) -> String {
    let what = if why.starts_with("panics") {
        "panics"
    } else if why.contains("first difference") {
        "bytes differ"
    } else if why.contains("different value") {
        "wrong value"
    } else if why.starts_with("not run") {
        "not run"
    } else {
        "error"
    };
    format!("✗ {what} [{note}]")
}

/// Renders every table; failures are numbered notes at the end.
pub(crate) fn render(results: &[Measured], rounds: usize, sample: Duration) -> String {
    const IMPLS: [Implementation; 6] = Implementation::ALL;
    let mut notes: Vec<String> = Vec::new();
    let mut s = String::new();

    let _ = writeln!(s, "## Codec benchmark\n");
    let _ = writeln!(
        s,
        "Median time per operation over {rounds} interleaved rounds of about {} ms per case; \
         CPU: {}; pilota 0.13, thrift 0.17. `size`: ours's encoding. Decoders read ours's \
         encoding. `ours`: default options (`String`, `Vec<u8>`), decoding from a `&[u8]`; \
         `ours (shared)`: `BytesStr` strings and `Bytes` binaries, decoding from a \
         `BytesSource` over `Bytes` (strings and binaries share the input, as pilota's \
         `FastStr` and `Bytes` do). `memcpy`: `copy_from_slice` of the encoded bytes.\n",
        sample.as_millis(),
        cpu()
    );

    // Times.
    let _ = write!(s, "| workload | protocol | direction | size |");
    for i in IMPLS {
        let _ = write!(s, " {} |", i.name());
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "|---|---|---|---:|{}", "---:|".repeat(IMPLS.len()));
    for m in results {
        let _ = write!(s, "{} {} |", m.row_start(), size(m.bytes as f64));
        for i in IMPLS {
            let cell = match m.outcome(i) {
                Some(Outcome::Timed { median_ns, .. }) => time(*median_ns),
                Some(Outcome::NotApplicable) | None => "–".to_owned(),
                Some(Outcome::Failed(why)) => {
                    notes.push(format!(
                        "{}/{}/{} {}: {why}",
                        m.workload,
                        m.protocol.name(),
                        m.direction.name(),
                        i.name()
                    ));
                    not_timed(why, notes.len())
                }
            };
            let _ = write!(s, " {cell} |");
        }
        let _ = writeln!(s);
    }

    // Ratios.
    let _ = writeln!(s, "\n### Ratios\n");
    let _ = writeln!(
        s,
        "Above 1: slower than ours (first four columns), than the faster of ours and ours \
         (shared) (`our best`, next two; `best anchor`: the fastest of thrift and pilota that \
         ran), or than the memcpy floor (the rest).\n"
    );
    let _ = writeln!(
        s,
        "| workload | protocol | direction | ours (shared) ÷ ours | thrift ÷ ours | pilota safe \
         ÷ ours | pilota unsafe ÷ ours | best anchor ÷ our best | thrift ÷ our best | ours ÷ \
         memcpy | our best ÷ memcpy | thrift ÷ memcpy | pilota safe ÷ memcpy | pilota unsafe \
         ÷ memcpy |"
    );
    let _ = writeln!(s, "|---|---|---|{}", "---:|".repeat(11));
    let fastest = |values: &[Option<f64>]| values.iter().flatten().copied().reduce(f64::min);
    for m in results {
        let ours = m.median(Implementation::Ours);
        let floor = m.median(Implementation::Memcpy);
        let best = fastest(&[ours, m.median(Implementation::OursShared)]);
        let anchor = fastest(&[
            m.median(Implementation::Thrift),
            m.median(Implementation::PilotaSafe),
            m.median(Implementation::PilotaUnsafe),
        ]);
        let _ = write!(s, "{}", m.row_start());
        for i in [
            Implementation::OursShared,
            Implementation::Thrift,
            Implementation::PilotaSafe,
            Implementation::PilotaUnsafe,
        ] {
            let _ = write!(s, " {} |", ratio(m.median(i), ours));
        }
        let _ = write!(s, " {} |", ratio(anchor, best));
        let _ = write!(s, " {} |", ratio(m.median(Implementation::Thrift), best));
        let _ = write!(s, " {} |", ratio(ours, floor));
        let _ = write!(s, " {} |", ratio(best, floor));
        for i in [
            Implementation::Thrift,
            Implementation::PilotaSafe,
            Implementation::PilotaUnsafe,
        ] {
            let _ = write!(s, " {} |", ratio(m.median(i), floor));
        }
        let _ = writeln!(s);
    }

    // Allocations.
    let _ = writeln!(s, "\n### Allocations per operation\n");
    let _ = writeln!(
        s,
        "Calls to `alloc`, `alloc_zeroed` and `realloc` (and the bytes they asked for), counted \
         by the benchmark's global allocator over up to 100 operations after warm-up.\n"
    );
    let _ = write!(s, "| workload | protocol | direction |");
    for i in &IMPLS[..5] {
        let _ = write!(s, " {} |", i.name());
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "|---|---|---|{}", "---:|".repeat(5));
    for m in results {
        let _ = write!(s, "{}", m.row_start());
        for i in &IMPLS[..5] {
            let cell = match m.outcome(*i) {
                Some(Outcome::Timed {
                    allocs,
                    alloc_bytes,
                    ..
                }) => format!("{} ({})", count(*allocs), size(*alloc_bytes)),
                _ => "–".to_owned(),
            };
            let _ = write!(s, " {cell} |");
        }
        let _ = writeln!(s);
    }

    // Spread.
    let _ = writeln!(s, "\n### Spread\n");
    let _ = writeln!(
        s,
        "(slowest round − fastest round) ÷ median: how much the rounds disagreed.\n"
    );
    let _ = write!(s, "| workload | protocol | direction |");
    for i in IMPLS {
        let _ = write!(s, " {} |", i.name());
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "|---|---|---|{}", "---:|".repeat(IMPLS.len()));
    for m in results {
        let _ = write!(s, "{}", m.row_start());
        for i in IMPLS {
            let cell = match m.outcome(i) {
                Some(Outcome::Timed {
                    median_ns,
                    min_ns,
                    max_ns,
                    ..
                }) => format!("{:.0} %", (max_ns - min_ns) / median_ns * 100.0),
                _ => "–".to_owned(),
            };
            let _ = write!(s, " {cell} |");
        }
        let _ = writeln!(s);
    }

    let _ = writeln!(s, "\n### Not timed\n");
    if notes.is_empty() {
        let _ = writeln!(
            s,
            "Every implementation encoded ours's bytes exactly and decoded them to the value."
        );
    }
    for (n, note) in notes.iter().enumerate() {
        let _ = writeln!(s, "{}. {note}", n + 1);
    }
    s
}

/// The CPU model, from /proc/cpuinfo.
fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown", str::trim)
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{model}, {cores} cores")
}
