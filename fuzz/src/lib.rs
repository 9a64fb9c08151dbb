//! What the fuzz targets share: the types generated from `idl/constructs.thrift` and
//! `idl/fds.thrift` (by `build.rs`, with thrift-build, as any user's build script does), and
//! [`check`], which runs one input through a protocol's reader in every way a server or
//! client reads: skipping, decoding generated and runtime types, and a generated processor.

use std::collections::BTreeMap;
use std::fmt::Debug;

use thrift_rt::bytes::Bytes;
use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter,
};
use thrift_rt::transport::BytesSource;
use thrift_rt::{ApplicationError, BytesStr, Limits, ReadThrift, TType, WriteThrift};

#[allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    missing_debug_implementations
)]
#[allow(clippy::all)]
pub mod idl {
    thrift_rt::include_thrift!();
}

use idl::base::{Health, Point};
use idl::constructs::{
    Color, Conflict, Containers, Defaults, Failure, Kitchen, KitchenCheckError, KitchenProcessor,
    KitchenShapeError, Millis, Node, Ping, Samples, Scalars, Shape, Tree,
};

/// The limits every target decodes with: a low depth, so deep inputs hit it quickly.
pub fn limits() -> Limits {
    Limits::default()
        .max_depth(32)
        .max_string_len(64 * 1024)
        .max_container_len(64 * 1024)
}

/// A protocol: how to read fuzz input and how to write values back.
pub trait Protocol {
    /// The reader over a byte slice.
    type Reader<'a>: ProtocolReader;
    /// The reader over a `Bytes` buffer (strings and binaries read as slices of it).
    type SharedReader: ProtocolReader;
    /// The writer into a vector.
    type Writer: ProtocolWriter;
    /// Whether doubles survive a round trip bit for bit (JSON writes every NaN as `"NaN"`).
    const EXACT_DOUBLES: bool = true;
    /// A reader over `data`.
    fn reader(data: &[u8]) -> Self::Reader<'_>;
    /// A reader over a `Bytes` copy of `data`.
    fn shared_reader(data: &[u8]) -> Self::SharedReader;
    /// An empty writer.
    fn writer() -> Self::Writer;
    /// The bytes written.
    fn bytes(w: Self::Writer) -> Vec<u8>;
}

/// The binary protocol.
#[derive(Debug)]
pub struct Binary;
/// The compact protocol.
#[derive(Debug)]
pub struct Compact;
/// The JSON protocol.
#[derive(Debug)]
pub struct Json;

impl Protocol for Binary {
    type Reader<'a> = BinaryReader<&'a [u8]>;
    type SharedReader = BinaryReader<BytesSource>;
    type Writer = BinaryWriter<Vec<u8>>;
    fn reader(data: &[u8]) -> Self::Reader<'_> {
        BinaryReader::with_limits(data, limits())
    }
    fn shared_reader(data: &[u8]) -> Self::SharedReader {
        BinaryReader::with_limits(BytesSource::new(Bytes::copy_from_slice(data)), limits())
    }
    fn writer() -> Self::Writer {
        BinaryWriter::new(Vec::new())
    }
    fn bytes(w: Self::Writer) -> Vec<u8> {
        w.into_inner()
    }
}

impl Protocol for Compact {
    type Reader<'a> = CompactReader<&'a [u8]>;
    type SharedReader = CompactReader<BytesSource>;
    type Writer = CompactWriter<Vec<u8>>;
    fn reader(data: &[u8]) -> Self::Reader<'_> {
        CompactReader::with_limits(data, limits())
    }
    fn shared_reader(data: &[u8]) -> Self::SharedReader {
        CompactReader::with_limits(BytesSource::new(Bytes::copy_from_slice(data)), limits())
    }
    fn writer() -> Self::Writer {
        CompactWriter::new(Vec::new())
    }
    fn bytes(w: Self::Writer) -> Vec<u8> {
        w.into_inner()
    }
}

