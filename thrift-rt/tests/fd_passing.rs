//! File descriptors travel with Thrift messages over a Unix socket (the fd transport), bound to
//! the right message, and none leak (counted in /proc/self/fd).
#![cfg(target_os = "linux")]

mod common;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;

use nix::sys::memfd::{MemFdCreateFlag, memfd_create};
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use thrift_rt::protocol::{BinaryReader, BinaryWriter, ProtocolReader, ProtocolWriter};
use thrift_rt::transport::fd::{FdFramedReader, FdFramedWriter};
use thrift_rt::{Limits, ProtocolErrorKind};
use thrift_rt::{MessageHeader, MessageType, TransportErrorKind};

/// Tests in this file count the process's descriptors, so they must not overlap.
static SERIAL: Mutex<()> = Mutex::new(());

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn memfd_with(content: &[u8]) -> OwnedFd {
    let fd = memfd_create(c"thrift-rt-test", MemFdCreateFlag::MFD_CLOEXEC).unwrap();
    let mut file = File::from(fd);
    file.write_all(content).unwrap();
    file.into()
}

fn pipe_with(content: &[u8]) -> OwnedFd {
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    File::from(write_end).write_all(content).unwrap();
    read_end
}

type Writer = BinaryWriter<FdFramedWriter<UnixStream>>;
type Reader = BinaryReader<FdFramedReader<UnixStream>>;

fn ends(limits: &Limits) -> (Writer, Reader) {
    let (a, b) = UnixStream::pair().unwrap();
    (
        BinaryWriter::new(FdFramedWriter::with_limits(a, limits)),
        BinaryReader::with_limits(FdFramedReader::with_limits(b, limits), *limits),
    )
}

/// Sends a call `open` with seqid `idx`: an i32, the number of descriptors, then each
/// descriptor as an `fd` value.
fn send_call(w: &mut Writer, idx: i32, fds: &[OwnedFd]) {
    w.write_message_begin(&MessageHeader::new("open", MessageType::Call, idx))
        .unwrap();
    w.write_i32(fds.len() as i32).unwrap();
    for fd in fds {
        w.write_fd(fd.as_fd()).unwrap();
    }
    w.write_message_end().unwrap();
    w.flush().unwrap();
}

