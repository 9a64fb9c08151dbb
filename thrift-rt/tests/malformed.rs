//! Malformed input: every case must fail with a specific error, never panic, and never allocate
//! more than the input could justify. A counting global allocator measures each decode.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Read;

use common::{Node, PROTOCOLS, decode, encode, sample, skip_struct, with_reader};
use thrift_rt::protocol::{BinaryReader, CompactReader, JsonReader, ProtocolReader};
use thrift_rt::transport::{BufferedReader, FramedReader, Source};
use thrift_rt::{Error, Limits, ProtocolErrorKind, ReadThrift, TType, TransportErrorKind};

/// Counts bytes allocated per thread (tests run on several threads at once).
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + size;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn note_free(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(size)));
}

// SAFETY: delegates to the system allocator; the bookkeeping only touches const-initialised
// thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_free(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc(new_size);
        note_free(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the peak number of bytes it had allocated at once.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get) - base;
    (out, peak)
}

/// Generous but input-proportional bound on what decoding `input_len` bytes may allocate.
fn budget(input_len: usize) -> usize {
    64 * 1024 + 64 * input_len
}

/// Decodes as a `Node` and by skipping; both must fail with `expected`, within the budget.
fn assert_fails(protocol: &str, input: &[u8], expected: Expected) {
    let (res, peak) = measure(|| decode::<Node>(protocol, input));
    let err = res.expect_err("decode should fail");
    expected.check(&err, protocol, input);
    assert!(
        peak <= budget(input.len()),
        "{protocol}: decode allocated {peak} bytes"
    );
    let (res, peak) = measure(|| skip_struct(protocol, input));
    let err = res.expect_err("skip should fail");
    expected.check(&err, protocol, input);
    assert!(
        peak <= budget(input.len()),
        "{protocol}: skip allocated {peak} bytes"
    );
}

#[derive(Clone, Copy, Debug)]
enum Expected {
    Protocol(ProtocolErrorKind),
    Transport(TransportErrorKind),
}

impl Expected {
    fn check(self, err: &Error, protocol: &str, input: &[u8]) {
        let ok = match self {
            Expected::Protocol(k) => err.protocol_kind() == Some(k),
            Expected::Transport(k) => err.transport_kind() == Some(k),
        };
        let shown = String::from_utf8_lossy(&input[..input.len().min(80)]);
        assert!(
            ok,
            "{protocol}: expected {self:?}, got {err:?} for {shown:?}"
        );
    }
}

const EOF: Expected = Expected::Transport(TransportErrorKind::UnexpectedEof);

#[test]
fn truncated_at_every_offset() {
    for protocol in PROTOCOLS {
        let bytes = encode(protocol, &sample());
        assert_eq!(decode::<Node>(protocol, &bytes).unwrap(), sample());
        for cut in 0..bytes.len() {
            assert_fails(protocol, &bytes[..cut], EOF);
        }
    }
}

#[test]
fn truncated_streams_at_every_offset() {
    for protocol in ["binary", "compact"] {
        let bytes = encode(protocol, &sample());
        for cut in 0..bytes.len() {
            let (res, peak) = measure(|| {
                let src = BufferedReader::new(&bytes[..cut]);
                match protocol {
                    "binary" => Node::read(&mut BinaryReader::new(src)),
                    _ => Node::read(&mut CompactReader::new(src)),
                }
            });
            EOF.check(&res.unwrap_err(), protocol, &bytes[..cut]);
            assert!(
                peak <= budget(cut),
                "{protocol}: stream decode allocated {peak} bytes"
            );
        }
    }
}

/// A struct whose first field is a string with the given length prefix and two bytes of data.
fn string_field(protocol: &str, len: i64) -> Vec<u8> {
    match protocol {
        "binary" => {
            let mut v = vec![11, 0, 2];
            v.extend_from_slice(&(len as i32).to_be_bytes());
            v.extend_from_slice(b"ab");
            v
        }
        "compact" => {
            let mut v = vec![0x28];
            let mut n = u64::from(len as u32);
            while n >= 0x80 {
                v.push(n as u8 | 0x80);
                n >>= 7;
            }
            v.push(n as u8);
            v.extend_from_slice(b"ab");
            v
        }
        _ => unreachable!(),
    }
}

