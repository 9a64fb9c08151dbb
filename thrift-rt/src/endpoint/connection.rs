//! A connected endpoint: one socket, a writer shared by every thread, and the reading handed
//! from thread to thread (leader/follower).
//!
//! ```text
//!   callers ──encode──► [write lock] ──one write per message──► socket
//!   socket ──► whoever holds the reading ──┬─ its own reply: returns with it
//!                                          ├─ another caller's reply ──► pending[seqid]
//!                                          └─ a call ──► runs it (or queues it for a thread)
//! ```
//!
//! At most one thread reads the socket at a time: it *holds the reading*. Nobody reads on
//! behalf of anybody when that can be avoided, so the common paths cost what a plain
//! connection costs, one thread wake-up per message:
//!
//! - **A caller waiting for its reply reads the socket itself** when nobody else is
//!   reading: the reply wakes that caller and nobody else. Replies for other callers and
//!   incoming calls it meets on the way are handed over (a reply to its caller, a call to a
//!   thread of the connection). When it has its reply it passes the reading to another
//!   waiting caller, if any, or back to the connection's idle threads.
//! - **The connection's idle threads** all wait on the socket through one `epoll` instance
//!   (`watch.rs`), which wakes one of them when bytes come while nobody reads. The thread
//!   woken reads the message; if it is a call and nothing further is buffered, it gives the
//!   reading back (re-arming the socket for the threads still asleep) and **runs the call
//!   itself**, so a call costs no hand-off either. If no other thread is idle it starts one
//!   first, so someone always watches the socket while handlers run: a handler that takes
//!   long, or calls the peer and waits (nested callbacks), never keeps other messages
//!   unread.
//! - Bytes of a further message already buffered go to the next reader without waiting
//!   for the socket (`pending_read`).
//!
//! Reading never waits inside a message (`inbound.rs`): a caller's wait is bounded by its
//! timeout whatever the peer does. A caller without a timeout waits in the socket read
//! itself; one with a timeout polls the socket with what is left of it.
//!
//! When the connection closes, every waiting caller wakes at once with an error, the idle
//! threads wake through the doorbell and end, and a caller blocked on the socket wakes as it
//! is shut down.

use super::pending::Wake;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use crate::__private::write_exception;
use crate::application::{ApplicationError, ApplicationErrorKind};
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::limits::Limits;
use crate::protocol::{BinaryReader, BinaryWriter, ProtocolReader};
use crate::stack::{Binary, Layer, MessageLen, Transport};
use crate::transport::Sink;
use crate::transport::memory::BytesSource;
use crate::transport::stream::Stream;
use crate::ttype::{MessageHeader, MessageType};

use super::Services;
use super::inbound::{Inbound, Polled, Reader};
use super::message::{Incoming, Outgoing};
use super::outbox::{Batch, BatchEnd, Outbox};
use super::pending::{Delivery, Pending, Turn};
use super::socket_end::SocketEnd;
use super::watch::{SocketWatch, Watch, Woken};

/// How long a call may delay the calls buffered behind it before another thread takes
/// them (see `read_and_serve`).
const LEND: Duration = Duration::from_millis(1);

/// What comes after the reading is given up (see `pass_reading`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    /// Nothing is buffered: the watch waits for the socket.
    Nothing,
    /// Bytes of a further message are buffered: a thread takes them now.
    Buffered,
    /// Lent: the thread giving up the reading takes it back when it is done (a thread
    /// serving a call, for the next message; a caller, for its next call), so a connection
    /// busy with one call after another costs no hand-over and no system call. If it has
    /// not within [`LEND`] (twice that at most: see [`Lending`]), the timer wakes an idle
    /// thread to take it. The socket stays disarmed meanwhile: what arrives waits that long
    /// at most.
    Lent,
}

/// How many times a caller waiting for its reply yields the CPU before it sleeps.
const YIELDS_BEFORE_PARKING: usize = 50;

/// How long an idle thread of a connection stays around when another one watches.
const IDLE_EXIT: Duration = Duration::from_secs(10);

thread_local! {
    /// The connection whose call this thread is serving, for `Endpoint::current`.
    static CURRENT: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

/// The connection whose call the current thread is serving.
pub(crate) fn current() -> Option<Arc<Shared>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Settings of one connection.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) limits: Limits,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) max_workers: usize,
    /// Run around the calls the endpoint serves and makes.
    pub(crate) interceptors: crate::intercept::Interceptors,
}

