//! The THeader frame format: parsing a frame's fixed fields and header, writing a header,
//! and telling where a message ends in bytes not read yet (client type detection).

use super::{KEY_VALUE, MAGIC, PayloadProtocol, ZLIB};
use crate::application::{ApplicationError, ApplicationErrorKind};
use crate::error::{Error, Result, TransportError, TransportErrorKind};
use crate::header::InfoHeaders;
use crate::limits::Limits;
use crate::stack::{Binary, Compact, MessageLen, Transport};

/// Bytes of the fixed fields after the length: magic, flags, seqid, header size.
pub(crate) const FIXED: usize = 10;
/// The largest length field Apache writes or reads (`HARD_MAX_FRAME_SIZE`).
pub(crate) const HARD_MAX: usize = 0x3FFF_FFFF;

/// A THeader frame, parsed by [`parse_frame`]; the payload is as it travelled (compressed
/// when [`zlib`](Self::zlib) is set).
#[derive(Debug)]
pub struct ParsedFrame<'a> {
    /// The flags field.
    pub flags: u16,
    /// The sequence id field (the message's).
    pub seqid: i32,
    /// The payload protocol.
    pub protocol: PayloadProtocol,
    /// Whether the payload is zlib-compressed.
    pub zlib: bool,
    /// The key-value info headers, if the frame had any.
    pub headers: Option<InfoHeaders>,
    /// The payload, as it travelled.
    pub payload: &'a [u8],
}

#[cold]
pub(crate) fn bad(message: impl Into<String>) -> Error {
    TransportError::new(TransportErrorKind::BadHeader, message).into()
}

#[cold]
pub(crate) fn over(message: impl Into<String>) -> Error {
    TransportError::new(TransportErrorKind::HeaderLimit, message).into()
}

/// Whether the four bytes start a strict binary message (version 1).
pub(crate) fn is_binary(w: [u8; 4]) -> bool {
    w[0] == 0x80 && w[1] == 0x01
}

/// Whether the four bytes start a compact message (protocol id 0x82, version 1).
pub(crate) fn is_compact(w: [u8; 4]) -> bool {
    w[0] == 0x82 && w[1] & 0x1F == 1
}

/// The legacy payload protocol a message starting with `w` is in, if any.
pub(crate) fn legacy(w: [u8; 4]) -> Option<PayloadProtocol> {
    if is_binary(w) {
        Some(PayloadProtocol::Binary)
    } else if is_compact(w) {
        Some(PayloadProtocol::Compact)
    } else {
        None
    }
}

/// Reads varints and byte strings out of a header, never past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl Cursor<'_> {
    fn varint(&mut self) -> Result<u32> {
        let mut value: u32 = 0;
        for (i, &b) in self.bytes.iter().enumerate().take(5) {
            if i == 4 && b > 0x0F {
                return Err(bad("varint overflows 32 bits"));
            }
            value |= u32::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Ok(value);
            }
        }
        Err(bad("varint runs past the header"))
    }

    fn string(&mut self) -> Result<String> {
        let len = self.varint()? as usize;
        if len > self.bytes.len() {
            return Err(bad(format!(
                "header string of {len} bytes runs past the header"
            )));
        }
        let (s, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(String::from_utf8_lossy(s).into_owned())
    }
}

