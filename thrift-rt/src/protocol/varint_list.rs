//! Lists of varints in the compact protocol, in bulk: [`write_varints`] for any of them
//! (`list<i64>`, and `list<i32>` on CPUs without AVX2), and the faster two-pass encoder for
//! `list<i32>`, whose zigzag varints take at most five bytes.
//!
//! One value at a time, a varint costs a loop with a data-dependent exit per byte. In bulk,
//! the work splits into two passes over chunks of 64 values:
//!
//! 1. branch-free arithmetic on each value alone: the four low 7-bit groups spread into a
//!    `u32` with their continuation bits, the fifth group, and the length (1 to 5). No value
//!    depends on another, so this pass vectorises (eight values per AVX2 instruction);
//! 2. a store loop: each value's five bytes go out as one unaligned 8-byte store at the
//!    current position, which then moves on by the value's length (the next store overwrites
//!    the bytes beyond it).
//!
//! Pass 1 only pays off with AVX2 (without it, the vectorised code is no faster than the
//! byte loop), so on x86-64 it is chosen at run time, as in
//! [`fixed_width`](super::fixed_width), and every other CPU keeps the byte loop. Measured on
//! the benchmark machine (AMD EPYC, 10,000 values of 1 to 5 bytes, the codec benchmark):
//! 15.5–19.5 µs against 27 µs.
//!
//! The only `unsafe` is the call of the `#[target_feature(enable = "avx2")]` copy right after
//! the feature check; `tests::bulk_matches_one_at_a_time` compares both paths with the
//! one-value encoder for every length and around chunk boundaries.

use std::io::Write;

use super::compact::{encode_varint, zigzag32};
use crate::error::Result;

/// Values per chunk.
const CHUNK: usize = 64;

/// Writes the zigzag varints of `values`.
#[inline]
pub(crate) fn write_zigzag32_list<W: Write + ?Sized>(w: &mut W, values: &[i32]) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { write_two_pass_avx2(w, values) };
    }
    write_varints(w, values.iter().map(|&v| u64::from(zigzag32(v))))
}

/// Writes `values` as varints one at a time (the byte loop), through a stack buffer of about
/// a kilobyte per write.
#[inline]
pub(crate) fn write_varints<W: Write + ?Sized>(
    w: &mut W,
    values: impl Iterator<Item = u64>,
) -> Result<()> {
    let mut buf = [0u8; 1024];
    let mut pos = 0;
    for v in values {
        if pos > buf.len() - 10 {
            w.write_all(&buf[..pos])?;
            pos = 0;
        }
        let slot: &mut [u8; 10] = (&mut buf[pos..pos + 10]).try_into().expect("10 bytes");
        pos += encode_varint(v, slot);
    }
    w.write_all(&buf[..pos])?;
    Ok(())
}

/// # Safety
///
/// The CPU must support AVX2. (`unsafe fn` keeps Rust 1.85 building this: safe
/// `#[target_feature]` functions need 1.86.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn write_two_pass_avx2<W: Write + ?Sized>(w: &mut W, values: &[i32]) -> Result<()> {
    write_two_pass(w, values)
}

#[inline(always)]
fn write_two_pass<W: Write + ?Sized>(w: &mut W, values: &[i32]) -> Result<()> {
    // Five bytes per value at most, plus room for the last 8-byte store.
    let mut buf = [0u8; CHUNK * 5 + 8];
    let mut low = [0u32; CHUNK];
    let mut high = [0u8; CHUNK];
    let mut lens = [0u8; CHUNK];
    for chunk in values.chunks(CHUNK) {
        // Pass 1: each value alone.
        for (((low, high), len), &v) in low.iter_mut().zip(&mut high).zip(&mut lens).zip(chunk) {
            let z = zigzag32(v);
            let groups = (z & 0x7f)
                | ((z << 1) & 0x7f00)
                | ((z << 2) & 0x7f_0000)
                | ((z << 3) & 0x7f00_0000);
            let more = [z >> 7 != 0, z >> 14 != 0, z >> 21 != 0, z >> 28 != 0].map(u32::from);
            *low = groups | (more[0] << 7) | (more[1] << 15) | (more[2] << 23) | (more[3] << 31);
            *high = (z >> 28) as u8;
            *len = (1 + more[0] + more[1] + more[2] + more[3]) as u8;
        }
        // Pass 2: place them.
        let mut pos = 0;
        for ((&low, &high), &len) in low.iter().zip(&high).zip(&lens).take(chunk.len()) {
            let word = u64::from(low) | (u64::from(high) << 32);
            buf[pos..pos + 8].copy_from_slice(&word.to_le_bytes());
            pos += usize::from(len);
        }
        w.write_all(&buf[..pos])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_by_one(values: &[i32]) -> Vec<u8> {
        let mut out = Vec::new();
        for &v in values {
            let mut buf = [0u8; 10];
            let n = encode_varint(u64::from(zigzag32(v)), &mut buf);
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    /// Values of every varint length (each boundary and its neighbours, both signs), in
    /// lists that end inside, at and just past chunk boundaries.
    #[test]
    fn bulk_matches_one_at_a_time() {
        let mut edges = vec![0, 1, -1, i32::MAX, i32::MIN, i32::MAX - 1, i32::MIN + 1];
        for bits in [6, 7, 13, 14, 20, 21, 27, 28, 30] {
            let b = 1i32 << bits;
            edges.extend([b - 1, b, b + 1, -b, -b - 1, -b + 1]);
        }
        let mixed: Vec<i32> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> (i % 5 * 7)) as i32)
            .collect();
        for len in [0, 1, 5, 63, 64, 65, 128, 200] {
            for values in [&edges[..len.min(edges.len())], &mixed[..len]] {
                let want = one_by_one(values);
                let mut got = Vec::new();
                write_varints(&mut got, values.iter().map(|&v| u64::from(zigzag32(v)))).unwrap();
                assert_eq!(got, want, "byte loop, {values:?}");
                let mut got = Vec::new();
                write_two_pass(&mut got, values).unwrap();
                assert_eq!(got, want, "two passes, {values:?}");
                let mut got = Vec::new();
                write_zigzag32_list(&mut got, values).unwrap();
                assert_eq!(got, want, "dispatched, {values:?}");
            }
        }
        let mut got = Vec::new();
        write_two_pass(&mut got, &mixed).unwrap();
        assert_eq!(got, one_by_one(&mixed));
    }
}