#[test]
fn negative_and_huge_lengths() {
    for protocol in ["binary", "compact"] {
        assert_fails(
            protocol,
            &string_field(protocol, -1),
            Expected::Protocol(ProtocolErrorKind::NegativeSize),
        );
        assert_fails(
            protocol,
            &string_field(protocol, i32::MAX.into()),
            Expected::Protocol(ProtocolErrorKind::SizeLimit),
        );
        assert_fails(protocol, &string_field(protocol, 3), EOF);
    }
    // A string longer than the configured limit, even though the bytes are all there.
    let limits = Limits::default().max_string_len(4);
    let mut input = vec![0, 0, 0, 5];
    input.extend_from_slice(b"hello");
    let err = BinaryReader::with_limits(&input[..], limits)
        .read_string()
        .unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::SizeLimit));
}

#[test]
fn huge_container_counts() {
    // list<i64> field 3 claiming i32::MAX elements.
    let binary = [15, 0, 3, 10, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1];
    assert_fails(
        "binary",
        &binary,
        Expected::Protocol(ProtocolErrorKind::SizeLimit),
    );
    let binary = [15, 0, 3, 10, 0xff, 0xff, 0xff, 0xff];
    assert_fails(
        "binary",
        &binary,
        Expected::Protocol(ProtocolErrorKind::NegativeSize),
    );
    // Within the element limit, but 16 entries cannot fit in the bytes that remain.
    let binary = [13, 0, 4, 11, 15, 0, 0, 0, 0x10, 0, 0, 0];
    assert_fails("binary", &binary, EOF);
    let compact = [0x39, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x07, 2, 4];
    assert_fails(
        "compact",
        &compact,
        Expected::Protocol(ProtocolErrorKind::SizeLimit),
    );
    let compact = [0x39, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x0f];
    assert_fails(
        "compact",
        &compact,
        Expected::Protocol(ProtocolErrorKind::NegativeSize),
    );
    let compact = [0x4b, 0xff, 0xff, 0xff, 0xff, 0x07, 0x89];
    assert_fails(
        "compact",
        &compact,
        Expected::Protocol(ProtocolErrorKind::SizeLimit),
    );
    let json = br#"{"3":{"lst":["str",2147483647,"a"]}}"#;
    assert_fails(
        "json",
        json,
        Expected::Protocol(ProtocolErrorKind::SizeLimit),
    );
    let json = br#"{"3":{"lst":["str",-1]}}"#;
    assert_fails(
        "json",
        json,
        Expected::Protocol(ProtocolErrorKind::NegativeSize),
    );
    let json = br#"{"4":{"map":["str","lst",99999999999,{}]}}"#;
    assert_fails(
        "json",
        json,
        Expected::Protocol(ProtocolErrorKind::SizeLimit),
    );
    // The configured element limit applies even when the bytes are there.
    let limits = Limits::default().max_container_len(2);
    let bytes = encode("compact", &vec![1i64, 2, 3]);
    let err = with_reader("compact", &bytes, limits, |r| Vec::<i64>::read(r)).unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::SizeLimit));
}

#[test]
fn frame_lengths() {
    let kind = |header: [u8; 4]| {
        let mut input = header.to_vec();
        input.extend_from_slice(&[0; 16]);
        let (res, peak) = measure(|| FramedReader::new(&input[..]).fill_buf());
        assert!(
            peak <= budget(input.len()),
            "framed reader allocated {peak} bytes"
        );
        res.unwrap_err().transport_kind().unwrap()
    };
    // 2 GiB is negative as an i32; 2 GiB - 1 is simply too large.
    assert_eq!(
        kind(0x8000_0000u32.to_be_bytes()),
        TransportErrorKind::NegativeFrameSize
    );
    assert_eq!(
        kind(0x7fff_ffffu32.to_be_bytes()),
        TransportErrorKind::FrameTooLarge
    );
    assert_eq!(
        kind(16_384_001u32.to_be_bytes()),
        TransportErrorKind::FrameTooLarge
    );
    // A frame within limits that claims more than arrives allocates only what arrives.
    assert_eq!(
        kind(16_384_000u32.to_be_bytes()),
        TransportErrorKind::UnexpectedEof
    );
}

