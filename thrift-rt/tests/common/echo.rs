//! A hand-written echo service shaped like a generated processor, and the client helpers the
//! server tests share.

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use thrift_rt::connect::{AnyReader, AnyWriter, ClientOptions, connect_tcp};
// The helpers generated processors use (not public API; shaped like generated code).
use thrift_rt::__private::{self as processor, catch_panic};
use thrift_rt::protocol::BinaryWriter;
use thrift_rt::server::{Builder, Listener, Server};
use thrift_rt::{
    Caller, Client, Error, MessageHeader, MessageType, Processor, ProtocolKind, ProtocolReader,
    ProtocolWriter, ReadThrift, Result, TType, TransportKind, WriteThrift,
};

/// `echo(1: string msg, 2: i32 delay_ms)`'s arguments.
pub struct EchoArgs {
    pub msg: String,
    pub delay_ms: i32,
}

impl WriteThrift for EchoArgs {
    const TTYPE: TType = TType::Struct;
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_struct_begin("echo_args")?;
        processor::write_field(w, 1, self.msg.as_str())?;
        processor::write_field(w, 2, &self.delay_ms)?;
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

impl ReadThrift for EchoArgs {
    const TTYPE: TType = TType::Struct;
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let mut args = EchoArgs {
            msg: String::new(),
            delay_ms: 0,
        };
        r.read_struct_begin()?;
        while let Some(field) = r.read_field_begin()? {
            match field.id {
                1 => args.msg = processor::read_field_value(r, field)?.unwrap_or_default(),
                2 => {
                    args.delay_ms = processor::read_field_value(r, field)?.unwrap_or(0);
                }
                _ => processor::skip_field(r, field)?,
            }
        }
        r.read_struct_end()?;
        Ok(args)
    }
}

/// The result struct: field 0 is the success value.
pub struct EchoResult(pub String);

impl WriteThrift for EchoResult {
    const TTYPE: TType = TType::Struct;
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_struct_begin("echo_result")?;
        processor::write_field(w, 0, self.0.as_str())?;
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

impl ReadThrift for EchoResult {
    const TTYPE: TType = TType::Struct;
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let mut out = None;
        r.read_struct_begin()?;
        while let Some(field) = r.read_field_begin()? {
            match field.id {
                0 => out = processor::read_field_value(r, field)?,
                _ => processor::skip_field(r, field)?,
            }
        }
        r.read_struct_end()?;
        out.map(EchoResult)
            .ok_or_else(|| processor::missing_result("echo"))
    }
}

/// Counters shared by the processor and the test.
#[derive(Default)]
pub struct Stats {
    pub started: AtomicUsize,
    pub finished: AtomicUsize,
    pub active: AtomicUsize,
    pub max_active: AtomicUsize,
}

/// An echo service written by hand like a generated processor, plus two ways to panic:
/// `boom` panics inside `catch_panic` (as generated handlers do), `escape` panics out of the
/// processor itself.
#[derive(Clone, Default)]
pub struct Echo(pub Arc<Stats>);

impl Processor for Echo {
    fn process<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Result<()> {
        match header.name.as_str() {
            "echo" => {
                let args: EchoArgs = processor::read_args(header, r, w)?;
                let stats = &self.0;
                stats.started.fetch_add(1, Ordering::SeqCst);
                let now = stats.active.fetch_add(1, Ordering::SeqCst) + 1;
                stats.max_active.fetch_max(now, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(args.delay_ms as u64));
                stats.active.fetch_sub(1, Ordering::SeqCst);
                stats.finished.fetch_add(1, Ordering::SeqCst);
                processor::reply(w, header, Ok(EchoResult(args.msg)))
            }
            "boom" => {
                let _: EchoArgs = processor::read_args(header, r, w)?;
                let outcome = catch_panic("boom", || -> EchoResult { panic!("handler boom") });
                processor::reply(w, header, outcome)
            }
            "peer" => {
                // Who the server says is calling: the peer's pid, or "none" (TCP).
                let _: EchoArgs = processor::read_args(header, r, w)?;
                let who = thrift_rt::peer::current()
                    .map_or_else(|| "none".to_owned(), |p| p.pid().to_string());
                processor::reply(w, header, Ok(EchoResult(who)))
            }
            "header" => {
                // The value of the THeader info header named by the message, or "none".
                let args: EchoArgs = processor::read_args(header, r, w)?;
                let value = thrift_rt::header::current()
                    .and_then(|h| h.get(&args.msg).map(str::to_owned))
                    .unwrap_or_else(|| "none".to_owned());
                processor::reply(w, header, Ok(EchoResult(value)))
            }
            "escape" => {
                let _: EchoArgs = processor::read_args(header, r, w)?;
                panic!("processor escape");
            }
            _ => processor::unknown_method(header, r, w),
        }
    }
}

