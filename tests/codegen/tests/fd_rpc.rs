//! File descriptors through generated clients and processors, over the fd transport: in
//! arguments, results, declared exceptions, oneways, containers, nested structs, unions,
//! both ways over a channel endpoint; every received descriptor refers to the sender's open
//! file; every error path closes what it received (counted in `/proc/self/fd`); handlers see
//! the caller's kernel-verified credentials.
#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use codegen_tests::idl::fds::{
    Bundle, Failed, FdPeer, FdPeerClient, FdPeerProcessor, FdService, FdServiceClient,
    FdServiceFailError, FdServiceOpenError, FdServiceProcessor, Nested, Opened, Source, Stat,
};
use thrift_rt::connect::{self, AnyReader, AnyWriter, ClientOptions};
use thrift_rt::endpoint::{self, EndpointCaller};
use thrift_rt::server::{self, Listener, Server};
use thrift_rt::{
    ApplicationErrorKind, Client, Error, FdSet, Limits, TransportErrorKind, TransportKind,
};

/// Tests in this file count the process's descriptors, so they run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A memfd holding `content` (its offset at the end).
fn memfd(content: &str) -> OwnedFd {
    let fd = nix::sys::memfd::memfd_create(
        c"fd-rpc-test",
        nix::sys::memfd::MemFdCreateFlag::MFD_CLOEXEC,
    )
    .unwrap();
    let mut file = File::from(fd);
    file.write_all(content.as_bytes()).unwrap();
    file.into()
}

/// Everything in the file behind `fd`, read from offset 0 (without moving the offset).
fn content(fd: &OwnedFd) -> String {
    let file = File::from(fd.try_clone().unwrap());
    let len = file.metadata().unwrap().len();
    let mut buf = vec![0u8; usize::try_from(len).unwrap()];
    file.read_exact_at(&mut buf, 0).unwrap();
    String::from_utf8(buf).unwrap()
}

/// Asserts that `a` and `b` are the same open file: bytes written through one are read
/// through the other.
fn assert_same_file(a: &OwnedFd, b: &OwnedFd) {
    let marker = format!("marker-{}", a.as_raw_fd());
    let mut file = File::from(a.try_clone().unwrap());
    file.write_all(marker.as_bytes()).unwrap();
    assert!(
        content(b).ends_with(&marker),
        "bytes written through one descriptor are not seen through the other"
    );
}

/// A caller's (pid, uid, gid), as a handler saw them; `None` without credentials.
type Seen = Option<(i32, u32, u32)>;

/// What the server side records.
#[derive(Clone)]
struct Handler {
    root: PathBuf,
    /// The uids `open` accepts.
    allowed_uids: Arc<Mutex<Vec<u32>>>,
    /// What `deliver` received.
    delivered: Arc<Mutex<Sender<(String, String)>>>,
    /// The peer credentials `stat` saw: (pid, uid, gid).
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Handler {
    fn new(root: &Path) -> (Self, Receiver<(String, String)>) {
        let (tx, rx) = channel();
        let handler = Self {
            root: root.to_owned(),
            allowed_uids: Arc::new(Mutex::new(vec![nix::unistd::geteuid().as_raw()])),
            delivered: Arc::new(Mutex::new(tx)),
            seen: Arc::new(Mutex::new(Vec::new())),
        };
        (handler, rx)
    }

    fn failed(message: String) -> Failed {
        Failed {
            log: Some(memfd(&format!("log: {message}"))),
            message,
        }
    }
}

impl FdService for Handler {
    fn size(&self, file: OwnedFd) -> Result<i64, Error> {
        Ok(i64::try_from(File::from(file).metadata()?.len()).unwrap())
    }

    fn dup(&self, file: OwnedFd) -> Result<OwnedFd, Error> {
        Ok(file.try_clone()?)
    }

