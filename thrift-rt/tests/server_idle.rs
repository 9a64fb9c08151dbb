//! The thread-pool server with idle and slow clients: idle connections are parked with the
//! poller instead of holding workers, time out while parked, are bounded in number, and are
//! closed at shutdown without leaking a thread or a descriptor.
//!
//! Every test takes [`serial`], so thread and descriptor counts see only its own server.

mod common;

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use common::echo::*;
use thrift_rt::protocol::BinaryReader;
use thrift_rt::server::{Builder, Listener};
use thrift_rt::transport::BufferedReader;
use thrift_rt::{MessageType, ProtocolKind, ProtocolReader, ReadThrift, TransportKind};

/// Sends one echo call on a raw socket and reads its reply.
fn raw_echo(s: &TcpStream, msg: &str, seqid: i32) -> String {
    (&*s).write_all(&raw_call_seq(msg, seqid)).unwrap();
    read_reply(s, seqid)
}

/// Reads one echo reply from a raw socket (the server sends nothing else, so the buffer
/// never holds bytes beyond it).
fn read_reply(s: &TcpStream, seqid: i32) -> String {
    let mut r = BinaryReader::new(BufferedReader::new(s));
    let header = r.read_message_begin().unwrap();
    assert_eq!(header.kind, MessageType::Reply);
    assert_eq!(header.seqid, seqid);
    let result = EchoResult::read(&mut r).unwrap();
    r.read_message_end().unwrap();
    result.0
}

/// The server has not closed `s`: nothing to read, and no end of stream.
fn still_open(s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let outcome = s.peek(&mut [0u8; 1]);
    s.set_nonblocking(false).unwrap();
    matches!(outcome, Err(e) if e.kind() == ErrorKind::WouldBlock)
}

/// `n` connections, each served a call and then left idle, 30 ms apart (so the first is the
/// one idle longest); all still open.
fn go_idle_in_turn(a: SocketAddr, n: usize) -> Vec<TcpStream> {
    let idle: Vec<TcpStream> = (0..n)
        .map(|i| {
            let s = connect(a);
            assert_eq!(raw_echo(&s, &format!("{i}"), 1), format!("{i}"));
            thread::sleep(Duration::from_millis(30));
            s
        })
        .collect();
    assert!(idle.iter().all(still_open));
    idle
}

fn connect(a: SocketAddr) -> TcpStream {
    TcpStream::connect(a).unwrap()
}

fn buffered_client(a: SocketAddr) -> TestClient {
    client(a, ProtocolKind::Binary, TransportKind::Buffered)
}

#[test]
fn hundreds_of_idle_connections_leave_the_default_pool_free() {
    let _serial = serial();
    // 300 client sockets and three descriptors per server connection.
    assert!(raise_fd_limit() >= 1500, "needs 1500 descriptors");
    let echo = Echo::default();
    // The defaults: 16 workers, a queue of 128, a 60 s read timeout.
    let server = Builder::new().spawn(tcp(), echo.clone()).unwrap();
    let a = addr(&server);
    // 100 clients that made a call and keep their connection open, 200 that send nothing.
    let mut callers: Vec<TestClient> = (0..100)
        .map(|i| {
            let mut c = buffered_client(a);
            assert_eq!(
                call(&mut c, &format!("first {i}"), 0).unwrap(),
                format!("first {i}")
            );
            c
        })
        .collect();
    let silent: Vec<TcpStream> = (0..200).map(|_| connect(a)).collect();
    thread::sleep(Duration::from_millis(200));

    // More fresh clients at once than there are workers: each is served promptly.
    let fresh: Vec<_> = (0..20)
        .map(|i| {
            thread::spawn(move || {
                let start = Instant::now();
                let mut c = buffered_client(a);
                let reply = call(&mut c, &format!("fresh {i}"), 0).unwrap();
                (reply, start.elapsed())
            })
        })
        .collect();
    for (i, f) in fresh.into_iter().enumerate() {
        let (reply, took) = f.join().unwrap();
        assert_eq!(reply, format!("fresh {i}"));
        assert!(
            took < Duration::from_secs(1),
            "fresh client {i} took {took:?}"
        );
    }

    // The idle connections were parked, not dropped: still open, and still served.
    assert!(silent.iter().all(still_open));
    for (i, c) in callers.iter_mut().enumerate() {
        assert_eq!(
            call(c, &format!("again {i}"), 0).unwrap(),
            format!("again {i}")
        );
    }
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), 220);

    let start = Instant::now();
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    assert!(start.elapsed() < Duration::from_secs(1));
    for s in silent {
        assert!(time_until_closed(s) < Duration::from_millis(500));
    }
}

