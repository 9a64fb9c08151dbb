//! What an installed interceptor costs on the RPC echo round trip: one process runs
//! interleaved rounds of `echo_string` calls over one framed Unix-socket connection to a
//! thread-pool server, with no interceptor and with a do-nothing interceptor on both the
//! server and the client, and prints the median time per call of each case.
//!
//! ```sh
//! cargo build --release --manifest-path bench/Cargo.toml --example intercept_cost
//! bench/target/release/examples/intercept_cost 20 20000
//! ```
//!
//! Arguments: rounds, calls per round.

use std::time::{Duration, Instant};

use thrift_bench::ours::echo::{EchoClient, EchoProcessor};
use thrift_bench::rpc::EchoHandler;
use thrift_rt::connect::{ClientOptions, connect_unix};
use thrift_rt::intercept::Interceptor;
use thrift_rt::server::{Builder, Listener, Server};
use thrift_rt::{Client, ProtocolKind, TransportKind};

/// Does nothing: the cost measured is the hook machinery's.
struct Nothing;

impl Interceptor for Nothing {}

type Echo = EchoClient<Client<thrift_rt::connect::AnyReader, thrift_rt::connect::AnyWriter>>;

fn start(name: &str, intercepted: bool) -> Result<(Server, Echo), thrift_bench::BoxError> {
    let path = std::env::temp_dir().join(format!("intercept-cost-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut builder = Builder::new()
        .protocol(ProtocolKind::Binary)
        .transport(TransportKind::Framed)
        .thread_pool(4, 128);
    if intercepted {
        builder = builder.interceptor(Nothing);
    }
    let server = builder.spawn(Listener::unix(&path)?, EchoProcessor::new(EchoHandler))?;
    let options = ClientOptions::default()
        .protocol(ProtocolKind::Binary)
        .transport(TransportKind::Framed);
    let (r, w) = connect_unix(&path, &options)?;
    let mut client = Client::new(r, w);
    if intercepted {
        client = client.with_interceptor(Nothing);
    }
    Ok((server, EchoClient::from_caller(client)))
}

fn round(client: &mut Echo, calls: u32) -> Result<Duration, thrift_bench::BoxError> {
    let s = "x".repeat(64);
    let start = Instant::now();
    for _ in 0..calls {
        assert_eq!(client.echo_string(&s)?.len(), s.len());
    }
    Ok(start.elapsed() / calls)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn main() -> Result<(), thrift_bench::BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args.first().map_or(Ok(20), |a| a.parse())?;
    let calls: u32 = args.get(1).map_or(Ok(20_000), |a| a.parse())?;
    let (plain_server, mut plain) = start("plain", false)?;
    let (hooked_server, mut hooked) = start("hooked", true)?;
    // Warm both up before measuring.
    round(&mut plain, calls)?;
    round(&mut hooked, calls)?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        // Alternate which goes first, so drift in the machine's load hits both alike.
        if i % 2 == 0 {
            a.push(round(&mut plain, calls)?);
            b.push(round(&mut hooked, calls)?);
        } else {
            b.push(round(&mut hooked, calls)?);
            a.push(round(&mut plain, calls)?);
        }
    }
    let (a, b) = (median(a), median(b));
    let change = (b.as_secs_f64() / a.as_secs_f64() - 1.0) * 100.0;
    println!("none installed:        {a:?} per call (median of {rounds} rounds of {calls})");
    println!("do-nothing interceptor: {b:?} per call ({change:+.1} %)");
    drop((plain, hooked));
    plain_server.shutdown(Duration::from_secs(1));
    hooked_server.shutdown(Duration::from_secs(1));
    Ok(())
}
