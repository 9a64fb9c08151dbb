//! [`Outbox`]: how the threads of one connection share its socket for writing, without
//! queueing behind one another.
//!
//! A thread with a message to send becomes the *writer* if nobody is writing, and sends it
//! (one system call). If somebody is, it leaves its message in the outbox and goes on: the
//! writer, before it stops, sends everything left there with one system call. Under load
//! many callers and handlers of one connection thus cost one write between them instead of
//! one write and one lock hand-over each; alone, a message costs what it did: becoming the
//! writer is one `try_lock`, and an empty outbox is seen from a counter, without its lock.
//!
//! Nothing is left behind: a thread that leaves a message tries to become the writer after
//! leaving it, and a writer looks at the counter again after it stops being the writer
//! (with a full fence on both sides: one of the two sees the other), so either the thread
//! leaving the message sends it or the writer does.
//!
//! How a message reaches the socket depends on the stack ([`Writer`]). Over the framed,
//! buffered and fd transports with no layer, a message is written *straight from the buffer
//! it was encoded in*: the buffer keeps room in front for the frame header, filled in place,
//! and a batch is one `writev` of the buffers as they are. Any other stack goes through its
//! transport's sink and layers, which copy the message into their own buffer (a batch is
//! collected below them, in [`BatchEnd`], and written at once).
//!
//! A message left in the outbox is reported sent: if the write fails later, the connection
//! closes, and its caller learns it from the missing reply (as when a peer dies with the
//! bytes in its socket buffer).

use std::any::TypeId;
use std::io::{self, IoSlice, Write};
use std::mem;
#[cfg(unix)]
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use crate::error::Result;
use crate::stack::{Buffered, Fd, Framed, Layer, Plain, Transport, TransportKind};
use crate::transport::stream::Stream;
use crate::transport::{Framing, Sink, WriteEnd};

use super::message::Outgoing;

/// Sends whole messages: the connection's transport sink over its layers over the socket.
/// One virtual call per message.
pub(crate) trait Sender: Send {
    /// Frames `message` and writes it with its descriptors.
    fn send(&mut self, message: &Outgoing) -> Result<()>;
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

/// How many replies [`Outbox::hold`] keeps before it writes: a burst of calls read at once
/// is answered with one write per this many replies at most.
const MAX_HELD: usize = 32;

pub(crate) struct Outbox {
    /// Held by the thread writing (taken with `try_lock` only: nobody waits for it).
    writer: Mutex<Writer>,
    /// Messages left for the writer, and replies held (see [`hold`](Self::hold)), in order.
    waiting: Mutex<Vec<Outgoing>>,
    /// How many messages `waiting` has (changed under its lock, read without it).
    queued: AtomicUsize,
    /// Room kept in front of each message for its frame header, and how it is filled, when
    /// messages are written straight from their buffers.
    in_place: Option<InPlace>,
}

/// How messages reach the socket.
enum Writer {
    /// Through the transport's sink and layers (any stack); batches are collected by the
    /// [`BatchEnd`] below them.
    Sink {
        sender: Box<dyn Sender>,
        batch: Arc<Batch>,
    },
    /// Straight from the messages' buffers, framed in place ([`InPlace`]).
    Direct(Stream),
}

/// A transport's framing, for messages written straight from their buffers.
#[derive(Clone, Copy)]
struct InPlace {
    header: usize,
    /// [`MessageBuffer::finish`](crate::transport::MessageBuffer::finish) for the framing:
    /// checks the frame limit and fills the header.
    finish: fn(&mut Outgoing) -> Result<()>,
}

impl InPlace {
    fn of<F: Framing>() -> Self {
        Self {
            header: F::HEADER,
            finish: Outgoing::finish::<F>,
        }
    }

