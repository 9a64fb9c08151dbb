//! Generated types that hold file descriptors (`idl/fds.thrift`) through the fd transport over
//! a Unix socket pair: every descriptor arrives as one for the same open file, in its place,
//! and none leak. Where descriptors cannot travel (a plain `BinaryWriter<Vec<u8>>`), writing
//! a value with one fails with `FdUnsupported`, generated clients refuse before writing, and
//! generated processors answer with an exception instead of a reply.
#![cfg(target_os = "linux")]

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard};

use codegen_tests::idl::fd_shadow::Numbers;
use codegen_tests::idl::fds::{
    Bundle, Dir, Entry, Failed, FdService, FdServiceClient, FdServiceFailError, FdServiceOpenError,
    FdServiceProcessor, Named, Nested, Opened, Source, Stat,
};
use nix::sys::memfd::{MemFdCreateFlag, memfd_create};
use thrift_rt::protocol::{BinaryReader, BinaryWriter, ProtocolReader, ProtocolWriter};
use thrift_rt::transport::fd::{FdFramedReader, FdFramedWriter};
use thrift_rt::{
    ApplicationError, ApplicationErrorKind, Error, FdSet, MessageHeader, MessageType, Processor,
    ReadThrift, TransportErrorKind, WriteThrift,
};

/// Tests in this file count the process's descriptors, so they must not overlap.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A memfd holding `content`.
fn memfd(content: &str) -> OwnedFd {
    let fd = memfd_create(c"codegen-fd-test", MemFdCreateFlag::MFD_CLOEXEC).unwrap();
    let mut file = File::from(fd);
    file.write_all(content.as_bytes()).unwrap();
    file.into()
}

/// Everything in the file behind `fd`, read from the start (through a duplicate, so `fd`
/// stays open).
fn content(fd: &OwnedFd) -> String {
    let mut file = File::from(fd.try_clone().unwrap());
    file.seek(SeekFrom::Start(0)).unwrap();
    let mut out = String::new();
    file.read_to_string(&mut out).unwrap();
    out
}

/// Checks that `received` is the same open file as `sent`: the same inode, and what is
/// written through one is read through the other (a memfd's offset is shared too).
fn assert_same_file(sent: &OwnedFd, received: &OwnedFd) {
    let identity = |fd: &OwnedFd| {
        let meta = File::from(fd.try_clone().unwrap()).metadata().unwrap();
        (meta.dev(), meta.ino())
    };
    assert_eq!(identity(sent), identity(received), "another file");
    let before = content(sent);
    let mut through_received = File::from(received.try_clone().unwrap());
    through_received.seek(SeekFrom::End(0)).unwrap();
    through_received.write_all(b"+").unwrap();
    assert_eq!(content(sent), format!("{before}+"));
}

/// Sends `value` as the whole body of one message through the fd transport, and reads it
/// back on the other end.
fn through_socket<T: WriteThrift + ReadThrift>(value: &T) -> T {
    let (a, b) = UnixStream::pair().unwrap();
    let mut w = BinaryWriter::new(FdFramedWriter::new(a));
    w.write_message_begin(&MessageHeader::new("value", MessageType::Call, 1))
        .unwrap();
    value.write(&mut w).unwrap();
    w.write_message_end().unwrap();
    w.flush().unwrap();
    let mut r = BinaryReader::new(FdFramedReader::new(b));
    let header = r.read_message_begin().unwrap();
    assert_eq!(header.name, "value");
    let back = T::read(&mut r).unwrap();
    // Fails if a descriptor of the message was left unclaimed.
    r.read_message_end().unwrap();
    back
}

