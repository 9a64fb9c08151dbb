//! THeader against Apache's C++ library (Debian's `libthrift-dev` 0.17): a small program of
//! ours, compiled at test time, writes frames with `THeaderProtocol` (which pads headers with
//! 1-4 bytes where Python pads 0-3, and defaults to compact) for us to read, and reads ours.
//! Skipped with a message when `g++` or the library is missing.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use thrift_rt::header::{InfoHeaders, with_call_headers};
use thrift_rt::stack::{Header, HeaderProtocol, Stack};
use thrift_rt::transport::Source;
use thrift_rt::transport::header::PayloadProtocol;
use thrift_rt::{Limits, MessageHeader, MessageType, ProtocolReader, ProtocolWriter, TType};

/// `peer write PROTO ZLIB HEADERS` prints the hex of a call `f` (seqid 7, empty struct);
/// `peer read` prints, for each hex frame on stdin, what C++ found in it.
const PEER: &str = r#"
#include <thrift/protocol/THeaderProtocol.h>
#include <thrift/transport/THeaderTransport.h>
#include <thrift/transport/TBufferTransports.h>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

using namespace apache::thrift::protocol;
using namespace apache::thrift::transport;

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "write" && argc == 5) {
    auto buf = std::make_shared<TMemoryBuffer>();
    THeaderProtocol p(buf, (uint16_t)std::stoi(argv[2]));
    auto trans = std::dynamic_pointer_cast<THeaderTransport>(p.getTransport());
    if (argv[3][0] == '1') trans->setTransform(THeaderTransport::ZLIB_TRANSFORM);
    if (argv[4][0] == '1') p.setHeader("request-id", "42");
    p.writeMessageBegin("f", T_CALL, 7);
    p.writeStructBegin("a");
    p.writeFieldStop();
    p.writeStructEnd();
    p.writeMessageEnd();
    p.getTransport()->flush();
    uint8_t* bytes;
    uint32_t n;
    buf->getBuffer(&bytes, &n);
    for (uint32_t i = 0; i < n; i++) std::printf("%02x", bytes[i]);
    std::printf("\n");
    return 0;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    std::string bytes;
    for (size_t i = 0; i + 1 < line.size(); i += 2)
      bytes.push_back((char)std::stoi(line.substr(i, 2), nullptr, 16));
    auto buf = std::make_shared<TMemoryBuffer>(
        (uint8_t*)bytes.data(), (uint32_t)bytes.size(), TMemoryBuffer::COPY);
    THeaderProtocol p(buf);
    std::string name;
    TMessageType kind;
    int32_t seqid;
    p.readMessageBegin(name, kind, seqid);
    p.skip(T_STRUCT);
    p.readMessageEnd();
    auto trans = std::dynamic_pointer_cast<THeaderTransport>(p.getTransport());
    std::cout << name << " " << kind << " " << seqid << " " << trans->getProtocolId();
    for (auto& kv : trans->getHeaders()) std::cout << " " << kv.first << "=" << kv.second;
    std::cout << std::endl;
  }
  return 0;
}
"#;

/// Compiles the peer once; `None` (and a message) without a C++ toolchain and library.
fn peer() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("theader-cpp");
    std::fs::create_dir_all(&dir).ok()?;
    let src = dir.join("peer.cpp");
    let bin = dir.join("peer");
    std::fs::write(&src, PEER).ok()?;
    let built = Command::new("g++")
        .args(["-std=c++17", "-O0", "-o"])
        .arg(&bin)
        .arg(&src)
        .arg("-lthrift")
        .status();
    match built {
        Ok(s) if s.success() => Some(bin),
        other => {
            eprintln!("no g++ with libthrift-dev 0.17 ({other:?}): C++ THeader vectors skipped");
            None
        }
    }
}

fn run(bin: &PathBuf, args: &[&str], input: &str) -> Vec<String> {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "C++ peer failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn call(kind: MessageType) -> MessageHeader<&'static str> {
    MessageHeader {
        name: "f",
        kind,
        seqid: 7,
        channel: 0,
    }
}

#[test]
fn cpp_frames_are_read_and_ours_are_read_by_cpp() {
    let Some(bin) = peer() else {
        return;
    };
    let mut ours = String::new();
    for protocol in [PayloadProtocol::Binary, PayloadProtocol::Compact] {
        for zlib in [false, true] {
            for headers in [false, true] {
                let id = protocol.id().to_string();
                let z = if zlib { "1" } else { "0" };
                let h = if headers { "1" } else { "0" };
                let frame = unhex(&run(&bin, &["write", &id, z, h], "")[0]);
                // C++ pads every header with 1-4 bytes: only the size field tells.
                let (mut r, _) = Stack::new(HeaderProtocol::default(), Header::new())
                    .open(&frame[..], Vec::new(), &Limits::default())
                    .unwrap();
                let m = r.read_message_begin().unwrap();
                assert_eq!(
                    (m.name.as_str(), m.kind, m.seqid),
                    ("f", MessageType::Call, 7)
                );
                assert_eq!(r.get_ref().payload_protocol(), Some(protocol));
                let got = r.get_ref().info_headers();
                assert_eq!(
                    got.as_ref().and_then(|h| h.get("request-id")),
                    headers.then_some("42"),
                    "{protocol:?} zlib {zlib}"
                );
                r.skip(TType::Struct).unwrap();
                r.read_message_end().unwrap();
                // Ours, the same way, for C++ to read.
                let p = match protocol {
                    PayloadProtocol::Binary => HeaderProtocol::binary(),
                    PayloadProtocol::Compact => HeaderProtocol::compact(),
                };
                let (_, mut w) = Stack::new(p, Header::new().zlib(zlib))
                    .open(&[][..], Vec::new(), &Limits::default())
                    .unwrap();
                let mut h = InfoHeaders::new();
                if headers {
                    h.insert("request-id", "42");
                }
                with_call_headers(&h, || {
                    w.write_message_begin(&call(MessageType::Call)).unwrap();
                    w.write_struct_begin("a").unwrap();
                    w.write_field_stop().unwrap();
                    w.write_struct_end().unwrap();
                    w.write_message_end().unwrap();
                    w.flush().unwrap();
                });
                let bytes = w.get_ref().get_ref();
                ours.extend(bytes.iter().map(|b| format!("{b:02x}")));
                ours.push('\n');
            }
        }
    }
    let read = run(&bin, &["read"], &ours);
    let mut lines = read.iter();
    for protocol in [PayloadProtocol::Binary, PayloadProtocol::Compact] {
        for _zlib in [false, true] {
            for headers in [false, true] {
                let hs = if headers { " request-id=42" } else { "" };
                assert_eq!(
                    lines.next().unwrap(),
                    &format!("f 1 7 {}{hs}", protocol.id())
                );
            }
        }
    }
}