fn read_all(fd: OwnedFd) -> Vec<u8> {
    let mut file = File::from(fd);
    let mut out = Vec::new();
    // A memfd's offset is shared with the sender's description; rewind first (pipes can't seek).
    let _ = file.seek(SeekFrom::Start(0));
    file.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn pipe_and_memfd_travel_with_their_messages() {
    let _guard = SERIAL.lock().unwrap();
    let before = open_fds();
    {
        let (mut w, mut r) = ends(&Limits::default());
        let sender = std::thread::spawn(move || {
            // Several messages in flight before the receiver reads any of them; every message
            // carries a different number of descriptors (0, 2, 4, ...).
            for idx in 0..8 {
                let mut fds = Vec::new();
                for j in 0..idx % 3 {
                    fds.push(pipe_with(format!("pipe {idx}.{j}").as_bytes()));
                    fds.push(memfd_with(format!("memfd {idx}.{j}").as_bytes()));
                }
                send_call(&mut w, idx, &fds);
                // The writer sent duplicates; the originals are closed here.
            }
        });
        sender.join().unwrap();
        for idx in 0..8 {
            let header = r.read_message_begin().unwrap();
            assert_eq!((header.name.as_str(), header.seqid), ("open", idx));
            let n = r.read_i32().unwrap();
            assert_eq!(n, idx % 3 * 2);
            for k in 0..n {
                let fd = r.read_fd().unwrap();
                let kind = if k % 2 == 0 { "pipe" } else { "memfd" };
                let expected = format!("{kind} {idx}.{}", k / 2);
                assert_eq!(String::from_utf8(read_all(fd)).unwrap(), expected);
            }
            r.read_message_end().unwrap();
        }
        assert!(!r.has_message().unwrap());
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn received_descriptors_are_close_on_exec() {
    let _guard = SERIAL.lock().unwrap();
    let (mut w, mut r) = ends(&Limits::default());
    send_call(&mut w, 1, &[pipe_with(b"x")]);
    r.read_message_begin().unwrap();
    r.read_i32().unwrap();
    let fd = r.read_fd().unwrap();
    let flags = nix::fcntl::fcntl(fd.as_raw_fd(), nix::fcntl::FcntlArg::F_GETFD).unwrap();
    assert_ne!(flags & nix::libc::FD_CLOEXEC, 0);
}

/// Sends `bytes` with `fds` attached in one `sendmsg`, bypassing every check of ours.
fn send_raw(socket: &UnixStream, bytes: &[u8], fds: &[&OwnedFd]) {
    let raw: Vec<_> = fds.iter().map(|fd| fd.as_raw_fd()).collect();
    let rights = [ControlMessage::ScmRights(&raw)];
    let cmsgs: &[ControlMessage<'_>] = if raw.is_empty() { &[] } else { &rights };
    sendmsg::<()>(
        socket.as_raw_fd(),
        &[std::io::IoSlice::new(bytes)],
        cmsgs,
        MsgFlags::empty(),
        None,
    )
    .unwrap();
}

/// A binary-protocol call `m` whose arguments are the raw i32 values given (as `fd` indexes).
fn frame_with_indexes(indexes: &[i32]) -> Vec<u8> {
    let mut w = BinaryWriter::new(Vec::new());
    w.write_message_begin(&MessageHeader::new("m", MessageType::Call, 1))
        .unwrap();
    for &i in indexes {
        w.write_i32(i).unwrap();
    }
    w.write_message_end().unwrap();
    let payload = w.into_inner();
    let mut frame = (payload.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&payload);
    frame
}

#[test]
fn error_paths_close_every_descriptor() {
    let _guard = SERIAL.lock().unwrap();
    let before = open_fds();
    {
        let (p1, p2) = (pipe_with(b"1"), memfd_with(b"2"));
        let limits = Limits::default();
        let reader = |b| BinaryReader::with_limits(FdFramedReader::with_limits(b, &limits), limits);

        // An index beyond the descriptors received; then the one received is unclaimed.
        let (a, b) = UnixStream::pair().unwrap();
        send_raw(&a, &frame_with_indexes(&[1]), &[&p1]);
        let mut r = reader(b);
        r.read_message_begin().unwrap();
        let err = r.read_fd().unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::Descriptors));
        let err = r.read_message_end().unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::Descriptors));

        // The same index twice.
        let (a, b) = UnixStream::pair().unwrap();
        send_raw(&a, &frame_with_indexes(&[0, 0]), &[&p1, &p2]);
        let mut r = reader(b);
        r.read_message_begin().unwrap();
        drop(r.read_fd().unwrap());
        let err = r.read_fd().unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::Descriptors));
        drop(r);

        // Descriptors the message never claims, and the reader dropped before the end.
        let (a, b) = UnixStream::pair().unwrap();
        send_raw(&a, &frame_with_indexes(&[]), &[&p1, &p2]);
        let mut r = reader(b);
        r.read_message_begin().unwrap();
        drop(r);

        // Descriptors with a frame whose payload then turns out truncated.
        let (a, b) = UnixStream::pair().unwrap();
        send_raw(&a, &[0, 0, 0, 9, b'x'], &[&p1, &p2]);
        drop(a);
        let err = reader(b).read_message_begin().unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );

        // Descriptors with a lone byte and nothing after (no message).
        let (a, b) = UnixStream::pair().unwrap();
        send_raw(&a, &[0], &[&p1]);
        drop(a);
        assert!(reader(b).read_message_begin().is_err());

        // An oversized frame with descriptors.
        let (a, b) = UnixStream::pair().unwrap();
        send_raw(&a, &[0x7f, 0, 0, 0], &[&p1, &p2]);
        let err = reader(b).read_message_begin().unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::FrameTooLarge)
        );

        // More descriptors than the receiver's limit.
        let (a, b) = UnixStream::pair().unwrap();
        send_raw(&a, &frame_with_indexes(&[0, 1]), &[&p1, &p2]);
        let tight = Limits::default().max_fds(1);
        let mut r = BinaryReader::with_limits(FdFramedReader::with_limits(b, &tight), tight);
        let err = r.read_message_begin().unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));

        // Descriptors that arrive after the frame's first read, inside its payload.
        let (a, b) = UnixStream::pair().unwrap();
        let frame = frame_with_indexes(&[0]);
        (&a).write_all(&frame[..6]).unwrap();
        send_raw(&a, &frame[6..], &[&p1]);
        let err = reader(b).read_message_begin().unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));
    }
    assert_eq!(open_fds(), before, "descriptors leaked on an error path");
}

