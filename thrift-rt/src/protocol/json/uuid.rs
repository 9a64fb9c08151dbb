//! uuids as JSON strings: lower-case `8-4-4-4-12` hex on write, either case on read.

use crate::error::{ProtocolErrorKind, Result, protocol_err};

/// The canonical text of a uuid, `00112233-4455-6677-8899-aabbccddeeff`.
pub(super) fn format_uuid(v: &[u8; 16]) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'-'; 36];
    let mut at = 0;
    for (i, b) in v.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            at += 1;
        }
        out[at] = HEX[usize::from(b >> 4)];
        out[at + 1] = HEX[usize::from(b & 15)];
        at += 2;
    }
    out
}

/// Parses the canonical text of a uuid, hex digits in either case.
pub(super) fn parse_uuid(text: &[u8]) -> Result<[u8; 16]> {
    let bad = || protocol_err(ProtocolErrorKind::InvalidData, "invalid uuid");
    if text.len() != 36 || [8, 13, 18, 23].iter().any(|&i| text[i] != b'-') {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    let mut hex = text.iter().filter(|&&c| c != b'-');
    for byte in &mut out {
        let hi = hex
            .next()
            .and_then(|&c| (c as char).to_digit(16))
            .ok_or_else(bad)?;
        let lo = hex
            .next()
            .and_then(|&c| (c as char).to_digit(16))
            .ok_or_else(bad)?;
        *byte = (hi * 16 + lo) as u8;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_text() {
        let v: [u8; 16] = core::array::from_fn(|i| (i * 17) as u8);
        let out = format_uuid(&v);
        assert_eq!(&out, b"00112233-4455-6677-8899-aabbccddeeff");
        assert_eq!(parse_uuid(&out).unwrap(), v);
        assert_eq!(
            parse_uuid(b"00112233-4455-6677-8899-AABBCCDDEEFF").unwrap(),
            v
        );
    }
}
