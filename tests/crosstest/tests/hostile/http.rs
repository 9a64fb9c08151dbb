//! The HTTP group: each class of bad HTTP request against `test_server --transport=http`
//! (the thread-pool server unless `HOSTILE_SERVER_ARGS` says otherwise).
//!
//! Every case must end with the connection closed (after, at most, a `4xx` response) within
//! the bound of its kind: at once when the bytes already prove the request bad (a method
//! other than `POST`, a missing, malformed or oversized `Content-Length`, a head beyond
//! 16 KiB or 64 headers, a bad chunk), after the end of input for a body cut short, and by
//! the message timeout for a client stalling inside its head or body, while a fresh client
//! is served beside it. After each case the server must be alive, serve a fresh HTTP client,
//! be back to its descriptors and stay under the memory bound, as in the other groups.

use std::io::Write;
use std::net::Shutdown;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::combos::{Combo, Framing, Proto, Sock};
use crate::conn::read_until_closed;
use crate::encode::{Ty, cat};
use crate::server::Server;
use crate::{CLOSE_BOUND, PEAK_LIMIT_KIB, PROMPT, STALL_BOUND};

/// How a case ends its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Keeps the connection open: the bytes prove the request bad.
    Prompt,
    /// Shuts down its write side.
    Eof,
    /// Keeps the connection open inside the request: the message timeout must end it.
    Stall,
}

impl End {
    fn bound(self) -> Duration {
        match self {
            End::Prompt => PROMPT,
            End::Eof => CLOSE_BOUND,
            End::Stall => STALL_BOUND,
        }
    }
}

fn head(lines: &str) -> Vec<u8> {
    format!("POST / HTTP/1.1\r\nHost: x\r\n{lines}\r\n").into_bytes()
}

fn cases(p: Proto) -> Vec<(&'static str, Vec<u8>, End)> {
    let call = p.call(
        "testString",
        1,
        &[p.field(1, Ty::Str, &p.string("hostile"))],
    );
    let len = |n: usize| format!("Content-Length: {n}\r\n");
    let chunked = "Transfer-Encoding: chunked\r\n";
    let many: String = (0..65).map(|i| format!("X-{i}: 1\r\n")).collect();
    vec![
        (
            "GET instead of POST",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            End::Prompt,
        ),
        (
            "PUT with a body",
            cat(&[
                &format!("PUT / HTTP/1.1\r\n{}\r\n", len(call.len())).into_bytes(),
                &call,
            ]),
            End::Prompt,
        ),
        (
            "HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            End::Prompt,
        ),
        ("no Content-Length", cat(&[&head(""), &call]), End::Prompt),
        (
            "Content-Length beyond the frame limit",
            head(&len(16_384_001)),
            End::Prompt,
        ),
        (
            "Content-Length of 20 digits",
            head("Content-Length: 99999999999999999999\r\n"),
            End::Prompt,
        ),
        (
            "negative Content-Length",
            head("Content-Length: -1\r\n"),
            End::Prompt,
        ),
        (
            "malformed Content-Length",
            head("Content-Length: 12abc\r\n"),
            End::Prompt,
        ),
        (
            "conflicting Content-Lengths",
            head(&format!("{}{}", len(3), len(4))),
            End::Prompt,
        ),
        (
            "Content-Length and chunked",
            head(&format!("{}{chunked}", len(3))),
            End::Prompt,
        ),
        (
            "unknown transfer coding",
            head("Transfer-Encoding: gzip\r\n"),
            End::Prompt,
        ),
        ("empty body", head(&len(0)), End::Prompt),
        (
            "head beyond 16 KiB",
            cat(&[b"POST / HTTP/1.1\r\nX-Big: ", &[b'a'; 17 * 1024]]),
            End::Prompt,
        ),
        (
            "65 headers",
            head(&format!("{many}{}", len(3))),
            End::Prompt,
        ),
        (
            "header without a colon",
            head("Content-Length 3\r\n"),
            End::Prompt,
        ),
        (
            "bytes that are no HTTP",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
            End::Prompt,
        ),
        (
            "chunk size beyond the limit",
            cat(&[&head(chunked), b"ffffffff\r\n"]),
            End::Prompt,
        ),
        (
            "malformed chunk size",
            cat(&[&head(chunked), b"zz\r\n"]),
            End::Prompt,
        ),
        (
            "chunk without its CRLF",
            cat(&[&head(chunked), b"2\r\nabcd\r\n"]),
            End::Prompt,
        ),
        (
            "body that is no Thrift message",
            cat(&[&head(&len(12)), b"hello world!"]),
            End::Prompt,
        ),
        (
            "body cut short by the end of input",
            cat(&[&head(&len(call.len() + 10)), &call]),
            End::Eof,
        ),
        (
            "head cut short by the end of input",
            b"POST / HTTP/1.1\r\nContent-Le".to_vec(),
            End::Eof,
        ),
        (
            "stalled inside the head",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le".to_vec(),
            End::Stall,
        ),
        (
            "stalled inside the body",
            cat(&[&head(&len(call.len())), &call[..call.len() / 2]]),
            End::Stall,
        ),
        (
            "stalled inside a chunked body",
            cat(&[&head(chunked), b"10\r\nabc"]),
            End::Stall,
        ),
    ]
}

