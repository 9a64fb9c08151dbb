//! Request and response heads: parsed with `httparse` into what the transport needs (how
//! long the head is, how the body is delimited, whether the connection ends after it),
//! every rule and limit checked on the way.

use super::chunked::Chunks;
use super::{HeadLimits, MAX_HEADERS, http_err};
use crate::error::{Result, TransportError, TransportErrorKind};
use crate::stack::MessageLen;

/// How the body after a head is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyLen {
    /// `Content-Length`.
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Neither: the body runs to the end of the connection (responses only).
    UntilClose,
}

/// What a head says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    /// The bytes of the head, its final empty line included.
    pub(crate) len: usize,
    /// How the body is delimited.
    pub(crate) body: BodyLen,
    /// The connection ends after this message (`Connection: close`, or HTTP/1.0 without
    /// `keep-alive`).
    pub(crate) close: bool,
    /// The status of a response (0 for a request).
    pub(crate) status: u16,
}

/// What a server accepts, besides its limits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestRules<'a> {
    pub(crate) limits: HeadLimits,
    /// Only this path (before any `?query`) is served; `None`: every path.
    pub(crate) path: Option<&'a str>,
    pub(crate) max_body: usize,
}

/// Parses the request head at the start of `buf`; `None` while it is incomplete.
///
/// # Errors
///
/// A malformed head, too many headers or bytes, a method other than `POST`, another path
/// than the one served, a body without `Content-Length` or `chunked`, an announced body
/// beyond the limit.
pub(crate) fn parse_request(buf: &[u8], rules: &RequestRules<'_>) -> Result<Option<Head>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers[..rules.limits.max_headers.min(MAX_HEADERS)]);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return partial(buf, rules.limits),
        Err(e) => return Err(parse_error(e, rules.limits)),
    };
    check_head_len(len, rules.limits)?;
    let method = req.method.unwrap_or_default();
    if method != "POST" {
        return Err(http_err(format!(
            "method {method} not allowed (Thrift takes POST)"
        )));
    }
    if let Some(served) = rules.path {
        let path = req.path.unwrap_or_default();
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        if path != served {
            return Err(http_err(format!("path {path} is not served")));
        }
    }
    let framing = Framing::of(req.headers, req.version.unwrap_or(1), rules.max_body)?;
    let Some(body) = framing.body else {
        return Err(http_err("request without Content-Length (or chunked body)"));
    };
    Ok(Some(Head {
        len,
        body,
        close: framing.close,
        status: 0,
    }))
}

/// Parses the response head at the start of `buf`; `None` while it is incomplete.
///
/// # Errors
///
/// A malformed head, too many headers or bytes, an announced body beyond `max_body`.
pub(crate) fn parse_response(
    buf: &[u8],
    limits: HeadLimits,
    max_body: usize,
) -> Result<Option<Head>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut res = httparse::Response::new(&mut headers[..limits.max_headers.min(MAX_HEADERS)]);
    let len = match res.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return partial(buf, limits),
        Err(e) => return Err(parse_error(e, limits)),
    };
    check_head_len(len, limits)?;
    let status = res.code.unwrap_or_default();
    let framing = Framing::of(res.headers, res.version.unwrap_or(1), max_body)?;
    // Informational responses, 204 and 304 have no body, whatever their headers say.
    let body = if status < 200 || status == 204 || status == 304 {
        BodyLen::Length(0)
    } else {
        framing.body.unwrap_or(BodyLen::UntilClose)
    };
    if status >= 300 {
        let reason = res.reason.unwrap_or_default();
        return Err(http_err(format!("the server answered {status} {reason}")));
    }
    Ok(Some(Head {
        len,
        body,
        close: framing.close || body == BodyLen::UntilClose,
        status,
    }))
}

/// How many bytes at the start of `buf` make up the next whole request, for the
/// thread-pool server's gate (see [`Transport::message_len`](crate::stack::Transport)).
///
/// # Errors
///
/// As [`parse_request`], and for a malformed or oversized chunked body.
pub(crate) fn request_len(buf: &[u8], rules: &RequestRules<'_>) -> Result<MessageLen> {
    let Some(head) = parse_request(buf, rules)? else {
        return Ok(MessageLen::Partial);
    };
    let body = &buf[head.len..];
    Ok(match head.body {
        BodyLen::Length(n) if body.len() >= n => MessageLen::Whole(head.len + n),
        BodyLen::Chunked => {
            let max_trailer = rules.limits.max_header_bytes;
            match Chunks::default().scan(body, rules.max_body, max_trailer, None)? {
                Some(n) => MessageLen::Whole(head.len + n),
                None => MessageLen::Partial,
            }
        }
        BodyLen::Length(_) | BodyLen::UntilClose => MessageLen::Partial,
    })
}

/// An incomplete head: fine unless it is already too long.
fn partial(buf: &[u8], limits: HeadLimits) -> Result<Option<Head>> {
    check_head_len(buf.len(), limits)?;
    Ok(None)
}

fn check_head_len(len: usize, limits: HeadLimits) -> Result<()> {
    if len > limits.max_header_bytes {
        return Err(http_err(format!(
            "HTTP head exceeds {} bytes",
            limits.max_header_bytes
        )));
    }
    Ok(())
}

#[cold]
fn parse_error(e: httparse::Error, limits: HeadLimits) -> crate::Error {
    match e {
        httparse::Error::TooManyHeaders => {
            http_err(format!("more than {} headers", limits.max_headers))
        }
        other => http_err(format!("malformed HTTP head: {other}")),
    }
}

/// The headers that delimit a body and say whether the connection goes on.
struct Framing {
    body: Option<BodyLen>,
    close: bool,
}

