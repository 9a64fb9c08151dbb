//! A write to a peer that is gone is an error, never a `SIGPIPE`: Rust programs ignore the
//! signal, but a program that hosts this library without doing so (a C host, a fuzzer) would
//! be killed by it. This test binary restores the default disposition first, so a write that
//! raises the signal kills it and the test fails.
#![cfg(unix)]

use std::io::{ErrorKind, IoSlice, Write};
use std::os::unix::net::UnixStream;

use nix::sys::signal::{SigHandler, Signal, signal};
use thrift_rt::transport::stream::Stream;

#[test]
fn writes_to_a_closed_peer_are_errors_not_sigpipe() {
    // SAFETY: the default disposition, set before any other thread of this test binary
    // could be writing (it holds this one test).
    unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) }.unwrap();
    let (ours, theirs) = UnixStream::pair().unwrap();
    drop(theirs);
    let mut stream = Stream::from(ours);
    let err = stream
        .write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    let err = stream.write_all(b"ef").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe);
}
