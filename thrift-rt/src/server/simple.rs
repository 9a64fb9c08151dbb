//! The simple server: the accept thread serves each connection itself, one at a time.
//! Clients that arrive meanwhile wait in the listen backlog.

use std::sync::Arc;

use super::connection::{self, Opener};
use super::shared::Shared;
use crate::transport::stream::Stream;

pub(crate) fn dispatch(shared: &Arc<Shared>, opener: &Opener, stream: Stream) {
    let guard = shared.register(&mut shared.lock(), &stream);
    if let Some(guard) = guard {
        connection::serve_to_end(opener, guard, stream);
    }
}
