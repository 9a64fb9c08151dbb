//! Hostile clients against our own `test_server`.
//!
//! For every protocol (binary, compact, JSON) × transport (buffered, framed) × socket (TCP on
//! 127.0.0.1, Unix socket) this starts `test_server` (the default thread-pool server, with
//! `--message-timeout-ms` lowered to [`MESSAGE_TIMEOUT`]) and runs the cases of [`cases`] one
//! after another, each with raw sockets and bytes encoded by hand (the [`Proto`] encoders), so
//! that lengths, counts, types and versions can lie.
//!
//! Each case states what the hostile connection must see ([`Expect`]): the
//! `TApplicationException` SECURITY.md promises, or the connection closed, within a bound
//! that depends on what the server knows ([`Finish`]):
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

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crosstest::idl::cross_test::ThriftTestClient;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use thrift_rt::connect::{self, ClientOptions};
use thrift_rt::protocol::{BinaryReader, CompactReader, JsonReader};
use thrift_rt::transport::FramedReader;
use thrift_rt::{
    ApplicationError, ApplicationErrorKind, MessageType, ProtocolKind, ProtocolReader, ReadThrift,
    TType, TransportKind,
};

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

use Expect::{Answered, AnyThenClosed, Closed, ClosedMaybe, Ignored, Refused};
use Finish::{Eof, Prompt, Stall};

// Message types on the wire.
const CALL: u8 = 1;
const REPLY: u8 = 2;
const EXCEPTION: u8 = 3;
const ONEWAY: u8 = 4;

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

// ---------------------------------------------------------------------------------------------
// Combinations

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    Binary,
    Compact,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Buffered,
    Framed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sock {
    Tcp,
    Unix,
}

#[derive(Clone, Copy, Debug)]
struct Combo {
    proto: Proto,
    framing: Framing,
    sock: Sock,
}

impl fmt::Display for Combo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = match self.proto {
            Proto::Binary => "binary",
            Proto::Compact => "compact",
            Proto::Json => "json",
        };
        let t = match self.framing {
            Framing::Buffered => "buffered",
            Framing::Framed => "framed",
        };
        let s = match self.sock {
            Sock::Tcp => "tcp",
            Sock::Unix => "unix",
        };
        write!(f, "{p}/{t}/{s}")
    }
}