/// The state every handle and every thread of one connection share.
pub(crate) struct Shared {
    /// This connection, for the threads it starts.
    this: Weak<Shared>,
    pub(crate) settings: Settings,
    next_seqid: AtomicI32,
    /// `None` once closed: handlers made for this connection may hold its endpoint, and
    /// dropping them breaks that cycle.
    services: Mutex<Option<Arc<Services>>>,
    outbox: Outbox,
    /// Whether the transport carries descriptors.
    pub(crate) carries_fds: bool,
    /// Only ever locked by the thread holding the reading.
    inbound: Mutex<Box<dyn Inbound>>,
    /// A handle on the socket: watched, polled and shut down; never read or written.
    control: Stream,
    watch: Watch,
    state: Mutex<State>,
    peer: String,
    /// The interceptors and peer the calls served see; `None` without interceptors.
    intercept: Option<Arc<crate::intercept::ConnContext>>,
    /// The peer's credentials, for Unix sockets; handlers see them through
    /// [`peer::current`](crate::peer::current).
    #[cfg(unix)]
    pub(crate) credentials: Option<Arc<crate::peer::PeerCredentials>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

/// How long the reading has been lent ([`After::Lent`]), counted in goings-off of the
/// timer rather than read from a clock (a clock read a message cost more than the rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lending {
    /// Lent while the timer was already set (for an earlier lending): the timer's next
    /// going-off only sets it again, for this lending.
    Untimed,
    /// The timer was set while this lending stood: when it goes off, the reading has been
    /// lent for [`LEND`] at least.
    Timed,
    /// Lent for `LEND` at least (`2 × LEND` at most): an idle thread takes the reading.
    Stale,
}

#[derive(Debug, Default)]
struct State {
    pending: Pending,
    /// Somebody holds the reading.
    reading: bool,
    /// Bytes of a further message are buffered: the next reader polls before waiting.
    pending_read: bool,
    /// The reading is lent ([`After::Lent`]): a thread of the connection takes it only once
    /// the lending is stale.
    lent: Option<Lending>,
    /// The timer is set. It is not stopped when a lent reading is taken back (that would
    /// cost a system call a message): it goes off at most once per `LEND`, and is set again
    /// for a newer lending.
    timer_set: bool,
    /// The last message read was a call (so an idle thread may wait in the socket read):
    /// the connection serves more than it calls, for now.
    serving: bool,
    /// Where the socket stands in the watch.
    socket_watch: SocketWatch,
    /// Calls waiting for a thread.
    jobs: VecDeque<Incoming>,
    /// Answers to calls refused while every thread was busy, sent by the next one free.
    refusals: Vec<Outgoing>,
    threads: usize,
    /// Threads waiting in the watch.
    watching: usize,
    closed: bool,
    why_closed: Option<String>,
    handles: Vec<JoinHandle<()>>,
}

