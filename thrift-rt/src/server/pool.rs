//! The thread-pool server: a fixed set of workers and a bounded queue of accepted
//! connections.
//!
//! The accept thread queues each connection; an idle worker takes it and serves it until it
//! closes. When the queue is full, [`Overload::Wait`] stops accepting until a worker takes one
//! (newcomers wait in the listen backlog), and [`Overload::Refuse`] closes the newcomer at
//! once. Nothing grows without bound: at most `workers` connections are served and `queue`
//! wait in memory.

use std::sync::Arc;
use std::thread::JoinHandle;

use super::dispatch::ConnectionProcessor;
use super::shared::Shared;
use super::{Config, Overload, connection};
use crate::transport::stream::Stream;

/// Queues an accepted connection, waiting or refusing when the queue is full.
pub(crate) fn enqueue(shared: &Shared, stream: Stream, capacity: usize, overload: Overload) {
    let mut state = shared.lock();
    loop {
        if state.stopping {
            return;
        }
        if state.queue.len() < capacity.max(1) {
            state.queue.push_back(stream);
            drop(state);
            shared.notify();
            return;
        }
        if overload == Overload::Refuse {
            log::warn!("refusing {}: all workers busy, queue full", stream.peer());
            return;
        }
        state = shared.wait(state);
    }
}

/// Starts `workers` threads serving queued connections until the server stops.
pub(crate) fn spawn_workers<C: ConnectionProcessor + ?Sized + 'static>(
    workers: usize,
    shared: &Arc<Shared>,
    processor: &Arc<C>,
    config: &Arc<Config>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    (0..workers.max(1))
        .map(|i| {
            let shared = Arc::clone(shared);
            let processor = Arc::clone(processor);
            let config = Arc::clone(config);
            std::thread::Builder::new()
                .name(format!("thrift-worker-{i}"))
                .spawn(move || work(&shared, &*processor, &config))
        })
        .collect()
}

fn work<C: ConnectionProcessor + ?Sized>(shared: &Arc<Shared>, processor: &C, config: &Config) {
    loop {
        let mut state = shared.lock();
        let stream = loop {
            if state.stopping {
                return;
            }
            if let Some(s) = state.queue.pop_front() {
                break s;
            }
            state = shared.wait(state);
        };
        let guard = shared.register(&mut state, &stream);
        drop(state);
        // The queue has room again.
        shared.notify();
        if let Some(guard) = guard {
            connection::run(processor, config, guard, stream);
        }
    }
}
