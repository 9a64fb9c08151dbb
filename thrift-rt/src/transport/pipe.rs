//! [`pipe`]: an in-memory connection, two ends each reading what the other writes.
//!
//! It is an end point like a socket ([`ReadEnd`] and [`WriteEnd`]), so any
//! [`Stack`](crate::stack::Stack), layers included, runs over it: a client on one thread and
//! [`processor::serve`](crate::processor::serve) on another talk without the network, in
//! tests or inside one process. Reads block until bytes arrive or the writing half is dropped
//! (then the reader sees the end of the stream once the bytes are read); writes never block,
//! so one direction holds at most what its writer sent and its reader has not read yet.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::{ReadEnd, WriteEnd};

/// One direction of a [`pipe`].
#[derive(Debug, Default)]
struct Channel {
    state: Mutex<State>,
    readable: Condvar,
}

#[derive(Debug, Default)]
struct State {
    bytes: VecDeque<u8>,
    /// The writing half was dropped.
    closed: bool,
}

impl Channel {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change is one push or drain; a panic cannot leave it half-done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The reading half of one end of a [`pipe`].
#[derive(Debug)]
pub struct PipeReader(Arc<Channel>);

/// The writing half of one end of a [`pipe`]; dropping it ends the other end's stream.
#[derive(Debug)]
pub struct PipeWriter(Arc<Channel>);

/// An in-memory connection: `(a_read, a_write)` is one end, `(b_read, b_write)` the other;
/// what `a_write` writes, `b_read` reads, and the other way round.
pub fn pipe() -> ((PipeReader, PipeWriter), (PipeReader, PipeWriter)) {
    let a_to_b = Arc::new(Channel::default());
    let b_to_a = Arc::new(Channel::default());
    (
        (
            PipeReader(Arc::clone(&b_to_a)),
            PipeWriter(Arc::clone(&a_to_b)),
        ),
        (PipeReader(a_to_b), PipeWriter(b_to_a)),
    )
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut state = self.0.lock();
        while state.bytes.is_empty() && !state.closed {
            state = self
                .0
                .readable
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let n = state.bytes.len().min(buf.len());
        for (slot, byte) in buf.iter_mut().zip(state.bytes.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

impl Write for PipeWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut state = self.0.lock();
        state.bytes.extend(data);
        drop(state);
        self.0.readable.notify_all();
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.readable.notify_all();
    }
}

impl ReadEnd for PipeReader {}
impl WriteEnd for PipeWriter {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_end_reads_what_the_other_writes_then_the_end() {
        let ((mut a_r, mut a_w), (mut b_r, b_w)) = pipe();
        let echo = std::thread::spawn(move || {
            let mut buf = [0u8; 5];
            b_r.read_exact(&mut buf).unwrap();
            let mut b_w = b_w;
            b_w.write_all(&buf).unwrap();
            // `b_w` dropped: `a_r` sees the end after the echo.
        });
        a_w.write_all(b"hello").unwrap();
        let mut back = Vec::new();
        a_r.read_to_end(&mut back).unwrap();
        assert_eq!(back, b"hello");
        echo.join().unwrap();
    }
}