impl Shared {
    /// Starts serving `stream` over `transport` and `layer`: one thread to begin with, which
    /// waits for the first message.
    pub(crate) fn start<T: Transport, L: Layer>(
        stream: Stream,
        transport: &T,
        layer: &L,
        settings: Settings,
        services: &dyn Fn(&Arc<Shared>) -> Arc<Services>,
    ) -> std::io::Result<Arc<Shared>> {
        let limits = settings.limits;
        let gated = transport
            .message_len(&Binary, &[], &limits)
            .map_err(std::io::Error::other)?
            != MessageLen::Unknown;
        let read = stream.try_clone()?;
        let control = stream.try_clone()?;
        let peer = stream.peer();
        #[cfg(unix)]
        let credentials = crate::peer::of_stream(&stream);
        let batch = Batch::new(stream.try_clone()?);
        let write = BatchEnd::new(stream, Arc::clone(&batch));
        let (read, write) = layer.wrap(SocketEnd::new(read, !gated), write)?;
        let mut sink = transport.sink(write, &limits)?;
        // THeader sends it with each call, so the peer knows how long callers wait.
        sink.set_call_timeout(settings.call_timeout);
        let inbound = Reader::<T, L>::new(transport, read, gated, limits);
        let carries_fds = sink.can_carry_fds();
        let outbox = Outbox::new::<T, L>(transport, Box::new(sink), batch)?;
        let watch = Watch::new(&control)?;
        let intercept = crate::intercept::ConnContext::of(&settings.interceptors, &peer);
        let shared = Arc::new_cyclic(|this| Shared {
            this: this.clone(),
            carries_fds,
            outbox,
            settings,
            next_seqid: AtomicI32::new(0),
            services: Mutex::new(None),
            inbound: Mutex::new(Box::new(inbound)),
            control,
            watch,
            state: Mutex::new(State::default()),
            peer,
            intercept,
            #[cfg(unix)]
            credentials,
        });
        if std::env::var_os("THRIFT_DEBUG_ADDRS").is_some() {
            eprintln!(
                "state {:p} inbound {:p} services {:p} outbox {:p}",
                &shared.state, &shared.inbound, &shared.services, &shared.outbox
            );
        }
        // Made before the first message is read, so that it finds them.
        *lock(&shared.services) = Some(services(&shared));
        let mut state = shared.lock();
        shared.spawn(&mut state)?;
        drop(state);
        Ok(shared)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing inside the lock can panic halfway (handlers run outside it).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the connection is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// How many calls wait for a reply.
    pub(crate) fn pending_calls(&self) -> usize {
        self.lock().pending.len()
    }

    /// A fresh sequence id (wrapping, as Apache's clients do).
    pub(crate) fn next_seqid(&self) -> i32 {
        self.next_seqid
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
    }

    /// Registers a call that waits for its reply, before it is sent; fails once the
    /// connection is closed.
    ///
    /// The caller takes the reading only once its call is sent (in `wait_reply`), though
    /// a reply quick enough may then wake a thread of the connection first: whoever holds
    /// the reading must never be blocked writing, or two peers writing to each other with
    /// full socket buffers would both stop reading.
    pub(crate) fn register(&self, seqid: i32, channel: u8) -> Result<()> {
        let mut state = self.lock();
        if state.closed {
            return Err(closed_error(&self.peer, state.why_closed.as_deref()));
        }
        state.pending.register(seqid, channel);
        Ok(())
    }

    /// Takes the reading if nobody holds it (taking the socket out of the watch).
    fn take_reading(&self, state: &mut State) -> bool {
        if state.reading || state.closed {
            return false;
        }
        state.reading = true;
        state.pending_read = false;
        state.lent = None;
        self.watch.unwatch(&self.control, &mut state.socket_watch);
        true
    }

    /// Forgets a call whose request could not be sent.
    pub(crate) fn forget(&self, seqid: i32) {
        let mut state = self.lock();
        if state.pending.forget(seqid) {
            self.pass_reading(state, After::Nothing);
        }
    }

    /// Writes one whole message (frame header and descriptors included) with one system
    /// call where the socket takes it all.
    pub(crate) fn send(&self, mut message: Outgoing) -> Result<()> {
        self.outbox.frame(&mut message)?;
        let result = self.outbox.send(message);
        result.inspect_err(|error| self.close(&format!("write failed: {error}")))
    }

    /// Sends `reply` with the next write: see [`Outbox::hold`]. The thread holding replies
    /// flushes them before it waits for anything.
    fn hold(&self, mut reply: Outgoing) -> Result<()> {
        self.outbox.frame(&mut reply)?;
        let result = self.outbox.hold(reply);
        result.inspect_err(|error| self.close(&format!("write failed: {error}")))
    }

    /// Sends the replies held.
    fn flush(&self) {
        if let Err(error) = self.outbox.flush() {
            self.close(&format!("write failed: {error}"));
        }
    }

    /// A buffer for one outgoing message (the thread's last one, when it has one).
    pub(crate) fn outgoing(&self) -> Outgoing {
        let header = self.outbox.header_room();
        super::message::outgoing(header, &self.settings.limits, self.carries_fds)
    }

    /// Closes the connection: every waiting caller wakes with an error, the threads finish
    /// what they run and end. Idempotent.
    pub(crate) fn close(&self, why: &str) {
        let mut state = self.lock();
        if state.closed {
            return;
        }
        tracing::debug!("endpoint connection to {} closing: {why}", self.peer);
        state.closed = true;
        state.why_closed = Some(why.to_owned());
        state.pending.close();
        drop(state);
        self.watch.ring_forever();
        // Wakes a caller reading the socket; errors mean it is already gone.
        let _ = self.control.shutdown(Shutdown::Both);
    }

    /// Waits for the connection's threads to end (after [`close`](Self::close), or until
    /// the peer closes), unless called from one of them (which would wait for itself); then
    /// drops the services, which may hold this connection's endpoint.
    pub(crate) fn join(&self) {
        if on_crew_thread() {
            return;
        }
        loop {
            let handles = std::mem::take(&mut self.lock().handles);
            if handles.is_empty() {
                break;
            }
            for handle in handles {
                let _ = handle.join();
            }
        }
        lock(&self.services).take();
    }

    /// Waits for the reply to call `seqid` (of `method`), reading the socket itself when
    /// nobody else does, for at most `timeout`.
    pub(crate) fn wait_reply(
        &self,
        seqid: i32,
        method: &str,
        timeout: Option<Duration>,
    ) -> Result<Incoming> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.lock();
        loop {
            let lead = match state.pending.turn(seqid) {
                Turn::Reply(reply) => return Ok(reply),
                Turn::Gone => return Err(closed_error(&self.peer, state.why_closed.as_deref())),
                Turn::Lead => true,
                Turn::Wait => self.take_reading(&mut state),
            };
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                state.pending.forget(seqid);
                if lead {
                    // Whatever is buffered goes to the next reader.
                    self.pass_reading(state, After::Buffered);
                }
                return Err(timed_out(method, timeout.unwrap_or_default()));
            }
            if lead {
                drop(state);
                if let Some(reply) = self.read_for(seqid, deadline) {
                    return Ok(reply);
                }
                state = self.lock();
                continue;
            }
            // Whoever delivers the reply, hands over the reading or closes the connection
            // unparks this thread after changing the state: if that comes before the park,
            // the park returns at once. Other wake-ups only make it look again.
            let me = Pending::this_thread();
            me.reset();
            drop(state);
            // Before sleeping, give the CPU to whoever can run a few times: when the reply
            // comes meanwhile, this thread needs no wake-up (a system call for the reader,
            // and on a virtual machine often an interrupt to a halted CPU). Under load this
            // carries a third more calls through a shared connection (BENCHMARKS.md); a
            // caller alone reads its reply itself and never gets here.
            for _ in 0..YIELDS_BEFORE_PARKING {
                if me.woken() {
                    break;
                }
                std::thread::yield_now();
            }
            if !me.woken() {
                match left {
                    None => std::thread::park(),
                    Some(left) => std::thread::park_timeout(left),
                }
            }
            state = self.lock();
        }
    }

    /// Reads the socket for a caller waiting for `seqid`, until its reply is in (returned,
    /// the call forgotten), its deadline passes, or the connection ends; then passes the
    /// reading on. Calls it meets go to the connection's threads (this caller is busy
    /// waiting).
    fn read_for(&self, seqid: i32, deadline: Option<Instant>) -> Option<Incoming> {
        // Without a deadline the socket read itself waits; with one, the socket is polled
        // first (the reply is rarely there the moment the call is sent).
        let blocking = deadline.is_none();
        // Only the thread holding the reading locks it: held throughout.
        let mut inbound = lock(&self.inbound);
        let mut ready = blocking || inbound.has_pending();
        if blocking {
            inbound.wait_for_socket(true);
        }
        let (state, pending, reply) = loop {
            if !ready && !self.wait_readable(deadline) {
                break (self.lock(), false, None);
            }
            ready = true;
            match self.next_message(&mut **inbound) {
                Next::Call(message) => self.queue(message),
                Next::Reply(route, message) => {
                    let pending = inbound.has_pending();
                    let mut state = self.lock();
                    // Its own reply: taken at once, never stored for itself.
                    if route.seqid == seqid && state.pending.claim(seqid, route.channel) {
                        break (state, pending, Some(message));
                    }
                    let wake = self.deliver(&mut state, route, message);
                    drop(state);
                    wake.inspect(|w| w.wake());
                }
                Next::Empty => ready = false,
                Next::Closed => return None,
            }
        };
        if blocking {
            inbound.wait_for_socket(false);
        }
        drop(inbound);
        // Lent, for this caller's next call, only while an idle thread can take the reading
        // when the timer goes off: the callers waiting may be all the connection's threads
        // (handlers calling back).
        let after = if state.watching > 0 {
            After::Lent
        } else if pending {
            After::Buffered
        } else {
            After::Nothing
        };
        self.pass_reading(state, after);
        reply
    }

    /// The next message for the thread holding the reading, from `inbound` (locked by it);
    /// a connection that ended or broke is closed (and the reading dropped) here.
    fn next_message(&self, inbound: &mut dyn Inbound) -> Next {
        let polled = inbound.poll();
        let why = match polled {
            Ok(Polled::Message(message)) => match route(&message, self.settings.limits) {
                Ok(route) if route.kind.is_call() => return Next::Call(message),
                Ok(route) => return Next::Reply(route, message),
                Err(e) => format!("bad message from the peer: {e}"),
            },
            Ok(Polled::Empty) => return Next::Empty,
            Ok(Polled::Ended) => "the peer closed the connection".to_owned(),
            Err(e) => format!("read failed: {e}"),
        };
        self.close(&why);
        self.lock().reading = false;
        Next::Closed
    }

    /// Waits until the socket is readable or `deadline`; `false` at the deadline.
    fn wait_readable(&self, deadline: Option<Instant>) -> bool {
        let timeout = match deadline {
            None => PollTimeout::NONE,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return false;
                }
                // Rounded up, so the wait does not end just before the deadline.
                let ms = left.as_micros().div_ceil(1000);
                PollTimeout::try_from(u32::try_from(ms).unwrap_or(u32::MAX))
                    .unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = [PollFd::new(self.control.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(0) => deadline.is_none_or(|d| Instant::now() < d),
            // Readable, hung up or failed: the next poll of the reader says which.
            Ok(_) | Err(_) => true,
        }
    }

    /// Gives up the reading: to a caller still waiting for its reply, else to whichever
    /// thread of the connection comes first, when bytes of a further message are buffered
    /// (at once, or once the timer goes off: see [`After`]), else back to the watch.
    fn pass_reading(&self, mut state: MutexGuard<'_, State>, after: After) {
        state.reading = false;
        if state.closed {
            return;
        }
        if after == After::Lent {
            return self.lend(&mut state);
        }
        if let Some(wake) = state.pending.hand_lead() {
            state.reading = true;
            drop(state);
            return wake.wake();
        }
        match after {
            After::Buffered => {
                state.pending_read = true;
                self.wake_a_thread(&mut state);
            }
            After::Nothing => {
                self.watch.arm(&self.control, &mut state.socket_watch);
            }
            After::Lent => {}
        }
    }

    /// Lends the reading (see [`After::Lent`]).
    fn lend(&self, state: &mut State) {
        state.pending_read = true;
        state.lent = Some(if state.timer_set {
            Lending::Untimed
        } else {
            self.watch.start_timer(LEND);
            state.timer_set = true;
            Lending::Timed
        });
    }

    /// Makes sure some thread of the connection will look at its state soon: wakes an idle
    /// one or starts one (up to `max_workers`).
    fn wake_a_thread(&self, state: &mut State) {
        if state.watching > 0 {
            self.watch.ring();
        } else if state.threads < self.settings.max_workers {
            if let Err(e) = self.spawn(state) {
                tracing::warn!("cannot start an endpoint thread: {e}");
            }
        }
    }

    /// Queues a call for a thread of the connection, or refuses it when every thread is busy
    /// and as many calls wait already.
    fn queue(&self, message: Incoming) {
        let mut state = self.lock();
        if state.closed {
            return;
        }
        let busy = state.watching == 0 && state.threads >= self.settings.max_workers;
        if busy && state.jobs.len() >= self.settings.max_workers {
            // Answered by a thread of the connection: this one holds the reading and must
            // not write.
            if let Some(refusal) = self.refusal(&message, "the endpoint is overloaded") {
                state.refusals.push(refusal);
            }
            return;
        }
        state.jobs.push_back(message);
        self.wake_a_thread(&mut state);
    }

    /// Hands a reply to its waiting caller.
    /// Returns what wakes the caller, to be notified once the state lock is released.
    fn deliver(&self, state: &mut State, route: Route, message: Incoming) -> Option<Arc<Wake>> {
        let name = |message: &Incoming| {
            header(message, self.settings.limits).map_or_else(|_| "?".to_owned(), |h| h.name)
        };
        match state.pending.deliver(route.seqid, route.channel, message) {
            Delivery::Delivered(wake) => return wake,
            Delivery::Unknown(message) => tracing::debug!(
                "reply `{}` #{} from {} has no waiting caller (timed out?); dropped",
                name(&message),
                route.seqid,
                self.peer
            ),
            Delivery::WrongChannel(expected, message) => tracing::warn!(
                "reply `{}` #{} came on channel {}, the call went out on {expected}; dropped",
                name(&message),
                route.seqid,
                route.channel
            ),
        }
        None
    }

    /// The exception answering a call the endpoint cannot serve (none for a oneway call,
    /// which is dropped).
    fn refusal(&self, message: &Incoming, why: &str) -> Option<Outgoing> {
        let header = header(message, self.settings.limits).ok()?;
        if header.kind == MessageType::Oneway {
            tracing::warn!("oneway `{}` dropped: {why}", header.name);
            return None;
        }
        let exception = ApplicationError::new(ApplicationErrorKind::InternalError, why);
        let mut w = BinaryWriter::new(self.outgoing());
        write_exception(&mut w, &header, &exception).ok()?;
        Some(w.into_inner())
    }
}

