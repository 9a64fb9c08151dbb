//! The simple server: the accept thread serves each connection itself, one at a time.
//! Clients that arrive meanwhile wait in the listen backlog.

use std::sync::Arc;

use super::dispatch::ConnectionProcessor;
use super::shared::Shared;
use super::{Config, connection};
use crate::transport::stream::Stream;

pub(crate) fn dispatch<C: ConnectionProcessor + ?Sized + 'static>(
    shared: &Arc<Shared>,
    processor: &Arc<C>,
    config: &Config,
    stream: Stream,
) {
    let guard = shared.register(&mut shared.lock(), &stream);
    if let Some(guard) = guard {
        connection::serve_to_end(processor, config, guard, stream);
    }
}