fn combos() -> Vec<Combo> {
    let mut out = Vec::new();
    for proto in [Proto::Binary, Proto::Compact, Proto::Json] {
        for framing in [Framing::Buffered, Framing::Framed] {
            for sock in [Sock::Tcp, Sock::Unix] {
                out.push(Combo {
                    proto,
                    framing,
                    sock,
                });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Encoding by hand

/// Wire types, with an id no protocol knows.
#[derive(Clone, Copy, Debug)]
enum Ty {
    I8,
    I32,
    I64,
    Str,
    Struct,
    List,
    Set,
    Map,
    Bogus,
}

impl Ty {
    fn binary(self) -> u8 {
        match self {
            Ty::I8 => 3,
            Ty::I32 => 8,
            Ty::I64 => 10,
            Ty::Str => 11,
            Ty::Struct => 12,
            Ty::Map => 13,
            Ty::Set => 14,
            Ty::List => 15,
            Ty::Bogus => 0x63,
        }
    }

    fn compact(self) -> u8 {
        match self {
            Ty::I8 => 3,
            Ty::I32 => 5,
            Ty::I64 => 6,
            Ty::Str => 8,
            Ty::List => 9,
            Ty::Set => 10,
            Ty::Map => 11,
            Ty::Struct => 12,
            Ty::Bogus => 14,
        }
    }

    fn json(self) -> &'static str {
        match self {
            Ty::I8 => "i8",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::Str => "str",
            Ty::Struct => "rec",
            Ty::List => "lst",
            Ty::Set => "set",
            Ty::Map => "map",
            Ty::Bogus => "zzz",
        }
    }
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

fn zigzag32(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Encoders that write whatever they are told, lies included.
impl Proto {
    fn kind(self) -> ProtocolKind {
        match self {
            Proto::Binary => ProtocolKind::Binary,
            Proto::Compact => ProtocolKind::Compact,
            Proto::Json => ProtocolKind::Json,
        }
    }

    /// A message header with a chosen version byte (1 is the valid one for each protocol).
    fn header_version(self, name: &[u8], kind: u8, seqid: i32, version: u8) -> Vec<u8> {
        match self {
            Proto::Binary => cat(&[
                &[0x80, version, 0, kind],
                &(name.len() as i32).to_be_bytes(),
                name,
                &seqid.to_be_bytes(),
            ]),
            Proto::Compact => cat(&[
                &[0x82, (kind << 5) | version],
                &varint(u64::from(seqid as u32)),
                &varint(name.len() as u64),
                name,
            ]),
            Proto::Json => cat(&[
                format!("[{version},\"").as_bytes(),
                name,
                format!("\",{kind},{seqid},").as_bytes(),
            ]),
        }
    }

    fn header(self, name: &[u8], kind: u8, seqid: i32) -> Vec<u8> {
        self.header_version(name, kind, seqid, 1)
    }

    /// A whole message: header, the body (a struct), and JSON's closing bracket.
    fn message(self, name: &[u8], kind: u8, seqid: i32, body: &[u8]) -> Vec<u8> {
        self.finish(self.header(name, kind, seqid), body)
    }

    fn finish(self, header: Vec<u8>, body: &[u8]) -> Vec<u8> {
        let mut out = header;
        out.extend_from_slice(body);
        if self == Proto::Json {
            out.push(b']');
        }
        out
    }

    fn call(self, name: &str, seqid: i32, fields: &[Vec<u8>]) -> Vec<u8> {
        self.message(name.as_bytes(), CALL, seqid, &self.strukt(fields))
    }

    /// A struct holding `fields` (each from [`Proto::field`]).
    fn strukt(self, fields: &[Vec<u8>]) -> Vec<u8> {
        match self {
            Proto::Binary | Proto::Compact => {
                let mut out = fields.concat();
                out.push(0);
                out
            }
            Proto::Json => cat(&[b"{", &fields.join(&b","[..]), b"}"]),
        }
    }

    fn field(self, id: i16, ty: Ty, value: &[u8]) -> Vec<u8> {
        match self {
            Proto::Binary => cat(&[&[ty.binary()], &id.to_be_bytes(), value]),
            // Always the long form (type, then the id as a zigzag varint): it does not depend
            // on the previous field's id.
            Proto::Compact => cat(&[
                &[ty.compact()],
                &varint(u64::from(((id << 1) ^ (id >> 15)) as u16)),
                value,
            ]),
            Proto::Json => cat(&[
                format!("\"{id}\":{{\"{}\":", ty.json()).as_bytes(),
                value,
                b"}",
            ]),
        }
    }

    fn i8v(self, v: i8) -> Vec<u8> {
        match self {
            Proto::Binary | Proto::Compact => vec![v as u8],
            Proto::Json => v.to_string().into_bytes(),
        }
    }

    fn i32v(self, v: i32) -> Vec<u8> {
        match self {
            Proto::Binary => v.to_be_bytes().to_vec(),
            Proto::Compact => varint(zigzag32(v)),
            Proto::Json => v.to_string().into_bytes(),
        }
    }

    fn i64v(self, v: i64) -> Vec<u8> {
        match self {
            Proto::Binary => v.to_be_bytes().to_vec(),
            Proto::Compact => varint(zigzag64(v)),
            Proto::Json => v.to_string().into_bytes(),
        }
    }

    /// A map key of type i32 (JSON quotes keys).
    fn key_i32(self, v: i32) -> Vec<u8> {
        match self {
            Proto::Json => format!("\"{v}\"").into_bytes(),
            _ => self.i32v(v),
        }
    }

    /// A string or binary claiming `claimed` bytes (JSON has no lengths: the bytes, quoted).
    fn strv(self, claimed: i64, bytes: &[u8]) -> Vec<u8> {
        match self {
            Proto::Binary => cat(&[&(claimed as i32).to_be_bytes(), bytes]),
            Proto::Compact => cat(&[&varint(u64::from(claimed as i32 as u32)), bytes]),
            Proto::Json => cat(&[b"\"", bytes, b"\""]),
        }
    }

    fn string(self, s: &str) -> Vec<u8> {
        self.strv(s.len() as i64, s.as_bytes())
    }

    /// A list (or set) of `elem` claiming `claimed` elements, holding `elems`.
    fn listv(self, elem: Ty, claimed: i64, elems: &[Vec<u8>]) -> Vec<u8> {
        match self {
            Proto::Binary => cat(&[
                &[elem.binary()],
                &(claimed as i32).to_be_bytes(),
                &elems.concat(),
            ]),
            Proto::Compact => {
                let head = if (0..15).contains(&claimed) {
                    vec![((claimed as u8) << 4) | elem.compact()]
                } else {
                    cat(&[
                        &[0xf0 | elem.compact()],
                        &varint(u64::from(claimed as i32 as u32)),
                    ])
                };
                cat(&[&head, &elems.concat()])
            }
            Proto::Json => {
                let mut out = format!("[\"{}\",{claimed}", elem.json()).into_bytes();
                for e in elems {
                    out.push(b',');
                    out.extend_from_slice(e);
                }
                out.push(b']');
                out
            }
        }
    }

    /// A map claiming `claimed` entries, holding `entries`.
    fn mapv(self, key: Ty, value: Ty, claimed: i64, entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        match self {
            Proto::Binary => {
                let mut out = cat(&[
                    &[key.binary(), value.binary()],
                    &(claimed as i32).to_be_bytes(),
                ]);
                for (k, v) in entries {
                    out.extend_from_slice(k);
                    out.extend_from_slice(v);
                }
                out
            }
            Proto::Compact => {
                if claimed == 0 && entries.is_empty() {
                    return vec![0];
                }
                let mut out = cat(&[
                    &varint(u64::from(claimed as i32 as u32)),
                    &[(key.compact() << 4) | value.compact()],
                ]);
                for (k, v) in entries {
                    out.extend_from_slice(k);
                    out.extend_from_slice(v);
                }
                out
            }
            Proto::Json => {
                let pairs: Vec<Vec<u8>> = entries.iter().map(|(k, v)| cat(&[k, b":", v])).collect();
                cat(&[
                    format!("[\"{}\",\"{}\",{claimed},{{", key.json(), value.json()).as_bytes(),
                    &pairs.join(&b","[..]),
                    b"}]",
                ])
            }
        }
    }

    /// A struct value nested `levels` deep through field 99 (the innermost struct is empty).
    fn nested_structs(self, levels: usize) -> Vec<u8> {
        let inner = levels.saturating_sub(1);
        match self {
            Proto::Binary => cat(&[&[12u8, 0, 99].repeat(inner), &vec![0u8; levels]]),
            Proto::Compact => cat(&[&[12u8, 0xc6, 0x01].repeat(inner), &vec![0u8; levels]]),
            Proto::Json => cat(&[
                &br#"{"99":{"rec":"#.repeat(inner),
                b"{}",
                &b"}}".repeat(inner),
            ]),
        }
    }

    /// A list of lists ... nested `levels` deep (the innermost an empty `list<i32>`).
    fn nested_lists(self, levels: usize) -> Vec<u8> {
        let inner = levels.saturating_sub(1);
        match self {
            Proto::Binary => cat(&[&[15u8, 0, 0, 0, 1].repeat(inner), &[8, 0, 0, 0, 0]]),
            Proto::Compact => cat(&[&[0x19u8].repeat(inner), &[0x05]]),
            Proto::Json => cat(&[
                &br#"["lst",1,"#.repeat(inner),
                br#"["i32",0]"#,
                &b"]".repeat(inner),
            ]),
        }
    }

    /// A `map<i32, map<i32, ...>>` nested `levels` deep (the innermost empty).
    fn nested_maps(self, levels: usize) -> Vec<u8> {
        let inner = levels.saturating_sub(1);
        match self {
            Proto::Binary => cat(&[
                &[8u8, 13, 0, 0, 0, 1, 0, 0, 0, 1].repeat(inner),
                &[8, 8, 0, 0, 0, 0],
            ]),
            Proto::Compact => cat(&[&[0x01u8, 0x5b, 0x02].repeat(inner), &[0x00]]),
            Proto::Json => cat(&[
                &br#"["i32","map",1,{"1":"#.repeat(inner),
                br#"["i32","i32",0,{}]"#,
                &b"}]".repeat(inner),
            ]),
        }
    }

    // Valid calls.

    fn test_i32(self, seqid: i32, v: i32) -> Vec<u8> {
        self.call("testI32", seqid, &[self.field(1, Ty::I32, &self.i32v(v))])
    }

    fn test_string(self, seqid: i32, s: &str) -> Vec<u8> {
        self.call(
            "testString",
            seqid,
            &[self.field(1, Ty::Str, &self.string(s))],
        )
    }

    fn xtruct(self, s: &str, b: i8, i: i32, l: i64) -> Vec<u8> {
        self.strukt(&[
            self.field(1, Ty::Str, &self.string(s)),
            self.field(4, Ty::I8, &self.i8v(b)),
            self.field(9, Ty::I32, &self.i32v(i)),
            self.field(11, Ty::I64, &self.i64v(l)),
        ])
    }

    fn test_struct(self, seqid: i32) -> Vec<u8> {
        let x = self.xtruct("hostile", -3, 77, -1 << 40);
        self.call("testStruct", seqid, &[self.field(1, Ty::Struct, &x)])
    }

    fn test_nest(self, seqid: i32) -> Vec<u8> {
        let x2 = self.strukt(&[
            self.field(1, Ty::I8, &self.i8v(1)),
            self.field(2, Ty::Struct, &self.xtruct("inner", 2, 3, 4)),
            self.field(3, Ty::I32, &self.i32v(5)),
        ]);
        self.call("testNest", seqid, &[self.field(1, Ty::Struct, &x2)])
    }

    fn test_list(self, seqid: i32) -> Vec<u8> {
        let elems: Vec<Vec<u8>> = [-1, 0, 1, i32::MAX].map(|v| self.i32v(v)).to_vec();
        self.call(
            "testList",
            seqid,
            &[self.field(1, Ty::List, &self.listv(Ty::I32, 4, &elems))],
        )
    }

    fn test_map(self, seqid: i32) -> Vec<u8> {
        let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..3)
            .map(|i| (self.key_i32(i), self.i32v(i * 10)))
            .collect();
        self.call(
            "testMap",
            seqid,
            &[self.field(1, Ty::Map, &self.mapv(Ty::I32, Ty::I32, 3, &entries))],
        )
    }

    /// The length of the header of `message` (as built by [`Proto::header`] for `name`).
    fn header_len(self, name: &str, seqid: i32) -> usize {
        self.header(name.as_bytes(), CALL, seqid).len()
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding what the server sends back (with our own library: only the client is hostile)

#[derive(Clone, Debug, PartialEq)]
enum Value {
    I32(i32),
    Str(String),
    Other,
}

#[derive(Clone, Debug, PartialEq)]
enum Msg {
    Reply { seqid: i32, value: Option<Value> },
    Exception(ApplicationErrorKind, String),
    Other(MessageType),
}

fn decode_one<R: ProtocolReader>(r: &mut R) -> thrift_rt::Result<Msg> {
    let header = r.read_message_begin()?;
    let msg = match header.kind {
        MessageType::Exception => {
            let e = ApplicationError::read(r)?;
            Msg::Exception(e.kind, e.message)
        }
        MessageType::Reply => {
            let mut value = None;
            r.read_struct_begin()?;
            while let Some(field) = r.read_field_begin()? {
                if field.id == 0 {
                    value = Some(match field.ttype {
                        TType::I32 => Value::I32(r.read_i32()?),
                        TType::String => Value::Str(r.read_string()?),
                        other => {
                            r.skip(other)?;
                            Value::Other
                        }
                    });
                } else {
                    r.skip(field.ttype)?;
                }
                r.read_field_end()?;
            }
            r.read_struct_end()?;
            Msg::Reply {
                seqid: header.seqid,
                value,
            }
        }
        other => {
            r.skip(TType::Struct)?;
            Msg::Other(other)
        }
    };
    r.read_message_end()?;
    Ok(msg)
}

fn decode_with<R: ProtocolReader>(mut r: R) -> Vec<Msg> {
    let mut out = Vec::new();
    while let Ok(true) = r.has_message() {
        match decode_one(&mut r) {
            Ok(m) => out.push(m),
            Err(_) => break,
        }
    }
    out
}

/// The whole messages in `bytes` (a partial one at the end is left out).
fn decode_all(combo: Combo, bytes: &[u8]) -> Vec<Msg> {
    match (combo.proto, combo.framing) {
        (Proto::Binary, Framing::Buffered) => decode_with(BinaryReader::new(bytes)),
        (Proto::Binary, Framing::Framed) => {
            decode_with(BinaryReader::new(FramedReader::new(bytes)))
        }
        (Proto::Compact, Framing::Buffered) => decode_with(CompactReader::new(bytes)),
        (Proto::Compact, Framing::Framed) => {
            decode_with(CompactReader::new(FramedReader::new(bytes)))
        }
        (Proto::Json, Framing::Buffered) => decode_with(JsonReader::new(bytes)),
        (Proto::Json, Framing::Framed) => decode_with(JsonReader::new(FramedReader::new(bytes))),
    }
}

// ---------------------------------------------------------------------------------------------
// Raw connections

enum Raw {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Raw {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Raw::Tcp(s) => s.set_read_timeout(t),
            Raw::Unix(s) => s.set_read_timeout(t),
        }
    }

    fn set_write_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Raw::Tcp(s) => s.set_write_timeout(t),
            Raw::Unix(s) => s.set_write_timeout(t),
        }
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self {
            Raw::Tcp(s) => s.shutdown(how),
            Raw::Unix(s) => s.shutdown(how),
        }
    }

    /// Closes abruptly: a TCP reset (`SO_LINGER` 0), or a plain close for a Unix socket.
    fn reset(self) {
        if let Raw::Tcp(s) = &self {
            let linger = nix::libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            let _ = nix::sys::socket::setsockopt(s, nix::sys::socket::sockopt::Linger, &linger);
        }
        drop(self);
    }
}

impl Read for Raw {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Raw::Tcp(s) => s.read(buf),
            Raw::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Raw {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Raw::Tcp(s) => s.write(buf),
            Raw::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a connection received until it closed or a bound passed.
struct Seen {
    bytes: Vec<u8>,
    closed: bool,
    after: Duration,
}

/// Reads until the server closes the connection (end of stream or reset) or `bound` passes.
fn read_until_closed(conn: &mut Raw, bound: Duration) -> Seen {
    let start = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = bound.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Seen {
                bytes,
                closed: false,
                after: start.elapsed(),
            };
        }
        let _ = conn.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                // Keep what a well-behaved server could send; ignore a flood.
                if bytes.len() < 1 << 20 {
                    bytes.extend_from_slice(&buf[..n]);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            // Reset by the server: closed too.
            Err(_) => break,
        }
    }
    Seen {
        bytes,
        closed: true,
        after: start.elapsed(),
    }
}

/// Reads until `want` whole messages arrived; fails when the connection closes first or
/// `bound` passes.
fn read_messages(
    combo: Combo,
    conn: &mut Raw,
    want: usize,
    bound: Duration,
) -> Result<Vec<Msg>, String> {
    let start = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let msgs = decode_all(combo, &bytes);
        if msgs.len() >= want {
            return Ok(msgs);
        }
        let left = bound.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(format!(
                "{} of {want} answers within {bound:?} ({} bytes: {msgs:?})",
                msgs.len(),
                bytes.len()
            ));
        }
        let _ = conn.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match conn.read(&mut buf) {
            Ok(0) => {
                return Err(format!(
                    "closed after {} of {want} answers ({msgs:?})",
                    msgs.len()
                ));
            }
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => {
                return Err(format!(
                    "{e} after {} of {want} answers ({msgs:?})",
                    msgs.len()
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The server under test

struct Server {
    child: Child,
    /// Kept open so the server's stdout never breaks.
    _stdout: BufReader<ChildStdout>,
    combo: Combo,
    port: u16,
    path: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    fn start(combo: Combo, tag: &str) -> Result<Server, String> {
        Self::start_with(combo, tag, MESSAGE_TIMEOUT)
    }

    /// [`start`](Self::start) with another message timeout.
    fn start_with(combo: Combo, tag: &str, message_timeout: Duration) -> Result<Server, String> {
        let mut last = String::new();
        // A port found free can be taken by someone else before the server binds it.
        for _ in 0..3 {
            match Self::try_start(combo, tag, message_timeout) {
                Ok(server) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn try_start(combo: Combo, tag: &str, message_timeout: Duration) -> Result<Server, String> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let port = free_port();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("hostile-{}-{n}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let logs = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile-logs");
        std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
        let log_name = format!("{tag}-{combo}.log").replace('/', "-");
        let log = std::fs::File::create(logs.join(log_name)).map_err(|e| e.to_string())?;
        let mut command = Command::new(env!("CARGO_BIN_EXE_test_server"));
        command
            .arg(format!(
                "--protocol={}",
                match combo.proto {
                    Proto::Binary => "binary",
                    Proto::Compact => "compact",
                    Proto::Json => "json",
                }
            ))
            .arg(format!(
                "--transport={}",
                match combo.framing {
                    Framing::Buffered => "buffered",
                    Framing::Framed => "framed",
                }
            ))
            .arg(format!("--port={port}"))
            .arg(format!(
                "--message-timeout-ms={}",
                message_timeout.as_millis()
            ));
        if combo.sock == Sock::Unix {
            command.arg(format!("--domain-socket={}", path.display()));
        }
        if let Ok(extra) = std::env::var("HOSTILE_SERVER_ARGS") {
            command.args(extra.split_whitespace());
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start test_server: {e}"))?;
        // The readiness line comes once the server listens.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send((line, reader));
        });
        let ready = rx.recv_timeout(Duration::from_secs(15));
        match ready {
            Ok((line, reader)) if line.starts_with("Starting") => Ok(Server {
                child,
                _stdout: reader,
                combo,
                port,
                path,
            }),
            other => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "test_server did not start: {:?}",
                    other.map(|(line, _)| line)
                ))
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!("the server died: {status}")),
            Err(e) => Err(format!("cannot check the server: {e}")),
        }
    }

    fn status_kib(&self, key: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// The peak resident memory since the last [`Server::reset_peak`].
    fn peak_kib(&self) -> Option<u64> {
        self.status_kib("VmHWM:")
    }

    /// Resets `VmHWM` to the current resident size (Linux: `5` into `clear_refs`).
    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
    }

    fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map_or(0, Iterator::count)
    }

    /// The server's open descriptors once they stop falling (or reach `target`), within 5 s.
    fn settled_fds(&self, target: Option<usize>) -> usize {
        let start = Instant::now();
        let mut last = self.open_fds();
        while start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
            let now = self.open_fds();
            match target {
                Some(t) if now <= t => return now,
                None if now == last && start.elapsed() > Duration::from_millis(100) => return now,
                _ => {}
            }
            last = now;
        }
        last
    }

    fn connect(&self) -> io::Result<Raw> {
        let conn = match self.combo.sock {
            Sock::Tcp => {
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
                let s = TcpStream::connect_timeout(&addr, CALL_TIMEOUT)?;
                s.set_nodelay(true)?;
                Raw::Tcp(s)
            }
            Sock::Unix => Raw::Unix(UnixStream::connect(&self.path)?),
        };
        conn.set_write_timeout(Some(CLOSE_BOUND))?;
        Ok(conn)
    }

    /// A fresh client (our generated client over `thrift_rt::connect`) calls `testString`
    /// and `testI32`; returns how long that took.
    fn fresh_call(&self) -> Result<Duration, String> {
        let transport = match self.combo.framing {
            Framing::Buffered => TransportKind::Buffered,
            Framing::Framed => TransportKind::Framed,
        };
        let opts = ClientOptions::default()
            .protocol(self.combo.proto.kind())
            .transport(transport)
            .timeouts(CALL_TIMEOUT);
        let start = Instant::now();
        let (r, w) = match self.combo.sock {
            Sock::Tcp => connect::connect_tcp(("127.0.0.1", self.port), &opts),
            Sock::Unix => connect::connect_unix(&self.path, &opts),
        }
        .map_err(|e| format!("fresh client cannot connect: {e}"))?;
        let mut client = ThriftTestClient::new(r, w);
        let thing = "a fresh client after a hostile one";
        match client.test_string(thing) {
            Ok(s) if s == thing => {}
            Ok(s) => return Err(format!("fresh testString answered {s:?}")),
            Err(e) => {
                return Err(format!(
                    "fresh testString failed after {:?}: {e}",
                    start.elapsed()
                ));
            }
        }
        match client.test_i32(-1_234_567) {
            Ok(-1_234_567) => Ok(start.elapsed()),
            Ok(n) => Err(format!("fresh testI32 answered {n}")),
            Err(e) => Err(format!(
                "fresh testI32 failed after {:?}: {e}",
                start.elapsed()
            )),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGHUP);
        }
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.path);
    }
}

// ---------------------------------------------------------------------------------------------
// Running cases

/// What the hostile connection must see.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Closed, with nothing sent back (the message header could not be read).
    Closed,
    /// This exception, then closed (the header was read, the rest was bad).
    Refused(ApplicationErrorKind),
    /// Closed, possibly after this exception: the server stopped reading a large input, so
    /// closing may reset the connection before the exception can be read, or the header may
    /// not have been complete.
    ClosedMaybe(ApplicationErrorKind),
    /// This exception, and the connection then serves a call.
    Answered(ApplicationErrorKind),
    /// No answer, and the connection then serves a call (an unknown oneway).
    Ignored,
    /// Whatever answers the input earns, then closed (random input, after end of input).
    AnyThenClosed,
}

