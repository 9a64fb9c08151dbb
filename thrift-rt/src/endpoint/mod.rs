//! Channels: two-way RPC, several services on one connection.
//!
//! An [`Endpoint`] is one connection on which **both** peers serve and call. Each service
//! lives on a channel (`service Echo channel 3 { ... }` in the IDL), and the channel id
//! travels in byte 2 of the binary protocol's strict message header, `80 01 <channel>
//! <type>`, a byte Apache Thrift always writes as 0 and never reads. Channel 0 is therefore
//! the ordinary Thrift service: a plain Apache client or server talks to a channel-0 endpoint
//! unchanged.
//!
//! ```no_run
//! # use std::time::Duration;
//! # fn demo<P: thrift_rt::Processor + 'static>(echo_processor: P) -> std::io::Result<()> {
//! use thrift_rt::endpoint::Builder;
//! use thrift_rt::server::Listener;
//!
//! // Both sides register the services they host, then listen or connect.
//! let builder = Builder::new()
//!     .serve(echo_processor)
//!     .call_timeout(Some(Duration::from_secs(5)));
//! let listener = builder.listen(Listener::tcp("127.0.0.1:9090")?, |peer| {
//!     // A new connection: keep `peer` to call the client back later.
//!     # let _ = peer;
//! })?;
//!
//! let endpoint = builder.connect_tcp("127.0.0.1:9090", &Default::default())?;
//! // let echo = EchoClient::from_caller(endpoint.caller()); echo.echo("hi")?;
//! # drop(endpoint); listener.shutdown(); Ok(()) }
//! ```
//!
//! # How it works
//!
//! At most one thread reads a connection at a time, and it is whoever needs to: a caller
//! waiting for its reply reads the socket itself (the reply wakes that caller and nobody
//! else), handing other callers' replies to them and incoming calls to the connection's
//! threads; when nobody waits for a reply, the connection's idle threads watch the socket,
//! and the one woken by a call runs it itself (another takes over the reading if it runs
//! longer than a millisecond). So a call costs one thread wake-up per message and no
//! system call besides its reads and writes, as on a plain connection, and a handler may still call
//! the peer and wait: a nested chain client → server → client → server does not deadlock.
//! Reading never waits inside a message, so a call's timeout holds whatever the peer does.
//! Each message is encoded first and written whole; messages of threads writing at once go
//! out together, in one `write`.
//! See `ARCHITECTURE.md` for the details and every error path.
//!
//! A handler reaches the connection its call came in on with [`Endpoint::current`], to call
//! that peer back; [`Builder::serve_per_connection`] makes a handler per connection, for
//! per-peer state.
//!
//! Generated clients work on an endpoint through [`Endpoint::caller`]: an
//! [`EndpointCaller`] is cheap to clone, and many threads may call through one connection at
//! once, each getting its own reply.
//!
//! # Protocol, transport and layers
//!
//! Only the binary protocol has room for the channel id, so endpoints always speak it (the
//! compact and JSON message headers have no spare byte). Any transport and any layers work
//! ([`Builder::stack`], [`Builder::transport`]): framed and buffered, over TCP or a Unix
//! socket; the fd transport ([`TransportKind::Fd`]) works over a Unix socket and carries
//! file descriptors (the IDL type `fd`) both ways. Each message is encoded into a buffer
//! outside the write lock and handed to the transport (one virtual call per message), so
//! `Endpoint` has no type parameters whatever the stack.
//!
//! # Failures
//!
//! - A call on a channel the peer does not serve is answered with a `TApplicationException`
//!   (`UNKNOWN_METHOD`); an unknown method likewise.
//! - When the connection drops (or [`Endpoint::close`] is called) every waiting caller wakes
//!   at once with an error, new calls fail, and the connection's threads end.
//! - A call waits at most the call timeout ([`Builder::call_timeout`],
//!   [`EndpointCaller::with_timeout`]); a reply arriving later is dropped.
//! - Beyond `max_workers` busy handlers and as many queued calls, further calls are
//!   answered with an `INTERNAL_ERROR` exception instead of queueing without bound.

use std::fmt;
use std::io;
use std::net::SocketAddr;
#[cfg(unix)]
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::Result;
use crate::limits::Limits;
use crate::processor::Processor;
use crate::protocol::{BinaryReader, BinaryWriter};
use crate::server::Listener;
use crate::server::listener::Waker;
use crate::stack::{Binary, Layer, Protocol, Stack, Transport, TransportKind, WithStack};
use crate::transport::BytesSource;
use crate::transport::socket::{self, TcpOptions};
use crate::transport::stream::Stream;
use crate::ttype::MessageHeader;