/// The connection's threads.
impl Shared {
    /// Starts one more thread for the connection.
    fn spawn(&self, state: &mut State) -> std::io::Result<()> {
        // Every `Shared` lives in the `Arc` made in `start`, which whoever calls this holds.
        let shared = self.this.upgrade().expect("the connection is alive");
        let handle = std::thread::Builder::new()
            .name("thrift-endpoint".to_owned())
            .spawn(move || shared.run())?;
        state.threads += 1;
        state.handles.push(handle);
        Ok(())
    }

    /// One thread of the connection: runs queued calls, takes the reading when bytes are
    /// buffered or the socket wakes it, and waits in the watch otherwise. The last idle
    /// thread stays; others end after [`IDLE_EXIT`].
    fn run(self: Arc<Self>) {
        mark_crew_thread();
        // Set before the first thread starts; each thread keeps its own handle on them.
        let Some(services) = lock(&self.services).clone() else {
            return self.lock().threads -= 1;
        };
        // What the handlers see of their call's connection: the same for every call this
        // thread serves (a connection's threads serve no other), so set once for the
        // thread's life rather than per call.
        CURRENT.with(|c| *c.borrow_mut() = Some(Arc::clone(&self)));
        #[cfg(unix)]
        let _peer = crate::peer::enter(self.credentials.clone());
        let _intercept = crate::intercept::enter(self.intercept.as_ref());
        let mut state = self.lock();
        loop {
            if !state.refusals.is_empty() {
                let refusals = std::mem::take(&mut state.refusals);
                drop(state);
                for refusal in refusals {
                    let _ = self.send(refusal);
                }
                state = self.lock();
                continue;
            }
            if let Some(call) = state.jobs.pop_front() {
                drop(state);
                self.serve(&services, call, Reply::Send);
                state = self.lock();
                continue;
            }
            // Bytes already buffered: take them. Serving, and nobody reads: this thread
            // becomes the reader and waits in the socket read itself, so that a call wakes
            // it directly, as it would a plain server's thread; other idle threads wait in
            // the watch for the doorbell and the timer (the socket is disarmed while somebody
            // reads). Not while the connection's own callers read their replies: they could
            // not take the reading from a thread waiting in the read.
            let lent_fresh = state.lent.is_some_and(|l| l != Lending::Stale);
            let blocking = match (state.pending_read && !lent_fresh, state.serving) {
                (true, serving) => Some(serving),
                (false, true) => Some(true),
                (false, false) => None,
            };
            if let Some(blocking) = blocking.filter(|_| self.take_reading(&mut state)) {
                drop(state);
                self.read_and_serve(&services, blocking);
                state = self.lock();
                continue;
            }
            if state.closed {
                break;
            }
            state.watching += 1;
            drop(state);
            let woken = self.watch.wait(IDLE_EXIT);
            state = self.lock();
            state.watching -= 1;
            match woken {
                Woken::Socket => {
                    // Unless somebody took the socket out of the watch since (and maybe put
                    // it back: then the one-shot wake-up spent is this one or a fresh one,
                    // either way re-armed or taken out from here on).
                    if state.socket_watch == SocketWatch::Armed {
                        state.socket_watch = SocketWatch::Fired;
                    }
                    if self.take_reading(&mut state) {
                        drop(state);
                        self.read_and_serve(&services, false);
                        state = self.lock();
                    }
                }
                Woken::Doorbell => {}
                Woken::Timer => {
                    // A thread serving a burst of calls holds replies while it runs the next
                    // one; that one has taken at least `LEND`: send them.
                    drop(state);
                    self.flush();
                    state = self.lock();
                    state.timer_set = false;
                    match state.lent {
                        Some(Lending::Timed) => state.lent = Some(Lending::Stale),
                        Some(Lending::Untimed) => {
                            // Lent again since the timer was set: one more `LEND` for it.
                            self.watch.start_timer(LEND);
                            state.timer_set = true;
                            state.lent = Some(Lending::Timed);
                        }
                        Some(Lending::Stale) | None => {}
                    }
                }
                Woken::Timeout if state.watching > 0 && state.jobs.is_empty() => break,
                Woken::Timeout => {}
            }
        }
        state.threads -= 1;
        let last = state.threads == 0;
        drop(state);
        CURRENT.with(|c| c.borrow_mut().take());
        if last {
            // Handlers made for this connection may hold its endpoint: dropping them breaks
            // that cycle once nothing can run them any more.
            lock(&self.services).take();
        }
    }