/// How the client ends its input, which sets the bound for the server to react.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Finish {
    /// Keeps the connection open: the bytes sent prove the input bad, so the server must
    /// react within [`PROMPT`].
    Prompt,
    /// Shuts down its write side: the server sees the end of input, and must react within
    /// [`CLOSE_BOUND`].
    Eof,
    /// Keeps the connection open mid-message: the server's message timeout must cut it off
    /// within [`STALL_BOUND`].
    Stall,
}

impl Finish {
    fn bound(self) -> Duration {
        match self {
            Finish::Prompt => PROMPT,
            Finish::Eof => CLOSE_BOUND,
            Finish::Stall => STALL_BOUND,
        }
    }
}

struct Ctx<'a> {
    server: &'a Server,
    combo: Combo,
}

/// A case passed or does not apply to the combination.
#[derive(Debug)]
enum Done {
    Pass,
    NotApplicable,
}

type CaseResult = Result<Done, String>;

impl Ctx<'_> {
    fn p(&self) -> Proto {
        self.combo.proto
    }

    fn framed(&self) -> bool {
        self.combo.framing == Framing::Framed
    }

    /// `payload` as the transport carries one message.
    fn frame(&self, payload: &[u8]) -> Vec<u8> {
        if self.framed() {
            cat(&[&(payload.len() as i32).to_be_bytes(), payload])
        } else {
            payload.to_vec()
        }
    }

    /// For a length or count the server can only prove a lie once the input ends: a framed
    /// server knows at once (the frame ended), a buffered one must wait for the bytes.
    fn short_input(&self) -> Finish {
        if self.framed() {
            Finish::Prompt
        } else {
            Finish::Eof
        }
    }

    /// Sends `wire` on a new connection, ends the input as `finish` says and checks what
    /// comes back against `expect`.
    fn exchange(&self, wire: &[u8], finish: Finish, expect: Expect) -> Result<(), String> {
        let mut conn = self
            .server
            .connect()
            .map_err(|e| format!("cannot connect: {e}"))?;
        let written = conn.write_all(wire);
        if finish == Finish::Eof {
            let _ = conn.shutdown(Shutdown::Write);
        }
        match expect {
            Expect::Answered(kind) => {
                written.map_err(|e| format!("write: {e}"))?;
                let msgs = read_messages(self.combo, &mut conn, 1, finish.bound())?;
                match &msgs[0] {
                    Msg::Exception(k, _) if *k == kind => {}
                    other => return Err(format!("expected a {kind:?} exception, got {other:?}")),
                }
                self.serves(&mut conn)
            }
            Expect::Ignored => {
                written.map_err(|e| format!("write: {e}"))?;
                self.serves(&mut conn)
            }
            Expect::Closed
            | Expect::Refused(_)
            | Expect::ClosedMaybe(_)
            | Expect::AnyThenClosed => {
                let bound = finish.bound();
                let seen = read_until_closed(&mut conn, bound);
                let msgs = decode_all(self.combo, &seen.bytes);
                if !seen.closed {
                    return Err(format!(
                        "still open {bound:?} after the input ({finish:?}); received {msgs:?}"
                    ));
                }
                let exceptions: Vec<ApplicationErrorKind> = msgs
                    .iter()
                    .filter_map(|m| match m {
                        Msg::Exception(k, _) => Some(*k),
                        _ => None,
                    })
                    .collect();
                let ok = match expect {
                    Expect::Closed => seen.bytes.is_empty(),
                    Expect::Refused(kind) => exceptions == [kind] && msgs.len() == 1,
                    Expect::ClosedMaybe(kind) => {
                        exceptions.len() == msgs.len() && exceptions.iter().all(|k| *k == kind)
                    }
                    _ => true,
                };
                if ok {
                    Ok(())
                } else {
                    Err(format!(
                        "expected {expect:?}, got {msgs:?} ({} bytes) and a close after {:?}",
                        seen.bytes.len(),
                        seen.after
                    ))
                }
            }
        }
    }

    /// The connection still serves: a `testI32` call gets its reply.
    fn serves(&self, conn: &mut Raw) -> Result<(), String> {
        let seqid = 4242;
        conn.write_all(&self.frame(&self.p().test_i32(seqid, 987_654)))
            .map_err(|e| format!("the follow-up call cannot be sent: {e}"))?;
        let msgs = read_messages(self.combo, conn, 1, CLOSE_BOUND)
            .map_err(|e| format!("the follow-up call: {e}"))?;
        match &msgs[..] {
            [
                Msg::Reply {
                    seqid: s,
                    value: Some(Value::I32(987_654)),
                },
            ] if *s == seqid => Ok(()),
            other => Err(format!("the follow-up call got {other:?}")),
        }
    }
}

