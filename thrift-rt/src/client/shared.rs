//! [`SharedClient`]: one client for a whole program, used from many threads at once, over a
//! pool of connections to one or more servers.
//!
//! ```no_run
//! # fn demo() -> std::io::Result<()> {
//! use thrift_rt::client::shared::SharedClient;
//!
//! // Every address "store.internal:9090" resolves to, calls spread round robin.
//! let shared = SharedClient::builder()
//!     .tcp("store.internal:9090")?
//!     .idempotent(["get", "keys"])
//!     .build();
//! for _ in 0..16 {
//!     let caller = shared.caller();
//!     std::thread::spawn(move || {
//!         // let mut store = StoreClient::from_caller(caller);
//!         // store.get("k")?;
//!         # drop(caller);
//!     });
//! }
//! # Ok(()) }
//! ```
//!
//! How it works, and what it promises:
//!
//! - **A connection per call in flight.** A call takes an idle connection from the pool (or
//!   opens one), writes the call, reads the reply and gives the connection back. Any Apache
//!   server serves such connections; nothing is multiplexed, so a slow call holds up no
//!   other. Idle connections are kept up to [`Builder::max_idle_per_server`] per server.
//! - **Broken connections are replaced on the next call.** Before an idle connection is
//!   used it is checked without waiting (one `recv(MSG_PEEK | MSG_DONTWAIT)`): one the server
//!   closed meanwhile (it restarted, or closed idle connections) is dropped and another taken
//!   or opened, so a restarted server costs no failed call once it is back.
//! - **A call whose connection breaks is not retried**, because the server may have run it,
//!   unless its method was declared [`idempotent`](Builder::idempotent): then it is sent
//!   again on another connection (another server, if any), once per server at most.
//! - **Several servers**: a host name resolving to several addresses, or a list. Calls go
//!   round robin over them; a server that refuses connections or breaks them is skipped for
//!   [`Builder::retry_after`] and then tried again. When every server is marked down, they are
//!   all tried anyway (a refused connection costs little), so calls succeed again as soon as
//!   one is back.
//! - Each call is bounded by the stack's read and write timeouts ([`TcpOptions`]), as for a
//!   [`Client`](crate::Client) (see [`deadline`](super::deadline)).
//!
//! A `SharedClient` is `Clone + Send + Sync`; each thread makes its generated client from
//! [`caller`](SharedClient::caller) (`FooClient::from_caller(shared.caller())`), and a
//! generated client over a [`SharedCaller`] is itself `Clone + Send + Sync`. No thread is
//! started; dropping the last handle closes the idle connections.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};
#[cfg(unix)]
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::codec::ReadThrift;
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::limits::Limits;
use crate::protocol::ProtocolWriter;
use crate::stack::{KindStack, Layer, Plain, Protocol, Stack, StackReader, StackWriter, Transport};
use crate::transport::socket::TcpOptions;
use crate::transport::stream::Stream;
use crate::ttype::{MessageHeader, MessageType};

use super::caller::Caller;
use super::deadline::{ClientReadHalf, ClientWriteHalf};
use super::read_reply;

/// Where a server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A TCP address.
    Tcp(SocketAddr),
    /// A Unix socket's path.
    #[cfg(unix)]
    Unix(PathBuf),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(addr) => write!(f, "{addr}"),
            #[cfg(unix)]
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// Configures a [`SharedClient`]: its servers, stack, timeouts and retry rules.
#[derive(Debug)]
pub struct Builder<P = crate::ProtocolKind, T = crate::TransportKind, L = Plain> {
    targets: Vec<Target>,
    stack: Stack<P, T, L>,
    socket: TcpOptions,
    limits: Limits,
    idempotent: HashSet<String>,
    max_idle: usize,
    retry_after: Duration,
    interceptors: crate::intercept::Interceptors,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            targets: Vec::new(),
            stack: KindStack::default(),
            socket: TcpOptions::default(),
            limits: Limits::default(),
            idempotent: HashSet::new(),
            max_idle: 64,
            retry_after: Duration::from_secs(1),
            interceptors: crate::intercept::Interceptors::new(),
        }
    }
}