    /// The framing of a stack whose messages can be written straight from their buffers:
    /// a built-in framed, buffered or fd transport (chosen at compile time or at run time)
    /// with no layer over the socket. `None` for any other stack.
    fn of_stack<T: Transport, L: Layer>(transport: &T) -> Option<Self> {
        if TypeId::of::<L>() != TypeId::of::<Plain>() {
            return None;
        }
        match TransportKind::of(transport)? {
            TransportKind::Framed => Some(Self::of::<Framed>()),
            TransportKind::Buffered => Some(Self::of::<Buffered>()),
            TransportKind::Fd => Some(Self::of::<Fd>()),
            _ => None,
        }
    }
}

impl Outbox {
    /// An outbox for a connection over `transport` and layers `L`, whose `sender` writes
    /// through the [`BatchEnd`] sharing `batch`: used as it is, or, where the stack allows
    /// writing straight from the messages' buffers, dropped for the batch's socket.
    ///
    /// # Errors
    ///
    /// When the socket cannot be duplicated (only if something else still holds the batch).
    pub(crate) fn new<T: Transport, L: Layer>(
        transport: &T,
        sender: Box<dyn Sender>,
        batch: Arc<Batch>,
    ) -> io::Result<Self> {
        let in_place = InPlace::of_stack::<T, L>(transport);
        let writer = match in_place {
            Some(_) => {
                // The sink's write end holds the batch's other reference: once it is gone,
                // the batch's socket is this connection's to write to.
                drop(sender);
                Writer::Direct(match Arc::try_unwrap(batch) {
                    Ok(batch) => batch
                        .stream
                        .into_inner()
                        .unwrap_or_else(PoisonError::into_inner),
                    Err(batch) => lock(&batch.stream).try_clone()?,
                })
            }
            None => Writer::Sink { sender, batch },
        };
        Ok(Self {
            writer: Mutex::new(writer),
            waiting: Mutex::new(Vec::new()),
            queued: AtomicUsize::new(0),
            in_place,
        })
    }

    /// Room to keep in front of each message for its frame header.
    pub(crate) fn header_room(&self) -> usize {
        self.in_place.map_or(0, |p| p.header)
    }

    /// Frames `message` for sending, when the outbox writes messages as they are: an error
    /// (a frame over the limit) is this message's alone.
    pub(crate) fn frame(&self, message: &mut Outgoing) -> Result<()> {
        match self.in_place {
            Some(in_place) => (in_place.finish)(message),
            None => Ok(()),
        }
    }

    /// Sends `message` (framed by [`frame`](Self::frame)), or leaves it to the thread
    /// writing now. An error is the write's (the connection is then broken).
    pub(crate) fn send(&self, message: Outgoing) -> Result<()> {
        // Messages waiting go first: this one joins them.
        if self.queued.load(Ordering::SeqCst) == 0 {
            if let Some(mut writer) = self.try_writer() {
                let result = writer.send(&message);
                super::message::recycle(message);
                return self.drain(writer, result);
            }
        }
        self.leave(message);
        // Somebody writing sees it: `drain` looks again once it lets go of the writer.
        fence(Ordering::SeqCst);
        match self.try_writer() {
            Some(writer) => self.drain(writer, Ok(())),
            None => Ok(()),
        }
    }

    /// Keeps `message` (framed by [`frame`](Self::frame)) to be sent with the next write (a
    /// reply to a call that has more calls read behind it: their replies then go out
    /// together), up to [`MAX_HELD`] messages; sends it now otherwise. Whoever holds
    /// messages must [`flush`](Self::flush) them before it waits for anything; any write
    /// sends them too.
    pub(crate) fn hold(&self, message: Outgoing) -> Result<()> {
        let mut waiting = lock(&self.waiting);
        if waiting.len() < MAX_HELD {
            waiting.push(message);
            self.queued.store(waiting.len(), Ordering::SeqCst);
            return Ok(());
        }
        drop(waiting);
        self.send(message)
    }

    /// Sends the messages held, unless a writer is at work (it sends them before it stops).
    pub(crate) fn flush(&self) -> Result<()> {
        if self.queued.load(Ordering::SeqCst) == 0 {
            return Ok(());
        }
        match self.try_writer() {
            Some(writer) => self.drain(writer, Ok(())),
            None => Ok(()),
        }
    }

    /// Leaves `message` for the writer.
    fn leave(&self, message: Outgoing) {
        let mut waiting = lock(&self.waiting);
        waiting.push(message);
        self.queued.store(waiting.len(), Ordering::SeqCst);
    }

    /// The writer, if nobody else is it.
    fn try_writer(&self) -> Option<MutexGuard<'_, Writer>> {
        match self.writer.try_lock() {
            Ok(writer) => Some(writer),
            // Nothing inside the lock panics halfway: a write failed or did not.
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// As the writer, after a write with `result`: sends what was left in the outbox
    /// meanwhile, batch after batch, then stops being the writer, and looks once more (a
    /// message left just before it let go is its to send, unless another thread became
    /// the writer). After a failed write what waits is dropped: the connection closes.
    fn drain<'a>(
        &'a self,
        mut writer: MutexGuard<'a, Writer>,
        mut result: Result<()>,
    ) -> Result<()> {
        loop {
            while self.queued.load(Ordering::SeqCst) > 0 {
                let mut messages = {
                    let mut waiting = lock(&self.waiting);
                    self.queued.store(0, Ordering::SeqCst);
                    mem::take(&mut *waiting)
                };
                if result.is_ok() {
                    result = writer.send_batch(&messages);
                }
                if let Some(last) = messages.pop() {
                    super::message::recycle(last);
                }
            }
            drop(writer);
            fence(Ordering::SeqCst);
            if self.queued.load(Ordering::SeqCst) == 0 {
                return result;
            }
            match self.try_writer() {
                Some(again) => writer = again,
                None => return result,
            }
        }
    }
}

impl Writer {
    /// Sends one message.
    fn send(&mut self, message: &Outgoing) -> Result<()> {
        match self {
            Writer::Sink { sender, .. } => sender.send(message),
            Writer::Direct(stream) => Ok(message.send_to(stream)?),
        }
    }

