//! Hostile servers against our clients: every way a server can answer badly must end the call
//! with a clear error within the client's timeout, never a panic, a hang or a runaway
//! allocation (lengths and depths are refused by the limits before anything is allocated).
//!
//! A server of our own (raw bytes over TCP or a Unix socket) reads each call with our
//! readers and answers it as the case says: garbage, lengths of 2 GiB and negative ones,
//! 100,000 nested structs, the wrong message type, sequence id or method name, an exception
//! with a garbage body, a reply to a oneway call, a reply cut short, silence, a valid reply
//! one byte at a time, frame lengths of `0x7fffffff` and shorter than the message, invalid
//! UTF-8, an over-long varint, trailing bytes, a connection reset. The generated
//! `ThriftTestClient` (over `thrift_rt::connect`) meets each for every protocol (binary,
//! compact, JSON) × transport (buffered, framed) × socket (TCP, Unix) where the case
//! applies; a channel endpoint and the `test_client` executable meet the trickling server.
//!
//! Every loop is bounded in count and time and all traffic stays on this machine.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crosstest::idl::cross_test::ThriftTestClient;
use thrift_rt::connect::{self, ClientOptions};
use thrift_rt::stack::{Protocol, Transport};
use thrift_rt::transport::ReadEnd;
use thrift_rt::{
    FieldHeader, MessageHeader, MessageType, ProtocolKind, ProtocolReader, ProtocolWriter, TType,
    TransportKind,
};

/// The client's timeout: every call must end within it (plus the slack below).
const TIMEOUT: Duration = Duration::from_millis(800);
/// What a call may take beyond its timeout: an eighth of it (the deadline's slack) and
/// scheduling.
const SLACK: Duration = Duration::from_millis(400);

#[derive(Clone, Copy, Debug)]
struct Combo {
    proto: ProtocolKind,
    transport: TransportKind,
    unix: bool,
}

impl std::fmt::Display for Combo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let proto = format!("{:?}", self.proto).to_lowercase();
        let transport = format!("{:?}", self.transport).to_lowercase();
        let sock = if self.unix { "unix" } else { "tcp" };
        write!(f, "{proto}/{transport}/{sock}")
    }
}

fn combos() -> Vec<Combo> {
    let mut out = Vec::new();
    for proto in [
        ProtocolKind::Binary,
        ProtocolKind::Compact,
        ProtocolKind::Json,
    ] {
        for transport in [TransportKind::Buffered, TransportKind::Framed] {
            for unix in [false, true] {
                out.push(Combo {
                    proto,
                    transport,
                    unix,
                });
            }
        }
    }
    out
}

/// The ways to answer a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    Garbage,
    HugeLength,
    NegativeLength,
    DeepNesting,
    WrongType,
    WrongSeqid,
    WrongName,
    GarbageException,
    ReplyToOneway,
    Truncated,
    Silence,
    Trickle,
    HugeFrame,
    ShortFrame,
    InvalidUtf8,
    OverlongVarint,
    TrailingBytes,
    Reset,
}

const CASES: [Case; 18] = [
    Case::Garbage,
    Case::HugeLength,
    Case::NegativeLength,
    Case::DeepNesting,
    Case::WrongType,
    Case::WrongSeqid,
    Case::WrongName,
    Case::GarbageException,
    Case::ReplyToOneway,
    Case::Truncated,
    Case::Silence,
    Case::Trickle,
    Case::HugeFrame,
    Case::ShortFrame,
    Case::InvalidUtf8,
    Case::OverlongVarint,
    Case::TrailingBytes,
    Case::Reset,
];

impl Case {
    fn applies(self, c: Combo) -> bool {
        let framed = c.transport == TransportKind::Framed;
        let lengths = c.proto != ProtocolKind::Json;
        match self {
            Case::HugeFrame | Case::ShortFrame => framed,
            Case::HugeLength | Case::NegativeLength => lengths,
            Case::OverlongVarint => c.proto == ProtocolKind::Compact,
            _ => true,
        }
    }
}

/// A message written with our own writers: `body` writes what follows the header.
fn message(
    proto: ProtocolKind,
    name: &str,
    kind: MessageType,
    seqid: i32,
    body: impl FnOnce(&mut dyn ProtocolWriter),
) -> Vec<u8> {
    let mut w = proto.writer(Vec::new());
    w.write_message_begin(&MessageHeader::new(name, kind, seqid))
        .unwrap();
    body(&mut w);
    w.write_message_end().unwrap();
    w.flush().unwrap();
    w.get_ref().clone()
}