mod caller;
mod connection;
mod inbound;
mod message;
mod outbox;
mod pending;
pub(crate) mod recording;
mod socket_end;
mod watch;

pub use caller::{EndpointCaller, PendingReply};
pub use message::Outgoing;

use connection::{Settings, Shared};

/// A service as the endpoint stores it: object-safe, over the endpoint's concrete reader and
/// writer (every value inside is still decoded by the processor's generic code).
trait Service: Send + Sync {
    fn handle(
        &self,
        header: &MessageHeader,
        r: &mut BinaryReader<BytesSource>,
        w: &mut BinaryWriter<Outgoing>,
    ) -> Result<()>;
}

impl<P: Processor> Service for P {
    fn handle(
        &self,
        header: &MessageHeader,
        r: &mut BinaryReader<BytesSource>,
        w: &mut BinaryWriter<Outgoing>,
    ) -> Result<()> {
        self.process(header, r, w)
    }
}

/// The services of an endpoint, by channel.
struct Services {
    by_channel: Vec<Option<Arc<dyn Service>>>,
}

impl Services {
    fn get(&self, channel: u8) -> Option<&dyn Service> {
        self.by_channel[usize::from(channel)].as_deref()
    }
}

/// The channels with a service, for `Debug`.
fn occupied<T>(slots: &[Option<T>]) -> Vec<usize> {
    (0..slots.len()).filter(|&c| slots[c].is_some()).collect()
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let channels = occupied(&self.by_channel);
        f.debug_struct("Services")
            .field("channels", &channels)
            .finish()
    }
}

/// Configures endpoints: the services they host, transport, limits, timeouts.
///
/// Defaults: binary protocol, framed transport, [`Limits::default`], no call timeout, at most
/// 64 worker threads per connection.
#[derive(Clone)]
pub struct Builder {
    settings: Settings,
    starter: Arc<dyn Starter>,
    services: Vec<Option<Slot>>,
}

/// A channel's service as registered: one for every connection, or made for each.
#[derive(Clone)]
enum Slot {
    Shared(Arc<dyn Service>),
    PerConnection(Arc<MakeService>),
}

/// Makes a connection's own service, given its endpoint.
type MakeService = dyn Fn(&Endpoint) -> Arc<dyn Service> + Send + Sync;

/// Makes the services of a new connection, given the connection.
type MakeServices<'a> = &'a dyn Fn(&Arc<Shared>) -> Arc<Services>;

/// Starts connections over the builder's stack, resolved to concrete types once.
trait Starter: Send + Sync + fmt::Debug {
    fn start(
        &self,
        stream: Stream,
        settings: Settings,
        services: MakeServices<'_>,
    ) -> io::Result<Arc<Shared>>;

    fn carries_fds(&self) -> bool;
}

struct StackStarter<T, L> {
    transport: T,
    layer: L,
}

impl<T, L> fmt::Debug for StackStarter<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::any::type_name::<Stack<Binary, T, L>>())
    }
}

impl<T: Transport, L: Layer> Starter for StackStarter<T, L> {
    fn start(
        &self,
        stream: Stream,
        settings: Settings,
        services: MakeServices<'_>,
    ) -> io::Result<Arc<Shared>> {
        Shared::start(stream, &self.transport, &self.layer, settings, services)
    }

    fn carries_fds(&self) -> bool {
        self.transport.carries_fds()
    }
}

/// Makes the [`Starter`] of a stack (whose protocol is binary whatever it says).
struct MakeStarter;

impl WithStack for MakeStarter {
    type Output = Arc<dyn Starter>;

    fn with<P: Protocol, T: Transport, L: Layer>(self, stack: Stack<P, T, L>) -> Self::Output {
        Arc::new(StackStarter {
            transport: stack.transport,
            layer: stack.layer,
        })
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let channels = occupied(&self.services);
        f.debug_struct("Builder")
            .field("settings", &self.settings)
            .field("stack", &self.starter)
            .field("channels", &channels)
            .finish()
    }
}

/// The defaults above and no services.
impl Default for Builder {
    fn default() -> Self {
        Self {
            settings: Settings {
                limits: Limits::default(),
                call_timeout: None,
                max_workers: 64,
                interceptors: crate::intercept::Interceptors::new(),
            },
            starter: Stack::new(Binary, TransportKind::Framed).resolve(MakeStarter),
            services: vec![None; 256],
        }
    }
}

