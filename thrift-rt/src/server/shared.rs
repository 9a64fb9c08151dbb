//! The state shared by the accept loop, the connection threads and [`Server::shutdown`]: the
//! stopping flag, the open connections and whether each is inside a message, and the thread
//! pool's queue. One mutex guards the registry, the queue and the flags; pool workers wait on
//! a condition variable of their own (`work`), woken one per queued job; everything else (the
//! accept loop, shutdown, [`Server::wait`]) waits on `changed`, notified when connections
//! open or close, when the queue gets room while the accept loop waits for it, and on
//! stopping.
//!
//! What a connection does around every message takes no lock: marking itself busy, and when
//! idle again, asking whether the server stops and whether other connections wait for a
//! worker. Each connection's busy flag is an atomic shared with the registry, and the
//! stopping flag and the queue's length are mirrored in atomics, written under the lock
//! (only [`Shared::stop`], [`Shared::push_job`] and [`Shared::pop_job`] write them) and read
//! without it. (A global lock taken twice per call made workers queue behind one another
//! when many connections shared two cores.) Shutdown stays exact because of one pairing:
//! [`Shared::stop`] stores `stopping` and then loads each busy flag, and
//! [`ConnGuard::idle`] stores its busy flag and then loads `stopping`, all sequentially
//! consistent, so at least one side sees the other: either `stop` shuts the read side of the
//! idle connection, or the connection sees `stopping` and closes itself. A busy connection
//! finishes its message first. Weakening any of these four orderings would break that.
//!
//! [`Server::shutdown`]: super::Server::shutdown
//! [`Server::wait`]: super::Server::wait

use std::collections::{HashMap, VecDeque};
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::pool::Job;
use crate::transport::stream::Stream;

#[derive(Debug, Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// Pool workers waiting for a job.
    work: Condvar,
    /// `State::stopping`, readable without the lock.
    stopping: AtomicBool,
    /// `State::queue.len()`, readable without the lock.
    queued: AtomicUsize,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) stopping: bool,
    /// Set when a shutdown has joined every thread.
    pub(crate) stopped: bool,
    next_id: u64,
    conns: HashMap<u64, Conn>,
    /// Connections waiting for a pool worker: newly accepted, or with input again. Changed
    /// only through [`Shared::push_job`], [`Shared::pop_job`] and [`Shared::stop`], which keep
    /// [`Shared::queued`] in step.
    queue: VecDeque<Job>,
    /// The accept loop waits for room in the queue.
    pub(crate) accept_waiting: bool,
}

#[derive(Debug)]
struct Conn {
    /// A handle used only to shut the socket down from another thread.
    stream: Stream,
    /// Inside a message: its first byte has arrived and its reply is not written yet.
    busy: Arc<AtomicBool>,
}

impl State {
    pub(crate) fn open_connections(&self) -> usize {
        self.conns.len()
    }

    pub(crate) fn queue_len(&self) -> usize {
        self.queue.len()
    }
}

/// Removes its connection from the registry when dropped.
#[derive(Debug)]
pub(crate) struct ConnGuard {
    shared: Arc<Shared>,
    id: u64,
    busy: Arc<AtomicBool>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic never happens while the lock is held, but stay usable if one did.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        wait_on(&self.changed, guard)
    }

    pub(crate) fn notify(&self) {
        self.changed.notify_all();
    }

    /// Waits for a job (pool workers).
    pub(crate) fn wait_work<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        wait_on(&self.work, guard)
    }

    /// Wakes one worker for a job just queued.
    pub(crate) fn notify_work(&self) {
        self.work.notify_one();
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Queues a job (the caller wakes a worker).
    pub(crate) fn push_job(&self, state: &mut State, job: Job) {
        state.queue.push_back(job);
        self.queued.store(state.queue.len(), Ordering::Relaxed);
    }

    /// Takes the first queued job.
    pub(crate) fn pop_job(&self, state: &mut State) -> Option<Job> {
        let job = state.queue.pop_front();
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        job
    }

    /// Registers a connection, unless the server is stopping (then the stream is dropped).
    pub(crate) fn register(
        self: &Arc<Self>,
        state: &mut State,
        stream: &Stream,
    ) -> Option<ConnGuard> {
        if state.stopping {
            return None;
        }
        let handle = match stream.try_clone() {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!("cannot register a connection: {e}");
                return None;
            }
        };
        let id = state.next_id;
        state.next_id += 1;
        let busy = Arc::new(AtomicBool::new(false));
        state.conns.insert(
            id,
            Conn {
                stream: handle,
                busy: Arc::clone(&busy),
            },
        );
        Some(ConnGuard {
            shared: Arc::clone(self),
            id,
            busy,
        })
    }

    /// Stops the server: no more connections are registered or queued, queued ones are
    /// closed, and idle connections have their read side shut down, so that a connection
    /// waiting for its next message sees a clean end of stream. Busy ones finish their message.
    pub(crate) fn stop(&self) {
        let mut state = self.lock();
        state.stopping = true;
        self.stopping.store(true, Ordering::SeqCst);
        let queued = std::mem::take(&mut state.queue);
        self.queued.store(0, Ordering::Relaxed);
        for conn in state.conns.values() {
            if conn.busy.load(Ordering::SeqCst) {
                continue;
            }
            let _ = conn.stream.shutdown(Shutdown::Read);
        }
        drop(state);
        self.notify();
        self.work.notify_all();
        // Outside the lock: a queued connection's guard takes it when dropped.
        drop(queued);
    }

    /// Waits until every connection has closed or `deadline` passes; returns how many are
    /// still open.
    pub(crate) fn wait_closed(&self, deadline: Instant) -> usize {
        let mut state = self.lock();
        while !state.conns.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.conns.len()
    }

    /// Shuts down both directions of every connection still open.
    pub(crate) fn close_all(&self) {
        for conn in self.lock().conns.values() {
            let _ = conn.stream.shutdown(Shutdown::Both);
        }
    }
}

impl ConnGuard {
    /// Marks the connection as waiting for its next message. Returns `None` if the server is
    /// stopping (the connection should close), otherwise whether connections are queued for
    /// a pool worker.
    pub(crate) fn idle(&self) -> Option<bool> {
        self.busy.store(false, Ordering::SeqCst);
        if self.shared.stopping.load(Ordering::SeqCst) {
            return None;
        }
        Some(self.shared.queued.load(Ordering::Relaxed) > 0)
    }

    /// Marks the connection as inside a message: shutdown lets it finish.
    pub(crate) fn busy(&self) {
        self.busy.store(true, Ordering::SeqCst);
    }
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        self.shared.lock().conns.remove(&self.id);
        self.shared.notify();
    }
}

/// Waits on `cv`, staying usable if a panic poisoned the lock (none happens while it is held).
fn wait_on<'a>(cv: &Condvar, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
    cv.wait(guard).unwrap_or_else(PoisonError::into_inner)
}