pub type TestClient = Client<AnyReader, AnyWriter>;

pub fn client(addr: SocketAddr, protocol: ProtocolKind, transport: TransportKind) -> TestClient {
    let opts = ClientOptions::default()
        .protocol(protocol)
        .transport(transport)
        .timeouts(Duration::from_secs(5));
    let (r, w) = connect_tcp(addr, &opts).unwrap();
    Client::new(r, w)
}

pub fn call_named<R: ProtocolReader, W: ProtocolWriter>(
    c: &mut Client<R, W>,
    method: &str,
    msg: &str,
    delay_ms: i32,
) -> Result<String> {
    let args = EchoArgs {
        msg: msg.to_owned(),
        delay_ms,
    };
    let seqid = c.send(method, MessageType::Call, 0, |w| args.write(w))?;
    c.receive::<EchoResult>(method, seqid).map(|r| r.0)
}

pub fn call(c: &mut TestClient, msg: &str, delay_ms: i32) -> Result<String> {
    call_named(c, "echo", msg, delay_ms)
}

pub fn quick() -> Builder {
    Builder::new()
        .read_timeout(Some(Duration::from_secs(5)))
        .message_timeout(Some(Duration::from_secs(5)))
        .write_timeout(Some(Duration::from_secs(5)))
}

pub fn tcp() -> Listener {
    Listener::tcp("127.0.0.1:0").unwrap()
}

pub fn addr(server: &Server) -> SocketAddr {
    server.local_addr().unwrap()
}

/// The bytes of one binary echo call, for clients that misbehave at the byte level.
pub fn raw_call(msg: &str) -> Vec<u8> {
    raw_call_seq(msg, 1)
}

/// [`raw_call`] with a sequence id.
pub fn raw_call_seq(msg: &str, seqid: i32) -> Vec<u8> {
    raw_call_delayed(msg, seqid, 0)
}

/// [`raw_call`] with a sequence id and a handler delay.
pub fn raw_call_delayed(msg: &str, seqid: i32, delay_ms: i32) -> Vec<u8> {
    let mut w = BinaryWriter::new(Vec::new());
    w.write_message_begin(&MessageHeader::new("echo", MessageType::Call, seqid))
        .unwrap();
    EchoArgs {
        msg: msg.to_owned(),
        delay_ms,
    }
    .write(&mut w)
    .unwrap();
    w.write_message_end().unwrap();
    w.into_inner()
}

/// Reads until the server closes the connection; returns how long that took.
pub fn time_until_closed(mut s: TcpStream) -> Duration {
    let start = Instant::now();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return start.elapsed(),
            Ok(_) => {}
        }
    }
}

/// Waits (at most 5 s) until `counter` reaches `n`.
pub fn wait_for(counter: &AtomicUsize, n: usize) {
    let start = Instant::now();
    while counter.load(Ordering::SeqCst) < n {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "timed out waiting"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

pub fn is_closed(e: &Error) -> bool {
    matches!(e, Error::Transport(_))
}

/// Tests that count threads and descriptors run one at a time (within their test binary).
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Raises this process's soft descriptor limit to its hard limit; returns the soft limit.
pub fn raise_fd_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return hard;
    }
    soft
}

/// The server threads (all named `thrift-…`) and the open descriptors of this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Census {
    pub server_threads: usize,
    pub fds: usize,
}

impl Census {
    pub fn now() -> Self {
        let server_threads = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| {
                let comm = task.ok()?.path().join("comm");
                std::fs::read_to_string(comm).ok()
            })
            .filter(|name| name.starts_with("thrift-"))
            .count();
        let fds = std::fs::read_dir("/proc/self/fd").unwrap().count();
        Self {
            server_threads,
            fds,
        }
    }

    /// Waits (at most 2 s) until `n` server threads run (a thread names itself once it has
    /// started).
    pub fn wait_for_server_threads(n: usize) {
        let start = Instant::now();
        while Self::now().server_threads != n {
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "{:?}, expected {n} server threads",
                Self::now()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Asserts that the counts are back to `self` (waiting at most 2 s, for client threads
    /// that are still closing their sockets).
    pub fn assert_back(self) {
        let start = Instant::now();
        loop {
            let now = Self::now();
            if now == self {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "leaked: before {self:?}, after {now:?}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}
