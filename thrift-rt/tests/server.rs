//! Servers end to end: a hand-written echo processor behind each kind of server, over TCP and
//! Unix sockets, with clients that behave and clients that do not.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use common::echo::*;
use thrift_rt::connect::{ClientOptions, connect_tcp};
use thrift_rt::protocol::MultiplexedWriter;
use thrift_rt::server::{Listener, MultiplexedProcessor, Overload, ServerKind};
use thrift_rt::{ApplicationErrorKind, Client, Error, ProtocolKind, TransportKind};

#[test]
fn every_protocol_and_transport_sequential_and_concurrent() {
    for protocol in [
        ProtocolKind::Binary,
        ProtocolKind::Compact,
        ProtocolKind::Json,
    ] {
        for transport in [TransportKind::Buffered, TransportKind::Framed] {
            let echo = Echo::default();
            let server = quick()
                .protocol(protocol)
                .transport(transport)
                .thread_pool(4, 16)
                .spawn(tcp(), echo.clone())
                .unwrap();
            let a = addr(&server);
            for i in 0..10 {
                let mut c = client(a, protocol, transport);
                for j in 0..3 {
                    let msg = format!("{i}.{j}");
                    assert_eq!(call(&mut c, &msg, 0).unwrap(), msg);
                }
            }
            let clients: Vec<_> = (0..8)
                .map(|i| {
                    thread::spawn(move || {
                        let mut c = client(a, protocol, transport);
                        for j in 0..20 {
                            let msg = format!("{i}:{j}:{}", "x".repeat(j * 50));
                            assert_eq!(call(&mut c, &msg, 0).unwrap(), msg);
                        }
                    })
                })
                .collect();
            for c in clients {
                c.join().unwrap();
            }
            assert_eq!(echo.0.finished.load(Ordering::SeqCst), 30 + 160);
            assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
        }
    }
}

