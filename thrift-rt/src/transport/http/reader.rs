//! [`HttpReader`]: reads HTTP messages (requests on a server, responses on a client) and
//! hands out one body at a time as a [`Source`].

use std::io::{self, Read};
use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;

use super::chunked::Chunks;
use super::head::{self, BodyLen, Head, RequestRules};
use super::{HeadLimits, http_err};
use crate::error::{Result, TransportError, TransportErrorKind, eof};
use crate::limits::Limits;
use crate::transport::framed::reclaim;
use crate::transport::{ReadEnd, Source};

/// Bytes read from below at a time while a head or a chunked body arrives.
const CHUNK: usize = 8 * 1024;

/// Which messages an [`HttpReader`] reads: [`Request`]s (a server) or [`Response`]s (a
/// client).
pub trait Mode: Send + Sync + 'static + sealed::Sealed {}

/// Requests: what a server reads.
#[derive(Clone, Copy, Debug)]
pub enum Request {}

/// Responses: what a client reads.
#[derive(Clone, Copy, Debug)]
pub enum Response {}

impl Mode for Request {}
impl Mode for Response {}

mod sealed {
    pub trait Sealed {
        /// Servers read requests.
        const SERVER: bool;
    }
    impl Sealed for super::Request {
        const SERVER: bool = true;
    }
    impl Sealed for super::Response {
        const SERVER: bool = false;
    }
}

/// Reads HTTP messages from `R` and serves their bodies, one at a time, as a [`Source`]:
/// a request's body on a server ([`Request`]), a response's on a client ([`Response`]).
///
/// Bodies are held whole as [`Bytes`], as a framed reader holds frames, so values are
/// borrowed or shared from them. A client skips empty responses (answers to earlier oneway
/// calls, see the [module documentation](super)); a server refuses an empty request, and
/// after a request that asked to close the connection reports the end of the stream.
#[derive(Debug)]
pub struct HttpReader<R, M> {
    inner: R,
    /// Bytes read from below and not used yet: `input[start..]` (a head arriving, a chunked
    /// body, a request pipelined behind the current one).
    input: Vec<u8>,
    start: usize,
    frame: Bytes,
    pos: usize,
    limits: HeadLimits,
    path: Option<Arc<str>>,
    max_body: usize,
    /// The peer asked to close the connection after the last message.
    closing: bool,
    /// No message is being read (none yet, or the last one ended): the next body may be
    /// read.
    between_messages: bool,
    mode: PhantomData<fn() -> M>,
}

impl<R: Read, M: Mode> HttpReader<R, M> {
    pub(crate) fn with_settings(
        inner: R,
        limits: &Limits,
        head_limits: HeadLimits,
        path: Option<Arc<str>>,
    ) -> Self {
        Self {
            inner,
            input: Vec::new(),
            start: 0,
            frame: Bytes::new(),
            pos: 0,
            limits: head_limits,
            path,
            max_body: limits.max_frame_size,
            closing: false,
            between_messages: true,
            mode: PhantomData,
        }
    }

    /// Reads with the default head limits and `limits.max_frame_size` as the body limit.
    pub fn new(inner: R, limits: &Limits) -> Self {
        Self::with_settings(inner, limits, HeadLimits::default(), None)
    }

    accessors!("reader", inner: R);

    /// The unread part of the current body.
    pub fn body(&self) -> &[u8] {
        &self.frame[self.pos..]
    }

    /// Reads the next message and makes its body current, discarding what is left of the
    /// current one. `Ok(false)`: the stream ended cleanly between messages (or, on a
    /// server, the last request asked to close the connection).
    ///
    /// # Errors
    ///
    /// A head or body that breaks HTTP's rules or a limit
    /// ([`Http`](TransportErrorKind::Http), [`FrameTooLarge`](TransportErrorKind::FrameTooLarge)),
    /// a response other than 2xx, the stream ending inside a message, I/O errors.
    pub fn next_frame(&mut self) -> Result<bool> {
        let mut body = reclaim(std::mem::take(&mut self.frame));
        self.pos = 0;
        loop {
            if M::SERVER && self.closing {
                return Ok(false);
            }
            let head = match self.read_head() {
                Ok(Some(head)) => head,
                Ok(None) if !M::SERVER && self.closing => return Err(closed_by_server()),
                Ok(None) => return Ok(false),
                Err(e) if !M::SERVER && self.closing && e.transport_kind().is_some() => {
                    return Err(closed_by_server());
                }
                Err(e) => return Err(e),
            };
            self.start += head.len;
            match head.body {
                BodyLen::Length(n) => self.read_length(n, &mut body)?,
                BodyLen::Chunked => self.read_chunked(&mut body)?,
                BodyLen::UntilClose => self.read_to_close(&mut body)?,
            }
            self.closing |= head.close;
            if !body.is_empty() {
                self.frame = Bytes::from(body);
                return Ok(true);
            }
            if M::SERVER {
                return Err(http_err("empty request body (no Thrift message)"));
            }
            // An informational response, or the answer to an earlier oneway call.
        }
    }

