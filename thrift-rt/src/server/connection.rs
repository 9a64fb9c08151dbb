//! Serving one accepted connection: build the reader and writer of the server's stack
//! (resolved to concrete types once per server), loop over messages, and make sure
//! nothing that happens on the connection — errors, timeouts, a panic escaping the processor —
//! reaches the thread that runs it.
//!
//! A connection's whole state (socket, reader with its buffer, writer, deadline, registry
//! guard) is one [`Session`], boxed once as a `dyn` [`Connection`] so that the thread-pool
//! server can move it between workers and the poller: [`Connection::run`] serves messages
//! until the connection closes or, on the thread-pool server, until it goes idle (it is then
//! parked with the poller) or other connections wait for a worker (it yields its turn).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result, TransportErrorKind};
use crate::limits::Limits;
use crate::processor::Processor;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::stack::{Layer, MessageLen, Protocol, Stack, StackWriter, Transport, WithStack};
use crate::transport::stream::Stream;
use crate::transport::{ReadEnd, Sink, Source};

use super::Config;
use super::deadline::{ReadHalf, WriteHalf};
use super::gate::{Filled, Gate};
use super::pool::Pool;
use super::shared::ConnGuard;

/// An open connection, whatever its protocol and transport.
pub(crate) trait Connection: Send {
    /// Serves messages until the connection closes; on the thread-pool server (`pool` is
    /// `Some`), until it goes idle (then it is parked) or yields its worker to connections
    /// waiting for one (then it is queued again).
    fn run(self: Box<Self>, pool: Option<&Pool>);

    /// The socket, for the poller.
    fn stream(&self) -> &Stream;

    /// The peer's address, for logs.
    fn peer(&self) -> &str;
}

/// Opens accepted sockets for serving: the server's processor, settings and stack, resolved
/// to concrete types once when the server starts. `linger` is `Some` on the thread-pool
/// server (see [`ReadHalf::next_message`]).
pub(crate) type Opener =
    Arc<dyn Fn(ConnGuard, Stream, Option<Duration>) -> Result<Box<dyn Connection>> + Send + Sync>;

/// Makes the [`Opener`] of a server: `stack.resolve(MakeOpener { .. })`.
pub(crate) struct MakeOpener<C> {
    pub(crate) processor: Arc<C>,
    pub(crate) config: Arc<Config>,
}

impl<C: Processor + 'static> WithStack for MakeOpener<C> {
    type Output = Opener;

    fn with<P: Protocol, T: Transport, L: Layer>(self, stack: Stack<P, T, L>) -> Opener {
        Arc::new(move |guard, stream, linger| {
            open(&self.processor, &self.config, &stack, guard, stream, linger)
        })
    }
}

/// Opens `stream` for serving: sets its timeouts and builds its reader and writer.
fn open<C: Processor + 'static, P: Protocol, T: Transport, L: Layer>(
    processor: &Arc<C>,
    config: &Config,
    stack: &Stack<P, T, L>,
    guard: ConnGuard,
    stream: Stream,
    linger: Option<Duration>,
) -> Result<Box<dyn Connection>> {
    let peer = stream.peer();
    tracing::debug!(peer = %peer, "connection accepted");
    // Waiting for a message never lingers longer than the idle timeout allows.
    let linger = match (linger, config.read_timeout) {
        (Some(l), Some(idle)) => Some(l.min(idle)),
        (l, _) => l,
    };
    // Handlers see who is calling (Unix sockets only).
    #[cfg(unix)]
    let credentials = crate::peer::of_stream(&stream);
    let out = WriteHalf::new(stream.try_clone()?, config.write_timeout)?;
    let input = ReadHalf::new(
        stream,
        config.read_timeout,
        config.message_timeout,
        linger.or(config.read_timeout),
    )?;
    // The gate between the transport and the layers (see `gate.rs`); it stays open on the
    // simple and threaded servers and for transports that cannot tell where a message ends.
    let limits = config.limits;
    let intercept = crate::intercept::ConnContext::of(&config.interceptors, &peer);
    let gated = linger.is_some()
        && stack.transport.message_len(&stack.protocol, &[], &limits)? != MessageLen::Unknown;
    // Over a transport that carries descriptors, frame by frame with them.
    let frame_fds = stack.transport.carries_fds().then_some(limits.max_fds);
    let (read, write) = stack.layer.wrap(input, out)?;
    let (source, sink) =
        stack
            .transport
            .open(Gate::new(read, !gated, frame_fds), write, &limits)?;
    let reader = stack.protocol.reader(source, limits);
    let writer = stack.protocol.writer(sink);
    Ok(Box::new(Session::<C, P, T, L> {
        protocol: stack.protocol.clone(),
        transport: stack.transport.clone(),
        limits,
        processor: Arc::clone(processor),
        guard,
        #[cfg(unix)]
        credentials,
        peer,
        intercept,
        linger,
        reader,
        writer,
    }))
}