fn deep_structs(protocol: &str, depth: usize) -> Vec<u8> {
    match protocol {
        // Field 6 (child) of type struct, nested `depth` times.
        "binary" => [12u8, 0, 6].repeat(depth),
        "compact" => vec![0x6c; depth],
        _ => br#"{"6":{"rec":"#.repeat(depth),
    }
}

fn deep_lists(protocol: &str, depth: usize) -> Vec<u8> {
    match protocol {
        "binary" => {
            let mut v = vec![15, 0, 3];
            v.extend_from_slice(&[15, 0, 0, 0, 1].repeat(depth));
            v
        }
        "compact" => {
            let mut v = vec![0x39];
            v.extend_from_slice(&vec![0x19; depth]);
            v
        }
        _ => {
            let mut v = br#"{"3":{"lst":"#.to_vec();
            v.extend_from_slice(&br#"["lst",1,"#.repeat(depth));
            v
        }
    }
}

#[test]
fn deep_nesting_hits_the_depth_limit() {
    for protocol in PROTOCOLS {
        let input = deep_structs(protocol, 10_000);
        assert_fails(
            protocol,
            &input,
            Expected::Protocol(ProtocolErrorKind::DepthLimit),
        );
        let input = deep_lists(protocol, 10_000);
        let (res, _) = measure(|| skip_struct(protocol, &input));
        Expected::Protocol(ProtocolErrorKind::DepthLimit).check(
            &res.unwrap_err(),
            protocol,
            &input,
        );
        // Within the limit, nesting decodes.
        let mut node = Node::default();
        for id in 0..60 {
            node = Node {
                id,
                child: Some(Box::new(node)),
                ..Node::default()
            };
        }
        let bytes = encode(protocol, &node);
        assert_eq!(decode::<Node>(protocol, &bytes).unwrap(), node);
        let limits = Limits::default().max_depth(10);
        let err = with_reader(protocol, &bytes, limits, |r| Node::read(r)).unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::DepthLimit));
    }
}

#[test]
fn wrong_field_types_are_skipped_and_reported() {
    // Field 1 (required i64) sent as a string: skipped, so the required field is missing.
    let binary = [11, 0, 1, 0, 0, 0, 1, b'x', 0];
    let err = decode::<Node>("binary", &binary).unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::MissingField));
    assert!(err.to_string().contains("Node.id"), "{err}");
    // list<string> field 3 with i32 elements: the list type is wrong.
    let binary = [
        10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 15, 0, 3, 8, 0, 0, 0, 1, 0, 0, 0, 7, 0,
    ];
    let err = decode::<Node>("binary", &binary).unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::UnexpectedType));
    assert!(err.to_string().contains("Node.tags"), "{err}");
    let json = br#"{"1":{"i64":1},"3":{"lst":["i32",1,7]}}"#;
    let err = decode::<Node>("json", json).unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::UnexpectedType));
}

#[test]
fn unknown_type_ids() {
    assert_fails(
        "binary",
        &[17, 0, 1, 0],
        Expected::Protocol(ProtocolErrorKind::UnknownType),
    );
    assert_fails(
        "binary",
        &[1, 0, 1, 0],
        Expected::Protocol(ProtocolErrorKind::UnknownType),
    );
    assert_fails(
        "binary",
        &[15, 0, 3, 99, 0, 0, 0, 1],
        Expected::Protocol(ProtocolErrorKind::UnknownType),
    );
    assert_fails(
        "compact",
        &[0x1e, 0],
        Expected::Protocol(ProtocolErrorKind::UnknownType),
    );
    assert_fails(
        "compact",
        &[0x39, 0x1f, 0],
        Expected::Protocol(ProtocolErrorKind::UnknownType),
    );
    assert_fails(
        "compact",
        &[0x39, 0x10, 0],
        Expected::Protocol(ProtocolErrorKind::UnknownType),
    );
    assert_fails(
        "json",
        br#"{"1":{"xyz":1}}"#,
        Expected::Protocol(ProtocolErrorKind::UnknownType),
    );
}