impl Protocol for Json {
    type Reader<'a> = JsonReader<&'a [u8]>;
    type SharedReader = JsonReader<BytesSource>;
    type Writer = JsonWriter<Vec<u8>>;
    const EXACT_DOUBLES: bool = false;
    fn reader(data: &[u8]) -> Self::Reader<'_> {
        JsonReader::with_limits(data, limits())
    }
    fn shared_reader(data: &[u8]) -> Self::SharedReader {
        JsonReader::with_limits(BytesSource::new(Bytes::copy_from_slice(data)), limits())
    }
    fn writer() -> Self::Writer {
        JsonWriter::new(Vec::new())
    }
    fn bytes(w: Self::Writer) -> Vec<u8> {
        w.into_inner()
    }
}

fn encode<P: Protocol, T: WriteThrift + Debug>(value: &T) -> Vec<u8> {
    let mut w = P::writer();
    if let Err(e) = value.write(&mut w) {
        panic!("encoding a decoded value failed: {e}\n{value:?}");
    }
    P::bytes(w)
}

/// Decodes `data` as a `T`; whatever decodes must encode, and its encoding must decode to a
/// value with the same encoding.
///
/// Two exceptions, both of information the value cannot hold: a union member this build does
/// not know (`Unknown(id)`) is written back as an empty union, which does not decode; and
/// JSON writes every NaN as `"NaN"`, so NaNs that differed only in payload bits may meet in a
/// set or as map keys after the round trip.
pub fn roundtrip<P: Protocol, T: ReadThrift + WriteThrift + Debug>(data: &[u8]) {
    let Ok(value) = T::read(&mut P::reader(data)) else {
        return;
    };
    let bytes = encode::<P, T>(&value);
    let shown = || format!("{value:?}");
    match T::read(&mut P::reader(&bytes)) {
        Ok(again) => {
            let bytes_again = encode::<P, T>(&again);
            if bytes_again != bytes && (P::EXACT_DOUBLES || !shown().contains("NaN")) {
                panic!(
                    "re-encoding changed the bytes\nvalue: {}\nfirst:  {bytes:?}\nsecond: {bytes_again:?}",
                    shown()
                );
            }
        }
        Err(e) => assert!(
            shown().contains("Unknown("),
            "re-decoding what was encoded failed: {e}\nvalue: {}\nbytes: {bytes:?}",
            shown()
        ),
    }
}

/// Runs `data` through `P`'s reader every way the runtime reads: skipping (a message, a bare
/// struct, a map, a list), decoding every generated type of `constructs.thrift` and a few
/// runtime types, and serving it as a stream of messages with the generated `Kitchen`
/// processor (argument structs, unknown methods, replies to what decoded).
pub fn check<P: Protocol>(data: &[u8]) {
    // Skipping, as a server does for unknown fields and methods.
    let mut r = P::reader(data);
    if r.read_message_begin().is_ok() && r.skip(TType::Struct).is_ok() {
        let _ = r.read_message_end();
    }
    for ttype in [TType::Struct, TType::Map, TType::List, TType::Set] {
        let _ = P::reader(data).skip(ttype);
    }

    // Generated types.
    roundtrip::<P, Scalars>(data);
    roundtrip::<P, Defaults>(data);
    roundtrip::<P, Containers>(data);
    roundtrip::<P, Samples>(data);
    roundtrip::<P, Shape>(data);
    roundtrip::<P, Node>(data);
    roundtrip::<P, Tree>(data);
    roundtrip::<P, Ping>(data);
    roundtrip::<P, Failure>(data);
    roundtrip::<P, Conflict>(data);
    roundtrip::<P, Point>(data);

    // Runtime types.
    roundtrip::<P, ApplicationError>(data);
    roundtrip::<P, Vec<BTreeMap<String, Vec<i64>>>>(data);
    roundtrip::<P, BTreeMap<i16, Vec<bool>>>(data);
    roundtrip::<P, Vec<Vec<u8>>>(data);
    shared_agrees::<P>(data);

    // A processor serving the input as a connection's messages.
    serve::<P>(data);
}