impl<P: Protocol, T: Transport, L: Layer> Builder<P, T, L> {
    /// Adds every address `addr` resolves to (a host name with several addresses spreads the
    /// calls over all of them).
    ///
    /// # Errors
    ///
    /// When the name cannot be resolved.
    pub fn tcp(mut self, addr: impl ToSocketAddrs) -> io::Result<Self> {
        let before = self.targets.len();
        self.targets
            .extend(addr.to_socket_addrs()?.map(Target::Tcp));
        if self.targets.len() == before {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the name resolves to no address",
            ));
        }
        Ok(self)
    }

    /// Adds a server listening on the Unix socket at `path`.
    #[cfg(unix)]
    #[must_use]
    pub fn unix(mut self, path: impl Into<PathBuf>) -> Self {
        self.targets.push(Target::Unix(path.into()));
        self
    }

    /// Adds servers.
    #[must_use]
    pub fn targets(mut self, targets: impl IntoIterator<Item = Target>) -> Self {
        self.targets.extend(targets);
        self
    }

    /// The protocol, transport and layers of every connection (default: binary, buffered).
    #[must_use]
    pub fn stack<P2: Protocol, T2: Transport, L2: Layer>(
        self,
        stack: Stack<P2, T2, L2>,
    ) -> Builder<P2, T2, L2> {
        Builder {
            targets: self.targets,
            stack,
            socket: self.socket,
            limits: self.limits,
            idempotent: self.idempotent,
            max_idle: self.max_idle,
            retry_after: self.retry_after,
            interceptors: self.interceptors,
        }
    }

    /// Connect timeout, read and write timeouts (which bound each call), `TCP_NODELAY`.
    #[must_use]
    pub fn socket(mut self, socket: TcpOptions) -> Self {
        self.socket = socket;
        self
    }

    /// The limits replies are read with.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Declares methods safe to run twice: a call of one whose connection breaks before
    /// its reply is sent again on another connection. Others fail with the error.
    #[must_use]
    pub fn idempotent<S: Into<String>>(mut self, methods: impl IntoIterator<Item = S>) -> Self {
        self.idempotent.extend(methods.into_iter().map(Into::into));
        self
    }

    /// How many idle connections are kept per server (default 64); more are closed when
    /// their call ends.
    #[must_use]
    pub fn max_idle_per_server(mut self, n: usize) -> Self {
        self.max_idle = n;
        self
    }

    /// How long a server that refused a connection or broke one is skipped (default 1 s).
    #[must_use]
    pub fn retry_after(mut self, d: Duration) -> Self {
        self.retry_after = d;
        self
    }

    /// Runs `interceptor` around every call of the client's callers, after those added
    /// before (see [`intercept`](crate::intercept)).
    #[must_use]
    pub fn interceptor(mut self, interceptor: impl crate::intercept::Interceptor) -> Self {
        self.interceptors = self.interceptors.with(interceptor);
        self
    }

    /// The client. Connections are opened when calls need them.
    ///
    /// # Panics
    ///
    /// When no server was given.
    pub fn build(mut self) -> SharedClient<P, T, L> {
        assert!(!self.targets.is_empty(), "a SharedClient needs a server");
        let servers = std::mem::take(&mut self.targets)
            .into_iter()
            .map(|target| Server {
                target,
                slot: Mutex::new(Slot {
                    idle: Vec::new(),
                    down_until: None,
                }),
            })
            .collect();
        SharedClient {
            inner: Arc::new(Inner {
                servers,
                settings: self,
                next_server: AtomicUsize::new(0),
                next_seqid: AtomicI32::new(0),
            }),
        }
    }
}

/// One client for many threads: see the [module documentation](self).
pub struct SharedClient<P = crate::ProtocolKind, T = crate::TransportKind, L = Plain>
where
    P: Protocol,
    T: Transport,
    L: Layer,
{
    inner: Arc<Inner<P, T, L>>,
}

impl<P: Protocol, T: Transport, L: Layer> Clone for SharedClient<P, T, L> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<P: Protocol, T: Transport, L: Layer> fmt::Debug for SharedClient<P, T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<String> = self
            .inner
            .servers
            .iter()
            .map(|s| s.target.to_string())
            .collect();
        f.debug_struct("SharedClient")
            .field("servers", &servers)
            .finish_non_exhaustive()
    }
}

impl SharedClient {
    /// A builder with the defaults: binary protocol, buffered transport, no layers.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

impl<P: Protocol, T: Transport, L: Layer> SharedClient<P, T, L> {
    /// A caller for a generated client: `FooClient::from_caller(shared.caller())`.
    pub fn caller(&self) -> SharedCaller<P, T, L> {
        SharedCaller {
            client: self.clone(),
            scratch: self.inner.settings.stack.protocol.writer(Vec::new()),
        }
    }