impl Builder {
    /// A builder with the defaults above and no services (as [`Default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Hosts `processor` on the channel its service declares (`P::CHANNEL`), replacing any
    /// service registered there before.
    #[must_use]
    pub fn serve<P: Processor + 'static>(self, processor: P) -> Self {
        self.serve_on(P::CHANNEL, processor)
    }

    /// Hosts `processor` on `channel`, whatever its IDL says.
    #[must_use]
    pub fn serve_on<P: Processor + 'static>(self, channel: u8, processor: P) -> Self {
        self.register(channel, Slot::Shared(Arc::new(processor)))
    }

    /// Hosts, on the channel its service declares (`P::CHANNEL`), a processor made for each
    /// connection by `make`, given the connection's endpoint before its first message is
    /// read: per-peer state lives in the handler, and the handler can call the peer that
    /// called it. (A handler can also reach the connection of the call it serves through
    /// [`Endpoint::current`].)
    ///
    /// A handler keeping the endpoint keeps the connection's state alive until the
    /// connection closes; it does not keep the connection open.
    #[must_use]
    pub fn serve_per_connection<P, F>(self, make: F) -> Self
    where
        P: Processor + 'static,
        F: Fn(&Endpoint) -> P + Send + Sync + 'static,
    {
        self.serve_per_connection_on(P::CHANNEL, make)
    }

    /// As [`serve_per_connection`](Self::serve_per_connection), on `channel`.
    #[must_use]
    pub fn serve_per_connection_on<P, F>(self, channel: u8, make: F) -> Self
    where
        P: Processor + 'static,
        F: Fn(&Endpoint) -> P + Send + Sync + 'static,
    {
        let make = move |endpoint: &Endpoint| -> Arc<dyn Service> { Arc::new(make(endpoint)) };
        self.register(channel, Slot::PerConnection(Arc::new(make)))
    }

    fn register(mut self, channel: u8, slot: Slot) -> Self {
        if self.services[usize::from(channel)].is_some() {
            tracing::warn!("endpoint: channel {channel} registered twice; the later service wins");
        }
        self.services[usize::from(channel)] = Some(slot);
        self
    }

    /// Sets the transport (default framed), without layers; replaces the stack.
    #[must_use]
    pub fn transport(self, transport: TransportKind) -> Self {
        self.stack(Stack::new(Binary, transport))
    }

    /// Sets the transport and the layers under it: any [`Stack`] whose protocol is binary
    /// (the only one with room for the channel id); another protocol does not compile:
    ///
    /// ```compile_fail
    /// use thrift_rt::stack::{Compact, Framed, Stack};
    /// let _ = thrift_rt::endpoint::Builder::new().stack(Stack::new(Compact, Framed));
    /// ```
    #[must_use]
    pub fn stack<T: Transport, L: Layer>(mut self, stack: Stack<Binary, T, L>) -> Self {
        self.starter = stack.resolve(MakeStarter);
        self
    }

    /// Sets the decoding limits (also the frame size limit).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.settings.limits = limits;
        self
    }

    /// How long a call waits for its reply by default (`None`: forever).
    #[must_use]
    pub fn call_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.settings.call_timeout = timeout;
        self
    }

    /// Runs `interceptor` around every call the endpoint serves and every call its callers
    /// make, after those added before (see [`intercept`](crate::intercept); [`Side`] tells
    /// which).
    ///
    /// [`Side`]: crate::intercept::Side
    #[must_use]
    pub fn interceptor(mut self, interceptor: impl crate::intercept::Interceptor) -> Self {
        self.settings.interceptors = self.settings.interceptors.with(interceptor);
        self
    }

    /// The most handler threads per connection (at least 1).
    #[must_use]
    pub fn max_workers(mut self, n: usize) -> Self {
        self.settings.max_workers = n.max(1);
        self
    }

    /// Makes an endpoint of a connected stream. Dropping the last handle (the endpoint and
    /// every [`EndpointCaller`]) closes the connection.
    ///
    /// # Errors
    ///
    /// An [`io::ErrorKind::InvalidInput`] error for the fd transport on a TCP stream; errors
    /// from configuring the socket, setting up a layer or starting the pump thread.
    pub fn connect(&self, stream: Stream) -> io::Result<Endpoint> {
        self.start(stream, true)
    }

    /// Connects over TCP (with the connect and write timeouts and `TCP_NODELAY` of `options`;
    /// the endpoint itself never times out reading, since the peer may stay quiet for long).
    ///
    /// # Errors
    ///
    /// As for [`connect`](Self::connect), and errors from connecting.
    pub fn connect_tcp(
        &self,
        addr: impl std::net::ToSocketAddrs,
        options: &TcpOptions,
    ) -> io::Result<Endpoint> {
        let stream = socket::connect(addr, options)?;
        self.connect(Stream::Tcp(stream))
    }

    /// Connects to a Unix socket.
    ///
    /// # Errors
    ///
    /// As for [`connect`](Self::connect), and errors from connecting.
    #[cfg(unix)]
    pub fn connect_unix(&self, path: impl AsRef<Path>) -> io::Result<Endpoint> {
        let stream = std::os::unix::net::UnixStream::connect(path)?;
        self.connect(Stream::Unix(stream))
    }

    /// Accepts connections on `listener` and makes an endpoint of each, hosting this
    /// builder's services. `on_connect` is called (on the accept thread) with each new
    /// endpoint, so the application can call the new peer; keep what it needs and return
    /// quickly. Server-side endpoints stay open until the peer closes them, they are closed,
    /// or the listener shuts down.
    ///
    /// # Errors
    ///
    /// An [`io::ErrorKind::InvalidInput`] error for the fd transport on a TCP listener; errors
    /// from starting the accept thread.
    pub fn listen(
        &self,
        listener: Listener,
        on_connect: impl Fn(Endpoint) + Send + Sync + 'static,
    ) -> io::Result<EndpointListener> {
        if self.starter.carries_fds() && listener.local_addr().is_some() {
            return Err(crate::stack::fd_needs_unix());
        }
        let shared = Arc::new(ListenerShared {
            stopping: AtomicBool::new(false),
            connections: Mutex::new(Vec::new()),
        });
        let wake = listener.waker();
        let local_addr = listener.local_addr();
        let builder = self.clone();
        let accept_shared = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("thrift-endpoint-accept".to_owned())
            .spawn(move || builder.accept_loop(&listener, &accept_shared, &on_connect))?;
        Ok(EndpointListener {
            shared,
            accept: Mutex::new(Some(accept)),
            wake,
            local_addr,
        })
    }

    fn accept_loop(
        &self,
        listener: &Listener,
        shared: &ListenerShared,
        on_connect: &(dyn Fn(Endpoint) + Send + Sync),
    ) {
        let shared_services = self.shared_services();
        loop {
            let stream = listener.accept();
            if shared.stopping.load(Ordering::Acquire) {
                break;
            }
            let stream = match stream {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!("endpoint accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            let started = stream.set_read_timeout(None).and_then(|()| {
                self.starter
                    .start(stream, self.settings.clone(), &|connection| {
                        self.services_for(connection, shared_services.as_ref())
                    })
            });
            match started {
                Ok(connection) => {
                    {
                        let mut connections = shared.lock();
                        connections.retain(|c| c.upgrade().is_some_and(|c| !c.is_closed()));
                        connections.push(Arc::downgrade(&connection));
                    }
                    let endpoint = Endpoint::of(connection);
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        on_connect(endpoint);
                    }))
                    .is_err()
                    {
                        tracing::error!("the endpoint connect callback panicked");
                    }
                }
                Err(e) => {
                    tracing::warn!("cannot start an endpoint for an accepted connection: {e}");
                }
            }
        }
    }

    /// The services every connection shares, when none is made per connection.
    fn shared_services(&self) -> Option<Arc<Services>> {
        let by_channel = self
            .services
            .iter()
            .map(|slot| match slot {
                None => Some(None),
                Some(Slot::Shared(service)) => Some(Some(Arc::clone(service))),
                Some(Slot::PerConnection(_)) => None,
            })
            .collect::<Option<_>>()?;
        Some(Arc::new(Services { by_channel }))
    }

    /// The services of `connection`: `shared` when there are, else made for it.
    fn services_for(
        &self,
        connection: &Arc<Shared>,
        shared: Option<&Arc<Services>>,
    ) -> Arc<Services> {
        if let Some(shared) = shared {
            return Arc::clone(shared);
        }
        let endpoint = Endpoint::of(Arc::clone(connection));
        let by_channel = self
            .services
            .iter()
            .map(|slot| match slot {
                None => None,
                Some(Slot::Shared(service)) => Some(Arc::clone(service)),
                Some(Slot::PerConnection(make)) => Some(make(&endpoint)),
            })
            .collect();
        Arc::new(Services { by_channel })
    }

    fn start(&self, stream: Stream, close_on_drop: bool) -> io::Result<Endpoint> {
        stream.set_read_timeout(None)?;
        let shared_services = self.shared_services();
        let shared = self
            .starter
            .start(stream, self.settings.clone(), &|connection| {
                self.services_for(connection, shared_services.as_ref())
            })?;
        Ok(Endpoint {
            handle: Arc::new(Handle {
                shared,
                close_on_drop,
            }),
        })
    }
}