/// Parses a THeader frame: `frame` is everything after the length field. Refuses a header
/// running past the frame or over [`Limits::max_header_size`], more than
/// [`Limits::max_info_headers`] info headers, and malformed varints; an unknown transform
/// is an [`InvalidTransform`](ApplicationErrorKind::InvalidTransform) application error and
/// an unknown payload protocol an [`InvalidProtocol`](ApplicationErrorKind::InvalidProtocol)
/// one (a server answers both). Uses the header size field, never assumes padding.
///
/// # Errors
///
/// As above: [`BadHeader`](TransportErrorKind::BadHeader),
/// [`HeaderLimit`](TransportErrorKind::HeaderLimit), or the application errors.
pub fn parse_frame<'a>(frame: &'a [u8], limits: &Limits) -> Result<ParsedFrame<'a>> {
    let Some(fixed) = frame.first_chunk::<FIXED>() else {
        return Err(bad(format!("frame of {} bytes is too short", frame.len())));
    };
    if u16::from_be_bytes([fixed[0], fixed[1]]) != MAGIC {
        return Err(bad("no THeader magic"));
    }
    let flags = u16::from_be_bytes([fixed[2], fixed[3]]);
    let seqid = i32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let size = usize::from(u16::from_be_bytes([fixed[8], fixed[9]])) * 4;
    if size > limits.max_header_size {
        return Err(over(format!(
            "header of {size} bytes exceeds {}",
            limits.max_header_size
        )));
    }
    let Some(header) = frame[FIXED..].get(..size) else {
        return Err(bad(format!(
            "header of {size} bytes runs past the frame of {}",
            frame.len()
        )));
    };
    let payload = &frame[FIXED + size..];
    let mut cur = Cursor { bytes: header };
    let id = cur.varint()?;
    let protocol = PayloadProtocol::from_id(id).ok_or_else(|| {
        Error::Application(ApplicationError::new(
            ApplicationErrorKind::InvalidProtocol,
            format!("unknown protocol id {id}"),
        ))
    })?;
    let transforms = cur.varint()?;
    let mut zlib = false;
    for _ in 0..transforms {
        match cur.varint()? {
            ZLIB => zlib = true,
            other => {
                return Err(Error::Application(ApplicationError::new(
                    ApplicationErrorKind::InvalidTransform,
                    format!("unknown transform: {other}"),
                )));
            }
        }
    }
    let mut headers: Option<InfoHeaders> = None;
    // Info blocks until the header ends; id 0 is padding, and an id we do not know ends
    // them too (its length is not known), as in Apache's readers.
    while !cur.bytes.is_empty() {
        if cur.varint()? != KEY_VALUE {
            break;
        }
        let count = cur.varint()? as usize;
        let have = headers.as_ref().map_or(0, InfoHeaders::len);
        if count > limits.max_info_headers.saturating_sub(have) {
            return Err(over(format!(
                "{} info headers exceed {}",
                have.saturating_add(count),
                limits.max_info_headers
            )));
        }
        // Each header takes at least two bytes: a count past that is a lie.
        if count > cur.bytes.len() / 2 {
            return Err(bad(format!("{count} info headers cannot fit the header")));
        }
        let h = headers.get_or_insert_with(InfoHeaders::new);
        for _ in 0..count {
            let key = cur.string()?;
            let value = cur.string()?;
            h.insert(key, value);
        }
    }
    Ok(ParsedFrame {
        flags,
        seqid,
        protocol,
        zlib,
        headers,
        payload,
    })
}

