//! Blocking servers over TCP and Unix sockets, for any [`Processor`].
//!
//! ```no_run
//! # fn demo<P: thrift_rt::Processor + 'static>(processor: P) -> std::io::Result<()> {
//! use std::time::Duration;
//! use thrift_rt::server::{Builder, Listener};
//! use thrift_rt::{ProtocolKind, TransportKind};
//!
//! let server = Builder::new()
//!     .protocol(ProtocolKind::Compact)
//!     .transport(TransportKind::Framed)
//!     .thread_pool(8, 64)
//!     .spawn(Listener::tcp("127.0.0.1:9090")?, processor)?;
//! // ... later, from any thread:
//! let report = server.shutdown(Duration::from_secs(5));
//! assert_eq!(report.forced, 0);
//! # Ok(()) }
//! ```
//!
//! # Kinds
//!
//! - [`simple`](Builder::simple): the accept thread serves one connection at a time (so one
//!   idle or stalled client blocks all others until its timeouts).
//! - [`threaded`](Builder::threaded): a thread per connection, at most `max_connections`.
//! - [`thread_pool`](Builder::thread_pool) (the default): fixed workers serving whole
//!   messages, a bounded queue of connections waiting for a worker, and a poller thread
//!   holding idle connections and those whose message has not fully arrived.
//!
//! Beyond capacity, [`Overload`] chooses between waiting (stop accepting: newcomers wait in
//! the kernel's listen backlog) and refusing (accept and close at once). Nothing is ever
//! queued without bound.
//!
//! # Idle clients
//!
//! On the thread pool, a worker holds a connection only while it has something to read: when
//! the next message does not follow within [`idle_linger`](Builder::idle_linger) (10 ms), or
//! at once when other connections wait for a worker, the connection is parked with the
//! poller (`epoll`, on Linux) and the worker moves on; it comes back to a worker when its
//! next message arrives. So idle clients, however many, do not keep others from being
//! served, and a client making back-to-back calls costs no more than on a thread of its own.
//! At most [`max_idle_connections`](Builder::max_idle_connections) are parked; beyond that,
//! the connection idle longest is closed. While other connections wait, busy connections take
//! turns, one message each.
//!
//! The simple and threaded servers keep each connection on its thread until it closes: idle
//! clients hold it until their read timeout. A connection inside a message holds its thread
//! (or pool worker) until the message has arrived or the message timeout cuts it off.
//!
//! # Static dispatch
//!
//! A server runs over a [`Stack`]: the protocol and transport chosen at run time, or a stack
//! of fixed types with layers of your own ([`Builder::stack`], [`Builder::layer`]). Run-time
//! choices are resolved to the concrete types once, when the server starts
//! ([`Stack::resolve`]); each connection then runs a loop generic over its concrete reader
//! and writer.
//!
//! # Timeouts
//!
//! A connection waiting for its next message gives up after the read timeout; a message must
//! arrive completely within the message timeout from its first byte (a client trickling a
//! byte at a time is cut off); a reply must be written within the write timeout. All three
//! close the connection and free its thread. On the thread pool, the read timeout also
//! applies while a connection is parked.
//!
//! # Shutdown
//!
//! [`Server::shutdown`] (or [`ShutdownHandle::shutdown`]) stops accepting (waking the accept
//! thread with a connection of its own, see [`Listener`]), closes queued and parked
//! connections, and closes idle connections by shutting down their read side. A connection
//! inside a message
//! (its first byte arrived) finishes it and writes the reply, then closes. After the grace
//! period, connections still open are shut down in both directions; then every thread (the
//! poller's too) is joined. So every call whose request was read gets its reply unless its handler outlasts
//! the grace period.
//!
//! # Failures
//!
//! Errors, timeouts and panics end only their own connection and are logged through the
//! `log` crate; generated processors already turn a handler panic into an `INTERNAL_ERROR`
//! exception for that call, and a panic escaping a processor is caught around the connection
//! (around each of its turns on a pool worker).

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::limits::Limits;
use crate::processor::Processor;
use crate::stack::{Layer, Plain, Protocol, ProtocolKind, Stack, Transport, TransportKind};
use crate::transport::stream::Stream;

