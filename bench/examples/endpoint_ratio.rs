//! Channel endpoints against plain connections, interleaved in one run: prints the
//! endpoint ÷ plain ratios of latency and throughput as Markdown tables (BENCHMARKS.md).
//!
//! ```sh
//! cargo run --release --manifest-path bench/Cargo.toml --example endpoint_ratio -- [--rounds N] [--round-ms MS]
//! ```
//!
//! - **Latency**, one caller, echo of a short string and of 4 KiB binary, buffered and framed,
//!   Unix socket and TCP: a generated client on a connected endpoint calling a listening
//!   endpoint, against the same client on a plain connection to our thread-pool server.
//! - **Throughput** at 1, 4 and 16 client threads (framed): every thread calling through
//!   one shared endpoint, against a plain connection per thread.
//! - **The floor of sharing one connection**, without Thrift, at the same thread counts:
//!   raw 40-byte echoes through one Unix socket whose replies are sorted out in user space,
//!   against a socket per thread ([`thrift_bench::mux_floor`]), once for every way the
//!   shared socket's callers can wait for their replies. Where the best of these ratios is
//!   low, the machine, not the endpoint, sets the throughput ratio above.
//!
//! Every case runs for at least `--round-ms` (default 250) per round, the two sides of a row
//! back to back (their order alternating from round to round), for `--rounds` rounds
//! (default 7). On a 2-core machine a plain call costs about 10 µs when client and server
//! share a CPU and 38 µs when they do not; rounds this long let the scheduler's placement
//! average out, and interleaving exposes both sides to the same load. A row's ratio is the
//! median of its per-round ratios; the quartiles of those ratios are shown next to it.

use std::time::{Duration, Instant};

use thrift_bench::channels::{self, EndpointEcho, EndpointServer};
use thrift_bench::mux_floor;
use thrift_bench::pool::ClientPool;
use thrift_bench::rpc::{self, Caller, Implementation, OursServer};
use thrift_bench::{BoxError, Payload, Socket, Transport};

