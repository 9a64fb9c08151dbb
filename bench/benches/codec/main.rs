//! Codec benchmark: encode and decode speed of five workloads, binary and compact protocols,
//! for ours (thrift-rt), Apache's `thrift` crate, pilota (safe and unsafe protocols) and a
//! `memcpy` of the same bytes as the floor.
//!
//! ```sh
//! cargo bench --manifest-path bench/Cargo.toml --features codec --bench codec [-- OPTIONS] [FILTER…]
//! ```
//!
//! Options: `--quick` (5 rounds of 2 ms samples: a smoke test), `--rounds N` (default 21),
//! `--sample-ms N` (default 20), `--out FILE` (default
//! `$CARGO_TARGET_DIR/codec-bench/results.md`). A FILTER keeps the groups whose id
//! (`workload/protocol/direction`, e.g. `logs/compact/decode`) contains it.
//!
//! Before any timing, every case is checked: its encoding must equal ours byte for byte, and
//! decoding ours's encoding must give a value equal to the one encoded. A case that fails is
//! reported, not timed. Then each group (one workload, protocol and direction) runs in
//! rounds: every round times each of its cases once, for a fixed number of operations (about
//! one sample's worth, calibrated first), starting with a different case each round, so that
//! a change in the machine's load falls on all cases alike. The tables give the median over
//! the rounds, per operation. Allocations are counted separately, over up to 100 operations.

mod alloc;
mod cases;
mod idl;
mod report;

use std::time::{Duration, Instant};

use cases::{Case, Group};
use idl::{apache_values as a, ours_values as o, pilota_values as p, shared_values as s};
use report::{Measured, Outcome};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

struct Options {
    rounds: usize,
    sample: Duration,
    out: Option<std::path::PathBuf>,
    filters: Vec<String>,
}

impl Options {
    fn parse() -> Self {
        let mut options = Self {
            rounds: 21,
            sample: Duration::from_millis(20),
            out: None,
            filters: Vec::new(),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .unwrap_or_else(|| panic!("{name} needs a value"))
            };
            match arg.as_str() {
                "--bench" => {}
                "--quick" => {
                    options.rounds = 5;
                    options.sample = Duration::from_millis(2);
                }
                "--rounds" => options.rounds = value("--rounds").parse().expect("--rounds N"),
                "--sample-ms" => {
                    options.sample =
                        Duration::from_millis(value("--sample-ms").parse().expect("--sample-ms N"));
                }
                "--out" => options.out = Some(value("--out").into()),
                s if s.starts_with("--") => panic!("unknown option {s}"),
                s => options.filters.push(s.to_owned()),
            }
        }
        options
    }

    fn selects(&self, group: &Group) -> bool {
        let id = group.id();
        self.filters.is_empty() || self.filters.iter().any(|f| id.contains(f.as_str()))
    }

    /// The results file: `--out`, else `codec-bench/results.md` in the target directory.
    fn out_file(&self) -> std::path::PathBuf {
        if let Some(out) = &self.out {
            return out.clone();
        }
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                // <target>/<profile>/deps/codec-<hash>
                let exe = std::env::current_exe().ok()?;
                Some(exe.ancestors().nth(3)?.to_owned())
            })
            .unwrap_or_else(|| "target".into());
        target.join("codec-bench").join("results.md")
    }
}

fn time(run: &mut cases::Runner, n: u64) -> Duration {
    let start = Instant::now();
    run(n);
    start.elapsed()
}

/// The number of operations that takes about `target`.
fn calibrate(run: &mut cases::Runner, target: Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let t = time(run, n).max(Duration::from_nanos(1));
        let scale = target.as_secs_f64() / t.as_secs_f64();
        if t >= target / 2 {
            return ((n as f64 * scale).round() as u64).max(1);
        }
        n = ((n as f64 * scale.min(10.0)).ceil() as u64).max(n + 1);
    }
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2.0
    }
}

/// Times the checked cases of `group` in interleaved rounds.
fn measure(group: Group, options: &Options) -> Measured {
    let id = group.id();
    let mut runners = Vec::new();
    let mut outcomes = Vec::new();
    for (implementation, case) in group.cases {
        match case {
            Case::Run(mut run) => {
                let n = calibrate(&mut run, options.sample);
                let k = n.clamp(1, 100);
                let (calls, bytes) = alloc::count(|| run(k));
                runners.push((outcomes.len(), run, n, Vec::new()));
                outcomes.push((
                    implementation,
                    Outcome::Timed {
                        median_ns: 0.0,
                        min_ns: 0.0,
                        max_ns: 0.0,
                        allocs: calls as f64 / k as f64,
                        alloc_bytes: bytes as f64 / k as f64,
                    },
                ));
            }
            Case::NotApplicable => outcomes.push((implementation, Outcome::NotApplicable)),
            Case::Failed(why) => {
                eprintln!("  {id} {}: not timed: {why}", implementation.name());
                outcomes.push((implementation, Outcome::Failed(why)));
            }
        }
    }
    let m = runners.len();
    for round in 0..options.rounds {
        for j in 0..m {
            let (_, run, n, samples) = &mut runners[(j + round) % m];
            let t = time(run, *n);
            samples.push(t.as_nanos() as f64 / *n as f64);
        }
    }
    for (index, _, _, mut samples) in runners {
        if let Outcome::Timed {
            median_ns,
            min_ns,
            max_ns,
            ..
        } = &mut outcomes[index].1
        {
            *median_ns = median(&mut samples);
            *min_ns = samples[0];
            *max_ns = samples[samples.len() - 1];
        }
    }
    Measured {
        workload: group.workload,
        protocol: group.protocol,
        direction: group.direction,
        bytes: group.bytes,
        outcomes,
    }
}

fn main() {
    let options = Options::parse();
    assert!(options.rounds > 0, "--rounds must be at least 1");

    eprintln!("checking every implementation against ours…");
    let mut groups = Vec::new();
    groups.extend(cases::groups(
        "scalars",
        o::scalars(),
        s::scalars(),
        a::scalars(),
        p::scalars(),
    ));
    groups.extend(cases::groups(
        "order",
        o::order(),
        s::order(),
        a::order(),
        p::order(),
    ));
    groups.extend(cases::groups(
        "logs",
        o::logs(),
        s::logs(),
        a::logs(),
        p::logs(),
    ));
    groups.extend(cases::groups(
        "doubles",
        o::doubles(),
        s::doubles(),
        a::doubles(),
        p::doubles(),
    ));
    groups.extend(cases::groups(
        "ints",
        o::ints(),
        s::ints(),
        a::ints(),
        p::ints(),
    ));
    groups.retain(|g| options.selects(g));

    let mut results = Vec::new();
    for group in groups {
        let id = group.id();
        let started = Instant::now();
        let measured = measure(group, &options);
        eprintln!("{id}: {:.1} s", started.elapsed().as_secs_f64());
        results.push(measured);
    }

    let text = report::render(&results, options.rounds, options.sample);
    println!("\n{text}");
    let out = options.out_file();
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).expect("create the results directory");
    }
    std::fs::write(&out, &text).expect("write the results");
    eprintln!("written to {}", out.display());
}
