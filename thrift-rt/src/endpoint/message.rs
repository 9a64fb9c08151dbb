//! Whole messages as the endpoint moves them: [`Outgoing`], the buffer a message is encoded
//! into (with its descriptors), and [`Incoming`], a message read by the pump (with the
//! descriptors that came with it).

use bytes::Bytes;

use crate::transport::MessageBuffer;
use crate::transport::memory::BytesSource;

/// One message being encoded: a [`MessageBuffer`] (its bytes and, over a transport that
/// carries them, its descriptors). The connection's transport frames it when it is sent (see
/// `Sender`).
pub type Outgoing = MessageBuffer;

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
