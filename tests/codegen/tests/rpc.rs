//! End to end: a generated `KitchenClient` calls a `KitchenProcessor` serving a handler, over a
//! Unix socket pair with the server on its own thread, in each protocol; plus the processor
//! fed raw messages in memory, to see exactly what it writes back.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::os::unix::net::UnixStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use codegen_tests::codec::{Protocol, encode};
use codegen_tests::idl::base::Health;
use codegen_tests::idl::constructs::{
    Color, Conflict, Containers, Failure, Kitchen, KitchenCheckError, KitchenClient,
    KitchenProcessor, KitchenShapeError, Millis, Node, Scalars, Shape, Tree,
};
use codegen_tests::idl::edge_cases::Thing2Client;
use codegen_tests::values;
use thrift_rt::processor::serve;
use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
};
use thrift_rt::transport::BufferedReader;
use thrift_rt::{
    ApplicationError, ApplicationErrorKind, Caller, Client, Error, MessageHeader, MessageType,
    ProtocolError, ProtocolErrorKind, ProtocolReader, ProtocolWriter, ReadThrift, TransportError,
    TransportErrorKind, WriteThrift,
};

/// The handler: echoes, and fails on request.
#[derive(Debug, Default)]
struct Chef {
    notified: Mutex<Vec<(String, Vec<u8>)>>,
    calls: AtomicUsize,
}

impl Chef {
    fn called(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }

    /// What the handler saw (the processor keeps the handler itself).
    fn take(&self) -> Chef {
        Chef {
            notified: Mutex::new(std::mem::take(&mut *self.notified.lock().unwrap())),
            calls: AtomicUsize::new(self.calls.load(Ordering::SeqCst)),
        }
    }
}

impl Health for Chef {
    fn ping(&self) -> Result<bool, Error> {
        self.called();
        Ok(true)
    }
}

impl Kitchen for Chef {
    fn nothing(&self) -> Result<(), Error> {
        self.called();
        Ok(())
    }

    fn scalars(&self, s: Scalars) -> Result<Scalars, Error> {
        self.called();
        Ok(Scalars {
            req: s.req + 1,
            ..s
        })
    }

    fn containers(
        &self,
        mut c: Containers,
        extra: Vec<i32>,
        labels: BTreeMap<String, String>,
    ) -> Result<Containers, Error> {
        self.called();
        c.longs.extend(extra.into_iter().map(i64::from));
        c.strings
            .extend(labels.into_iter().map(|(k, v)| format!("{k}={v}")));
        Ok(c)
    }

    fn shape(&self, s: Shape, mode: i32) -> Result<Shape, KitchenShapeError> {
        self.called();
        match mode {
            1 => Ok(Shape::Scaled(Box::new(s))),
            2 => Err(Failure {
                message: "burnt".to_string(),
                code: 418,
            }
            .into()),
            3 => Err(KitchenShapeError::Conflict(Conflict {
                message: Some("taken".to_string()),
                current: values::scalars_full(),
            })),
            4 => Err(KitchenShapeError::Thrift(Error::Protocol(
                ProtocolError::new(ProtocolErrorKind::InvalidData, "the oven is a protocol"),
            ))),
            _ => Err(KitchenShapeError::Thrift(Error::Application(
                ApplicationError::new(ApplicationErrorKind::InvalidTransform, "passed as is"),
            ))),
        }
    }

    fn check(&self, what: String) -> Result<(), KitchenCheckError> {
        self.called();
        match what.as_str() {
            "ok" => Ok(()),
            "panic" => panic!("the handler panicked on purpose"),
            _ => Err(KitchenCheckError::Failure(Failure {
                message: what,
                code: 500,
            })),
        }
    }

    fn mix(&self, a: Color, b: Color, at: Millis) -> Result<Color, Error> {
        self.called();
        if at < 0 {
            return Err(Error::Transport(TransportError::new(
                TransportErrorKind::Io,
                "the mixer is unplugged",
            )));
        }
        Ok(Color(a.0 + b.0 + i32::try_from(at).unwrap_or(0)))
    }

    fn notify(&self, event: String, payload: Vec<u8>) -> Result<(), Error> {
        self.called();
        self.notified.lock().unwrap().push((event, payload));
        Ok(())
    }