/// Opens `stream` and serves it to the end on this thread (simple and threaded servers).
pub(crate) fn serve_to_end(opener: &Opener, guard: ConnGuard, stream: Stream) {
    match opener(guard, stream, None) {
        Ok(conn) => conn.run(None),
        Err(e) => tracing::warn!("cannot set up a connection: {e}"),
    }
}

/// The reader of a server connection: the stack's, with the gate between the transport and
/// the layers.
type ServerReader<P, T, L> =
    <P as Protocol>::Reader<<T as Transport>::Source<Gate<<L as Layer>::Reader<ReadHalf>>>>;

/// One connection's state.
struct Session<C, P: Protocol, T: Transport, L: Layer> {
    protocol: P,
    transport: T,
    limits: Limits,
    processor: Arc<C>,
    guard: ConnGuard,
    #[cfg(unix)]
    credentials: Option<Arc<crate::peer::PeerCredentials>>,
    peer: String,
    /// The interceptors and peer their calls see; `None` without interceptors.
    intercept: Option<Arc<crate::intercept::ConnContext>>,
    /// `Some` on the thread-pool server: how long to wait for the next message before parking.
    linger: Option<Duration>,
    reader: ServerReader<P, T, L>,
    writer: StackWriter<P, T, L, WriteHalf>,
}

/// What ends a turn of [`Session::serve`].
enum Next {
    /// The connection is done: closed by the peer, failed, or the server is stopping.
    Close(Result<()>),
    /// Nothing to read: hand the connection to the poller.
    Park,
    /// Part of a message arrived and no more for now: hand the connection to the poller
    /// until more does, by the message's deadline.
    ParkPartial,
    /// Another message may be ready, but other connections wait for a worker.
    Yield,
}

impl<C: Processor + 'static, P: Protocol, T: Transport, L: Layer> Connection
    for Session<C, P, T, L>
{
    fn run(mut self: Box<Self>, pool: Option<&Pool>) {
        let parking = pool.is_some() && self.linger.is_some();
        let next = {
            // Handlers on this thread see who is calling, for as long as this turn lasts.
            #[cfg(unix)]
            let _credentials = self
                .credentials
                .clone()
                .map(|c| crate::peer::enter(Some(c)));
            // And what the layers know of the peer (a TLS client's certificates).
            let _identity =
                crate::layer::enter_identity(L::peer_identity(self.gate_ref().get_ref()));
            // And the interceptors, if any.
            let _intercept = crate::intercept::enter(self.intercept.as_ref());
            // Events of this turn (and the spans of its calls) belong to the connection.
            let span = tracing::debug_span!("thrift.connection", peer = %self.peer);
            span.in_scope(|| catch_unwind(AssertUnwindSafe(|| self.serve(parking))))
        };
        match (next, pool) {
            (Ok(Next::Park), Some(pool)) => {
                // An idle connection keeps no buffers: they are allocated again when its
                // next message comes.
                P::source_mut(&mut self.reader).release_idle_buffer();
                P::sink_mut(&mut self.writer).release_idle_buffer();
                let waited = if self.half_ref().gave_up() {
                    self.linger.unwrap_or_default()
                } else {
                    Duration::ZERO
                };
                let since = self.half().idle_since(waited);
                pool.park(self, since);
            }
            (Ok(Next::ParkPartial), Some(pool)) => {
                P::source_mut(&mut self.reader).release_idle_buffer();
                P::sink_mut(&mut self.writer).release_idle_buffer();
                let since = self.half_ref().since_for_message_deadline();
                pool.park(self, since);
            }
            (Ok(Next::Yield), Some(pool)) => pool.requeue(self),
            (Ok(Next::Park | Next::ParkPartial | Next::Yield), None) => {
                unreachable!("only pool connections park")
            }
            (Ok(Next::Close(Ok(()))), _) => {
                tracing::debug!(peer = %self.peer, "connection closed");
            }
            (Ok(Next::Close(Err(e))), _) if is_timeout(&e) => {
                tracing::info!(peer = %self.peer, error = %e, "connection timed out");
            }
            (Ok(Next::Close(Err(e))), _) => {
                let limit = e.is_limit();
                let what = if limit {
                    "limit hit"
                } else if matches!(e, Error::Protocol(_)) {
                    "protocol error"
                } else {
                    "connection failed"
                };
                tracing::warn!(peer = %self.peer, error = %e, limit, "{what}; connection closed");
                // HTTP says why with a 4xx status before the connection closes.
                P::sink_mut(&mut self.writer).refuse_message(&e);
            }
            (Err(_), _) => {
                tracing::error!(peer = %self.peer, "processor panicked; connection closed");
            }
        }
    }

    fn stream(&self) -> &Stream {
        self.half_ref().stream()
    }

    fn peer(&self) -> &str {
        &self.peer
    }
}

