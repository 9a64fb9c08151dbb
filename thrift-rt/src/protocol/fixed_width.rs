//! Lists of fixed-width numbers (`list<i32>`, `list<i64>`, `list<double>`): the bulk paths
//! of the binary and compact writers and readers.
//!
//! The binary protocol stores numbers big-endian, so every value is byte-swapped on its way
//! in or out. LLVM vectorises the swap loops, but on baseline x86-64 (SSE2, which has no byte
//! shuffle) the result is a long sequence of unpacks and shifts that runs at a third of the
//! speed of SSSE3's `pshufb`. So on x86-64 each loop is compiled three times (baseline,
//! SSSE3, AVX2) and the best one the CPU supports is chosen at run time;
//! `is_x86_feature_detected!` caches its answer, so choosing costs a load and a branch per
//! list. On the benchmark machine (AMD EPYC, 10,000 doubles, the codec benchmark): encoding
//! 7.5 → 2.7 µs and decoding 7.4 → 1.8 µs with AVX2, against 1.7 µs for a memcpy.
//!
//! The only `unsafe` here is calling a `#[target_feature]` function, whose one requirement is
//! that the CPU has the feature: an `Isa` naming a feature is only made after checking for it
//! (in `Isa::best`, and in the test). (They are `unsafe fn` so that the crate keeps building
//! on Rust 1.85: safe `#[target_feature]` functions need 1.86.) The functions do no pointer
//! arithmetic of their own: the same safe, bounds-checked loops (`loops!`) are compiled into
//! each, and called once per list.
//! `tests::every_variant_agrees` runs every variant the CPU supports against a plain loop.

use crate::error::Result;
use crate::transport::Source;

/// Bytes encoded per `write_all`: the values pass through a stack buffer of this size.
const CHUNK: usize = 512;

/// Calls the loop `$f` as compiled for `$isa`, which the CPU must support.
macro_rules! compiled_for {
    ($isa:expr, $f:ident($($arg:expr),*)) => {
        match $isa {
            Isa::Portable => portable::$f($($arg),*),
            // SAFETY: an `Isa` naming a feature is only made where the CPU has it.
            #[cfg(target_arch = "x86_64")]
            Isa::Ssse3 => unsafe { x86::ssse3::$f($($arg),*) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { x86::avx2::$f($($arg),*) },
        }
    };
}

/// The instruction sets each loop is compiled for. `best` is the fastest one this CPU runs.
///
/// A value naming a feature is made only where the CPU was found to have it: `compiled_for!`
/// relies on that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Ssse3,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Isa {
    #[inline]
    fn best() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                return Isa::Avx2;
            }
            if std::arch::is_x86_feature_detected!("ssse3") {
                return Isa::Ssse3;
            }
        }
        Isa::Portable
    }
}

/// Writes the fixed-width encodings of `values` (`encode` gives one value's bytes).
#[inline]
pub(crate) fn write_fixed_width<W, T, const N: usize>(
    w: &mut W,
    values: &[T],
    encode: impl Fn(T) -> [u8; N],
) -> Result<()>
where
    W: std::io::Write + ?Sized,
    T: Copy,
{
    compiled_for!(Isa::best(), write(w, values, encode))
}

/// Reads `len` fixed-width values decoded by `decode` and appends them to `out`: straight out
/// of the source's buffer when all of them are there, one at a time otherwise.
#[inline]
pub(crate) fn read_fixed_width_list<S, T, const N: usize>(
    src: &mut S,
    len: usize,
    out: &mut Vec<T>,
    decode: impl Fn([u8; N]) -> T,
) -> Result<()>
where
    S: Source,
{
    let buf = src.buffered();
    if let Some(bytes) = len.checked_mul(N).and_then(|n| buf.get(..n)) {
        compiled_for!(Isa::best(), decode(bytes, out, decode));
        src.consume(len * N);
        return Ok(());
    }
    for _ in 0..len {
        out.push(decode(src.take_array()?));
    }
    Ok(())
}

