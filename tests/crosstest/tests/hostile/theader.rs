//! THeader frames against a one-port server (`test_server --one-port`, the default thread
//! pool): a zlib frame inflating far past the limit, malformed headers, absurd header sizes,
//! too many info headers, unknown transforms and protocols. Each case states whether the
//! connection must be closed with nothing sent back, or answered with a
//! `TApplicationException` and then serve a call on the same connection; after each, the
//! server must be alive, serve a fresh client, stay under the peak memory limit and come back
//! to its open descriptors.

use std::io::{Read, Write};
use std::net::Shutdown;
use std::time::{Duration, Instant};

use thrift_rt::protocol::BinaryReader;
use thrift_rt::transport::header::parse_frame;
use thrift_rt::{ApplicationError, ApplicationErrorKind, Limits, ProtocolReader, ReadThrift};

use crate::combos::{Combo, Framing, Proto, Sock};
use crate::conn::{Raw, read_until_closed};
use crate::encode::cat;
use crate::server::Server;
use crate::{CLOSE_BOUND, PEAK_LIMIT_KIB, PROMPT};

/// What the connection must see.
enum Expect {
    /// Closed within the bound, nothing sent back.
    Closed(Duration),
    /// This exception, then a call on the same connection is served.
    Answered(ApplicationErrorKind),
}

/// A THeader frame: the fixed fields, `header` padded to four bytes (its size field says
/// `words` when given, else the padded size), then `payload`.
fn frame(header: &[u8], words: Option<u16>, payload: &[u8]) -> Vec<u8> {
    let mut h = header.to_vec();
    h.resize(h.len().div_ceil(4) * 4, 0);
    let words = words.unwrap_or((h.len() / 4) as u16);
    let body = cat(&[
        &[0x0F, 0xFF, 0, 0],
        &1i32.to_be_bytes(),
        &words.to_be_bytes(),
        &h,
        payload,
    ]);
    cat(&[&(body.len() as u32).to_be_bytes(), &body])
}

/// A binary `testString` call in a THeader frame with header `header`.
fn call_with(header: &[u8], seqid: i32) -> Vec<u8> {
    frame(header, None, &Proto::Binary.test_string(seqid, "theader"))
}

/// `n` bytes of zeros, zlib-compressed by Python's zlib (fast, and Apache's own choice).
fn zlib_zeros(n: usize) -> Result<Vec<u8>, String> {
    let out = std::process::Command::new("/usr/bin/python3")
        .args([
            "-c",
            &format!("import sys, zlib; sys.stdout.buffer.write(zlib.compress(bytes({n})))"),
        ])
        .output()
        .map_err(|e| format!("python3 for the zlib bomb: {e}"))?;
    Ok(out.stdout)
}

