//! A listening endpoint with several peers at once: each handler reaches the connection its
//! call came in on, from the first call on, through a processor made per connection
//! (`Builder::serve_per_connection`) or through `Endpoint::current`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use codegen_tests::idl::channels::{
    Plain, PlainClient, PlainProcessor, Pong, PongClient, PongProcessor,
};
use thrift_rt::Error;
use thrift_rt::endpoint::{Builder, Endpoint};
use thrift_rt::server::Listener;

/// A connecting peer's `Pong`: tags its answers with the peer's name.
struct Named(&'static str);

impl Pong for Named {
    fn add(&self, a: i64, b: i64) -> Result<String, Error> {
        Ok(format!("{} from {}", a + b, self.0))
    }
}

/// The listener's `Pong`, one per connection: holds that connection's endpoint and counts
/// the calls it served (state per peer, no global map).
struct PerPeer {
    peer: Endpoint,
    served: AtomicUsize,
}

impl Pong for PerPeer {
    /// Asks the caller's own `Pong` to add, through this connection's endpoint.
    fn add(&self, a: i64, b: i64) -> Result<String, Error> {
        let n = self.served.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = PongClient::from_caller(self.peer.caller()).add(a, b)?;
        Ok(format!("{answer} (call {n} on this connection)"))
    }
}

/// The listener's `Plain`, one for every connection: finds the caller through
/// `Endpoint::current`.
struct Shared;

impl Plain for Shared {
    fn hello(&self, name: String) -> Result<String, Error> {
        let peer = Endpoint::current().ok_or_else(|| {
            thrift_rt::ApplicationError::new(
                thrift_rt::ApplicationErrorKind::InternalError,
                "no current endpoint",
            )
        })?;
        let tag = PongClient::from_caller(peer.caller()).add(0, 0)?;
        Ok(format!("Hello, {name} ({tag})"))
    }
}

#[test]
fn each_handler_calls_back_the_peer_that_called_it_from_the_first_call() {
    let made = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&made);
    let listener = Builder::new()
        .call_timeout(Some(Duration::from_secs(10)))
        .serve_per_connection(move |peer: &Endpoint| {
            counter.fetch_add(1, Ordering::SeqCst);
            PongProcessor::new(PerPeer {
                peer: peer.clone(),
                served: AtomicUsize::new(0),
            })
        })
        .serve(PlainProcessor::new(Shared))
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let addr = listener.local_addr().unwrap();
    // Two peers connected at once, each calling from its first call on, from two threads
    // each, at the same time.
    let peers: Vec<(&'static str, Endpoint)> = ["alice", "bob"]
        .into_iter()
        .map(|name| {
            let endpoint = Builder::new()
                .call_timeout(Some(Duration::from_secs(10)))
                .serve(PongProcessor::new(Named(name)))
                .connect_tcp(addr, &Default::default())
                .unwrap();
            (name, endpoint)
        })
        .collect();
    thread::scope(|s| {
        for (name, endpoint) in &peers {
            for t in 0..2 {
                let caller = endpoint.caller();
                s.spawn(move || {
                    let mut pong = PongClient::from_caller(caller.clone());
                    let mut plain = PlainClient::from_caller(caller);
                    for i in 0..50i64 {
                        let answer = pong.add(i, t).unwrap();
                        let want = format!("{} from {name} (call", i + t);
                        assert!(answer.starts_with(&want), "{answer:?}, want {want:?}");
                        let hello = plain.hello(&format!("{name}{t}")).unwrap();
                        assert_eq!(hello, format!("Hello, {name}{t} (0 from {name})"));
                    }
                });
            }
        }
    });
    // One handler per connection, each counting only its own peer's calls.
    assert_eq!(made.load(Ordering::SeqCst), 2);
    for (name, endpoint) in &peers {
        let answer = PongClient::from_caller(endpoint.caller())
            .add(1, 1)
            .unwrap();
        assert_eq!(
            answer,
            format!("2 from {name} (call 101 on this connection)")
        );
    }
    assert!(Endpoint::current().is_none(), "outside a handler");
    for (_, endpoint) in peers {
        endpoint.close();
    }
    listener.shutdown();
}

/// A generated client sends on its service's channel unless pointed at another one, so one
/// service can be called on any channel a peer serves it on (`serve_on`), without declaring
/// it twice in the IDL.
#[test]
fn a_client_can_be_pointed_at_another_channel() {
    let listener = Builder::new()
        .serve(PongProcessor::new(Named("channel 8")))
        .serve_on(20, PongProcessor::new(Named("channel 20")))
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap();
    let endpoint = Builder::new()
        .call_timeout(Some(Duration::from_secs(10)))
        .connect_tcp(listener.local_addr().unwrap(), &Default::default())
        .unwrap();
    let mut usual = PongClient::from_caller(endpoint.caller());
    assert_eq!(usual.channel(), 8);
    assert_eq!(usual.add(1, 2).unwrap(), "3 from channel 8");
    let mut other = PongClient::from_caller(endpoint.caller()).on_channel(20);
    assert_eq!(other.channel(), 20);
    assert_eq!(other.add(1, 2).unwrap(), "3 from channel 20");
    let mut nobody = PongClient::from_caller(endpoint.caller()).on_channel(21);
    let err = nobody.add(1, 2).unwrap_err();
    assert!(err.to_string().contains("channel 21"), "{err}");
    endpoint.close();
    listener.shutdown();
}