#[test]
fn invalid_utf8() {
    let binary = [11, 0, 2, 0, 0, 0, 2, 0xc3, 0x28, 0];
    let err = decode::<Node>("binary", &binary).unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidUtf8));
    assert!(err.to_string().contains("Node.name"), "{err}");
    let compact = [0x28, 2, 0xff, 0xfe, 0];
    let err = decode::<Node>("compact", &compact).unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidUtf8));
    let json = b"{\"2\":{\"str\":\"\xff\"}}";
    let err = decode::<Node>("json", json).unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidUtf8));
    // Skipping does not validate, like other implementations.
    assert!(skip_struct("binary", &binary).is_ok());
}

#[test]
fn overlong_varints() {
    let eleven = [
        0x16u8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0,
    ];
    assert_fails(
        "compact",
        &eleven,
        Expected::Protocol(ProtocolErrorKind::InvalidData),
    );
    let six = [0x15u8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0];
    assert_fails(
        "compact",
        &six,
        Expected::Protocol(ProtocolErrorKind::InvalidData),
    );
    // The same over a stream, where the slow path decodes byte by byte.
    let err = Node::read(&mut CompactReader::new(BufferedReader::with_capacity(
        16,
        &eleven[..],
        &Limits::default(),
    )))
    .unwrap_err();
    assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
}

