//! Arbitrary bytes from a client of a thread-pool server, over a Unix socket: framed or
//! buffered (the first byte chooses), the rest as the client sends it. The server's gate
//! reads them into its buffer, lets whole messages through as shared slices of it, answers
//! the calls it can and closes on what it cannot read. It must never panic or hang: the
//! connection's end must come within 5 s of the client's last byte, and the server must
//! keep serving the next connection.
#![no_main]

use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use thrift_rt::server::{self, Listener};
use thrift_rt::{
    Limits, MessageHeader, Processor, ProtocolKind, ProtocolReader, ProtocolWriter, Result,
    TType, TransportKind,
};

/// Reads a call's arguments and answers with an empty struct.
struct Skip;

impl Processor for Skip {
    fn process<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Result<()> {
        r.skip(TType::Struct)?;
        r.read_message_end()?;
        let reply = MessageHeader {
            name: header.name.as_str(),
            kind: thrift_rt::MessageType::Reply,
            seqid: header.seqid,
            channel: header.channel,
        };
        w.write_message_begin(&reply)?;
        w.write_struct_begin("reply")?;
        w.write_field_stop()?;
        w.write_struct_end()?;
        w.write_message_end()?;
        w.flush()
    }
}

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
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let transport = if choice & 1 == 0 {
        TransportKind::Framed
    } else {
        TransportKind::Buffered
    };
    let client = UnixStream::connect(server(transport)).expect("the server accepts");
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a read timeout");
    // The server may close before it read everything: a failed write is a fine outcome.
    let _ = (&client).write_all(bytes);
    let _ = client.shutdown(Shutdown::Write);
    let mut answers = Vec::new();
    if let Err(e) = (&client).read_to_end(&mut answers) {
        assert!(
            e.kind() != std::io::ErrorKind::WouldBlock && e.kind() != std::io::ErrorKind::TimedOut,
            "the server neither answered nor closed within 5 s"
        );
    }
});
