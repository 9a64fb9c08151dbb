//! The calls waiting for their replies, keyed by sequence id.
//!
//! Sequence ids are unique per connection (one counter for every channel and thread), so the
//! id alone finds the waiting caller; the channel is kept to check that the reply came back
//! on the channel the call went out on. The table lives inside the connection's state lock
//! (`connection.rs`), together with who is reading: whoever reads a reply puts it here and
//! wakes its caller, and a waiting caller can be handed the reading itself.
//!
//! A waiting caller sleeps with [`std::thread::park`] and is woken with `unpark`, which
//! costs a system call only when the caller is really asleep (a condition variable's
//! notification costs one every time).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};

use super::message::Incoming;

/// One waiting call.
#[derive(Debug)]
struct Waiter {
    channel: u8,
    reply: Option<Incoming>,
    /// The connection's reading was handed to this caller.
    lead: bool,
    /// The caller's request is sent and the caller waits (it has looked at its
    /// [`turn`](Pending::turn)): only then may the reading be handed to it. A caller still
    /// writing its request must not get it: if the peer's buffers are full, the write waits
    /// for the peer to read, which may wait for this side to read, which nobody would.
    sent: bool,
    /// What wakes its thread.
    wake: Arc<Wake>,
}

#[derive(Debug, Default)]
pub(crate) struct Pending {
    waiting: HashMap<i32, Waiter, BuildHasherDefault<SeqidHasher>>,
}

/// Hashes a sequence id with one multiplication (Fibonacci hashing) instead of SipHash, which
/// cost about 700 instructions per endpoint call (callgrind). Flooding is no concern: the
/// keys are the ids our own callers chose; a peer's reply only looks one up.
#[derive(Default)]
struct SeqidHasher(u64);

impl Hasher for SeqidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i32(&mut self, id: i32) {
        // The high bits carry the spread: hashbrown takes its control bits from the top.
        #[allow(clippy::cast_sign_loss)] // the bits of the id, not its value
        let id = u64::from(id as u32);
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// What [`Pending::deliver`] did with a reply.
#[derive(Debug)]
pub(crate) enum Delivery {
    /// Handed to its caller, who is to be woken through this (after the lock is released,
    /// so that it does not wake into a held lock); `None`: the caller is this thread.
    Delivered(Option<Arc<Wake>>),
    /// Nobody waits for that id (the caller timed out, or the peer made it up); the reply
    /// comes back, for the log.
    Unknown(Incoming),
    /// The caller waits on another channel (given); the reply comes back, for the log.
    WrongChannel(u8, Incoming),
}

/// Where a waiting call stands, for its caller.
#[derive(Debug)]
pub(crate) enum Turn {
    /// The reply is here.
    Reply(Incoming),
    /// The reading was handed to this caller: it reads now.
    Lead,
    /// Nothing yet.
    Wait,
    /// Nobody knows the call (the connection closed and forgot it).
    Gone,
}

/// Wakes a thread waiting for a reply.
#[derive(Debug)]
pub(crate) struct Wake {
    thread: Thread,
    /// Set by [`wake`](Self::wake), for a waiter that looks before it parks.
    woken: AtomicBool,
}

impl Wake {
    /// Wakes the thread (a system call only if it is parked).
    pub(crate) fn wake(&self) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }

    /// As the thread, before it lets go of the state lock to wait.
    pub(crate) fn reset(&self) {
        self.woken.store(false, Ordering::Relaxed);
    }

    /// Whether [`wake`](Self::wake) was called since [`reset`](Self::reset).
    pub(crate) fn woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }
}

thread_local! {
    /// What wakes this thread.
    static ME: Arc<Wake> = Arc::new(Wake { thread: thread::current(), woken: AtomicBool::new(false) });
}

impl Pending {
    /// Registers a call on `channel` that waits for a reply, made by this thread (woken by
    /// unparking it), whose request is about to be sent.
    pub(crate) fn register(&mut self, seqid: i32, channel: u8) {
        let wake = ME.with(Arc::clone);
        let waiter = Waiter {
            channel,
            reply: None,
            lead: false,
            sent: false,
            wake,
        };
        self.waiting.insert(seqid, waiter);
    }

    /// What wakes this thread.
    pub(crate) fn this_thread() -> Arc<Wake> {
        ME.with(Arc::clone)
    }

