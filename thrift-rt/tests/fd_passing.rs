//! File descriptors travel with Thrift messages over a Unix socket, bound to the right message,
//! and none leak (counted in /proc/self/fd).
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;

use nix::sys::memfd::{MemFdCreateFlag, memfd_create};
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use thrift_rt::protocol::{BinaryReader, BinaryWriter, ProtocolReader, ProtocolWriter};
use thrift_rt::transport::fd::FdStream;
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

fn call(idx: i32) -> Vec<u8> {
    let mut w = BinaryWriter::new(Vec::new());
    w.write_message_begin(&MessageHeader::new("open", MessageType::Call, idx))
        .unwrap();
    w.write_i32(idx).unwrap();
    w.write_message_end().unwrap();
    w.into_inner()
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
        let (a, b) = UnixStream::pair().unwrap();
        let sender = std::thread::spawn(move || {
            let mut tx = FdStream::new(a);
            // Several messages in flight before the receiver reads any of them; every message
            // carries a different number of descriptors (0, 2, 4, ...).
            for idx in 0..8 {
                let mut fds = Vec::new();
                for j in 0..idx % 3 {
                    fds.push(pipe_with(format!("pipe {idx}.{j}").as_bytes()));
                    fds.push(memfd_with(format!("memfd {idx}.{j}").as_bytes()));
                }
                let borrowed: Vec<_> = fds.iter().map(AsFd::as_fd).collect();
                tx.send(&call(idx), &borrowed).unwrap();
                // The sender keeps ownership of its descriptors and closes them here.
            }
        });
        sender.join().unwrap();
        let receiver = std::thread::spawn(move || {
            let mut rx = FdStream::new(b);
            for idx in 0..8 {
                let msg = rx.recv().unwrap().unwrap();
                let mut r = BinaryReader::new(&msg.payload[..]);
                let header = r.read_message_begin().unwrap();
                assert_eq!((header.name.as_str(), header.seqid), ("open", idx));
                assert_eq!(r.read_i32().unwrap(), idx);
                assert_eq!(msg.fds.len(), (idx % 3 * 2) as usize);
                for (k, fd) in msg.fds.into_iter().enumerate() {
                    let kind = if k % 2 == 0 { "pipe" } else { "memfd" };
                    let expected = format!("{kind} {idx}.{}", k / 2);
                    assert_eq!(String::from_utf8(read_all(fd)).unwrap(), expected);
                }
            }
            assert!(rx.recv().unwrap().is_none());
        });
        receiver.join().unwrap();
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn received_descriptors_are_close_on_exec() {
    let _guard = SERIAL.lock().unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let pipe = pipe_with(b"x");
    FdStream::new(a).send(b"m", &[pipe.as_fd()]).unwrap();
    let msg = FdStream::new(b).recv().unwrap().unwrap();
    let flags = nix::fcntl::fcntl(msg.fds[0].as_raw_fd(), nix::fcntl::FcntlArg::F_GETFD).unwrap();
    assert_ne!(flags & nix::libc::FD_CLOEXEC, 0);
}

#[test]
fn error_paths_close_every_descriptor() {
    let _guard = SERIAL.lock().unwrap();
    let before = open_fds();
    {
        // Two descriptors sent under a header that announces one.
        let (a, b) = UnixStream::pair().unwrap();
        let (p1, p2) = (pipe_with(b"1"), memfd_with(b"2"));
        let header = [0u8, 0, 0, 1, 0, 1, b'x'];
        let raw = [p1.as_raw_fd(), p2.as_raw_fd()];
        let rights = [ControlMessage::ScmRights(&raw)];
        sendmsg::<()>(
            a.as_raw_fd(),
            &[std::io::IoSlice::new(&header)],
            &rights,
            MsgFlags::empty(),
            None,
        )
        .unwrap();
        let err = FdStream::new(b).recv().unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::FdCount));

        // Descriptors with a message whose payload then turns out truncated.
        let (a, b) = UnixStream::pair().unwrap();
        let header = [0u8, 0, 0, 9, 0, 2, b'x'];
        sendmsg::<()>(
            a.as_raw_fd(),
            &[std::io::IoSlice::new(&header)],
            &rights,
            MsgFlags::empty(),
            None,
        )
        .unwrap();
        drop(a);
        let err = FdStream::new(b).recv().unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );

        // An oversized frame with descriptors.
        let (a, b) = UnixStream::pair().unwrap();
        let header = [0x7fu8, 0, 0, 0, 0, 2];
        sendmsg::<()>(
            a.as_raw_fd(),
            &[std::io::IoSlice::new(&header)],
            &rights,
            MsgFlags::empty(),
            None,
        )
        .unwrap();
        let err = FdStream::new(b).recv().unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::FrameTooLarge)
        );
    }
    assert_eq!(open_fds(), before, "descriptors leaked on an error path");
}

#[test]
fn many_descriptors_in_one_message() {
    let _guard = SERIAL.lock().unwrap();
    let before = open_fds();
    {
        let (a, b) = UnixStream::pair().unwrap();
        let fds: Vec<OwnedFd> = (0..253).map(|i| memfd_with(&[i as u8])).collect();
        let payload = vec![7u8; 200_000];
        // The payload is larger than the socket buffer, so sending and receiving overlap.
        let t = std::thread::spawn(move || {
            let borrowed: Vec<_> = fds.iter().map(AsFd::as_fd).collect();
            FdStream::new(a).send(&payload, &borrowed).unwrap();
        });
        let msg = FdStream::new(b).recv().unwrap().unwrap();
        t.join().unwrap();
        assert_eq!(msg.payload.len(), 200_000);
        assert_eq!(msg.fds.len(), 253);
        for (i, fd) in msg.fds.into_iter().enumerate() {
            assert_eq!(read_all(fd), [i as u8]);
        }
    }
    assert_eq!(open_fds(), before);
}

/// `MSG_CTRUNC`: the receiver's control buffer holds exactly `MAX_FDS_PER_MESSAGE` descriptors.
/// With `SO_PASSCRED` on the receiving socket the kernel puts an `SCM_CREDENTIALS` message in
/// front of them, so a full message no longer fits: the kernel installs the descriptors that fit
/// (246 on Linux x86-64), discards the rest and sets `MSG_CTRUNC`. `recv` must report
/// `ControlTruncated` and close the descriptors that did arrive.
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
        let borrowed: Vec<_> = fds.iter().map(AsFd::as_fd).collect();
        FdStream::new(a).send(b"payload", &borrowed).unwrap();
        drop(borrowed);
        drop(fds);
        let mut receiver = FdStream::new(b);
        let with_sent_closed = open_fds();
        let err = receiver.recv().unwrap_err();
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
