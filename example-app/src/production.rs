//! Around the calls, as a service calling a dependency does it: one [`SharedClient`] used
//! from several threads at once, over THeader to a server in one-port mode, with a deadline
//! that the server's handler sees and that fails a call the handler cannot answer in time,
//! and an interceptor logging the calls the server answers.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use thrift_rt::client::shared::SharedClient;
use thrift_rt::intercept::{Call, Interceptor, Outcome};
use thrift_rt::server::{self, Listener};
use thrift_rt::stack::Stack;
use thrift_rt::transport::socket::TcpOptions;
use thrift_rt::{Error, ProtocolKind, TransportErrorKind, TransportKind};

use example_app::idl::example::{Entry, Store, StoreClient, StoreGetError, StoreProcessor, Value};
use example_app::store::MemoryStore;

/// Logs every call the server answers: the interceptor hooks see the service, method,
/// sequence id, peer, outcome and duration, and `before` could refuse the call.
struct LogCalls;

impl Interceptor for LogCalls {
    fn after(&self, call: &Call<'_>, outcome: &Outcome<'_>, elapsed: Duration) {
        // Only the calls of the last part of the demo, to keep the output short.
        if call.method != "put" {
            println!(
                "  interceptor: {}.{} #{} from {} -> {} in {} µs",
                call.service.unwrap_or("?"),
                call.method,
                call.seqid,
                call.peer.unwrap_or("?"),
                outcome.name(),
                elapsed.as_micros()
            );
        }
    }
}

/// How long callers wait for each reply.
const DEADLINE: Duration = Duration::from_millis(200);

/// The store, slowed down for keys under `slow/` (to show a deadline passing), reporting
/// what is left of its caller's deadline once.
#[derive(Debug, Default)]
struct DeadlineAwareStore {
    inner: MemoryStore,
}

impl Store for DeadlineAwareStore {
    fn put(&self, entry: Entry) -> Result<(), Error> {
        self.inner.put(entry)
    }

    fn get(&self, key: String) -> Result<Entry, StoreGetError> {
        if key == "report" {
            // The caller's timeout travelled in the THeader frame (`client_timeout`).
            if let Some(deadline) = thrift_rt::header::deadline() {
                let left = deadline.saturating_duration_since(Instant::now());
                println!("  handler: the caller waits {} ms more", left.as_millis());
            }
        }
        self.inner.get(key)
    }

    fn keys(&self, prefix: String, limit: i32) -> Result<Vec<String>, Error> {
        if prefix.starts_with("slow/") {
            std::thread::sleep(DEADLINE * 3);
        }
        self.inner.keys(prefix, limit)
    }

    fn forget(&self, key: String) -> Result<(), Error> {
        self.inner.forget(key)
    }
}

pub(crate) fn run() -> Result<(), Box<dyn std::error::Error>> {
    // One port for every client: THeader, framed and unframed binary and compact.
    let server = server::Builder::new()
        .one_port()
        .interceptor(LogCalls)
        .spawn(
            Listener::tcp("127.0.0.1:0")?,
            StoreProcessor::new(DeadlineAwareStore::default()),
        )?;
    let addr: SocketAddr = server.local_addr().ok_or("the server has no address")?;

    // One client for the whole program: cloneable, used by many threads at once, a pooled
    // connection per call in flight; `get` and `keys` may be sent again if a connection breaks.
    let shared = SharedClient::builder()
        .tcp(addr)?
        .stack(Stack::new(ProtocolKind::Header, TransportKind::Header))
        .socket(
            TcpOptions::default()
                .read_timeout(DEADLINE)
                .write_timeout(DEADLINE),
        )
        .idempotent(["get", "keys"])
        .build();

    let threads: Vec<_> = (0..8)
        .map(|t| {
            let mut store = StoreClient::from_caller(shared.caller());
            std::thread::spawn(move || -> Result<usize, thrift_rt::Error> {
                for i in 0..25 {
                    store.put(&entry(format!("shared/{t}/{i}"), Value::Number(i)))?;
                }
                Ok(store.keys(&format!("shared/{t}/"), 100)?.len())
            })
        })
        .collect();
    let mut stored = 0;
    for thread in threads {
        stored += thread.join().map_err(|_| "a client thread panicked")??;
    }
    println!(
        "8 threads stored {stored} entries through one shared client ({} pooled connections)",
        shared.idle_connections()
    );

    let mut store = StoreClient::from_caller(shared.caller());
    store.put(&entry(
        "report".to_owned(),
        Value::Text("deadline".to_owned()),
    ))?;
    store.get("report")?;

    let started = Instant::now();
    match store.keys("slow/", 10) {
        Err(e) if e.transport_kind() == Some(TransportErrorKind::TimedOut) => println!(
            "keys(\"slow/\") -> timed out after {} ms (deadline {} ms): {e}",
            started.elapsed().as_millis(),
            DEADLINE.as_millis()
        ),
        other => return Err(format!("expected a timeout, got {other:?}").into()),
    }
    // The pool dropped the connection that timed out; the next call gets another.
    println!(
        "get(\"report\") after the timeout -> {:?}",
        store.get("report")?.value
    );

    drop(store);
    drop(shared);
    server.shutdown(Duration::from_secs(1));
    Ok(())
}

fn entry(key: String, value: Value) -> Entry {
    Entry {
        key,
        value,
        updated: None,
        labels: std::collections::BTreeMap::new(),
    }
}
