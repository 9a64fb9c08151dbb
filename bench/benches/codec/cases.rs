//! One case per implementation, protocol and direction: the operation that is both checked
//! (bytes equal to ours, decoded value equal to the original) and then timed.
//!
//! Every encoder writes into a buffer it keeps (cleared, capacity reused); every decoder reads
//! ours's encoding of the value, and its result is dropped inside the timed loop. Protocol
//! objects are kept and reset between operations when the implementation lets the caller
//! reset their buffer (ours, pilota), else made per operation (the thrift crate's, which
//! allocate nothing when made). Buffers the kept protocol objects borrow are leaked, once per
//! case.

use std::fmt::Debug;
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use pilota::thrift::binary::TBinaryProtocol as PBinary;
use pilota::thrift::binary_unsafe::{TBinaryUnsafeInputProtocol, TBinaryUnsafeOutputProtocol};
use pilota::thrift::compact::{
    TCompactInputProtocol as PCompactIn, TCompactOutputProtocol as PCompactOut,
};
use pilota::thrift::{Message, TInputProtocol as _, TOutputProtocol as _};
use pilota::{Bytes, BytesMut};
use thrift::protocol::{
    TBinaryInputProtocol, TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol,
    TSerializable,
};
use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, ProtocolReader, ProtocolWriter,
};
use thrift_rt::transport::{BytesSource, Source};
use thrift_rt::{ReadThrift, WriteThrift};

/// The two protocols compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    Binary,
    Compact,
}

impl Protocol {
    pub(crate) const ALL: [Self; 2] = [Self::Binary, Self::Compact];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Binary => "binary",
            Self::Compact => "compact",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Encode,
    Decode,
}

impl Direction {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Encode => "encode",
            Self::Decode => "decode",
        }
    }
}

/// The implementations compared, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Implementation {
    /// Our generated code; decoding from a `&[u8]`.
    Ours,
    /// Ours generated with `BytesStr` strings and `Bytes` binaries; decoding from a
    /// `BytesSource` over `Bytes`, so strings and binaries share the input.
    OursShared,
    /// Apache's generated code and the `thrift` crate.
    Thrift,
    /// pilota, `TBinaryProtocol` / `TCompact*Protocol`.
    PilotaSafe,
    /// pilota, `TBinaryUnsafe*Protocol` (binary only; encode calls `size()` first).
    PilotaUnsafe,
    /// `copy_from_slice` of ours's encoding into a kept buffer.
    Memcpy,
}

impl Implementation {
    pub(crate) const ALL: [Self; 6] = [
        Self::Ours,
        Self::OursShared,
        Self::Thrift,
        Self::PilotaSafe,
        Self::PilotaUnsafe,
        Self::Memcpy,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::OursShared => "ours (shared)",
            Self::Thrift => "thrift",
            Self::PilotaSafe => "pilota safe",
            Self::PilotaUnsafe => "pilota unsafe",
            Self::Memcpy => "memcpy",
        }
    }
}

/// Runs the operation `n` times.
pub(crate) type Runner = Box<dyn FnMut(u64)>;

/// What a case came to after its check.
pub(crate) enum Case {
    /// Checked; to be timed.
    Run(Runner),
    /// The implementation has no such path.
    NotApplicable,
    /// The check failed (different bytes, a decode error or panic, a different value).
    Failed(String),
}

/// The cases of one workload, protocol and direction, timed in alternation.
pub(crate) struct Group {
    pub(crate) workload: &'static str,
    pub(crate) protocol: Protocol,
    pub(crate) direction: Direction,
    /// The size of ours's encoding.
    pub(crate) bytes: usize,
    pub(crate) cases: Vec<(Implementation, Case)>,
}

impl Group {
    pub(crate) fn id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.workload,
            self.protocol.name(),
            self.direction.name()
        )
    }
}

/// An encoder: encodes its value into its own buffer and returns the bytes.
trait Encode: 'static {
    fn encode(&mut self) -> Result<&[u8], String>;
}

