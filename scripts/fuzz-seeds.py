#!/usr/bin/env python3
"""Seeds the fuzz corpora from the repository's own test data (run by scripts/fuzz-smoke.sh).

- parse_idl: every .thrift file under idl/ and thrift-parser/tests/data/.
- decode_binary, decode_compact, decode_json: the encodings of idl/constructs.thrift values
  written by Apache's Python library (tests/codegen/vectors/*.txt), each alone and, for the
  processor path, behind a call header.
- framed_reader, fd_framed_reader: a few frames holding those encodings.
- message_len: whole calls in each protocol, alone and framed, followed by the start of another.
- capture_fields: the binary and compact encodings behind a byte choosing the protocol.
- zlib_layer: compact calls compressed as Apache's TZlibTransport sends them (one sync
  flush each), behind a byte choosing the mode; and plaintext to compress.
- theader: calls in THeader frames (binary and compact, with and without zlib and info
  headers, inside plain frames or not), and the same calls as legacy clients send them,
  behind a byte choosing the outer framing.
- http_request: compact calls as HTTP requests (Content-Length, chunked, pipelined) and
  responses.
- endpoint_messages: binary calls, oneway calls and replies on channels 0 and 3, framed
  (first byte even) and unframed (odd), two in a row.
- server_messages: binary calls and oneway calls to a thread-pool server, framed (first
  byte even) and unframed (odd), two in a row.

Files are named by their content's hash, so running it again adds nothing new.
"""
import hashlib
import pathlib
import struct
import sys
import zlib

root = pathlib.Path(__file__).resolve().parent.parent
corpus = root / "fuzz" / "corpus"