mod connection;
mod deadline;
pub(crate) mod gate;
pub(crate) mod listener;
mod multiplexed;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod poller;
mod pool;
mod shared;
mod simple;
mod threaded;

pub use deadline::{ReadHalf, WriteHalf};
pub use listener::Listener;
pub use multiplexed::{MultiplexedProcessor, NoService, Routes, Service};

use listener::Waker;
use pool::{Parking, PollerHandle};
use shared::Shared;

/// What a server does with a connection it cannot serve yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Overload {
    /// Stop accepting until there is room; newcomers wait in the listen backlog.
    #[default]
    Wait,
    /// Accept the newcomer and close it at once.
    Refuse,
}

/// How connections are spread over threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerKind {
    /// One connection at a time, on the accept thread.
    Simple,
    /// A thread per connection, at most `max_connections` at once.
    Threaded {
        /// The most connections served at once.
        max_connections: usize,
    },
    /// `workers` threads serving connections from a queue of at most `queue`.
    ThreadPool {
        /// Worker threads.
        workers: usize,
        /// Accepted connections waiting for a worker.
        queue: usize,
    },
}

/// Settings every connection uses.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) limits: Limits,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) message_timeout: Option<Duration>,
    pub(crate) interceptors: crate::intercept::Interceptors,
}

/// Configures and starts a server.
///
/// Defaults: binary protocol, buffered transport, [`Limits::default`], a thread pool of 16
/// workers with a queue of 128, at most 10,000 idle connections parked after a linger of
/// 10 ms, at most as many connections open as the descriptor limit allows
/// ([`max_connections`](Builder::max_connections)), [`Overload::Wait`], read (idle) timeout
/// 60 s, message timeout 30 s, write timeout 30 s.
///
/// The protocol and transport are run-time choices ([`protocol`](Builder::protocol),
/// [`transport`](Builder::transport)) until [`stack`](Builder::stack) sets a stack of fixed
/// types, or [`layer`](Builder::layer) adds a layer under the transport.
#[derive(Clone, Debug)]
pub struct Builder<P = ProtocolKind, T = TransportKind, L = Plain> {
    stack: Stack<P, T, L>,
    config: Config,
    /// Thread pool: the most connections open at once (`None`: from the descriptor limit).
    max_connections: Option<usize>,
    kind: ServerKind,
    overload: Overload,
    parking: Parking,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with the defaults above.
    pub fn new() -> Self {
        Self {
            stack: Stack::new(ProtocolKind::Binary, TransportKind::Buffered),
            max_connections: None,
            config: Config {
                limits: Limits::default(),
                read_timeout: Some(Duration::from_secs(60)),
                write_timeout: Some(Duration::from_secs(30)),
                message_timeout: Some(Duration::from_secs(30)),
                interceptors: crate::intercept::Interceptors::new(),
            },
            kind: ServerKind::ThreadPool {
                workers: 16,
                queue: 128,
            },
            overload: Overload::Wait,
            parking: Parking {
                linger: Duration::from_millis(10),
                max_idle: 10_000,
            },
        }
    }
}

impl<T, L> Builder<ProtocolKind, T, L> {
    /// Sets the protocol.
    #[must_use]
    pub fn protocol(mut self, protocol: ProtocolKind) -> Self {
        self.stack.protocol = protocol;
        self
    }
}

impl<P, L> Builder<P, TransportKind, L> {
    /// Sets the transport.
    #[must_use]
    pub fn transport(mut self, transport: TransportKind) -> Self {
        self.stack.transport = transport;
        self
    }
}