fn is_timeout(e: &Error) -> bool {
    e.transport_kind() == Some(TransportErrorKind::TimedOut)
}

impl<C: Processor, P: Protocol, T: Transport, L: Layer> Session<C, P, T, L> {
    /// The socket's read half, under the protocol, the transport and the layers.
    fn half(&mut self) -> &mut ReadHalf {
        L::inner_mut(self.gate().get_mut())
    }

    fn half_ref(&self) -> &ReadHalf {
        L::inner(self.gate_ref().get_ref())
    }

    fn gate_ref(&self) -> &Gate<L::Reader<ReadHalf>> {
        T::end(P::source(&self.reader))
    }

    /// The gate between the transport and the layers.
    fn gate(&mut self) -> &mut Gate<L::Reader<ReadHalf>> {
        T::end_mut(P::source_mut(&mut self.reader))
    }

    /// Hands a message whose header was read to the processor, with its THeader info
    /// headers as [`header::current`](crate::header::current). A message the transport
    /// refused with an application error (a THeader frame with an unknown transform or
    /// protocol, skipped whole) is answered with that exception, as Apache's THeader servers
    /// do, and the connection goes on.
    fn process(&mut self, begun: Result<crate::ttype::MessageHeader>) -> Result<()> {
        match begun {
            Ok(header) => {
                let headers = P::source(&self.reader).info_headers();
                // A call in a trace makes it the handler's (W3C `traceparent`).
                let _trace = crate::trace::enter_incoming(headers.as_deref());
                let _headers = crate::header::enter(headers);
                self.processor
                    .process(&header, &mut self.reader, &mut self.writer)
                    // An HTTP request needs its response even when the call was oneway.
                    .and_then(|()| P::sink_mut(&mut self.writer).message_served())
            }
            Err(Error::Application(e)) => {
                tracing::info!("refused a message from {}: {e}", self.peer);
                let header = crate::ttype::MessageHeader {
                    name: "",
                    kind: crate::ttype::MessageType::Exception,
                    seqid: 0,
                    channel: 0,
                };
                self.writer.write_message_begin(&header)?;
                crate::codec::WriteThrift::write(&e, &mut self.writer)?;
                self.writer.write_message_end()?;
                self.writer.flush()
            }
            Err(e) => Err(e),
        }
    }

    fn serve(&mut self, parking: bool) -> Next {
        if parking && !self.gate_ref().is_through() {
            self.serve_whole_messages()
        } else {
            self.serve_as_read(parking)
        }
    }

    /// Whether the gate holds a whole message (then it is open to the transport).
    fn whole_message(&mut self) -> Result<bool> {
        if self.gate().is_open() {
            return Ok(true);
        }
        if self.gate_ref().pending().is_empty() {
            // Between messages: nothing to look at.
            return Ok(false);
        }
        let len =
            self.transport
                .message_len(&self.protocol, self.gate_ref().pending(), &self.limits)?;
        match len {
            MessageLen::Whole(n) => {
                self.gate().open(n);
                Ok(true)
            }
            MessageLen::Partial | MessageLen::Unknown => Ok(false),
        }
    }

    /// Opens the gate to every byte that arrived, whole message or not.
    fn open_everything(&mut self) {
        let n = self.gate_ref().pending().len();
        self.gate().open(n);
    }