/// A case: its name, the bytes sent, what must happen.
type Case = (&'static str, Vec<u8>, Expect);

fn cases() -> Result<Vec<Case>, String> {
    let closed = Expect::Closed(PROMPT);
    let bomb = zlib_zeros(256 << 20)?;
    let small = zlib_zeros(100_000)?;
    let mut many = vec![0, 0, 1, 0xD0, 0x0F]; // binary, no transform, KEY_VALUE, 2,000
    for i in 0..2000u32 {
        let key = format!("k{i}");
        many.push(key.len() as u8);
        many.extend_from_slice(key.as_bytes());
        many.extend_from_slice(&[1, b'v']);
    }
    Ok(vec![
        (
            "zlib frame inflating to 256 MiB",
            frame(&[0, 1, 1], None, &bomb),
            closed,
        ),
        (
            "zlib payload that is not zlib",
            frame(&[0, 1, 1], None, b"certainly not deflate"),
            Expect::Closed(PROMPT),
        ),
        (
            "zlib payload cut short",
            frame(&[0, 1, 1], None, &small[..small.len() / 2]),
            Expect::Closed(PROMPT),
        ),
        (
            "header size past the frame",
            frame(&[0, 0], Some(200), b""),
            Expect::Closed(PROMPT),
        ),
        (
            "header of 65,535 words (over the limit)",
            frame(&vec![0u8; 0xFFFF * 4], None, b""),
            Expect::Closed(PROMPT),
        ),
        (
            "varint running off the header",
            frame(&[0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80], Some(2), b""),
            Expect::Closed(PROMPT),
        ),
        (
            "info header count beyond the header",
            frame(&[0, 0, 1, 0xFF, 0x7F], None, b""),
            Expect::Closed(PROMPT),
        ),
        (
            "2,000 info headers (limit 1,024)",
            frame(&many, None, b""),
            Expect::Closed(PROMPT),
        ),
        (
            "no THeader magic",
            cat(&[&8u32.to_be_bytes(), &[0x0F, 0xFE, 0, 0, 0, 0, 0, 0]]),
            Expect::Closed(PROMPT),
        ),
        (
            "frame length 0x7FFFFFFF",
            vec![0x7F, 0xFF, 0xFF, 0xFF, 0x0F, 0xFF],
            Expect::Closed(PROMPT),
        ),
        (
            "frame length beyond the bytes sent",
            cat(&[&1000u32.to_be_bytes(), &[0x0F, 0xFF, 0, 0]]),
            Expect::Closed(CLOSE_BOUND),
        ),
        (
            "unknown transform 9",
            call_with(&[0, 1, 9], 1),
            Expect::Answered(ApplicationErrorKind::InvalidTransform),
        ),
        (
            "unknown payload protocol 1 (JSON)",
            call_with(&[1, 0], 1),
            Expect::Answered(ApplicationErrorKind::InvalidProtocol),
        ),
    ])
}

/// Reads one whole frame (length prefix included) within `bound`.
fn read_frame(conn: &mut Raw, bound: Duration) -> Result<Vec<u8>, String> {
    let start = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(len) = bytes
            .first_chunk::<4>()
            .map(|w| u32::from_be_bytes(*w) as usize)
        {
            if bytes.len() >= 4 + len {
                bytes.truncate(4 + len);
                return Ok(bytes);
            }
        }
        let left = bound.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(format!(
                "no whole frame within {bound:?} ({} bytes)",
                bytes.len()
            ));
        }
        let _ = conn.set_read_timeout(Some(left));
        match conn.read(&mut buf) {
            Ok(0) => return Err(format!("closed after {} bytes", bytes.len())),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// The exception in a THeader reply frame (binary payload).
fn exception_of(frame: &[u8]) -> Result<ApplicationError, String> {
    let parsed = parse_frame(&frame[4..], &Limits::default()).map_err(|e| e.to_string())?;
    let mut r = BinaryReader::new(parsed.payload);
    let m = r.read_message_begin().map_err(|e| e.to_string())?;
    if m.kind != thrift_rt::MessageType::Exception {
        return Err(format!("a {:?}, not an exception", m.kind));
    }
    ApplicationError::read(&mut r).map_err(|e| e.to_string())
}

fn run_case(server: &Server, wire: &[u8], expect: &Expect) -> Result<(), String> {
    let mut conn = server.connect().map_err(|e| e.to_string())?;
    // A server that refuses early may close before all is written: that is fine.
    let _ = conn.write_all(wire);
    match *expect {
        Expect::Closed(bound) => {
            if bound == CLOSE_BOUND {
                let _ = conn.shutdown(Shutdown::Write);
            }
            let seen = read_until_closed(&mut conn, bound);
            if !seen.closed {
                return Err(format!("still open after {bound:?}"));
            }
            if !seen.bytes.is_empty() {
                return Err(format!("{} bytes sent back", seen.bytes.len()));
            }
        }
        Expect::Answered(kind) => {
            let e = exception_of(&read_frame(&mut conn, PROMPT)?)?;
            if e.kind != kind {
                return Err(format!("answered {e:?}, not {kind:?}"));
            }
            let _ = conn.write_all(&call_with(&[0, 0], 2));
            let reply = read_frame(&mut conn, PROMPT)?;
            let parsed = parse_frame(&reply[4..], &Limits::default()).map_err(|e| e.to_string())?;
            let m = BinaryReader::new(parsed.payload)
                .read_message_begin()
                .map_err(|e| e.to_string())?;
            if (m.name.as_str(), m.kind, m.seqid)
                != ("testString", thrift_rt::MessageType::Reply, 2)
            {
                return Err(format!("then answered {m:?}"));
            }
        }
    }
    Ok(())
}

/// Runs every case against a one-port server on `sock`; one line per case.
pub(crate) fn run(sock: Sock) -> Vec<(String, Result<(), String>)> {
    // The fresh client after each case speaks binary over buffered: the one-port server
    // answers it too.
    let combo = Combo {
        proto: Proto::Binary,
        framing: Framing::Buffered,
        sock,
    };
    let mut server = match Server::start_extra(combo, "theader", &["--one-port"]) {
        Ok(server) => server,
        Err(e) => return vec![("(server start)".to_owned(), Err(e))],
    };
    let cases = match cases() {
        Ok(cases) => cases,
        Err(e) => return vec![("(cases)".to_owned(), Err(e))],
    };
    let warm = server.fresh_call();
    let baseline = server.settled_fds(None);
    let mut lines = vec![("(first call)".to_owned(), warm.map(|_| ()))];
    for (name, wire, expect) in cases {
        server.reset_peak();
        let start = Instant::now();
        let mut verdict = run_case(&server, &wire, &expect);
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
            Ok(())
        })();
        let peak = server.peak_kib();
        if let (Some(peak), Ok(())) = (peak, &verdict) {
            if peak > PEAK_LIMIT_KIB {
                verdict = Err(format!(
                    "server peak memory {peak} KiB > {PEAK_LIMIT_KIB} KiB"
                ));
            }
        }
        if let (Err(e), Ok(())) = (&after, &verdict) {
            verdict = Err(format!("after the case: {e}"));
        }
        let line = format!(
            "theader/{sock:?} {name:45} {:>6.2}s peak {} KiB",
            took.as_secs_f64(),
            peak.unwrap_or(0)
        );
        lines.push((line, verdict));
        if server.check_alive().is_err() {
            break;
        }
    }
    lines
}