    /// Holding the reading: reads what has arrived; replies go to their callers, calls are
    /// run here, one after another.
    ///
    /// Before running a call the reading is *lent* ([`After::Lent`]), so that a handler
    /// calling the peer can read its reply: this thread takes it back after the call and
    /// reads on, unless the call takes longer than [`LEND`] (up to twice that), when the
    /// timer wakes another thread to take it. So calls one after another, or a burst of
    /// them read at once, cost no hand-off between threads when handlers are quick, and a
    /// slow handler delays what comes after it by at most `2 × LEND`.
    fn read_and_serve(&self, services: &Services, blocking: bool) {
        loop {
            // One lock of the reader per message. `blocking`: the socket read waits while
            // this thread reads, and stops waiting before the reading can be given up.
            let mut inbound = lock(&self.inbound);
            if blocking {
                inbound.wait_for_socket(true);
            }
            let next = self.next_message(&mut **inbound);
            let buffered = inbound.has_pending();
            if blocking {
                inbound.wait_for_socket(false);
            }
            drop(inbound);
            match next {
                Next::Reply(route, message) => {
                    let mut state = self.lock();
                    let wake = self.deliver(&mut state, route, message);
                    state.serving = false;
                    drop(state);
                    wake.inspect(|w| w.wake());
                    if blocking {
                        // Callers are at work: let them read their own replies.
                        self.pass_reading(self.lock(), After::Nothing);
                        return self.flush();
                    }
                }
                Next::Call(message) => {
                    let mut state = self.lock();
                    state.serving = true;
                    // Someone must watch the socket while this thread runs the call.
                    let unwatched = state.watching == 0 && !state.closed;
                    if unwatched && state.threads < self.settings.max_workers {
                        if let Err(e) = self.spawn(&mut state) {
                            tracing::warn!("cannot start an endpoint thread: {e}");
                        }
                    }
                    if buffered && state.watching == 0 {
                        // Every thread is busy: nobody could take the calls behind this
                        // one in time. Queue it (refused beyond the queue's bound) and
                        // read on.
                        drop(state);
                        self.queue(message);
                        continue;
                    }
                    if state.watching == 0 {
                        // Nobody idle to take a lent reading: the watch has it.
                        self.pass_reading(state, After::Nothing);
                        self.flush();
                        return self.serve(services, message, Reply::Send);
                    }
                    self.pass_reading(state, After::Lent);
                    let reply = if buffered { Reply::Hold } else { Reply::Send };
                    self.serve(services, message, reply);
                    if !self.take_reading(&mut self.lock()) {
                        // Taken by someone else meanwhile.
                        return self.flush();
                    }
                }
                Next::Empty => {
                    self.pass_reading(self.lock(), After::Nothing);
                    // Not while holding the reading: see `register`.
                    return self.flush();
                }
                Next::Closed => return,
            }
        }
    }