    fn parse(&self) -> Result<Option<Head>> {
        let buf = &self.input[self.start..];
        if M::SERVER {
            let rules = RequestRules {
                limits: self.limits,
                path: self.path.as_deref(),
                max_body: self.max_body,
            };
            head::parse_request(buf, &rules)
        } else {
            head::parse_response(buf, self.limits, self.max_body)
        }
    }

    /// The next head; `None` at a clean end of the stream before it.
    fn read_head(&mut self) -> Result<Option<Head>> {
        loop {
            if self.start < self.input.len() {
                if let Some(head) = self.parse()? {
                    return Ok(Some(head));
                }
            }
            if !self.fill_input()? {
                return if self.start == self.input.len() {
                    Ok(None)
                } else {
                    Err(eof())
                };
            }
        }
    }

    /// One read from below into `input`; `false` at the end of the stream.
    fn fill_input(&mut self) -> Result<bool> {
        if self.start > 0 {
            self.input.drain(..self.start);
            self.start = 0;
        }
        let have = self.input.len();
        self.input.resize(have + CHUNK, 0);
        let n = loop {
            match self.inner.read(&mut self.input[have..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        self.input.truncate(have + *n.as_ref().unwrap_or(&0));
        Ok(n? > 0)
    }

    /// A body of `n` bytes (checked against the limit with the head): what is buffered,
    /// then the rest read straight into the body.
    fn read_length(&mut self, n: usize, body: &mut Vec<u8>) -> Result<()> {
        let buffered = (self.input.len() - self.start).min(n);
        body.extend_from_slice(&self.input[self.start..self.start + buffered]);
        self.start += buffered;
        let rest = n - buffered;
        if rest > 0 {
            // `take` + `read_to_end` grows the body with the bytes that really arrive.
            body.reserve(rest.min(64 * 1024));
            let got = (&mut self.inner).take(rest as u64).read_to_end(body)?;
            if got < rest {
                return Err(eof());
            }
        }
        Ok(())
    }

    fn read_chunked(&mut self, body: &mut Vec<u8>) -> Result<()> {
        let mut chunks = Chunks::default();
        loop {
            let buf = &self.input[self.start..];
            let max_trailer = self.limits.max_header_bytes;
            if let Some(n) = chunks.scan(buf, self.max_body, max_trailer, Some(body))? {
                self.start += n;
                return Ok(());
            }
            if !self.fill_input()? {
                return Err(eof());
            }
        }
    }

    /// A response body delimited by the end of the connection, up to the limit.
    fn read_to_close(&mut self, body: &mut Vec<u8>) -> Result<()> {
        body.extend_from_slice(&self.input[self.start..]);
        self.start = self.input.len();
        let room = (self.max_body + 1).saturating_sub(body.len());
        (&mut self.inner).take(room as u64).read_to_end(body)?;
        if body.len() > self.max_body {
            return Err(TransportError::new(
                TransportErrorKind::FrameTooLarge,
                format!("HTTP body exceeds {} bytes", self.max_body),
            )
            .into());
        }
        Ok(())
    }
}

/// As a framed reader's, except at the end of a body: a message never runs from one body
/// into the next (each body is a whole message), so inside a message the end of its body
/// is the end of the input, and the next body is read only between messages.
/// A client reading past the response after which the server said it would close (HTTP/1.0
/// without keep-alive, `Connection: close`): Apache's stock Python `THttpServer` does so
/// after every call.
#[cold]
fn closed_by_server() -> crate::Error {
    http_err(
        "the server closed the connection after its last response (it spoke HTTP/1.0 or said \
         `Connection: close`); the next call needs a new connection",
    )
}

impl<R: ReadEnd, M: Mode> Source for HttpReader<R, M> {
    frame_cursor_methods!();

    fn fill_buf(&mut self) -> Result<bool> {
        if self.pos < self.frame.len() {
            return Ok(true);
        }
        if !self.between_messages {
            return Ok(false);
        }
        if !self.next_frame()? {
            return Ok(false);
        }
        self.between_messages = false;
        Ok(true)
    }

    fn read_slice<'s>(&'s mut self, n: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
        if self.remaining() >= n {
            let start = self.pos;
            self.pos += n;
            return Ok(&self.frame[start..start + n]);
        }
        let _ = scratch;
        Err(eof())
    }

    /// Shares the body: no copy.
    fn read_bytes(&mut self, n: usize) -> Result<Bytes> {
        if self.remaining() < n {
            return Err(eof());
        }
        let bytes = self.frame.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(bytes)
    }

    fn end_message(&mut self) -> Result<()> {
        self.between_messages = true;
        Ok(())
    }

    fn take_frame(&mut self) -> Result<Option<Bytes>> {
        if !self.next_frame()? {
            return Ok(None);
        }
        self.pos = 0;
        self.between_messages = true;
        Ok(Some(std::mem::take(&mut self.frame)))
    }

    fn holds_bytes(&self) -> bool {
        self.pos < self.frame.len() || self.start < self.input.len() || self.inner.holds_bytes()
    }

    fn release_idle_buffer(&mut self) {
        if self.pos >= self.frame.len() {
            self.frame = Bytes::new();
            self.pos = 0;
        }
        if self.start == self.input.len() {
            self.input = Vec::new();
            self.start = 0;
        }
        self.inner.release_idle_buffer();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(bytes: &[u8]) -> HttpReader<&[u8], Request> {
        HttpReader::new(bytes, &Limits::default().max_frame_size(64))
    }

    #[test]
    fn bodies_one_after_another() {
        let input = b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc\
                      POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n";
        let mut r = server(input);
        assert!(r.next_frame().unwrap());
        assert_eq!(r.body(), b"abc");
        assert!(r.next_frame().unwrap());
        assert_eq!(r.body(), b"def");
        assert!(!r.next_frame().unwrap());
    }

    #[test]
    fn a_server_stops_after_connection_close() {
        let input = b"POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx\
                      POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\ny";
        let mut r = server(input);
        assert!(r.next_frame().unwrap());
        assert!(!r.next_frame().unwrap());
    }

    #[test]
    fn a_server_refuses_empty_and_cut_requests() {
        let mut r = server(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(
            r.next_frame().unwrap_err().transport_kind(),
            Some(TransportErrorKind::Http)
        );
        let mut r = server(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab");
        assert_eq!(
            r.next_frame().unwrap_err().transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
        let mut r = server(b"POST / HTTP/1.1\r\nContent-Len");
        assert_eq!(
            r.next_frame().unwrap_err().transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
        let mut r = server(b"POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n");
        assert_eq!(
            r.next_frame().unwrap_err().transport_kind(),
            Some(TransportErrorKind::FrameTooLarge)
        );
    }

    #[test]
    fn a_client_skips_empty_responses() {
        let input = b"HTTP/1.1 100 Continue\r\n\r\n\
                      HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\
                      HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\
                      HTTP/1.0 200 OK\r\n\r\nto the end";
        let mut r: HttpReader<&[u8], Response> = HttpReader::new(input, &Limits::default());
        assert!(r.next_frame().unwrap());
        assert_eq!(r.body(), b"ok");
        assert!(r.next_frame().unwrap());
        assert_eq!(r.body(), b"to the end");
        // That response ended the connection: past it, a clear error.
        let e = r.next_frame().unwrap_err();
        assert!(e.to_string().contains("needs a new connection"), "{e}");
    }

    #[test]
    fn a_message_never_runs_into_the_next_body() {
        let input = b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab\
                      POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\ncd";
        let mut r = server(input);
        let mut scratch = Vec::new();
        assert!(r.fill_buf().unwrap());
        assert_eq!(r.read_slice(2, &mut scratch).unwrap(), b"ab");
        // Inside the message: its body has ended, so has the input.
        assert!(!r.fill_buf().unwrap());
        let e = r.read_slice(1, &mut scratch).unwrap_err();
        assert_eq!(e.transport_kind(), Some(TransportErrorKind::UnexpectedEof));
        // Between messages: the next body.
        r.end_message().unwrap();
        assert!(r.fill_buf().unwrap());
        assert_eq!(r.buffered(), b"cd");
    }
}
