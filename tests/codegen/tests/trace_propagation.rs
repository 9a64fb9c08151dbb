//! A trace started in one process continues in the server of another over THeader: this
//! test binary runs itself a second time as the server (`TRACE_CHILD_SERVER` set), whose
//! handler replies with the trace id it sees; the parent calls it inside a trace.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use codegen_tests::idl::channels::{Plain, PlainClient, PlainProcessor};
use thrift_rt::connect::{ClientOptions, connect_tcp};
use thrift_rt::server::{Builder, Listener};
use thrift_rt::{Error, ProtocolKind, TransportKind};

/// Replies with the trace id of the call (empty outside a trace) and, when asked to, calls
/// itself once more (over a new connection) to show the trace carries on from a handler.
struct Tracer;

impl Plain for Tracer {
    fn hello(&self, name: String) -> Result<String, Error> {
        let seen = thrift_rt::trace::current()
            .map(|t| t.trace_id_hex())
            .unwrap_or_default();
        if let Some(addr) = name.strip_prefix("again:") {
            // A call from inside the handler: same trace, seen by the same server.
            let (r, w) = connect_tcp(addr, &options()).map_err(Error::from)?;
            let inner = PlainClient::new(r, w).hello("inner")?;
            return Ok(format!("{seen} {inner}"));
        }
        Ok(seen)
    }
}

fn options() -> ClientOptions {
    ClientOptions::default()
        .protocol(ProtocolKind::Header)
        .transport(TransportKind::Header)
}

/// The child: serves `Tracer` over THeader and prints its port.
#[test]
fn child_server() {
    if std::env::var_os("TRACE_CHILD_SERVER").is_none() {
        return;
    }
    let server = Builder::new()
        .protocol(ProtocolKind::Header)
        .transport(TransportKind::Header)
        .thread_pool(2, 8)
        .spawn(
            Listener::tcp("127.0.0.1:0").unwrap(),
            PlainProcessor::new(Tracer),
        )
        .unwrap();
    println!("PORT {}", server.local_addr().unwrap().port());
    // Until the parent closes our stdin.
    let _ = std::io::stdin().read_line(&mut String::new());
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn a_trace_crosses_processes_over_theader() {
    if std::env::var_os("TRACE_CHILD_SERVER").is_some() {
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
        .env("TRACE_CHILD_SERVER", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("the child prints its port").unwrap();
        // libtest may have printed `test child_server ... ` on the same line.
        if let Some((_, port)) = line.split_once("PORT ") {
            break port.trim().parse().unwrap();
        }
    };
    let addr = format!("127.0.0.1:{port}");
    let (r, w) = connect_tcp(&addr, &options()).unwrap();
    let mut client = PlainClient::new(r, w);

    // Outside a trace: the server sees none.
    assert_eq!(client.hello("x").unwrap(), "");
    // Inside one: the server's handler is in the same trace, and so is the call it makes.
    let guard = thrift_rt::trace::start();
    let ours = thrift_rt::trace::current().unwrap().trace_id_hex();
    assert_eq!(client.hello("x").unwrap(), ours);
    assert_eq!(
        client.hello(&format!("again:{addr}")).unwrap(),
        format!("{ours} {ours}")
    );
    drop(guard);
    assert_eq!(client.hello("x").unwrap(), "");

    drop(client);
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}