    /// How many idle connections the pool holds now, over all servers.
    pub fn idle_connections(&self) -> usize {
        self.inner.servers.iter().map(|s| s.lock().idle.len()).sum()
    }
}

struct Inner<P: Protocol, T: Transport, L: Layer> {
    servers: Vec<Server<P, T, L>>,
    /// What the builder was given (its targets moved into `servers`).
    settings: Builder<P, T, L>,
    next_server: AtomicUsize,
    next_seqid: AtomicI32,
}

struct Server<P: Protocol, T: Transport, L: Layer> {
    target: Target,
    slot: Mutex<Slot<P, T, L>>,
}

struct Slot<P: Protocol, T: Transport, L: Layer> {
    idle: Vec<Connection<P, T, L>>,
    /// Refused or broke a connection: skipped until then.
    down_until: Option<Instant>,
}

impl<P: Protocol, T: Transport, L: Layer> Server<P, T, L> {
    fn lock(&self) -> MutexGuard<'_, Slot<P, T, L>> {
        // Every change under this lock is one step; nothing in it panics halfway.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One pooled connection and the server it goes to.
struct Connection<P: Protocol, T: Transport, L: Layer> {
    reader: StackReader<P, T, L, ClientReadHalf>,
    writer: StackWriter<P, T, L, ClientWriteHalf>,
    server: usize,
}

impl<P: Protocol, T: Transport, L: Layer> Connection<P, T, L> {
    /// Whether the server closed this idle connection (or sent something unasked), found
    /// without waiting.
    fn is_stale(&self) -> bool {
        let end = Stack::<P, T, L>::read_end(&self.reader);
        input_ready(end.get_ref())
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn input_ready(stream: &Stream) -> bool {
    use nix::errno::Errno;
    use nix::sys::socket::{MsgFlags, recv};
    use std::os::fd::{AsFd, AsRawFd};
    let mut byte = [0u8; 1];
    loop {
        match recv(
            stream.as_fd().as_raw_fd(),
            &mut byte,
            MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT,
        ) {
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => return false,
            Ok(_) | Err(_) => return true,
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn input_ready(_: &Stream) -> bool {
    false
}

impl<P: Protocol, T: Transport, L: Layer> Inner<P, T, L> {
    /// A connection for the next call: an idle one of the next server round robin, or a
    /// new one. Servers marked down are skipped, unless all of them are.
    fn lease(&self, avoid: Option<usize>) -> Result<Connection<P, T, L>> {
        let n = self.servers.len();
        let start = self.next_server.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut last_error = None;
        for pass in 0..2 {
            for i in 0..n {
                let index = (start + i) % n;
                if n > 1 && avoid == Some(index) && pass == 0 {
                    continue;
                }
                let server = &self.servers[index];
                let mut slot = server.lock();
                let down = slot.down_until.is_some_and(|until| now < until);
                if pass == 0 && down {
                    continue;
                }
                while let Some(connection) = slot.idle.pop() {
                    if !connection.is_stale() {
                        return Ok(connection);
                    }
                }
                drop(slot);
                match self.open(index) {
                    Ok(connection) => {
                        server.lock().down_until = None;
                        return Ok(connection);
                    }
                    Err(e) => {
                        self.mark_down(index);
                        last_error = Some(format!("{}: {e}", server.target));
                    }
                }
            }
            // Every server was skipped or failed: try them all once more, down or not.
        }
        Err(Error::Transport(TransportError::new(
            TransportErrorKind::Io,
            format!(
                "no server could be reached ({})",
                last_error.unwrap_or_else(|| "none tried".to_owned())
            ),
        )))
    }

    fn open(&self, index: usize) -> io::Result<Connection<P, T, L>> {
        let stream = match &self.servers[index].target {
            Target::Tcp(addr) => super::connect::tcp(addr, &self.settings.socket)?,
            #[cfg(unix)]
            Target::Unix(path) => super::connect::unix(path, &self.settings.socket)?,
        };
        let (reader, writer) =
            super::connect::with_stack(stream, &self.settings.stack, &self.settings.limits)?;
        Ok(Connection {
            reader,
            writer,
            server: index,
        })
    }

    fn mark_down(&self, index: usize) {
        let mut slot = self.servers[index].lock();
        slot.down_until = Some(Instant::now() + self.settings.retry_after);
        // Its other idle connections are likely broken too.
        slot.idle.clear();
    }

    /// Gives a connection whose call ended cleanly back to the pool.
    fn release(&self, connection: Connection<P, T, L>) {
        let mut slot = self.servers[connection.server].lock();
        if slot.idle.len() < self.settings.max_idle {
            slot.idle.push(connection);
        }
    }

    /// Writes a whole encoded message on a leased connection.
    fn write(connection: &mut Connection<P, T, L>, message: &[u8]) -> Result<()> {
        let sink = P::sink_mut(&mut connection.writer);
        sink.write_all(message)?;
        sink.flush()?;
        Ok(())
    }
}

/// The [`Caller`] of a [`SharedClient`]: each call takes a pooled connection for itself.
/// Cloning it is cheap (the clone has its own encoding buffer).
pub struct SharedCaller<P = crate::ProtocolKind, T = crate::TransportKind, L = Plain>
where
    P: Protocol,
    T: Transport,
    L: Layer,
{
    client: SharedClient<P, T, L>,
    /// The call being made, encoded: sent again as it is when an idempotent call is retried.
    scratch: P::Writer<Vec<u8>>,
}

impl<P: Protocol, T: Transport, L: Layer> Clone for SharedCaller<P, T, L> {
    fn clone(&self) -> Self {
        self.client.caller()
    }
}

impl<P: Protocol, T: Transport, L: Layer> fmt::Debug for SharedCaller<P, T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedCaller")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// A call sent by a [`SharedCaller`], waiting for its reply.
pub struct SharedPending<P: Protocol, T: Transport, L: Layer> {
    connection: Option<Connection<P, T, L>>,
    seqid: i32,
}

impl<P: Protocol, T: Transport, L: Layer> fmt::Debug for SharedPending<P, T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedPending")
            .field("seqid", &self.seqid)
            .finish_non_exhaustive()
    }
}

impl<P: Protocol, T: Transport, L: Layer> SharedCaller<P, T, L> {
    fn message(&mut self) -> &[u8] {
        P::sink_mut(&mut self.scratch)
    }

    /// Sends the encoded call on a leased connection (not `avoid`'s server when there is a
    /// choice); a broken connection is dropped and its server marked down.
    fn send_encoded(&mut self, avoid: Option<usize>) -> Result<Connection<P, T, L>> {
        let inner = Arc::clone(&self.client.inner);
        let mut connection = inner.lease(avoid)?;
        match Inner::write(&mut connection, self.message()) {
            Ok(()) => Ok(connection),
            Err(e) => {
                inner.mark_down(connection.server);
                Err(e)
            }
        }
    }
}

/// Whether `e` says the connection broke (rather than the peer answering badly).
fn connection_broke(e: &Error) -> bool {
    matches!(
        e,
        Error::Transport(t) if matches!(t.kind(), TransportErrorKind::Io | TransportErrorKind::UnexpectedEof)
    )
}

impl<P: Protocol, T: Transport, L: Layer> Caller for SharedCaller<P, T, L> {
    type Writer = P::Writer<Vec<u8>>;
    type Pending = SharedPending<P, T, L>;

    fn interceptors(&self) -> Option<&crate::intercept::Interceptors> {
        let interceptors = &self.client.inner.settings.interceptors;
        (!interceptors.is_empty()).then_some(interceptors)
    }

    fn seqid_of(pending: &SharedPending<P, T, L>) -> i32 {
        pending.seqid
    }

    fn send(
        &mut self,
        method: &str,
        kind: MessageType,
        channel: u8,
        write_args: impl FnOnce(&mut Self::Writer) -> Result<()>,
    ) -> Result<SharedPending<P, T, L>> {
        P::sink_mut(&mut self.scratch).clear();
        let seqid = self
            .client
            .inner
            .next_seqid
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        let header = MessageHeader {
            name: method,
            kind,
            seqid,
            channel,
        };
        let written = self
            .scratch
            .write_message_begin(&header)
            .and_then(|()| write_args(&mut self.scratch))
            .and_then(|()| self.scratch.write_message_end());
        if let Err(e) = written {
            self.scratch.discard_message();
            return Err(e);
        }
        let retry = self.client.inner.settings.idempotent.contains(method);
        let connection = match self.send_encoded(None) {
            Ok(connection) => connection,
            Err(e) if retry && connection_broke(&e) => self.send_encoded(None)?,
            Err(e) => return Err(e),
        };
        if kind == MessageType::Oneway {
            self.client.inner.release(connection);
            return Ok(SharedPending {
                connection: None,
                seqid,
            });
        }
        Ok(SharedPending {
            connection: Some(connection),
            seqid,
        })
    }

    fn receive<R: ReadThrift>(
        &mut self,
        method: &str,
        pending: SharedPending<P, T, L>,
    ) -> Result<R> {
        let inner = Arc::clone(&self.client.inner);
        let Some(mut connection) = pending.connection else {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Io,
                format!("`{method}` is oneway: it has no reply"),
            )));
        };
        let mut tries = inner.servers.len();
        loop {
            match read_reply(&mut connection.reader, method, pending.seqid) {
                Ok(reply) => {
                    inner.release(connection);
                    return Ok(reply);
                }
                Err(e)
                    if connection_broke(&e)
                        && tries > 0
                        && inner.settings.idempotent.contains(method) =>
                {
                    tries -= 1;
                    inner.mark_down(connection.server);
                    let avoid = Some(connection.server);
                    drop(connection);
                    connection = self.send_encoded(avoid)?;
                }
                Err(e) => {
                    if connection_broke(&e) {
                        inner.mark_down(connection.server);
                    }
                    // Out of step, or broken: not used again.
                    return Err(e);
                }
            }
        }
    }

    fn can_carry_fds(&self) -> bool {
        false
    }
}
