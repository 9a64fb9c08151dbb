//! The peer's side of the fuzz targets that feed a serving connection over a Unix socket.

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use thrift_rt::TransportKind;

/// The input's first byte chooses the transport (even: framed, odd: buffered); the rest is
/// what the peer sends. `None` for an empty input.
pub fn transport_and_bytes(data: &[u8]) -> Option<(TransportKind, &[u8])> {
    let (&choice, bytes) = data.split_first()?;
    let transport = if choice & 1 == 0 {
        TransportKind::Framed
    } else {
        TransportKind::Buffered
    };
    Some((transport, bytes))
}

/// Sends `bytes` on `peer`, ends its writing, and reads what comes back until the other side
/// closes: `who` (in the failure message) must answer or close within 5 s.
pub fn send_and_drain(peer: &UnixStream, bytes: &[u8], who: &str) {
    peer.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a read timeout");
    // The other side may close before it read everything: a failed write is a fine outcome.
    let _ = (&*peer).write_all(bytes);
    let _ = peer.shutdown(Shutdown::Write);
    let mut answers = Vec::new();
    if let Err(e) = (&*peer).read_to_end(&mut answers) {
        assert!(
            e.kind() != ErrorKind::WouldBlock && e.kind() != ErrorKind::TimedOut,
            "{who} neither answered nor closed within 5 s"
        );
    }
}