    /// Sends `messages` with one write (more only where descriptors travel).
    fn send_batch(&mut self, messages: &[Outgoing]) -> Result<()> {
        match self {
            Writer::Sink { sender, batch } => {
                batch.collecting.store(true, Ordering::Relaxed);
                let framed = messages.iter().try_for_each(|m| sender.send(m));
                batch.collecting.store(false, Ordering::Relaxed);
                let bytes = mem::take(&mut *lock(&batch.bytes));
                framed?;
                lock(&batch.stream).write_all(&bytes)?;
                Ok(())
            }
            Writer::Direct(stream) => {
                // Messages with descriptors go with their own `sendmsg`; the rest are written
                // together, up to this many buffers per `writev`.
                const MAX_SLICES: usize = 256;
                let mut rest = messages;
                while !rest.is_empty() {
                    let plain = rest
                        .iter()
                        .take(MAX_SLICES)
                        .take_while(|m| !m.has_fds())
                        .count();
                    if plain == 0 {
                        rest[0].send_to(stream)?;
                        rest = &rest[1..];
                        continue;
                    }
                    let mut slices: Vec<IoSlice<'_>> = rest[..plain]
                        .iter()
                        .map(|m| IoSlice::new(m.frame()))
                        .collect();
                    crate::transport::end::write_all_vectored(stream, &mut slices)?;
                    rest = &rest[plain..];
                }
                Ok(())
            }
        }
    }
}

/// What a [`BatchEnd`] collects while the writer sends a batch.
pub(crate) struct Batch {
    collecting: AtomicBool,
    bytes: Mutex<Vec<u8>>,
    /// The socket, to write a batch with (only ever used by the writer).
    stream: Mutex<Stream>,
}

impl Batch {
    pub(crate) fn new(stream: Stream) -> Arc<Self> {
        Arc::new(Self {
            collecting: AtomicBool::new(false),
            bytes: Mutex::new(Vec::new()),
            stream: Mutex::new(stream),
        })
    }
}

/// The socket's write end for an endpoint: writes go straight to the socket, except while
/// the writer collects a batch, when they go into the batch's buffer.
pub(crate) struct BatchEnd {
    stream: Stream,
    batch: Arc<Batch>,
}

impl BatchEnd {
    pub(crate) fn new(stream: Stream, batch: Arc<Batch>) -> Self {
        Self { stream, batch }
    }