#[test]
fn parked_connections_close_after_the_read_timeout() {
    let _serial = serial();
    let timeout = Duration::from_millis(300);
    let server = quick()
        .read_timeout(Some(timeout))
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    // Connections that send nothing, and connections idle after a call: each is closed
    // about one read timeout after its last byte.
    let silent: Vec<_> = (0..20)
        .map(|_| thread::spawn(move || time_until_closed(connect(a))))
        .collect();
    let after_call: Vec<_> = (0..5)
        .map(|i| {
            thread::spawn(move || {
                let s = connect(a);
                assert_eq!(raw_echo(&s, &format!("{i}"), 1), format!("{i}"));
                time_until_closed(s)
            })
        })
        .collect();
    // A connection calling every 100 ms (parked between calls: longer than the linger,
    // shorter than the read timeout) outlives the read timeout several times over.
    let s = connect(a);
    for i in 0..8 {
        thread::sleep(Duration::from_millis(100));
        assert_eq!(raw_echo(&s, &format!("busy {i}"), i), format!("busy {i}"));
    }
    let busy_then_idle = time_until_closed(s);
    for idle in silent
        .into_iter()
        .chain(after_call)
        .map(|t| t.join().unwrap())
        .chain([busy_then_idle])
    {
        assert!(
            idle >= Duration::from_millis(250) && idle < Duration::from_secs(1),
            "closed after {idle:?} of silence; the read timeout is {timeout:?}"
        );
    }
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

#[test]
fn half_sent_messages_hold_no_worker() {
    let _serial = serial();
    let message_timeout = Duration::from_millis(500);
    let echo = Echo::default();
    let server = quick()
        .thread_pool(2, 16)
        .message_timeout(Some(message_timeout))
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    let bytes = raw_call("half");
    let half = bytes.len() / 2;
    let stall = move || {
        let mut s = connect(a);
        s.write_all(&bytes[..half]).unwrap();
        time_until_closed(s)
    };

    // Twice as many stalled clients as workers: they are parked with their bytes, and every
    // call from others is served promptly, on a connection that parks between calls and on
    // fresh ones. (Before the gate, two stalled clients held both workers until the message
    // timeout.)
    let stalled: Vec<_> = (0..4).map(|_| thread::spawn(stall.clone())).collect();
    thread::sleep(Duration::from_millis(100));
    let mut c = buffered_client(a);
    for i in 0..10 {
        let start = Instant::now();
        assert_eq!(call(&mut c, &format!("{i}"), 0).unwrap(), format!("{i}"));
        assert!(
            start.elapsed() < Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
        thread::sleep(Duration::from_millis(20));
    }
    for i in 0..5 {
        let start = Instant::now();
        let mut fresh = buffered_client(a);
        assert_eq!(
            call(&mut fresh, &format!("fresh {i}"), 0).unwrap(),
            format!("fresh {i}")
        );
        assert!(
            start.elapsed() < Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
    }
    // The stalled connections are closed at their message timeout, while parked.
    for s in stalled {
        let held = s.join().unwrap();
        assert!(
            held >= message_timeout - Duration::from_millis(200)
                && held < Duration::from_millis(1500),
            "a stalled connection was closed after {held:?}"
        );
    }
    assert_eq!(
        echo.0.started.load(Ordering::SeqCst),
        15,
        "no half-sent call reached the handler"
    );
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

/// A message sent a byte at a time arrives whole at the handler, and the worker serves
/// others between its bytes.
#[test]
fn a_message_trickled_byte_by_byte_is_served_once_whole() {
    let _serial = serial();
    let server = quick()
        .thread_pool(1, 16)
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    let bytes = raw_call_seq("trickled", 7);
    let trickler = thread::spawn(move || {
        let s = connect(a);
        for b in bytes {
            (&s).write_all(&[b]).unwrap();
            thread::sleep(Duration::from_millis(2));
        }
        read_reply(&s, 7)
    });
    // The only worker keeps serving another client meanwhile.
    let mut c = buffered_client(a);
    let start = Instant::now();
    let mut n = 0;
    while !trickler.is_finished() && start.elapsed() < Duration::from_secs(5) {
        let t = Instant::now();
        assert_eq!(call(&mut c, "meanwhile", 0).unwrap(), "meanwhile");
        assert!(
            t.elapsed() < Duration::from_millis(200),
            "{:?}",
            t.elapsed()
        );
        n += 1;
    }
    assert_eq!(trickler.join().unwrap(), "trickled");
    assert!(n > 5, "{n} calls served while the message trickled in");
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

#[test]
fn back_to_back_parked_and_pipelined_calls_on_one_connection() {
    let _serial = serial();
    for transport in [TransportKind::Buffered, TransportKind::Framed] {
        let echo = Echo::default();
        let server = quick()
            .transport(transport)
            .idle_linger(Duration::from_millis(2))
            .spawn(tcp(), echo.clone())
            .unwrap();
        let a = addr(&server);
        let mut c = client(a, ProtocolKind::Binary, transport);
        // Back to back: the worker keeps the connection.
        for i in 0..1000 {
            assert_eq!(call(&mut c, &format!("{i}"), 0).unwrap(), format!("{i}"));
        }
        // Pauses longer than the linger: parked and resumed before every call.
        for i in 0..20 {
            thread::sleep(Duration::from_millis(5));
            assert_eq!(call(&mut c, &format!("p{i}"), 0).unwrap(), format!("p{i}"));
        }
        assert_eq!(echo.0.finished.load(Ordering::SeqCst), 1020);
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }

    // The shortest linger there is still serves (a zero linger is raised to 1 ms).
    let server = quick()
        .idle_linger(Duration::ZERO)
        .spawn(tcp(), Echo::default())
        .unwrap();
    let mut c = buffered_client(addr(&server));
    for i in 0..5 {
        thread::sleep(Duration::from_millis(3));
        assert_eq!(call(&mut c, &format!("z{i}"), 0).unwrap(), format!("z{i}"));
    }
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);

    // Pipelined calls (buffered binary): five requests in two writes, the second starting
    // in the middle of a message and sent after a pause longer than the linger. The worker
    // must not park a connection whose buffer holds part of a message.
    let server = quick()
        .idle_linger(Duration::from_millis(2))
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    let s = connect(a);
    let calls: Vec<u8> = (1..=5)
        .flat_map(|i| raw_call_seq(&format!("pipelined {i}"), i))
        .collect();
    let cut = raw_call_seq("pipelined 1", 1).len() * 5 / 2;
    (&s).write_all(&calls[..cut]).unwrap();
    thread::sleep(Duration::from_millis(50));
    (&s).write_all(&calls[cut..]).unwrap();
    let mut r = BinaryReader::new(BufferedReader::new(&s));
    for i in 1..=5 {
        let header = r.read_message_begin().unwrap();
        assert_eq!(header.seqid, i);
        assert_eq!(
            EchoResult::read(&mut r).unwrap().0,
            format!("pipelined {i}")
        );
        r.read_message_end().unwrap();
    }
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

/// This process's resident memory, in KiB.
fn resident_kib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn parked_connections_keep_no_buffers() {
    let _serial = serial();
    assert!(raise_fd_limit() >= 2500, "needs 2500 descriptors");
    for transport in [TransportKind::Buffered, TransportKind::Framed] {
        let server = quick()
            .transport(transport)
            .spawn(tcp(), Echo::default())
            .unwrap();
        let a = addr(&server);
        let mut call = raw_call("x");
        if transport == TransportKind::Framed {
            let mut framed = (call.len() as u32).to_be_bytes().to_vec();
            framed.append(&mut call);
            call = framed;
        }
        // Warm up: the workers' first allocations are not the idle connections' cost.
        let warm: Vec<TcpStream> = (0..50).map(|_| connect(a)).collect();
        for s in &warm {
            (&*s).write_all(&call).unwrap();
            assert!(std::io::Read::read(&mut &*s, &mut [0u8; 256]).unwrap() > 0);
        }
        drop(warm);
        thread::sleep(Duration::from_millis(100));
        let before = resident_kib();
        // 500 connections that made a call (so their buffers were used), now parked.
        let idle: Vec<TcpStream> = (0..500)
            .map(|_| {
                let s = connect(a);
                (&s).write_all(&call).unwrap();
                assert!(std::io::Read::read(&mut &s, &mut [0u8; 256]).unwrap() > 0);
                s
            })
            .collect();
        thread::sleep(Duration::from_millis(100));
        let grown = resident_kib().saturating_sub(before);
        // Reader and writer buffers (8 KiB each) would be 4 MiB and more.
        assert!(
            grown < 2048,
            "{transport:?}: 500 parked connections take {grown} KiB"
        );
        assert!(idle.iter().all(still_open));
        assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    }
}

#[test]
fn pipelining_connections_take_turns_on_a_single_worker() {
    let _serial = serial();
    let echo = Echo::default();
    let server = quick()
        .thread_pool(1, 16)
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    // Two clients each send 50 calls in one write (each call sleeping 1 ms in its handler);
    // with one worker, both must be answered in full, and neither only after the other.
    let clients: Vec<_> = (0..2)
        .map(|c| {
            thread::spawn(move || {
                let s = connect(a);
                let calls: Vec<u8> = (0..50)
                    .flat_map(|i| raw_call_delayed(&format!("{c}.{i}"), i, 1))
                    .collect();
                (&s).write_all(&calls).unwrap();
                let mut r = BinaryReader::new(BufferedReader::new(&s));
                let mut times = Vec::new();
                for i in 0..50 {
                    let header = r.read_message_begin().unwrap();
                    assert_eq!(header.seqid, i);
                    assert_eq!(EchoResult::read(&mut r).unwrap().0, format!("{c}.{i}"));
                    r.read_message_end().unwrap();
                    times.push(Instant::now());
                }
                times
            })
        })
        .collect();
    let times: Vec<Vec<Instant>> = clients.into_iter().map(|t| t.join().unwrap()).collect();
    // Turns: each client's first reply came before the other's last.
    assert!(times[0][0] < times[1][49] && times[1][0] < times[0][49]);
    assert_eq!(echo.0.finished.load(Ordering::SeqCst), 100);
    assert_eq!(echo.0.max_active.load(Ordering::SeqCst), 1);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

#[test]
fn beyond_max_idle_connections_the_longest_idle_is_closed() {
    let _serial = serial();
    let server = quick()
        .max_idle_connections(5)
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    // Five connections go idle one after another.
    let idle = go_idle_in_turn(a, 5);
    // A sixth goes idle: the first, idle longest, is closed; the newcomer was served.
    let sixth = connect(a);
    assert_eq!(raw_echo(&sixth, "6", 1), "6");
    let mut idle = idle.into_iter();
    assert!(time_until_closed(idle.next().unwrap()) < Duration::from_millis(500));
    thread::sleep(Duration::from_millis(50));
    assert!(idle.all(|s| still_open(&s)));
    assert!(still_open(&sixth));
    assert_eq!(raw_echo(&sixth, "again", 2), "again");
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
}

#[test]
fn at_the_connection_limit_the_longest_idle_makes_room_or_newcomers_are_refused() {
    let _serial = serial();
    let census = Census::now();
    let server = quick()
        .thread_pool(4, 16)
        .max_connections(4)
        .overload(thrift_rt::server::Overload::Refuse)
        .spawn(tcp(), Echo::default())
        .unwrap();
    let a = addr(&server);
    // Four connections go idle one after another: the server is at its limit.
    let idle = go_idle_in_turn(a, 4);
    // A fifth is served: the first, idle longest, was closed to make room.
    let fifth = connect(a);
    assert_eq!(raw_echo(&fifth, "5", 1), "5");
    let mut idle = idle.into_iter();
    assert!(time_until_closed(idle.next().unwrap()) < Duration::from_millis(500));
    let rest: Vec<TcpStream> = idle.collect();
    assert!(rest.iter().all(still_open));
    assert!(still_open(&fifth));
    drop((rest, fifth));
    thread::sleep(Duration::from_millis(100));

    // Four connections whose calls are in their handlers (busy, none idle): a newcomer is
    // refused at once instead of taking a fifth descriptor.
    let busy: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                let s = connect(a);
                (&s).write_all(&raw_call_delayed("slow", i, 600)).unwrap();
                read_reply(&s, i)
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(150));
    let refused = connect(a);
    assert!(time_until_closed(refused) < Duration::from_millis(300));
    // Their calls complete; then newcomers get in again.
    for b in busy {
        assert_eq!(b.join().unwrap(), "slow");
    }
    thread::sleep(Duration::from_millis(50));
    let after = connect(a);
    assert_eq!(raw_echo(&after, "after", 1), "after");
    drop(after);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    census.assert_back();
}

#[test]
fn peer_credentials_follow_a_connection_across_workers() {
    let _serial = serial();
    let dir = std::env::temp_dir().join(format!("thrift-rt-idle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("peer.sock");
    let server = quick()
        .thread_pool(3, 16)
        .idle_linger(Duration::from_millis(1))
        .spawn(Listener::unix(&path).unwrap(), Echo::default())
        .unwrap();
    let opts = thrift_rt::connect::ClientOptions::default().timeouts(Duration::from_secs(5));
    let me = std::process::id().to_string();
    // Several connections, parked between calls, so their calls run on whichever worker
    // takes them: every call sees its own peer.
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (path, me) = (path.clone(), me.clone());
            thread::spawn(move || {
                let (r, w) = thrift_rt::connect::connect_unix(&path, &opts).unwrap();
                let mut c = thrift_rt::Client::new(r, w);
                for _ in 0..10 {
                    thread::sleep(Duration::from_millis(3));
                    assert_eq!(call_named(&mut c, "peer", "", 0).unwrap(), me);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);

    // Over TCP there are no credentials, on the same kind of worker.
    let server = quick()
        .idle_linger(Duration::from_millis(1))
        .spawn(tcp(), Echo::default())
        .unwrap();
    let mut c = buffered_client(addr(&server));
    for _ in 0..3 {
        thread::sleep(Duration::from_millis(3));
        assert_eq!(call_named(&mut c, "peer", "", 0).unwrap(), "none");
    }
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shutdown_with_parked_connections_joins_every_thread_and_closes_every_descriptor() {
    let _serial = serial();
    let before = Census::now();
    let echo = Echo::default();
    let server = quick()
        .thread_pool(4, 16)
        .spawn(tcp(), echo.clone())
        .unwrap();
    let a = addr(&server);
    // Four workers, the accept thread and the poller.
    Census::wait_for_server_threads(before.server_threads + 6);
    let silent: Vec<TcpStream> = (0..30).map(|_| connect(a)).collect();
    let mut callers: Vec<TestClient> = (0..10)
        .map(|i| {
            let mut c = buffered_client(a);
            assert_eq!(call(&mut c, &format!("{i}"), 0).unwrap(), format!("{i}"));
            c
        })
        .collect();
    let in_flight = thread::spawn(move || {
        let mut c = buffered_client(a);
        call(&mut c, "in flight", 300)
    });
    wait_for(&echo.0.started, 11);
    thread::sleep(Duration::from_millis(50));

    let start = Instant::now();
    let report = server.shutdown(Duration::from_secs(2));
    let took = start.elapsed();
    assert_eq!(report.forced, 0);
    // The call in flight finished and got its reply; nothing waited for the idle ones.
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(in_flight.join().unwrap().unwrap(), "in flight");
    for s in silent {
        assert!(time_until_closed(s) < Duration::from_millis(500));
    }
    for c in &mut callers {
        assert!(is_closed(&call(c, "too late", 0).unwrap_err()));
    }
    drop(callers);
    before.assert_back();
}

/// The fd transport is gated too (frame by frame, descriptors with their frame): clients
/// stalled inside a frame hold no worker.
#[cfg(unix)]
#[test]
fn half_sent_frames_on_the_fd_transport_hold_no_worker() {
    use std::os::unix::net::UnixStream;
    let _serial = serial();
    let dir = std::env::temp_dir().join(format!("thrift-rt-fd-gate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fd.sock");
    let server = quick()
        .transport(TransportKind::Fd)
        .thread_pool(1, 16)
        .spawn(Listener::unix(&path).unwrap(), Echo::default())
        .unwrap();
    let call = raw_call("stalled");
    let mut frame = (call.len() as i32).to_be_bytes().to_vec();
    frame.extend(&call);
    // More stalled clients than workers: two inside the length prefix, two inside the payload.
    let stalled: Vec<UnixStream> = [2, 3, 10, frame.len() - 1]
        .into_iter()
        .map(|cut| {
            let mut s = UnixStream::connect(&path).unwrap();
            s.write_all(&frame[..cut]).unwrap();
            s
        })
        .collect();
    thread::sleep(Duration::from_millis(100));
    let opts = thrift_rt::connect::ClientOptions::default()
        .transport(TransportKind::Fd)
        .timeouts(Duration::from_secs(5));
    for i in 0..5 {
        let start = Instant::now();
        let (r, w) = thrift_rt::connect::connect_unix(&path, &opts).unwrap();
        let mut c = thrift_rt::Client::new(r, w);
        assert_eq!(
            call_named(&mut c, "echo", &format!("{i}"), 0).unwrap(),
            format!("{i}")
        );
        assert!(
            start.elapsed() < Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
    }
    // A stalled client that finishes its frame gets its answer.
    let mut last = stalled.into_iter().last().unwrap();
    last.write_all(&frame[frame.len() - 1..]).unwrap();
    let mut len = [0u8; 4];
    std::io::Read::read_exact(&mut last, &mut len).unwrap();
    assert!(i32::from_be_bytes(len) > 0);
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