/// A decoder: decodes its input (ours's encoding).
trait Decode: 'static {
    type Value: PartialEq + Debug;
    fn decode(&mut self) -> Result<Self::Value, String>;
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Runs `f`, turning a panic into an error (the default hook still prints it).
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(format!("panics: {}", panic_message(&*p))))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where `got` first differs from `want`, with a few bytes of context.
pub(crate) fn describe_difference(want: &[u8], got: &[u8]) -> String {
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let from = at.saturating_sub(4);
    let window = |b: &[u8]| hex(&b[from.min(b.len())..(at + 12).min(b.len())]);
    format!(
        "{} bytes (ours {}); first difference at byte {at}: ours [{}…], this [{}…] \
         (from byte {from})",
        got.len(),
        want.len(),
        window(want),
        window(got)
    )
}

/// Where the `Debug` forms of two values first differ.
fn describe_value_difference(want: &impl Debug, got: &impl Debug) -> String {
    let want: Vec<char> = format!("{want:?}").chars().collect();
    let got: Vec<char> = format!("{got:?}").chars().collect();
    let at = want
        .iter()
        .zip(&got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let from = at.saturating_sub(40);
    let snippet = |s: &[char]| -> String { s.iter().skip(from).take(100).collect() };
    format!(
        "decodes to a different value; from character {from}: expected `{}…`, got `{}…`",
        snippet(&want),
        snippet(&got)
    )
}

fn encode_case(mut encoder: impl Encode, want: &[u8]) -> Case {
    match guarded(|| encoder.encode().map(<[u8]>::to_vec)) {
        Err(e) => Case::Failed(e),
        Ok(got) if got != want => Case::Failed(describe_difference(want, &got)),
        Ok(_) => Case::Run(Box::new(move |n| {
            for _ in 0..n {
                black_box(encoder.encode().unwrap());
            }
        })),
    }
}

fn decode_case<D: Decode>(mut decoder: D, want: &D::Value) -> Case {
    match guarded(|| decoder.decode()) {
        Err(e) => Case::Failed(e),
        Ok(got) if got != *want => Case::Failed(describe_value_difference(want, &got)),
        Ok(_) => Case::Run(Box::new(move |n| {
            for _ in 0..n {
                black_box(decoder.decode().unwrap());
            }
        })),
    }
}

fn leak<T>(value: T) -> &'static mut T {
    Box::leak(Box::new(value))
}

// ---- ours ----------------------------------------------------------------------------------

/// Our writers over a kept vector (binary and compact alike).
trait KeptBuffer: ProtocolWriter + 'static {
    fn buffer(&mut self) -> &mut Vec<u8>;
}

impl KeptBuffer for BinaryWriter<Vec<u8>> {
    fn buffer(&mut self) -> &mut Vec<u8> {
        self.get_mut()
    }
}

impl KeptBuffer for CompactWriter<Vec<u8>> {
    fn buffer(&mut self) -> &mut Vec<u8> {
        self.get_mut()
    }
}

struct OursEncode<T, W> {
    value: Rc<T>,
    w: W,
}

impl<T: WriteThrift + 'static, W: KeptBuffer> Encode for OursEncode<T, W> {
    #[inline]
    fn encode(&mut self) -> Result<&[u8], String> {
        self.w.buffer().clear();
        self.value.write(&mut self.w).map_err(err)?;
        Ok(self.w.buffer().as_slice())
    }
}

/// Ours encoding `value` with `protocol`.
fn ours_encode_case<T: WriteThrift + 'static>(
    value: Rc<T>,
    protocol: Protocol,
    want: &[u8],
) -> Case {
    match protocol {
        Protocol::Binary => encode_case(
            OursEncode {
                value,
                w: BinaryWriter::new(Vec::new()),
            },
            want,
        ),
        Protocol::Compact => encode_case(
            OursEncode {
                value,
                w: CompactWriter::new(Vec::new()),
            },
            want,
        ),
    }
}

/// A source our decoders read from, made afresh over the input before each operation.
trait Rewind: Source + 'static {
    type Input: 'static;
    fn over(input: &Self::Input) -> Self;
}

impl Rewind for &'static [u8] {
    type Input = &'static [u8];
    fn over(input: &&'static [u8]) -> Self {
        input
    }
}

impl Rewind for BytesSource {
    type Input = Bytes;
    fn over(input: &Bytes) -> Self {
        BytesSource::new(input.clone())
    }
}

/// Our readers, for putting a fresh source in (binary and compact alike).
trait OverSource<S>: ProtocolReader + 'static {
    fn source(&mut self) -> &mut S;
}