impl Framing {
    fn of(headers: &[httparse::Header<'_>], version: u8, max_body: usize) -> Result<Self> {
        let mut length: Option<usize> = None;
        let mut chunked = false;
        let (mut close, mut keep_alive) = (false, false);
        for h in headers {
            if h.name.eq_ignore_ascii_case("content-length") {
                let n = content_length(h.value)?;
                if length.is_some_and(|m| m != n) {
                    return Err(http_err("conflicting Content-Length headers"));
                }
                length = Some(n);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                for coding in tokens(h.value) {
                    if !coding.eq_ignore_ascii_case(b"chunked") || chunked {
                        return Err(http_err("unsupported Transfer-Encoding (only chunked)"));
                    }
                    chunked = true;
                }
            } else if h.name.eq_ignore_ascii_case("connection") {
                for option in tokens(h.value) {
                    close |= option.eq_ignore_ascii_case(b"close");
                    keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
                }
            }
        }
        // Both at once is how requests are smuggled past proxies (RFC 9112, 6.1).
        if chunked && length.is_some() {
            return Err(http_err("both Content-Length and Transfer-Encoding"));
        }
        if let Some(n) = length {
            if n > max_body {
                return Err(TransportError::new(
                    TransportErrorKind::FrameTooLarge,
                    format!("HTTP body of {n} bytes exceeds {max_body}"),
                )
                .into());
            }
        }
        let body = if chunked {
            Some(BodyLen::Chunked)
        } else {
            length.map(BodyLen::Length)
        };
        Ok(Self {
            body,
            close: close || (version == 0 && !keep_alive),
        })
    }
}

/// A `Content-Length` value: decimal digits only (no sign, no spaces inside), at most 19 of
/// them, so the value cannot overflow.
fn content_length(value: &[u8]) -> Result<usize> {
    let digits = value.trim_ascii();
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(http_err("malformed Content-Length"));
    }
    let n = digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The comma-separated tokens of a header value, trimmed; empty ones skipped.
fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: RequestRules<'static> = RequestRules {
        limits: HeadLimits {
            max_header_bytes: 256,
            max_headers: 4,
        },
        path: None,
        max_body: 100,
    };

    fn kind(r: Result<impl std::fmt::Debug>) -> Option<TransportErrorKind> {
        r.unwrap_err().transport_kind()
    }

    #[test]
    fn requests_with_a_length_or_chunks() {
        let req = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcNEXT";
        let head = parse_request(req, &RULES).unwrap().unwrap();
        assert_eq!(head.body, BodyLen::Length(3));
        assert!(!head.close);
        assert_eq!(
            request_len(req, &RULES).unwrap(),
            MessageLen::Whole(req.len() - 4)
        );
        assert_eq!(
            request_len(&req[..req.len() - 5], &RULES).unwrap(),
            MessageLen::Partial
        );
        assert_eq!(
            request_len(&req[..10], &RULES).unwrap(),
            MessageLen::Partial
        );

        let req = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nN";
        assert_eq!(
            request_len(req, &RULES).unwrap(),
            MessageLen::Whole(req.len() - 1)
        );
        assert_eq!(
            request_len(&req[..req.len() - 3], &RULES).unwrap(),
            MessageLen::Partial
        );
    }

    #[test]
    fn connection_close_and_http_1_0() {
        let close = b"POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 1\r\n\r\n";
        assert!(parse_request(close, &RULES).unwrap().unwrap().close);
        let old = b"POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\n";
        assert!(parse_request(old, &RULES).unwrap().unwrap().close);
        let kept = b"POST / HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\n";
        assert!(!parse_request(kept, &RULES).unwrap().unwrap().close);
    }

    #[test]
    fn bad_requests() {
        let http = Some(TransportErrorKind::Http);
        let cases: [&[u8]; 8] = [
            b"GET / HTTP/1.1\r\n\r\n",
            b"POST / HTTP/1.1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"POST / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n",
            b"POST\x01/ HTTP/1.1\r\n\r\n",
        ];
        for req in cases {
            assert_eq!(
                kind(parse_request(req, &RULES)),
                http,
                "{:?}",
                String::from_utf8_lossy(req)
            );
        }
        let huge = b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n";
        assert!(parse_request(huge, &RULES).is_err());
        let big = b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n";
        assert_eq!(
            kind(parse_request(big, &RULES)),
            Some(TransportErrorKind::FrameTooLarge)
        );
        let long = [b"POST / HTTP/1.1\r\nX: ".as_slice(), &[b'a'; 300]].concat();
        assert_eq!(
            kind(parse_request(&long, &RULES)),
            http,
            "an unfinished head too long"
        );
        let only = RequestRules {
            path: Some("/service"),
            ..RULES
        };
        let req = b"POST /service?x=1 HTTP/1.1\r\nContent-Length: 1\r\n\r\n";
        assert!(parse_request(req, &only).unwrap().is_some());
        let req = b"POST /other HTTP/1.1\r\nContent-Length: 1\r\n\r\n";
        assert_eq!(kind(parse_request(req, &only)), http);
    }

    #[test]
    fn responses() {
        let limits = RULES.limits;
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab";
        let head = parse_response(ok, limits, 100).unwrap().unwrap();
        assert_eq!(
            (head.body, head.status, head.close),
            (BodyLen::Length(2), 200, false)
        );
        let old = b"HTTP/1.0 200 OK\r\nContent-Type: application/x-thrift\r\n\r\n";
        let head = parse_response(old, limits, 100).unwrap().unwrap();
        assert_eq!((head.body, head.close), (BodyLen::UntilClose, true));
        let err = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        let e = parse_response(err, limits, 100).unwrap_err();
        assert!(e.to_string().contains("404 Not Found"), "{e}");
        assert_eq!(parse_response(b"HTTP/1.1 200", limits, 100).unwrap(), None);
    }
}
