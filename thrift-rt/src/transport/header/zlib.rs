//! The ZLIB transform: zlib-wrapped deflate (RFC 1950, what Python's `zlib.compress` and
//! C++'s `deflateInit` write), not raw deflate and not gzip. Inflating is capped: a frame
//! that would inflate past the limit is refused without allocating past it.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::frame::{bad, over};
use crate::error::Result;

/// How much output room inflating adds at a time, at least.
const STEP: usize = 64 * 1024;

/// Inflates `input` into `out` (cleared first), refusing output beyond `max` bytes: `out`
/// never grows past `max` bytes of room, and once it is full a one-byte probe tells whether
/// more would come.
///
/// # Errors
///
/// [`HeaderLimit`](crate::TransportErrorKind::HeaderLimit) past `max`;
/// [`BadHeader`](crate::TransportErrorKind::BadHeader) for data that is not a whole zlib
/// stream.
pub(crate) fn inflate(input: &[u8], out: &mut Vec<u8>, max: usize) -> Result<()> {
    out.clear();
    let mut d = Decompress::new(true);
    loop {
        let used = d.total_in() as usize;
        let (before_in, before_out) = (d.total_in(), d.total_out());
        let status = if out.len() >= max {
            let mut probe = [0u8; 1];
            let status = d
                .decompress(&input[used..], &mut probe, FlushDecompress::None)
                .map_err(|e| bad(format!("zlib: {e}")))?;
            if d.total_out() > before_out {
                return Err(too_large(max));
            }
            status
        } else {
            // Room grows with what arrives (doubling), never past the limit.
            let room = out.len().max(STEP).min(max - out.len());
            out.reserve_exact(room);
            let status = d
                .decompress_vec(&input[used..], out, FlushDecompress::None)
                .map_err(|e| bad(format!("zlib: {e}")))?;
            if out.len() > max {
                return Err(too_large(max));
            }
            status
        };
        match status {
            Status::StreamEnd => return Ok(()),
            Status::Ok | Status::BufError => {
                let stuck = d.total_in() == before_in && d.total_out() == before_out;
                if stuck && (out.len() < out.capacity() || out.len() >= max) {
                    return Err(bad("zlib data cut short"));
                }
            }
        }
    }
}

#[cold]
fn too_large(max: usize) -> crate::Error {
    over(format!("zlib payload inflates past {max} bytes"))
}

/// Compresses `input` as one zlib stream appended to `out`, at zlib's default level (what
/// Apache's Python writer uses).
pub(crate) fn deflate(input: &[u8], out: &mut Vec<u8>) {
    let mut c = Compress::new(Compression::default(), true);
    out.reserve(input.len() / 2 + 64);
    loop {
        let used = c.total_in() as usize;
        // Output room runs out only; compressing memory into a Vec cannot fail otherwise.
        let status = c
            .compress_vec(&input[used..], out, FlushCompress::Finish)
            .unwrap_or(Status::BufError);
        if status == Status::StreamEnd {
            return;
        }
        out.reserve(out.capacity().max(64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_limits() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 7) as u8).collect();
        let mut z = Vec::new();
        deflate(&data, &mut z);
        assert_eq!(&z[..1], &[0x78], "zlib wrapper");
        let mut out = Vec::new();
        inflate(&z, &mut out, data.len()).unwrap();
        assert_eq!(out, data);
        // One byte short of the limit: refused, and the buffer never had room for more.
        let mut out = Vec::new();
        let e = inflate(&z, &mut out, data.len() - 1).unwrap_err();
        assert_eq!(
            e.transport_kind(),
            Some(crate::TransportErrorKind::HeaderLimit)
        );
        assert!(out.capacity() < data.len());
        // Cut short, and not zlib at all.
        let e = inflate(&z[..z.len() / 2], &mut out, usize::MAX).unwrap_err();
        assert_eq!(
            e.transport_kind(),
            Some(crate::TransportErrorKind::BadHeader)
        );
        assert!(inflate(b"hello", &mut out, 100).is_err());
        // Empty input.
        let mut z = Vec::new();
        deflate(b"", &mut z);
        inflate(&z, &mut out, 0).unwrap();
        assert!(out.is_empty());
    }
}
