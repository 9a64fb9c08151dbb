//! [`HttpClient`] and [`HttpServer`]: Thrift over HTTP/1.1 as [`Transport`]s (cargo feature
//! `http`; see [`transport::http`](crate::transport::http) for the wire rules and limits).
//!
//! ```no_run
//! # fn demo() -> std::io::Result<()> {
//! use thrift_rt::connect::{tcp, with_stack};
//! use thrift_rt::stack::{Binary, HttpClient, HttpServer, Stack};
//! use thrift_rt::transport::socket::TcpOptions;
//!
//! // A client posting to http://example.com:8080/thrift.
//! let http = HttpClient::new("example.com:8080").path("/thrift").header("X-Trace", "42");
//! let stream = tcp("example.com:8080", &TcpOptions::default())?;
//! let (r, w) = with_stack(stream, &Stack::new(Binary, http), &Default::default())?;
//! # let _ = (r, w);
//! // A server taking POSTs to any path.
//! let server = thrift_rt::server::Builder::new().stack(Stack::new(Binary, HttpServer::new()));
//! # let _ = server; Ok(()) }
//! ```

use std::io;
use std::sync::Arc;

use super::{MessageLen, Protocol, Transport};
use crate::error::Result;
use crate::limits::Limits;
use crate::transport::http::{self, HeadLimits, HttpReader, HttpWriter, Request, Response};
use crate::transport::{ReadEnd, WriteEnd};

/// The server side of Thrift over HTTP: reads `POST` requests, answers each with a `200`
/// response whose body is the reply (empty for a oneway call).
///
/// Any path is served unless [`path`](Self::path) names one (Apache's C++ client posts to
/// `/service`, Python's to the path of its URL). Bodies may come with `Content-Length` or
/// `chunked`; a request with neither, with another method, or beyond a limit is answered
/// `400 Bad Request` (`413` for a body beyond the limit) and the connection is closed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpServer {
    path: Option<Arc<str>>,
    limits: HeadLimits,
}

impl HttpServer {
    /// Serves every path, with the default head limits (16 KiB, 64 headers).
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves only `path` (compared without the query string).
    #[must_use]
    pub fn path(mut self, path: &str) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Bounds a request head (request line, headers, empty line) to `n` bytes (default
    /// 16 KiB).
    #[must_use]
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.limits.max_header_bytes = n;
        self
    }

    /// Bounds the number of headers of a request (default 64, at most
    /// [`MAX_HEADERS`](http::MAX_HEADERS)).
    #[must_use]
    pub fn max_headers(mut self, n: usize) -> Self {
        self.limits.max_headers = n.min(http::MAX_HEADERS);
        self
    }
}

impl Transport for HttpServer {
    type Source<R: ReadEnd> = HttpReader<R, Request>;
    type Sink<W: WriteEnd> = HttpWriter<W>;

    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> Self::Source<R> {
        HttpReader::with_settings(end, limits, self.limits, self.path.clone())
    }

    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<Self::Sink<W>> {
        Ok(HttpWriter::response(end, limits))
    }

    fn end<R: ReadEnd>(source: &Self::Source<R>) -> &R {
        source.get_ref()
    }

    fn end_mut<R: ReadEnd>(source: &mut Self::Source<R>) -> &mut R {
        source.get_mut()
    }

    /// The head says: `Content-Length`, or the chunks up to the last one.
    fn message_len<P: Protocol>(&self, _: &P, bytes: &[u8], limits: &Limits) -> Result<MessageLen> {
        let rules = http::RequestRules {
            limits: self.limits,
            path: self.path.as_deref(),
            max_body: limits.max_frame_size,
        };
        http::request_len(bytes, &rules)
    }
}

/// The client side of Thrift over HTTP: each call is a `POST` to [`path`](Self::path)
/// (default `/`) on one kept-alive connection, its reply the body of the response.
///
/// The connection's read timeout bounds each call as on any client connection
/// ([`connect::with_stack`](crate::connect::with_stack)). A oneway call does not wait for a
/// response; one that comes anyway is skipped before the reply to the next call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpClient {
    host: Arc<str>,
    path: Arc<str>,
    headers: Arc<[(String, String)]>,
    limits: HeadLimits,
}

