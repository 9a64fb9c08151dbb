//! Prints [`thrift_bench::mux_floor`]'s designs side by side, in alternating rounds: a socket
//! per thread against one shared socket, for every way a caller of the shared socket can wait.
//!
//! ```sh
//! cargo run --release --manifest-path bench/Cargo.toml --example mux_floor -- [THREADS] [CALLS] [ROUNDS]
//! ```

use thrift_bench::mux_floor::{Wait, per_thread, shared};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: THREADS CALLS ROUNDS"))
        .collect();
    let threads = args.first().copied().unwrap_or(16);
    let calls = args.get(1).copied().unwrap_or(200_000);
    let rounds = args.get(2).copied().unwrap_or(5);
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); Wait::ALL.len()];
    for round in 0..rounds {
        let mut rates = Vec::new();
        // The plain side first in even rounds, last in odd ones.
        let first = (round % 2 == 0).then(|| per_thread(threads, calls));
        for wait in Wait::ALL {
            rates.push(shared(threads, calls, wait));
        }
        let plain = first.unwrap_or_else(|| per_thread(threads, calls));
        print!("{threads} threads: per-thread sockets {plain:.0} calls/s; one shared socket:");
        for ((wait, rate), ratios) in Wait::ALL.iter().zip(&rates).zip(&mut ratios) {
            print!(" {} {rate:.0} ({:.2}×);", wait.name(), rate / plain);
            ratios.push(rate / plain);
        }
        println!();
    }
    for (wait, mut ratios) in Wait::ALL.iter().zip(ratios) {
        ratios.sort_by(f64::total_cmp);
        println!(
            "median shared ({}) ÷ per-thread: {:.2}×",
            wait.name(),
            ratios[ratios.len() / 2]
        );
    }
}
