//! The threads that run an endpoint's handlers.
//!
//! Handlers run off the read pump, so a handler may call the peer and wait for the reply
//! (which the pump must be free to read). A handler that calls back can be called back in
//! turn, so a fixed pool could deadlock on a nested chain; this pool grows a thread whenever
//! none is idle, up to `max` threads, and threads idle for [`IDLE_EXIT`] end. Beyond `max`
//! busy threads, at most `max` jobs wait; more are refused (the caller answers them with an
//! exception) rather than queued without bound or blocking the pump.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a thread with nothing to do stays around.
const IDLE_EXIT: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug)]
pub(crate) struct Workers {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    max: usize,
    name: String,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers")
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    idle: usize,
    threads: usize,
    closed: bool,
    handles: Vec<JoinHandle<()>>,
}

/// Why [`Workers::submit`] did not take a job.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Every thread is busy and the queue is full.
    Busy,
    /// The endpoint is closing.
    Closed,
}

impl Workers {
    /// A pool of at most `max` threads named `name`.
    pub(crate) fn new(max: usize, name: String) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                wake: Condvar::new(),
                max: max.max(1),
                name,
            }),
        }
    }

    /// Runs `job` on a pool thread.
    pub(crate) fn submit(&self, job: impl FnOnce() + Send + 'static) -> Result<(), Refused> {
        let mut state = self.shared.lock();
        if state.closed {
            return Err(Refused::Closed);
        }
        if state.idle > state.jobs.len() {
            state.jobs.push_back(Box::new(job));
            self.shared.wake.notify_one();
            return Ok(());
        }
        if state.threads < self.shared.max {
            let shared = Arc::clone(&self.shared);
            let handle = std::thread::Builder::new()
                .name(self.shared.name.clone())
                .spawn(move || shared.run());
            match handle {
                Ok(handle) => {
                    state.threads += 1;
                    state.handles.push(handle);
                    state.jobs.push_back(Box::new(job));
                    return Ok(());
                }
                Err(e) => log::warn!("cannot start an endpoint worker: {e}"),
            }
        }
        if state.jobs.len() < self.shared.max {
            state.jobs.push_back(Box::new(job));
            return Ok(());
        }
        Err(Refused::Busy)
    }

    /// Refuses new jobs; threads finish the queued ones and end.
    pub(crate) fn close(&self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
    }

    /// Waits for every thread to end (after [`close`](Self::close)).
    pub(crate) fn join(&self) {
        loop {
            let handles = std::mem::take(&mut self.shared.lock().handles);
            if handles.is_empty() {
                return;
            }
            for handle in handles {
                let _ = handle.join();
            }
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run outside the lock; nothing inside it can panic halfway.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn run(&self) {
        super::connection::mark_endpoint_thread();
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                drop(state);
                // Handlers' panics are caught by the processor; this catches the rest, so the
                // thread count stays right.
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                    log::error!("an endpoint job panicked");
                }
                state = self.lock();
                continue;
            }
            if state.closed {
                break;
            }
            state.idle += 1;
            let (next, timeout) = self
                .wake
                .wait_timeout(state, IDLE_EXIT)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if timeout.timed_out() && state.jobs.is_empty() && !state.closed {
                break;
            }
        }
        state.threads -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn grows_to_max_then_queues_then_refuses() {
        let workers = Workers::new(2, "test-worker".into());
        let gate = Arc::new(Barrier::new(3));
        let done = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let (gate, done, started) =
                (Arc::clone(&gate), Arc::clone(&done), Arc::clone(&started));
            workers
                .submit(move || {
                    started.fetch_add(1, Ordering::SeqCst);
                    gate.wait();
                    done.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
        }
        while started.load(Ordering::SeqCst) < 2 {
            std::thread::yield_now();
        }
        // Both threads are blocked in the barrier: two more jobs queue, the fifth is refused.
        for _ in 0..2 {
            let done = Arc::clone(&done);
            workers
                .submit(move || {
                    done.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
        }
        assert_eq!(workers.submit(|| {}), Err(Refused::Busy));
        gate.wait();
        workers.close();
        workers.join();
        assert_eq!(done.load(Ordering::SeqCst), 4);
        assert_eq!(workers.submit(|| {}), Err(Refused::Closed));
    }
}
