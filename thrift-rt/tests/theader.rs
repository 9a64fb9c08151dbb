//! THeader against Apache's Python library (0.17, `/usr/bin/python3`): frames Python writes
//! are read here, frames written here are read by Python, and without a transform the bytes
//! are the same. Vectors are made at run time by Apache's own code.

use std::io::Write as _;
use std::process::{Command, Stdio};

use thrift_rt::header::{InfoHeaders, with_call_headers};
use thrift_rt::stack::{Header, HeaderProtocol, Stack, Transport};
use thrift_rt::transport::header::PayloadProtocol;
use thrift_rt::{Limits, MessageHeader, MessageType, ProtocolReader, ProtocolWriter, TType};

/// Writes, for each case `proto zlib headers`, the hex of a call `f` (seqid 7, an empty
/// struct) as Apache's THeaderProtocol writes it.
const PY_WRITE: &str = r#"
import sys
from thrift.transport import TTransport, THeaderTransport as H
from thrift.protocol import THeaderProtocol as P
from thrift.Thrift import TMessageType
for line in sys.stdin:
    proto, zlib, headers = line.split()
    buf = TTransport.TMemoryBuffer()
    p = P.THeaderProtocol(buf, [H.THeaderClientType.HEADERS], int(proto))
    if zlib == "1":
        p.add_transform(H.THeaderTransformID.ZLIB)
    if headers == "1":
        p.set_header(b"request-id", b"42")
        p.set_header(b"client", b"py")
    p.writeMessageBegin("f", TMessageType.CALL, 7)
    p.writeStructBegin("a")
    p.writeFieldStop()
    p.writeStructEnd()
    p.writeMessageEnd()
    p.trans.flush()
    print(buf.getvalue().hex())
"#;

/// Reads hex frames (one per line) with Apache's THeaderProtocol and prints what it found.
const PY_READ: &str = r#"
import sys
from thrift.transport import TTransport, THeaderTransport as H
from thrift.protocol import THeaderProtocol as P
for line in sys.stdin:
    buf = TTransport.TMemoryBuffer(bytes.fromhex(line.strip()))
    p = P.THeaderProtocol(buf, [H.THeaderClientType.HEADERS])
    name, kind, seqid = p.readMessageBegin()
    p.skip(12)
    p.readMessageEnd()
    hs = sorted((k.decode(), v.decode()) for k, v in p.get_headers().items())
    print(name, kind, seqid, p.trans.protocol_id, p.trans.sequence_id, hs)
"#;