impl<S: Source + 'static> OverSource<S> for BinaryReader<S> {
    fn source(&mut self) -> &mut S {
        self.get_mut()
    }
}

impl<S: Source + 'static> OverSource<S> for CompactReader<S> {
    fn source(&mut self) -> &mut S {
        self.get_mut()
    }
}

struct OursDecode<T, S: Rewind, R> {
    input: S::Input,
    r: R,
    _value: std::marker::PhantomData<T>,
}

impl<T, S, R> Decode for OursDecode<T, S, R>
where
    T: ReadThrift + PartialEq + Debug + 'static,
    S: Rewind,
    R: OverSource<S>,
{
    type Value = T;
    #[inline]
    fn decode(&mut self) -> Result<T, String> {
        *self.r.source() = S::over(&self.input);
        T::read(&mut self.r).map_err(err)
    }
}

/// Ours decoding `input` (through a source of type `S`) with `protocol`, checked against `want`.
fn ours_decode_case<T, S>(protocol: Protocol, input: S::Input, want: &T) -> Case
where
    T: ReadThrift + PartialEq + Debug + 'static,
    S: Rewind,
{
    let source = S::over(&input);
    match protocol {
        Protocol::Binary => decode_case(
            OursDecode::<T, S, _> {
                input,
                r: BinaryReader::new(source),
                _value: std::marker::PhantomData,
            },
            want,
        ),
        Protocol::Compact => decode_case(
            OursDecode::<T, S, _> {
                input,
                r: CompactReader::new(source),
                _value: std::marker::PhantomData,
            },
            want,
        ),
    }
}

// ---- the thrift crate ----------------------------------------------------------------------

struct ThriftEncode<T> {
    value: Rc<T>,
    protocol: Protocol,
    buf: Vec<u8>,
}

impl<T: TSerializable + 'static> Encode for ThriftEncode<T> {
    #[inline]
    fn encode(&mut self) -> Result<&[u8], String> {
        self.buf.clear();
        match self.protocol {
            Protocol::Binary => self
                .value
                .write_to_out_protocol(&mut TBinaryOutputProtocol::new(&mut self.buf, true)),
            Protocol::Compact => self
                .value
                .write_to_out_protocol(&mut TCompactOutputProtocol::new(&mut self.buf)),
        }
        .map_err(err)?;
        Ok(self.buf.as_slice())
    }
}

struct ThriftDecode<T> {
    input: &'static [u8],
    protocol: Protocol,
    _value: std::marker::PhantomData<T>,
}

impl<T: TSerializable + PartialEq + Debug + 'static> Decode for ThriftDecode<T> {
    type Value = T;
    #[inline]
    fn decode(&mut self) -> Result<T, String> {
        match self.protocol {
            Protocol::Binary => {
                T::read_from_in_protocol(&mut TBinaryInputProtocol::new(self.input, true))
            }
            Protocol::Compact => {
                T::read_from_in_protocol(&mut TCompactInputProtocol::new(self.input))
            }
        }
        .map_err(err)
    }
}

// ---- pilota --------------------------------------------------------------------------------

struct PilotaBinaryEncode<T> {
    value: Rc<T>,
    p: PBinary<&'static mut BytesMut>,
}

impl<T: Message + 'static> Encode for PilotaBinaryEncode<T> {
    #[inline]
    fn encode(&mut self) -> Result<&[u8], String> {
        self.p.buf_mut().clear();
        self.value.encode(&mut self.p).map_err(err)?;
        Ok(&self.p.buf_mut()[..])
    }
}

struct PilotaCompactEncode<T> {
    value: Rc<T>,
    p: PCompactOut<&'static mut BytesMut>,
}

impl<T: Message + 'static> Encode for PilotaCompactEncode<T> {
    #[inline]
    fn encode(&mut self) -> Result<&[u8], String> {
        self.p.buf_mut().clear();
        self.value.encode(&mut self.p).map_err(err)?;
        Ok(&self.p.buf_mut()[..])
    }
}

/// pilota's unsafe binary encoder, used as its docs and benches show: `size()` with a
/// length-only protocol, then `TBinaryUnsafeOutputProtocol` over a buffer at least that large
/// (here: kept initialised and twice as large, so that a wrong `size()` cannot write out of
/// bounds before the check notices it).
struct PilotaUnsafeEncode<T> {
    value: Rc<T>,
    buf: BytesMut,
}