    fn grow(&self, mut tree: Tree, mut chain: Node) -> Result<Tree, Error> {
        self.called();
        loop {
            tree.children.push(Tree {
                label: chain.value.to_string(),
                children: vec![],
            });
            match chain.next {
                Some(next) => chain = *next,
                None => return Ok(tree),
            }
        }
    }
}

type Stream = UnixStream;

/// A client connected to a server thread serving a fresh `Chef` with the protocol that
/// `reader` and `writer` make. The server thread ends when the client is dropped, returning
/// its handler.
fn start<R, W>(
    reader: fn(BufferedReader<Stream>) -> R,
    writer: fn(BufWriter<Stream>) -> W,
) -> (KitchenClient<Client<R, W>>, JoinHandle<Chef>)
where
    R: ProtocolReader + Send + 'static,
    W: ProtocolWriter + Send + 'static,
{
    let (client_end, server_end) = UnixStream::pair().unwrap();
    let server = std::thread::spawn(move || {
        let processor = KitchenProcessor::new(Chef::default());
        let mut r = reader(BufferedReader::new(server_end.try_clone().unwrap()));
        let mut w = writer(BufWriter::new(server_end));
        serve(&processor, &mut r, &mut w).expect("the connection stays usable");
        processor.handler().take()
    });
    let client = KitchenClient::new(
        reader(BufferedReader::new(client_end.try_clone().unwrap())),
        writer(BufWriter::new(client_end)),
    );
    (client, server)
}

fn application_kind(e: &Error) -> ApplicationErrorKind {
    match e {
        Error::Application(e) => e.kind,
        other => panic!("expected a TApplicationException, got {other:?}"),
    }
}