/// The reply to `testString`: a result struct whose field 0 is `value` (written by `field`).
fn result(
    proto: ProtocolKind,
    name: &str,
    kind: MessageType,
    seqid: i32,
    field: impl FnOnce(&mut dyn ProtocolWriter),
) -> Vec<u8> {
    message(proto, name, kind, seqid, |w| {
        w.write_struct_begin("result").unwrap();
        w.write_field_begin(FieldHeader::new(TType::String, 0))
            .unwrap();
        field(w);
        w.write_field_end().unwrap();
        w.write_field_stop().unwrap();
        w.write_struct_end().unwrap();
    })
}

fn good_reply(proto: ProtocolKind, seqid: i32, value: &str) -> Vec<u8> {
    result(proto, "testString", MessageType::Reply, seqid, |w| {
        w.write_string(value).unwrap();
    })
}

/// A reply whose string field is followed, in place of its value, by `raw` bytes.
fn reply_with_raw_value(proto: ProtocolKind, seqid: i32, raw: &[u8]) -> Vec<u8> {
    // The header and field header, then the raw bytes, then nothing: the value lies.
    let mut w = proto.writer(Vec::new());
    w.write_message_begin(&MessageHeader::new("testString", MessageType::Reply, seqid))
        .unwrap();
    w.write_struct_begin("result").unwrap();
    w.write_field_begin(FieldHeader::new(TType::String, 0))
        .unwrap();
    let mut out = w.get_ref().clone();
    out.extend_from_slice(raw);
    out
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        if v < 0x80 {
            out.push(v as u8);
            return out;
        }
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
}

/// A length prefix in `proto` (binary: i32; compact: varint of the u32).
fn length(proto: ProtocolKind, n: i32) -> Vec<u8> {
    match proto {
        ProtocolKind::Compact => varint(u64::from(n as u32)),
        _ => n.to_be_bytes().to_vec(),
    }
}

/// Pseudo-random bytes from a fixed seed (xorshift), so a failure reproduces.
fn garbage(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// What the server does after reading a call.
enum Action {
    Send(Vec<u8>),
    /// Bytes sent unframed even on a framed connection (the frame header is the lie).
    SendRaw(Vec<u8>),
    Trickle(Vec<u8>),
    Silence,
    Reset,
    /// Send, then close.
    SendThenClose(Vec<u8>),
}

fn frame(c: Combo, bytes: Vec<u8>) -> Vec<u8> {
    if c.transport == TransportKind::Framed {
        let mut out = (bytes.len() as i32).to_be_bytes().to_vec();
        out.extend(bytes);
        out
    } else {
        bytes
    }
}

fn action(case: Case, c: Combo, header: &MessageHeader) -> Action {
    let p = c.proto;
    let seqid = header.seqid;
    match case {
        Case::Garbage => Action::SendRaw(garbage(0x5eed, 300)),
        Case::HugeLength => Action::Send(reply_with_raw_value(
            p,
            seqid,
            &[length(p, i32::MAX), b"abc".to_vec()].concat(),
        )),
        Case::NegativeLength => Action::Send(reply_with_raw_value(
            p,
            seqid,
            &[length(p, -1), b"abc".to_vec()].concat(),
        )),
        Case::DeepNesting => {
            Action::Send(message(p, "testString", MessageType::Reply, seqid, |w| {
                for _ in 0..100_000 {
                    w.write_struct_begin("deep").unwrap();
                    w.write_field_begin(FieldHeader::new(TType::Struct, 1))
                        .unwrap();
                }
            }))
        }
        Case::WrongType => Action::Send(result(p, "testString", MessageType::Call, seqid, |w| {
            w.write_string("x").unwrap();
        })),
        Case::WrongSeqid => Action::Send(good_reply(p, seqid.wrapping_add(1000), "x")),
        Case::WrongName => Action::Send(result(p, "nope", MessageType::Reply, seqid, |w| {
            w.write_string("x").unwrap();
        })),
        Case::GarbageException => {
            let mut w = p.writer(Vec::new());
            w.write_message_begin(&MessageHeader::new(
                "testString",
                MessageType::Exception,
                seqid,
            ))
            .unwrap();
            let mut out = w.get_ref().clone();
            out.extend(garbage(0xbad, 200));
            Action::Send(out)
        }
        // The oneway call gets a reply (the client then reads it as the next call's).
        Case::ReplyToOneway => Action::Send(good_reply(p, seqid, "to a oneway")),
        Case::Truncated => {
            let reply = good_reply(p, seqid, "cut short");
            Action::SendThenClose(frame(c, reply)[..10].to_vec())
        }
        Case::Silence => Action::Silence,
        Case::Trickle => Action::Trickle(frame(c, good_reply(p, seqid, "slowly"))),
        Case::HugeFrame => {
            let mut out = i32::MAX.to_be_bytes().to_vec();
            out.extend(good_reply(p, seqid, "x"));
            Action::SendRaw(out)
        }
        Case::ShortFrame => {
            let reply = good_reply(p, seqid, "longer than its frame");
            let mut out = ((reply.len() / 2) as i32).to_be_bytes().to_vec();
            out.extend(reply);
            Action::SendRaw(out)
        }
        Case::InvalidUtf8 => {
            let value = [0xff, 0xfe, 0xfd, 0xc3, 0x28];
            if p == ProtocolKind::Json {
                // TJSONProtocol: [version, name, type, seqid, {field id: {type: value}}]
                let head = format!("[1,\"testString\",2,{seqid},{{\"0\":{{\"str\":\"");
                Action::Send([head.as_bytes(), &value, b"\"}}]"].concat())
            } else {
                let raw = [length(p, value.len() as i32), value.to_vec(), vec![0]].concat();
                Action::Send(reply_with_raw_value(p, seqid, &raw))
            }
        }
        Case::OverlongVarint => {
            // Compact header: protocol id, version and type, then a sequence id of 11 bytes.
            let mut out = vec![0x82, 0x41];
            out.extend([0xff; 10]);
            out.push(0x01);
            Action::Send(out)
        }
        Case::TrailingBytes => {
            let mut out = good_reply(p, seqid, "x");
            out.extend(garbage(7, 40));
            Action::Send(out)
        }
        Case::Reset => Action::Reset,
    }
}

/// One connection of the hostile server's end: TCP or Unix.
enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    fn stream(&self) -> Box<dyn ReadWrite + '_> {
        match self {
            Conn::Tcp(s) => Box::new(s),
            Conn::Unix(s) => Box::new(s),
        }
    }
}

trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}

struct BoxEnd<'a>(Box<dyn ReadWrite + 'a>);

impl Read for BoxEnd<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl ReadEnd for BoxEnd<'_> {}

/// Reads one call from `conn` (with our own readers, whatever the transport) and returns its
/// header; `None` when the client closed first.
fn read_call(conn: &Conn, c: Combo) -> Option<MessageHeader> {
    let limits = thrift_rt::Limits::default();
    let source = c.transport.source(BoxEnd(conn.stream()), &limits);
    let mut r = c.proto.reader(source, limits);
    let header = r.read_message_begin().ok()?;
    r.skip(TType::Struct).ok()?;
    r.read_message_end().ok()?;
    Some(header)
}

/// Serves one connection as `case` says; answers calls beyond the first (after a oneway)
/// properly.
fn hostile(conn: &Conn, case: Case, c: Combo) {
    let Some(header) = read_call(conn, c) else {
        return;
    };
    let mut out = conn.stream();
    let done = match action(case, c, &header) {
        Action::Send(bytes) => out.write_all(&frame(c, bytes)),
        Action::SendRaw(bytes) => out.write_all(&bytes),
        Action::SendThenClose(bytes) => {
            let _ = out.write_all(&bytes);
            return;
        }
        Action::Trickle(bytes) => {
            for b in bytes {
                if out.write_all(&[b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(())
        }
        Action::Silence => {
            // Hold the connection until the client gives up and closes it.
            let _ = read_call(conn, c);
            return;
        }
        Action::Reset => {
            // SO_LINGER 0: closing sends a reset instead of a clean end of stream.
            let linger = nix::libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            match conn {
                Conn::Tcp(s) => {
                    let _ =
                        nix::sys::socket::setsockopt(s, nix::sys::socket::sockopt::Linger, &linger);
                }
                Conn::Unix(s) => {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
            return;
        }
    };
    if done.is_err() {
        return;
    }
    // After a oneway, the next call gets a proper answer (the client already failed on the
    // stray reply, or not: either way nothing hangs).
    if case == Case::ReplyToOneway {
        if let Some(next) = read_call(conn, c) {
            let _ = out.write_all(&frame(c, good_reply(c.proto, next.seqid, "hello")));
        }
    }
    // Keep the connection until the client closes it.
    let mut sink = [0u8; 256];
    while matches!(out.read(&mut sink), Ok(n) if n > 0) {}
}

/// A server serving one connection with `case`; returns where to connect.
fn spawn_server(case: Case, c: Combo, tag: &str) -> Endpoint {
    if c.unix {
        let path =
            std::env::temp_dir().join(format!("hostile-server-{}-{tag}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).unwrap();
        std::thread::spawn(move || {
            if let Ok((s, _)) = listener.accept() {
                hostile(&Conn::Unix(s), case, c);
            }
        });
        Endpoint::Unix(path)
    } else {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((s, _)) = listener.accept() {
                hostile(&Conn::Tcp(s), case, c);
            }
        });
        Endpoint::Tcp(addr)
    }
}

enum Endpoint {
    Tcp(std::net::SocketAddr),
    Unix(PathBuf),
}

/// Our generated client against one hostile case: the call must fail (or, for trailing
/// bytes, may succeed) within the timeout and its slack.
fn run(case: Case, c: Combo) -> Result<String, String> {
    let tag = format!("{case:?}-{c}").replace('/', "-");
    let endpoint = spawn_server(case, c, &tag);
    let opts = ClientOptions::default()
        .protocol(c.proto)
        .transport(c.transport)
        .timeouts(TIMEOUT);
    let (r, w) = match &endpoint {
        Endpoint::Tcp(a) => connect::connect_tcp(a, &opts),
        Endpoint::Unix(p) => connect::connect_unix(p, &opts),
    }
    .map_err(|e| format!("cannot connect: {e}"))?;
    let mut client = ThriftTestClient::new(r, w);
    let start = Instant::now();
    let outcome = if case == Case::ReplyToOneway {
        client
            .test_oneway(0)
            .and_then(|()| client.test_string("hello"))
    } else {
        client.test_string("hello")
    };
    let took = start.elapsed();
    drop(client);
    if let Endpoint::Unix(p) = &endpoint {
        let _ = std::fs::remove_file(p);
    }
    if took > TIMEOUT + SLACK {
        return Err(format!("took {took:?} ({outcome:?})"));
    }
    match outcome {
        Err(e) => Ok(format!("{took:?}: {e}")),
        Ok(v) if case == Case::TrailingBytes => Ok(format!("{took:?}: answered {v:?}")),
        Ok(v) => Err(format!("answered {v:?} in {took:?}")),
    }
}

/// The tests of this file one at a time, so descriptor counts see only their own.
static SERIAL: Mutex<()> = Mutex::new(());

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Waits (at most 3 s: the hostile servers' threads close their ends as the clients go)
/// until this process has no more descriptors open than `before`.
fn assert_fds_back(before: usize) {
    let start = Instant::now();
    while open_fds() > before {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "descriptors leaked: {before} before, {} after",
            open_fds()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn hostile_servers_cannot_break_our_client() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let fds_before = open_fds();
    let jobs: Vec<(Case, Combo)> = combos()
        .into_iter()
        .flat_map(|c| CASES.into_iter().map(move |case| (case, c)))
        .filter(|&(case, c)| case.applies(c))
        .collect();
    let total = jobs.len();
    let queue = Mutex::new(jobs.into_iter());
    let results = Mutex::new(Vec::new());
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().next();
                    let Some((case, c)) = next else { break };
                    let r = run(case, c);
                    results.lock().unwrap().push((format!("{case:?} {c}"), r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}")))
        .collect();
    for (name, r) in &results {
        if let Ok(line) = r {
            println!("{name}: {line}");
        }
    }
    println!("== {total} hostile-server cases in {:?}", start.elapsed());
    assert!(
        failed.is_empty(),
        "{} of {total} failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    // Every client socket of every case (resets and truncated replies included) is closed.
    assert_fds_back(fds_before);
}

/// A channel endpoint's call against a server trickling its reply fails at the call timeout.
#[test]
fn an_endpoint_call_against_a_trickling_server_fails_at_its_timeout() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let c = Combo {
        proto: ProtocolKind::Binary,
        transport: TransportKind::Framed,
        unix: false,
    };
    let Endpoint::Tcp(addr) = spawn_server(Case::Trickle, c, "endpoint") else {
        unreachable!()
    };
    let endpoint = thrift_rt::endpoint::Builder::new()
        .call_timeout(Some(TIMEOUT))
        .connect_tcp(addr, &Default::default())
        .unwrap();
    let mut client = ThriftTestClient::from_caller(endpoint.caller());
    let start = Instant::now();
    let err = client.test_string("hello").unwrap_err();
    let took = start.elapsed();
    assert_eq!(
        err.transport_kind(),
        Some(thrift_rt::TransportErrorKind::TimedOut),
        "{err}"
    );
    assert!(took < TIMEOUT + SLACK, "{took:?}");
}

/// The cross-test client executable against a server trickling a valid reply: it gives up
/// at its own call timeout instead of waiting for the whole reply (minutes at this pace).
#[test]
fn test_client_against_a_trickling_server_gives_up_at_its_timeout() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let c = Combo {
        proto: ProtocolKind::Compact,
        transport: TransportKind::Framed,
        unix: false,
    };
    let Endpoint::Tcp(addr) = spawn_server(Case::Trickle, c, "test-client") else {
        unreachable!()
    };
    let start = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_test_client"))
        .args([
            "--host=127.0.0.1",
            &format!("--port={}", addr.port()),
            "--protocol=compact",
            "--transport=framed",
        ])
        .output()
        .unwrap();
    let took = start.elapsed();
    assert!(
        !out.status.success(),
        "test_client passed against a trickle"
    );
    // test_client's own call timeout is 8 s; a reply at 10 bytes/s would take far longer.
    assert!(took < Duration::from_secs(15), "test_client took {took:?}");
}
