//! What a call costs the machine, endpoint against plain, at 4 and 16 client threads: CPU
//! time (user + system, client and server together, this process) and context switches per
//! call. Throughput on two cores is CPU-bound at these thread counts, so CPU per call is
//! what decides it, and it reads the same on a loaded machine, unlike calls per second.
//!
//! ```sh
//! cargo run --release --manifest-path bench/Cargo.toml --example endpoint_cost -- [CALLS]
//! ```

use std::time::Instant;

use thrift_bench::channels::{self, EndpointEcho, EndpointServer};
use thrift_bench::pool::ClientPool;
use thrift_bench::rpc::{self, Caller, Implementation, OursServer};
use thrift_bench::{BoxError, Payload, Socket, Transport};

fn main() -> Result<(), BoxError> {
    let calls: u64 = std::env::args().nth(1).map_or(Ok(200_000), |s| s.parse())?;
    let transport = Transport::Framed;
    let payload = Payload::ALL[0];
    println!("| socket | threads | side | µs wall/call | µs CPU/call | switches/call |");
    println!("| --- | ---: | --- | ---: | ---: | ---: |");
    for socket in Socket::ALL {
        if std::env::var("SOCKET").is_ok_and(|only| only != socket.name()) {
            continue;
        }
        let plain = OursServer::start(socket, transport)?;
        let endpoint = EndpointServer::start(socket, transport)?;
        for threads in [4usize, 16] {
            if std::env::var("THREADS").is_ok_and(|only| only != threads.to_string()) {
                continue;
            }
            let plain_pool = ClientPool::new(
                (0..threads)
                    .map(|_| {
                        rpc::connect(Implementation::Ours, plain.endpoint(), transport, payload)
                    })
                    .collect::<Result<_, _>>()?,
            )?;
            let shared = channels::connect(endpoint.endpoint(), transport)?;
            let shared_pool = ClientPool::new(
                (0..threads)
                    .map(|_| {
                        Box::new(EndpointEcho::new(shared.caller(), payload)) as Box<dyn Caller>
                    })
                    .collect(),
            )?;
            for round in 0..std::env::var("ROUNDS").map_or(3, |r| r.parse().unwrap_or(3)) {
                for (name, pool) in [("plain", &plain_pool), ("shared", &shared_pool)] {
                    if std::env::var("ONLY").is_ok_and(|only| only != name) {
                        continue;
                    }
                    pool.run(calls / 10)?;
                    let before = usage();
                    let start = Instant::now();
                    pool.run(calls)?;
                    let wall = start.elapsed().as_secs_f64();
                    let after = usage();
                    let n = calls as f64;
                    println!(
                        "| {} | {threads} | {name} (round {round}) | {:.2} | {:.2} | {:.2} |",
                        socket.name(),
                        wall / n * 1e6,
                        (after.0 - before.0) / n * 1e6,
                        (after.1 - before.1) / n,
                    );
                }
            }
        }
    }
    thrift_bench::cleanup();
    Ok(())
}

/// CPU seconds and context switches of this process so far.
fn usage() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let switches: f64 = stat
        .lines()
        .filter(|l| l.contains("ctxt_switches"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .sum();
    // Threads' switches are per task; sum over /proc/self/task.
    let mut task_switches = 0.0;
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for task in dir.flatten() {
            let s = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            task_switches += s
                .lines()
                .filter(|l| l.contains("ctxt_switches"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                .sum::<f64>();
        }
    }
    let cpu = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = cpu
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11).and_then(|s| s.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let _ = switches;
    (ticks / 100.0, task_switches)
}