    /// The message loop of a gated thread-pool connection: a message reaches the transport,
    /// the processor and the handler only once all of it has arrived; until then the worker
    /// reads what is there without waiting and parks the connection when nothing more has
    /// come. Between messages, the same decisions as [`serve_as_read`](Self::serve_as_read):
    /// linger for the next message, park, or yield. A message that arrives whole in one
    /// read (the common case) costs that one read: the gate checks it and hands it up.
    fn serve_whole_messages(&mut self) -> Next {
        let mut served = false;
        loop {
            let Some(others_waiting) = self.guard.idle() else {
                return Next::Close(Ok(()));
            };
            match self.whole_message() {
                Ok(true) => {}
                // Bytes that cannot start a valid message, or a message cut short by the end
                // of the stream: the decoder meets them and reports them as it always has
                // (the processor answers a call it cannot decode with a PROTOCOL_ERROR
                // exception before the connection closes).
                Err(_) => self.open_everything(),
                Ok(false) if self.gate().has_ended() => {
                    if self.gate_ref().pending().is_empty() {
                        return Next::Close(Ok(()));
                    }
                    self.open_everything();
                }
                Ok(false) if !self.gate_ref().pending().is_empty() => {
                    // Inside a message: take what has arrived, never wait for the rest.
                    self.half().set_nonblocking(true);
                    let filled = self.gate().fill();
                    self.half().set_nonblocking(false);
                    match filled {
                        Ok(_) => continue,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            return Next::ParkPartial;
                        }
                        Err(e) => return Next::Close(Err(e.into())),
                    }
                }
                Ok(false) => {
                    // Between messages. Bytes a layer holds (decrypted or inflated, not
                    // handed up yet) are input as much as the socket's.
                    if others_waiting {
                        if !self.gate_ref().holds_bytes() && !self.half_ref().input_ready() {
                            return Next::Park;
                        }
                        if served {
                            return Next::Yield;
                        }
                    }
                    let linger = self.linger;
                    self.half().next_message(linger);
                    match self.gate().fill() {
                        Ok(Filled::Bytes | Filled::End) => continue,
                        Err(_) if self.half_ref().gave_up() => return Next::Park,
                        Err(e) => return Next::Close(Err(e.into())),
                    }
                }
            }
            if others_waiting && served {
                // A whole message is waiting, but so are other connections: take turns.
                return Next::Yield;
            }
            self.guard.busy();
            let begun = self
                .reader
                .has_message()
                .and_then(|_| self.reader.read_message_begin());
            let result = self.process(begun);
            if let Err(e) = result {
                return Next::Close(Err(e));
            }
            served = true;
        }
    }

    /// The message loop of a connection that reads its messages as they arrive (simple and
    /// threaded servers, and transports the gate cannot look into), generic over the
    /// concrete reader and writer.
    ///
    /// With `parking` (thread-pool server), between messages: when nothing of a further
    /// message is buffered and other connections wait for a worker, a connection with nothing
    /// to read is parked at once and one with input ready yields its turn (after at least one
    /// message, so a connection taken from the queue is always served); when nobody waits,
    /// the read for the next message lingers briefly and the connection is parked if nothing
    /// comes. A client making back-to-back calls within the linger costs exactly what it did
    /// on a dedicated thread: one blocking read per message.
    fn serve_as_read(&mut self, parking: bool) -> Next {
        let mut served = false;
        loop {
            let Some(others_waiting) = self.guard.idle() else {
                return Next::Close(Ok(()));
            };
            // Only a read that starts with nothing buffered may give up and park: bytes of a
            // message already consumed from the buffer could not be given back.
            let mut linger = None;
            if parking {
                let contended = others_waiting && served;
                if P::source(&self.reader).holds_bytes() {
                    if contended {
                        return Next::Yield;
                    }
                } else {
                    if others_waiting {
                        if !self.half_ref().input_ready() {
                            return Next::Park;
                        }
                        if contended {
                            return Next::Yield;
                        }
                    }
                    linger = self.linger;
                }
            }
            self.half().next_message(linger);
            // A message the transport refused whole (an application error) is answered.
            let refused = match self.reader.has_message() {
                Ok(true) => None,
                Ok(false) => return Next::Close(Ok(())),
                Err(e @ Error::Application(_)) => Some(e),
                Err(_) if self.half_ref().gave_up() => return Next::Park,
                Err(e) => return Next::Close(Err(e)),
            };
            self.guard.busy();
            let begun = match refused {
                Some(e) => Err(e),
                None => self.reader.read_message_begin(),
            };
            let result = self.process(begun);
            if let Err(e) = result {
                return Next::Close(Err(e));
            }
            served = true;
        }
    }
}