#[test]
fn bad_protocol_versions() {
    let check = |protocol: &str, input: &[u8]| {
        let err = with_reader(protocol, input, Limits::default(), |r| {
            r.read_message_begin()
        })
        .unwrap_err();
        assert_eq!(
            err.protocol_kind(),
            Some(ProtocolErrorKind::BadVersion),
            "{protocol}: {err}"
        );
    };
    check("binary", &[0x80, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    check("binary", &[0x81, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    check("compact", &[0x81, 0x21, 0, 0]);
    check("compact", &[0x82, 0x22, 0, 0]);
    check("json", br#"[2,"m",1,0,{}]"#);
    let err = with_reader("compact", &[0x82, 0xa1, 0, 0], Limits::default(), |r| {
        r.read_message_begin()
    })
    .unwrap_err();
    assert_eq!(
        err.protocol_kind(),
        Some(ProtocolErrorKind::InvalidMessageType)
    );
}

#[test]
fn json_bad_tokens_and_brackets() {
    let invalid = Expected::Protocol(ProtocolErrorKind::InvalidData);
    for input in [
        &br#"{"1":{"i64":abc}}"#[..],
        br#"{"1":{"i64":1]]"#,
        br#"{"1":{"i64":1}]"#,
        br#"{"1":{"i64":1},,}"#,
        br#"{"1" {"i64":1}}"#,
        br#"{1:{"i64":1}}"#,
        br#"["1":{"i64":1}}"#,
        br#"{"1":{"i64":"1"}}"#,
        br#"{"1":{"i64":1.5}}"#,
        br#"{"1":{"i64":99999999999999999999}}"#,
        br#"{"1":{"i64":1},"10":{"i8":300}}"#,
        br#"{"1":{"i64":1},"2":{"str":"\q"}}"#,
        br#"{"1":{"i64":1},"2":{"str":"\u12"}}"#,
        br#"{"1":{"i64":1},"7":{"str":"A*=="}}"#,
        br#"{"1":{"i64":1},"8":{"dbl":"1.5"}}"#,
        br#"{"1":{"i64":1},"12":{"uid":"not-a-uuid"}}"#,
    ] {
        let (res, peak) = measure(|| decode::<Node>("json", input));
        invalid.check(&res.unwrap_err(), "json", input);
        assert!(peak <= budget(input.len()));
    }
    for input in [
        &br#"{"1":{"i64":1}"#[..],
        br#"{"1":{"i64":1"#,
        br#"{"1":{"#,
        b"{",
        b"",
    ] {
        assert_fails("json", input, EOF);
    }
    // Lenient: whitespace between tokens is accepted.
    let node = decode::<Node>("json", b" { \"1\" : { \"i64\" : 5 } } ").unwrap();
    assert_eq!(node.id, 5);
}

#[test]
fn random_garbage_never_panics_or_overallocates() {
    // A small deterministic xorshift fuzzer over mutated valid inputs.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for protocol in PROTOCOLS {
        let valid = encode(protocol, &sample());
        for _ in 0..3000 {
            let mut input = valid.clone();
            for _ in 0..(next() % 4 + 1) {
                let i = (next() as usize) % input.len();
                input[i] = next() as u8;
            }
            let (_, peak) = measure(|| decode::<Node>(protocol, &input));
            assert!(peak <= budget(input.len()), "{protocol}: {peak} bytes");
            let (_, peak) = measure(|| skip_struct(protocol, &input));
            assert!(peak <= budget(input.len()), "{protocol}: {peak} bytes");
        }
    }
}

#[test]
fn stream_message_budget() {
    // Over a stream the per-message budget bounds what a reader will accept.
    let limits = Limits::default().max_message_size(64);
    let bytes = encode(
        "binary",
        &Node {
            name: "x".repeat(100),
            ..Node::default()
        },
    );
    let mut r = BinaryReader::with_limits(BufferedReader::with_limits(&bytes[..], &limits), limits);
    let err = Node::read(&mut r).unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(TransportErrorKind::MessageTooLarge)
    );
    // And a reader over io::Read sees the same bytes through the `Read` impl.
    let mut framed = Vec::new();
    framed.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    framed.extend_from_slice(&bytes);
    let mut out = Vec::new();
    FramedReader::new(&framed[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, bytes);
    let mut r = JsonReader::new(&b"{}"[..]);
    assert_eq!(r.read_struct_begin().ok(), Some(()));
    assert_eq!(r.read_field_begin().unwrap(), None);
    let _ = TType::Stop;
}

#[test]
fn the_counting_allocator_counts() {
    let (v, peak) = measure(|| vec![1u8; 1 << 20]);
    assert!(peak >= 1 << 20, "{peak}");
    drop(v);
    let (_, peak) = measure(|| ());
    assert_eq!(peak, 0);
}

/// A THeader zlib frame inflating to 8 MiB, read with a 1 MiB inflate limit: refused with
/// `HeaderLimit`. The output buffer never has room past the limit; it doubles on its way
/// there, so the last growth briefly holds the previous half too (a realloc), plus the frame
/// and the inflater's state.
#[test]
fn theader_zlib_bomb_stops_at_the_limit() {
    use std::io::Write as _;
    use thrift_rt::stack::{Header, HeaderProtocol, Stack};
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&vec![0u8; 8 << 20]).unwrap();
    let bomb = z.finish().unwrap();
    let mut body = vec![0x0F, 0xFF, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0];
    body.extend_from_slice(&bomb);
    let mut wire = (body.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(&body);
    let limit = 1 << 20;
    let limits = Limits::default().max_inflated_size(limit);
    let (res, peak) = measure(|| {
        let (mut r, _) = Stack::new(HeaderProtocol::default(), Header::new())
            .open(&wire[..], Vec::new(), &limits)
            .unwrap();
        r.read_message_begin().map(|_| ())
    });
    let err = res.unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(TransportErrorKind::HeaderLimit),
        "{err}"
    );
    assert!(
        peak < limit + limit / 2 + 2 * wire.len() + 128 * 1024,
        "peak {peak} bytes for a {limit}-byte limit"
    );
}
