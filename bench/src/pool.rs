//! Client threads for the throughput benchmarks: each owns one connection ([`Caller`]) and
//! waits for a number of calls to make, so a measurement spawns nothing.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::BoxError;
use crate::rpc::Caller;

/// Client threads, one per connection.
#[derive(Debug)]
pub struct ClientPool {
    workers: Vec<(Sender<u64>, JoinHandle<()>)>,
    done: Receiver<Result<(), String>>,
}

impl ClientPool {
    /// Starts a thread for each caller.
    ///
    /// # Errors
    ///
    /// When a thread cannot be spawned.
    pub fn new(callers: Vec<Box<dyn Caller>>) -> std::io::Result<Self> {
        let (done_tx, done) = mpsc::channel();
        let workers = callers
            .into_iter()
            .enumerate()
            .map(|(i, mut caller)| {
                let (tx, rx) = mpsc::channel::<u64>();
                let done_tx = done_tx.clone();
                let thread = std::thread::Builder::new()
                    .name(format!("bench-client-{i}"))
                    .spawn(move || {
                        for calls in rx {
                            let result = (0..calls)
                                .try_for_each(|_| caller.call())
                                .map_err(|e| e.to_string());
                            if done_tx.send(result).is_err() {
                                break;
                            }
                        }
                    })?;
                Ok((tx, thread))
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Self { workers, done })
    }

    /// Makes `calls` calls spread evenly over the threads, all at once, and returns the wall
    /// time from handing out the work to the last thread finishing.
    ///
    /// # Errors
    ///
    /// The first failed call's error.
    pub fn run(&self, calls: u64) -> Result<Duration, BoxError> {
        let n = self.workers.len() as u64;
        let start = Instant::now();
        for (i, (tx, _)) in self.workers.iter().enumerate() {
            let share = calls / n + u64::from((i as u64) < calls % n);
            tx.send(share).map_err(|_| "a client thread has gone")?;
        }
        let mut first_error = None;
        for _ in 0..n {
            if let Err(e) = self.done.recv()? {
                first_error.get_or_insert(e);
            }
        }
        let elapsed = start.elapsed();
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(elapsed),
        }
    }
}

impl Drop for ClientPool {
    fn drop(&mut self) {
        // Closing each channel ends its thread, which drops (closes) its connection.
        for (tx, thread) in std::mem::take(&mut self.workers) {
            drop(tx);
            let _ = thread.join();
        }
    }
}