fn label(combo: Combo) -> String {
    combo.to_string().replace("buffered", "http")
}

/// Runs every case against one server; returns a line per case.
fn run(combo: Combo) -> Vec<(bool, String)> {
    let mut server = match Server::start_http(combo, "http") {
        Ok(s) => s,
        Err(e) => return vec![(false, format!("{}: (server start) {e}", label(combo)))],
    };
    if let Err(e) = server.fresh_call() {
        return vec![(false, format!("{}: (first call) {e}", label(combo)))];
    }
    let mut baseline = server.settled_fds(None);
    let mut lines = Vec::new();
    for (name, wire, end) in cases(combo.proto) {
        server.reset_peak();
        let start = Instant::now();
        let mut verdict = exchange(&server, &wire, end);
        let took = start.elapsed();
        let after = (|| {
            server.check_alive()?;
            server.fresh_call()?;
            let open = server.settled_fds(Some(baseline));
            if open > baseline {
                return Err(format!(
                    "{open} descriptors open after the case, {baseline} before"
                ));
            }
            match server.peak_kib() {
                Some(peak) if peak > PEAK_LIMIT_KIB => Err(format!(
                    "server peak memory {peak} KiB > {PEAK_LIMIT_KIB} KiB"
                )),
                _ => Ok(()),
            }
        })();
        if let Err(e) = after {
            verdict = Err(match verdict {
                Ok(()) => format!("after the case: {e}"),
                Err(v) => format!("{v}; after the case: {e}"),
            });
        }
        let line = format!(
            "http: {name:38} {:18} {:>6.2}s  {}",
            label(combo),
            took.as_secs_f64(),
            verdict
                .as_ref()
                .map_or_else(|e| format!("FAIL: {e}"), |()| "PASS".to_owned())
        );
        lines.push((verdict.is_ok(), line));
        if server.check_alive().is_err() {
            break;
        }
        baseline = baseline.min(server.open_fds());
    }
    lines
}

/// Sends `wire`, ends the input as `end` says, and requires the connection closed within
/// its bound, with nothing or a `4xx` response before.
fn exchange(server: &Server, wire: &[u8], end: End) -> Result<(), String> {
    let mut conn = server
        .connect()
        .map_err(|e| format!("cannot connect: {e}"))?;
    // The server may close before taking everything: a failed write is fine.
    let _ = conn.write_all(wire);
    if end == End::Eof {
        let _ = conn.shutdown(Shutdown::Write);
    }
    if end == End::Stall {
        // A client stalled inside its request holds no worker.
        server
            .fresh_call()
            .map_err(|e| format!("beside the stalled client: {e}"))?;
    }
    let seen = read_until_closed(&mut conn, end.bound());
    if !seen.closed {
        return Err(format!(
            "still open {:?} after the input ({end:?})",
            end.bound()
        ));
    }
    if !seen.bytes.is_empty() && !seen.bytes.starts_with(b"HTTP/1.1 4") {
        let shown = String::from_utf8_lossy(&seen.bytes[..seen.bytes.len().min(80)]).into_owned();
        return Err(format!("expected nothing or a 4xx response, got {shown:?}"));
    }
    Ok(())
}

#[test]
fn bad_http_requests_cannot_hurt_the_server() {
    let combos = [
        (Proto::Binary, Sock::Tcp),
        (Proto::Binary, Sock::Unix),
        (Proto::Compact, Sock::Tcp),
    ]
    .map(|(proto, sock)| Combo {
        proto,
        framing: Framing::Buffered,
        sock,
    });
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for combo in combos {
            let results = &results;
            scope.spawn(move || {
                let lines = run(combo);
                results.lock().unwrap().extend(lines);
            });
        }
    });
    let results = results.into_inner().unwrap();
    println!("== bad HTTP requests: {} results", results.len());
    for (_, line) in &results {
        println!("{line}");
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, l)| l.as_str())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} bad-HTTP cases failed:\n{}",
        failed.len(),
        results.len(),
        failed.join("\n")
    );
}