    fn open(&self, path: String) -> Result<Opened, FdServiceOpenError> {
        let caller = thrift_rt::peer::current().ok_or_else(|| Self::failed("no peer".into()))?;
        if !self.allowed_uids.lock().unwrap().contains(&caller.uid()) {
            return Err(Self::failed(format!("uid {} is not allowed", caller.uid())).into());
        }
        let file =
            File::open(self.root.join(&path)).map_err(|e| Self::failed(format!("{path}: {e}")))?;
        let handle = file.try_clone().map_err(|e| Self::failed(e.to_string()))?;
        Ok(Opened {
            file: file.into(),
            extra: Some(memfd("extra")),
            name: path,
            handle: handle.into(),
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
        // The named files become the list, the list becomes the map, and every descriptor
        // also goes back in `groups`, duplicated.
        let mut groups = BTreeMap::new();
        let dups = |fds: &[OwnedFd]| fds.iter().map(|f| f.try_clone().unwrap()).collect();
        groups.insert("files".to_owned(), dups(&files));
        groups.insert("unique".to_owned(), dups(&unique));
        Ok(Bundle {
            list: named.into_values().collect(),
            set: unique,
            by_name: files
                .into_iter()
                .enumerate()
                .map(|(i, f)| (i.to_string(), f))
                .collect(),
            handles: vec![handle],
            groups: Some(groups),
        })
    }

    fn wrap(&self, inner: Nested) -> Result<Nested, Error> {
        Ok(Nested {
            opened: Opened {
                file: memfd("outer"),
                extra: None,
                name: "outer".to_owned(),
                handle: memfd("outer handle"),
            },
            depth: inner.depth + 1,
            next: Some(Box::new(inner)),
        })
    }

    fn resolve(&self, source: Source) -> Result<Source, Error> {
        match source {
            Source::File(file) => Ok(Source::File(file)),
            Source::Path(path) => Ok(Source::File(File::open(self.root.join(path))?.into())),
            Source::Unknown(id) => Err(Error::Application(thrift_rt::ApplicationError::new(
                ApplicationErrorKind::Unknown,
                format!("unknown source field {id}"),
            ))),
        }
    }

    fn deliver(&self, file: OwnedFd, note: String) -> Result<(), Error> {
        let _ = self.delivered.lock().unwrap().send((note, content(&file)));
        Ok(())
    }

    fn named(&self, fd: OwnedFd) -> Result<i64, Error> {
        self.size(fd)
    }

    fn stat(&self, path: String) -> Result<Stat, Error> {
        let peer = thrift_rt::peer::current().map(|p| (p.pid(), p.uid(), p.gid()));
        self.seen.lock().unwrap().push(peer);
        let size = std::fs::metadata(self.root.join(&path))?.len();
        Ok(Stat {
            size: i64::try_from(size).unwrap(),
            name: path,
        })
    }
}

/// A server on a Unix socket in a fresh directory, with `hello.txt` in its root.
struct Fixture {
    dir: PathBuf,
    socket: PathBuf,
    server: Option<Server>,
    handler: Handler,
    delivered: Receiver<(String, String)>,
}

type TestClient = FdServiceClient<Client<AnyReader, AnyWriter>>;

impl Fixture {
    fn start(name: &str, transport: TransportKind) -> Self {
        let dir = std::env::temp_dir().join(format!("fd-rpc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hello.txt"), "hello").unwrap();
        let socket = dir.join("server.sock");
        let (handler, delivered) = Handler::new(&dir);
        let server = server::Builder::new()
            .transport(transport)
            .read_timeout(Some(Duration::from_secs(10)))
            .spawn(
                Listener::unix(&socket).unwrap(),
                FdServiceProcessor::new(handler.clone()),
            )
            .unwrap();
        Self {
            dir,
            socket,
            server: Some(server),
            handler,
            delivered,
        }
    }

    fn client(&self, transport: TransportKind) -> TestClient {
        let options = ClientOptions::default().transport(transport);
        let (r, w) = connect::connect_unix(&self.socket, &options).unwrap();
        FdServiceClient::new(r, w)
    }

    fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown(Duration::from_secs(2));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn descriptors_in_arguments_results_and_exceptions() {
    let _serial = serial();
    let before = open_fds();
    let fx = Fixture::start("basic", TransportKind::Fd);
    let mut client = fx.client(TransportKind::Fd);

    // An argument (consumed by the call) and a plain result.
    assert_eq!(client.size(memfd("12345")).unwrap(), 5);
    assert_eq!(client.named(memfd("abc")).unwrap(), 3);

    // A result that is the same open file as the argument.
    let mine = memfd("shared");
    let back = client.dup(mine.try_clone().unwrap()).unwrap();
    assert_same_file(&mine, &back);
    assert_same_file(&back, &mine);

    // A struct of descriptors, opened by the server.
    let opened = client.open("hello.txt").unwrap();
    assert_eq!(content(&opened.file), "hello");
    assert_eq!(content(&opened.handle), "hello");
    assert_eq!(content(opened.extra.as_ref().unwrap()), "extra");
    assert_eq!(opened.name, "hello.txt");

    // Declared exceptions carrying a descriptor: from the handler's own file, and the
    // caller's descriptor handed back.
    match client.open("missing.txt") {
        Err(FdServiceOpenError::Failed(f)) => {
            assert!(f.message.contains("missing.txt"), "{}", f.message);
            assert!(content(f.log.as_ref().unwrap()).starts_with("log: missing.txt"));
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    let log = memfd("my log");
    match client.fail("boom", log.try_clone().unwrap()) {
        Err(FdServiceFailError::Failed(f)) => {
            assert_eq!(f.message, "boom");
            assert_same_file(&log, f.log.as_ref().unwrap());
        }
        other => panic!("expected Failed, got {other:?}"),
    }

    // A method without descriptors on the same connection.
    assert_eq!(client.stat("hello.txt").unwrap().size, 5);

    drop((client, mine, back, opened, log));
    fx.stop();
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn descriptors_in_containers_nested_structs_unions_and_oneways() {
    let _serial = serial();
    let before = open_fds();
    let fx = Fixture::start("containers", TransportKind::Fd);
    let mut client = fx.client(TransportKind::Fd);

    let files = vec![memfd("f0"), memfd("f1"), memfd("f2")];
    let unique = FdSet::from(vec![memfd("u0"), memfd("u1")]);
    let named = BTreeMap::from([("a".to_owned(), memfd("na")), ("b".to_owned(), memfd("nb"))]);
    let bundle = client
        .regroup(&files, &unique, &named, memfd("handle"))
        .unwrap();
    let texts = |fds: &[OwnedFd]| fds.iter().map(content).collect::<Vec<_>>();
    assert_eq!(texts(&bundle.list), ["na", "nb"]);
    assert_eq!(texts(&bundle.set), ["u0", "u1"]);
    assert_eq!(texts(&bundle.handles), ["handle"]);
    let by_name: Vec<_> = bundle
        .by_name
        .iter()
        .map(|(k, v)| (k.as_str(), content(v)))
        .collect();
    assert_eq!(
        by_name,
        [("0", "f0".into()), ("1", "f1".into()), ("2", "f2".into())]
    );
    let groups = bundle.groups.as_ref().unwrap();
    assert_eq!(texts(&groups["files"]), ["f0", "f1", "f2"]);
    assert_eq!(texts(&groups["unique"]), ["u0", "u1"]);
    // The caller kept its descriptors (containers are sent by reference, duplicated).
    assert_same_file(&files[1], &bundle.by_name["1"]);

    // Nested structs, three levels deep.
    let leaf = Nested {
        opened: Opened {
            file: memfd("leaf"),
            extra: Some(memfd("leaf extra")),
            name: "leaf".to_owned(),
            handle: memfd("leaf handle"),
        },
        next: None,
        depth: 0,
    };
    let once = client.wrap(&leaf).unwrap();
    let twice = client.wrap(&once).unwrap();
    assert_eq!(twice.depth, 2);
    let inner = twice.next.as_ref().unwrap().next.as_ref().unwrap();
    assert_eq!(content(&inner.opened.file), "leaf");
    assert_eq!(content(inner.opened.extra.as_ref().unwrap()), "leaf extra");
    assert_eq!(content(&twice.opened.handle), "outer handle");

    // A union holding a descriptor, both ways.
    let mine = memfd("union");
    match client
        .resolve(&Source::File(mine.try_clone().unwrap()))
        .unwrap()
    {
        Source::File(f) => assert_same_file(&mine, &f),
        other => panic!("expected a file, got {other:?}"),
    }
    match client
        .resolve(&Source::Path("hello.txt".to_owned()))
        .unwrap()
    {
        Source::File(f) => assert_eq!(content(&f), "hello"),
        other => panic!("expected a file, got {other:?}"),
    }

    // A oneway: the handler gets the descriptor; nothing comes back.
    client.deliver(memfd("delivered"), "note").unwrap();
    let (note, text) = fx.delivered.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!((note.as_str(), text.as_str()), ("note", "delivered"));

    drop((
        client, files, unique, named, bundle, leaf, once, twice, mine,
    ));
    fx.stop();
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn many_calls_in_flight_each_get_their_own_descriptors() {
    let _serial = serial();
    let before = open_fds();
    let fx = Fixture::start("concurrent", TransportKind::Fd);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let mut client = fx.client(TransportKind::Fd);
            std::thread::spawn(move || {
                for i in 0..200 {
                    let text = format!("thread {t} call {i}");
                    let mine = memfd(&text);
                    let back = client.dup(mine.try_clone().unwrap()).unwrap();
                    assert_eq!(content(&back), text);
                    assert_same_file(&mine, &back);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    fx.stop();
    assert_eq!(open_fds(), before, "descriptors leaked");
}

#[test]
fn transports_that_cannot_carry_descriptors_fail_before_writing() {
    let _serial = serial();
    let before = open_fds();
    // A framed server (no descriptor passing) and a framed client.
    let fx = Fixture::start("framed", TransportKind::Framed);
    let mut client = fx.client(TransportKind::Framed);
    let err = client.size(memfd("x")).unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(TransportErrorKind::FdUnsupported),
        "{err}"
    );
    // Nothing was written: the connection is in step and serves the next call.
    assert_eq!(client.stat("hello.txt").unwrap().size, 5);
    // A reply that would need descriptors becomes an INTERNAL_ERROR exception.
    match client.open("hello.txt") {
        Err(FdServiceOpenError::Thrift(Error::Application(e))) => {
            assert_eq!(e.kind, ApplicationErrorKind::InternalError);
            assert!(e.message.contains("file descriptors"), "{}", e.message);
        }
        other => panic!("expected INTERNAL_ERROR, got {other:?}"),
    }
    assert_eq!(client.stat("hello.txt").unwrap().size, 5);
    drop(client);
    fx.stop();

    // The fd transport needs a Unix socket.
    let tcp = ClientOptions::default().transport(TransportKind::Fd);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = connect::connect_tcp(listener.local_addr().unwrap(), &tcp).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let err = server::Builder::new()
        .transport(TransportKind::Fd)
        .spawn(
            Listener::tcp("127.0.0.1:0").unwrap(),
            FdServiceProcessor::new(fx_handler()),
        )
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    // Endpoints too, connecting and listening.
    let fd_endpoint = endpoint::Builder::new().transport(TransportKind::Fd);
    let err = fd_endpoint
        .connect_tcp(listener.local_addr().unwrap(), &Default::default())
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let err = fd_endpoint
        .listen(Listener::tcp("127.0.0.1:0").unwrap(), |_| {})
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    drop(listener);
    assert_eq!(open_fds(), before, "descriptors leaked");
}

fn fx_handler() -> Handler {
    Handler::new(Path::new("/nonexistent")).0
}

/// Frames a binary-protocol call `size` with seqid 1 whose `file` argument is `index`.
fn size_call(indexes: &[i32]) -> Vec<u8> {
    use thrift_rt::protocol::{BinaryWriter, ProtocolWriter};
    use thrift_rt::{FieldHeader, MessageHeader, MessageType, TType};
    let mut w = BinaryWriter::new(Vec::new());
    w.write_message_begin(&MessageHeader::new("size", MessageType::Call, 1))
        .unwrap();
    w.write_struct_begin("size_args").unwrap();
    for &index in indexes {
        w.write_field_begin(FieldHeader::new(TType::I32, 1))
            .unwrap();
        w.write_i32(index).unwrap();
        w.write_field_end().unwrap();
    }
    w.write_field_stop().unwrap();
    w.write_struct_end().unwrap();
    w.write_message_end().unwrap();
    let payload = w.into_inner();
    let mut frame = u32::try_from(payload.len()).unwrap().to_be_bytes().to_vec();
    frame.extend_from_slice(&payload);
    frame
}

fn send_raw(socket: &UnixStream, bytes: &[u8], fds: &[&OwnedFd]) {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
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

/// Reads what the server sends back until it closes the connection (or 5 s pass).
fn drain(socket: &mut UnixStream) -> Vec<u8> {
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut out = Vec::new();
    let _ = socket.read_to_end(&mut out);
    out
}

#[test]
fn bad_descriptor_messages_are_refused_and_every_descriptor_is_closed() {
    let _serial = serial();
    let before = open_fds();
    let fx = Fixture::start("hostile", TransportKind::Fd);
    let (p1, p2) = (memfd("one"), memfd("two"));
    let cases: [(&str, Vec<u8>, Vec<&OwnedFd>); 5] = [
        ("an index beyond those received", size_call(&[3]), vec![&p1]),
        (
            "descriptors left unclaimed",
            size_call(&[0]),
            vec![&p1, &p2],
        ),
        ("an index used twice", size_call(&[0, 0]), vec![&p1]),
        ("descriptors without a message", vec![0], vec![&p1, &p2]),
        (
            "more descriptors than the limit",
            size_call(&[0]),
            vec![&p1; 40],
        ),
    ];
    for (what, bytes, fds) in cases {
        let mut raw = UnixStream::connect(&fx.socket).unwrap();
        send_raw(&raw, &bytes, &fds);
        if bytes.len() == 1 {
            // No message follows the descriptors.
            raw.shutdown(std::net::Shutdown::Write).unwrap();
        }
        let reply = drain(&mut raw);
        // Either an exception (the protocol error is reported) or a closed connection; never
        // a normal reply.
        if reply.len() > 8 {
            assert_eq!(&reply[4..8], &[0x80, 0x01, 0, 3], "{what}: an exception");
        }
        // The server still serves everyone else.
        assert_eq!(
            fx.client(TransportKind::Fd).stat("hello.txt").unwrap().size,
            5,
            "{what}"
        );
    }
    drop((p1, p2));
    fx.stop();
    assert_eq!(open_fds(), before, "descriptors leaked on an error path");
}

#[test]
fn handlers_see_the_callers_credentials_and_can_refuse_by_uid() {
    let _serial = serial();
    let fx = Fixture::start("creds", TransportKind::Fd);
    let mut client = fx.client(TransportKind::Fd);
    client.stat("hello.txt").unwrap();
    let seen = fx.handler.seen.lock().unwrap().clone();
    let me = (
        i32::try_from(std::process::id()).unwrap(),
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    );
    assert_eq!(seen, [Some(me)]);

    // The policy no longer lists our uid: the handler refuses.
    fx.handler.allowed_uids.lock().unwrap().clear();
    match client.open("hello.txt") {
        Err(FdServiceOpenError::Failed(f)) => {
            assert!(f.message.contains("is not allowed"), "{}", f.message);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    drop(client);
    fx.stop();
}

#[test]
fn peer_credentials_come_from_the_kernel_not_the_client() {
    // A child process connects: the handler must see the child's pid, not ours.
    let _serial = serial();
    let fx = Fixture::start("child", TransportKind::Fd);
    let socket = fx.socket.clone();
    // The child is a few lines of Python making one framed `stat` call (no Thrift library
    // needed); the interop suite installs python3 anyway.
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import socket,sys,struct\n\
             s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n\
             body=b'\\x80\\x01\\x00\\x01'+struct.pack('>i',4)+b'stat'+struct.pack('>i',1)\\\n\
             +b'\\x0b\\x00\\x01'+struct.pack('>i',9)+b'hello.txt'+b'\\x00'\n\
             s.sendall(struct.pack('>i',len(body))+body)\n\
             n=struct.unpack('>i',s.recv(4))[0]; data=b''\n\
             while len(data)<n: data+=s.recv(n-len(data))\n\
             sys.exit(0 if data[3]==2 else 1)\n",
        )
        .arg(&socket)
        .status();
    match status {
        Ok(status) => {
            assert!(status.success(), "the child's call failed");
            let seen = fx.handler.seen.lock().unwrap().clone();
            let (pid, uid, _) = seen[0].expect("credentials over a Unix socket");
            assert_ne!(pid, i32::try_from(std::process::id()).unwrap());
            assert_eq!(uid, nix::unistd::geteuid().as_raw());
        }
        Err(e) => eprintln!("python3 not available ({e}); child-process credentials not checked"),
    }
    fx.stop();
}

/// Both ends of an fd-transport endpoint serve `FdPeer` and call each other's.
#[derive(Clone)]
struct Peer {
    name: &'static str,
    seen: Arc<Mutex<Vec<Option<i32>>>>,
}

impl FdPeer for Peer {
    fn give(&self, f: OwnedFd) -> Result<OwnedFd, Error> {
        self.seen
            .lock()
            .unwrap()
            .push(thrift_rt::peer::current().map(|p| p.pid()));
        let mut file = File::from(f.try_clone()?);
        file.write_all(format!(" via {}", self.name).as_bytes())?;
        Ok(f)
    }

    fn take(&self, fds: Vec<OwnedFd>) -> Result<i32, Error> {
        Ok(i32::try_from(fds.len()).unwrap())
    }
}

#[test]
fn descriptors_both_ways_over_a_channel_endpoint() {
    let _serial = serial();
    let before = open_fds();
    {
        let dir = std::env::temp_dir().join(format!("fd-rpc-endpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("peer.sock");
        let server_peer = Peer {
            name: "server",
            seen: Arc::default(),
        };
        let client_peer = Peer {
            name: "client",
            seen: Arc::default(),
        };
        let builder = |peer: &Peer| {
            endpoint::Builder::new()
                .transport(TransportKind::Fd)
                .call_timeout(Some(Duration::from_secs(10)))
                .serve(FdPeerProcessor::new(peer.clone()))
        };
        let accepted: Arc<OnceLock<EndpointCaller>> = Arc::default();
        let slot = Arc::clone(&accepted);
        let listener = builder(&server_peer)
            .listen(Listener::unix(&path).unwrap(), move |peer| {
                let _ = slot.set(peer.caller());
            })
            .unwrap();
        let client = builder(&client_peer).connect_unix(&path).unwrap();
        let creds = client
            .peer_credentials()
            .expect("credentials of the listening side");
        assert_eq!(creds.pid(), i32::try_from(std::process::id()).unwrap());

        // Client → server.
        let mine = memfd("start");
        let back = FdPeerClient::from_caller(client.caller())
            .give(mine.try_clone().unwrap())
            .unwrap();
        assert_eq!(content(&back), "start via server");
        assert_same_file(&mine, &back);

        // Server → client, on the same connection.
        let mut to_client = loop {
            if let Some(caller) = accepted.get() {
                break FdPeerClient::from_caller(caller.clone());
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let theirs = memfd("back");
        let returned = to_client.give(theirs.try_clone().unwrap()).unwrap();
        assert_eq!(content(&returned), "back via client");
        assert_eq!(
            to_client
                .take(&[memfd("a"), memfd("b"), memfd("c")])
                .unwrap(),
            3
        );

        // Threads sharing the endpoint, each with its own descriptors.
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut peer = FdPeerClient::from_caller(client.caller());
                std::thread::spawn(move || {
                    for i in 0..100 {
                        let text = format!("t{t} #{i}");
                        let got = peer.give(memfd(&text)).unwrap();
                        assert_eq!(content(&got), format!("{text} via server"));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // Handlers on both sides saw their peer's credentials (this process).
        let me = Some(i32::try_from(std::process::id()).unwrap());
        assert!(server_peer.seen.lock().unwrap().iter().all(|p| *p == me));
        assert_eq!(client_peer.seen.lock().unwrap().as_slice(), [me]);

        drop((to_client, mine, back, theirs, returned));
        client.close();
        listener.shutdown();
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert_eq!(open_fds(), before, "descriptors leaked");
}

/// The fd transport speaks the framed transport's bytes: a plain framed client talks to an
/// fd server for calls without descriptors.
#[test]
fn plain_framed_clients_talk_to_an_fd_server() {
    let _serial = serial();
    let fx = Fixture::start("compat", TransportKind::Fd);
    let mut client = fx.client(TransportKind::Framed);
    assert_eq!(client.stat("hello.txt").unwrap().size, 5);
    drop(client);
    fx.stop();
}

#[test]
fn limits_apply_to_outgoing_descriptors() {
    let _serial = serial();
    let fx = Fixture::start("limit", TransportKind::Fd);
    let options = ClientOptions::default()
        .transport(TransportKind::Fd)
        .limits(Limits::default().max_fds(2));
    let (r, w) = connect::connect_unix(&fx.socket, &options).unwrap();
    let mut client = FdServiceClient::new(r, w);
    let files = vec![memfd("a"), memfd("b"), memfd("c")];
    let unique = FdSet::default();
    let err = client
        .regroup(&files, &unique, &BTreeMap::new(), memfd("h"))
        .unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(TransportErrorKind::FdCount),
        "{err}"
    );
    drop(client);
    fx.stop();
}
