//! `SharedClient`: one client used by many threads, over a pool of connections to one or
//! more thread-pool servers; servers stopped and restarted under it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use codegen_tests::idl::channels::{Plain, PlainClient, PlainProcessor};
use thrift_rt::client::shared::{SharedCaller, SharedClient};
use thrift_rt::server::{Builder, Listener, Server};
use thrift_rt::transport::socket::TcpOptions;
use thrift_rt::{Error, TransportKind};

/// The tests of this file one at a time: one counts the process's threads and descriptors.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Counts the calls it answers.
struct Greeter(Arc<AtomicUsize>);

impl Plain for Greeter {
    fn hello(&self, name: String) -> Result<String, Error> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(format!("Hello, {name}"))
    }
}

/// A thread-pool server on `addr` (port 0: any), counting its calls in `calls`.
fn serve(addr: SocketAddr, calls: &Arc<AtomicUsize>) -> Server {
    Builder::new()
        .transport(TransportKind::Framed)
        .thread_pool(8, 64)
        .spawn(
            Listener::tcp(addr).unwrap(),
            PlainProcessor::new(Greeter(Arc::clone(calls))),
        )
        .unwrap()
}

fn options() -> TcpOptions {
    let mut options = TcpOptions::default();
    options.read_timeout = Some(Duration::from_secs(5));
    options.write_timeout = Some(Duration::from_secs(5));
    options.connect_timeout = Some(Duration::from_secs(1));
    options
}

fn client(addrs: &[SocketAddr], idempotent: bool) -> SharedClient {
    let builder = SharedClient::builder()
        .stack(thrift_rt::stack::Stack::new(
            thrift_rt::ProtocolKind::Binary,
            TransportKind::Framed,
        ))
        .socket(options())
        .retry_after(Duration::from_millis(200));
    let mut builder = addrs.iter().fold(builder, |b, addr| b.tcp(addr).unwrap());
    if idempotent {
        builder = builder.idempotent(["hello"]);
    }
    builder.build()
}

fn hello(caller: &SharedCaller, i: usize) -> Result<(), Error> {
    let got = PlainClient::from_caller(caller.clone()).hello(&i.to_string())?;
    assert_eq!(got, format!("Hello, {i}"));
    Ok(())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// The runtime's threads (the test harness has threads of its own, which come and go).
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("thrift"))
        .count()
}

#[test]
fn sixteen_threads_share_one_client() {
    let _serial = one_at_a_time();
    let calls = Arc::new(AtomicUsize::new(0));
    let server = serve("127.0.0.1:0".parse().unwrap(), &calls);
    let shared = client(&[server.local_addr().unwrap()], false);
    std::thread::scope(|s| {
        for t in 0..16 {
            let shared = shared.clone();
            s.spawn(move || {
                let mut plain = PlainClient::from_caller(shared.caller());
                for i in 0..200 {
                    let name = format!("{t}-{i}");
                    assert_eq!(plain.hello(&name).unwrap(), format!("Hello, {name}"));
                }
            });
        }
    });
    assert_eq!(calls.load(Ordering::Relaxed), 16 * 200);
    // At most one connection per thread was opened, and they are back in the pool.
    assert!(
        shared.idle_connections() <= 16,
        "{}",
        shared.idle_connections()
    );
    server.shutdown(Duration::from_secs(1));
}

/// The server stops and comes back on the same port while 16 threads call: calls fail only
/// while it is away, then succeed with nothing done by the caller; afterwards the process
/// holds the threads and descriptors it held before.
#[test]
fn a_restarted_server_is_used_again_without_help() {
    let _serial = one_at_a_time();
    let fds_before = open_fds();
    let threads_before = threads();
    let calls = Arc::new(AtomicUsize::new(0));
    let server = serve("127.0.0.1:0".parse().unwrap(), &calls);
    let addr = server.local_addr().unwrap();
    let shared = client(&[addr], false);
    let stop = Arc::new(AtomicBool::new(false));
    // (failed, last failure, last success) per thread.
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let caller = shared.caller();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut failures = 0usize;
                let mut last_failure = None;
                let mut last_success = None;
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    match hello(&caller, i) {
                        Ok(()) => last_success = Some(Instant::now()),
                        Err(e) => {
                            failures += 1;
                            last_failure = Some(Instant::now());
                            // The connection broke or was refused: a transport error.
                            assert!(matches!(e, Error::Transport(_)), "{e}");
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    }
                }
                (failures, last_failure, last_success)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    server.shutdown(Duration::from_secs(1));
    let down_at = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    let restarted = serve(addr, &calls);
    let up_at = Instant::now();
    std::thread::sleep(Duration::from_millis(600));
    stop.store(true, Ordering::Relaxed);
    let mut failed = 0;
    for worker in workers {
        let (failures, last_failure, last_success) = worker.join().unwrap();
        failed += failures;
        // Every thread succeeds again after the restart...
        assert!(
            last_success.is_some_and(|t| t > up_at),
            "no success after the restart"
        );
        // ...and its failures are over soon after it.
        if let Some(t) = last_failure {
            assert!(
                t < up_at + Duration::from_millis(300),
                "failing {:?} after the restart",
                t - up_at
            );
            assert!(t + Duration::from_millis(50) > down_at);
        }
    }
    assert!(failed > 0, "the restart window was not noticed");
    restarted.shutdown(Duration::from_secs(1));
    drop(shared);
    // Nothing left behind: no thread, no descriptor.
    let deadline = Instant::now() + Duration::from_secs(5);
    while (open_fds() > fds_before || threads() > threads_before) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        open_fds() <= fds_before,
        "{} descriptors, {fds_before} before",
        open_fds()
    );
    assert!(
        threads() <= threads_before,
        "{} threads, {threads_before} before",
        threads()
    );
}