/// The payload protocol a frame names, read leniently, for answering a frame that failed to
/// parse in the protocol it was sent in (binary when it cannot be told).
pub(crate) fn protocol_of(frame: &[u8]) -> PayloadProtocol {
    frame
        .get(FIXED..)
        .and_then(|h| Cursor { bytes: h }.varint().ok())
        .and_then(PayloadProtocol::from_id)
        .unwrap_or_default()
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_string(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

/// Appends a header (protocol id, transforms, one key-value block when there are headers,
/// zero padding to four bytes, as Apache's Python writer pads) to `out`.
pub(crate) fn write_header<'h>(
    out: &mut Vec<u8>,
    protocol: PayloadProtocol,
    zlib: bool,
    headers: impl Iterator<Item = (&'h str, &'h str)> + Clone,
) {
    let start = out.len();
    put_varint(out, protocol.id());
    if zlib {
        put_varint(out, 1);
        put_varint(out, ZLIB);
    } else {
        put_varint(out, 0);
    }
    let count = headers.clone().count();
    if count > 0 {
        put_varint(out, KEY_VALUE);
        put_varint(out, count as u32);
        for (k, v) in headers {
            put_string(out, k);
            put_string(out, v);
        }
    }
    let padding = (4 - (out.len() - start) % 4) % 4;
    out.resize(out.len() + padding, 0);
}

/// Fills the fixed fields in front of a header of `header_len` bytes (a multiple of four).
pub(crate) fn fixed_fields(seqid: i32, header_len: usize) -> [u8; FIXED] {
    let mut f = [0u8; FIXED];
    f[..2].copy_from_slice(&MAGIC.to_be_bytes());
    f[4..8].copy_from_slice(&seqid.to_be_bytes());
    // Callers keep headers under 64 Ki words (`writer.rs` checks).
    f[8..].copy_from_slice(&((header_len / 4) as u16).to_be_bytes());
    f
}

/// Where the next message in `bytes` ends, for servers that hand workers whole messages:
/// an unframed client's message is found by skipping through it with its protocol; a
/// framed or THeader one by its length. With `outer_frames`, every message is in a frame.
pub(crate) fn message_len(bytes: &[u8], outer_frames: bool, limits: &Limits) -> Result<MessageLen> {
    let Some(&w) = bytes.first_chunk::<4>() else {
        return Ok(MessageLen::Partial);
    };
    if !outer_frames {
        match legacy(w) {
            Some(PayloadProtocol::Binary) => {
                return crate::stack::Buffered.message_len(&Binary, bytes, limits);
            }
            Some(PayloadProtocol::Compact) => {
                return crate::stack::Buffered.message_len(&Compact, bytes, limits);
            }
            None => {}
        }
    }
    let len = frame_length(w, limits)?;
    Ok(if bytes.len() - 4 >= len {
        MessageLen::Whole(4 + len)
    } else {
        MessageLen::Partial
    })
}

/// A frame's length field, checked against the frame limit and Apache's hard maximum.
pub(crate) fn frame_length(w: [u8; 4], limits: &Limits) -> Result<usize> {
    crate::transport::framed::frame_len(w, limits.max_frame_size.min(HARD_MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(header: &[u8], words: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x0F, 0xFF, 0, 0, 0, 0, 0, 7];
        f.extend_from_slice(&words.to_be_bytes());
        f.extend_from_slice(header);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn parses_headers_and_uses_the_size_field() {
        let mut h = Vec::new();
        write_header(
            &mut h,
            PayloadProtocol::Compact,
            false,
            [("k", "v")].into_iter(),
        );
        assert_eq!(h.len() % 4, 0);
        // Extra padding beyond what the writer needs (C++ pads 1-4 bytes): still fine.
        h.extend_from_slice(&[0, 0, 0, 0]);
        let f = frame(&h, (h.len() / 4) as u16, b"xyz");
        let p = parse_frame(&f, &Limits::default()).unwrap();
        assert_eq!(p.seqid, 7);
        assert_eq!(p.protocol, PayloadProtocol::Compact);
        assert_eq!(p.payload, b"xyz");
        assert_eq!(p.headers.unwrap().get("k"), Some("v"));
    }

    #[test]
    fn refuses_bad_frames() {
        let limits = Limits::default();
        let kind = |f: &[u8], l: &Limits| parse_frame(f, l).unwrap_err();
        // Too short, no magic, header past the frame.
        assert_eq!(
            kind(&[0x0F, 0xFF], &limits).transport_kind(),
            Some(TransportErrorKind::BadHeader)
        );
        assert_eq!(
            kind(&frame(&[0, 0, 0, 0], 1, b"")[1..], &limits).transport_kind(),
            Some(TransportErrorKind::BadHeader)
        );
        assert_eq!(
            kind(&frame(&[0, 0, 0, 0], 2, b""), &limits).transport_kind(),
            Some(TransportErrorKind::BadHeader)
        );
        // Header size over the limit.
        let small = Limits::default().max_header_size(4);
        assert_eq!(
            kind(&frame(&[0; 8], 2, b""), &small).transport_kind(),
            Some(TransportErrorKind::HeaderLimit)
        );
        // Unknown transform and protocol: application errors a server answers.
        let e = kind(&frame(&[0, 1, 9, 0], 1, b""), &limits);
        assert!(
            matches!(e, Error::Application(ref a) if a.kind == ApplicationErrorKind::InvalidTransform)
        );
        let e = kind(&frame(&[1, 0, 0, 0], 1, b""), &limits);
        assert!(
            matches!(e, Error::Application(ref a) if a.kind == ApplicationErrorKind::InvalidProtocol)
        );
        // Too many info headers, and a count that cannot fit.
        let mut h = Vec::new();
        let pairs = [("a", "1"), ("b", "2"), ("c", "3")];
        write_header(&mut h, PayloadProtocol::Binary, false, pairs.into_iter());
        let f = frame(&h, (h.len() / 4) as u16, b"");
        let two = Limits::default().max_info_headers(2);
        assert_eq!(
            kind(&f, &two).transport_kind(),
            Some(TransportErrorKind::HeaderLimit)
        );
        let f = frame(&[0, 0, 1, 0x7F], 1, b"");
        assert_eq!(
            kind(&f, &limits).transport_kind(),
            Some(TransportErrorKind::BadHeader)
        );
        // A varint running off the header.
        let f = frame(&[0, 0, 1, 0x80], 1, b"");
        assert_eq!(
            kind(&f, &limits).transport_kind(),
            Some(TransportErrorKind::BadHeader)
        );
    }

    #[test]
    fn message_len_detects_each_client_type() {
        let limits = Limits::default();
        // Framed and THeader: by the length.
        assert_eq!(
            message_len(&[0, 0, 0, 2, 1, 2, 3], false, &limits).unwrap(),
            MessageLen::Whole(6)
        );
        assert_eq!(
            message_len(&[0, 0, 0, 9, 1], false, &limits).unwrap(),
            MessageLen::Partial
        );
        assert!(message_len(&[0x7F, 0, 0, 0], false, &limits).is_err());
        // Unframed binary: by skipping (a call of `f` with an empty struct).
        let call = [0x80, 1, 0, 1, 0, 0, 0, 1, b'f', 0, 0, 0, 0, 0];
        assert_eq!(
            message_len(&call, false, &limits).unwrap(),
            MessageLen::Whole(call.len())
        );
        assert_eq!(
            message_len(&call[..8], false, &limits).unwrap(),
            MessageLen::Partial
        );
    }
}
