//! The default thread-pool server under load: many short connections, many concurrent
//! clients, handler panics, and a shutdown in the middle of it all. Each test ends by checking
//! that every server thread was joined and every descriptor closed.
//!
//! Every test takes [`serial`], so thread and descriptor counts see only its own server.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::echo::*;
use thrift_rt::server::Builder;
use thrift_rt::{ApplicationErrorKind, Error, ProtocolKind, TransportKind};

fn buffered_client(a: SocketAddr) -> TestClient {
    client(a, ProtocolKind::Binary, TransportKind::Buffered)
}

#[test]
fn two_thousand_sequential_connections() {
    let _serial = serial();
    let before = Census::now();
    let echo = Echo::default();
    let server = Builder::new().spawn(tcp(), echo.clone()).unwrap();
    let a = addr(&server);
    let start = Instant::now();
    for i in 0..2000 {
        let mut c = buffered_client(a);
        assert_eq!(call(&mut c, &format!("{i}"), 0).unwrap(), format!("{i}"));
    }
    println!("2,000 connect-call-close in {:?}", start.elapsed());
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), 2000);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    before.assert_back();
}

#[test]
fn sixty_four_concurrent_clients_all_make_progress() {
    let _serial = serial();
    let before = Census::now();
    let echo = Echo::default();
    // The defaults: 16 workers for 64 connections that never pause between calls.
    let server = Builder::new().spawn(tcp(), echo.clone()).unwrap();
    let a = addr(&server);
    let run_for = Duration::from_secs(2);
    let clients: Vec<_> = (0..64)
        .map(|i| {
            thread::spawn(move || {
                let mut c = buffered_client(a);
                let start = Instant::now();
                let mut calls = 0;
                while start.elapsed() < run_for {
                    let msg = format!("{i}:{calls}");
                    assert_eq!(call(&mut c, &msg, 0).unwrap(), msg);
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let calls: Vec<usize> = clients.into_iter().map(|t| t.join().unwrap()).collect();
    let total: usize = calls.iter().sum();
    // Connections take turns: none is starved behind the 16 that got a worker first.
    let fewest = *calls.iter().min().unwrap();
    println!(
        "64 clients, {run_for:?}: {total} calls, {fewest} to {} per client",
        calls.iter().max().unwrap()
    );
    assert!(
        fewest >= 10,
        "a client made only {fewest} calls in {run_for:?} ({total} in all)"
    );
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), total);
    assert!(echo.0.max_active.load(Ordering::SeqCst) <= 16);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    before.assert_back();
}

#[test]
fn handler_panics_under_load() {
    let _serial = serial();
    let before = Census::now();
    let echo = Echo::default();
    let server = Builder::new().spawn(tcp(), echo.clone()).unwrap();
    let a = addr(&server);
    let clients: Vec<_> = (0..32)
        .map(|i| {
            thread::spawn(move || {
                let mut c = buffered_client(a);
                let (mut panicked, mut echoed) = (0, 0);
                for j in 0..100 {
                    let msg = format!("{i}/{j}");
                    if j % 3 == 0 {
                        match call_named(&mut c, "boom", &msg, 0) {
                            Err(Error::Application(e)) => {
                                assert_eq!(e.kind, ApplicationErrorKind::InternalError);
                                panicked += 1;
                            }
                            other => panic!("expected INTERNAL_ERROR, got {other:?}"),
                        }
                    } else {
                        assert_eq!(call(&mut c, &msg, 0).unwrap(), msg);
                        echoed += 1;
                    }
                }
                (panicked, echoed)
            })
        })
        .collect();
    for t in clients {
        assert_eq!(t.join().unwrap(), (34, 66));
    }
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), 32 * 66);
    // The workers all survived: the server still serves, on every worker at once.
    let after: Vec<_> = (0..16)
        .map(|i| {
            thread::spawn(move || {
                let mut c = buffered_client(a);
                call(&mut c, &format!("after {i}"), 100)
            })
        })
        .collect();
    for (i, t) in after.into_iter().enumerate() {
        assert_eq!(t.join().unwrap().unwrap(), format!("after {i}"));
    }
    assert_eq!(echo.0.max_active.load(Ordering::SeqCst), 16);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    before.assert_back();
}

/// What one client saw during [`shutdown_under_load_loses_no_call`].
#[derive(Default)]
struct Seen {
    /// Calls answered with the right reply.
    replies: usize,
    /// Calls that ended in a connection error (closed or reset), never a wrong answer.
    cut: usize,
}

#[test]
fn shutdown_under_load_loses_no_call() {
    let _serial = serial();
    let before = Census::now();
    let echo = Echo::default();
    let server = Builder::new().spawn(tcp(), echo.clone()).unwrap();
    let a = addr(&server);
    let stopped = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(AtomicUsize::new(0));
    // 48 clients (more than the 16 workers) call in a loop, with handlers taking 0-20 ms;
    // after an error they reconnect, until connecting fails once the server has stopped.
    let clients: Vec<_> = (0..48)
        .map(|i| {
            let (stopped, attempts) = (Arc::clone(&stopped), Arc::clone(&attempts));
            thread::spawn(move || {
                let mut seen = Seen::default();
                let mut j = 0;
                'connect: loop {
                    let opts = thrift_rt::connect::ClientOptions::default()
                        .timeouts(Duration::from_secs(5));
                    let Ok((r, w)) = thrift_rt::connect::connect_tcp(a, &opts) else {
                        assert!(
                            stopped.load(Ordering::SeqCst),
                            "connect failed while serving"
                        );
                        return seen;
                    };
                    let mut c = thrift_rt::Client::new(r, w);
                    loop {
                        j += 1;
                        let msg = format!("{i}#{j}");
                        attempts.fetch_add(1, Ordering::SeqCst);
                        match call(&mut c, &msg, (j % 5) * 5) {
                            Ok(reply) => {
                                assert_eq!(reply, msg);
                                seen.replies += 1;
                            }
                            Err(e) => {
                                assert!(is_closed(&e), "a call failed with {e:?}");
                                seen.cut += 1;
                                continue 'connect;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    // Let the load build up, then stop in the middle of it.
    wait_for(&echo.0.finished, 300);
    stopped.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let report = server.shutdown(Duration::from_secs(3));
    let took = start.elapsed();
    let seen: Vec<Seen> = clients.into_iter().map(|t| t.join().unwrap()).collect();
    let replies: usize = seen.iter().map(|s| s.replies).sum();
    let cut: usize = seen.iter().map(|s| s.cut).sum();

    println!("shutdown in {took:?} under load: {replies} calls answered, {cut} cut off");
    assert_eq!(
        report.forced, 0,
        "every handler finished within the grace period"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    // Every call whose request was read was answered, and its reply arrived: no reply lost.
    let started = echo.0.started.load(Ordering::SeqCst);
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), started);
    assert_eq!(replies, started, "handled calls whose reply never arrived");
    // Every other call sent ended in a connection error, not a wrong or missing answer.
    assert_eq!(replies + cut, attempts.load(Ordering::SeqCst));
    assert!(cut >= 48, "each client saw its connection end ({cut})");
    before.assert_back();
}
