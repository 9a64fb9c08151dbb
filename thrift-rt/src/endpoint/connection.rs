//! A connected endpoint: one stream, a read pump, a writer shared by every thread, the
//! pending-call table and the worker pool.
//!
//! ```text
//!   callers ──encode──► [write lock] ──one write per message──► socket
//!   socket ──► pump ──┬─ Reply/Exception ──► pending[seqid] ──► waiting caller decodes
//!                     └─ Call/Oneway ──► workers ──► services[channel] ──► reply ──► [write lock]
//! ```
//!
//! Every message is read whole by the pump before it is routed, so a slow handler or a
//! caller that gave up never leaves the stream in the middle of a message.

use std::cell::Cell;
use std::net::Shutdown;
#[cfg(unix)]
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::__private::write_exception;
use crate::application::{ApplicationError, ApplicationErrorKind};
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::limits::Limits;
use crate::protocol::{BinaryReader, BinaryWriter, ProtocolReader};
use crate::stack::{Layer, Transport};
use crate::transport::memory::BytesSource;
use crate::transport::stream::Stream;
use crate::transport::{Sink, Source};
use crate::ttype::{MessageHeader, MessageType, TType};

use super::Services;
use super::message::{Incoming, Outgoing};
use super::pending::{Delivery, Pending};
use super::recording::Recording;
use super::workers::{Refused, Workers};

thread_local! {
    static ON_ENDPOINT_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as one of an endpoint's own (pump or worker), which must not
/// join the endpoint's threads.
pub(crate) fn mark_endpoint_thread() {
    ON_ENDPOINT_THREAD.with(|f| f.set(true));
}

fn on_endpoint_thread() -> bool {
    ON_ENDPOINT_THREAD.with(Cell::get)
}

/// Settings of one connection.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) limits: Limits,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) max_workers: usize,
}

/// The state every handle, the pump and the workers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) pending: Pending,
    services: Arc<Services>,
    writer: Mutex<Box<dyn Sender>>,
    /// Whether the transport carries descriptors.
    pub(crate) carries_fds: bool,
    /// A handle kept only to shut the socket down.
    control: Stream,
    workers: Workers,
    pump: Mutex<Option<JoinHandle<()>>>,
    closed: AtomicBool,
    why_closed: Mutex<Option<String>>,
    peer: String,
    /// The peer's credentials, for Unix sockets; handlers see them through
    /// [`peer::current`](crate::peer::current).
    #[cfg(unix)]
    pub(crate) credentials: Option<Arc<crate::peer::PeerCredentials>>,
}

impl Shared {
    /// Starts serving `stream` over `transport` and `layer`: spawns the read pump.
    pub(crate) fn start<T: Transport, L: Layer>(
        stream: Stream,
        transport: &T,
        layer: &L,
        settings: Settings,
        services: Arc<Services>,
    ) -> std::io::Result<Arc<Shared>> {
        let reader = stream.try_clone()?;
        let control = stream.try_clone()?;
        let peer = stream.peer();
        #[cfg(unix)]
        let credentials = crate::peer::of_stream(&stream);
        let (reader, writer) = layer.wrap(reader, stream)?;
        let sink = transport.sink(writer, &settings.limits)?;
        let source = transport.source(reader, &settings.limits);
        let shared = Arc::new(Shared {
            workers: Workers::new(settings.max_workers, "thrift-endpoint".to_owned()),
            carries_fds: sink.can_carry_fds(),
            writer: Mutex::new(Box::new(sink)),
            settings,
            pending: Pending::default(),
            services,
            control,
            pump: Mutex::new(None),
            closed: AtomicBool::new(false),
            why_closed: Mutex::new(None),
            peer,
            #[cfg(unix)]
            credentials,
        });
        let pump_shared = Arc::clone(&shared);
        let handle = std::thread::Builder::new()
            .name("thrift-endpoint-pump".to_owned())
            .spawn(move || pump(&pump_shared, source))?;
        *lock(&shared.pump) = Some(handle);
        Ok(shared)
    }

