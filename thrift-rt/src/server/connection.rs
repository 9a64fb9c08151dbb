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
use crate::processor::Processor;
use crate::protocol::ProtocolReader;
use crate::stack::{Layer, Protocol, Stack, StackReader, StackWriter, Transport, WithStack};
use crate::transport::stream::Stream;
use crate::transport::{Sink, Source};

use super::Config;
use super::deadline::{ReadHalf, WriteHalf};
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
    log::debug!("connection from {peer}");
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
    let (reader, writer) = stack.open(input, out, &config.limits)?;
    Ok(Box::new(Session::<C, P, T, L> {
        processor: Arc::clone(processor),
        guard,
        #[cfg(unix)]
        credentials,
        peer,
        linger,
        reader,
        writer,
    }))
}

/// Opens `stream` and serves it to the end on this thread (simple and threaded servers).
pub(crate) fn serve_to_end(opener: &Opener, guard: ConnGuard, stream: Stream) {
    match opener(guard, stream, None) {
        Ok(conn) => conn.run(None),
        Err(e) => log::warn!("cannot set up a connection: {e}"),
    }
}

/// One connection's state.
struct Session<C, P: Protocol, T: Transport, L: Layer> {
    processor: Arc<C>,
    guard: ConnGuard,
    #[cfg(unix)]
    credentials: Option<Arc<crate::peer::PeerCredentials>>,
    peer: String,
    /// `Some` on the thread-pool server: how long to wait for the next message before parking.
    linger: Option<Duration>,
    reader: StackReader<P, T, L, ReadHalf>,
    writer: StackWriter<P, T, L, WriteHalf>,
}

/// What ends a turn of [`Session::serve`].
enum Next {
    /// The connection is done: closed by the peer, failed, or the server is stopping.
    Close(Result<()>),
    /// Nothing to read: hand the connection to the poller.
    Park,
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
            catch_unwind(AssertUnwindSafe(|| self.serve(parking)))
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
            (Ok(Next::Yield), Some(pool)) => pool.requeue(self),
            (Ok(Next::Park | Next::Yield), None) => unreachable!("only pool connections park"),
            (Ok(Next::Close(Ok(()))), _) => log::debug!("connection from {} closed", self.peer),
            (Ok(Next::Close(Err(e))), _) if is_timeout(&e) => {
                log::info!("connection from {} timed out: {e}", self.peer);
            }
            (Ok(Next::Close(Err(e))), _) => {
                log::warn!("connection from {} failed: {e}", self.peer);
            }
            (Err(_), _) => log::error!("processor panicked; connection from {} closed", self.peer),
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
        Stack::<P, T, L>::read_end_mut(&mut self.reader)
    }

    fn half_ref(&self) -> &ReadHalf {
        Stack::<P, T, L>::read_end(&self.reader)
    }

    /// The message loop, generic over the concrete reader and writer.
    ///
    /// With `parking` (thread-pool server), between messages: when nothing of a further
    /// message is buffered and other connections wait for a worker, a connection with nothing
    /// to read is parked at once and one with input ready yields its turn (after at least one
    /// message, so a connection taken from the queue is always served); when nobody waits,
    /// the read for the next message lingers briefly and the connection is parked if nothing
    /// comes. A client making back-to-back calls within the linger costs exactly what it did
    /// on a dedicated thread: one blocking read per message.
    fn serve(&mut self, parking: bool) -> Next {
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
            match self.reader.has_message() {
                Ok(true) => {}
                Ok(false) => return Next::Close(Ok(())),
                Err(_) if self.half_ref().gave_up() => return Next::Park,
                Err(e) => return Next::Close(Err(e)),
            }
            self.guard.busy();
            let result = self.reader.read_message_begin().and_then(|header| {
                self.processor
                    .process(&header, &mut self.reader, &mut self.writer)
            });
            if let Err(e) = result {
                return Next::Close(Err(e));
            }
            served = true;
        }
    }
}
