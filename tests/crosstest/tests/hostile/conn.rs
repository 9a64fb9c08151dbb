//! Raw connections to the server, and reading what it sends back within a bound.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use crate::combos::Combo;
use crate::decode::{Msg, decode_all};

pub(crate) enum Raw {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Raw {
    pub(crate) fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Raw::Tcp(s) => s.set_read_timeout(t),
            Raw::Unix(s) => s.set_read_timeout(t),
        }
    }

    pub(crate) fn set_write_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Raw::Tcp(s) => s.set_write_timeout(t),
            Raw::Unix(s) => s.set_write_timeout(t),
        }
    }

    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self {
            Raw::Tcp(s) => s.shutdown(how),
            Raw::Unix(s) => s.shutdown(how),
        }
    }

    /// Closes abruptly: a TCP reset (`SO_LINGER` 0), or a plain close for a Unix socket.
    pub(crate) fn reset(self) {
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
pub(crate) struct Seen {
    pub(crate) bytes: Vec<u8>,
    pub(crate) closed: bool,
    pub(crate) after: Duration,
}

/// Reads until the server closes the connection (end of stream or reset) or `bound` passes.
pub(crate) fn read_until_closed(conn: &mut Raw, bound: Duration) -> Seen {
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
pub(crate) fn read_messages(
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
