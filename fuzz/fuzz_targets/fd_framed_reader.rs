//! The fd transport's receive path (`FdFramedReader` over a Unix socket) fed by the fuzz
//! input, with real descriptors attached: no input may panic, over-allocate, or leak a
//! descriptor (counted in /proc/self/fd around every run).
//!
//! Input: one mode byte, then chunks `[h, len, len bytes]`. Each chunk is sent with one
//! `sendmsg` carrying `h & 7` descriptors (duplicates of /dev/null; at most 16 per input),
//! so descriptors arrive with frame headers, inside payloads, beyond the limit (4), and
//! between messages. The mode chooses the reader: generated types holding descriptors
//! (`idl/fds.thrift`) through the binary or compact protocol, or whole frames taken the way
//! an endpoint's read pump takes them.
#![no_main]

use std::fs::File;
use std::io::IoSlice;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nix::errno::Errno;
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use thrift_fuzz::idl::fds::{Bundle, Dir, Failed, Named, Nested, Opened, Source};
use thrift_rt::protocol::{BinaryReader, CompactReader, ProtocolReader};
use thrift_rt::transport::Source as _;
use thrift_rt::transport::fd::FdFramedReader;
use thrift_rt::{Limits, ReadThrift, TType};

/// Descriptors attached per input, over all chunks.
const MAX_ATTACHED: usize = 16;
/// Chunks (one `sendmsg` each) per input.
const MAX_CHUNKS: usize = 64;
/// Messages or frames read per input.
const MAX_READS: usize = 64;

fn limits() -> Limits {
    Limits::default()
        .max_frame_size(4096)
        .max_fds(4)
        .max_depth(16)
        .max_container_len(1024)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

fn dev_null() -> BorrowedFd<'static> {
    static FILE: OnceLock<File> = OnceLock::new();
    FILE.get_or_init(|| File::open("/dev/null").expect("/dev/null"))
        .as_fd()
}

/// Sends the chunks of `data` on a non-blocking socket; stops when the socket is full.
fn send(tx: &UnixStream, mut data: &[u8]) {
    let mut attached = 0;
    for _ in 0..MAX_CHUNKS {
        let [h, len, rest @ ..] = data else { break };
        let n = usize::from(h & 7).min(MAX_ATTACHED - attached);
        let len = usize::from(*len).min(rest.len());
        let (bytes, next) = rest.split_at(len);
        data = next;
        if bytes.is_empty() {
            continue;
        }
        attached += n;
        let raw: Vec<RawFd> = (0..n).map(|_| dev_null().as_raw_fd()).collect();
        let rights = [ControlMessage::ScmRights(&raw)];
        let cmsgs: &[ControlMessage<'_>] = if raw.is_empty() { &[] } else { &rights };
        match sendmsg::<()>(
            tx.as_raw_fd(),
            &[IoSlice::new(bytes)],
            cmsgs,
            MsgFlags::MSG_NOSIGNAL,
            None,
        ) {
            Ok(sent) if sent == bytes.len() => {}
            Ok(_) | Err(Errno::EAGAIN) => break,
            Err(e) => panic!("sendmsg: {e}"),
        }
    }
}

/// Reads messages whose body is chosen by the sequence id, as a processor would.
fn messages<R: ProtocolReader>(r: &mut R) {
    for _ in 0..MAX_READS {
        if !matches!(r.has_message(), Ok(true)) {
            return;
        }
        let Ok(header) = r.read_message_begin() else {
            return;
        };
        let body = match header.seqid.rem_euclid(8) {
            0 => Opened::read(r).map(drop),
            1 => Nested::read(r).map(drop),
            2 => Bundle::read(r).map(drop),
            3 => Source::read(r).map(drop),
            4 => Dir::read(r).map(drop),
            5 => Failed::read(r).map(drop),
            6 => Named::read(r).map(drop),
            _ => r.skip(TType::Struct),
        };
        // A server closes the connection at the first error.
        if body.and_then(|()| r.read_message_end()).is_err() {
            return;
        }
    }
}

/// Takes whole frames, claims some of their descriptors and ends them, as an endpoint's
/// read pump and workers do.
fn frames(reader: &mut FdFramedReader<UnixStream>) {
    for i in 0..MAX_READS {
        let payload = match reader.take_frame() {
            Ok(Some(payload)) => payload,
            Ok(None) | Err(_) => return,
        };
        let mut fds = reader.take_received_fds().unwrap_or_default();
        // Claim indices named by the payload's first bytes, some twice or out of range.
        for &b in payload.iter().take(4) {
            let _ = fds.take(i32::from(b as i8));
        }
        if i % 2 == 0 {
            let _ = fds.finish();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, chunks)) = data.split_first() else {
        return;
    };
    let _ = dev_null();
    let before = open_fds();
    {
        let (tx, rx) = UnixStream::pair().expect("socketpair");
        tx.set_nonblocking(true).expect("non-blocking");
        send(&tx, chunks);
        // The reader sees the end of the stream after the last chunk.
        drop(tx);
        let limits = limits();
        let mut reader = FdFramedReader::with_limits(rx, &limits);
        match mode % 3 {
            0 => messages(&mut BinaryReader::with_limits(reader, limits)),
            1 => messages(&mut CompactReader::with_limits(reader, limits)),
            _ => frames(&mut reader),
        }
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
});
