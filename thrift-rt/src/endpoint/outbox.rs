//! [`Outbox`]: how the threads of one connection share its socket for writing, without
//! queueing behind one another.
//!
//! A thread with a message to send becomes the *writer* if nobody is writing, and sends it
//! (one system call). If somebody is, it leaves its message in the outbox and goes on: the
//! writer, before it stops, sends everything left there, collected into one buffer below
//! the transport and its layers and written with one system call ([`BatchEnd`]). Under load
//! many callers and handlers of one connection thus cost one write between them instead of
//! one write and one lock hand-over each; alone, a message costs what it did.
//!
//! A message left in the outbox is reported sent: if the write fails later, the connection
//! closes, and its caller learns it from the missing reply (as when a peer dies with the
//! bytes in its socket buffer).

use std::io::{self, Write};
use std::mem;
#[cfg(unix)]
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::Result;
use crate::transport::stream::Stream;
use crate::transport::{Sink, WriteEnd};

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
    /// The transport's sink; only the writer uses it.
    sender: Mutex<Box<dyn Sender>>,
    waiting: Mutex<Waiting>,
    batch: Arc<Batch>,
}

#[derive(Default)]
struct Waiting {
    /// Somebody is writing.
    busy: bool,
    messages: Vec<Outgoing>,
}

impl Outbox {
    /// An outbox over `sender`, which writes through the [`BatchEnd`] sharing `batch`.
    pub(crate) fn new(sender: Box<dyn Sender>, batch: Arc<Batch>) -> Self {
        Self {
            sender: Mutex::new(sender),
            waiting: Mutex::new(Waiting::default()),
            batch,
        }
    }

    /// Sends `message`, or leaves it to the thread writing now. An error is the write's
    /// (the connection is then broken).
    pub(crate) fn send(&self, message: Outgoing) -> Result<()> {
        let mut waiting = lock(&self.waiting);
        if waiting.busy {
            waiting.messages.push(message);
            return Ok(());
        }
        waiting.busy = true;
        if !waiting.messages.is_empty() {
            // Replies held: this message goes with them, in one write.
            waiting.messages.push(message);
            drop(waiting);
            return self.drain(&mut **lock(&self.sender), Ok(()));
        }
        drop(waiting);
        let mut sender = lock(&self.sender);
        let result = sender.send(&message);
        self.drain(&mut **sender, result)
    }

    /// Keeps `message` to be sent with the next write (a reply to a call that has more calls
    /// read behind it: their replies then go out together), up to [`MAX_HELD`] messages;
    /// sends it now otherwise. Whoever holds messages must [`flush`](Self::flush) them
    /// before it waits for anything; any write sends them too.
    pub(crate) fn hold(&self, message: Outgoing) -> Result<()> {
        let mut waiting = lock(&self.waiting);
        if waiting.busy || waiting.messages.len() < MAX_HELD {
            waiting.messages.push(message);
            return Ok(());
        }
        drop(waiting);
        self.send(message)
    }

    /// Sends the messages held, unless a writer is at work (it sends them before it stops).
    pub(crate) fn flush(&self) -> Result<()> {
        let mut waiting = lock(&self.waiting);
        if waiting.busy || waiting.messages.is_empty() {
            return Ok(());
        }
        waiting.busy = true;
        drop(waiting);
        let mut sender = lock(&self.sender);
        self.drain(&mut **sender, Ok(()))
    }

    /// As the writer, after a write with `result`: sends what was left in the outbox
    /// meanwhile, batch after batch, then stops being the writer.
    fn drain(&self, sender: &mut dyn Sender, mut result: Result<()>) -> Result<()> {
        loop {
            let mut waiting = lock(&self.waiting);
            if waiting.messages.is_empty() || result.is_err() {
                waiting.messages.clear();
                waiting.busy = false;
                return result;
            }
            let messages = mem::take(&mut waiting.messages);
            drop(waiting);
            result = self.send_batch(sender, &messages);
        }
    }

    /// Sends `messages` with one write (more only where descriptors travel).
    fn send_batch(&self, sender: &mut dyn Sender, messages: &[Outgoing]) -> Result<()> {
        self.batch.collecting.store(true, Ordering::Relaxed);
        let framed = messages.iter().try_for_each(|m| sender.send(m));
        self.batch.collecting.store(false, Ordering::Relaxed);
        let bytes = mem::take(&mut *lock(&self.batch.bytes));
        framed?;
        lock(&self.batch.stream).write_all(&bytes)?;
        Ok(())
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
