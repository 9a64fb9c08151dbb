//! The thread-pool server: a fixed set of workers, a bounded queue of connections waiting for
//! one, and a poller thread holding idle connections.
//!
//! Workers serve *messages*, not whole connections. The accept thread queues each new
//! connection; a worker takes it and serves its messages for as long as the next one follows
//! promptly. When the connection has nothing to read (the read for its next message found
//! nothing within the linger, or found nothing at once while other connections wait for a
//! worker), the worker hands the connection's whole state to the poller
//! ([`Poller`], `epoll`) and takes the next job; when the connection
//! becomes readable again, the poller queues it for a worker. While others wait, a worker
//! also yields a connection whose next message is ready after serving one message, so busy
//! connections take turns. Idle or slow clients therefore cannot occupy the workers: only a
//! connection inside a message holds one, for at most the message timeout.
//!
//! When the queue is full, [`Overload::Wait`] stops accepting until a worker takes a job
//! (newcomers wait in the listen backlog), and [`Overload::Refuse`] closes the newcomer at
//! once; connections coming back from the poller are always queued (there are at most as many
//! as are parked). Nothing grows without bound: at most `workers` connections are served,
//! `queue` new ones wait in memory, and the poller holds at most `max_idle_connections`.

use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::connection::{Connection, Opener};
#[cfg(any(target_os = "linux", target_os = "android"))]
use super::poller::Poller;
use super::shared::{ConnGuard, Shared};
use super::{Config, Overload};
use crate::transport::stream::Stream;

/// A connection waiting for a worker.
pub(crate) enum Job {
    /// Just accepted (and registered, so it counts against the connection limit).
    New(Stream, ConnGuard),
    /// Back from the poller (its input is ready), or yielding its turn.
    Resume(Box<dyn Connection>),
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::New(stream, _) => f.debug_tuple("New").field(stream).finish(),
            Self::Resume(conn) => f.debug_tuple("Resume").field(&conn.peer()).finish(),
        }
    }
}

/// Thread-pool settings beyond the worker and queue counts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parking {
    /// How long a worker waits for a connection's next message before parking it.
    pub(crate) linger: Duration,
    /// The most connections parked at once; beyond it, the longest idle one is closed.
    pub(crate) max_idle: usize,
}

/// What a pool connection needs besides its own state: where to park, where to queue.
#[derive(Debug)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    poller: Arc<Poller>,
}

impl Pool {
    /// Hands an idle connection (idle since `since`) to the poller.
    pub(crate) fn park(&self, conn: Box<dyn Connection>, since: Instant) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        self.poller.park(conn, since);
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            // Workers run connections without a pool here, so nothing parks.
            let _ = since;
            drop(conn);
        }
    }

    /// Queues a connection again, behind those already waiting.
    pub(crate) fn requeue(&self, conn: Box<dyn Connection>) {
        requeue(&self.shared, conn);
    }
}

/// Queues a connection whose input is ready (never refused: it was accepted already).
pub(crate) fn requeue(shared: &Shared, conn: Box<dyn Connection>) {
    let mut state = shared.lock();
    if state.stopping {
        drop(state);
        // Outside the lock: its guard takes it.
        drop(conn);
        return;
    }
    shared.push_job(&mut state, Job::Resume(conn));
    drop(state);
    shared.notify_work();
}

/// What the accept loop of a thread-pool server needs to queue a connection.
#[derive(Debug)]
pub(crate) struct Admission {
    pub(crate) capacity: usize,
    pub(crate) max_connections: usize,
    pub(crate) overload: Overload,
    pub(crate) poller: Option<PollerHandle>,
}