fn python(script: &str, input: &str) -> Option<Vec<String>> {
    let mut child = match Command::new("/usr/bin/python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("no /usr/bin/python3 ({e}): skipped");
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python failed");
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const CASES: [(PayloadProtocol, bool, bool); 8] = [
    (PayloadProtocol::Binary, false, false),
    (PayloadProtocol::Binary, false, true),
    (PayloadProtocol::Binary, true, false),
    (PayloadProtocol::Binary, true, true),
    (PayloadProtocol::Compact, false, false),
    (PayloadProtocol::Compact, false, true),
    (PayloadProtocol::Compact, true, false),
    (PayloadProtocol::Compact, true, true),
];

fn call(kind: MessageType, seqid: i32) -> MessageHeader<&'static str> {
    MessageHeader {
        name: "f",
        kind,
        seqid,
        channel: 0,
    }
}

/// Our client's call in case `(protocol, zlib, headers)`.
fn our_call(protocol: PayloadProtocol, zlib: bool, with_headers: bool) -> Vec<u8> {
    let header = Header::new().zlib(zlib);
    let p = match protocol {
        PayloadProtocol::Binary => HeaderProtocol::binary(),
        PayloadProtocol::Compact => HeaderProtocol::compact(),
    };
    let (_, mut w) = Stack::new(p, header)
        .open(&[][..], Vec::new(), &Limits::default())
        .unwrap();
    let mut headers = InfoHeaders::new();
    if with_headers {
        headers.insert("request-id", "42");
        headers.insert("client", "py");
    }
    with_call_headers(&headers, || {
        w.write_message_begin(&call(MessageType::Call, 7)).unwrap();
        w.write_struct_begin("a").unwrap();
        w.write_field_stop().unwrap();
        w.write_struct_end().unwrap();
        w.write_message_end().unwrap();
        w.flush().unwrap();
    });
    w.get_ref().get_ref().clone()
}

#[test]
fn python_frames_are_read_and_answered_in_kind() {
    let input: String = CASES
        .iter()
        .map(|&(p, z, h)| format!("{} {} {}\n", p.id(), u8::from(z), u8::from(h)))
        .collect();
    let Some(frames) = python(PY_WRITE, &input) else {
        return;
    };
    let mut replies = String::new();
    for (&(protocol, zlib, with_headers), frame) in CASES.iter().zip(&frames) {
        let bytes = unhex(frame);
        // Without a transform our bytes are Python's, byte for byte.
        if !zlib {
            assert_eq!(
                hex(&our_call(protocol, zlib, with_headers)),
                *frame,
                "{protocol:?} headers {with_headers}"
            );
        }
        // A server stack reads the call and answers in its protocol and transform.
        let (mut r, mut w) = Stack::new(HeaderProtocol::default(), Header::new())
            .open(&bytes[..], Vec::new(), &Limits::default())
            .unwrap();
        let m = r.read_message_begin().unwrap();
        assert_eq!(
            (m.name.as_str(), m.kind, m.seqid),
            ("f", MessageType::Call, 7)
        );
        assert_eq!(r.get_ref().payload_protocol_for_test(), Some(protocol));
        let headers = thrift_rt::transport::Source::info_headers(r.get_ref());
        if with_headers {
            let h = headers.unwrap();
            assert_eq!(h.get("request-id"), Some("42"));
            assert_eq!(h.get("client"), Some("py"));
        } else {
            assert!(headers.is_none());
        }
        r.skip(TType::Struct).unwrap();
        r.read_message_end().unwrap();
        w.write_message_begin(&call(MessageType::Reply, 7)).unwrap();
        w.write_struct_begin("r").unwrap();
        w.write_field_stop().unwrap();
        w.write_struct_end().unwrap();
        w.write_message_end().unwrap();
        w.flush().unwrap();
        let reply = w.get_ref().get_ref().clone();
        // zlib replies are compressed: the payload is not visible in the frame.
        let plain_name = reply.windows(1).any(|b| b == b"f");
        if zlib {
            assert!(reply.len() > 14);
        } else {
            assert!(plain_name);
        }
        replies.push_str(&hex(&reply));
        replies.push('\n');
    }
    let read = python(PY_READ, &replies).unwrap();
    for (&(protocol, _, _), line) in CASES.iter().zip(&read) {
        assert_eq!(
            *line,
            format!("f 2 7 {} 7 []", protocol.id()),
            "{protocol:?}"
        );
    }
}

#[test]
fn our_calls_are_read_by_python() {
    let input: String = CASES
        .iter()
        .map(|&(p, z, h)| hex(&our_call(p, z, h)) + "\n")
        .collect();
    let Some(read) = python(PY_READ, &input) else {
        return;
    };
    for (&(protocol, zlib, headers), line) in CASES.iter().zip(&read) {
        let hs = if headers {
            "[('client', 'py'), ('request-id', '42')]"
        } else {
            "[]"
        };
        assert_eq!(
            *line,
            format!("f 1 7 {} 7 {hs}", protocol.id()),
            "{protocol:?} zlib {zlib}"
        );
    }
}

/// Legacy clients on a THeader server: each is answered in its own dialect.
#[test]
fn legacy_clients_are_answered_in_kind() {
    use thrift_rt::stack::{Binary, Buffered, Compact, Framed};
    let write_call = |stack_kind: u8| -> Vec<u8> {
        let mut out = Vec::new();
        macro_rules! with {
            ($p:expr, $t:expr) => {{
                let (_, mut w) = Stack::new($p, $t)
                    .open(&[][..], Vec::new(), &Limits::default())
                    .unwrap();
                w.write_message_begin(&call(MessageType::Call, 3)).unwrap();
                w.write_struct_begin("a").unwrap();
                w.write_field_stop().unwrap();
                w.write_struct_end().unwrap();
                w.write_message_end().unwrap();
                w.flush().unwrap();
                out.extend_from_slice(w.get_ref().get_ref());
            }};
        }
        match stack_kind {
            0 => with!(Binary, Buffered),
            1 => with!(Compact, Buffered),
            2 => with!(Binary, Framed),
            _ => with!(Compact, Framed),
        }
        out
    };
    for kind in 0..4u8 {
        let mut wire = write_call(kind);
        // Two calls back to back: the second is read the same way.
        wire.extend_from_slice(&write_call(kind));
        let (mut r, mut w) = Stack::new(HeaderProtocol::default(), Header::new())
            .open(&wire[..], Vec::new(), &Limits::default())
            .unwrap();
        for _ in 0..2 {
            let m = r.read_message_begin().unwrap();
            assert_eq!((m.name.as_str(), m.seqid), ("f", 3), "kind {kind}");
            r.skip(TType::Struct).unwrap();
            r.read_message_end().unwrap();
            w.write_message_begin(&call(MessageType::Reply, 3)).unwrap();
            w.write_struct_begin("r").unwrap();
            w.write_field_stop().unwrap();
            w.write_struct_end().unwrap();
            w.write_message_end().unwrap();
            w.flush().unwrap();
        }
        let reply = w.get_ref().get_ref().clone();
        let one = reply.len() / 2;
        let first = &reply[..one];
        match kind {
            0 => assert_eq!(&first[..4], &[0x80, 1, 0, 2]),
            1 => assert_eq!(&first[..2], &[0x82, 0x41]),
            2 => assert_eq!(&first[4..8], &[0x80, 1, 0, 2]),
            _ => assert_eq!(&first[4..6], &[0x82, 0x41]),
        }
        assert!(!r.has_message().unwrap());
    }
}

/// An unknown transform fails the read with INVALID_TRANSFORM and skips the frame; the next
/// frame is read as usual.
#[test]
fn unknown_transform_skips_the_frame() {
    let good = our_call(PayloadProtocol::Binary, false, false);
    // The same frame with transform id 9 in the header: 0 (binary), 1 transform, 9.
    let mut bad = good.clone();
    let at = 14;
    assert_eq!(&bad[at..at + 2], &[0, 0]);
    bad[at + 1] = 1;
    bad[at + 2] = 9;
    let mut wire = bad;
    wire.extend_from_slice(&good);
    let (mut r, _) = Stack::new(HeaderProtocol::default(), Header::new())
        .open(&wire[..], Vec::new(), &Limits::default())
        .unwrap();
    match r.read_message_begin() {
        Err(thrift_rt::Error::Application(e)) => {
            assert_eq!(e.kind, thrift_rt::ApplicationErrorKind::InvalidTransform);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.read_message_begin().unwrap().seqid, 7);
}

/// `Source::payload_protocol` through the reader.
trait PayloadOf {
    fn payload_protocol_for_test(&self) -> Option<PayloadProtocol>;
}

impl<S: thrift_rt::transport::Source> PayloadOf for S {
    fn payload_protocol_for_test(&self) -> Option<PayloadProtocol> {
        self.payload_protocol()
    }
}

/// The transport's `open` shares the halves' state; the type is what servers get.
#[test]
fn header_is_a_transport() {
    fn is_transport<T: Transport>(_: &T) {}
    is_transport(&Header::new().outer_frames(true));
}