impl<L> Builder<ProtocolKind, TransportKind, L> {
    /// One port for every client: unframed binary, unframed compact, framed binary, framed
    /// compact and THeader clients on the same listener, each detected from its first bytes
    /// and answered in its own dialect (THeader replies in the call's payload protocol and
    /// transforms). The same as `.protocol(ProtocolKind::Header)
    /// .transport(TransportKind::Header)`; it works on every server kind, and the thread pool
    /// still hands workers whole messages only (a client stalling in its first bytes holds
    /// no worker).
    ///
    /// Not the default, because the default is what a server is asked for by name: binary
    /// over buffered, as Apache's servers default to. Detecting dialects widens what a port
    /// accepts (an operator who chose framed compact does not expect unframed binary
    /// clients), costs a branch per value on the server (the protocol follows each frame),
    /// and JSON clients, HTTP and THeader frames inside plain frames are not detected. Turn
    /// it on where one port must serve clients of several kinds (migrating a fleet, or
    /// fronting clients you do not control).
    #[must_use]
    pub fn one_port(self) -> Self {
        self.protocol(ProtocolKind::Header)
            .transport(TransportKind::Header)
    }
}

impl<P: Protocol, T: Transport, L: Layer> Builder<P, T, L> {
    /// Serves with `stack`, replacing the protocol, transport and layers set so far.
    #[must_use]
    pub fn stack<P2, T2, L2>(self, stack: Stack<P2, T2, L2>) -> Builder<P2, T2, L2> {
        Builder {
            stack,
            max_connections: self.max_connections,
            config: self.config,
            kind: self.kind,
            overload: self.overload,
            parking: self.parking,
        }
    }

    /// Adds `layer` under the transport (over the layers already added).
    #[must_use]
    pub fn layer<L2: Layer>(self, layer: L2) -> Builder<P, T, (L, L2)> {
        let stack = self.stack.clone().layer(layer);
        self.stack(stack)
    }

    /// Sets the decoding limits (also the frame size limit of the framed transport).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// How long a connection may wait for its next message (`None`: forever).
    #[must_use]
    pub fn read_timeout(mut self, t: Option<Duration>) -> Self {
        self.config.read_timeout = t.filter(|t| !t.is_zero());
        self
    }

    /// How long a message may take to arrive, from its first byte (`None`: no limit).
    #[must_use]
    pub fn message_timeout(mut self, t: Option<Duration>) -> Self {
        self.config.message_timeout = t.filter(|t| !t.is_zero());
        self
    }

    /// How long writing a reply may block (`None`: forever).
    #[must_use]
    pub fn write_timeout(mut self, t: Option<Duration>) -> Self {
        self.config.write_timeout = t.filter(|t| !t.is_zero());
        self
    }

    /// Runs `interceptor` around every call this server serves, after those added before
    /// (see [`intercept`](crate::intercept)); one that refuses a call answers it with its
    /// exception instead of the handler.
    #[must_use]
    pub fn interceptor(mut self, interceptor: impl crate::intercept::Interceptor) -> Self {
        self.config.interceptors = self.config.interceptors.with(interceptor);
        self
    }

    /// Serves one connection at a time, on the accept thread: by definition, a client that
    /// stays connected (idle, or stalled inside a message) keeps every other client waiting
    /// in the listen backlog until it leaves or its `read_timeout` or `message_timeout` cuts
    /// it off. For tests and single-client tools; servers exposed to several or untrusted
    /// clients want the thread pool (the default).
    #[must_use]
    pub fn simple(mut self) -> Self {
        self.kind = ServerKind::Simple;
        self
    }

    /// Serves each connection on a thread of its own, at most `max_connections` at once.
    #[must_use]
    pub fn threaded(mut self, max_connections: usize) -> Self {
        self.kind = ServerKind::Threaded { max_connections };
        self
    }

    /// Serves connections with `workers` threads; at most `queue` accepted connections wait
    /// for a worker (connections whose next message arrives while they are parked are queued
    /// regardless: they were accepted already, and at most as many as are parked).
    #[must_use]
    pub fn thread_pool(mut self, workers: usize, queue: usize) -> Self {
        self.kind = ServerKind::ThreadPool { workers, queue };
        self
    }

    /// Thread-pool server: how long a worker waits for a connection's next message before it
    /// hands the connection to the poller and moves on (default 10 ms, at least 1 ms).
    ///
    /// A client whose next call follows within this time is served by the same worker with no
    /// extra system call; longer pauses cost a few (the connection goes through `epoll`). A
    /// worker never waits this long while other connections wait for one.
    #[must_use]
    pub fn idle_linger(mut self, linger: Duration) -> Self {
        // It is the socket's read timeout between messages, which cannot be zero.
        self.parking.linger = linger.max(Duration::from_millis(1));
        self
    }