    /// Whether the connection is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// The error a caller gets once the connection is gone.
    pub(crate) fn closed_error(&self) -> Error {
        let why = lock(&self.why_closed)
            .clone()
            .unwrap_or_else(|| "closed".to_owned());
        Error::Transport(TransportError::new(
            TransportErrorKind::Io,
            format!("the endpoint connection to {} is closed: {why}", self.peer),
        ))
    }

    /// Writes one whole message (frame header and descriptors included) with one system
    /// call where the socket takes it all.
    pub(crate) fn write_message(&self, message: &Outgoing) -> Result<()> {
        if self.is_closed() {
            return Err(self.closed_error());
        }
        let result = lock(&self.writer).send(message);
        result.inspect_err(|error| self.close(&format!("write failed: {error}")))
    }

    /// Closes the connection: every waiting caller wakes with an error, workers finish what
    /// they run and end, the pump ends. Idempotent.
    pub(crate) fn close(&self, why: &str) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        log::debug!("endpoint connection to {} closing: {why}", self.peer);
        *lock(&self.why_closed) = Some(why.to_owned());
        self.pending.close();
        self.workers.close();
        // Wakes the pump out of its read; errors mean the socket is already gone.
        let _ = self.control.shutdown(Shutdown::Both);
    }

    /// Joins the pump and the workers, unless called from one of them (which would wait
    /// for itself).
    pub(crate) fn join(&self) {
        if on_endpoint_thread() {
            return;
        }
        if let Some(pump) = lock(&self.pump).take() {
            let _ = pump.join();
        }
        self.workers.join();
    }

    /// A buffer for one outgoing message.
    pub(crate) fn outgoing(&self) -> Outgoing {
        Outgoing::new(0, &self.settings.limits).allow_fds(self.carries_fds)
    }

    /// Writes a message from [`outgoing`](Self::outgoing).
    pub(crate) fn send(&self, message: &Outgoing) -> Result<()> {
        self.write_message(message)
    }
}

/// Sends whole messages: the connection's transport sink over its layers over the socket.
/// One virtual call per message, behind the write lock.
pub(crate) trait Sender: Send {
    /// Frames `message` and writes it with its descriptors.
    fn send(&mut self, message: &Outgoing) -> Result<()>;
}

impl std::fmt::Debug for dyn Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sender")
    }
}

