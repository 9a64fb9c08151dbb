//! Serving one accepted connection: build the reader and writer for the configured protocol
//! and transport (one `match`, then everything is generic), loop over messages, and make sure
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
use crate::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter,
};
use crate::stack::{ProtocolKind, TransportKind};
use crate::transport::Source;
#[cfg(unix)]
use crate::transport::fd::{FdFramedReader, FdFramedWriter};
use crate::transport::stream::Stream;
use crate::transport::{BufferedReader, BufferedWriter, FramedReader, FramedWriter};

use super::Config;
use super::deadline::{ReadHalf, WriteHalf};
use super::dispatch::{
    BufferedIn, BufferedOut, ConnectionProcessor, FramedIn, FramedOut, ServerIo,
};
#[cfg(unix)]
use super::dispatch::{FdIn, FdOut};
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

/// Opens `stream` for serving: sets its timeouts and builds its reader and writer.
/// `linger` is `Some` on the thread-pool server (see [`ReadHalf::next_message`]).
pub(crate) fn open<C: ConnectionProcessor + ?Sized + 'static>(
    processor: &Arc<C>,
    config: &Config,
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
    let limits = config.limits;
    let buffered = |i| BufferedReader::with_limits(i, &limits);
    let framed = |i| FramedReader::with_limits(BufferedReader::with_limits(i, &limits), &limits);
    #[cfg(unix)]
    let fd_in = |i| FdFramedReader::with_limits(i, &limits);
    macro_rules! session {
        ($reader:expr, $writer:expr) => {
            Box::new(Session {
                processor: Arc::clone(processor),
                guard,
                #[cfg(unix)]
                credentials,
                peer,
                linger,
                reader: $reader,
                writer: $writer,
            })
        };
    }
    Ok(match (config.protocol, config.transport) {
        (ProtocolKind::Binary, TransportKind::Buffered) => session!(
            BinaryReader::with_limits(buffered(input), limits),
            BinaryWriter::new(BufferedWriter::new(out))
        ),
        (ProtocolKind::Binary, TransportKind::Framed) => session!(
            BinaryReader::with_limits(framed(input), limits),
            BinaryWriter::new(FramedWriter::with_limits(out, &limits))
        ),
        (ProtocolKind::Compact, TransportKind::Buffered) => session!(
            CompactReader::with_limits(buffered(input), limits),
            CompactWriter::new(BufferedWriter::new(out))
        ),
        (ProtocolKind::Compact, TransportKind::Framed) => session!(
            CompactReader::with_limits(framed(input), limits),
            CompactWriter::new(FramedWriter::with_limits(out, &limits))
        ),
        (ProtocolKind::Json, TransportKind::Buffered) => session!(
            JsonReader::with_limits(buffered(input), limits),
            JsonWriter::new(BufferedWriter::new(out))
        ),
        (ProtocolKind::Json, TransportKind::Framed) => session!(
            JsonReader::with_limits(framed(input), limits),
            JsonWriter::new(FramedWriter::with_limits(out, &limits))
        ),
        #[cfg(unix)]
        (ProtocolKind::Binary, TransportKind::Fd) => session!(
            BinaryReader::with_limits(fd_in(input), limits),
            BinaryWriter::new(FdFramedWriter::with_limits(out, &limits))
        ),
        #[cfg(unix)]
        (ProtocolKind::Compact, TransportKind::Fd) => session!(
            CompactReader::with_limits(fd_in(input), limits),
            CompactWriter::new(FdFramedWriter::with_limits(out, &limits))
        ),
        #[cfg(unix)]
        (ProtocolKind::Json, TransportKind::Fd) => session!(
            JsonReader::with_limits(fd_in(input), limits),
            JsonWriter::new(FdFramedWriter::with_limits(out, &limits))
        ),
    })
}

/// Opens `stream` and serves it to the end on this thread (simple and threaded servers).
pub(crate) fn serve_to_end<C: ConnectionProcessor + ?Sized + 'static>(
    processor: &Arc<C>,
    config: &Config,
    guard: ConnGuard,
    stream: Stream,
) {
    match open(processor, config, guard, stream, None) {
        Ok(conn) => conn.run(None),
        Err(e) => log::warn!("cannot set up a connection: {e}"),
    }
}

/// One connection's state.
struct Session<C: ?Sized, R: Input> {
    processor: Arc<C>,
    guard: ConnGuard,
    #[cfg(unix)]
    credentials: Option<Arc<crate::peer::PeerCredentials>>,
    peer: String,
    /// `Some` on the thread-pool server: how long to wait for the next message before parking.
    linger: Option<Duration>,
    reader: R,
    writer: R::Output,
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

impl<C: ConnectionProcessor + ?Sized + 'static, R: Input> Connection for Session<C, R> {
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
                self.reader.release_idle_buffers(&mut self.writer);
                let waited = if self.reader.half_ref().gave_up() {
                    self.linger.unwrap_or_default()
                } else {
                    Duration::ZERO
                };
                let since = self.reader.half().idle_since(waited);
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
        self.reader.half_ref().stream()
    }

    fn peer(&self) -> &str {
        &self.peer
    }
}

