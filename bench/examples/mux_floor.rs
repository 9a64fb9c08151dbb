//! Prints [`thrift_bench::mux_floor`]'s two designs side by side, in alternating rounds:
//!
//! ```sh
//! cargo run --release --manifest-path bench/Cargo.toml --example mux_floor -- [THREADS] [CALLS] [ROUNDS]
//! ```

use thrift_bench::mux_floor::{per_thread, shared};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: THREADS CALLS ROUNDS"))
        .collect();
    let threads = args.first().copied().unwrap_or(16);
    let calls = args.get(1).copied().unwrap_or(200_000);
    let rounds = args.get(2).copied().unwrap_or(5);
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = per_thread(threads, calls);
            (a, shared(threads, calls))
        } else {
            let b = shared(threads, calls);
            (per_thread(threads, calls), b)
        };
        println!(
            "{threads} threads: per-thread sockets {a:.0} calls/s, one shared socket {b:.0} calls/s: {:.2}×",
            b / a
        );
        ratios.push(b / a);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "median shared ÷ per-thread: {:.2}×",
        ratios[ratios.len() / 2]
    );
}