struct CaseLine {
    /// The case's place in [`cases`].
    index: usize,
    combo: Combo,
    case: &'static str,
    took: Duration,
    peak_kib: Option<u64>,
    verdict: CaseResult,
}

impl fmt::Display for CaseLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match &self.verdict {
            Ok(Done::Pass) => "PASS".to_owned(),
            Ok(Done::NotApplicable) => "n/a".to_owned(),
            Err(e) => format!("FAIL: {e}"),
        };
        let peak = self
            .peak_kib
            .map_or_else(|| "?".to_owned(), |k| format!("{k} KiB"));
        write!(
            f,
            "{:44} {:22} {:>6.2}s  peak {:>10}  {verdict}",
            self.case,
            self.combo.to_string(),
            self.took.as_secs_f64(),
            peak
        )
    }
}

fn run_combo(combo: Combo, highest: &AtomicUsize) -> Vec<CaseLine> {
    let mut server = match Server::start(combo, "cases") {
        Ok(s) => s,
        Err(e) => {
            return vec![CaseLine {
                index: 0,
                combo,
                case: "(server start)",
                took: Duration::ZERO,
                peak_kib: None,
                verdict: Err(e),
            }];
        }
    };
    // A first call warms the server up (threads, buffers); the descriptors it leaves open
    // are the baseline every case must come back to.
    let warm = server.fresh_call();
    let mut baseline = server.settled_fds(None);
    let mut lines = Vec::new();
    if let Err(e) = warm {
        lines.push(CaseLine {
            index: 0,
            combo,
            case: "(first call)",
            took: Duration::ZERO,
            peak_kib: None,
            verdict: Err(e),
        });
        return lines;
    }
    for (index, (case, run)) in cases().into_iter().enumerate() {
        server.reset_peak();
        let start = Instant::now();
        let ctx = Ctx {
            server: &server,
            combo,
        };
        let mut verdict = run(&ctx);
        let took = start.elapsed();
        // The checks after every case.
        let after = (|| {
            server.check_alive()?;
            server.fresh_call()?;
            let open = server.settled_fds(Some(baseline));
            if open > baseline {
                return Err(format!(
                    "{open} descriptors open in the server after the case, {baseline} before"
                ));
            }
            Ok(())
        })();
        let peak_kib = server.peak_kib();
        if let Some(peak) = peak_kib {
            highest.fetch_max(peak as usize, Ordering::Relaxed);
            if peak > PEAK_LIMIT_KIB && verdict.is_ok() {
                verdict = Err(format!(
                    "server peak memory {peak} KiB > {PEAK_LIMIT_KIB} KiB"
                ));
            }
        }
        if let Err(e) = after {
            verdict = Err(match verdict {
                Ok(_) => format!("after the case: {e}"),
                Err(v) => format!("{v}; after the case: {e}"),
            });
        }
        let dead = server.check_alive().is_err();
        lines.push(CaseLine {
            index,
            combo,
            case,
            took,
            peak_kib,
            verdict,
        });
        if dead {
            break;
        }
        baseline = baseline.min(server.open_fds());
    }
    lines
}