    /// Runs a call: decodes it, runs the service of its channel, writes the reply (or holds
    /// it, to go with the replies of the calls read behind it). Only on a thread of the
    /// connection ([`run`](Self::run)), which has the connection's context set.
    fn serve(&self, services: &Services, message: Incoming, reply: Reply) {
        serve_call(self, services, message, reply);
    }
}

/// What to do with the reply to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    /// Write it now.
    Send,
    /// More calls were read behind this one: keep the reply for the write of theirs
    /// ([`Outbox::hold`]), so that a burst of calls is answered with one write. The thread
    /// serving the burst flushes before it waits; if its next call takes longer than
    /// [`LEND`], the thread the timer wakes flushes.
    Hold,
}

/// What the thread holding the reading found.
enum Next {
    Call(Incoming),
    Reply(Route, Incoming),
    /// Nothing whole, and the socket has nothing more for now.
    Empty,
    /// The connection is closed (now or before); the reading is dropped.
    Closed,
}

/// What routing a message needs: its kind, sequence id and channel.
#[derive(Clone, Copy, Debug)]
struct Route {
    kind: MessageType,
    seqid: i32,
    channel: u8,
}

/// The [`Route`] of a message read whole, taken straight from the strict binary header
/// endpoints write (a version word with the channel in its spare byte and the type in its
/// low byte, the name's length and bytes, the sequence id) without decoding the name: that
/// decoding, with its allocation, cost a few hundred instructions per call, and the reply's
/// reader or the call's processor decodes and checks the whole header anyway. Anything else
/// (an old-style header, a bad version or type, too few bytes) goes through the protocol
/// reader, which says what is wrong.
fn route(message: &Incoming, limits: Limits) -> Result<Route> {
    const VERSION_MASK: u32 = 0xffff_0000;
    const VERSION_1: u32 = 0x8001_0000;
    let b = &message.bytes[..];
    let word = |at: usize| b.get(at..at + 4).map(|w| [w[0], w[1], w[2], w[3]]);
    if let (Some(version), Some(len)) = (word(0), word(4)) {
        let version = u32::from_be_bytes(version);
        let len = usize::try_from(i32::from_be_bytes(len)).ok();
        let seqid = len.and_then(|len| word(8 + len));
        let kind = MessageType::from_i32((version & 0xff) as i32);
        if let (true, Some(seqid), Ok(kind)) = (version & VERSION_MASK == VERSION_1, seqid, kind) {
            return Ok(Route {
                kind,
                seqid: i32::from_be_bytes(seqid),
                channel: (version >> 8) as u8,
            });
        }
    }
    header(message, limits).map(|h| Route {
        kind: h.kind,
        seqid: h.seqid,
        channel: h.channel,
    })
}

