//! Channels: both ends of one connection host `EchoServer` (channel 3) and `RandServer`
//! (channel 55) from `idl/example.thrift`, and each calls the other.
//!
//! The server listens with a `thrift_rt::endpoint::Builder`; for each connection it gets an
//! `Endpoint` it can call through. The client connects with the same builder settings and
//! gets an `Endpoint` too. Generated clients make their calls through `endpoint.caller()`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use thrift_rt::Error;
use thrift_rt::endpoint::{Builder, Endpoint};
use thrift_rt::server::Listener;

use crate::idl::example::{
    EchoServer, EchoServerClient, EchoServerProcessor, RandServer, RandServerClient,
    RandServerProcessor,
};

/// One side's handlers: the same code runs on both ends. Clones share the generator, so one
/// `Side` can back both processors.
#[derive(Clone, Debug)]
struct Side {
    name: &'static str,
    /// A small xorshift generator; enough for a demo, not for anything that needs randomness.
    state: Arc<AtomicU64>,
}

impl Side {
    fn new(name: &'static str, seed: u64) -> Self {
        Self {
            name,
            state: Arc::new(AtomicU64::new(seed | 1)),
        }
    }

    /// An endpoint builder hosting both services with these handlers.
    fn builder(name: &'static str, seed: u64) -> Builder {
        let side = Side::new(name, seed);
        Builder::new()
            .call_timeout(Some(Duration::from_secs(5)))
            .serve(EchoServerProcessor::new(side.clone()))
            .serve(RandServerProcessor::new(side))
    }
}

impl EchoServer for Side {
    fn echo(&self, text: String) -> Result<String, Error> {
        Ok(format!("{} echoes: {text}", self.name))
    }

    fn reverse_echo(&self, text: String) -> Result<String, Error> {
        Ok(text.chars().rev().collect())
    }
}

impl RandServer for Side {
    fn random(&self) -> Result<i64, Error> {
        let mut x = self.state.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state.store(x, Ordering::Relaxed);
        Ok(i64::from_ne_bytes(x.to_ne_bytes()))
    }
}

/// Runs the channel demo over a Unix socket at `path`.
pub(crate) fn run(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    // The server side: every new connection is handed to us so we can call the client.
    let (connections, accepted) = mpsc::channel::<Endpoint>();
    let listener = Side::builder("server", 0x5eed).listen(Listener::unix(path)?, move |peer| {
        let _ = connections.send(peer);
    })?;

    // The client side hosts the same services and connects.
    let client = Side::builder("client", 0xc0ffee).connect_unix(path)?;
    let to_client = accepted.recv_timeout(Duration::from_secs(5))?;

    // The client calls the server...
    let mut echo = EchoServerClient::from_caller(client.caller());
    println!("client → server Echo:        {}", echo.echo("hello")?);
    println!(
        "client → server ReverseEcho: {}",
        echo.reverse_echo("stressed")?
    );
    let mut rand = RandServerClient::from_caller(client.caller());
    println!("client → server Random:      {}", rand.random()?);

    // ...and the server calls the client, on the same connection.
    let mut echo_back = EchoServerClient::from_caller(to_client.caller());
    println!(
        "server → client Echo:        {}",
        echo_back.echo("hello back")?
    );
    let mut rand_back = RandServerClient::from_caller(to_client.caller());
    println!("server → client Random:      {}", rand_back.random()?);

    // Many threads share one connection; every reply finds its caller.
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let mut echo = EchoServerClient::from_caller(client.caller());
            std::thread::spawn(move || echo.echo(&format!("thread {i}")))
        })
        .collect();
    for t in threads {
        let reply = t.join().map_err(|_| "a calling thread panicked")??;
        println!("concurrent:                  {reply}");
    }

    client.close();
    listener.shutdown();
    println!("channels: connection closed, every endpoint thread joined");
    Ok(())
}
