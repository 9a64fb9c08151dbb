//! Running cases: what the hostile connection must see ([`Expect`]) and how soon
//! ([`Finish`]), and one combination's cases one after another against one server.

use std::fmt;
use std::io::Write;
use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use thrift_rt::ApplicationErrorKind;

use crate::cases::cases;
use crate::combos::{Combo, Framing, Proto};
use crate::conn::{Raw, read_messages, read_until_closed};
use crate::decode::{Msg, Value, decode_all};
use crate::encode::cat;
use crate::server::Server;
use crate::{CLOSE_BOUND, PEAK_LIMIT_KIB, PROMPT, STALL_BOUND};

/// What the hostile connection must see.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Expect {
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
pub(crate) enum Finish {
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

pub(crate) struct Ctx<'a> {
    pub(crate) server: &'a Server,
    pub(crate) combo: Combo,
}

/// A case passed or does not apply to the combination.
#[derive(Debug)]
pub(crate) enum Done {
    Pass,
    NotApplicable,
}

pub(crate) type CaseResult = Result<Done, String>;

impl Ctx<'_> {
    pub(crate) fn p(&self) -> Proto {
        self.combo.proto
    }

    pub(crate) fn framed(&self) -> bool {
        self.combo.framing == Framing::Framed
    }

    /// `payload` as the transport carries one message.
    pub(crate) fn frame(&self, payload: &[u8]) -> Vec<u8> {
        if self.framed() {
            cat(&[&(payload.len() as i32).to_be_bytes(), payload])
        } else {
            payload.to_vec()
        }
    }

    /// For a length or count the server can only prove a lie once the input ends: a framed
    /// server knows at once (the frame ended), a buffered one must wait for the bytes.
    pub(crate) fn short_input(&self) -> Finish {
        if self.framed() {
            Finish::Prompt
        } else {
            Finish::Eof
        }
    }

    /// Sends `wire` on a new connection, ends the input as `finish` says and checks what
    /// comes back against `expect`.
    pub(crate) fn exchange(
        &self,
        wire: &[u8],
        finish: Finish,
        expect: Expect,
    ) -> Result<(), String> {
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

pub(crate) struct CaseLine {
    /// The case's place in [`cases`].
    pub(crate) index: usize,
    pub(crate) combo: Combo,
    pub(crate) case: &'static str,
    pub(crate) took: Duration,
    pub(crate) peak_kib: Option<u64>,
    pub(crate) verdict: CaseResult,
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

pub(crate) fn run_combo(combo: Combo, highest: &AtomicUsize) -> Vec<CaseLine> {
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