#[test]
fn a_struct_with_required_optional_and_typedef_descriptors_round_trips() {
    let _guard = serial();
    let before = open_fds();
    {
        let (pipe_read, pipe_write) = nix::unistd::pipe().unwrap();
        let sent = Opened {
            file: memfd("file"),
            extra: Some(pipe_read),
            name: "notes.txt".to_string(),
            handle: memfd("handle"),
        };
        let back = through_socket(&sent);
        assert_eq!(back.name, "notes.txt");
        assert_same_file(&sent.file, &back.file);
        assert_same_file(&sent.handle, &back.handle);
        assert_eq!(content(&back.file), "file+");
        // The pipe's read end arrived: what goes into the sender's write end comes out there.
        File::from(pipe_write).write_all(b"ping").unwrap();
        let mut got = [0u8; 4];
        File::from(back.extra.expect("the optional fd arrived"))
            .read_exact(&mut got)
            .unwrap();
        assert_eq!(&got, b"ping");

        let without_extra = Opened {
            extra: None,
            ..back
        };
        let back = through_socket(&without_extra);
        assert!(back.extra.is_none());
        assert_same_file(&sent.file, &back.file);
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn nested_and_recursive_structs_carry_their_descriptors() {
    let _guard = serial();
    let before = open_fds();
    {
        let opened = |name: &str| Opened {
            file: memfd(name),
            extra: None,
            name: name.to_string(),
            handle: memfd(&format!("{name} handle")),
        };
        let sent = Nested {
            opened: opened("outer"),
            next: Some(Box::new(Nested {
                opened: opened("inner"),
                next: None,
                depth: 1,
            })),
            depth: 0,
        };
        let back = through_socket(&sent);
        assert_same_file(&sent.opened.file, &back.opened.file);
        let (sent_inner, back_inner) = (sent.next.unwrap(), back.next.unwrap());
        assert_eq!(back_inner.depth, 1);
        assert_same_file(&sent_inner.opened.file, &back_inner.opened.file);
        assert_same_file(&sent_inner.opened.handle, &back_inner.opened.handle);
        assert_eq!(content(&back_inner.opened.file), "inner+");

        // Descriptors through a union and a struct that contain each other.
        let sent = Dir {
            entries: vec![
                Entry::File(memfd("a")),
                Entry::Dir(Dir {
                    entries: vec![Entry::File(memfd("b")), Entry::Dir(Dir { entries: vec![] })],
                }),
            ],
        };
        let back = through_socket(&sent);
        let files = |dir: &Dir| -> Vec<String> {
            fn walk(dir: &Dir, out: &mut Vec<String>) {
                for entry in &dir.entries {
                    match entry {
                        Entry::File(fd) => out.push(content(fd)),
                        Entry::Dir(sub) => walk(sub, out),
                        Entry::Unknown(id) => panic!("unknown entry {id}"),
                    }
                }
            }
            let mut out = Vec::new();
            walk(dir, &mut out);
            out
        };
        assert_eq!(files(&back), ["a", "b"]);
        let (Entry::File(a), Entry::File(b)) = (&sent.entries[0], &back.entries[0]) else {
            panic!("the first entry is a file")
        };
        assert_same_file(a, b);
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn descriptors_in_lists_sets_and_maps_arrive_in_their_places() {
    let _guard = serial();
    let before = open_fds();
    {
        let sent = Bundle {
            list: vec![memfd("l0"), memfd("l1")],
            set: FdSet::from(vec![memfd("s0"), memfd("s1"), memfd("s2")]),
            by_name: BTreeMap::from([
                ("x".to_string(), memfd("mx")),
                ("y".to_string(), memfd("my")),
            ]),
            handles: vec![memfd("h0")],
            groups: Some(BTreeMap::from([(
                "g".to_string(),
                vec![memfd("g0"), memfd("g1")],
            )])),
        };
        let back = through_socket(&sent);
        let contents = |fds: &[OwnedFd]| fds.iter().map(content).collect::<Vec<_>>();
        assert_eq!(contents(&back.list), ["l0", "l1"]);
        assert_eq!(contents(&back.set), ["s0", "s1", "s2"]);
        assert_eq!(content(&back.by_name["x"]), "mx");
        assert_eq!(content(&back.by_name["y"]), "my");
        assert_eq!(contents(&back.handles), ["h0"]);
        assert_eq!(contents(&back.groups.as_ref().unwrap()["g"]), ["g0", "g1"]);
        for (sent, back) in sent.set.iter().zip(back.set.iter()) {
            assert_same_file(sent, back);
        }
        assert_same_file(&sent.by_name["y"], &back.by_name["y"]);

        // Empty containers hold no descriptors at all.
        let empty = Bundle {
            list: Vec::new(),
            set: FdSet::default(),
            by_name: BTreeMap::new(),
            handles: Vec::new(),
            groups: None,
        };
        let back = through_socket(&empty);
        assert!(back.list.is_empty() && back.set.is_empty() && back.groups.is_none());

        // The same with hash maps (`Collections::Hash`).
        let sent = codegen_tests::alt::fds::Bundle {
            list: Vec::new(),
            set: FdSet::default(),
            by_name: HashMap::from([("z".into(), memfd("hz"))]),
            handles: Vec::new(),
            groups: Some(HashMap::from([("g".into(), vec![memfd("hg")])])),
        };
        let back = through_socket(&sent);
        assert_same_file(&sent.by_name["z"], &back.by_name["z"]);
        assert_eq!(content(&back.groups.unwrap()["g"][0]), "hg");
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn unions_exceptions_and_names_that_are_merely_fd() {
    let _guard = serial();
    let before = open_fds();
    {
        let sent = Source::File(memfd("source"));
        let Source::File(back) = through_socket(&sent) else {
            panic!("a file was sent")
        };
        let Source::File(sent) = sent else {
            unreachable!()
        };
        assert_same_file(&sent, &back);
        let Source::Path(path) = through_socket(&Source::Path("/tmp/x".to_string())) else {
            panic!("a path was sent")
        };
        assert_eq!(path, "/tmp/x");

        let sent = Failed {
            message: "disk on fire".to_string(),
            log: Some(memfd("log")),
        };
        let back = through_socket(&sent);
        assert_eq!(back.to_string(), "Failed: disk on fire");
        assert_same_file(sent.log.as_ref().unwrap(), back.log.as_ref().unwrap());

        let sent = Named {
            fd: memfd("named"),
            number: 42,
        };
        let back = through_socket(&sent);
        assert_eq!(back.number, 42);
        assert_same_file(&sent.fd, &back.fd);

        // `typedef i32 fd` in fd_shadow.thrift: plain numbers, with everything they derive.
        let numbers = Numbers {
            first: 3,
            rest: vec![4, 5],
            pairs: BTreeMap::from([(1, 2)]),
            with_default: 7,
        };
        assert_eq!(through_socket(&numbers), numbers);
        assert_eq!(Numbers::default().with_default, 7);
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

/// The transport kind of a write error.
fn write_error<T: WriteThrift>(value: &T) -> Option<TransportErrorKind> {
    let mut w = BinaryWriter::new(Vec::new());
    value.write(&mut w).err().map(|e| {
        e.transport_kind()
            .unwrap_or_else(|| panic!("not a transport error: {e:?}"))
    })
}

#[test]
fn a_plain_writer_refuses_descriptors() {
    let _guard = serial();
    let before = open_fds();
    {
        let unsupported = Some(TransportErrorKind::FdUnsupported);
        let opened = Opened {
            file: memfd("f"),
            extra: None,
            name: String::new(),
            handle: memfd("h"),
        };
        assert_eq!(write_error(&opened), unsupported);
        assert_eq!(write_error(&Source::File(memfd("s"))), unsupported);
        let bundle = Bundle {
            list: Vec::new(),
            set: FdSet::from(vec![memfd("s")]),
            by_name: BTreeMap::new(),
            handles: Vec::new(),
            groups: None,
        };
        assert_eq!(write_error(&bundle), unsupported);
        // Values of those types that hold no descriptor write as usual.
        let empty = Bundle {
            set: FdSet::default(),
            ..bundle
        };
        assert_eq!(write_error(&empty), None);
        assert_eq!(write_error(&Source::Path("p".to_string())), None);
        let failed = Failed {
            message: "m".to_string(),
            log: None,
        };
        assert_eq!(write_error(&failed), None);
        assert_eq!(write_error(&Stat::default()), None);
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

type PlainClient =
    FdServiceClient<thrift_rt::Client<BinaryReader<&'static [u8]>, BinaryWriter<Vec<u8>>>>;

fn plain_client() -> PlainClient {
    FdServiceClient::new(BinaryReader::new(&[][..]), BinaryWriter::new(Vec::new()))
}

fn is_unsupported(e: &Error) -> bool {
    e.transport_kind() == Some(TransportErrorKind::FdUnsupported)
}

#[test]
fn a_client_refuses_descriptors_before_writing_anything() {
    let _guard = serial();
    let before = open_fds();
    {
        let mut client = plain_client();
        assert!(is_unsupported(&client.size(memfd("a")).unwrap_err()));
        assert!(is_unsupported(&client.dup(memfd("b")).unwrap_err()));
        assert!(is_unsupported(&client.named(memfd("c")).unwrap_err()));
        assert!(is_unsupported(
            &client.deliver(memfd("d"), "oneway").unwrap_err()
        ));
        match client.fail("m", memfd("e")) {
            Err(FdServiceFailError::Thrift(e)) => assert!(is_unsupported(&e)),
            other => panic!("expected FdUnsupported, got {other:?}"),
        }
        let files = [memfd("f")];
        let err = client
            .regroup(&files, &FdSet::default(), &BTreeMap::new(), memfd("g"))
            .unwrap_err();
        assert!(is_unsupported(&err));
        // Arguments that can hold descriptors are refused even when these hold none.
        let err = client
            .wrap(&Nested {
                opened: Opened {
                    file: memfd("h"),
                    extra: None,
                    name: String::new(),
                    handle: memfd("i"),
                },
                next: None,
                depth: 0,
            })
            .unwrap_err();
        assert!(is_unsupported(&err));
        let err = client.resolve(&Source::Path("p".to_string())).unwrap_err();
        assert!(is_unsupported(&err));
        let (_, w) = client.into_inner();
        assert!(w.into_inner().is_empty(), "nothing was written");

        // Methods without descriptors in their arguments still write their call (and then
        // fail here, where no reply can be read).
        let mut client = plain_client();
        assert!(client.stat("p").is_err());
        assert!(matches!(
            client.open("p"),
            Err(FdServiceOpenError::Thrift(_))
        ));
        let (_, w) = client.into_inner();
        assert!(!w.into_inner().is_empty());
    }
    // Every descriptor passed by value was closed.
    assert_eq!(open_fds(), before, "descriptors leaked");
}

/// A handler that opens memfds and hands descriptors back.
#[derive(Debug)]
struct Files;

impl FdService for Files {
    fn size(&self, file: OwnedFd) -> Result<i64, Error> {
        let len = File::from(file).metadata()?.len();
        Ok(i64::try_from(len).unwrap_or(i64::MAX))
    }

    fn dup(&self, file: OwnedFd) -> Result<OwnedFd, Error> {
        Ok(file.try_clone()?)
    }

    fn open(&self, path: String) -> Result<Opened, FdServiceOpenError> {
        if path == "missing" {
            return Err(FdServiceOpenError::Failed(Failed {
                message: format!("{path}: no such file"),
                log: Some(memfd("log")),
            }));
        }
        Ok(Opened {
            file: memfd(&path),
            extra: None,
            handle: memfd("handle"),
            name: path,
        })
    }

    fn fail(&self, message: String, log: OwnedFd) -> Result<(), FdServiceFailError> {
        Err(Failed {
            message,
            log: Some(log),
        }
        .into())
    }

    fn regroup(
        &self,
        files: Vec<OwnedFd>,
        unique: FdSet,
        named: BTreeMap<String, OwnedFd>,
        handle: OwnedFd,
    ) -> Result<Bundle, Error> {
        Ok(Bundle {
            list: unique.into_iter().collect(),
            set: files.into_iter().collect(),
            by_name: named,
            handles: vec![handle],
            groups: None,
        })
    }

    fn wrap(&self, inner: Nested) -> Result<Nested, Error> {
        Ok(Nested {
            opened: Opened {
                file: inner.opened.file.try_clone()?,
                extra: None,
                name: "wrapper".to_string(),
                handle: inner.opened.handle.try_clone()?,
            },
            depth: inner.depth + 1,
            next: Some(Box::new(inner)),
        })
    }

    fn resolve(&self, source: Source) -> Result<Source, Error> {
        Ok(match source {
            Source::Path(path) => Source::File(memfd(&path)),
            other => other,
        })
    }

    fn deliver(&self, file: OwnedFd, note: String) -> Result<(), Error> {
        drop((file, note));
        Ok(())
    }

    fn named(&self, fd: OwnedFd) -> Result<i64, Error> {
        self.size(fd)
    }

    fn stat(&self, path: String) -> Result<Stat, Error> {
        Ok(Stat {
            size: i64::try_from(path.len()).unwrap_or(i64::MAX),
            name: path,
        })
    }
}

/// The call `write` makes on a plain writer (its reply cannot be read there).
fn call_bytes(write: impl FnOnce(&mut PlainClient)) -> Vec<u8> {
    let mut client = plain_client();
    write(&mut client);
    client.into_inner().1.into_inner()
}

/// Serves `call` with a `Files` processor on a plain writer; returns the answer's kind and
/// what it holds (an exception, or a reply's bytes).
fn serve_plain(call: &[u8]) -> (MessageType, Result<Vec<u8>, ApplicationError>) {
    let processor = FdServiceProcessor::new(Files);
    let mut r = BinaryReader::new(call);
    let header = r.read_message_begin().unwrap();
    let mut w = BinaryWriter::new(Vec::new());
    processor.process(&header, &mut r, &mut w).unwrap();
    let out = w.into_inner();
    let mut r = BinaryReader::new(&out[..]);
    let answer = r.read_message_begin().unwrap();
    let body = match answer.kind {
        MessageType::Exception => Err(ApplicationError::read(&mut r).unwrap()),
        _ => Ok(out.clone()),
    };
    (answer.kind, body)
}

#[test]
fn a_processor_answers_with_an_exception_when_its_reply_cannot_carry_descriptors() {
    let _guard = serial();
    let before = open_fds();
    {
        // `open` returns a struct with descriptors: the reply is replaced by INTERNAL_ERROR.
        let call = call_bytes(|c| {
            let _ = c.open("notes");
        });
        let (kind, body) = serve_plain(&call);
        assert_eq!(kind, MessageType::Exception);
        let exception = body.unwrap_err();
        assert_eq!(exception.kind, ApplicationErrorKind::InternalError);
        assert!(
            exception.message.contains("file descriptors"),
            "{}",
            exception.message
        );

        // Its declared exception holds a descriptor too: where the handler raises it, the
        // exception (the `Failed` value) is what cannot travel, and INTERNAL_ERROR is sent.
        let call = call_bytes(|c| {
            let _ = c.open("missing");
        });
        let (kind, body) = serve_plain(&call);
        assert_eq!(kind, MessageType::Exception);
        assert_eq!(body.unwrap_err().kind, ApplicationErrorKind::InternalError);

        // `stat` has no descriptors: answered as usual.
        let call = call_bytes(|c| {
            let _ = c.stat("notes");
        });
        let (kind, body) = serve_plain(&call);
        assert_eq!(kind, MessageType::Reply);
        assert!(body.is_ok());
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}
