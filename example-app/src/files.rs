//! File descriptors as an IDL type (`idl/files.thrift`), over the fd transport on a Unix
//! socket:
//!
//! - a file service: the client asks to open a path; the server checks the caller's uid
//!   (from the kernel, through [`thrift_rt::peer::current`]) against its policy, opens the
//!   file and returns the descriptor; the client reads through it;
//! - a bulk transfer: 64 MiB in a sealed memfd (one descriptor) against the same bytes in a
//!   `binary` field.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use nix::fcntl::{FcntlArg, SealFlag, fcntl};
use nix::sys::memfd::{MemFdCreateFlag, memfd_create};
use thrift_rt::connect::{self, ClientOptions};
use thrift_rt::server::{self, Listener};
use thrift_rt::{Error, Limits, TransportKind};

use crate::idl::files::{
    Bulk, BulkClient, BulkProcessor, Denied, Digest, FileService, FileServiceClient,
    FileServiceOpenError, FileServiceProcessor, OpenFailed, OpenedFile,
};

/// Which callers may open which files.
#[derive(Debug)]
struct Policy {
    /// Files are opened below this directory only.
    root: PathBuf,
    /// The uids allowed to open them.
    allowed_uids: Vec<u32>,
}

/// The file service: opens files for allowed callers.
#[derive(Debug)]
struct Files {
    policy: Policy,
}

impl Files {
    fn deny(reason: impl Into<String>, uid: u32) -> FileServiceOpenError {
        Denied {
            reason: reason.into(),
            uid: i32::try_from(uid).unwrap_or(-1),
        }
        .into()
    }
}

impl FileService for Files {
    fn open(&self, path: String) -> Result<OpenedFile, FileServiceOpenError> {
        // Who is calling, as the kernel saw it when the client connected.
        let caller =
            thrift_rt::peer::current().ok_or_else(|| Self::deny("not a Unix socket", 0))?;
        let uid = caller.uid();
        if !self.policy.allowed_uids.contains(&uid) {
            return Err(Self::deny(format!("uid {uid} is not allowed"), uid));
        }
        // Only plain relative paths, so nothing escapes the root.
        let relative = Path::new(&path);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(Self::deny(format!("{path:?} leaves the root"), uid));
        }
        let failed = |e: std::io::Error| OpenFailed {
            path: path.clone(),
            reason: e.to_string(),
        };
        let file = File::open(self.policy.root.join(relative)).map_err(failed)?;
        let size = file.metadata().map_err(failed)?.len();
        println!("  server: uid {uid} (pid {}) opened {path:?}", caller.pid());
        Ok(OpenedFile {
            file: file.into(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
        })
    }
}

/// The bulk receiver: digests what it is sent.
#[derive(Debug)]
struct Receiver;

impl Bulk for Receiver {
    fn take_memfd(&self, data: OwnedFd, len: i64) -> Result<Digest, Error> {
        // The seals guarantee the sender can no longer change or shrink the bytes.
        let seals = fcntl(data.as_raw_fd(), FcntlArg::F_GET_SEALS).map_err(std::io::Error::from)?;
        let seals = SealFlag::from_bits_truncate(seals);
        if !seals.contains(SealFlag::F_SEAL_WRITE | SealFlag::F_SEAL_SHRINK) {
            return Err(Error::Application(thrift_rt::ApplicationError::new(
                thrift_rt::ApplicationErrorKind::Unknown,
                "the memfd is not sealed against writes",
            )));
        }
        let mut file = File::from(data);
        file.seek(SeekFrom::Start(0))?;
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        Ok(digest(&bytes))
    }

    fn take_bytes(&self, data: Vec<u8>) -> Result<Digest, Error> {
        Ok(digest(&data))
    }
}

/// FNV-1a, enough to check that both ends saw the same bytes.
fn digest(bytes: &[u8]) -> Digest {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Digest {
        len: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        checksum: i64::from_ne_bytes(hash.to_ne_bytes()),
    }
}

/// Size of the bulk transfer.
const BULK_LEN: usize = 64 << 20;

