//! Whole messages as the endpoint moves them: [`Outgoing`], the buffer a message is encoded
//! into (with its descriptors), and [`Incoming`], a message read by the pump (with the
//! descriptors that came with it).

use bytes::Bytes;

use crate::limits::Limits;
use crate::transport::MessageBuffer;
use crate::transport::memory::BytesSource;
use crate::transport::spare::Spare;

/// One message being encoded: a [`MessageBuffer`] (its bytes and, over a transport that
/// carries them, its descriptors). The connection's transport frames it when it is sent (see
/// `Sender`).
pub type Outgoing = MessageBuffer;

/// What a buffer for one message starts with: small (most messages are), so that a fresh one
/// stays in the allocator's per-thread cache.
const FIRST_CAPACITY: usize = 512;

/// A buffer for one outgoing message with `header` bytes of room in front for its frame.
pub(crate) fn outgoing(header: usize, limits: &Limits, fds: bool) -> Outgoing {
    let mut storage = Spare::Outgoing.take();
    if storage.capacity() == 0 {
        storage = Vec::with_capacity(FIRST_CAPACITY);
    }
    Outgoing::with_storage(storage, header, limits).allow_fds(fds)
}

/// Keeps a sent message's buffer for this thread's next message.
pub(crate) fn recycle(message: Outgoing) {
    Spare::Outgoing.keep(message.into_storage());
}

/// A message the pump read whole, with the descriptors that came with it.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) bytes: Bytes,
    #[cfg(unix)]
    pub(crate) fds: Option<crate::transport::fd::ReceivedFds>,
    /// THeader info headers that came with the message, for the handler that runs it.
    pub(crate) headers: Option<std::sync::Arc<crate::header::InfoHeaders>>,
}

impl Incoming {
    /// A message without descriptors.
    #[cfg(test)]
    pub(crate) fn plain(bytes: Bytes) -> Self {
        Self {
            bytes,
            headers: None,
            #[cfg(unix)]
            fds: None,
        }
    }

    /// A source to decode the message from; it owns the descriptors, so whatever the
    /// decoder does not claim is closed with it.
    /// The bytes as a source, with their descriptors (the headers are left behind: take them
    /// first).
    pub(crate) fn into_source(self) -> BytesSource {
        #[cfg(unix)]
        if let Some(fds) = self.fds {
            return BytesSource::with_fds(self.bytes, fds);
        }
        BytesSource::new(self.bytes)
    }
}
