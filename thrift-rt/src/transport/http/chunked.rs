//! `Transfer-Encoding: chunked` bodies: finding where one ends and collecting its data,
//! chunk by chunk as the bytes arrive, every size checked against the body limit first.

use super::http_err;
use crate::error::{Result, TransportError, TransportErrorKind};

/// The longest chunk-size line (size, extensions, CRLF) accepted: sizes are hex digits of a
/// `u64`, and nobody sends kilobytes of chunk extensions.
const MAX_SIZE_LINE: usize = 1024;

/// Chunk framing allowed on top of the data: twice the body limit plus 64 KiB, so a body
/// of many tiny chunks cannot make a server buffer far more than the limit.
fn max_encoded(max_body: usize) -> usize {
    max_body.saturating_mul(2).saturating_add(64 * 1024)
}

/// How far a chunked body has been scanned: resumed where it stopped when more bytes
/// arrive, so a body arriving in many reads is still scanned once.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Chunks {
    /// Where the next chunk (its size line) starts, from the start of the body.
    at: usize,
    /// The data bytes of the chunks scanned so far.
    data: usize,
}

impl Chunks {
    /// Scans `buf` (the body's bytes so far, from its first) on from where the last call
    /// stopped; appends the data of each whole chunk to `out`. `Some(n)`: the body ends
    /// after `n` bytes of `buf` (last chunk and trailers included); `None`: more must
    /// arrive.
    ///
    /// # Errors
    ///
    /// A malformed size line, chunk end or trailer ([`Http`](TransportErrorKind::Http)); the
    /// data growing past `max_body` ([`FrameTooLarge`](TransportErrorKind::FrameTooLarge));
    /// trailers longer than `max_trailer` bytes.
    pub(crate) fn scan(
        &mut self,
        buf: &[u8],
        max_body: usize,
        max_trailer: usize,
        mut out: Option<&mut Vec<u8>>,
    ) -> Result<Option<usize>> {
        loop {
            let rest = &buf[self.at..];
            let (line, size) = match httparse::parse_chunk_size(rest) {
                Ok(httparse::Status::Complete(found)) => found,
                Ok(httparse::Status::Partial) if rest.len() > MAX_SIZE_LINE => {
                    return Err(http_err("chunk size line too long"));
                }
                Ok(httparse::Status::Partial) => return Ok(None),
                Err(_) => return Err(http_err("malformed chunk size")),
            };
            if size == 0 {
                let mut trailers = [httparse::EMPTY_HEADER; 16];
                let after = &rest[line..];
                return match httparse::parse_headers(after, &mut trailers) {
                    Ok(httparse::Status::Complete((n, _))) => Ok(Some(self.at + line + n)),
                    Ok(httparse::Status::Partial) if after.len() > max_trailer => {
                        Err(http_err("chunked trailers too long"))
                    }
                    Ok(httparse::Status::Partial) => Ok(None),
                    Err(_) => Err(http_err("malformed chunked trailers")),
                };
            }
            // Checked before the chunk is waited for, so a lying size costs nothing.
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            if size > max_body.saturating_sub(self.data) {
                return Err(TransportError::new(
                    TransportErrorKind::FrameTooLarge,
                    format!("chunked body exceeds {max_body} bytes"),
                )
                .into());
            }
            let Some(chunk) = rest.get(line..line + size + 2) else {
                return Ok(None);
            };
            let (data, end) = chunk.split_at(size);
            if end != b"\r\n" {
                return Err(http_err("chunk not followed by CRLF"));
            }
            if let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(data);
            }
            self.data += size;
            self.at += line + size + 2;
            if self.at > max_encoded(max_body) {
                return Err(TransportError::new(
                    TransportErrorKind::FrameTooLarge,
                    format!(
                        "chunked body takes more than {} bytes",
                        max_encoded(max_body)
                    ),
                )
                .into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &[u8], max: usize) -> Result<Option<(usize, Vec<u8>)>> {
        let mut out = Vec::new();
        let end = Chunks::default().scan(body, max, 1024, Some(&mut out))?;
        Ok(end.map(|n| (n, out)))
    }

    #[test]
    fn whole_bodies_with_extensions_and_trailers() {
        let body = b"3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\nNEXT";
        assert_eq!(
            decode(body, 100).unwrap(),
            Some((body.len() - 4, b"abcde".to_vec()))
        );
        assert_eq!(decode(b"0\r\n\r\n", 100).unwrap(), Some((5, Vec::new())));
    }

    #[test]
    fn resumes_where_it_stopped() {
        let body = b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let mut chunks = Chunks::default();
        let mut out = Vec::new();
        for n in 0..body.len() {
            assert_eq!(
                chunks.scan(&body[..n], 100, 64, Some(&mut out)).unwrap(),
                None
            );
        }
        assert_eq!(
            chunks.scan(body, 100, 64, Some(&mut out)).unwrap(),
            Some(body.len())
        );
        assert_eq!(out, b"abcde");
    }

    #[test]
    fn refuses_sizes_beyond_the_limit_before_the_data() {
        let e = decode(b"ffffffffffffffff\r\n", 1000).unwrap_err();
        assert_eq!(e.transport_kind(), Some(TransportErrorKind::FrameTooLarge));
        let e = decode(b"200\r\n", 1000).map(drop);
        assert!(e.is_ok(), "512 fits");
        let e = decode(b"200\r\n", 511).unwrap_err();
        assert_eq!(e.transport_kind(), Some(TransportErrorKind::FrameTooLarge));
        // The sum counts, not each chunk.
        let e = decode(b"2\r\nab\r\n2\r\ncd\r\n", 3).unwrap_err();
        assert_eq!(e.transport_kind(), Some(TransportErrorKind::FrameTooLarge));
    }

    #[test]
    fn refuses_malformed_chunks() {
        for bad in [
            &b"zz\r\n"[..],
            b"3\r\nabcX\r\n",
            b"0\r\nbad trailer\r\n\r\n",
        ] {
            let e = decode(bad, 100).unwrap_err();
            assert_eq!(
                e.transport_kind(),
                Some(TransportErrorKind::Http),
                "{bad:?}"
            );
        }
        let tiny = b"1\r\na\r\n".repeat(20_000);
        let e = decode(&tiny, 20_000).unwrap_err();
        assert_eq!(e.transport_kind(), Some(TransportErrorKind::FrameTooLarge));
        let long = vec![b'1'; MAX_SIZE_LINE + 1];
        assert!(decode(&long, usize::MAX).is_err());
    }
}