/// Three servers: calls spread over all of them; one stops: idempotent calls go on without
/// an error on the other two; it comes back: it gets calls again.
#[test]
fn calls_spread_over_three_servers_and_survive_one_stopping() {
    let _serial = one_at_a_time();
    let counters: Vec<_> = (0..3).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let mut servers: Vec<Server> = counters
        .iter()
        .map(|c| serve("127.0.0.1:0".parse().unwrap(), c))
        .collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.local_addr().unwrap()).collect();
    let shared = client(&addrs, true);
    let run = |calls: usize| {
        std::thread::scope(|s| {
            for t in 0..4 {
                let caller = shared.caller();
                s.spawn(move || {
                    for i in 0..calls {
                        hello(&caller, t * 10_000 + i).unwrap();
                    }
                });
            }
        });
    };
    let counts = || {
        counters
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect::<Vec<_>>()
    };
    run(150);
    let spread = counts();
    assert!(spread.iter().all(|&n| n >= 100), "{spread:?}");

    // One stops: no call fails (the method is idempotent).
    let stopped = servers.remove(1);
    stopped.shutdown(Duration::from_secs(1));
    let before = counts();
    run(150);
    let after = counts();
    assert_eq!(after[1], before[1], "the stopped server was called");
    assert_eq!(after[0] + after[2] - before[0] - before[2], 600);

    // It comes back: it gets calls again once its retry time has passed.
    servers.insert(1, serve(addrs[1], &counters[1]));
    std::thread::sleep(Duration::from_millis(300));
    let before = counts();
    run(150);
    let after = counts();
    assert!(after[1] > before[1] + 50, "{before:?} -> {after:?}");
    for server in servers {
        server.shutdown(Duration::from_secs(1));
    }
}

/// Without `idempotent`, a call in flight when its server stops fails; calls after it go
/// to the remaining servers.
#[test]
fn only_calls_in_flight_fail_when_a_server_stops() {
    let _serial = one_at_a_time();
    let counters: Vec<_> = (0..2).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let mut servers: Vec<Server> = counters
        .iter()
        .map(|c| serve("127.0.0.1:0".parse().unwrap(), c))
        .collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.local_addr().unwrap()).collect();
    let shared = client(&addrs, false);
    let caller = shared.caller();
    for i in 0..20 {
        hello(&caller, i).unwrap();
    }
    // Idle pooled connections to the stopped server are found closed and not used.
    servers.remove(0).shutdown(Duration::from_secs(1));
    let mut failures = 0;
    for i in 0..100 {
        if hello(&caller, i).is_err() {
            failures += 1;
        }
    }
    assert_eq!(failures, 0, "no call was in flight, none may fail");
    servers.remove(0).shutdown(Duration::from_secs(1));
}

/// No server reachable: the call fails at once with an error naming the server and why.
#[test]
fn no_reachable_server_is_a_clear_error() {
    let _serial = one_at_a_time();
    // A port that was free a moment ago: nobody listens there.
    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let shared = client(&[addr], true);
    let started = Instant::now();
    let e = hello(&shared.caller(), 1).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        e.transport_kind(),
        Some(thrift_rt::TransportErrorKind::Io),
        "{e}"
    );
    let text = e.to_string();
    assert!(text.contains("no server could be reached"), "{text}");
    assert!(text.contains(&addr.to_string()), "{text}");
}

/// Answers with the `thread` info header of the call (THeader).
struct HeaderEcho;

impl Plain for HeaderEcho {
    fn hello(&self, name: String) -> Result<String, Error> {
        let thread = thrift_rt::header::current()
            .and_then(|h| h.get("thread").map(str::to_owned))
            .unwrap_or_default();
        Ok(format!("Hello, {name} from {thread}"))
    }
}

/// Over a Unix socket and THeader: four threads share the client, and each call carries
/// its own info headers to the handler.
#[test]
fn a_shared_client_over_theader_on_a_unix_socket() {
    let _serial = one_at_a_time();
    let path = std::env::temp_dir().join(format!("shared-theader-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let server = Builder::new()
        .protocol(thrift_rt::ProtocolKind::Header)
        .transport(TransportKind::Header)
        .thread_pool(4, 16)
        .spawn(
            Listener::unix(&path).unwrap(),
            PlainProcessor::new(HeaderEcho),
        )
        .unwrap();
    let shared = SharedClient::builder()
        .stack(thrift_rt::stack::Stack::new(
            thrift_rt::ProtocolKind::Header,
            TransportKind::Header,
        ))
        .unix(&path)
        .build();
    std::thread::scope(|s| {
        for t in 0..4 {
            let shared = shared.clone();
            s.spawn(move || {
                let mut plain = PlainClient::from_caller(shared.caller());
                let mut headers = thrift_rt::header::InfoHeaders::new();
                headers.insert("thread", t.to_string());
                for i in 0..25 {
                    let got = thrift_rt::header::with_call_headers(&headers, || {
                        plain.hello(&i.to_string())
                    });
                    assert_eq!(got.unwrap(), format!("Hello, {i} from {t}"));
                }
            });
        }
    });
    assert!(shared.idle_connections() <= 4);
    server.shutdown(Duration::from_secs(1));
    let _ = std::fs::remove_file(&path);
}
