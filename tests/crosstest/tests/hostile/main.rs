//! Hostile clients against our own `test_server`.
//!
//! For every protocol (binary, compact, JSON) × transport (buffered, framed) × socket (TCP on
//! 127.0.0.1, Unix socket) this starts `test_server` (the default thread-pool server, with
//! `--message-timeout-ms` lowered to [`MESSAGE_TIMEOUT`]) and runs the cases of [`cases`] one
//! after another, each with raw sockets ([`conn`]) and bytes encoded by hand ([`encode`]), so
//! that lengths, counts, types and versions can lie.
//!
//! Each case states what the hostile connection must see ([`run::Expect`]): the
//! `TApplicationException` SECURITY.md promises, or the connection closed, within a bound
//! that depends on what the server knows ([`run::Finish`]):
//!
//! - [`PROMPT`] (1 s) when the bytes sent already prove the input bad (a limit exceeded, a
//!   negative length, a frame that ended): the server must not wait for its message timeout;
//! - [`CLOSE_BOUND`] (5 s) after the client has shut down its write side, when the server
//!   could rightly wait for more bytes (a length still within the limits, a truncated
//!   message);
//! - [`STALL_BOUND`] (the message timeout plus 3 s) when the client stalls mid-message.
//!
//! After every case the server process must be alive, a fresh client must complete
//! `testString` and `testI32` within [`CALL_TIMEOUT`], the server's peak resident memory
//! since the case started (`VmHWM`, reset through `/proc/PID/clear_refs` before each case)
//! must stay under [`PEAK_LIMIT_KIB`], and its open descriptors must come back to what they
//! were before the case (no connection leaked).
//!
//! `idle_connections_leave_room_for_a_fresh_call` is a separate test: hundreds of connections
//! that send nothing must not keep a fresh client from being served promptly.
//!
//! `HOSTILE_SERVER_ARGS` (whitespace-separated) adds arguments to every `test_server` command
//! line, e.g. `HOSTILE_SERVER_ARGS=--server-type=threaded` runs the suite against the
//! threaded server instead of the thread pool.
//!
//! Every loop is bounded in count and time, all traffic stays on this machine (loopback and
//! Unix sockets), and the random inputs come from fixed seeds, so a failure reproduces. The
//! servers' logs are in `target/tmp/hostile-logs/`.
//!
//! The modules: [`combos`] (the combinations), [`encode`] (messages by hand), [`decode`]
//! (reading the server's answers), [`conn`] (raw connections), [`server`] (the process under
//! test), [`run`] (what a case expects, and running one combination's cases) and [`cases`];
//! [`zlib`] attacks `--transport=zlib` with streams that inflate hugely, are not zlib, or
//! stop short; [`http`] is the group for Thrift over HTTP: each class of bad HTTP request
//! against `test_server --transport=http`.

mod cases;
mod combos;
mod conn;
mod decode;
mod encode;
mod http;
mod run;
mod server;
mod theader;
mod zlib;

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use combos::{Combo, Framing, Proto, Sock, combos};
use encode::{Ty, cat};
use run::run_combo;
use server::Server;