type Case = (&'static str, fn(&Ctx<'_>) -> CaseResult);

fn cases() -> Vec<Case> {
    vec![
        (
            "negative string and binary lengths",
            negative_string_lengths,
        ),
        (
            "oversized string and binary lengths",
            oversized_string_lengths,
        ),
        (
            "string lengths beyond the bytes sent",
            string_lengths_beyond_input,
        ),
        ("negative container counts", negative_container_counts),
        ("oversized container counts", oversized_container_counts),
        (
            "container counts beyond the bytes sent",
            container_counts_beyond_input,
        ),
        ("negative frame sizes", negative_frame_sizes),
        ("oversized frame sizes", oversized_frame_sizes),
        (
            "frame sizes beyond the bytes sent",
            frame_sizes_beyond_input,
        ),
        ("nesting 10,000 deep (unknown fields)", |c| {
            deep_unknown(c, 10_000)
        }),
        ("nesting 100,000 deep (unknown fields)", |c| {
            deep_unknown(c, 100_000)
        }),
        ("nesting 10,000 deep (known fields)", |c| {
            deep_known(c, 10_000)
        }),
        ("nesting 100,000 deep (known fields)", |c| {
            deep_known(c, 100_000)
        }),
        ("nesting 100,000 deep (unknown method)", deep_unknown_method),
        ("unknown type ids", unknown_type_ids),
        ("truncated messages", truncated_messages),
        ("truncated frames", truncated_frames),
        ("truncated message, then a stall", truncated_then_stall),
        ("zero-length frame flood", zero_length_frame_flood),
        (
            "zero-length frames before a call",
            zero_length_frames_then_call,
        ),
        ("over-long varints and numbers", over_long_varints),
        ("invalid UTF-8", invalid_utf8),
        ("bad protocol versions", bad_versions),
        ("bad message types", bad_message_types),
        ("unknown methods", unknown_methods),
        (
            "replies and exceptions sent to a server",
            replies_to_a_server,
        ),
        ("random garbage (seeded)", random_garbage),
        ("mutated calls (seeded)", mutated_calls),
        ("slow client, one byte per 100 ms", slow_client),
        ("abrupt disconnects mid-message", abrupt_disconnects),
        ("disconnect before a large reply", disconnect_before_reply),
        ("connection flood", connection_flood),
        ("call flood", call_flood),
    ]
}

// ---------------------------------------------------------------------------------------------
// The cases

const BAD_ARGS: Expect = Refused(ApplicationErrorKind::ProtocolError);

/// The inputs of a case, each sent on a connection of its own.
struct Inputs<'c> {
    ctx: &'c Ctx<'c>,
    list: Vec<(String, Vec<u8>, Finish, Expect)>,
}

impl<'c> Inputs<'c> {
    fn new(ctx: &'c Ctx<'c>) -> Self {
        Self {
            ctx,
            list: Vec::new(),
        }
    }

    /// One message, framed as the transport frames one.
    fn message(
        &mut self,
        label: impl fmt::Display,
        message: &[u8],
        finish: Finish,
        expect: Expect,
    ) {
        let wire = self.ctx.frame(message);
        self.raw(label, wire, finish, expect);
    }

    /// Bytes sent as they are.
    fn raw(&mut self, label: impl fmt::Display, wire: Vec<u8>, finish: Finish, expect: Expect) {
        self.list.push((label.to_string(), wire, finish, expect));
    }

    /// Runs [`Ctx::exchange`] for each input, stopping at the first failure.
    fn run(self) -> CaseResult {
        for (label, wire, finish, expect) in self.list {
            self.ctx
                .exchange(&wire, finish, expect)
                .map_err(|e| format!("{label}: {e}"))?;
        }
        Ok(Done::Pass)
    }
}

fn negative_string_lengths(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    if p == Proto::Json {
        // JSON strings carry no length; negative list counts are covered by "negative
        // container counts".
        return Ok(Done::NotApplicable);
    }
    let mut t = Inputs::new(c);
    for claimed in [-1i64, -100, i64::from(i32::MIN)] {
        for method in ["testString", "testBinary"] {
            let call = p.call(method, 1, &[p.field(1, Ty::Str, &p.strv(claimed, b"abc"))]);
            t.message(
                format!("{method} length {claimed}"),
                &call,
                Prompt,
                BAD_ARGS,
            );
        }
    }
    t.run()
}

fn oversized_string_lengths(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let mut t = Inputs::new(c);
    if p == Proto::Json {
        // No lengths in JSON: a binary that is not base64 instead.
        let call = p.call(
            "testBinary",
            1,
            &[p.field(1, Ty::Str, b"\"@@@@ not base64\"")],
        );
        t.message("testBinary with invalid base64", &call, Prompt, BAD_ARGS);
        return t.run();
    }
    // Beyond `max_string_len` (100 MiB): refused at once, whatever the transport.
    for claimed in [i64::from(i32::MAX), 100 * 1024 * 1024 + 1] {
        for method in ["testString", "testBinary"] {
            let call = p.call(method, 1, &[p.field(1, Ty::Str, &p.strv(claimed, b"abc"))]);
            t.message(
                format!("{method} length {claimed}"),
                &call,
                Prompt,
                BAD_ARGS,
            );
        }
    }
    // The method name too: the header cannot be read, so nothing is answered.
    let header = match p {
        Proto::Binary => cat(&[&[0x80, 1, 0, CALL], &i32::MAX.to_be_bytes(), b"test"]),
        _ => cat(&[
            &[0x82, 0x21, 0x01],
            &varint(u64::from(i32::MAX as u32)),
            b"test",
        ]),
    };
    t.message("method name length i32::MAX", &header, Prompt, Closed);
    t.run()
}

fn string_lengths_beyond_input(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    if p == Proto::Json {
        return Ok(Done::NotApplicable);
    }
    let mut t = Inputs::new(c);
    // Within the limit, but far more than was sent: nothing may be allocated for it.
    for claimed in [1_000_000i64, 50_000_000] {
        let call = p.call(
            "testString",
            1,
            &[p.field(1, Ty::Str, &p.strv(claimed, b"abc"))],
        );
        t.message(
            format!("length {claimed}, 3 bytes sent"),
            &call,
            c.short_input(),
            BAD_ARGS,
        );
    }
    t.run()
}

/// `testList`, `testSet` and `testMap` calls whose container claims `claimed` elements and
/// holds one (and, with `structs`, `testInsanity` with a list of `claimed` structs).
fn container_calls(p: Proto, claimed: i64, structs: bool) -> Vec<(String, Vec<u8>)> {
    let one = [p.i32v(1)];
    let entry = [(p.key_i32(1), p.i32v(1))];
    let mut calls = vec![
        (
            "list",
            p.call(
                "testList",
                1,
                &[p.field(1, Ty::List, &p.listv(Ty::I32, claimed, &one))],
            ),
        ),
        (
            "set",
            p.call(
                "testSet",
                1,
                &[p.field(1, Ty::Set, &p.listv(Ty::I32, claimed, &one))],
            ),
        ),
        (
            "map",
            p.call(
                "testMap",
                1,
                &[p.field(1, Ty::Map, &p.mapv(Ty::I32, Ty::I32, claimed, &entry))],
            ),
        ),
    ];
    if structs {
        // The smallest struct is one byte on the wire and a whole Xtruct in memory.
        let insanity = p.strukt(&[p.field(2, Ty::List, &p.listv(Ty::Struct, claimed, &[]))]);
        calls.push((
            "list<Xtruct>",
            p.call("testInsanity", 1, &[p.field(1, Ty::Struct, &insanity)]),
        ));
    }
    calls
        .into_iter()
        .map(|(what, call)| (format!("{what} count {claimed}"), call))
        .collect()
}