impl HttpClient {
    /// Posts to `/` on `host` (the `Host` header: a name or address, with `:port` unless it
    /// is 80).
    pub fn new(host: &str) -> Self {
        Self {
            host: host.into(),
            path: "/".into(),
            headers: Arc::new([]),
            limits: HeadLimits::default(),
        }
    }

    /// Posts to `path` (with a query string if wanted).
    #[must_use]
    pub fn path(mut self, path: &str) -> Self {
        self.path = path.into();
        self
    }

    /// Adds a header to every request. `User-Agent` replaces ours; `Host`,
    /// `Content-Type` and `Content-Length` are the transport's own and must not be given.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let mut headers = self.headers.to_vec();
        headers.push((name.to_owned(), value.to_owned()));
        self.headers = headers.into();
        self
    }

    /// Bounds a response head to `n` bytes (default 16 KiB).
    #[must_use]
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.limits.max_header_bytes = n;
        self
    }

    /// Bounds the number of headers of a response (default 64, at most
    /// [`MAX_HEADERS`](http::MAX_HEADERS)).
    #[must_use]
    pub fn max_headers(mut self, n: usize) -> Self {
        self.limits.max_headers = n.min(http::MAX_HEADERS);
        self
    }

    /// The fixed part of every request head, each part checked so that no setting can
    /// inject a header or a request.
    fn request_head(&self) -> io::Result<Vec<u8>> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
        let visible = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
        if !visible(&self.path) || !self.path.starts_with('/') {
            return Err(invalid(
                "an HTTP path starts with `/` and has no spaces or controls",
            ));
        }
        if !visible(&self.host) {
            return Err(invalid("an HTTP host has no spaces or controls"));
        }
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-thrift\r\n\
             Accept: application/x-thrift\r\n",
            self.path, self.host
        );
        let mut agent = false;
        for (name, value) in self.headers.iter() {
            let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if name.is_empty() || !name.bytes().all(token) {
                return Err(invalid("an HTTP header name is a token"));
            }
            if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                return Err(invalid(
                    "an HTTP header value has no line breaks or controls",
                ));
            }
            let own = [
                "host",
                "content-type",
                "content-length",
                "transfer-encoding",
            ];
            if own.iter().any(|o| name.eq_ignore_ascii_case(o)) {
                return Err(invalid("the HTTP transport sets this header itself"));
            }
            agent |= name.eq_ignore_ascii_case("user-agent");
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !agent {
            head.push_str(concat!(
                "User-Agent: thrift-rs/",
                env!("CARGO_PKG_VERSION"),
                "\r\n"
            ));
        }
        Ok(head.into_bytes())
    }
}

impl Transport for HttpClient {
    type Source<R: ReadEnd> = HttpReader<R, Response>;
    type Sink<W: WriteEnd> = HttpWriter<W>;

    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> Self::Source<R> {
        HttpReader::with_settings(end, limits, self.limits, None)
    }

    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for a path, host or header that cannot go into an
    /// HTTP head as it is.
    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<Self::Sink<W>> {
        Ok(HttpWriter::new(end, self.request_head()?, limits))
    }

    fn end<R: ReadEnd>(source: &Self::Source<R>) -> &R {
        source.get_ref()
    }

    fn end_mut<R: ReadEnd>(source: &mut Self::Source<R>) -> &mut R {
        source.get_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_cannot_inject_headers() {
        let bad = [
            HttpClient::new("h").path("/a b"),
            HttpClient::new("h").path("no-slash"),
            HttpClient::new("h\r\nX: 1"),
            HttpClient::new("h").header("X", "1\r\nY: 2"),
            HttpClient::new("h").header("X Y", "1"),
            HttpClient::new("h").header("Content-Length", "1"),
        ];
        for client in bad {
            assert!(client.request_head().is_err(), "{client:?}");
        }
        let head = HttpClient::new("h:1")
            .path("/s?q=1")
            .header("User-Agent", "me")
            .request_head()
            .unwrap();
        let head = String::from_utf8(head).unwrap();
        assert!(
            head.starts_with("POST /s?q=1 HTTP/1.1\r\nHost: h:1\r\n"),
            "{head}"
        );
        assert!(
            head.contains("User-Agent: me\r\n") && !head.contains("thrift-rs"),
            "{head}"
        );
    }
}