#[cfg(unix)]
#[test]
fn unix_socket_threaded_server() {
    let dir = std::env::temp_dir().join(format!("thrift-rt-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let echo = Echo::default();
    let server = quick()
        .protocol(ProtocolKind::Compact)
        .transport(TransportKind::Framed)
        .threaded(8)
        .spawn(Listener::unix(&path).unwrap(), echo.clone())
        .unwrap();
    let opts = ClientOptions::default()
        .protocol(ProtocolKind::Compact)
        .transport(TransportKind::Framed)
        .timeouts(Duration::from_secs(5));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let path = path.clone();
            thread::spawn(move || {
                let (r, w) = thrift_rt::connect::connect_unix(&path, &opts).unwrap();
                let mut c = Client::new(r, w);
                for j in 0..10 {
                    let msg = format!("{i}/{j}");
                    assert_eq!(call(&mut c, &msg, 0).unwrap(), msg);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), 40);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    assert!(!path.exists(), "the socket file is removed on shutdown");
}

#[test]
fn silent_client_times_out_and_frees_the_server() {
    // A simple server serves one connection at a time, so the second client is only served
    // once the silent one has been dropped.
    let server = quick()
        .simple()
        .read_timeout(Some(Duration::from_millis(200)))
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    let silent = TcpStream::connect(a).unwrap();
    thread::sleep(Duration::from_millis(20));
    let start = Instant::now();
    let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
    assert_eq!(call(&mut c, "after", 0).unwrap(), "after");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(150), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    // The silent client sees its connection closed.
    assert!(time_until_closed(silent) < Duration::from_secs(1));
}

#[test]
fn trickling_client_is_cut_off_at_the_message_deadline() {
    let echo = Echo::default();
    let server = quick()
        .simple()
        .read_timeout(Some(Duration::from_millis(300)))
        .message_timeout(Some(Duration::from_millis(500)))
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    let bytes = raw_call(&"t".repeat(64));
    let trickler = thread::spawn(move || {
        let mut s = TcpStream::connect(a).unwrap();
        let start = Instant::now();
        // One byte every 50 ms: never idle for the 300 ms read timeout, and the whole
        // message would take over 4 s.
        for b in &bytes {
            if s.write_all(&[*b]).is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
            if start.elapsed() > Duration::from_secs(3) {
                break;
            }
        }
        (start.elapsed(), time_until_closed(s))
    });
    // Meanwhile a well-behaved client waits for the single-connection server.
    thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
    assert_eq!(call(&mut c, "next", 0).unwrap(), "next");
    let waited = start.elapsed();
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
    let (sending, then_closed) = trickler.join().unwrap();
    // The whole message would take over 3 s to send; the server gave up at 0.5 s.
    assert!(
        sending + then_closed < Duration::from_secs(2),
        "{sending:?} + {then_closed:?}"
    );
    assert_eq!(
        echo.0.started.load(Ordering::SeqCst),
        1,
        "the trickled call never reached the handler"
    );
}

#[test]
fn client_disconnecting_mid_message_does_not_disturb_others() {
    let echo = Echo::default();
    let server = quick()
        .thread_pool(1, 4)
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    let bytes = raw_call("half");
    let mut s = TcpStream::connect(a).unwrap();
    s.write_all(&bytes[..bytes.len() / 2]).unwrap();
    drop(s);
    // The single worker is free again: the half call was dropped, not handled.
    let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
    assert_eq!(call(&mut c, "whole", 0).unwrap(), "whole");
    assert_eq!(echo.0.started.load(Ordering::SeqCst), 1);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

#[test]
fn panics_end_only_their_call_or_connection() {
    // One worker: if a panic killed it, nothing would be served afterwards.
    let echo = Echo::default();
    let server = quick()
        .thread_pool(1, 4)
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
    // A handler panic is an INTERNAL_ERROR reply, and the connection goes on.
    match call_named(&mut c, "boom", "x", 0) {
        Err(Error::Application(e)) => {
            assert_eq!(e.kind, ApplicationErrorKind::InternalError);
            assert!(e.message.contains("handler boom"), "{}", e.message);
        }
        other => panic!("expected INTERNAL_ERROR, got {other:?}"),
    }
    assert_eq!(
        call(&mut c, "same connection", 0).unwrap(),
        "same connection"
    );
    // A panic escaping the processor closes that connection only.
    let err = call_named(&mut c, "escape", "x", 0).unwrap_err();
    assert!(is_closed(&err), "{err:?}");
    let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
    assert_eq!(call(&mut c, "still serving", 0).unwrap(), "still serving");
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), 2);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

#[test]
fn shutdown_lets_calls_in_flight_finish() {
    let echo = Echo::default();
    let server = quick().threaded(16).spawn(tcp(), echo.clone()).unwrap();
    let a = addr(&server);
    let calls: Vec<_> = (0..5)
        .map(|i| {
            thread::spawn(move || {
                let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
                call(&mut c, &format!("slow {i}"), 300)
            })
        })
        .collect();
    // An idle connection: closed at once by the shutdown, not waited for.
    let idle = TcpStream::connect(a).unwrap();
    wait_for(&echo.0.started, 5);
    let start = Instant::now();
    let report = server.shutdown(Duration::from_secs(3));
    let took = start.elapsed();
    assert_eq!(report.forced, 0);
    assert!(took < Duration::from_secs(1), "{took:?}");
    for (i, c) in calls.into_iter().enumerate() {
        assert_eq!(c.join().unwrap().unwrap(), format!("slow {i}"));
    }
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), 5);
    assert!(time_until_closed(idle) < Duration::from_millis(500));
    // Nothing listens any more.
    assert!(TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_err());
}

#[test]
fn shutdown_closes_what_outlasts_the_grace_period() {
    let echo = Echo::default();
    let server = quick()
        .thread_pool(2, 4)
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    let slow = thread::spawn(move || {
        let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
        call(&mut c, "too slow", 600)
    });
    wait_for(&echo.0.started, 1);
    let start = Instant::now();
    let report = server.shutdown(Duration::from_millis(100));
    assert_eq!(report.forced, 1);
    // The handler still runs to its end before its thread is joined; its reply cannot go out.
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(slow.join().unwrap().is_err());
}

#[test]
fn pool_serves_more_clients_than_workers() {
    let echo = Echo::default();
    let server = quick()
        .thread_pool(2, 16)
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    let clients: Vec<_> = (0..8)
        .map(|i| {
            thread::spawn(move || {
                let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
                for j in 0..5 {
                    let msg = format!("{i}-{j}");
                    assert_eq!(call(&mut c, &msg, 10).unwrap(), msg);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), 40);
    assert_eq!(echo.0.max_active.load(Ordering::SeqCst), 2, "two workers");
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

#[test]
fn pool_refuses_beyond_its_queue() {
    let echo = Echo::default();
    let server = quick()
        .thread_pool(1, 1)
        .overload(Overload::Refuse)
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    // The worker is busy with the first call (an idle connection would not hold it); the
    // second connection waits in the queue.
    let first = thread::spawn(move || {
        let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
        call(&mut c, "first", 400)
    });
    wait_for(&echo.0.started, 1);
    let queued = thread::spawn(move || {
        let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
        call(&mut c, "queued", 0)
    });
    thread::sleep(Duration::from_millis(100));
    // The third is refused: closed without an answer.
    let refused = TcpStream::connect(a).unwrap();
    assert!(time_until_closed(refused) < Duration::from_secs(1));
    // When the first call is done, the queued one is served.
    assert_eq!(first.join().unwrap().unwrap(), "first");
    assert_eq!(queued.join().unwrap().unwrap(), "queued");
    assert_eq!(
        echo.0.finished.load(Ordering::SeqCst),
        2,
        "the refused client sent nothing"
    );
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

#[test]
fn threaded_connection_limit_waits_or_refuses() {
    for overload in [Overload::Wait, Overload::Refuse] {
        let server = quick()
            .threaded(1)
            .overload(overload)
            .spawn(tcp(), Echo::default())
            .unwrap();
        let a = addr(&server);
        let mut first = client(a, ProtocolKind::Binary, TransportKind::Buffered);
        assert_eq!(call(&mut first, "first", 0).unwrap(), "first");
        let second = thread::spawn(move || {
            let mut c = client(a, ProtocolKind::Binary, TransportKind::Buffered);
            call(&mut c, "second", 0)
        });
        thread::sleep(Duration::from_millis(100));
        drop(first);
        let outcome = second.join().unwrap();
        match overload {
            Overload::Wait => assert_eq!(outcome.unwrap(), "second"),
            _ => assert!(is_closed(&outcome.unwrap_err())),
        }
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

#[test]
fn multiplexed_processor_routes_by_service_name() {
    let named = Echo::default();
    let default = Echo::default();
    let mux = MultiplexedProcessor::new()
        .register("Echo", named.clone())
        .default_service(default.clone());
    let server = quick().spawn(tcp(), mux).unwrap();
    let a = addr(&server);
    let opts = ClientOptions::default().timeouts(Duration::from_secs(5));

    let (r, w) = connect_tcp(a, &opts).unwrap();
    let mut c = Client::new(r, MultiplexedWriter::new(w, "Echo"));
    assert_eq!(call_named(&mut c, "echo", "routed", 0).unwrap(), "routed");
    assert_eq!(named.0.finished.load(Ordering::SeqCst), 1);

    let (r, w) = connect_tcp(a, &opts).unwrap();
    let mut c = Client::new(r, MultiplexedWriter::new(w, "Nope"));
    match call_named(&mut c, "echo", "lost", 0) {
        Err(Error::Application(e)) => {
            assert_eq!(e.kind, ApplicationErrorKind::ProtocolError);
            assert!(e.message.contains("Nope"), "{}", e.message);
        }
        other => panic!("expected an exception, got {other:?}"),
    }
    // The connection is still usable after the refusal.
    let (r, w) = c.into_inner();
    let mut c = Client::new(r, MultiplexedWriter::new(w.into_inner(), "Echo"));
    assert_eq!(call_named(&mut c, "echo", "again", 0).unwrap(), "again");

    let (r, w) = connect_tcp(a, &opts).unwrap();
    let mut c = Client::new(r, w);
    assert_eq!(call_named(&mut c, "echo", "plain", 0).unwrap(), "plain");
    assert_eq!(default.0.finished.load(Ordering::SeqCst), 1);
    assert_eq!(named.0.finished.load(Ordering::SeqCst), 2);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

/// Regression test for a slow reader: SECURITY.md and the server docs say a reply must be
/// written within the write timeout, but the timeout is the socket's `SO_SNDTIMEO`, which
/// bounds each `send` call, not the reply. A client that reads a large reply a little at a
/// time, often enough that every `send` makes progress, holds the connection (and, on a
/// simple or thread-pool server, its thread) for as long as it likes.
#[test]
fn slow_reader_is_cut_off_at_the_write_timeout() {
    // Imports of its own, so the test can move between files.
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    let dir = std::env::temp_dir().join(format!("thrift-rt-slow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let write_timeout = Duration::from_millis(300);
    let server = quick()
        .simple()
        .write_timeout(Some(write_timeout))
        .spawn(Listener::unix(&path).unwrap(), Echo::default())
        .unwrap();
    // A Unix socket: the sender's buffer (about 200 KiB) bounds what is in flight, so the
    // 16 MiB echo can only leave the server as fast as the client reads.
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(&raw_call(&"r".repeat(16 << 20))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let start = Instant::now();
    let mut received = 0usize;
    let mut buf = vec![0u8; 256 * 1024];
    // Read whatever is there every 100 ms (well within the write timeout, so each blocked
    // `send` makes progress), for at most 4 s.
    let cut_off = loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break Some(start.elapsed()),
            Ok(n) => received += n,
        }
        if start.elapsed() > Duration::from_secs(4) {
            break None;
        }
        thread::sleep(Duration::from_millis(100));
    };
    drop(s);
    let _ = server.shutdown(Duration::ZERO);
    let _ = std::fs::remove_dir_all(&dir);
    match cut_off {
        Some(after) => assert!(
            after < write_timeout * 5,
            "cut off only after {after:?} ({received} bytes read)"
        ),
        None => panic!(
            "still writing the reply {:?} after it started ({received} of about {} bytes \
             read); the write timeout is {write_timeout:?}",
            start.elapsed(),
            16 << 20
        ),
    }
}

/// Runs `stop` on a thread of its own and fails (instead of hanging the suite) when it does
/// not return within `limit`.
fn returns_within(limit: Duration, stop: impl FnOnce() + Send + 'static) -> Duration {
    let (tx, rx) = std::sync::mpsc::channel();
    let start = Instant::now();
    thread::spawn(move || {
        stop();
        let _ = tx.send(());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("still stopping after {limit:?}"));
    start.elapsed()
}

/// A temporary directory cleaned up before the server stops must not make stopping hang
/// (the accept loop used to be woken by connecting to the socket file). Every server kind and
/// a listening endpoint; threads and descriptors back to their baseline afterwards.
#[cfg(unix)]
#[test]
fn shutdown_returns_at_once_when_the_socket_file_is_gone() {
    let _serial = serial();
    let census = Census::now();
    let dir = std::env::temp_dir().join(format!("thrift-rt-gone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kinds = [
        ServerKind::Simple,
        ServerKind::Threaded { max_connections: 4 },
        ServerKind::ThreadPool {
            workers: 2,
            queue: 4,
        },
    ];
    for (i, kind) in kinds.into_iter().enumerate() {
        let path = dir.join(format!("server-{i}.sock"));
        let server = quick()
            .kind(kind)
            .spawn(Listener::unix(&path).unwrap(), Echo::default())
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        let took = returns_within(Duration::from_secs(5), move || {
            assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
        });
        assert!(took < Duration::from_secs(1), "{kind:?} took {took:?}");
    }
    let path = dir.join("endpoint.sock");
    let listening = thrift_rt::endpoint::Builder::new()
        .serve(Echo::default())
        .listen(Listener::unix(&path).unwrap(), |_| {})
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let took = returns_within(Duration::from_secs(5), move || listening.shutdown());
    assert!(
        took < Duration::from_secs(1),
        "endpoint listener took {took:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    census.assert_back();
}

/// An endpoint peer that goes away while calls from several threads wait on it: every caller
/// gets an error at once (not at its timeout), and threads and descriptors come back to
/// their baseline.
#[test]
fn an_endpoint_peer_dying_fails_every_call_in_flight() {
    let _serial = serial();
    let census = Census::now();
    let listening = thrift_rt::endpoint::Builder::new()
        .serve(Echo::default())
        .listen(tcp(), |_| {})
        .unwrap();
    let addr = listening.local_addr().unwrap();
    let endpoint = thrift_rt::endpoint::Builder::new()
        .call_timeout(Some(Duration::from_secs(10)))
        .connect_tcp(addr, &Default::default())
        .unwrap();
    let callers: Vec<_> = (0..4)
        .map(|i| {
            let mut caller = endpoint.caller();
            thread::spawn(move || {
                use thrift_rt::{Caller, MessageType, WriteThrift};
                let start = Instant::now();
                let args = EchoArgs {
                    msg: format!("{i}"),
                    delay_ms: 3_000,
                };
                let outcome = caller
                    .send("echo", MessageType::Call, 0, |w| args.write(w))
                    .and_then(|pending| caller.receive::<EchoResult>("echo", pending));
                (outcome.map(|r| r.0), start.elapsed())
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(200));
    // The peer goes away: its listener closes every connection it accepted.
    listening.shutdown();
    for c in callers {
        let (outcome, took) = c.join().unwrap();
        assert!(outcome.is_err(), "a call survived its peer: {outcome:?}");
        assert!(
            took < Duration::from_millis(1500),
            "a caller waited {took:?}"
        );
    }
    drop((endpoint, listening));
    census.assert_back();
}

/// A server process killed in the middle of a call: the waiting client gets an error within
/// its timeout, and a call to a stopped (not dead) server times out at the call timeout.
#[cfg(unix)]
#[test]
fn a_server_killed_or_stopped_mid_call_fails_the_call_within_its_timeout() {
    let _serial = serial();
    let census = Census::now();
    // A server in a child process of ours: `sleep` stands in for the handler that never
    // answers, and a plain listener for the server (killing it resets the connection).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let child = unsafe_free_fork_listener(listener);
    let timeout = Duration::from_millis(800);
    let opts = ClientOptions::default().timeouts(timeout);
    let (r, w) = connect_tcp(addr, &opts).unwrap();
    let mut client = Client::new(r, w);
    // Stopped: the call fails at its timeout.
    let stopped = std::process::Command::new("kill")
        .args(["-STOP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let start = Instant::now();
    let err = call(&mut client, "to a stopped server", 0).unwrap_err();
    assert!(
        start.elapsed() < timeout * 2,
        "{:?}: {err}",
        start.elapsed()
    );
    // Killed: the next call fails at once.
    let mut child = child;
    child.kill().unwrap();
    child.wait().unwrap();
    let (r, w) = connect_tcp(addr, &opts).map_or_else(
        |_| {
            // Nothing listens any more: connecting fails, which is the error.
            (None, None)
        },
        |(r, w)| (Some(r), Some(w)),
    );
    if let (Some(r), Some(w)) = (r, w) {
        let mut client = Client::new(r, w);
        let start = Instant::now();
        assert!(call(&mut client, "to a dead server", 0).is_err());
        assert!(start.elapsed() < timeout * 2);
    }
    drop(client);
    census.assert_back();
}

/// A child process that holds `listener`, accepts connections and never answers: the
/// listening socket is handed over as the child's stdin.
#[cfg(unix)]
fn unsafe_free_fork_listener(listener: std::net::TcpListener) -> std::process::Child {
    use std::os::fd::OwnedFd;
    let fd = OwnedFd::from(listener);
    std::process::Command::new("python3")
        .args([
            "-c",
            "import socket,sys,time\n\
             s=socket.socket(fileno=0)\n\
             conns=[]\n\
             while True:\n    c,_=s.accept(); conns.append(c)\n",
        ])
        .stdin(std::process::Stdio::from(fd))
        .spawn()
        .unwrap()
}

/// A peer stalling inside a message on an endpoint connection does not hold up what the
/// endpoint sends: the reply to a call that arrived whole is delivered while the next
/// message is still half there, and the endpoint can still call the peer.
#[test]
fn an_endpoint_peer_stalling_mid_message_still_gets_its_replies() {
    use std::io::Read as _;
    let _serial = serial();
    let listening = thrift_rt::endpoint::Builder::new()
        .transport(TransportKind::Buffered)
        .serve(Echo::default())
        .listen(tcp(), |_| {})
        .unwrap();
    let mut peer = TcpStream::connect(listening.local_addr().unwrap()).unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let next = raw_call_seq("half", 2);
    let mut bytes = raw_call_seq("whole", 1);
    bytes.extend_from_slice(&next[..next.len() / 2]);
    peer.write_all(&bytes).unwrap();
    // The reply to the whole call arrives while the second call is half sent.
    let start = Instant::now();
    let mut reply = vec![0u8; 64];
    let n = peer.read(&mut reply).unwrap();
    assert!(n > 0 && start.elapsed() < Duration::from_secs(1));
    assert!(
        reply[..n].windows(5).any(|w| w == b"whole"),
        "{:?}",
        &reply[..n]
    );
    // The rest of the second call completes it, and it is answered too.
    peer.write_all(&next[next.len() / 2..]).unwrap();
    let n = peer.read(&mut reply).unwrap();
    assert!(
        reply[..n].windows(4).any(|w| w == b"half"),
        "{:?}",
        &reply[..n]
    );
    drop(peer);
    listening.shutdown();
}
