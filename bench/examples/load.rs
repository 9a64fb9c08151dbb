//! Many client threads making echo calls, for counting system calls or profiling the
//! throughput cases outside the ratio run:
//!
//! ```sh
//! cargo build --release --manifest-path bench/Cargo.toml --example load
//! strace -f -qq -c bench/target/release/examples/load shared unix string 16 100000
//! ```
//!
//! Arguments: `shared|plain` (every thread through one endpoint to a listening endpoint, or
//! a plain connection per thread to our thread-pool server), `tcp|unix`, `string|binary`,
//! the number of threads, the number of calls in all (framed). Prints calls per second.

use thrift_bench::channels::{self, EndpointEcho, EndpointServer};
use thrift_bench::pool::ClientPool;
use thrift_bench::rpc::{self, Caller, Implementation, OursServer};
use thrift_bench::{BoxError, Payload, Socket, Transport};

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [case, socket, payload, threads, calls] = args.as_slice() else {
        return Err("usage: load shared|plain tcp|unix string|binary THREADS CALLS".into());
    };
    let socket = match socket.as_str() {
        "tcp" => Socket::Tcp,
        _ => Socket::Unix,
    };
    let payload = match payload.as_str() {
        "binary" => Payload::Binary,
        _ => Payload::String,
    };
    let threads: usize = threads.parse()?;
    let calls: u64 = calls.parse()?;
    let transport = Transport::Framed;
    let (pool, _servers) = if case == "shared" {
        let server = EndpointServer::start(socket, transport)?;
        let shared = channels::connect(server.endpoint(), transport)?;
        let callers = (0..threads)
            .map(|_| Box::new(EndpointEcho::new(shared.caller(), payload)) as Box<dyn Caller>)
            .collect();
        (ClientPool::new(callers)?, (Some(server), None))
    } else {
        let server = OursServer::start(socket, transport)?;
        let callers = (0..threads)
            .map(|_| rpc::connect(Implementation::Ours, server.endpoint(), transport, payload))
            .collect::<Result<_, _>>()?;
        (ClientPool::new(callers)?, (None, Some(server)))
    };
    let elapsed = pool.run(calls)?;
    println!(
        "{calls} calls on {threads} threads in {elapsed:?}: {:.0} calls/s",
        calls as f64 / elapsed.as_secs_f64()
    );
    drop(pool);
    thrift_bench::cleanup();
    Ok(())
}
