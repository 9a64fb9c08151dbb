//! The simple server: the accept thread serves each connection itself, one at a time.
//! Clients that arrive meanwhile wait in the listen backlog.

use std::sync::Arc;

use super::dispatch::ConnectionProcessor;
use super::shared::Shared;
use super::{Config, connection};
use crate::transport::stream::Stream;

pub(crate) fn dispatch<C: ConnectionProcessor + ?Sized>(
    shared: &Arc<Shared>,
    processor: &C,
    config: &Config,
    stream: Stream,
) {
    let guard = shared.register(&mut shared.lock(), &stream);
    if let Some(guard) = guard {
        connection::run(processor, config, guard, stream);
    }
}
