//! What a layer knows about the peer (a TLS client's certificates), made available to
//! handlers while they handle the peer's calls.
//!
//! A layer that authenticates the peer returns its knowledge from
//! [`Layer::peer_identity`](crate::stack::Layer::peer_identity); servers set it on the
//! thread that serves the connection, as they do for Unix-socket credentials
//! ([`peer::current`](crate::peer::current)): for the whole connection on the simple and
//! threaded servers, for each turn on a thread-pool worker. Handlers read it with
//! [`current_peer_identity`] and downcast it to the layer's type, or use the layer's own
//! accessor (for TLS: `tls::peer_certificates`).
//!
//! The value is shared with the layer (an `Arc`), so a layer may fill it in later, when it
//! knows more: the TLS server layer learns the client's certificates when the handshake
//! completes, during the first read of the connection.

use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;

/// What a layer knows about the peer, as the layer chose to share it.
pub type PeerIdentity = Arc<dyn Any + Send + Sync>;

thread_local! {
    static CURRENT: RefCell<Option<PeerIdentity>> = const { RefCell::new(None) };
}

/// The identity the layers of the connection whose call this thread is handling gave
/// ([`Layer::peer_identity`](crate::stack::Layer::peer_identity)); `None` outside a handler,
/// on endpoints, and over layers that know nothing of the peer.
pub fn current_peer_identity() -> Option<PeerIdentity> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Makes `identity` what [`current_peer_identity`] returns on this thread until the guard
/// is dropped.
pub(crate) fn enter(identity: Option<PeerIdentity>) -> IdentityGuard {
    let previous = CURRENT.with(|c| c.replace(identity));
    IdentityGuard { previous }
}

/// Restores the previous identity when dropped.
pub(crate) struct IdentityGuard {
    previous: Option<PeerIdentity>,
}

impl Drop for IdentityGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}