def put(target, data):
    folder = corpus / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def vectors(protocol):
    for line in (root / "tests" / "codegen" / "vectors" / f"{protocol}.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            _, hexdata = line.split()
            yield bytes.fromhex(hexdata)


def call_header(protocol, name, seqid):
    n = name.encode()
    if protocol == "binary":
        return b"\x80\x01\x00\x01" + struct.pack(">i", len(n)) + n + struct.pack(">i", seqid)
    if protocol == "compact":
        return bytes([0x82, 0x21, seqid & 0x7F, len(n)]) + n
    return f'[1,"{name}",1,{seqid},'.encode()


for path in sorted(root.glob("idl/*.thrift")) + sorted(root.glob("thrift-parser/tests/data/**/*.thrift")):
    put("parse_idl", path.read_bytes())

for protocol in ("binary", "compact", "json"):
    for i, value in enumerate(vectors(protocol)):
        put(f"decode_{protocol}", value)
        # The argument struct of `scalars(1: Scalars s)` is `{1: value}`; whatever the value
        # is, the processor reads it as a call and answers.
        if protocol == "binary":
            args = b"\x0c\x00\x01" + value + b"\x00"
        elif protocol == "compact":
            args = b"\x1c" + value + b"\x00"
        else:
            args = b'{"1":{"rec":' + value + b"}}"
        tail = b"]" if protocol == "json" else b""
        put(f"decode_{protocol}", call_header(protocol, "scalars", i) + args + tail)

for mode, protocol in ((0, "binary"), (1, "compact")):
    for value in vectors(protocol):
        put("capture_fields", bytes([mode]) + value)

for i, value in enumerate(vectors("compact")):
    frame = struct.pack(">i", len(value)) + value
    put("framed_reader", frame + struct.pack(">i", 0) + frame)
for protocol in ("binary", "compact", "json"):
    for i, value in enumerate(vectors(protocol)):
        # message_len: whole calls, alone and framed, each followed by the start of another.
        tail = b"]" if protocol == "json" else b""
        if protocol == "binary":
            args = b"\x0c\x00\x01" + value + b"\x00"
        elif protocol == "compact":
            args = b"\x1c" + value + b"\x00"
        else:
            args = b'{"1":{"rec":' + value + b"}}"
        message = call_header(protocol, "scalars", i) + args + tail
        put("message_len", message + message[:3])
        put("message_len", struct.pack(">i", len(message)) + message + b"\x00\x00")
for i, value in enumerate(vectors("binary")):
    message = call_header("binary", "open", i) + value
    frame = struct.pack(">i", len(message)) + message
    # fd_framed_reader: mode 0 (binary messages), then one chunk per frame with one
    # descriptor attached when the frame fits a chunk.
    if len(frame) < 256:
        put("fd_framed_reader", bytes([0, 1, len(frame)]) + frame)
for i, value in enumerate(vectors("compact")):
    # http_request: requests with a length and chunked, pipelined, and a response.
    message = call_header("compact", "scalars", i) + b"\x1c" + value + b"\x00"
    plain = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(message) + message
    chunks = b"".join(b"%x\r\n" % len(message[k:k + 5]) + message[k:k + 5] + b"\r\n"
                      for k in range(0, len(message), 5))
    chunked = b"POST /s HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    put("http_request", plain)
    put("http_request", chunked + plain)
    put("http_request", b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(message) + message)

for i, value in enumerate(vectors("compact")):
    message = call_header("compact", "scalars", i) + b"\x1c" + value + b"\x00"
    z = zlib.compressobj(9)
    stream = z.compress(message) + z.flush(zlib.Z_SYNC_FLUSH)
    stream += z.compress(message) + z.flush(zlib.Z_FULL_FLUSH)
    # Modes (the byte % 3): 0 messages under the buffered transport, 1 raw reads, 2 plaintext.
    put("zlib_layer", bytes([0x1e]) + stream)
    put("zlib_layer", bytes([0x1f]) + stream)
    put("zlib_layer", bytes([0x0e]) + message)


def theader_frame(payload, protocol_id, zlib, headers):
    import zlib as z
    header = bytes([protocol_id]) + (b"\x01\x01" if zlib else b"\x00")
    if headers:
        header += b"\x01" + bytes([len(headers)])
        for k, v in headers:
            header += bytes([len(k)]) + k + bytes([len(v)]) + v
    header += b"\x00" * (-len(header) % 4)
    body = z.compress(payload) if zlib else payload
    rest = b"\x0f\xff\x00\x00" + struct.pack(">iH", 7, len(header) // 4) + header + body
    return struct.pack(">i", len(rest)) + rest


for protocol, protocol_id in (("binary", 0), ("compact", 2)):
    for i, value in enumerate(vectors(protocol)):
        if i >= 8:
            break
        args = b"\x0c\x00\x01" + value + b"\x00" if protocol == "binary" else b"\x1c" + value + b"\x00"
        message = call_header(protocol, "scalars", i) + args
        for compress in (False, True):
            frame = theader_frame(message, protocol_id, compress, [(b"request-id", b"42")] if i % 2 else [])
            put("theader", b"\x00" + frame + frame)
            put("theader", b"\x01" + struct.pack(">i", len(frame)) + frame)
        put("theader", b"\x00" + message + message)
        put("theader", b"\x00" + struct.pack(">i", len(message)) + message)

for i, value in enumerate(vectors("binary")):
    # endpoint_messages: a call, a oneway call (type 4) and a reply (type 2) on channels 0 and
    # 3, each with the argument struct `{1: value}`, framed or unframed.
    body = b"\x0c\x00\x01" + value + b"\x00"
    for kind, channel in ((1, 0), (4, 3), (2, 0)):
        n = b"scalars"
        message = bytes([0x80, 0x01, channel, kind]) + struct.pack(">i", len(n)) + n + struct.pack(">i", i) + body
        put("endpoint_messages", b"\x00" + (struct.pack(">i", len(message)) + message) * 2)
        put("endpoint_messages", b"\x01" + message * 2)
        if kind != 2:
            put("server_messages", b"\x00" + (struct.pack(">i", len(message)) + message) * 2)
            put("server_messages", b"\x01" + message * 2)
    if i >= 8:
        break

sys.exit(0)