fn negative_container_counts(c: &Ctx<'_>) -> CaseResult {
    let mut t = Inputs::new(c);
    for claimed in [-1i64, i64::from(i32::MIN)] {
        for (label, call) in container_calls(c.p(), claimed, false) {
            t.message(label, &call, Prompt, BAD_ARGS);
        }
    }
    t.run()
}

fn oversized_container_counts(c: &Ctx<'_>) -> CaseResult {
    let mut t = Inputs::new(c);
    // Beyond `max_container_len` (100 Mi elements): refused at once.
    for claimed in [i64::from(i32::MAX), 100 * 1024 * 1024 + 1] {
        for (label, call) in container_calls(c.p(), claimed, true) {
            t.message(label, &call, Prompt, BAD_ARGS);
        }
    }
    t.run()
}

fn container_counts_beyond_input(c: &Ctx<'_>) -> CaseResult {
    let mut t = Inputs::new(c);
    // Within the limits, but far more than was sent: a framed server knows at once, a
    // buffered one when the input ends. Nothing may be allocated for the claimed count.
    for claimed in [1_000_000i64, 20_000_000] {
        for (label, call) in container_calls(c.p(), claimed, true) {
            t.message(label, &call, c.short_input(), BAD_ARGS);
        }
    }
    t.run()
}

fn negative_frame_sizes(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    let call = c.p().test_i32(1, 1);
    let mut t = Inputs::new(c);
    for size in [-1i32, i32::MIN, -(call.len() as i32)] {
        t.raw(
            format!("frame size {size}"),
            cat(&[&size.to_be_bytes(), &call]),
            Prompt,
            Closed,
        );
    }
    t.run()
}

fn oversized_frame_sizes(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    let call = c.p().test_i32(1, 1);
    let mut t = Inputs::new(c);
    // Beyond `max_frame_size` (16,384,000): refused before anything is read or allocated.
    for size in [i32::MAX, 16_384_001, 1 << 30] {
        t.raw(
            format!("frame size {size}"),
            cat(&[&size.to_be_bytes(), &call]),
            Prompt,
            Closed,
        );
    }
    t.run()
}

fn frame_sizes_beyond_input(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    let call = c.p().test_i32(1, 1);
    let mut t = Inputs::new(c);
    // Within the limit but never sent: the frame never completes, so no message starts.
    for (size, finish) in [(16_384_000i32, Eof), (1_000_000, Stall)] {
        let wire = cat(&[&size.to_be_bytes(), &call]);
        t.raw(
            format!("frame size {size}, {finish:?}"),
            wire,
            finish,
            Closed,
        );
    }
    t.run()
}

/// `testString` with a valid argument and an unknown field of deeply nested structs, lists or
/// maps: skipping the unknown field must stop at the depth limit (64).
fn deep_unknown(c: &Ctx<'_>, levels: usize) -> CaseResult {
    let p = c.p();
    let thing = p.field(1, Ty::Str, &p.string("deep"));
    let mut t = Inputs::new(c);
    for (what, ty, value) in [
        ("structs", Ty::Struct, p.nested_structs(levels)),
        ("lists", Ty::List, p.nested_lists(levels)),
        ("maps", Ty::Map, p.nested_maps(levels)),
    ] {
        let call = p.call("testString", 1, &[thing.clone(), p.field(99, ty, &value)]);
        t.message(
            format!("{levels} nested {what} in field 99"),
            &call,
            Prompt,
            BAD_ARGS,
        );
    }
    t.run()
}

/// Deep nesting through fields the server knows: `testNest`'s `Xtruct2.struct_thing` holding
/// an unknown field of nested structs, `testInsanity`'s list of `Xtruct` holding nested maps,
/// and `testString`'s field 1 (a string) sent as nested structs and as nested lists (a type
/// mismatch, which is skipped).
fn deep_known(c: &Ctx<'_>, levels: usize) -> CaseResult {
    let p = c.p();
    let xtruct = p.strukt(&[
        p.field(1, Ty::Str, &p.string("x")),
        p.field(99, Ty::Struct, &p.nested_structs(levels)),
    ]);
    let x2 = p.strukt(&[p.field(2, Ty::Struct, &xtruct)]);
    let nest = p.call("testNest", 1, &[p.field(1, Ty::Struct, &x2)]);
    let deep_maps = p.strukt(&[p.field(99, Ty::Map, &p.nested_maps(levels))]);
    let xtructs = p.strukt(&[p.field(2, Ty::List, &p.listv(Ty::Struct, 1, &[deep_maps]))]);
    let insane = p.call("testInsanity", 1, &[p.field(1, Ty::Struct, &xtructs)]);
    let as_structs = p.call(
        "testString",
        1,
        &[p.field(1, Ty::Struct, &p.nested_structs(levels))],
    );
    let as_lists = p.call(
        "testString",
        1,
        &[p.field(1, Ty::List, &p.nested_lists(levels))],
    );
    let mut t = Inputs::new(c);
    t.message(
        format!("testNest, {levels} structs"),
        &nest,
        Prompt,
        BAD_ARGS,
    );
    t.message(
        format!("testInsanity, {levels} maps"),
        &insane,
        Prompt,
        BAD_ARGS,
    );
    t.message(
        format!("testString, field 1 as {levels} structs"),
        &as_structs,
        Prompt,
        BAD_ARGS,
    );
    t.message(
        format!("testString, field 1 as {levels} lists"),
        &as_lists,
        Prompt,
        BAD_ARGS,
    );
    t.run()
}

fn deep_unknown_method(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let call = p.call(
        "noSuchMethod",
        1,
        &[p.field(1, Ty::Struct, &p.nested_structs(100_000))],
    );
    // The arguments of an unknown method are skipped before the exception is written; the
    // skip fails at the depth limit, so the connection closes without one.
    let mut t = Inputs::new(c);
    t.message("100,000 nested structs", &call, Prompt, Closed);
    t.run()
}

fn unknown_type_ids(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let two = [p.i32v(1), p.i32v(2)];
    let entry = [(p.key_i32(1), p.i32v(1))];
    let field = p.call("testString", 1, &[p.field(5, Ty::Bogus, &p.i32v(1))]);
    let elem = p.call(
        "testList",
        1,
        &[p.field(1, Ty::List, &p.listv(Ty::Bogus, 2, &two))],
    );
    let key = p.call(
        "testMap",
        1,
        &[p.field(1, Ty::Map, &p.mapv(Ty::Bogus, Ty::I32, 1, &entry))],
    );
    let unknown = p.call("noSuchMethod", 1, &[p.field(5, Ty::Bogus, &p.i32v(1))]);
    let mut t = Inputs::new(c);
    t.message("field type", &field, Prompt, BAD_ARGS);
    t.message("list element type", &elem, Prompt, BAD_ARGS);
    t.message("map key type", &key, Prompt, BAD_ARGS);
    t.message("in an unknown method's arguments", &unknown, Prompt, Closed);
    t.run()
}

/// Every prefix of a few calls, then the end of input: before the header is complete nothing
/// is answered; after it, `PROTOCOL_ERROR`. (Framed: a whole frame holding a truncated
/// message.)
fn truncated_messages(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let mut t = Inputs::new(c);
    for (name, call) in [("testStruct", p.test_struct(7)), ("testMap", p.test_map(7))] {
        let header = p.header_len(name, 7);
        for k in 1..call.len() {
            let expect = if k < header { Closed } else { BAD_ARGS };
            t.message(
                format!("{name}, {k} of {} bytes", call.len()),
                &call[..k],
                Eof,
                expect,
            );
        }
    }
    t.run()
}

/// Frames that end early: part of the length, or part of the payload, then the end of input.
fn truncated_frames(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    let wire = c.frame(&c.p().test_struct(7));
    let mut t = Inputs::new(c);
    for k in 1..wire.len() {
        t.raw(
            format!("{k} of {} bytes of a frame", wire.len()),
            wire[..k].to_vec(),
            Eof,
            Closed,
        );
    }
    t.run()
}