/// The header of a message read whole.
fn header(message: &Incoming, limits: Limits) -> Result<MessageHeader> {
    let source = BytesSource::new(message.bytes.clone());
    BinaryReader::with_limits(source, limits).read_message_begin()
}

/// Runs on a thread of the connection: decodes the call, runs the service of its channel,
/// writes the reply.
fn serve_call(shared: &Shared, services: &Services, message: Incoming, how: Reply) {
    // The call's THeader info headers, for the handler (`header::current`).
    let _trace = crate::trace::enter_incoming(message.headers.as_deref());
    let _headers = crate::header::enter(message.headers.clone());
    let _span = crate::trace::span::wanted()
        .then(|| tracing::debug_span!("thrift.endpoint", peer = %shared.peer).entered());
    let mut r = BinaryReader::with_limits(message.into_source(), shared.settings.limits);
    let header = match r.read_message_begin() {
        Ok(header) => header,
        Err(e) => return tracing::warn!("cannot decode a call from {}: {e}", shared.peer),
    };
    let mut w = BinaryWriter::new(shared.outgoing());
    let outcome = match services.get(header.channel) {
        Some(service) => service.handle(&header, &mut r, &mut w),
        None => {
            let why = format!(
                "no service on channel {} for `{}`",
                header.channel, header.name
            );
            if header.kind == MessageType::Oneway {
                tracing::warn!("oneway dropped: {why}");
                Ok(())
            } else {
                let exception = ApplicationError::new(ApplicationErrorKind::UnknownMethod, why);
                write_exception(&mut w, &header, &exception)
            }
        }
    };
    if let Err(e) = outcome {
        // The message was self-contained; a bad request spoils only itself. The processor
        // already answered it with an exception where it could.
        tracing::warn!("call `{}` from {} failed: {e}", header.name, shared.peer);
    }
    crate::transport::framed::give_back(r.into_inner().into_bytes());
    let reply = w.into_inner();
    if !reply.is_empty() {
        let sent = match how {
            Reply::Send => shared.send(reply),
            Reply::Hold => shared.hold(reply),
        };
        if let Err(e) = sent {
            tracing::debug!("reply to `{}` not sent: {e}", header.name);
        }
    }
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each of these locks guards one value used in one step.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn closed_error(peer: &str, why: Option<&str>) -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Io,
        format!(
            "the endpoint connection to {peer} is closed: {}",
            why.unwrap_or("closed")
        ),
    ))
}

