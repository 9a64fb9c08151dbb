//! The server under test: a `test_server` process, its peak memory and open descriptors, and
//! a fresh client that proves it still serves.

use std::io::{self, BufRead, BufReader};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crosstest::idl::cross_test::ThriftTestClient;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use thrift_rt::TransportKind;
use thrift_rt::connect::{self, ClientOptions};

use crate::combos::{Combo, Framing, Proto, Sock};
use crate::conn::Raw;
use crate::{CALL_TIMEOUT, CLOSE_BOUND, MESSAGE_TIMEOUT};

pub(crate) struct Server {
    child: Child,
    /// Kept open so the server's stdout never breaks.
    _stdout: BufReader<ChildStdout>,
    pub(crate) combo: Combo,
    port: u16,
    path: PathBuf,
    /// Serves Thrift over HTTP (`--transport=http`; the combination's framing is unused).
    http: bool,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    pub(crate) fn start(combo: Combo, tag: &str) -> Result<Server, String> {
        Self::start_with(combo, tag, MESSAGE_TIMEOUT)
    }

    /// [`start`](Self::start) with another message timeout.
    pub(crate) fn start_with(
        combo: Combo,
        tag: &str,
        message_timeout: Duration,
    ) -> Result<Server, String> {
        let mut last = String::new();
        // A port found free can be taken by someone else before the server binds it.
        for _ in 0..3 {
            match Self::try_start(combo, tag, message_timeout, &[], false) {
                Ok(server) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// [`start`](Self::start) with more arguments (`--one-port` for the THeader cases).
    pub(crate) fn start_extra(combo: Combo, tag: &str, extra: &[&str]) -> Result<Server, String> {
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start(combo, tag, MESSAGE_TIMEOUT, extra, false) {
                Ok(server) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn try_start(
        combo: Combo,
        tag: &str,
        message_timeout: Duration,
        extra: &[&str],
        http: bool,
    ) -> Result<Server, String> {
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
                    _ if http => "http",
                    Framing::Buffered => "buffered",
                    Framing::Framed => "framed",
                    Framing::Zlib => "zlib",
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
        command.args(extra);
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
                http,
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

    pub(crate) fn check_alive(&mut self) -> Result<(), String> {
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
    pub(crate) fn peak_kib(&self) -> Option<u64> {
        self.status_kib("VmHWM:")
    }

    /// Resets `VmHWM` to the current resident size (Linux: `5` into `clear_refs`).
    pub(crate) fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
    }

    pub(crate) fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map_or(0, Iterator::count)
    }

    /// The server's open descriptors once they stop falling (or reach `target`), within 5 s.
    pub(crate) fn settled_fds(&self, target: Option<usize>) -> usize {
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

    pub(crate) fn connect(&self) -> io::Result<Raw> {
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
    pub(crate) fn fresh_call(&self) -> Result<Duration, String> {
        if self.http {
            return self.fresh_http_call();
        }
        let transport = match self.combo.framing {
            Framing::Buffered => TransportKind::Buffered,
            Framing::Framed => TransportKind::Framed,
            Framing::Zlib => TransportKind::Zlib,
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

/// Thrift over HTTP, for the [`http`](crate::http) group.
impl Server {
    /// A `test_server --transport=http` with the combination's protocol and socket.
    pub(crate) fn start_http(combo: Combo, tag: &str) -> Result<Server, String> {
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start(combo, tag, MESSAGE_TIMEOUT, &[], true) {
                Ok(server) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// [`fresh_call`](Self::fresh_call) over HTTP: our HTTP client, on one connection.
    fn fresh_http_call(&self) -> Result<Duration, String> {
        use thrift_rt::stack::{HttpClient, Stack};
        let options = thrift_rt::transport::socket::TcpOptions::default()
            .connect_timeout(CALL_TIMEOUT)
            .read_timeout(CALL_TIMEOUT)
            .write_timeout(CALL_TIMEOUT);
        let start = Instant::now();
        let stream = match self.combo.sock {
            Sock::Tcp => connect::tcp(("127.0.0.1", self.port), &options),
            Sock::Unix => connect::unix(&self.path, &options),
        }
        .map_err(|e| format!("fresh HTTP client cannot connect: {e}"))?;
        let stack = Stack::new(self.combo.proto.kind(), HttpClient::new("localhost"));
        let (r, w) = connect::with_stack(stream, &stack, &thrift_rt::Limits::default())
            .map_err(|e| format!("fresh HTTP client: {e}"))?;
        let mut client = ThriftTestClient::new(r, w);
        let thing = "a fresh HTTP client after a hostile one";
        match client.test_string(thing) {
            Ok(s) if s == thing => {}
            Ok(s) => return Err(format!("fresh testString answered {s:?}")),
            Err(e) => {
                return Err(format!(
                    "fresh HTTP testString failed after {:?}: {e}",
                    start.elapsed()
                ));
            }
        }
        match client.test_i32(-7) {
            Ok(-7) => Ok(start.elapsed()),
            Ok(n) => Err(format!("fresh testI32 answered {n}")),
            Err(e) => Err(format!(
                "fresh HTTP testI32 failed after {:?}: {e}",
                start.elapsed()
            )),
        }
    }
}
