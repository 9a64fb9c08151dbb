//! The floor of one shared connection, without Thrift: echo round trips per second that N
//! threads make through **one Unix socket** (replies sorted out to their threads in user
//! space) and through **a socket per thread**, each with the least code its design can have.
//! It tells how much of the endpoint's throughput gap (`examples/endpoint_ratio`) is the
//! shape of the problem on a machine rather than the endpoint's code.
//!
//! - [`per_thread`]: each client thread has its own socket and a server thread of its own;
//!   a call is one `write` and one blocking `read` on each side. The kernel hands each reply
//!   to the one thread blocked on its socket.
//! - [`shared`]: one socket. A caller writes its request (tagged with its slot) under a lock
//!   and waits; one reader thread reads the replies and wakes each caller (`unpark`); the
//!   caller first yields the CPU a few times, then parks, as the endpoint's callers do. The
//!   server is one thread that reads whatever requests are there and answers them all with
//!   one write (the peer side as cheap as it gets).
//!
//! Messages are 40 bytes, about the size of an echo call of a short string.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, Thread};
use std::time::Instant;

const MESSAGE: usize = 40;
const YIELDS: usize = 50;

/// Calls per second with a socket (and a server thread) per client thread.
pub fn per_thread(threads: usize, calls: usize) -> f64 {
    let per = calls / threads;
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..threads {
            let (mut client, mut server) = UnixStream::pair().unwrap();
            s.spawn(move || {
                let mut buf = [0u8; MESSAGE];
                while server.read_exact(&mut buf).is_ok() {
                    server.write_all(&buf).unwrap();
                }
            });
            s.spawn(move || {
                let mut buf = [7u8; MESSAGE];
                for _ in 0..per {
                    client.write_all(&buf).unwrap();
                    client.read_exact(&mut buf).unwrap();
                }
            });
        }
    });
    (per * threads) as f64 / start.elapsed().as_secs_f64()
}

/// One waiting caller's slot.
struct Slot {
    thread: Thread,
    done: AtomicBool,
}

/// Calls per second with every client thread on one socket.
pub fn shared(threads: usize, calls: usize) -> f64 {
    let per = calls / threads;
    let (client, server) = UnixStream::pair().unwrap();
    let writer = Arc::new(Mutex::new(client.try_clone().unwrap()));
    let slots: Arc<Vec<Mutex<Option<Arc<Slot>>>>> =
        Arc::new((0..threads).map(|_| Mutex::new(None)).collect());
    let replies = Arc::new(AtomicU64::new(0));
    // The server: reads what is there, answers it all with one write.
    let echo = thread::spawn(move || {
        let mut out = Vec::new();
        let mut reader = BufReader::with_capacity(64 * 1024, server.try_clone().unwrap());
        let mut server = server;
        loop {
            let available = match reader.fill_buf() {
                Ok([]) | Err(_) => return,
                Ok(bytes) => bytes.len() / MESSAGE * MESSAGE,
            };
            if available == 0 {
                let mut one = [0u8; MESSAGE];
                if reader.read_exact(&mut one).is_err() {
                    return;
                }
                out.extend_from_slice(&one);
            } else {
                out.extend_from_slice(&reader.buffer()[..available]);
                reader.consume(available);
            }
            server.write_all(&out).unwrap();
            out.clear();
        }
    });
    // The client's reader: hands each reply to its caller.
    let reader_slots = Arc::clone(&slots);
    let reader_replies = Arc::clone(&replies);
    let total = (per * threads) as u64;
    let mut read_half = client;
    let demux = thread::spawn(move || {
        let mut reader = BufReader::with_capacity(64 * 1024, &mut read_half);
        let mut buf = [0u8; MESSAGE];
        while reader_replies.load(Ordering::Relaxed) < total {
            reader.read_exact(&mut buf).unwrap();
            let slot = u32::from_le_bytes(buf[..4].try_into().unwrap()) as usize;
            let waiter = reader_slots[slot].lock().unwrap().take().unwrap();
            waiter.done.store(true, Ordering::Release);
            waiter.thread.unpark();
            reader_replies.fetch_add(1, Ordering::Relaxed);
        }
    });
    let start = Instant::now();
    thread::scope(|s| {
        for slot in 0..threads {
            let writer = Arc::clone(&writer);
            let slots = Arc::clone(&slots);
            s.spawn(move || {
                let mut request = [7u8; MESSAGE];
                request[..4].copy_from_slice(&(slot as u32).to_le_bytes());
                for _ in 0..per {
                    let me = Arc::new(Slot {
                        thread: thread::current(),
                        done: AtomicBool::new(false),
                    });
                    *slots[slot].lock().unwrap() = Some(Arc::clone(&me));
                    writer.lock().unwrap().write_all(&request).unwrap();
                    for _ in 0..YIELDS {
                        if me.done.load(Ordering::Acquire) {
                            break;
                        }
                        thread::yield_now();
                    }
                    while !me.done.load(Ordering::Acquire) {
                        thread::park();
                    }
                }
            });
        }
    });
    let rate = total as f64 / start.elapsed().as_secs_f64();
    demux.join().unwrap();
    writer
        .lock()
        .unwrap()
        .shutdown(std::net::Shutdown::Both)
        .unwrap();
    echo.join().unwrap();
    rate
}