#[test]
fn many_descriptors_in_one_large_message() {
    let _guard = SERIAL.lock().unwrap();
    let before = open_fds();
    {
        let limits = Limits::default().max_fds(253);
        let (mut w, mut r) = ends(&limits);
        let fds: Vec<OwnedFd> = (0..253).map(|i| memfd_with(&[i as u8])).collect();
        let payload = vec![7u8; 200_000];
        // The payload is larger than the socket buffer, so sending and receiving overlap.
        let t = std::thread::spawn(move || {
            w.write_message_begin(&MessageHeader::new("big", MessageType::Call, 1))
                .unwrap();
            w.write_binary(&payload).unwrap();
            for fd in &fds {
                w.write_fd(fd.as_fd()).unwrap();
            }
            w.write_message_end().unwrap();
            w.flush().unwrap();
        });
        r.read_message_begin().unwrap();
        assert_eq!(r.read_binary().unwrap().len(), 200_000);
        for i in 0..253 {
            assert_eq!(read_all(r.read_fd().unwrap()), [i as u8]);
        }
        r.read_message_end().unwrap();
        t.join().unwrap();
    }
    assert_eq!(open_fds(), before);
}

/// `MSG_CTRUNC`: with `SO_PASSCRED` on the receiving socket the kernel puts an
/// `SCM_CREDENTIALS` message in front of the descriptors, so a control buffer sized for the
/// limit no longer holds them all: the kernel installs those that fit, discards the rest and
/// sets `MSG_CTRUNC`. The reader must report `ControlTruncated` and close what did arrive.
#[test]
fn truncated_control_data_is_an_error_and_closes_what_arrived() {
    use nix::sys::socket::{setsockopt, sockopt};
    use thrift_rt::transport::fd::MAX_FDS_PER_MESSAGE;

    let _guard = SERIAL.lock().unwrap();
    let before = open_fds();
    {
        let (a, b) = UnixStream::pair().unwrap();
        setsockopt(&b, sockopt::PassCred, &true).unwrap();
        let fds: Vec<OwnedFd> = (0..MAX_FDS_PER_MESSAGE)
            .map(|i| memfd_with(&[i as u8]))
            .collect();
        let refs: Vec<&OwnedFd> = fds.iter().collect();
        send_raw(&a, &frame_with_indexes(&[]), &refs);
        drop(refs);
        drop(fds);
        let limits = Limits::default().max_fds(MAX_FDS_PER_MESSAGE);
        let mut r = BinaryReader::with_limits(FdFramedReader::with_limits(b, &limits), limits);
        let with_sent_closed = open_fds();
        let err = r.read_message_begin().unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::ControlTruncated),
            "{err}"
        );
        assert_eq!(
            open_fds(),
            with_sent_closed,
            "received descriptors left open"
        );
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

/// The thread-pool server's gate reads fd frames itself: descriptors that come anywhere but
/// with the first read of a frame's length prefix end that connection (and are closed),
/// while the server goes on serving others.
#[test]
fn the_pool_gate_refuses_descriptors_inside_a_frame() {
    use common::echo::{Echo, call_named, quick, raw_call};
    use std::time::Duration;
    use thrift_rt::TransportKind;
    use thrift_rt::server::Listener;
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("thrift-rt-fd-gate-refuse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fd.sock");
    let server = quick()
        .transport(TransportKind::Fd)
        .spawn(Listener::unix(&path).unwrap(), Echo::default())
        .unwrap();
    let before = open_fds();
    let call = raw_call("fd inside");
    let header = (call.len() as u32).to_be_bytes();
    // The length prefix alone, then the payload with a descriptor attached.
    let hostile = UnixStream::connect(&path).unwrap();
    hostile
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    send_raw(&hostile, &header, &[]);
    std::thread::sleep(Duration::from_millis(50));
    let stray = pipe_with(b"stray");
    send_raw(&hostile, &call, &[&stray]);
    drop(stray);
    // The server closes the connection without an answer.
    let mut buf = [0u8; 16];
    assert_eq!(
        (&hostile).read(&mut buf).unwrap_or(0),
        0,
        "answered: {buf:?}"
    );
    drop(hostile);
    // Others are served.
    let opts = thrift_rt::connect::ClientOptions::default()
        .transport(TransportKind::Fd)
        .timeouts(Duration::from_secs(5));
    let (r, w) = thrift_rt::connect::connect_unix(&path, &opts).unwrap();
    let mut c = thrift_rt::Client::new(r, w);
    assert_eq!(call_named(&mut c, "echo", "after", 0).unwrap(), "after");
    drop(c);
    // Every descriptor that arrived was closed: back to what was open before.
    let start = std::time::Instant::now();
    while open_fds() > before && start.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
    assert_eq!(server.shutdown(Duration::from_secs(1)).forced, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
