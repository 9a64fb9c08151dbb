//! Built-in layers: byte transformations between a transport and the end point (see
//! [`stack::Layer`](crate::stack::Layer)).
//!
//! - [`Zlib`]: Apache's `TZlibTransport` (zlib-compressed byte stream).
//! - `tls` (cargo feature `tls`): TLS with rustls, client and server, with client
//!   certificates visible to handlers.
//! - `Option<L>`: a layer chosen at run time ([`MaybeLayered`]).
//!
//! A layer that authenticates the peer shares what it knows through
//! [`Layer::peer_identity`](crate::stack::Layer::peer_identity); handlers read it with
//! [`current_peer_identity`].

mod identity;
mod optional;
#[cfg(feature = "tls")]
pub mod tls;
pub mod zlib;

pub(crate) use identity::enter as enter_identity;
pub use identity::{PeerIdentity, current_peer_identity};
pub use optional::MaybeLayered;
pub use zlib::{Zlib, ZlibFlush, ZlibReader, ZlibWriter};