/// Every method, every way it can end, through one connection.
fn session<C: Caller>(client: &mut KitchenClient<C>) {
    // Inherited from base.Health.
    assert!(client.ping().unwrap());
    client.nothing().unwrap();

    let scalars = client.scalars(&values::scalars_full()).unwrap();
    assert_eq!(
        scalars,
        Scalars {
            req: 8,
            ..values::scalars_full()
        }
    );

    let labels = BTreeMap::from([("k".to_string(), "v".to_string())]);
    let containers = client
        .containers(&values::containers_full(), &[4, -4], &labels)
        .unwrap();
    let mut expected = values::containers_full();
    expected.longs.extend([4, -4]);
    expected.strings.push("k=v".to_string());
    assert_eq!(containers, expected);

    // Declared exceptions arrive as their own variants.
    assert_eq!(
        client.shape(&values::shape_point(), 1).unwrap(),
        Shape::Scaled(Box::new(values::shape_point()))
    );
    match client.shape(&values::shape_circle(), 2) {
        Err(KitchenShapeError::Failure(f)) => {
            assert_eq!((f.message.as_str(), f.code), ("burnt", 418));
        }
        other => panic!("expected Failure, got {other:?}"),
    }
    match client.shape(&values::shape_circle(), 3) {
        Err(KitchenShapeError::Conflict(c)) => {
            assert_eq!(c.message.as_deref(), Some("taken"));
            assert_eq!(c.current, values::scalars_full());
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    // An error the IDL does not declare: INTERNAL_ERROR, unless it already is an application
    // error, which is sent as is.
    match client.shape(&values::shape_circle(), 4) {
        Err(KitchenShapeError::Thrift(e)) => {
            assert_eq!(application_kind(&e), ApplicationErrorKind::InternalError);
            assert!(e.to_string().contains("the oven is a protocol"), "{e}");
        }
        other => panic!("expected an application error, got {other:?}"),
    }
    match client.shape(&values::shape_circle(), 5) {
        Err(KitchenShapeError::Thrift(Error::Application(e))) => {
            assert_eq!(
                e,
                ApplicationError::new(ApplicationErrorKind::InvalidTransform, "passed as is")
            );
        }
        other => panic!("expected an application error, got {other:?}"),
    }

    client.check("ok").unwrap();
    match client.check("bad") {
        Err(KitchenCheckError::Failure(f)) => assert_eq!(f.message, "bad"),
        other => panic!("expected Failure, got {other:?}"),
    }

    assert_eq!(client.mix(Color::GREEN, Color::BLUE, 1).unwrap(), Color(12));
    let e = client.mix(Color::RED, Color::RED, -1).unwrap_err();
    assert_eq!(application_kind(&e), ApplicationErrorKind::InternalError);
    assert!(e.to_string().contains("the mixer is unplugged"), "{e}");

    // A panic becomes INTERNAL_ERROR, and the connection keeps working.
    match client.check("panic") {
        Err(KitchenCheckError::Thrift(e)) => {
            assert_eq!(application_kind(&e), ApplicationErrorKind::InternalError);
            assert!(e.to_string().contains("panicked on purpose"), "{e}");
        }
        other => panic!("expected an application error, got {other:?}"),
    }
    assert!(client.ping().unwrap());

    // Oneway: nothing comes back, so the next reply read is the next call's.
    client.notify("dinner", &[1, 2, 3]).unwrap();
    client.notify("", &[]).unwrap();
    let grown = client.grow(&values::tree(), &values::node_chain()).unwrap();
    let mut expected = values::tree();
    for label in ["1", "2", "3"] {
        expected.children.push(Tree {
            label: label.to_string(),
            children: vec![],
        });
    }
    assert_eq!(grown, expected);
    assert!(client.ping().unwrap());
}

fn finish<C>(client: KitchenClient<C>, server: JoinHandle<Chef>) {
    drop(client);
    let chef = server.join().expect("the server thread ended cleanly");
    assert_eq!(
        *chef.notified.lock().unwrap(),
        [
            ("dinner".to_string(), vec![1, 2, 3]),
            (String::new(), vec![])
        ]
    );
    // Every call reached the handler exactly once: 19 calls, 2 of them oneway.
    assert_eq!(chef.calls.load(Ordering::SeqCst), 19);
}

#[test]
fn binary_session() {
    let (mut client, server) = start(BinaryReader::new, BinaryWriter::new);
    session(&mut client);
    finish(client, server);
}

#[test]
fn compact_session() {
    let (mut client, server) = start(CompactReader::new, CompactWriter::new);
    session(&mut client);
    finish(client, server);
}

#[test]
fn json_session() {
    let (mut client, server) = start(JsonReader::new, JsonWriter::new);
    session(&mut client);
    finish(client, server);
}

#[test]
fn unknown_method_through_a_client() {
    // `Thing2` has methods `Kitchen` does not: `get` is unknown to the server.
    let (client, server) = start(BinaryReader::new, BinaryWriter::new);
    let (r, w) = client.into_inner();
    let mut other = Thing2Client::new(r, w);
    let e = other.get(1).unwrap_err();
    assert_eq!(application_kind(&e), ApplicationErrorKind::UnknownMethod);
    assert!(e.to_string().contains("get"), "{e}");
    // The connection survives.
    let (r, w) = other.into_inner();
    let mut client = KitchenClient::new(r, w);
    assert!(client.ping().unwrap());
    drop(client);
    let chef = server.join().unwrap();
    assert_eq!(chef.calls.load(Ordering::SeqCst), 1);
}

/// One message, as a client would write it.
fn message(
    protocol: Protocol,
    name: &str,
    kind: MessageType,
    seqid: i32,
    args: &impl WriteThrift,
) -> Vec<u8> {
    struct Message<'a, T> {
        name: &'a str,
        kind: MessageType,
        seqid: i32,
        args: &'a T,
    }
    impl<T: WriteThrift> WriteThrift for Message<'_, T> {
        const TTYPE: thrift_rt::TType = thrift_rt::TType::Struct;
        fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> thrift_rt::Result<()> {
            w.write_message_begin(&MessageHeader {
                name: self.name,
                kind: self.kind,
                seqid: self.seqid,
                channel: 0,
            })?;
            self.args.write(w)?;
            w.write_message_end()
        }
    }
    encode(
        protocol,
        &Message {
            name,
            kind,
            seqid,
            args,
        },
    )
}

/// Serves `request` (any number of messages) with a fresh processor; returns what it wrote.
fn serve_bytes(protocol: Protocol, request: &[u8]) -> (Vec<u8>, Chef) {
    let processor = KitchenProcessor::new(Chef::default());
    let mut out = Vec::new();
    match protocol {
        Protocol::Binary => serve(
            &processor,
            &mut BinaryReader::new(request),
            &mut BinaryWriter::new(&mut out),
        ),
        Protocol::Compact => serve(
            &processor,
            &mut CompactReader::new(request),
            &mut CompactWriter::new(&mut out),
        ),
        Protocol::Json => serve(
            &processor,
            &mut JsonReader::new(request),
            &mut JsonWriter::new(&mut out),
        ),
    }
    .unwrap();
    (out, processor.handler().take())
}