impl<T: Message + 'static> Encode for PilotaUnsafeEncode<T> {
    #[inline]
    fn encode(&mut self) -> Result<&[u8], String> {
        let size = self.value.size(&mut PBinary::new((), true));
        if self.buf.len() < 2 * size + 64 {
            self.buf.resize(2 * size + 64, 0);
        }
        let len = self.buf.len();
        // SAFETY: `TBinaryUnsafeOutputProtocol::new` requires `buf` to be the memory of `trans`
        // (it is: the initialised bytes of `self.buf`) and large enough for the message (it is
        // twice `size()`, and the length written is checked against `size()` below). The
        // `'static` is the API's; the slice is not used after `p` is dropped.
        let written = unsafe {
            let buf: &'static mut [u8] = std::slice::from_raw_parts_mut(self.buf.as_mut_ptr(), len);
            let mut p = TBinaryUnsafeOutputProtocol::new(&mut self.buf, buf, true);
            self.value.encode(&mut p).map_err(err)?;
            p.index()
        };
        if written != size {
            return Err(format!("size() said {size} bytes, encode wrote {written}"));
        }
        Ok(&self.buf[..written])
    }
}

struct PilotaBinaryDecode<T> {
    input: Bytes,
    p: PBinary<&'static mut Bytes>,
    _value: std::marker::PhantomData<T>,
}

impl<T: Message + PartialEq + Debug + 'static> Decode for PilotaBinaryDecode<T> {
    type Value = T;
    #[inline]
    fn decode(&mut self) -> Result<T, String> {
        *self.p.buf() = self.input.clone();
        T::decode(&mut self.p).map_err(err)
    }
}

struct PilotaCompactDecode<T> {
    input: Bytes,
    p: PCompactIn<&'static mut Bytes>,
    _value: std::marker::PhantomData<T>,
}

impl<T: Message + PartialEq + Debug + 'static> Decode for PilotaCompactDecode<T> {
    type Value = T;
    #[inline]
    fn decode(&mut self) -> Result<T, String> {
        *self.p.buf() = self.input.clone();
        T::decode(&mut self.p).map_err(err)
    }
}

struct PilotaUnsafeDecode<T> {
    input: Bytes,
    _value: std::marker::PhantomData<T>,
}

impl<T: Message + PartialEq + Debug + 'static> Decode for PilotaUnsafeDecode<T> {
    type Value = T;
    #[inline]
    fn decode(&mut self) -> Result<T, String> {
        let mut input = self.input.clone();
        // SAFETY: `input` is a whole message (ours's encoding, checked to decode with the
        // safe protocol first) and outlives the protocol.
        unsafe { T::decode(&mut TBinaryUnsafeInputProtocol::new(&mut input)) }.map_err(err)
    }
}

// ---- the floor -----------------------------------------------------------------------------

fn memcpy(input: &[u8]) -> Runner {
    let input = input.to_vec();
    let mut out = vec![0; input.len()];
    Box::new(move |n| {
        for _ in 0..n {
            black_box(&mut out).copy_from_slice(black_box(&input));
        }
    })
}

// ---- the groups ----------------------------------------------------------------------------

/// Ours's encoding of `value`: the reference bytes.
fn ours_bytes<T: WriteThrift>(value: &T, protocol: Protocol) -> Vec<u8> {
    match protocol {
        Protocol::Binary => {
            let mut w = BinaryWriter::new(Vec::new());
            value.write(&mut w).expect("our binary encoding");
            w.into_inner()
        }
        Protocol::Compact => {
            let mut w = CompactWriter::new(Vec::new());
            value.write(&mut w).expect("our compact encoding");
            w.into_inner()
        }
    }
}

/// A shared `Bytes` copy of `input` (cloning it afterwards allocates nothing).
fn shared_bytes(input: &[u8]) -> Bytes {
    let bytes = Bytes::copy_from_slice(input);
    drop(bytes.clone());
    bytes
}