/// The servers' message timeout (`--message-timeout-ms`): how long a stalled or trickling
/// client can hold a connection inside a message.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(2);
/// How soon the server must close (or answer) when the bytes sent already prove the input
/// bad. Shorter than [`MESSAGE_TIMEOUT`], so a server that merely timed out fails it.
const PROMPT: Duration = Duration::from_secs(1);
/// How soon the server must close after the client shut down its write side.
const CLOSE_BOUND: Duration = Duration::from_secs(5);
/// How soon the server must close a client that stalls mid-message.
const STALL_BOUND: Duration = Duration::from_secs(5);
/// Connect, read and write timeout of the fresh client that checks the server after a case.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// The most the server's peak resident memory may reach during a case.
const PEAK_LIMIT_KIB: u64 = 64 * 1024;
/// Combinations run at once (each a server and its clients).
const PARALLEL: usize = 4;
/// Idle connections in `idle_connections_leave_room_for_a_fresh_call`.
const IDLE_CONNECTIONS: usize = 300;
/// Connections in `stalled_and_idle_connections_leave_room_for_a_fresh_call`: half stalled
/// inside a message, half idle.
const HELD_CONNECTIONS: usize = 1000;
/// Fresh calls timed beside them, and the bound on their 99th percentile.
const PROBES: usize = 20;
const PROBE_P99: Duration = Duration::from_millis(100);
/// The message timeout of the server in that test (the stalled connections must outlast
/// setting up and probing).
const HELD_MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn hostile_clients_cannot_hurt_the_server() {
    let results = Mutex::new(Vec::new());
    let peak = AtomicUsize::new(0);
    let start = Instant::now();
    for_each_combo(|combo| {
        let lines = run_combo(combo, &peak);
        results.lock().unwrap().extend(lines);
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| (r.index, r.combo.to_string()));
    println!("== hostile clients: {} results", results.len());
    for r in &results {
        println!("{r}");
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.verdict.is_err())
        .map(ToString::to_string)
        .collect();
    println!(
        "== {} combinations in {:.1} s; highest server peak (VmHWM) in any case: {} KiB",
        combos().len(),
        start.elapsed().as_secs_f64(),
        peak.load(Ordering::Relaxed)
    );
    assert!(
        failed.is_empty(),
        "{} of {} hostile cases failed:\n{}",
        failed.len(),
        results.len(),
        failed.join("\n")
    );
}

/// Hundreds of clients that connect and send nothing must not keep a fresh client from being
/// served promptly.
#[test]
fn idle_connections_leave_room_for_a_fresh_call() {
    let failures = Mutex::new(Vec::new());
    for_each_combo(|combo| {
        if let Err(e) = idle_connections(combo) {
            failures.lock().unwrap().push(format!("{combo}: {e}"));
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{IDLE_CONNECTIONS} idle connections starve fresh clients:\n{}",
        failures.join("\n")
    );
}

fn idle_connections(combo: Combo) -> Result<(), String> {
    let mut server = Server::start(combo, "idle")?;
    let baseline = server.settled_fds(None);
    let mut idle = Vec::with_capacity(IDLE_CONNECTIONS);
    for i in 0..IDLE_CONNECTIONS {
        idle.push(
            server
                .connect()
                .map_err(|e| format!("idle connection {i}: {e}"))?,
        );
    }
    // Let the server accept what it will.
    std::thread::sleep(Duration::from_millis(200));
    let call = server.fresh_call();
    server.check_alive()?;
    let peak = server.peak_kib();
    drop(idle);
    let took = call.map_err(|e| format!("with {IDLE_CONNECTIONS} idle connections open: {e}"))?;
    if let Some(peak) = peak.filter(|&p| p > PEAK_LIMIT_KIB) {
        return Err(format!("peak memory {peak} KiB"));
    }
    let left = server.settled_fds(Some(baseline));
    if left > baseline {
        return Err(format!(
            "{left} descriptors open after the idle clients left, {baseline} before"
        ));
    }
    println!("{combo}: fresh call served in {took:?} beside {IDLE_CONNECTIONS} idle connections");
    Ok(())
}

/// A thousand connections held open, half of them stalled inside a message (the first half
/// of a valid call, then nothing) and half idle, must not keep a fresh call from being served
/// within 100 ms (p99 of 20 probes), binary and compact, buffered and framed, TCP and Unix;
/// the server's peak memory stays under 64 MiB.
#[test]
fn stalled_and_idle_connections_leave_room_for_a_fresh_call() {
    let failures = Mutex::new(Vec::new());
    let combos: Vec<Combo> = combos()
        .into_iter()
        .filter(|c| c.proto != Proto::Json)
        .collect();
    let queue = Mutex::new(combos.into_iter());
    // Two at a time: each holds a thousand client sockets and a server.
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().next();
                    let Some(combo) = next else { break };
                    if let Err(e) = stalled_and_idle(combo) {
                        failures.lock().unwrap().push(format!("{combo}: {e}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{HELD_CONNECTIONS} stalled and idle connections starve fresh clients:\n{}",
        failures.join("\n")
    );
}

fn stalled_and_idle(combo: Combo) -> Result<(), String> {
    // Connecting a thousand clients takes a while over TCP; the stalled ones must still be
    // inside their message when the probes run.
    let server = Server::start_with(combo, "held", HELD_MESSAGE_TIMEOUT)?;
    let p = combo.proto;
    let call = p.call(
        "testString",
        1,
        &[p.field(1, Ty::Str, &p.string("stalled"))],
    );
    let call = if combo.framing == Framing::Framed {
        cat(&[&(call.len() as i32).to_be_bytes(), &call])
    } else {
        call
    };
    let half = &call[..call.len() / 2];
    let started = Instant::now();
    let mut held = Vec::with_capacity(HELD_CONNECTIONS);
    for i in 0..HELD_CONNECTIONS {
        let mut c = server
            .connect()
            .map_err(|e| format!("connection {i}: {e}"))?;
        if i % 2 == 0 {
            c.write_all(half)
                .map_err(|e| format!("stalled connection {i}: {e}"))?;
        }
        held.push(c);
    }
    // Let the server take in what it will.
    std::thread::sleep(Duration::from_millis(200));
    let mut times = Vec::with_capacity(PROBES);
    for _ in 0..PROBES {
        times.push(server.fresh_call()?);
    }
    let elapsed = started.elapsed();
    let peak = server.peak_kib();
    drop(held);
    times.sort();
    let p99 = times[(PROBES * 99).div_ceil(100) - 1];
    if elapsed >= HELD_MESSAGE_TIMEOUT {
        return Err(format!(
            "setting up and probing took {elapsed:?}, past the message timeout: the stalled \
             connections may have been cut off before the probes"
        ));
    }
    if p99 > PROBE_P99 {
        return Err(format!(
            "p99 of {PROBES} fresh calls {p99:?} (all: {times:?})"
        ));
    }
    if let Some(peak) = peak.filter(|&p| p > PEAK_LIMIT_KIB) {
        return Err(format!("peak memory {peak} KiB"));
    }
    println!(
        "{combo}: fresh calls beside {HELD_CONNECTIONS} stalled and idle connections: p99 {p99:?}, \
         median {:?}, server peak {} KiB",
        times[PROBES / 2],
        peak.unwrap_or(0)
    );
    Ok(())
}

/// Runs `f` for every combination, [`PARALLEL`] at a time.
fn for_each_combo(f: impl Fn(Combo) + Sync) {
    let queue = Mutex::new(combos().into_iter());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().next();
                    let Some(combo) = next else { break };
                    f(combo);
                }
            });
        }
    });
}

/// THeader frames against a one-port server, over TCP and a Unix socket (see [`theader`]).
#[test]
fn hostile_theader_frames_cannot_hurt_the_server() {
    let lines: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = [Sock::Tcp, Sock::Unix]
            .into_iter()
            .map(|sock| scope.spawn(move || theader::run(sock)))
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().unwrap())
            .collect()
    });
    println!("== hostile THeader frames: {} results", lines.len());
    for (line, verdict) in &lines {
        println!(
            "{line} {}",
            verdict.as_ref().err().map_or("PASS", String::as_str)
        );
    }
    let failed: Vec<String> = lines
        .iter()
        .filter_map(|(line, v)| v.as_ref().err().map(|e| format!("{line}: {e}")))
        .collect();
    assert!(
        failed.is_empty(),
        "{} hostile THeader cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}
