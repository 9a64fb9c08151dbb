//! Alone in its test binary so no other test's threads disturb the count: when an endpoint's
//! connection drops, every thread it started ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use codegen_tests::idl::channels::{Pong, PongClient, PongProcessor};
use thrift_rt::Error;
use thrift_rt::endpoint::Builder;
use thrift_rt::server::Listener;

struct Adder;

impl Pong for Adder {
    fn add(&self, a: i64, b: i64) -> Result<String, Error> {
        std::thread::sleep(Duration::from_millis(20));
        Ok((a + b).to_string())
    }
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn no_thread_outlives_its_connection() {
    let before = threads();
    let builder = Builder::new().serve(PongProcessor::new(Adder));
    let (tx, rx) = std::sync::mpsc::channel();
    let listener = builder
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), move |e| {
            let _ = tx.send(e);
        })
        .unwrap();
    let client = Arc::new(
        builder
            .connect_tcp(listener.local_addr().unwrap(), &Default::default())
            .unwrap(),
    );
    let server = rx.recv().unwrap();
    // Concurrent calls both ways make both sides start several workers.
    let callers: Vec<_> = (0..6)
        .map(|i| {
            let caller = if i % 2 == 0 {
                client.caller()
            } else {
                server.caller()
            };
            std::thread::spawn(move || PongClient::from_caller(caller).add(i, 1).unwrap())
        })
        .collect();
    for c in callers {
        c.join().unwrap();
    }
    // Threads were started on both sides (how many depends on how the calls overlapped: a
    // thread reading a call runs it itself, so as few as one per side can do; CI once saw
    // three in all, where this asked for four).
    let during = threads();
    assert!(
        during >= before + 2,
        "connection threads run: {before} → {during}"
    );

    // The server side drops the connection; the client side notices on its own.
    server.close();
    client.wait();
    assert!(client.is_closed());
    listener.shutdown();
    let start = Instant::now();
    while threads() > before && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(threads(), before, "threads left behind");
}
