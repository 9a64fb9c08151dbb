//! The thread-pool server's poller: one thread holding idle connections, so that they do not
//! hold workers.
//!
//! A worker parks a connection (its whole state, boxed once: socket, reader with its buffer,
//! writer, deadline, registry guard) when it has nothing to read; the poller registers the
//! socket with `epoll` (level-triggered, `EPOLLIN | EPOLLRDHUP`; errors and hang-ups are
//! always reported) and waits for all of them at once. When one becomes readable or hangs up,
//! the poller removes it from `epoll` and queues it for a worker, which reads the message (or
//! the end of the stream) as it would have on its own.
//!
//! Idle timeouts still apply: each parked connection is ordered by when it went idle, and the
//! poller's `epoll_wait` timeout is the earliest deadline (idle since + read timeout), so a
//! connection silent for the read timeout is closed on time, wherever it spent that time.
//! Parking a connection whose deadline is earlier than the one the poller sleeps until wakes
//! it through an `eventfd`, as does stopping.
//!
//! The number of parked connections is bounded (`max_idle_connections`). Parking one more
//! closes the one that has been idle longest: a client that floods the server with idle
//! connections pushes out the oldest idle ones (clients must expect a server to close an
//! idle connection anyway), while every newcomer still gets its calls served.
//!
//! Lock order: the poller's lock is never held while taking the server's shared lock, and
//! connections are closed (dropped) outside both.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::eventfd::{EfdFlags, EventFd};

use super::connection::Connection;
use super::pool;
use super::shared::Shared;

/// The `epoll` token of the wake-up `eventfd`.
const WAKE: u64 = u64::MAX;

/// Events returned by one `epoll_wait`.
const BATCH: usize = 256;

#[derive(Debug)]
pub(crate) struct Poller {
    epoll: Epoll,
    wake: EventFd,
    /// The read (idle) timeout; `None`: parked connections never time out.
    idle: Option<Duration>,
    /// How long workers wait before parking: a connection parked from now on has been idle
    /// for at most this long, so its deadline is at least `now + idle - linger`.
    linger: Duration,
    /// The most connections parked at once.
    max: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    stopping: bool,
    next_token: u64,
    parked: HashMap<u64, Parked>,
    /// `(idle since, token)` of every parked connection, longest idle first.
    order: BTreeSet<(Instant, u64)>,
    /// What the poller thread is doing.
    sleep: Sleep,
}

struct Parked {
    conn: Box<dyn Connection>,
    since: Instant,
}

/// Whether a newly parked connection must wake the poller thread.
#[derive(Clone, Copy, Debug, Default)]
enum Sleep {
    /// Handling events: it recomputes its timeout before it waits again.
    #[default]
    Awake,
    /// In `epoll_wait` until this deadline (`None`: until an event).
    Until(Option<Instant>),
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("stopping", &self.stopping)
            .field("parked", &self.parked.len())
            .field("sleep", &self.sleep)
            .finish_non_exhaustive()
    }
}

impl State {
    /// Removes a parked connection, and its socket from `epoll`.
    fn remove(&mut self, token: u64, epoll: &Epoll) -> Option<Box<dyn Connection>> {
        let parked = self.parked.remove(&token)?;
        self.order.remove(&(parked.since, token));
        if let Err(e) = epoll.delete(parked.conn.stream()) {
            tracing::debug!("epoll_ctl(DEL) failed: {e}");
        }
        Some(parked.conn)
    }
}