/// What every handle on one connection shares; closes the connection when dropped if the
/// endpoint was made by connecting.
#[derive(Debug)]
struct Handle {
    shared: Arc<Shared>,
    close_on_drop: bool,
}

impl Drop for Handle {
    fn drop(&mut self) {
        if self.close_on_drop {
            self.shared.close("every handle was dropped");
            self.shared.join();
        }
    }
}

/// One connection on which both peers serve and call. Cheap to clone; every clone is the
/// same connection.
#[derive(Clone, Debug)]
pub struct Endpoint {
    handle: Arc<Handle>,
}

impl Endpoint {
    /// An endpoint on `connection` that does not keep it open.
    fn of(shared: Arc<Shared>) -> Self {
        Endpoint {
            handle: Arc::new(Handle {
                shared,
                close_on_drop: false,
            }),
        }
    }

    /// The endpoint whose call the current thread is serving: inside a handler, the
    /// connection the call came in on, to call that peer back; `None` outside handlers.
    /// It does not keep the connection open.
    ///
    /// ```no_run
    /// # struct Handler;
    /// # impl Handler { fn greet(&self) {
    /// use thrift_rt::endpoint::Endpoint;
    /// if let Some(peer) = Endpoint::current() {
    ///     // let client = PeerClient::from_caller(peer.caller()); client.hello()?;
    ///     # let _ = peer;
    /// }
    /// # } }
    /// ```
    pub fn current() -> Option<Endpoint> {
        connection::current().map(Endpoint::of)
    }