impl<S: Sink + Send> Sender for S {
    fn send(&mut self, message: &Outgoing) -> Result<()> {
        self.write_all(message.payload())?;
        #[cfg(unix)]
        for fd in message.fds() {
            if let Err(e) = self.attach_fd(fd.as_fd()) {
                self.discard();
                return Err(e);
            }
        }
        Ok(self.flush()?)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each lock guards a single value replaced or used in one step.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The read loop: reads messages until the stream ends or breaks, then closes the endpoint.
fn pump<S: Source>(shared: &Arc<Shared>, mut source: S) {
    mark_endpoint_thread();
    let why = if source.frames_messages() {
        // A frame is a message: taken whole, decoded (and judged) by whoever receives it.
        serve_messages(shared, || next_frame(&mut source))
    } else {
        let limits = shared.settings.limits;
        let mut reader = BinaryReader::with_limits(Recording::new(source), limits);
        serve_messages(shared, || next_message(&mut reader))
    };
    shared.close(&why);
}

/// Routes each message `next` reads; returns why the loop ended.
fn serve_messages(
    shared: &Arc<Shared>,
    mut next: impl FnMut() -> Result<Option<Incoming>>,
) -> String {
    loop {
        match next() {
            Ok(Some(message)) => {
                if let Err(e) = route(shared, message) {
                    return format!("bad message from the peer: {e}");
                }
            }
            Ok(None) => return "the peer closed the connection".to_owned(),
            Err(e) if shared.is_closed() => return format!("closed locally ({e})"),
            Err(e) => return format!("read failed: {e}"),
        }
    }
}

/// The next frame, with its descriptors; `None` when the peer closed the stream between
/// frames.
fn next_frame<S: Source>(source: &mut S) -> Result<Option<Incoming>> {
    let Some(bytes) = source.take_frame()? else {
        return Ok(None);
    };
    Ok(Some(Incoming {
        bytes,
        #[cfg(unix)]
        fds: source.take_received_fds(),
    }))
}

/// The next whole message of a stream that does not frame messages, with its descriptors:
/// skipped through once (checking every limit) while its bytes are recorded; `None` when
/// the peer closed the stream between messages.
fn next_message<S: Source>(r: &mut BinaryReader<Recording<S>>) -> Result<Option<Incoming>> {
    if !r.has_message()? {
        return Ok(None);
    }
    r.get_mut().start();
    r.read_message_begin()?;
    r.skip(TType::Struct)?;
    r.read_message_end()?;
    Ok(Some(Incoming {
        bytes: r.get_mut().take(),
        #[cfg(unix)]
        fds: r.get_mut().take_received_fds(),
    }))
}

/// Sends one message where it belongs: a reply to its waiting caller, a call to a worker.
fn route(shared: &Arc<Shared>, message: Incoming) -> Result<()> {
    let header = {
        let source = BytesSource::new(message.bytes.clone());
        let mut r = BinaryReader::with_limits(source, shared.settings.limits);
        r.read_message_begin()?
    };
    match header.kind {
        MessageType::Reply | MessageType::Exception => {
            match shared
                .pending
                .complete(header.seqid, header.channel, message)
            {
                Delivery::Delivered => {}
                Delivery::Unknown => log::debug!(
                    "reply `{}` #{} from {} has no waiting caller (timed out?); dropped",
                    header.name,
                    header.seqid,
                    shared.peer
                ),
                Delivery::WrongChannel(expected) => log::warn!(
                    "reply `{}` #{} came on channel {}, the call went out on {expected}; dropped",
                    header.name,
                    header.seqid,
                    header.channel
                ),
            }
        }
        MessageType::Call | MessageType::Oneway => {
            let job_shared = Arc::clone(shared);
            let job_message = message;
            match shared
                .workers
                .submit(move || serve_call(&job_shared, job_message))
            {
                Ok(()) => {}
                Err(Refused::Closed) => {}
                Err(Refused::Busy) => refuse(shared, &header, "the endpoint is overloaded")?,
            }
        }
    }
    Ok(())
}

/// Answers a call the endpoint cannot serve with an exception (oneway calls are dropped).
fn refuse(shared: &Shared, header: &MessageHeader, why: &str) -> Result<()> {
    if header.kind == MessageType::Oneway {
        log::warn!("oneway `{}` dropped: {why}", header.name);
        return Ok(());
    }
    let exception = ApplicationError::new(ApplicationErrorKind::InternalError, why);
    let mut w = BinaryWriter::new(shared.outgoing());
    write_exception(&mut w, header, &exception)?;
    shared.send(w.get_ref())
}

/// Runs on a worker: decodes the call, runs the service of its channel, writes the reply.
fn serve_call(shared: &Shared, message: Incoming) {
    let mut r = BinaryReader::with_limits(message.into_source(), shared.settings.limits);
    let header = match r.read_message_begin() {
        Ok(header) => header,
        Err(e) => return log::warn!("cannot decode a call from {}: {e}", shared.peer),
    };
    let mut w = BinaryWriter::new(shared.outgoing());
    #[cfg(unix)]
    let _peer = crate::peer::enter(shared.credentials.clone());
    let outcome = match shared.services.get(header.channel) {
        Some(service) => service.handle(&header, &mut r, &mut w),
        None => {
            let why = format!(
                "no service on channel {} for `{}`",
                header.channel, header.name
            );
            if header.kind == MessageType::Oneway {
                log::warn!("oneway dropped: {why}");
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
        log::warn!("call `{}` from {} failed: {e}", header.name, shared.peer);
    }
    let reply = w.get_ref();
    if !reply.is_empty() {
        if let Err(e) = shared.send(reply) {
            log::debug!("reply to `{}` not sent: {e}", header.name);
        }
    }
}
