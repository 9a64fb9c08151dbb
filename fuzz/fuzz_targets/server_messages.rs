//! Arbitrary bytes from a client of a thread-pool server, over a Unix socket: framed or
//! buffered (the first byte chooses), the rest as the client sends it. The server's gate
//! reads them into its buffer, lets whole messages through as shared slices of it, answers
//! the calls it can and closes on what it cannot read. It must never panic or hang: the
//! connection's end must come within 5 s of the client's last byte, and the server must
//! keep serving the next connection.
#![no_main]

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use thrift_rt::server::{self, Listener};
use thrift_rt::{Limits, ProtocolKind, TransportKind};

#[path = "common/peer.rs"]
mod peer;
#[path = "common/skip.rs"]
mod skip;
use skip::Skip;

/// A server of `transport` for the whole run, and its socket's path.
fn server(transport: TransportKind) -> &'static PathBuf {
    static FRAMED: OnceLock<(server::Server, PathBuf)> = OnceLock::new();
    static BUFFERED: OnceLock<(server::Server, PathBuf)> = OnceLock::new();
    let cell = match transport {
        TransportKind::Framed => &FRAMED,
        _ => &BUFFERED,
    };
    &cell
        .get_or_init(|| {
            let path = std::env::temp_dir().join(format!(
                "thrift-fuzz-server-{}-{transport:?}.sock",
                std::process::id()
            ));
            let _ = std::fs::remove_file(&path);
            let listener = Listener::unix(&path).expect("a listening socket");
            let server = server::Builder::new()
                .protocol(ProtocolKind::Binary)
                .transport(transport)
                .limits(Limits::default().max_frame_size(64 * 1024))
                .thread_pool(2, 16)
                .spawn(listener, Skip)
                .expect("a server");
            (server, path)
        })
        .1
}

fuzz_target!(|data: &[u8]| {
    let Some((transport, bytes)) = peer::transport_and_bytes(data) else {
        return;
    };
    let client = UnixStream::connect(server(transport)).expect("the server accepts");
    peer::send_and_drain(&client, bytes, "the server");
});