/// Registers and queues an accepted connection. At the connection limit, the connection idle
/// longest is closed to make room; when none is idle (every open connection is busy or
/// queued), and when the queue is full, `overload` waits or refuses.
pub(crate) fn enqueue(shared: &Arc<Shared>, stream: Stream, admission: &Admission) {
    let mut state = shared.lock();
    loop {
        if state.stopping {
            return;
        }
        if state.open_connections() >= admission.max_connections.max(1) {
            drop(state);
            let evicted = admission.poller.as_ref().and_then(PollerHandle::evict);
            if let Some(conn) = evicted {
                tracing::info!(
                    "closing the connection from {}: idle longest, and the server is at its \
                     limit of {} connections",
                    conn.peer(),
                    admission.max_connections
                );
                // Closing it takes the server's lock to unregister.
                drop(conn);
                state = shared.lock();
                continue;
            }
            state = shared.lock();
            if state.open_connections() < admission.max_connections.max(1) {
                continue;
            }
            if admission.overload == Overload::Refuse {
                tracing::warn!(
                    peer = %stream.peer(),
                    limit = true,
                    open = state.open_connections(),
                    "connection refused: max_connections open, none idle"
                );
                return;
            }
            state = shared.wait(state);
            continue;
        }
        if state.queue_len() < admission.capacity.max(1) {
            let Some(guard) = shared.register(&mut state, &stream) else {
                return;
            };
            shared.push_job(&mut state, Job::New(stream, guard));
            drop(state);
            shared.notify_work();
            return;
        }
        if admission.overload == Overload::Refuse {
            tracing::warn!(
                peer = %stream.peer(),
                limit = true,
                "connection refused: all workers busy, queue full"
            );
            return;
        }
        state.accept_waiting = true;
        state = shared.wait(state);
        state.accept_waiting = false;
    }
}

/// The threads of a thread-pool server, and its poller, which shutdown stops.
pub(crate) struct Started {
    pub(crate) threads: Vec<JoinHandle<()>>,
    pub(crate) poller: Option<PollerHandle>,
}

/// Starts `workers` threads serving queued connections until the server stops, and (on
/// Linux) the poller thread.
pub(crate) fn spawn(
    workers: usize,
    parking: Parking,
    shared: &Arc<Shared>,
    opener: &Opener,
    config: &Config,
) -> std::io::Result<Started> {
    let mut threads = Vec::new();
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let (pool, handle) = {
        let poller = Arc::new(Poller::new(
            config.read_timeout,
            parking.linger,
            parking.max_idle,
        )?);
        let thread = {
            let poller = Arc::clone(&poller);
            let shared = Arc::clone(shared);
            std::thread::Builder::new()
                .name("thrift-poller".to_owned())
                .spawn(move || poller.run(&shared))?
        };
        threads.push(thread);
        let pool = Arc::new(Pool {
            shared: Arc::clone(shared),
            poller: Arc::clone(&poller),
        });
        (Some(pool), Some(PollerHandle { poller }))
    };
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let (pool, handle): (Option<Arc<Pool>>, _) = (None, None);
    let linger = pool.as_ref().map(|_| parking.linger);
    for i in 0..workers.max(1) {
        let spawned = {
            let shared = Arc::clone(shared);
            let opener = Arc::clone(opener);
            let pool = pool.clone();
            std::thread::Builder::new()
                .name(format!("thrift-worker-{i}"))
                .spawn(move || work(&shared, &opener, pool.as_deref(), linger))
        };
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => {
                abandon(shared, handle.as_ref(), threads);
                return Err(e);
            }
        }
    }
    Ok(Started {
        threads,
        poller: handle,
    })
}

/// Stops the workers and the poller and waits for them, after a failed start: no thread
/// outlives the error.
pub(crate) fn abandon(
    shared: &Shared,
    poller: Option<&PollerHandle>,
    threads: Vec<JoinHandle<()>>,
) {
    shared.stop();
    if let Some(p) = poller {
        p.stop();
    }
    for t in threads {
        let _ = t.join();
    }
}

/// Stops the poller when the server shuts down; evicts idle connections at the limit.
#[derive(Clone, Debug)]
pub(crate) struct PollerHandle {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    poller: Arc<Poller>,
}

impl PollerHandle {
    /// Closes every parked connection and ends the poller thread.
    pub(crate) fn stop(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        self.poller.stop();
    }

    /// Takes the connection parked longest, for the caller to close.
    pub(crate) fn evict(&self) -> Option<Box<dyn Connection>> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.poller.evict_longest_idle();
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        None
    }
}

fn work(shared: &Arc<Shared>, opener: &Opener, pool: Option<&Pool>, linger: Option<Duration>) {
    loop {
        let mut state = shared.lock();
        let job = loop {
            if state.stopping {
                return;
            }
            if let Some(job) = shared.pop_job(&mut state) {
                break job;
            }
            state = shared.wait_work(state);
        };
        let wake_accept = state.accept_waiting;
        drop(state);
        if wake_accept {
            // The queue has room again.
            shared.notify();
        }
        match job {
            Job::New(stream, guard) => match opener(guard, stream, linger) {
                Ok(conn) => conn.run(pool),
                Err(e) => tracing::warn!("cannot set up a connection: {e}"),
            },
            Job::Resume(conn) => conn.run(pool),
        }
    }
}
