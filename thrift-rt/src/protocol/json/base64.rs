//! Base64 for binaries: standard alphabet, written without padding (as Apache C++), read with
//! or without.

use crate::error::{ProtocolErrorKind, Result, protocol_err};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the unpadded base64 encoding of `data` to `out`.
pub(super) fn base64_encode(data: &[u8], out: &mut Vec<u8>) {
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[B64[(n >> 18) as usize & 63], B64[(n >> 12) as usize & 63]]);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                B64[(n >> 6) as usize & 63],
            ]);
        }
        _ => {}
    }
}

#[inline]
fn b64_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes base64 with or without padding into `out`.
pub(super) fn base64_decode(text: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let bad = || protocol_err(ProtocolErrorKind::InvalidData, "invalid base64");
    let mut text = text;
    for _ in 0..2 {
        if let [rest @ .., b'='] = text {
            text = rest;
        }
    }
    out.clear();
    out.reserve(text.len() / 4 * 3 + 2);
    let mut chunks = text.chunks_exact(4);
    for c in &mut chunks {
        let mut n = 0u32;
        for &ch in c {
            n = (n << 6) | b64_value(ch).ok_or_else(bad)?;
        }
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let rest = chunks.remainder();
    let mut n = 0u32;
    for &ch in rest {
        n = (n << 6) | b64_value(ch).ok_or_else(bad)?;
    }
    match rest.len() {
        0 => {}
        2 => out.push((n >> 4) as u8),
        3 => out.extend_from_slice(&[(n >> 10) as u8, (n >> 2) as u8]),
        _ => return Err(bad()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_both_ways() {
        let enc = |d: &[u8]| {
            let mut out = Vec::new();
            base64_encode(d, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(enc(&[1, 2, 3]), "AQID");
        assert_eq!(enc(&[1, 2]), "AQI");
        assert_eq!(enc(&[1]), "AQ");
        let mut out = Vec::new();
        for text in ["AQI", "AQI="] {
            base64_decode(text.as_bytes(), &mut out).unwrap();
            assert_eq!(out, [1, 2]);
        }
        base64_decode(b"AQ==", &mut out).unwrap();
        assert_eq!(out, [1]);
        let err = base64_decode(b"A", &mut out).unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
        let err = base64_decode(b"A*AA", &mut out).unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
    }
}
