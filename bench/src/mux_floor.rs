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
//!   and waits; one reader thread reads the replies and wakes each caller. How a caller
//!   waits is the [`Wait`] given: every way there is for one thread to wake another (a
//!   futex, a socket of its own, or not sleeping at all), so that no cheaper wake-up is left
//!   out of the floor. The server is one thread that reads whatever requests are there and
//!   answers them all with one write (the peer side as cheap as it gets).
//!
//! Messages are 40 bytes, about the size of an echo call of a short string.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::{self, Thread};
use std::time::Instant;

const MESSAGE: usize = 40;
const YIELDS: usize = 50;

/// How a caller of the shared socket waits for the reader to hand it its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Sleeps on a futex (`park`); the reader `unpark`s it.
    Park,
    /// Yields the CPU 50 times, then parks: what the endpoint's callers do.
    YieldThenPark,
    /// Never sleeps: yields the CPU until the reply is in.
    Yield,
    /// Sleeps in a blocking read of a socket of its own, which the reader writes a byte to:
    /// the kernel's synchronous socket wake-up, as with a socket per thread.
    Socket,
}

impl Wait {
    /// Every way of waiting, in the order the tables print them.
    pub const ALL: [Wait; 4] = [Wait::YieldThenPark, Wait::Park, Wait::Yield, Wait::Socket];

    /// The name the tables print.
    pub fn name(self) -> &'static str {
        match self {
            Wait::Park => "park",
            Wait::YieldThenPark => "yield, then park",
            Wait::Yield => "yield only",
            Wait::Socket => "socket of its own",
        }
    }
}

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

/// One caller's slot: its thread, whether its reply is in, and the socket pair it sleeps on
/// ([`Wait::Socket`]: the reader writes to the first end, the caller reads the second).
struct Slot {
    thread: OnceLock<Thread>,
    done: AtomicBool,
    bell: (UnixStream, UnixStream),
}

impl Slot {
    /// The reader's side: the reply is in.
    fn wake(&self, wait: Wait) {
        if wait == Wait::Socket {
            (&self.bell.0).write_all(&[1]).unwrap();
            return;
        }
        self.done.store(true, Ordering::Release);
        if wait != Wait::Yield {
            self.thread.get().expect("set before its call").unpark();
        }
    }

    /// The caller's side: returns once the reply is in.
    fn wait(&self, wait: Wait) {
        let done = || self.done.swap(false, Ordering::Acquire);
        match wait {
            Wait::Socket => (&self.bell.1).read_exact(&mut [0u8]).unwrap(),
            Wait::Yield => {
                while !done() {
                    thread::yield_now();
                }
            }
            Wait::Park | Wait::YieldThenPark => {
                if wait == Wait::YieldThenPark {
                    for _ in 0..YIELDS {
                        if self.done.load(Ordering::Acquire) {
                            break;
                        }
                        thread::yield_now();
                    }
                }
                while !done() {
                    thread::park();
                }
            }
        }
    }
}

/// Calls per second with every client thread on one socket, waiting for replies as `wait`
/// says.
pub fn shared(threads: usize, calls: usize, wait: Wait) -> f64 {
    let per = calls / threads;
    let total = per * threads;
    let (client, server) = UnixStream::pair().unwrap();
    let writer = Mutex::new(client.try_clone().unwrap());
    let slots: Vec<Slot> = (0..threads)
        .map(|_| Slot {
            thread: OnceLock::new(),
            done: AtomicBool::new(false),
            bell: UnixStream::pair().unwrap(),
        })
        .collect();
    let echo = thread::spawn(move || echo_batches(&server));
    let start = Instant::now();
    thread::scope(|s| {
        // The client's reader: hands each reply to its caller.
        s.spawn(|| {
            let mut reader = BufReader::with_capacity(64 * 1024, &client);
            let mut buf = [0u8; MESSAGE];
            for _ in 0..total {
                reader.read_exact(&mut buf).unwrap();
                slots[u32::from_le_bytes(buf[..4].try_into().unwrap()) as usize].wake(wait);
            }
        });
        for (i, slot) in slots.iter().enumerate() {
            let writer = &writer;
            s.spawn(move || {
                slot.thread.set(thread::current()).unwrap();
                let mut request = [7u8; MESSAGE];
                request[..4].copy_from_slice(&(i as u32).to_le_bytes());
                for _ in 0..per {
                    writer.lock().unwrap().write_all(&request).unwrap();
                    slot.wait(wait);
                }
            });
        }
    });
    let rate = total as f64 / start.elapsed().as_secs_f64();
    writer
        .lock()
        .unwrap()
        .shutdown(std::net::Shutdown::Both)
        .unwrap();
    echo.join().unwrap();
    rate
}

/// The shared socket's server: reads what is there and answers it all with one write.
fn echo_batches(server: &UnixStream) {
    let mut out = Vec::new();
    let mut reader = BufReader::with_capacity(64 * 1024, server);
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
        { server }.write_all(&out).unwrap();
        out.clear();
    }
}
