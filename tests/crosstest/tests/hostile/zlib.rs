//! Hostile zlib streams against `test_server --transport=zlib` (zlib over the buffered
//! transport), binary and compact over TCP: a small stream that inflates hugely, a claimed
//! length beyond the limits inside one, bytes that are not zlib at all, a stream cut short.
//!
//! Each must end with the connection closed (or an exception) promptly, the server's peak
//! memory under [`PEAK_LIMIT_KIB`] (the inflater writes into the transport's buffer, never
//! into one sized by the input), the server alive, a fresh zlib client served, and no
//! descriptor leaked.

use std::io::Write;
use std::time::{Duration, Instant};

use thrift_rt::layer::Zlib;

use crate::combos::{Combo, Framing, Proto, Sock};
use crate::conn::read_until_closed;
use crate::encode::{Ty, cat};
use crate::server::Server;
use crate::{CLOSE_BOUND, PEAK_LIMIT_KIB};

/// One hostile stream: its name and its bytes (compressed already, or not). The client shuts
/// its write side after sending them.
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
}

/// `plain`, zlib-compressed as a peer would send it (one flush).
fn deflated(plain: &[u8]) -> Vec<u8> {
    let mut w = Zlib::new(9).writer(Vec::new());
    w.write_all(plain).unwrap();
    w.flush().unwrap();
    w.get_ref().clone()
}

/// `prefix` then `len` zero bytes, compressed piecewise (so the test never holds them).
fn deflated_zeros(prefix: &[u8], len: usize) -> Vec<u8> {
    let mut w = Zlib::new(9).writer(Vec::new());
    w.write_all(prefix).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        w.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    w.flush().unwrap();
    w.get_ref().clone()
}

static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

fn cases(p: Proto) -> Vec<Case> {
    // A testString call whose string claims 200 MiB (beyond the message and string limits),
    // followed by 256 MiB of zeros: all of it a few hundred KiB on the wire.
    let lie = p.call(
        "testString",
        1,
        &[p.field(1, Ty::Str, &p.strv(200 << 20, b""))],
    );
    let claims_too_much = deflated_zeros(&lie, 16 << 20);
    let valid = deflated(&p.test_string(1, "cut short"));
    vec![
        Case {
            // Only zeros: 160 MiB inflated from about 160 KiB (no valid message header; more
            // than the message budget and the peak memory allowed). Made once: compressing
            // is slow in a debug build.
            name: "zlib bomb of zeros",
            bytes: BOMB.get_or_init(|| deflated_zeros(&[], 160 << 20)).clone(),
        },
        Case {
            name: "length beyond the limits inside a zlib bomb",
            bytes: claims_too_much,
        },
        Case {
            name: "bytes that are not zlib",
            bytes: b"GET / HTTP/1.1\r\nHost: thrift\r\n\r\n".to_vec(),
        },
        Case {
            name: "a corrupt deflate block after a valid header",
            bytes: cat(&[&[0x78, 0x9c], &[0xff; 64]]),
        },
        Case {
            name: "a compressed call cut short",
            bytes: valid[..valid.len() / 2].to_vec(),
        },
    ]
}

#[test]
fn hostile_zlib_streams_cannot_hurt_the_server() {
    let mut failures = Vec::new();
    for proto in [Proto::Binary, Proto::Compact] {
        let combo = Combo {
            proto,
            framing: Framing::Zlib,
            sock: Sock::Tcp,
        };
        let mut server = match Server::start(combo, "zlib") {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{combo}: {e}"));
                continue;
            }
        };
        let baseline = server.settled_fds(None);
        for case in cases(proto) {
            if let Err(e) = run(&mut server, &case, baseline) {
                failures.push(format!("{combo} {}: {e}", case.name));
            } else {
                println!(
                    "{combo} {}: ok ({} bytes sent)",
                    case.name,
                    case.bytes.len()
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn run(server: &mut Server, case: &Case, baseline: usize) -> Result<(), String> {
    server.reset_peak();
    let mut conn = server.connect().map_err(|e| e.to_string())?;
    let started = Instant::now();
    // The server may close before everything is sent (it refuses early): that is fine.
    let _ = conn.write_all(&case.bytes);
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let seen = read_until_closed(&mut conn, CLOSE_BOUND);
    if !seen.closed {
        return Err(format!("still open after {:?}", started.elapsed()));
    }
    // A reply would be a stream in itself: what came must inflate as zlib (an exception) or be
    // nothing.
    if !seen.bytes.is_empty() {
        let mut inflated = Vec::new();
        std::io::Read::read_to_end(&mut Zlib::default().reader(&seen.bytes[..]), &mut inflated)
            .map_err(|e| format!("the answer is not a zlib stream: {e}"))?;
    }
    server.check_alive()?;
    if let Some(peak) = server.peak_kib().filter(|&p| p > PEAK_LIMIT_KIB) {
        return Err(format!("peak memory {peak} KiB"));
    }
    server.fresh_call()?;
    let left = server.settled_fds(Some(baseline));
    if left > baseline {
        return Err(format!(
            "{left} descriptors open after the case, {baseline} before"
        ));
    }
    if started.elapsed() > Duration::from_secs(20) {
        return Err(format!("took {:?}", started.elapsed()));
    }
    Ok(())
}