/// The two loops, `encode` and `decode`, written once and compiled once per module that
/// invokes this, with the attributes (and the `unsafe`) given.
macro_rules! loops {
    ($($unsafe:ident)?; $(#[$attr:meta])*) => {
        /// Writes the encodings of `values`, through a stack buffer of `CHUNK` bytes.
        $(#[$attr])*
        pub(in crate::protocol::fixed_width) $($unsafe)? fn write<W, T, const N: usize>(
            w: &mut W,
            values: &[T],
            encode: impl Fn(T) -> [u8; N],
        ) -> crate::error::Result<()>
        where
            W: std::io::Write + ?Sized,
            T: Copy,
        {
            let mut buf = [0u8; crate::protocol::fixed_width::CHUNK];
            for chunk in values.chunks(crate::protocol::fixed_width::CHUNK / N) {
                for (slot, &v) in buf.chunks_exact_mut(N).zip(chunk) {
                    slot.copy_from_slice(&encode(v));
                }
                w.write_all(&buf[..chunk.len() * N])?;
            }
            Ok(())
        }

        /// Decodes every `N`-byte chunk of `bytes` (a whole number of them) onto `out`.
        $(#[$attr])*
        pub(in crate::protocol::fixed_width) $($unsafe)? fn decode<T, const N: usize>(
            bytes: &[u8],
            out: &mut Vec<T>,
            decode: impl Fn([u8; N]) -> T,
        ) {
            out.extend(
                bytes
                    .chunks_exact(N)
                    .map(|c| decode(c.try_into().expect("chunks of N bytes"))),
            );
        }
    };
}

/// The loops for any CPU, in plain safe Rust.
mod portable {
    loops!(; #[inline(always)]);
}

/// The same loops compiled with SSSE3 and with AVX2 enabled.
#[cfg(target_arch = "x86_64")]
mod x86 {
    pub(super) mod ssse3 {
        // # Safety (of both): the CPU must support SSSE3.
        loops!(unsafe; #[target_feature(enable = "ssse3")]);
    }

    pub(super) mod avx2 {
        // # Safety (of both): the CPU must support AVX2.
        loops!(unsafe; #[target_feature(enable = "avx2")]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values whose bytes all differ, so a swap that misplaces one byte shows.
    fn values(n: usize) -> Vec<u64> {
        (0..n as u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0102_0304_0506_0708)
            .collect()
    }

    fn reference_encoding(values: &[u64]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in values {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// Every variant this CPU can run must agree with a plain loop, for lengths around the
    /// chunk size too.
    #[test]
    fn every_variant_agrees() {
        let mut variants = vec![Isa::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("ssse3") {
                variants.push(Isa::Ssse3);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                variants.push(Isa::Avx2);
            }
        }
        for n in [0, 1, 3, 63, 64, 65, 127, 1000, 10_001] {
            let vals = values(n);
            let expected = reference_encoding(&vals);
            for &isa in &variants {
                let mut written = Vec::new();
                compiled_for!(isa, write(&mut written, &vals, u64::to_be_bytes)).unwrap();
                assert_eq!(written, expected, "{isa:?} encode, n = {n}");
                let mut decoded = Vec::new();
                compiled_for!(isa, decode(&expected, &mut decoded, u64::from_be_bytes));
                assert_eq!(decoded, vals, "{isa:?} decode, n = {n}");
            }
        }
    }

    /// The dispatching entry points, from a source that holds the whole list and from one
    /// whose 64-byte buffer holds only part of it (the one-at-a-time path).
    #[test]
    fn dispatch_round_trips_i32_and_f64() {
        let limits = crate::Limits::default();
        let ints: Vec<i32> = (0..1000).map(|i| i * 7919 - 500_000).collect();
        let mut bytes = Vec::new();
        write_fixed_width(&mut bytes, &ints, i32::to_be_bytes).unwrap();
        assert_eq!(&bytes[4..8], &(7919 - 500_000i32).to_be_bytes());
        let mut whole = bytes.as_slice();
        let mut small =
            crate::transport::BufferedReader::with_capacity(64, bytes.as_slice(), &limits);
        for name in ["whole", "partial"] {
            let mut out = Vec::new();
            if name == "whole" {
                read_fixed_width_list(&mut whole, ints.len(), &mut out, i32::from_be_bytes)
            } else {
                read_fixed_width_list(&mut small, ints.len(), &mut out, i32::from_be_bytes)
            }
            .unwrap();
            assert_eq!(out, ints, "{name}");
        }

        let doubles: Vec<f64> = (0..1000).map(|i| f64::from(i) * -1.25).collect();
        let mut bytes = Vec::new();
        write_fixed_width(&mut bytes, &doubles, |d| d.to_bits().to_be_bytes()).unwrap();
        assert_eq!(&bytes[8..16], &(-1.25f64).to_bits().to_be_bytes());
        let mut out = Vec::new();
        read_fixed_width_list(&mut bytes.as_slice(), doubles.len(), &mut out, |b| {
            f64::from_bits(u64::from_be_bytes(b))
        })
        .unwrap();
        assert_eq!(out, doubles);
    }
}