    /// Thread-pool server: the most idle connections held by the poller at once (default
    /// 10,000; at least 1). When one more goes idle, the connection idle for longest is closed.
    #[must_use]
    pub fn max_idle_connections(mut self, max: usize) -> Self {
        self.parking.max_idle = max.max(1);
        self
    }

    /// Thread-pool server: the most connections open at once, parked idle ones included (at
    /// least 1). At the limit, accepting one more closes the connection idle longest; when
    /// none is idle, [`Overload`] decides (wait in the listen backlog, or refuse). Default:
    /// what the process's descriptor limit allows (`RLIMIT_NOFILE` soft limit, less 64 for
    /// everything else, divided by the three descriptors a connection holds), at most 10,000;
    /// 320 under the common limit of 1,024. So a flood of connections can never exhaust the
    /// server's descriptors, and a newcomer is always served while some connection is idle.
    /// (The threaded server's limit is [`threaded`](Self::threaded)'s argument; the simple
    /// server has one connection at a time.)
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max.max(1));
        self
    }

    /// Sets the kind of server.
    #[must_use]
    pub fn kind(mut self, kind: ServerKind) -> Self {
        self.kind = kind;
        self
    }

    /// What to do with connections beyond capacity (threaded and thread-pool servers).
    #[must_use]
    pub fn overload(mut self, overload: Overload) -> Self {
        self.overload = overload;
        self
    }

    /// Starts serving `listener` with `processor` on threads of its own.
    ///
    /// # Errors
    ///
    /// When a thread cannot be spawned; an [`io::ErrorKind::InvalidInput`] error for the fd
    /// transport on a TCP listener.
    pub fn spawn<C: Processor + 'static>(
        &self,
        listener: Listener,
        processor: C,
    ) -> io::Result<Server> {
        if self.stack.transport.carries_fds() && listener.local_addr().is_some() {
            return Err(crate::stack::fd_needs_unix());
        }
        let shared = Arc::new(Shared::default());
        let config = Arc::new(self.config.clone());
        let opener = self.stack.clone().resolve(connection::MakeOpener {
            processor: Arc::new(processor),
            config: Arc::clone(&config),
        });
        let local_addr = listener.local_addr();
        let wake = listener.waker();
        tracing::info!("serving on {}", listener.describe());
        let mut threads = Vec::new();
        let mut poller = None;
        let accept = {
            let shared = Arc::clone(&shared);
            match self.kind {
                ServerKind::Simple => spawn_accept(listener, shared, move |shared, stream| {
                    simple::dispatch(shared, &opener, stream);
                })?,
                ServerKind::Threaded { max_connections } => {
                    let mut threaded = threaded::Threaded {
                        shared: Arc::clone(&shared),
                        opener,
                        max_connections,
                        overload: self.overload,
                        threads: Vec::new(),
                    };
                    spawn_accept(listener, shared, move |_, stream| threaded.dispatch(stream))?
                }
                ServerKind::ThreadPool { workers, queue } => {
                    let started = pool::spawn(workers, self.parking, &shared, &opener, &config)?;
                    threads = started.threads;
                    poller = started.poller;
                    let admission = pool::Admission {
                        capacity: queue,
                        max_connections: self
                            .max_connections
                            .unwrap_or_else(default_max_connections),
                        overload: self.overload,
                        poller: poller.clone(),
                    };
                    let accept =
                        spawn_accept(listener, Arc::clone(&shared), move |shared, stream| {
                            pool::enqueue(shared, stream, &admission);
                        });
                    match accept {
                        Ok(accept) => accept,
                        Err(e) => {
                            pool::abandon(&shared, poller.as_ref(), threads);
                            return Err(e);
                        }
                    }
                }
            }
        };
        threads.insert(0, accept);
        Ok(Server {
            handle: ShutdownHandle {
                inner: Arc::new(Inner {
                    shared,
                    wake,
                    running: Mutex::new(Some(Running { threads, poller })),
                    local_addr,
                }),
            },
        })
    }
}