    /// Hands a reply to the caller waiting for `seqid`.
    pub(crate) fn deliver(&mut self, seqid: i32, channel: u8, reply: Incoming) -> Delivery {
        match self.waiting.get_mut(&seqid) {
            None => Delivery::Unknown(reply),
            Some(w) if w.channel != channel => Delivery::WrongChannel(w.channel, reply),
            Some(w) => {
                w.reply = Some(reply);
                // A caller reading its own reply is awake: no wake-up (a system call) for it.
                let mine = ME.with(|me| Arc::ptr_eq(me, &w.wake));
                Delivery::Delivered((!mine).then(|| Arc::clone(&w.wake)))
            }
        }
    }

    /// Where the call `seqid` stands, for its caller, who waits from now on (its request
    /// sent); a reply or the lead is taken (the call is forgotten once its reply is taken).
    pub(crate) fn turn(&mut self, seqid: i32) -> Turn {
        let Some(w) = self.waiting.get_mut(&seqid) else {
            return Turn::Gone;
        };
        w.sent = true;
        if let Some(reply) = w.reply.take() {
            self.waiting.remove(&seqid);
            return Turn::Reply(reply);
        }
        if std::mem::take(&mut w.lead) {
            return Turn::Lead;
        }
        Turn::Wait
    }

    /// Forgets the call `seqid` on `channel`, whose reply the caller itself has just read;
    /// `false` when no such call waits (then the reply is [`deliver`](Self::deliver)ed,
    /// which says what is wrong with it).
    pub(crate) fn claim(&mut self, seqid: i32, channel: u8) -> bool {
        match self.waiting.remove(&seqid) {
            Some(w) if w.channel == channel => true,
            Some(w) => {
                // Rare: a reply on the wrong channel. Put back for `deliver` to report.
                self.waiting.insert(seqid, w);
                false
            }
            None => false,
        }
    }

    /// Hands the reading to one caller still waiting for its reply (not one still sending
    /// its request); returns what wakes it (to be notified once the lock is released),
    /// `None` if there is none.
    pub(crate) fn hand_lead(&mut self) -> Option<Arc<Wake>> {
        let next = self
            .waiting
            .values_mut()
            .find(|w| w.sent && w.reply.is_none() && !w.lead)?;
        next.lead = true;
        Some(Arc::clone(&next.wake))
    }

    /// Forgets a call whose caller stopped waiting (timeout, or its request was never sent);
    /// returns whether the reading had been handed to it.
    pub(crate) fn forget(&mut self, seqid: i32) -> bool {
        self.waiting.remove(&seqid).is_some_and(|w| w.lead)
    }

    /// Wakes every waiting caller (they find the connection closed) and forgets them.
    pub(crate) fn close(&mut self) {
        for w in self.waiting.values() {
            w.wake.wake();
        }
        self.waiting.clear();
    }

    /// How many calls wait for a reply.
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
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
    fn routes_by_seqid_checks_the_channel_and_hands_the_lead() {
        let mut p = Pending::default();
        p.register(1, 3);
        p.register(2, 55);
        assert!(matches!(
            p.deliver(2, 3, message(b"x")),
            Delivery::WrongChannel(55, _)
        ));
        // Registered by this thread: delivered without a wake-up.
        assert!(matches!(
            p.deliver(1, 3, message(b"a")),
            Delivery::Delivered(None)
        ));
        assert!(matches!(p.turn(1), Turn::Reply(m) if m.bytes == "a"));
        assert!(matches!(
            p.deliver(1, 3, message(b"")),
            Delivery::Unknown(_)
        ));
        // Call 2's request is still being sent: the reading is not handed to it.
        assert!(p.hand_lead().is_none(), "call 2 is not waiting yet");
        assert!(matches!(p.turn(2), Turn::Wait));
        // A caller reading its own reply takes it at once; not on another channel.
        p.register(9, 4);
        assert!(!p.claim(9, 5));
        assert!(p.claim(9, 4));
        assert!(!p.claim(9, 4), "forgotten");
        assert!(p.hand_lead().is_some(), "call 2 still waits");
        assert!(p.hand_lead().is_none(), "only once");
        assert!(matches!(p.turn(2), Turn::Lead));
        p.close();
        assert!(matches!(p.turn(2), Turn::Gone));
        assert_eq!(p.len(), 0);
    }
}
