//! The table of calls waiting for their replies, keyed by sequence id.
//!
//! Sequence ids are unique per connection (one counter for every channel and thread), so the
//! id alone finds the waiting caller; the channel is kept to check that the reply came back
//! on the channel the call went out on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::message::Incoming;

/// A waiting caller's half: the whole reply message arrives here.
pub(crate) type ReplySlot = Receiver<Incoming>;

#[derive(Debug, Default)]
pub(crate) struct Pending {
    next_seqid: AtomicI32,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    waiting: HashMap<i32, (u8, SyncSender<Incoming>)>,
    /// Set when the connection is gone: no new call may wait.
    closed: bool,
}

/// What [`Pending::complete`] did with a reply.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Handed to its caller.
    Delivered,
    /// Nobody waits for that id (the caller timed out, or the peer made it up).
    Unknown,
    /// The caller waits on another channel.
    WrongChannel(u8),
}

impl Pending {
    /// A fresh sequence id (wrapping, as Apache's clients do).
    pub(crate) fn next_seqid(&self) -> i32 {
        self.next_seqid
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
    }

    /// Registers a call on `channel` that waits for a reply; `None` once the connection is
    /// closed.
    pub(crate) fn register(&self, seqid: i32, channel: u8) -> Option<ReplySlot> {
        let mut state = self.lock();
        if state.closed {
            return None;
        }
        let (tx, rx) = sync_channel(1);
        state.waiting.insert(seqid, (channel, tx));
        Some(rx)
    }

    /// Hands a reply to the caller waiting for `seqid`.
    pub(crate) fn complete(&self, seqid: i32, channel: u8, reply: Incoming) -> Delivery {
        let mut state = self.lock();
        match state.waiting.get(&seqid) {
            None => Delivery::Unknown,
            Some((expected, _)) if *expected != channel => Delivery::WrongChannel(*expected),
            Some(_) => {
                let (_, tx) = state.waiting.remove(&seqid).expect("just looked up");
                // The slot holds one message and only this reply is ever sent to it; a caller
                // that already gave up has dropped its receiver, which is fine.
                let _ = tx.try_send(reply);
                Delivery::Delivered
            }
        }
    }

    /// Forgets a call whose caller stopped waiting (timeout, or its request was never sent).
    pub(crate) fn forget(&self, seqid: i32) {
        self.lock().waiting.remove(&seqid);
    }

    /// Wakes every waiting caller (their slots disconnect) and refuses new ones.
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.waiting.clear();
    }

    /// How many calls wait for a reply.
    pub(crate) fn len(&self) -> usize {
        self.lock().waiting.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section is a single map operation; a panic cannot leave it half done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn message(bytes: &'static [u8]) -> Incoming {
        Incoming::plain(Bytes::from_static(bytes))
    }

    #[test]
    fn routes_by_seqid_and_checks_the_channel() {
        let p = Pending::default();
        let a = p.next_seqid();
        let b = p.next_seqid();
        assert_ne!(a, b);
        let slot_a = p.register(a, 3).unwrap();
        let slot_b = p.register(b, 55).unwrap();
        assert_eq!(p.complete(b, 3, message(b"x")), Delivery::WrongChannel(55));
        assert_eq!(p.complete(a, 3, message(b"a")), Delivery::Delivered);
        assert_eq!(slot_a.recv().unwrap().bytes, "a");
        assert_eq!(p.complete(a, 3, message(b"")), Delivery::Unknown);
        p.close();
        assert!(slot_b.recv().is_err(), "closing wakes the waiting caller");
        assert!(p.register(p.next_seqid(), 0).is_none());
    }
}