    /// A [`Caller`](crate::Caller) for generated clients:
    /// `FooClient::from_caller(endpoint.caller())`.
    pub fn caller(&self) -> EndpointCaller {
        EndpointCaller {
            handle: Arc::clone(&self.handle),
            timeout: self.handle.shared.settings.call_timeout,
        }
    }

    /// Whether the connection is gone.
    pub fn is_closed(&self) -> bool {
        self.handle.shared.is_closed()
    }

    /// The peer's credentials, taken when the connection was made (Unix sockets only).
    #[cfg(unix)]
    pub fn peer_credentials(&self) -> Option<Arc<crate::peer::PeerCredentials>> {
        self.handle.shared.credentials.clone()
    }

    /// How many calls through this endpoint wait for their replies.
    pub fn pending_calls(&self) -> usize {
        self.handle.shared.pending_calls()
    }

    /// Closes the connection and, unless called from one of the endpoint's own threads (a
    /// handler), waits for its threads to end. Waiting callers get an error at once.
    pub fn close(&self) {
        self.handle.shared.close("closed by the application");
        self.handle.shared.join();
    }

    /// Waits until the connection ends (the peer closes it, it breaks, or
    /// [`close`](Self::close) is called) and its threads have ended.
    pub fn wait(&self) {
        self.handle.shared.join();
    }
}

struct ListenerShared {
    stopping: AtomicBool,
    connections: Mutex<Vec<Weak<Shared>>>,
}

impl ListenerShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Weak<Shared>>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Accepts connections and makes an [`Endpoint`] of each; see [`Builder::listen`].
pub struct EndpointListener {
    shared: Arc<ListenerShared>,
    accept: Mutex<Option<JoinHandle<()>>>,
    wake: Waker,
    local_addr: Option<SocketAddr>,
}

impl fmt::Debug for EndpointListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointListener")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl EndpointListener {
    /// The TCP address it listens on; `None` for Unix sockets.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// Stops accepting, closes every connection it accepted and waits for all their threads.
    pub fn shutdown(&self) {
        self.shared.stopping.store(true, Ordering::Release);
        let accept = self
            .accept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(accept) = accept {
            self.wake.wake();
            let _ = accept.join();
        }
        let connections = std::mem::take(&mut *self.shared.lock());
        for connection in connections.iter().filter_map(Weak::upgrade) {
            connection.close("the listener shut down");
            connection.join();
        }
    }
}

impl Drop for EndpointListener {
    fn drop(&mut self) {
        self.shutdown();
    }
}
