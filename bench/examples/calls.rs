//! Makes a number of echo calls on one connection, for counting system calls or profiling
//! one case outside criterion:
//!
//! ```sh
//! cargo build --release --manifest-path bench/Cargo.toml --example calls
//! strace -f -qq -c -e trace=read,write,recvfrom,sendto,setsockopt,futex \
//!     bench/target/release/examples/calls ours unix framed string 10000
//! ```
//!
//! Arguments: `ours|ours-header|ours-http|ours-bytes|endpoint|thrift|thrift-nodelay|thrift-nodelay-both|raw`
//! (`endpoint`: a connected endpoint calling a listening one; `ours-header`: THeader frames,
//! binary payload, against our one-port server; `ours-http`: our HTTP client and server, one
//! kept-alive connection; `ours-bytes`: strings and binaries as shared `Bytes`; the two
//! `nodelay-both`/`raw` TCP only), `tcp|unix`, `buffered|framed` (ignored for `raw`,
//! `ours-header` and `ours-http`), `string|binary`, the number of calls. Prints the time per call.

use std::time::Instant;

use thrift_bench::channels;
use thrift_bench::rpc::{self, Implementation, OursServer};
use thrift_bench::{Payload, Socket, Transport, raw};

fn main() -> Result<(), thrift_bench::BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [implementation, socket, transport, payload, calls] = args.as_slice() else {
        return Err("usage: calls ours|ours-http|endpoint|thrift|thrift-nodelay|thrift-nodelay-both|raw tcp|unix buffered|framed \
                    string|binary CALLS"
            .into());
    };
    let socket = match socket.as_str() {
        "tcp" => Socket::Tcp,
        "unix" => Socket::Unix,
        other => return Err(format!("unknown socket {other}").into()),
    };
    let transport = match transport.as_str() {
        "buffered" => Transport::Buffered,
        "framed" => Transport::Framed,
        other => return Err(format!("unknown transport {other}").into()),
    };
    let payload = match payload.as_str() {
        "string" => Payload::String,
        "binary" => Payload::Binary,
        other => return Err(format!("unknown payload {other}").into()),
    };
    let calls: u32 = calls.parse()?;

    let mut ours = None;
    let mut endpoint_server = None;
    let mut bytes_server = None;
    let mut http_server = None;
    let mut caller = match implementation.as_str() {
        "raw" => raw::connect(&raw::start_server(socket, payload)?, payload)?,
        "ours-http" => {
            let (server, endpoint) = thrift_bench::http_echo::start(socket)?;
            http_server = Some(server);
            thrift_bench::http_echo::connect(&endpoint, payload)?
        }
        "ours-bytes" => {
            let (server, endpoint) = thrift_bench::bytes_echo::start(socket, transport)?;
            bytes_server = Some(server);
            thrift_bench::bytes_echo::connect(&endpoint, transport, payload)?
        }
        "plain-to-endpoint" => {
            let server =
                endpoint_server.insert(channels::EndpointServer::start(socket, transport)?);
            rpc::connect(Implementation::Ours, server.endpoint(), transport, payload)?
        }
        "endpoint-to-plain" => {
            let server = ours.insert(OursServer::start(socket, transport)?);
            let connected = channels::connect(server.endpoint(), transport)?;
            Box::new(channels::EndpointEcho::new(connected.caller(), payload))
        }
        "endpoint" => {
            let server =
                endpoint_server.insert(channels::EndpointServer::start(socket, transport)?);
            let connected = channels::connect(server.endpoint(), transport)?;
            Box::new(channels::EndpointEcho::new(connected.caller(), payload))
        }
        "ours-header" => {
            let server = ours.insert(rpc::start_ours_header(socket)?);
            rpc::connect_ours_header(server.endpoint(), payload)?
        }
        "ours" => {
            let server = ours.insert(OursServer::start(socket, transport)?);
            rpc::connect(Implementation::Ours, server.endpoint(), transport, payload)?
        }
        "thrift-nodelay-both" => {
            let endpoint = rpc::start_thrift_nodelay_server(transport)?;
            rpc::connect(
                Implementation::ThriftNodelayBoth,
                &endpoint,
                transport,
                payload,
            )?
        }
        "thrift" | "thrift-nodelay" => {
            let endpoint = rpc::start_thrift_server(socket, transport)?;
            let implementation = if implementation == "thrift" {
                Implementation::Thrift
            } else {
                Implementation::ThriftNodelay
            };
            rpc::connect(implementation, &endpoint, transport, payload)?
        }
        other => return Err(format!("unknown implementation {other}").into()),
    };
    let start = Instant::now();
    for _ in 0..calls {
        caller.call()?;
    }
    let elapsed = start.elapsed();
    println!(
        "{calls} calls in {elapsed:?}: {:?} per call",
        elapsed / calls.max(1)
    );
    drop(caller);
    if let Some(server) = ours {
        server.shutdown();
    }
    if let Some(server) = http_server {
        server.shutdown(std::time::Duration::from_secs(1));
    }
    if let Some(server) = bytes_server {
        server.shutdown(std::time::Duration::from_secs(1));
    }
    thrift_bench::cleanup();
    Ok(())
}
