//! Spare buffers, one of each kind per thread: the storage of a message a thread is done
//! with, taken again for the next message of that kind it writes or reads. A thread calling
//! in a loop, or serving call after call, then uses the same memory for every message
//! instead of allocating and freeing a buffer each time (and a message of a few KiB no
//! longer grows its buffer step by step).

use std::cell::Cell;
use std::thread::LocalKey;

/// A buffer with more room than this is freed rather than kept.
const MAX: usize = 64 * 1024;

thread_local! {
    static OUTGOING: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    static FRAMES: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Which spare.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Spare {
    /// Buffers messages are encoded into (endpoints).
    Outgoing,
    /// Frames read whole and handed to another owner (endpoints, `Source::take_frame`).
    Frames,
}

impl Spare {
    fn slot(self) -> &'static LocalKey<Cell<Vec<u8>>> {
        match self {
            Spare::Outgoing => &OUTGOING,
            Spare::Frames => &FRAMES,
        }
    }

    /// This thread's spare, empty (without any capacity when there is none).
    pub(crate) fn take(self) -> Vec<u8> {
        self.slot().take()
    }

    /// Keeps `storage`, emptied, as this thread's spare, unless it has no room at all or
    /// more than 64 KiB.
    pub(crate) fn keep(self, mut storage: Vec<u8>) {
        if (1..=MAX).contains(&storage.capacity()) {
            storage.clear();
            self.slot().set(storage);
        }
    }
}