/// The thread pool's default connection limit: what the descriptor limit allows (see
/// [`Builder::max_connections`]).
fn default_max_connections() -> usize {
    #[cfg(unix)]
    {
        use nix::sys::resource::{Resource, getrlimit};
        if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NOFILE) {
            let usable = usize::try_from(soft)
                .unwrap_or(usize::MAX)
                .saturating_sub(64);
            return (usable / 3).clamp(16, 10_000);
        }
    }
    10_000
}

/// The accept loop: accepts until the server stops, handing each connection to `dispatch`.
fn spawn_accept<D>(
    listener: Listener,
    shared: Arc<Shared>,
    mut dispatch: D,
) -> io::Result<JoinHandle<()>>
where
    D: FnMut(&Arc<Shared>, Stream) + Send + 'static,
{
    std::thread::Builder::new()
        .name("thrift-accept".to_owned())
        .spawn(move || {
            loop {
                match listener.accept() {
                    Ok(stream) => {
                        if shared.is_stopping() {
                            break;
                        }
                        dispatch(&shared, stream);
                    }
                    Err(e) => {
                        if shared.is_stopping() {
                            break;
                        }
                        // E.g. out of file descriptors: back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }
            tracing::info!("stopped accepting on {}", listener.describe());
            drop(listener);
            // Dropping the dispatcher joins what it owns (the threaded server's threads).
            drop(dispatch);
        })
}

/// What [`Server::shutdown`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Connections still open when the grace period ended, which were then shut down.
    pub forced: usize,
}

/// A running server. Dropping it shuts it down without a grace period.
#[derive(Debug)]
pub struct Server {
    handle: ShutdownHandle,
}

/// Shuts a server down from another thread; cloneable.
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    wake: Waker,
    /// `None` once a shutdown has taken it.
    running: Mutex<Option<Running>>,
    local_addr: Option<SocketAddr>,
}

/// What a shutdown stops and joins.
#[derive(Debug)]
struct Running {
    threads: Vec<JoinHandle<()>>,
    /// The thread-pool server's poller, which holds idle connections (its thread is in
    /// `threads`); dropped by the shutdown, which closes its descriptors.
    poller: Option<PollerHandle>,
}

impl Server {
    /// The TCP address the server listens on (`None` for Unix sockets).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.handle.inner.local_addr
    }

    /// A handle that can shut the server down from elsewhere.
    pub fn handle(&self) -> ShutdownHandle {
        self.handle.clone()
    }

    /// Stops the server, giving connections inside a message up to `grace` to finish (see
    /// the [module documentation](self)), and joins every thread.
    pub fn shutdown(self, grace: Duration) -> ShutdownReport {
        self.handle.shutdown(grace)
    }

    /// Blocks until the server has been shut down through a [`ShutdownHandle`].
    pub fn wait(&self) {
        let shared = &self.handle.inner.shared;
        let mut state = shared.lock();
        while !state.stopped {
            state = shared.wait(state);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.shutdown(Duration::ZERO);
    }
}

impl ShutdownHandle {
    /// As [`Server::shutdown`]. Calling it again, or from several threads, waits for the first
    /// shutdown and reports nothing forced.
    pub fn shutdown(&self, grace: Duration) -> ShutdownReport {
        let inner = &*self.inner;
        let taken = inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(Running { threads, poller }) = taken else {
            let mut state = inner.shared.lock();
            while !state.stopped {
                state = inner.shared.wait(state);
            }
            return ShutdownReport { forced: 0 };
        };
        let deadline = Instant::now() + grace;
        inner.shared.stop();
        if let Some(poller) = &poller {
            poller.stop();
        }
        inner.wake.wake();
        let forced = inner.shared.wait_closed(deadline);
        if forced > 0 {
            tracing::warn!("{forced} connections still open after the grace period; closing them");
            inner.shared.close_all();
        }
        for t in threads {
            let _ = t.join();
        }
        // Every thread that used the poller is joined: this closes its descriptors.
        drop(poller);
        inner.shared.lock().stopped = true;
        inner.shared.notify();
        ShutdownReport { forced }
    }
}