    fn collecting(&self) -> bool {
        self.batch.collecting.load(Ordering::Relaxed)
    }
}

impl Write for BatchEnd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.collecting() {
            lock(&self.batch.bytes).extend_from_slice(buf);
            return Ok(buf.len());
        }
        self.stream.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.collecting() {
            lock(&self.batch.bytes).extend_from_slice(buf);
            return Ok(());
        }
        self.stream.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl WriteEnd for BatchEnd {
    fn can_send_fds(&self) -> bool {
        self.stream.can_send_fds()
    }

    /// Descriptors go with their own `sendmsg`, after what the batch collected so far.
    #[cfg(unix)]
    fn send_fds(&mut self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<()> {
        if self.collecting() {
            let before = mem::take(&mut *lock(&self.batch.bytes));
            self.stream.write_all(&before)?;
        }
        self.stream.send_fds(bytes, fds)
    }
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each of these locks guards one value changed in one step.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::stack::Framed;
    use std::io::Read;
    use std::os::unix::net::UnixStream;

    /// An outbox writing framed messages to one end of a socket pair, and the other end.
    fn framed_outbox(limits: &Limits) -> (Outbox, UnixStream) {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let stream = Stream::from(ours);
        let batch = Batch::new(stream.try_clone().unwrap());
        let end = BatchEnd::new(stream, Arc::clone(&batch));
        let sink = Framed.sink(end, limits).unwrap();
        let outbox = Outbox::new::<Framed, Plain>(&Framed, Box::new(sink), batch).unwrap();
        (outbox, theirs)
    }

    /// A message of `len` bytes of `fill`, framed in place by `outbox`.
    fn message(outbox: &Outbox, len: usize, fill: u8) -> Outgoing {
        let mut m = Outgoing::with_capacity(outbox.header_room(), len, &Limits::default());
        m.extend(&vec![fill; len]);
        outbox.frame(&mut m).unwrap();
        m
    }

    /// Many large messages held and sent at once, far past the socket's buffer: written
    /// straight from their buffers by `writev` calls that each take part of them, every
    /// frame arrives whole and in order.
    #[test]
    fn a_batch_past_the_socket_buffer_arrives_whole_and_in_order() {
        let (outbox, mut theirs) = framed_outbox(&Limits::default());
        assert_eq!(outbox.header_room(), 4, "framed in place");
        let sizes: Vec<usize> = (0..40).map(|i| 1 + i * 7919 % 70_000).collect();
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            theirs.read_to_end(&mut all).unwrap();
            all
        });
        for (i, &len) in sizes.iter().enumerate() {
            outbox.hold(message(&outbox, len, i as u8)).unwrap();
        }
        outbox.flush().unwrap();
        drop(outbox);
        let all = reader.join().unwrap();
        let mut at = 0;
        for (i, &len) in sizes.iter().enumerate() {
            let header: [u8; 4] = all[at..at + 4].try_into().unwrap();
            assert_eq!(u32::from_be_bytes(header) as usize, len, "frame {i}");
            assert!(all[at + 4..at + 4 + len].iter().all(|&b| b == i as u8));
            at += 4 + len;
        }
        assert_eq!(at, all.len());
    }

    /// Many threads sending at once: every message reaches the socket whole, none is left
    /// in the outbox once the last send returns (nobody flushes), and each thread's
    /// messages keep their order. Then replies held are sent by the flush, in order.
    #[test]
    fn concurrent_senders_leave_nothing_behind() {
        const THREADS: u8 = 8;
        const EACH: u32 = 20_000;
        let (outbox, mut theirs) = framed_outbox(&Limits::default());
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            theirs.read_to_end(&mut all).unwrap();
            all
        });
        let message = |t: u8, i: u32| {
            let mut m = Outgoing::with_capacity(4, 5, &Limits::default());
            m.extend(&[t]);
            m.extend(&i.to_be_bytes());
            outbox.frame(&mut m).unwrap();
            m
        };
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (outbox, message) = (&outbox, &message);
                s.spawn(move || {
                    for i in 0..EACH {
                        outbox.send(message(t, i)).unwrap();
                    }
                });
            }
        });
        assert_eq!(
            outbox.queued.load(Ordering::SeqCst),
            0,
            "nothing left behind"
        );
        for i in EACH..EACH + 100 {
            outbox.hold(message(0, i)).unwrap();
        }
        outbox.flush().unwrap();
        assert_eq!(
            outbox.queued.load(Ordering::SeqCst),
            0,
            "all held replies sent"
        );
        drop(outbox);
        let all = reader.join().unwrap();
        assert_eq!(all.len(), (usize::from(THREADS) * EACH as usize + 100) * 9);
        let mut next = [0u32; THREADS as usize];
        for frame in all.chunks(9) {
            assert_eq!(frame[..4], 5u32.to_be_bytes());
            let t = usize::from(frame[4]);
            assert_eq!(
                frame[5..],
                next[t].to_be_bytes(),
                "thread {t}'s messages in order"
            );
            next[t] += 1;
        }
    }

    /// A frame over the limit is refused before it is queued: the message's error alone.
    #[test]
    fn a_frame_over_the_limit_is_refused_before_sending() {
        let limits = Limits {
            max_frame_size: 100,
            ..Limits::default()
        };
        let (outbox, mut theirs) = framed_outbox(&limits);
        let mut m = Outgoing::with_capacity(4, 200, &limits);
        m.extend(&[1; 200]);
        assert!(outbox.frame(&mut m).is_err());
        let mut small = Outgoing::with_capacity(4, 10, &limits);
        small.extend(&[1; 10]);
        outbox.frame(&mut small).unwrap();
        outbox.send(small).unwrap();
        // Only the small frame went out.
        drop(outbox);
        let mut sent = Vec::new();
        theirs.read_to_end(&mut sent).unwrap();
        assert_eq!(sent[..4], 10u32.to_be_bytes());
        assert_eq!(sent[4..], [1; 10]);
    }
}
