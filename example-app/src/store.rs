//! [`MemoryStore`]: the example's `Store` handler, an in-memory map.

use std::collections::BTreeMap;
use std::sync::Mutex;

use thrift_rt::Error;

use crate::idl::example::{Entry, NotFound, Store, StoreGetError};

/// The server side: an in-memory map behind a lock (handlers take `&self` and may run on
/// several connections at once).
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<BTreeMap<String, Entry>>,
}

impl MemoryStore {
    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        // A handler that panicked while holding the lock cannot leave the map half-written
        // (every change is a single insert or remove), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn put(&self, entry: Entry) -> Result<(), Error> {
        self.entries().insert(entry.key.clone(), entry);
        Ok(())
    }

    fn get(&self, key: String) -> Result<Entry, StoreGetError> {
        match self.entries().get(&key) {
            Some(entry) => Ok(entry.clone()),
            None => Err(NotFound {
                key,
                ..NotFound::default()
            }
            .into()),
        }
    }

    fn keys(&self, prefix: String, limit: i32) -> Result<Vec<String>, Error> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let entries = self.entries();
        let keys = entries.keys().filter(|k| k.starts_with(&prefix));
        Ok(keys.take(limit).cloned().collect())
    }

    fn forget(&self, key: String) -> Result<(), Error> {
        self.entries().remove(&key);
        Ok(())
    }
}
