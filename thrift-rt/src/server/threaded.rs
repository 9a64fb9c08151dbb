//! The threaded server: one thread per connection, at most `max_connections` at once.
//!
//! At the limit, [`Overload::Wait`] stops accepting until a connection closes (newcomers wait
//! in the listen backlog, where the kernel may refuse them once it is full);
//! [`Overload::Refuse`] accepts and closes them at once, so they see an end of stream.

use std::sync::Arc;
use std::thread::JoinHandle;

use super::Overload;
use super::connection::{self, Opener};
use super::shared::Shared;
use crate::transport::stream::Stream;

pub(crate) struct Threaded {
    pub(crate) shared: Arc<Shared>,
    pub(crate) opener: Opener,
    pub(crate) max_connections: usize,
    pub(crate) overload: Overload,
    pub(crate) threads: Vec<JoinHandle<()>>,
}

impl Threaded {
    pub(crate) fn dispatch(&mut self, stream: Stream) {
        let mut state = self.shared.lock();
        while state.open_connections() >= self.max_connections.max(1) && !state.stopping {
            if self.overload == Overload::Refuse {
                tracing::warn!(
                    peer = %stream.peer(),
                    limit = true,
                    open = state.open_connections(),
                    "connection refused: max_connections open"
                );
                return;
            }
            state = self.shared.wait(state);
        }
        let Some(guard) = self.shared.register(&mut state, &stream) else {
            return;
        };
        drop(state);
        let opener = Arc::clone(&self.opener);
        let spawned = std::thread::Builder::new()
            .name("thrift-conn".to_owned())
            .spawn(move || connection::serve_to_end(&opener, guard, stream));
        match spawned {
            Ok(handle) => self.threads.push(handle),
            Err(e) => tracing::error!("cannot spawn a connection thread: {e}"),
        }
        // Forget the threads that have finished, so the list stays as long as the number of
        // open connections.
        self.threads.retain(|t| !t.is_finished());
    }
}

/// Dropped when the accept loop ends: waits for every connection thread.
impl Drop for Threaded {
    fn drop(&mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