/// Runs both demos on Unix sockets in `dir`.
pub(crate) fn run(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let root = dir.join("root");
    std::fs::create_dir_all(&root)?;
    std::fs::write(root.join("hello.txt"), "hello through a descriptor\n")?;
    let me = nix::unistd::geteuid().as_raw();

    // The fd transport: framed bytes, descriptors attached to their message.
    let options = ClientOptions::default().transport(TransportKind::Fd);
    let builder = || server::Builder::new().transport(TransportKind::Fd);

    println!(
        "-- file service (policy: our uid {me} may open files under {})",
        root.display()
    );
    let path = dir.join("files.sock");
    let files = FileServiceProcessor::new(Files {
        policy: Policy {
            root: root.clone(),
            allowed_uids: vec![me],
        },
    });
    let server = builder().spawn(Listener::unix(&path)?, files)?;
    let (r, w) = connect::connect_unix(&path, &options)?;
    let mut client = FileServiceClient::new(r, w);
    let opened = client.open("hello.txt")?;
    let mut text = String::new();
    File::from(opened.file).read_to_string(&mut text)?;
    println!(
        "  client: open(\"hello.txt\") -> {} bytes: {text:?}",
        opened.size
    );
    match client.open("../files.sock") {
        Err(FileServiceOpenError::Denied(d)) => {
            println!("  client: open(\"../files.sock\") -> {d}");
        }
        other => return Err(format!("expected Denied, got {other:?}").into()),
    }
    match client.open("missing.txt") {
        Err(FileServiceOpenError::Failed(e)) => {
            println!("  client: open(\"missing.txt\") -> {e}");
        }
        other => return Err(format!("expected OpenFailed, got {other:?}").into()),
    }
    server.shutdown(std::time::Duration::from_secs(1));

    // The same service with a policy that does not list our uid.
    let strict_path = dir.join("strict.sock");
    let strict = FileServiceProcessor::new(Files {
        policy: Policy {
            root,
            allowed_uids: vec![me.wrapping_add(1)],
        },
    });
    let server = builder().spawn(Listener::unix(&strict_path)?, strict)?;
    let (r, w) = connect::connect_unix(&strict_path, &options)?;
    match FileServiceClient::new(r, w).open("hello.txt") {
        Err(FileServiceOpenError::Denied(d)) => println!("  strict server: {d}"),
        other => return Err(format!("expected Denied, got {other:?}").into()),
    }
    server.shutdown(std::time::Duration::from_secs(1));

    println!("-- bulk transfer of {} MiB", BULK_LEN >> 20);
    // A binary field of 64 MiB needs a frame size limit above Apache's default 16 MB.
    let limits = Limits::default().max_frame_size(BULK_LEN + 1024);
    let bulk_path = dir.join("bulk.sock");
    let server = builder()
        .limits(limits)
        .spawn(Listener::unix(&bulk_path)?, BulkProcessor::new(Receiver))?;
    let (r, w) = connect::connect_unix(&bulk_path, &options.limits(limits))?;
    let mut client = BulkClient::new(r, w);
    let bytes: Vec<u8> = (0..BULK_LEN).map(|i| (i * 7 % 251) as u8).collect();
    let expected = digest(&bytes);

    let start = Instant::now();
    let memfd = sealed_memfd(&bytes)?;
    let by_fd = client.take_memfd(memfd, i64::try_from(BULK_LEN)?)?;
    let fd_time = start.elapsed();

    let start = Instant::now();
    let by_value = client.take_bytes(&bytes)?;
    let value_time = start.elapsed();

    if by_fd != expected || by_value != expected {
        return Err("the receiver saw different bytes".into());
    }
    println!("  sealed memfd (fill + seal + send + read): {fd_time:?}");
    println!("  binary field (encode + send + decode):     {value_time:?}");
    server.shutdown(std::time::Duration::from_secs(1));
    Ok(())
}

/// A memfd holding `bytes`, sealed so that nobody (the sender included) can change them.
fn sealed_memfd(bytes: &[u8]) -> std::io::Result<OwnedFd> {
    let fd = memfd_create(
        c"thrift-example-bulk",
        MemFdCreateFlag::MFD_CLOEXEC | MemFdCreateFlag::MFD_ALLOW_SEALING,
    )?;
    let mut file = File::from(fd);
    file.write_all(bytes)?;
    let seals = SealFlag::F_SEAL_SHRINK
        | SealFlag::F_SEAL_GROW
        | SealFlag::F_SEAL_WRITE
        | SealFlag::F_SEAL_SEAL;
    fcntl(file.as_raw_fd(), FcntlArg::F_ADD_SEALS(seals))?;
    Ok(file.into())
}