fn timed_out(method: &str, limit: Duration) -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::TimedOut,
        format!("no reply to `{method}` within {limit:?}"),
    ))
}

thread_local! {
    static ON_CREW_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the current thread as one of a connection's own, which must not join them.
fn mark_crew_thread() {
    ON_CREW_THREAD.with(|f| f.set(true));
}

fn on_crew_thread() -> bool {
    ON_CREW_THREAD.with(std::cell::Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ProtocolWriter;
    use bytes::Bytes;

    fn written(name: &str, kind: MessageType, seqid: i32, channel: u8) -> Incoming {
        let mut w = BinaryWriter::new(Vec::new());
        let header = MessageHeader {
            name,
            kind,
            seqid,
            channel,
        };
        w.write_message_begin(&header).unwrap();
        Incoming::plain(Bytes::from(w.into_inner()))
    }

    /// The route read from the bytes is the full reader's, for every header endpoints write;
    /// whatever else goes to the full reader, so errors stay its errors.
    #[test]
    fn route_agrees_with_the_protocol_reader() {
        let limits = Limits::default();
        for kind in [
            MessageType::Call,
            MessageType::Reply,
            MessageType::Exception,
            MessageType::Oneway,
        ] {
            for (name, seqid, channel) in [("", 0, 0), ("echo", -7, 3), ("é", i32::MAX, 255)] {
                let message = written(name, kind, seqid, channel);
                let r = route(&message, limits).unwrap();
                let h = header(&message, limits).unwrap();
                assert_eq!((r.kind, r.seqid, r.channel), (h.kind, h.seqid, h.channel));
            }
        }
        let bad: [&[u8]; 5] = [
            b"",
            &[0x80, 0x01, 0x00, 0x01, 0, 0, 0, 9, b'x'],
            &[0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1],
            &[0x80, 0x01, 0x00, 0x09, 0, 0, 0, 0, 0, 0, 0, 1],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ];
        for bytes in bad {
            let message = Incoming::plain(Bytes::copy_from_slice(bytes));
            let (r, h) = (route(&message, limits), header(&message, limits));
            assert_eq!(
                r.map(|r| r.seqid).map_err(|e| e.to_string()),
                h.map(|h| h.seqid).map_err(|e| e.to_string()),
                "{bytes:?}"
            );
        }
        // An old-style header (name first) is read by the full reader.
        let mut old = 4u32.to_be_bytes().to_vec();
        old.extend_from_slice(b"echo\x02\x00\x00\x00\x05");
        let r = route(&Incoming::plain(Bytes::from(old)), limits).unwrap();
        assert_eq!((r.kind, r.seqid), (MessageType::Reply, 5));
    }

    proptest::proptest! {
        /// Any bytes, and strict headers with any name length, type byte and tail: `route`
        /// never panics, and wherever the full reader reads a header, `route` finds the same
        /// kind, sequence id and channel. (It may accept a header the full reader refuses for
        /// its name, which the call's processor or the reply's reader then refuses.)
        #[test]
        fn route_never_disagrees_with_the_protocol_reader(
            raw in proptest::collection::vec(proptest::num::u8::ANY, 0..48),
            strict in proptest::bool::ANY,
            kind in 0u8..8,
            channel in proptest::num::u8::ANY,
            len in -4i32..40,
        ) {
            let mut bytes = Vec::new();
            if strict {
                bytes.extend_from_slice(&[0x80, 0x01, channel, kind]);
                bytes.extend_from_slice(&len.to_be_bytes());
            }
            bytes.extend_from_slice(&raw);
            let message = Incoming::plain(Bytes::from(bytes));
            let limits = Limits::default();
            let r = route(&message, limits);
            if let Ok(h) = header(&message, limits) {
                let r = r.expect("the full reader read it");
                proptest::prop_assert_eq!((r.kind, r.seqid, r.channel), (h.kind, h.seqid, h.channel));
            }
        }
    }
}
