//! File descriptors over the fd transport (a Unix socket), our thread-pool server and
//! generated client, binary protocol:
//!
//! - `fds/calls/{pass,plain}`: one call per iteration, passing one descriptor (a duplicate
//!   of a memfd; the server `fstat`s it) against the same call with an `i64` in its place.
//!   Throughput is the inverse of the time per call (one client).
//! - `fds/bulk/{memfd,memfd-fill,binary}`: 64 MiB, summed by the receiver: a sealed memfd
//!   prepared once (the call sends a duplicate; the server reads it whole into a buffer it
//!   keeps), a memfd filled, sealed and sent per iteration, and the same bytes in a `binary`
//!   field (encoded, framed, copied through the socket and decoded into a fresh `Vec`, as
//!   generated code does).
//!
//! Run with `cargo bench --manifest-path bench/Cargo.toml --bench fds [-- FILTER]`.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use nix::fcntl::{FcntlArg, SealFlag, fcntl};
use nix::sys::memfd::{MemFdCreateFlag, memfd_create};
use thrift_bench::ours::fds::{FdBench, FdBenchClient, FdBenchProcessor};
use thrift_rt::connect::{self, ClientOptions};
use thrift_rt::server::{self, Listener};
use thrift_rt::{Error, Limits, TransportKind};

const BULK_LEN: usize = 64 << 20;

#[derive(Debug, Default)]
struct Handler {
    buf: std::sync::Mutex<Vec<u8>>,
}

/// The wrapping sum of the little-endian 64-bit words (a tail shorter than 8 bytes is
/// ignored): cheap next to moving the bytes, so the benchmark measures the transfer.
fn word_sum(bytes: &[u8]) -> i64 {
    let sum = bytes.chunks_exact(8).fold(0u64, |acc, word| {
        acc.wrapping_add(u64::from_le_bytes(word.try_into().expect("8 bytes")))
    });
    i64::from_ne_bytes(sum.to_ne_bytes())
}

impl FdBench for Handler {
    fn pass(&self, file: OwnedFd) -> Result<i64, Error> {
        let size = File::from(file).metadata()?.len();
        Ok(i64::try_from(size).unwrap_or(i64::MAX))
    }

    fn plain(&self, value: i64) -> Result<i64, Error> {
        Ok(value)
    }

    fn take_memfd(&self, data: OwnedFd) -> Result<i64, Error> {
        // Into a buffer the handler keeps (a receiver of bulk data would, or would map the
        // memfd): one copy, out of the page cache, and no fresh pages per call.
        let file = File::from(data);
        let len = usize::try_from(file.metadata()?.len()).unwrap_or(0);
        let mut buf = self.buf.lock().unwrap_or_else(|e| e.into_inner());
        buf.resize(len, 0);
        file.read_exact_at(&mut buf, 0)?;
        Ok(word_sum(&buf))
    }

    fn take_bytes(&self, data: Vec<u8>) -> Result<i64, Error> {
        Ok(word_sum(&data))
    }
}

fn sealed_memfd(bytes: &[u8]) -> OwnedFd {
    let fd = memfd_create(
        c"thrift-bench",
        MemFdCreateFlag::MFD_CLOEXEC | MemFdCreateFlag::MFD_ALLOW_SEALING,
    )
    .expect("memfd_create");
    let mut file = File::from(fd);
    file.write_all(bytes).expect("fill the memfd");
    let seals = SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_WRITE;
    fcntl(file.as_raw_fd(), FcntlArg::F_ADD_SEALS(seals)).expect("seal the memfd");
    file.into()
}

fn main() {
    let limits = Limits::default().max_frame_size(BULK_LEN + 4096);
    let path = thrift_bench::socket_path("fds");
    let server = server::Builder::new()
        .transport(TransportKind::Fd)
        .limits(limits)
        .thread_pool(4, 16)
        .spawn(
            Listener::unix(&path).expect("bind"),
            FdBenchProcessor::new(Handler::default()),
        )
        .expect("start the server");
    let options = ClientOptions::default()
        .transport(TransportKind::Fd)
        .limits(limits);
    let (r, w) = connect::connect_unix(&path, &options).expect("connect");
    let mut client = FdBenchClient::new(r, w);

    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let small = sealed_memfd(b"sixteen bytes!!!");
    let mut group = c.benchmark_group("fds/calls");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(1));
    group.bench_function("pass", |b| {
        b.iter(|| {
            let dup = small.as_fd().try_clone_to_owned().expect("dup");
            assert_eq!(client.pass(dup).expect("pass"), 16);
        });
    });
    group.bench_function("plain", |b| {
        b.iter(|| assert_eq!(client.plain(16).expect("plain"), 16));
    });
    group.finish();

    let bytes: Vec<u8> = (0..BULK_LEN).map(|i| (i * 7 % 251) as u8).collect();
    let expected = word_sum(&bytes);
    let prepared = sealed_memfd(&bytes);
    let mut group = c.benchmark_group("fds/bulk");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Bytes(BULK_LEN as u64));
    group.bench_function("memfd", |b| {
        b.iter(|| {
            let dup = prepared.as_fd().try_clone_to_owned().expect("dup");
            assert_eq!(client.take_memfd(dup).expect("take_memfd"), expected);
        });
    });
    group.bench_function("memfd-fill", |b| {
        b.iter(|| {
            let memfd = sealed_memfd(&bytes);
            assert_eq!(client.take_memfd(memfd).expect("take_memfd"), expected);
        });
    });
    group.bench_function("binary", |b| {
        b.iter(|| assert_eq!(client.take_bytes(&bytes).expect("take_bytes"), expected));
    });
    group.finish();

    c.final_summary();
    drop(client);
    server.shutdown(Duration::from_secs(1));
    thrift_bench::cleanup();
}