/// Strings and binaries read as slices of a `Bytes` buffer (`BytesStr`, `Bytes`) must decode
/// exactly what reading them into `String` and `Vec<u8>` from a slice does: the same values,
/// and an error (invalid UTF-8 included) for the same inputs.
pub fn shared_agrees<P: Protocol>(data: &[u8]) {
    type Owned = Vec<BTreeMap<String, Vec<Vec<u8>>>>;
    type Shared = Vec<BTreeMap<BytesStr, Vec<Bytes>>>;
    let owned = Owned::read(&mut P::reader(data));
    let shared = Shared::read(&mut P::shared_reader(data));
    match (owned, shared) {
        (Ok(owned), Ok(shared)) => {
            let shared: Owned = shared
                .into_iter()
                .map(|map| {
                    map.into_iter()
                        .map(|(k, v)| (String::from(k), v.into_iter().map(Vec::from).collect()))
                        .collect()
                })
                .collect();
            assert_eq!(owned, shared, "shared and owned decoding disagree");
        }
        (Err(_), Err(_)) => {}
        (owned, shared) => panic!(
            "shared and owned decoding disagree: {:?} against {:?}",
            owned.map(|_| "decoded"),
            shared.map(|_| "decoded")
        ),
    }
}

/// Serves `data` as a connection's stream of messages with the generated processor, as a
/// server's connection loop does, stopping at the first error (where a server closes).
pub fn serve<P: Protocol>(data: &[u8]) {
    let processor = KitchenProcessor::new(Echo);
    let mut r = P::reader(data);
    let mut w = P::writer();
    for _ in 0..16 {
        match r.has_message() {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
        let Ok(header) = r.read_message_begin() else {
            break;
        };
        if thrift_rt::Processor::process(&processor, &header, &mut r, &mut w).is_err() {
            break;
        }
    }
    // Whatever the processor wrote is a sequence of well-formed messages.
    let replies = P::bytes(w);
    let mut r = P::reader(&replies);
    while let Ok(true) = r.has_message() {
        r.read_message_begin().expect("a reply header");
        r.skip(TType::Struct).expect("a reply body");
        r.read_message_end().expect("a reply end");
    }
}

/// A `Kitchen` handler that echoes what it gets and fails on request.
#[derive(Debug)]
struct Echo;

impl Health for Echo {
    fn ping(&self) -> thrift_rt::Result<bool> {
        Ok(true)
    }
}

impl Kitchen for Echo {
    fn nothing(&self) -> thrift_rt::Result<()> {
        Ok(())
    }

    fn scalars(&self, s: Scalars) -> thrift_rt::Result<Scalars> {
        Ok(s)
    }

    fn containers(
        &self,
        c: Containers,
        _extra: Vec<i32>,
        _labels: BTreeMap<String, String>,
    ) -> thrift_rt::Result<Containers> {
        Ok(c)
    }

    fn shape(&self, s: Shape, mode: i32) -> Result<Shape, KitchenShapeError> {
        match mode {
            0 => Err(KitchenShapeError::Failure(Failure {
                message: "mode 0".to_owned(),
                code: 1,
            })),
            1 => Ok(s),
            // An undeclared error: the processor answers INTERNAL_ERROR. (Not a panic:
            // libFuzzer's panic hook aborts even on panics that are caught.)
            _ => Err(KitchenShapeError::Thrift(thrift_rt::Error::Application(
                thrift_rt::ApplicationError::new(
                    thrift_rt::ApplicationErrorKind::InternalError,
                    "mode",
                ),
            ))),
        }
    }

    fn check(&self, what: String) -> Result<(), KitchenCheckError> {
        if what.is_empty() {
            Err(KitchenCheckError::Failure(Failure {
                message: what,
                code: 2,
            }))
        } else {
            Ok(())
        }
    }

    fn mix(&self, a: Color, _b: Color, _at: Millis) -> thrift_rt::Result<Color> {
        Ok(a)
    }

    fn notify(&self, _event: String, _payload: Vec<u8>) -> thrift_rt::Result<()> {
        Ok(())
    }

    fn grow(&self, tree: Tree, _chain: Node) -> thrift_rt::Result<Tree> {
        Ok(tree)
    }
}