/// Reads the replies in `bytes`: each header, and the exception of exception replies.
fn replies(protocol: Protocol, bytes: &[u8]) -> Vec<(MessageHeader, Option<ApplicationError>)> {
    fn read_all<R: ProtocolReader>(mut r: R) -> Vec<(MessageHeader, Option<ApplicationError>)> {
        let mut out = Vec::new();
        while r.has_message().unwrap() {
            let header = r.read_message_begin().unwrap();
            let exception = if header.kind == MessageType::Exception {
                Some(ApplicationError::read(&mut r).unwrap())
            } else {
                r.skip(thrift_rt::TType::Struct).unwrap();
                None
            };
            r.read_message_end().unwrap();
            out.push((header, exception));
        }
        out
    }
    match protocol {
        Protocol::Binary => read_all(BinaryReader::new(bytes)),
        Protocol::Compact => read_all(CompactReader::new(bytes)),
        Protocol::Json => read_all(JsonReader::new(bytes)),
    }
}

#[derive(Debug)]
struct NoArgs;

impl WriteThrift for NoArgs {
    const TTYPE: thrift_rt::TType = thrift_rt::TType::Struct;
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> thrift_rt::Result<()> {
        w.write_struct_begin("args")?;
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

#[test]
fn oneway_writes_no_reply() {
    for protocol in Protocol::ALL {
        let args = codegen_tests::idl::constructs::kitchen_wire::NotifyArgs {
            event: "e".to_string(),
            payload: vec![9],
        };
        let request = message(protocol, "notify", MessageType::Oneway, 1, &args);
        let (reply, chef) = serve_bytes(protocol, &request);
        assert!(reply.is_empty(), "{protocol:?}: {reply:?}");
        assert_eq!(*chef.notified.lock().unwrap(), [("e".to_string(), vec![9])]);
    }
}

#[test]
fn unknown_method_is_refused_and_serving_goes_on() {
    for protocol in Protocol::ALL {
        let mut request = message(protocol, "cook", MessageType::Call, 7, &NoArgs);
        request.extend(message(protocol, "eat", MessageType::Oneway, 8, &NoArgs));
        request.extend(message(protocol, "ping", MessageType::Call, 9, &NoArgs));
        let (reply, chef) = serve_bytes(protocol, &request);
        let replies = replies(protocol, &reply);
        assert_eq!(replies.len(), 2, "{protocol:?}: no reply to the oneway");
        let (header, exception) = &replies[0];
        assert_eq!(
            (header.name.as_str(), header.kind, header.seqid),
            ("cook", MessageType::Exception, 7)
        );
        let exception = exception.as_ref().unwrap();
        assert_eq!(exception.kind, ApplicationErrorKind::UnknownMethod);
        assert!(exception.message.contains("cook"), "{exception:?}");
        let (header, exception) = &replies[1];
        assert_eq!(
            (header.name.as_str(), header.kind, header.seqid),
            ("ping", MessageType::Reply, 9)
        );
        assert!(exception.is_none());
        assert_eq!(chef.calls.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn panic_does_not_stop_serving() {
    let mut request = message(
        Protocol::Compact,
        "check",
        MessageType::Call,
        1,
        &codegen_tests::idl::constructs::kitchen_wire::CheckArgs {
            what: "panic".to_string(),
        },
    );
    request.extend(message(
        Protocol::Compact,
        "nothing",
        MessageType::Call,
        2,
        &NoArgs,
    ));
    let (reply, chef) = serve_bytes(Protocol::Compact, &request);
    let replies = replies(Protocol::Compact, &reply);
    assert_eq!(replies.len(), 2);
    assert_eq!(
        replies[0].1.as_ref().map(|e| e.kind),
        Some(ApplicationErrorKind::InternalError)
    );
    assert_eq!(replies[1].0.kind, MessageType::Reply);
    assert_eq!(chef.calls.load(Ordering::SeqCst), 2);
}