/// The encode and decode groups of one workload, both protocols: every case checked.
pub(crate) fn groups<O, S, A, P>(
    workload: &'static str,
    ours: O,
    shared: S,
    apache: A,
    pilota: P,
) -> Vec<Group>
where
    O: WriteThrift + ReadThrift + PartialEq + Debug + 'static,
    S: WriteThrift + ReadThrift + PartialEq + Debug + 'static,
    A: TSerializable + PartialEq + Debug + 'static,
    P: Message + PartialEq + Debug + 'static,
{
    let (ours, shared) = (Rc::new(ours), Rc::new(shared));
    let (apache, pilota) = (Rc::new(apache), Rc::new(pilota));
    let mut groups = Vec::new();
    for protocol in Protocol::ALL {
        let want = ours_bytes(&*ours, protocol);
        let input: &'static [u8] = Vec::leak(want.clone());
        let binary = protocol == Protocol::Binary;

        let mut encode = Vec::new();
        encode.push((
            Implementation::Ours,
            ours_encode_case(ours.clone(), protocol, &want),
        ));
        encode.push((
            Implementation::OursShared,
            ours_encode_case(shared.clone(), protocol, &want),
        ));
        encode.push((
            Implementation::Thrift,
            encode_case(
                ThriftEncode {
                    value: apache.clone(),
                    protocol,
                    buf: Vec::new(),
                },
                &want,
            ),
        ));
        encode.push((
            Implementation::PilotaSafe,
            match protocol {
                Protocol::Binary => encode_case(
                    PilotaBinaryEncode {
                        value: pilota.clone(),
                        p: PBinary::new(leak(BytesMut::new()), true),
                    },
                    &want,
                ),
                Protocol::Compact => encode_case(
                    PilotaCompactEncode {
                        value: pilota.clone(),
                        p: PCompactOut::new(leak(BytesMut::new()), true),
                    },
                    &want,
                ),
            },
        ));
        encode.push((
            Implementation::PilotaUnsafe,
            if binary {
                encode_case(
                    PilotaUnsafeEncode {
                        value: pilota.clone(),
                        buf: BytesMut::new(),
                    },
                    &want,
                )
            } else {
                Case::NotApplicable
            },
        ));
        encode.push((Implementation::Memcpy, Case::Run(memcpy(&want))));
        groups.push(Group {
            workload,
            protocol,
            direction: Direction::Encode,
            bytes: want.len(),
            cases: encode,
        });

        let bytes = shared_bytes(&want);
        let mut decode = Vec::new();
        let ours_slice = ours_decode_case::<O, &'static [u8]>(protocol, input, &*ours);
        let ours_bytes = ours_decode_case::<S, BytesSource>(protocol, bytes.clone(), &*shared);
        decode.push((Implementation::Ours, ours_slice));
        decode.push((Implementation::OursShared, ours_bytes));
        decode.push((
            Implementation::Thrift,
            decode_case(
                ThriftDecode::<A> {
                    input,
                    protocol,
                    _value: std::marker::PhantomData,
                },
                &*apache,
            ),
        ));
        decode.push((
            Implementation::PilotaSafe,
            match protocol {
                Protocol::Binary => decode_case(
                    PilotaBinaryDecode::<P> {
                        input: bytes.clone(),
                        p: PBinary::new(leak(Bytes::new()), true),
                        _value: std::marker::PhantomData,
                    },
                    &*pilota,
                ),
                Protocol::Compact => decode_case(
                    PilotaCompactDecode::<P> {
                        input: bytes.clone(),
                        p: PCompactIn::new(leak(Bytes::new())),
                        _value: std::marker::PhantomData,
                    },
                    &*pilota,
                ),
            },
        ));
        let safe_decoded = matches!(decode.last(), Some((_, Case::Run(_))));
        decode.push((
            Implementation::PilotaUnsafe,
            if !binary {
                Case::NotApplicable
            } else if !safe_decoded {
                // The unsafe reader trusts its input; not run where the safe one failed.
                Case::Failed("not run: pilota's safe decoder failed on these bytes".to_owned())
            } else {
                decode_case(
                    PilotaUnsafeDecode::<P> {
                        input: bytes.clone(),
                        _value: std::marker::PhantomData,
                    },
                    &*pilota,
                )
            },
        ));
        decode.push((Implementation::Memcpy, Case::Run(memcpy(&want))));
        groups.push(Group {
            workload,
            protocol,
            direction: Direction::Decode,
            bytes: want.len(),
            cases: decode,
        });
    }
    groups
}
