//! Encodes or decodes one workload of the codec benchmark a number of times with our
//! generated code, and prints the elapsed time in the style of `examples/calls.rs`, for
//! `scripts/ab.sh` (criterion-style runs in one process cannot be interleaved with another
//! build's, separate processes can):
//!
//! ```sh
//! cargo build --release --manifest-path bench/Cargo.toml --features codec --example codec_calls
//! bench/target/release/examples/codec_calls logs compact decode 20000
//! bench/target/release/examples/codec_calls list     # the workload names
//! ```
//!
//! Arguments: a workload (`list` prints them), `binary|compact`, `encode|decode`, the number
//! of operations. The operation is the codec benchmark's `ours` case: encoding into a kept
//! `Vec<u8>` (cleared each time), decoding from a `&[u8]` of our encoding, the decoded value
//! dropped inside the loop.
//!
//! `scripts/ab.sh` copies this file into the tree of an older commit and builds it there, so
//! it uses only what both sides have: the workloads of `benches/codec/idl.rs`, the generated
//! types, `thrift_rt::protocol::{Binary,Compact}{Reader,Writer}` and `ReadThrift`/`WriteThrift`.

use std::fmt::Debug;
use std::hint::black_box;
use std::time::{Duration, Instant};

use thrift_bench::BoxError;
use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, ProtocolReader, ProtocolWriter,
};
use thrift_rt::{ReadThrift, WriteThrift};

// The codec benchmark's workloads, so both measure the same values; only the `ours` values
// are used here.
#[allow(dead_code, unreachable_pub)]
#[path = "../benches/codec/idl.rs"]
mod idl;

use idl::ours_values as o;

/// The workloads, in the codec benchmark's order.
const WORKLOADS: [&str; 5] = ["scalars", "order", "logs", "doubles", "ints"];

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["list"] {
        println!("{}", WORKLOADS.join("\n"));
        return Ok(());
    }
    let [workload, protocol, operation, n] = args.as_slice() else {
        return Err(format!(
            "usage: codec_calls {}|list binary|compact encode|decode N",
            WORKLOADS.join("|")
        )
        .into());
    };
    let n: u64 = n.parse()?;
    let elapsed = match workload.as_str() {
        "scalars" => run(&o::scalars(), protocol, operation, n)?,
        "order" => run(&o::order(), protocol, operation, n)?,
        "logs" => run(&o::logs(), protocol, operation, n)?,
        "doubles" => run(&o::doubles(), protocol, operation, n)?,
        "ints" => run(&o::ints(), protocol, operation, n)?,
        other => return Err(format!("unknown workload {other}").into()),
    };
    println!(
        "{n} calls in {elapsed:?}: {:.1} ns per call",
        elapsed.as_nanos() as f64 / n.max(1) as f64
    );
    Ok(())
}

/// Checks that `value` survives a round trip with `protocol`, then times `n` operations.
fn run<T>(value: &T, protocol: &str, operation: &str, n: u64) -> Result<Duration, BoxError>
where
    T: WriteThrift + ReadThrift + PartialEq + Debug,
{
    // Our encoding, the input of the decoder (and a check that both protocols work).
    let input = match protocol {
        "binary" => {
            encode(
                value,
                BinaryWriter::new(Vec::new()),
                BinaryWriter::get_mut,
                1,
            )?
            .1
        }
        "compact" => {
            encode(
                value,
                CompactWriter::new(Vec::new()),
                CompactWriter::get_mut,
                1,
            )?
            .1
        }
        other => return Err(format!("unknown protocol {other}").into()),
    };
    let check = |decoded: T| -> Result<(), BoxError> {
        if decoded != *value {
            return Err(
                format!("{protocol}: the decoded value differs from the encoded one").into(),
            );
        }
        Ok(())
    };
    let bytes = input.as_slice();
    match (protocol, operation) {
        ("binary", "encode") => Ok(encode(
            value,
            BinaryWriter::new(Vec::new()),
            BinaryWriter::get_mut,
            n,
        )?
        .0),
        ("compact", "encode") => Ok(encode(
            value,
            CompactWriter::new(Vec::new()),
            CompactWriter::get_mut,
            n,
        )?
        .0),
        ("binary", "decode") => {
            check(T::read(&mut BinaryReader::new(bytes))?)?;
            decode::<T, _>(bytes, BinaryReader::new(bytes), BinaryReader::get_mut, n)
        }
        ("compact", "decode") => {
            check(T::read(&mut CompactReader::new(bytes))?)?;
            decode::<T, _>(bytes, CompactReader::new(bytes), CompactReader::get_mut, n)
        }
        (_, other) => Err(format!("unknown operation {other}").into()),
    }
}

/// Encodes `value` `n` times with `w`, whose kept vector `buffer` gives (cleared before each
/// operation, so its capacity is reused); returns the time and the last encoding.
fn encode<T: WriteThrift, W: ProtocolWriter>(
    value: &T,
    mut w: W,
    buffer: fn(&mut W) -> &mut Vec<u8>,
    n: u64,
) -> Result<(Duration, Vec<u8>), BoxError> {
    // One operation first, so that the timed ones find the buffer grown.
    value.write(&mut w)?;
    let start = Instant::now();
    for _ in 0..n {
        buffer(&mut w).clear();
        value.write(&mut w)?;
        black_box(buffer(&mut w).as_slice());
    }
    let elapsed = start.elapsed();
    Ok((elapsed, std::mem::take(buffer(&mut w))))
}

/// Decodes `input` `n` times with `r`, its source (`source`) reset to the whole input before
/// each operation.
fn decode<'a, T: ReadThrift, R: ProtocolReader>(
    input: &'a [u8],
    mut r: R,
    source: fn(&mut R) -> &mut &'a [u8],
    n: u64,
) -> Result<Duration, BoxError> {
    let start = Instant::now();
    for _ in 0..n {
        *source(&mut r) = input;
        black_box(T::read(&mut r)?);
    }
    Ok(start.elapsed())
}