fn is_timeout(e: &Error) -> bool {
    e.transport_kind() == Some(TransportErrorKind::TimedOut)
}

impl<C: ConnectionProcessor + ?Sized, R: Input> Session<C, R> {
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
                if self.reader.has_buffered() {
                    if contended {
                        return Next::Yield;
                    }
                } else {
                    if others_waiting {
                        if !self.reader.half_ref().input_ready() {
                            return Next::Park;
                        }
                        if contended {
                            return Next::Yield;
                        }
                    }
                    linger = self.linger;
                }
            }
            self.reader.half().next_message(linger);
            match self.reader.has_message() {
                Ok(true) => {}
                Ok(false) => return Next::Close(Ok(())),
                Err(_) if self.reader.half_ref().gave_up() => return Next::Park,
                Err(e) => return Next::Close(Err(e)),
            }
            self.guard.busy();
            let result = self.reader.read_message_begin().and_then(|header| {
                let io = self.reader.io(&mut self.writer);
                self.processor.process_message(&header, io)
            });
            if let Err(e) = result {
                return Next::Close(Err(e));
            }
            served = true;
        }
    }
}

/// One of the nine concrete readers of a server connection, with what the message loop needs
/// besides reading: its [`ReadHalf`], whether bytes of a further message are buffered, and
/// the [`ServerIo`] pair it forms with its writer.
trait Input: ProtocolReader + Send + 'static {
    type Output: ProtocolWriter + Send + 'static;

    fn half(&mut self) -> &mut ReadHalf;

    fn half_ref(&self) -> &ReadHalf;

    /// Bytes not consumed yet are buffered (a client pipelining its next message).
    fn has_buffered(&self) -> bool;

    fn io<'a>(&'a mut self, w: &'a mut Self::Output) -> ServerIo<'a>;

    /// Frees the reader's and the writer's buffers while they hold nothing.
    fn release_idle_buffers(&mut self, w: &mut Self::Output);
}

/// The three sources of a server connection.
trait ServerSource: Source {
    fn half(&mut self) -> &mut ReadHalf;
    fn half_ref(&self) -> &ReadHalf;
    fn has_buffered(&self) -> bool;
}

impl ServerSource for BufferedIn {
    fn half(&mut self) -> &mut ReadHalf {
        self.get_mut()
    }
    fn half_ref(&self) -> &ReadHalf {
        self.get_ref()
    }
    fn has_buffered(&self) -> bool {
        self.holds_bytes()
    }
}

impl ServerSource for FramedIn {
    fn half(&mut self) -> &mut ReadHalf {
        self.get_mut().get_mut()
    }
    fn half_ref(&self) -> &ReadHalf {
        self.get_ref().get_ref()
    }
    fn has_buffered(&self) -> bool {
        !self.buffered().is_empty() || self.get_ref().holds_bytes()
    }
}

#[cfg(unix)]
impl ServerSource for FdIn {
    fn half(&mut self) -> &mut ReadHalf {
        self.get_mut()
    }
    fn half_ref(&self) -> &ReadHalf {
        self.get_ref()
    }
    fn has_buffered(&self) -> bool {
        !self.buffered().is_empty()
    }
}

macro_rules! impl_input {
    ($($(#[$cfg:meta])* $variant:ident: $reader:ident<$in:ty>, $writer:ident<$out:ty>;)*) => {$(
        $(#[$cfg])*
        impl Input for $reader<$in> {
            type Output = $writer<$out>;
            #[inline]
            fn half(&mut self) -> &mut ReadHalf {
                self.get_mut().half()
            }
            #[inline]
            fn half_ref(&self) -> &ReadHalf {
                self.get_ref().half_ref()
            }
            #[inline]
            fn has_buffered(&self) -> bool {
                self.get_ref().has_buffered()
            }
            #[inline]
            fn io<'a>(&'a mut self, w: &'a mut Self::Output) -> ServerIo<'a> {
                ServerIo::$variant(self, w)
            }
            fn release_idle_buffers(&mut self, w: &mut Self::Output) {
                self.get_mut().release_idle_buffer();
                w.get_mut().release_idle_buffer();
            }
        }
    )*};
}

impl_input! {
    BinaryBuffered: BinaryReader<BufferedIn>, BinaryWriter<BufferedOut>;
    BinaryFramed: BinaryReader<FramedIn>, BinaryWriter<FramedOut>;
    CompactBuffered: CompactReader<BufferedIn>, CompactWriter<BufferedOut>;
    CompactFramed: CompactReader<FramedIn>, CompactWriter<FramedOut>;
    JsonBuffered: JsonReader<BufferedIn>, JsonWriter<BufferedOut>;
    JsonFramed: JsonReader<FramedIn>, JsonWriter<FramedOut>;
    #[cfg(unix)]
    BinaryFd: BinaryReader<FdIn>, BinaryWriter<FdOut>;
    #[cfg(unix)]
    CompactFd: CompactReader<FdIn>, CompactWriter<FdOut>;
    #[cfg(unix)]
    JsonFd: JsonReader<FdIn>, JsonWriter<FdOut>;
}