fn main() -> Result<(), BoxError> {
    let mut rounds = 7usize;
    let mut round = Duration::from_millis(250);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = args.next().ok_or("--rounds N")?.parse()?,
            "--round-ms" => {
                round = Duration::from_millis(args.next().ok_or("--round-ms MS")?.parse()?);
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let mut servers = Vec::new();
    for socket in Socket::ALL {
        for transport in Transport::ALL {
            servers.push((
                socket,
                transport,
                OursServer::start(socket, transport)?,
                EndpointServer::start(socket, transport)?,
            ));
        }
    }

    println!("Latency, one caller ({rounds} rounds of at least {round:?} per case):\n");
    println!("| socket | transport | payload | plain | endpoint | endpoint ÷ plain | quartiles |");
    println!("| --- | --- | --- | ---: | ---: | ---: | --- |");
    for payload in Payload::ALL {
        for (socket, transport, plain, endpoint) in &servers {
            let mut plain_caller =
                rpc::connect(Implementation::Ours, plain.endpoint(), *transport, payload)?;
            let connected = channels::connect(endpoint.endpoint(), *transport)?;
            let mut endpoint_caller = EndpointEcho::new(connected.caller(), payload);
            let row = interleave(
                rounds,
                round,
                |calls| per_call(&mut *plain_caller, calls),
                |calls| per_call(&mut endpoint_caller, calls),
            )?;
            println!(
                "| {} | {} | {} | {:.1} µs | {:.1} µs | {:.2}× | {:.2}–{:.2} |",
                socket.name(),
                transport.name(),
                payload.name(),
                row.a * 1e6,
                row.b * 1e6,
                row.ratio,
                row.q1,
                row.q3
            );
        }
    }

    println!("\nThroughput, framed (calls per second; {rounds} rounds of at least {round:?}):\n");
    println!(
        "| socket | payload | threads | plain connection per thread | one shared endpoint | shared ÷ plain | quartiles |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | --- |");
    for payload in Payload::ALL {
        for (socket, transport, plain, endpoint) in &servers {
            if *transport != Transport::Framed {
                continue;
            }
            for threads in [1usize, 4, 16] {
                let plain_pool = ClientPool::new(
                    (0..threads)
                        .map(|_| {
                            rpc::connect(
                                Implementation::Ours,
                                plain.endpoint(),
                                *transport,
                                payload,
                            )
                        })
                        .collect::<Result<_, _>>()?,
                )?;
                let shared = channels::connect(endpoint.endpoint(), *transport)?;
                let shared_pool = ClientPool::new(
                    (0..threads)
                        .map(|_| {
                            Box::new(EndpointEcho::new(shared.caller(), payload)) as Box<dyn Caller>
                        })
                        .collect(),
                )?;
                // Seconds per call, so that the ratio reads as for latency: inverted below.
                let row = interleave(
                    rounds,
                    round,
                    |calls| Ok(plain_pool.run(calls)?.as_secs_f64() / calls as f64),
                    |calls| Ok(shared_pool.run(calls)?.as_secs_f64() / calls as f64),
                )?;
                println!(
                    "| {} | {} | {threads} | {:.0} | {:.0} | {:.2}× | {:.2}–{:.2} |",
                    socket.name(),
                    payload.name(),
                    1.0 / row.a,
                    1.0 / row.b,
                    1.0 / row.ratio,
                    1.0 / row.q3,
                    1.0 / row.q1
                );
            }
        }
    }
    println!(
        "\nThe floor of one shared connection: raw 40-byte echoes, unix (calls per second; {rounds} rounds of at least {round:?}):\n"
    );
    println!(
        "| threads | callers wait by | raw socket per thread | raw shared socket | shared ÷ per-thread | quartiles |"
    );
    println!("| ---: | --- | ---: | ---: | ---: | --- |");
    for threads in [1usize, 4, 16] {
        for wait in mux_floor::Wait::ALL {
            let seconds_per_call = |rate: f64| Ok(1.0 / rate);
            let row = interleave(
                rounds,
                round,
                |calls| seconds_per_call(mux_floor::per_thread(threads, calls_for(threads, calls))),
                |calls| {
                    seconds_per_call(mux_floor::shared(threads, calls_for(threads, calls), wait))
                },
            )?;
            println!(
                "| {threads} | {} | {:.0} | {:.0} | {:.2}× | {:.2}–{:.2} |",
                wait.name(),
                1.0 / row.a,
                1.0 / row.b,
                1.0 / row.ratio,
                1.0 / row.q3,
                1.0 / row.q1
            );
        }
    }
    drop(servers);
    thrift_bench::cleanup();
    Ok(())
}

/// At least one call per thread.
fn calls_for(threads: usize, calls: u64) -> usize {
    usize::try_from(calls).unwrap_or(usize::MAX).max(threads)
}

/// Makes `calls` calls and returns the seconds per call.
fn per_call(caller: &mut dyn Caller, calls: u64) -> Result<f64, BoxError> {
    let start = Instant::now();
    for _ in 0..calls {
        caller.call()?;
    }
    Ok(start.elapsed().as_secs_f64() / calls as f64)
}

/// Medians of two cases run in alternation, and the median and quartiles of their
/// per-round ratio `b / a`.
struct Row {
    a: f64,
    b: f64,
    ratio: f64,
    q1: f64,
    q3: f64,
}

/// Runs `a` and `b` (each given a number of calls, returning seconds per call) `rounds`
/// times each, alternating which goes first, every run lasting at least `round`.
fn interleave(
    rounds: usize,
    round: Duration,
    mut a: impl FnMut(u64) -> Result<f64, BoxError>,
    mut b: impl FnMut(u64) -> Result<f64, BoxError>,
) -> Result<Row, BoxError> {
    let calls_a = calibrate(&mut a, round)?;
    let calls_b = calibrate(&mut b, round)?;
    let (mut xs, mut ys, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        let (x, y) = if i % 2 == 0 {
            let x = a(calls_a)?;
            (x, b(calls_b)?)
        } else {
            let y = b(calls_b)?;
            (a(calls_a)?, y)
        };
        xs.push(x);
        ys.push(y);
        ratios.push(y / x);
    }
    Ok(Row {
        a: quantile(&mut xs, 0.5),
        b: quantile(&mut ys, 0.5),
        ratio: quantile(&mut ratios, 0.5),
        q1: quantile(&mut ratios, 0.25),
        q3: quantile(&mut ratios, 0.75),
    })
}

/// How many calls take at least `round` (after a warm-up).
fn calibrate(
    run: &mut impl FnMut(u64) -> Result<f64, BoxError>,
    round: Duration,
) -> Result<u64, BoxError> {
    let mut calls = 100u64;
    let per_call = loop {
        let per_call = run(calls)?;
        if per_call * calls as f64 >= 0.02 {
            break per_call;
        }
        calls *= 4;
    };
    Ok(((round.as_secs_f64() / per_call) as u64).max(1))
}

fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let pos = q * (values.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
}