impl Poller {
    pub(crate) fn new(idle: Option<Duration>, linger: Duration, max: usize) -> io::Result<Self> {
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
        let wake =
            EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?;
        epoll.add(&wake, EpollEvent::new(EpollFlags::EPOLLIN, WAKE))?;
        Ok(Self {
            epoll,
            wake,
            idle,
            linger,
            max: max.max(1),
            state: Mutex::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wake(&self) {
        if let Err(e) = self.wake.write(1) {
            tracing::error!("cannot wake the poller: {e}");
        }
    }

    /// Holds `conn`, idle since `since`, until it is readable (then it is queued for a
    /// worker), its idle timeout passes, it is the longest idle when the limit is reached, or
    /// the server stops (then it is closed).
    pub(crate) fn park(&self, conn: Box<dyn Connection>, since: Instant) {
        let deadline = self.idle.map(|idle| since + idle);
        if deadline.is_some_and(|d| d <= Instant::now()) {
            tracing::info!(
                "connection from {} closed after the read timeout",
                conn.peer()
            );
            return;
        }
        let mut state = self.lock();
        if state.stopping {
            drop(state);
            drop(conn);
            return;
        }
        let evicted = if state.parked.len() >= self.max {
            let oldest = state.order.first().map(|&(_, token)| token);
            oldest.and_then(|token| state.remove(token, &self.epoll))
        } else {
            None
        };
        let token = state.next_token;
        state.next_token += 1;
        let event = EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLRDHUP, token);
        if let Err(e) = self.epoll.add(conn.stream(), event) {
            drop(state);
            tracing::warn!(
                "cannot poll the connection from {}: {e}; closing it",
                conn.peer()
            );
            drop(conn);
            drop(evicted);
            return;
        }
        state.parked.insert(token, Parked { conn, since });
        state.order.insert((since, token));
        let wake = match (state.sleep, deadline) {
            (Sleep::Until(None), Some(_)) => true,
            (Sleep::Until(Some(until)), Some(deadline)) => deadline < until,
            _ => false,
        };
        if wake {
            state.sleep = Sleep::Awake;
        }
        drop(state);
        if wake {
            self.wake();
        }
        if let Some(conn) = evicted {
            tracing::info!(
                "closing the connection from {}: idle longest, and {} connections are idle",
                conn.peer(),
                self.max
            );
        }
    }

    /// Takes the connection parked longest out of the poller (to be closed by the caller,
    /// outside any lock: its guard takes the server's); `None` when none is parked.
    pub(crate) fn evict_longest_idle(&self) -> Option<Box<dyn Connection>> {
        let mut state = self.lock();
        let oldest = state.order.first().map(|&(_, token)| token)?;
        state.remove(oldest, &self.epoll)
    }

    /// Closes every parked connection and makes the poller thread end.
    pub(crate) fn stop(&self) {
        self.lock().stopping = true;
        self.wake();
    }

    /// The poller thread: runs until [`stop`](Self::stop), queueing readable connections on
    /// `shared` and closing those that time out; then closes every parked connection.
    pub(crate) fn run(&self, shared: &Shared) {
        let mut events = vec![EpollEvent::empty(); BATCH];
        loop {
            let until = {
                let mut state = self.lock();
                if state.stopping {
                    break;
                }
                // The earliest deadline; with nothing parked, the earliest a connection parked
                // from now on can have (so parking it needs no wake-up).
                let until = self.idle.map(|idle| match state.order.first() {
                    Some(&(since, _)) => since + idle,
                    None => Instant::now() + idle.saturating_sub(self.linger),
                });
                state.sleep = Sleep::Until(until);
                until
            };
            let timeout = match until {
                None => EpollTimeout::NONE,
                Some(t) => {
                    // Rounded up, so that the wait never ends just before the deadline.
                    let left = t.saturating_duration_since(Instant::now());
                    let ms = left.as_nanos().div_ceil(1_000_000);
                    EpollTimeout::try_from(ms).unwrap_or(EpollTimeout::MAX)
                }
            };
            let n = match self.epoll.wait(&mut events, timeout) {
                Ok(n) => n,
                Err(Errno::EINTR) => 0,
                Err(e) => {
                    tracing::error!("epoll_wait failed: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                    0
                }
            };
            let mut ready = Vec::new();
            let mut expired = Vec::new();
            {
                let mut state = self.lock();
                state.sleep = Sleep::Awake;
                for event in &events[..n] {
                    match event.data() {
                        WAKE => {
                            let _ = self.wake.read();
                        }
                        token => ready.extend(state.remove(token, &self.epoll)),
                    }
                }
                if let Some(idle) = self.idle {
                    let now = Instant::now();
                    while let Some(&(since, token)) = state.order.first() {
                        if since + idle > now {
                            break;
                        }
                        expired.extend(state.remove(token, &self.epoll));
                    }
                }
            }
            for conn in ready {
                pool::requeue(shared, conn);
            }
            for conn in expired {
                tracing::info!(
                    "connection from {} closed after the read timeout",
                    conn.peer()
                );
            }
        }
        let parked = {
            let mut state = self.lock();
            state.order.clear();
            std::mem::take(&mut state.parked)
        };
        for (_, parked) in parked {
            let _ = self.epoll.delete(parked.conn.stream());
        }
    }
}