fn truncated_then_stall(c: &Ctx<'_>) -> CaseResult {
    let call = c.p().test_struct(7);
    let half = &call[..call.len() / 2];
    // Framed: the frame claims the whole message but only half arrives.
    let wire = if c.framed() {
        cat(&[&(call.len() as i32).to_be_bytes(), half])
    } else {
        half.to_vec()
    };
    let mut t = Inputs::new(c);
    t.raw(
        "half a call",
        wire,
        Stall,
        ClosedMaybe(ApplicationErrorKind::ProtocolError),
    );
    t.run()
}

fn zero_length_frame_flood(c: &Ctx<'_>) -> CaseResult {
    let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
    // At most a million empty frames (4 MB), for at most the message timeout plus a second;
    // the server must not let them hold the connection beyond its message timeout.
    let chunk = vec![0u8; 64 * 1024];
    let start = Instant::now();
    let mut sent = 0usize;
    while sent < 4_000_000 && start.elapsed() < MESSAGE_TIMEOUT + Duration::from_secs(1) {
        if conn.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let seen = read_until_closed(&mut conn, STALL_BOUND);
    if !seen.closed {
        return Err(format!(
            "{} empty frames sent; still open {STALL_BOUND:?} later",
            sent / 4
        ));
    }
    let msgs = decode_all(c.combo, &seen.bytes);
    if !msgs.is_empty() {
        return Err(format!("answered {msgs:?}"));
    }
    Ok(Done::Pass)
}

fn zero_length_frames_then_call(c: &Ctx<'_>) -> CaseResult {
    if !c.framed() {
        return Ok(Done::NotApplicable);
    }
    // Empty frames are legal framing: 10,000 of them, then a call, which is answered.
    let wire = cat(&[&vec![0u8; 40_000], &c.frame(&c.p().test_i32(11, 11))]);
    let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
    conn.write_all(&wire).map_err(|e| format!("write: {e}"))?;
    let msgs = read_messages(c.combo, &mut conn, 1, PROMPT)?;
    match &msgs[..] {
        [
            Msg::Reply {
                seqid: 11,
                value: Some(Value::I32(11)),
            },
        ] => Ok(Done::Pass),
        other => Err(format!("expected the reply, got {other:?}")),
    }
}

fn over_long_varints(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let mut t = Inputs::new(c);
    match p {
        Proto::Binary => return Ok(Done::NotApplicable),
        Proto::Json => {
            let digits = "9".repeat(60);
            let long_i32 = p.call("testI32", 1, &[p.field(1, Ty::I32, digits.as_bytes())]);
            let too_big = p.call("testI32", 1, &[p.field(1, Ty::I32, b"4294967296")]);
            let long_seqid = format!("[1,\"testI32\",1,{digits},{{}}]").into_bytes();
            t.message("a 60-digit i32", &long_i32, Prompt, BAD_ARGS);
            t.message("an i32 out of range", &too_big, Prompt, BAD_ARGS);
            t.message("a 60-digit seqid", &long_seqid, Prompt, Closed);
        }
        Proto::Compact => {
            // 13 bytes: 12 with the continuation bit, then a last one.
            let long = cat(&[&[0xff; 12], &[0x01]]);
            // Five bytes, but more than 32 bits.
            let overflow = [0xff, 0xff, 0xff, 0xff, 0x7f];
            let seqid = cat(&[&[0x82, 0x21], &long, &[7], b"testI32", &[0]]);
            let string = p.call("testString", 1, &[p.field(1, Ty::Str, &long)]);
            let i32v = p.call("testI32", 1, &[p.field(1, Ty::I32, &long)]);
            let i32o = p.call("testI32", 1, &[p.field(1, Ty::I32, &overflow)]);
            let i64v = p.call("testI64", 1, &[p.field(1, Ty::I64, &long)]);
            let list = p.call(
                "testList",
                1,
                &[p.field(1, Ty::List, &cat(&[&[0xf5], &long]))],
            );
            let field_id = p.call(
                "testI32",
                1,
                &[cat(&[&[Ty::I32.compact()], &long, &p.i32v(1)])],
            );
            t.message("seqid", &seqid, Prompt, Closed);
            t.message("string length", &string, Prompt, BAD_ARGS);
            t.message("i32", &i32v, Prompt, BAD_ARGS);
            t.message("i32 overflowing 32 bits", &i32o, Prompt, BAD_ARGS);
            t.message("i64", &i64v, Prompt, BAD_ARGS);
            t.message("list size", &list, Prompt, BAD_ARGS);
            t.message("field id", &field_id, Prompt, BAD_ARGS);
        }
    }
    t.run()
}

fn invalid_utf8(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let bad: &[u8] = b"ok\xff\xfe\xc3(";
    let bad_string = p.strv(bad.len() as i64, bad);
    let name = p.message(b"test\xffString", CALL, 1, &p.strukt(&[]));
    let arg = p.call("testString", 1, &[p.field(1, Ty::Str, &bad_string)]);
    let entry = [(bad_string, p.string("v"))];
    let key = p.call(
        "testStringMap",
        1,
        &[p.field(1, Ty::Map, &p.mapv(Ty::Str, Ty::Str, 1, &entry))],
    );
    let mut t = Inputs::new(c);
    t.message("in the method name", &name, Prompt, Closed);
    t.message("in testString's argument", &arg, Prompt, BAD_ARGS);
    t.message("in a map key", &key, Prompt, BAD_ARGS);
    if p == Proto::Json {
        for (what, text) in [
            ("a lone surrogate", &br#""\ud800x""#[..]),
            ("a bad escape", br#""\q""#),
        ] {
            let call = p.call("testString", 1, &[p.field(1, Ty::Str, text)]);
            t.message(what, &call, Prompt, BAD_ARGS);
        }
    }
    t.run()
}

fn bad_versions(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let body = p.strukt(&[p.field(1, Ty::I32, &p.i32v(1))]);
    let valid = p.test_i32(1, 1);
    let mut t = Inputs::new(c);
    for version in [0u8, 2, 0x1f] {
        let wire = p.finish(p.header_version(b"testI32", CALL, 1, version), &body);
        t.message(format!("version {version}"), &wire, Prompt, Closed);
    }
    match p {
        Proto::Binary => {
            t.message(
                "header 0x81010001",
                &cat(&[&[0x81, 1, 0, 1], &valid[4..]]),
                Prompt,
                Closed,
            );
            t.message("header 0xffffffff", &[0xff; 16], Prompt, Closed);
        }
        Proto::Compact => {
            t.message(
                "protocol id 0x83",
                &cat(&[&[0x83], &valid[1..]]),
                Prompt,
                Closed,
            );
            t.message("protocol id 0x00", &[0; 16], Prompt, Closed);
        }
        Proto::Json => {
            let as_string = cat(&[b"[\"1\",\"testI32\",1,1,", &body, b"]"]);
            let negative = cat(&[b"[-1,\"testI32\",1,1,", &body, b"]"]);
            t.message("an object, not an array", b"{\"1\":1}", Prompt, Closed);
            t.message("the version as a string", &as_string, Prompt, Closed);
            t.message("version -1", &negative, Prompt, Closed);
        }
    }
    t.run()
}

fn bad_message_types(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let body = p.strukt(&[p.field(1, Ty::I32, &p.i32v(1))]);
    let mut t = Inputs::new(c);
    for kind in [0u8, 5, 7] {
        let wire = p.message(b"testI32", kind, 1, &body);
        t.message(format!("message type {kind}"), &wire, Prompt, Closed);
    }
    t.run()
}

fn unknown_methods(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let body = p.strukt(&[p.field(1, Ty::I32, &p.i32v(1))]);
    let unknown = Answered(ApplicationErrorKind::UnknownMethod);
    let mut t = Inputs::new(c);
    t.message(
        "a call",
        &p.message(b"noSuchMethod", CALL, 3, &body),
        Prompt,
        unknown,
    );
    t.message(
        "an empty name",
        &p.message(b"", CALL, 3, &body),
        Prompt,
        unknown,
    );
    t.message(
        "a oneway",
        &p.message(b"noSuchOneway", ONEWAY, 3, &body),
        Prompt,
        Ignored,
    );
    t.run()
}

fn replies_to_a_server(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let result = p.strukt(&[p.field(0, Ty::Str, &p.string("x"))]);
    let exception = p.strukt(&[
        p.field(1, Ty::Str, &p.string("from a client")),
        p.field(2, Ty::I32, &p.i32v(6)),
    ]);
    let invalid = Answered(ApplicationErrorKind::InvalidMessageType);
    let mut t = Inputs::new(c);
    t.message(
        "a reply",
        &p.message(b"testString", REPLY, 5, &result),
        Prompt,
        invalid,
    );
    t.message(
        "an exception",
        &p.message(b"testString", EXCEPTION, 5, &exception),
        Prompt,
        invalid,
    );
    t.run()
}

/// A small deterministic generator (SplitMix64), so every run sends the same bytes.
struct Rng(u64);

impl Rng {
    fn seeded(case: &str, combo: Combo) -> Rng {
        // FNV-1a over the names: a fixed seed per case and combination.
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for b in format!("{case}/{combo}").bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn random_garbage(c: &Ctx<'_>) -> CaseResult {
    let mut rng = Rng::seeded("garbage", c.combo);
    let mut t = Inputs::new(c);
    for i in 0..100 {
        let len = 1 + rng.below(600);
        let mut garbage = rng.bytes(len);
        // Half of them start like a real message, so they get past the first byte.
        if i % 2 == 0 {
            let start = c.p().header(b"testString", CALL, 1);
            let n = rng.below(start.len());
            garbage.splice(0..0, start[..n].iter().copied());
        }
        // Framed: half in a frame of the right size, half raw.
        if c.framed() && i % 4 < 2 {
            t.message(format!("garbage #{i}"), &garbage, Eof, AnyThenClosed);
        } else {
            t.raw(format!("garbage #{i}"), garbage, Eof, AnyThenClosed);
        }
    }
    t.run()
}

fn mutated_calls(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let mut rng = Rng::seeded("mutated", c.combo);
    let seeds = [
        p.test_string(1, "hostile"),
        p.test_struct(2),
        p.test_nest(3),
        p.test_list(4),
        p.test_map(5),
    ];
    let interesting = [
        0x00u8, 0x01, 0x7f, 0x80, 0xff, b'"', b'{', b'[', b',', b'\\',
    ];
    let mut t = Inputs::new(c);
    for i in 0..200 {
        let mut m = seeds[i % seeds.len()].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(m.len());
            match rng.below(6) {
                0 => m[at] ^= 1 << rng.below(8),
                1 => m[at] = interesting[rng.below(interesting.len())],
                2 => m.insert(at, rng.next() as u8),
                3 if m.len() > 1 => {
                    m.remove(at);
                }
                4 => m.truncate(at.max(1)),
                _ => {
                    let end = (at + 1 + rng.below(8)).min(m.len());
                    let chunk = m[at..end].to_vec();
                    m.splice(at..at, chunk);
                }
            }
        }
        if c.framed() && i % 3 != 0 {
            t.message(format!("mutation #{i}"), &m, Eof, AnyThenClosed);
        } else {
            t.raw(format!("mutation #{i}"), m, Eof, AnyThenClosed);
        }
    }
    t.run()
}

fn slow_client(c: &Ctx<'_>) -> CaseResult {
    let wire = c.frame(&c.p().test_string(9, "a call sent one byte at a time"));
    let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
    let start = Instant::now();
    let mut received = Vec::new();
    let mut closed_after = None;
    // One byte every 100 ms, for at most the message timeout plus 3 s; between bytes, watch
    // for the server closing.
    'trickle: for byte in wire.iter().cycle() {
        if start.elapsed() > MESSAGE_TIMEOUT + Duration::from_secs(3) {
            break;
        }
        if conn.write_all(&[*byte]).is_err() {
            closed_after = Some(start.elapsed());
            break;
        }
        let tick = Instant::now() + Duration::from_millis(100);
        let mut buf = [0u8; 4096];
        while let Some(left) = tick.checked_duration_since(Instant::now()) {
            let _ = conn.set_read_timeout(Some(left.max(Duration::from_millis(1))));
            match conn.read(&mut buf) {
                Ok(0) => {
                    closed_after = Some(start.elapsed());
                    break 'trickle;
                }
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    closed_after = Some(start.elapsed());
                    break 'trickle;
                }
            }
        }
    }
    let Some(after) = closed_after else {
        return Err(format!(
            "still open {:?} after the first byte (message timeout {MESSAGE_TIMEOUT:?})",
            start.elapsed()
        ));
    };
    // Cut off by the message timeout: not before it, and not long after.
    if after < MESSAGE_TIMEOUT.mul_f64(0.9) || after > MESSAGE_TIMEOUT + Duration::from_secs(2) {
        return Err(format!(
            "cut off after {after:?}; the message timeout is {MESSAGE_TIMEOUT:?}"
        ));
    }
    let msgs = decode_all(c.combo, &received);
    if msgs
        .iter()
        .any(|m| !matches!(m, Msg::Exception(ApplicationErrorKind::ProtocolError, _)))
    {
        return Err(format!("answered {msgs:?}"));
    }
    Ok(Done::Pass)
}

fn abrupt_disconnects(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    let call = c.frame(&p.test_struct(3));
    for i in 0..30 {
        let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
        match i % 3 {
            // Half a message, then a reset (TCP) or close.
            0 => {
                let _ = conn.write_all(&call[..call.len() / 2]);
                conn.reset();
            }
            // A whole message and half of the next, then a reset.
            1 => {
                let _ = conn.write_all(&call);
                let _ = conn.write_all(&call[..call.len() - 1]);
                conn.reset();
            }
            // Nothing at all.
            _ => conn.reset(),
        }
    }
    Ok(Done::Pass)
}

fn disconnect_before_reply(c: &Ctx<'_>) -> CaseResult {
    let p = c.p();
    // A 512 KiB string whose echo the client never reads: the server's reply write fails.
    let big = "x".repeat(512 * 1024);
    let call = c.frame(&p.test_string(1, &big));
    for _ in 0..5 {
        let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
        conn.write_all(&call).map_err(|e| format!("write: {e}"))?;
        conn.reset();
    }
    Ok(Done::Pass)
}

fn connection_flood(c: &Ctx<'_>) -> CaseResult {
    // 500 connections opened and closed at once, from 4 threads, within 10 s.
    let start = Instant::now();
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..125 {
                    if start.elapsed() > Duration::from_secs(10) {
                        break;
                    }
                    if let Err(e) = c.server.connect() {
                        errors.lock().unwrap().push(e.to_string());
                    }
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap();
    if errors.is_empty() {
        Ok(Done::Pass)
    } else {
        Err(format!(
            "{} connects failed: {:?}",
            errors.len(),
            &errors[..errors.len().min(3)]
        ))
    }
}

fn call_flood(c: &Ctx<'_>) -> CaseResult {
    // 8 connections at once, each writing 250 calls in one go and then reading 250 replies,
    // in order, within 10 s.
    const CALLS: i32 = 250;
    let p = c.p();
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for t in 0..8 {
            let errors = &errors;
            scope.spawn(move || {
                let result = (|| {
                    let mut conn = c.server.connect().map_err(|e| format!("connect: {e}"))?;
                    let wire: Vec<u8> = (0..CALLS)
                        .flat_map(|i| c.frame(&p.test_i32(i, t * 1000 + i)))
                        .collect();
                    conn.write_all(&wire).map_err(|e| format!("write: {e}"))?;
                    let msgs =
                        read_messages(c.combo, &mut conn, CALLS as usize, Duration::from_secs(10))?;
                    for (i, m) in msgs.iter().enumerate() {
                        let i = i as i32;
                        let want = Msg::Reply {
                            seqid: i,
                            value: Some(Value::I32(t * 1000 + i)),
                        };
                        if *m != want {
                            return Err(format!("reply {i}: {m:?}"));
                        }
                    }
                    Ok(())
                })();
                if let Err(e) = result {
                    errors.lock().unwrap().push(format!("connection {t}: {e}"));
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap();
    if errors.is_empty() {
        Ok(Done::Pass)
    } else {
        Err(errors.join("; "))
    }
}
