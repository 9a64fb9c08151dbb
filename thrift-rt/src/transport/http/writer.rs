//! [`HttpWriter`]: holds a whole body and sends it with its head in one write.

use std::io::{self, Write};

use crate::error::{Result, TransportError, TransportErrorKind};
use crate::limits::Limits;
use crate::transport::{Sink, WriteEnd};

/// Room for `Content-Length: <up to 20 digits>\r\n\r\n`, the only part of a head that
/// changes from message to message.
const LENGTH_ROOM: usize = "Content-Length: ".len() + 20 + 4;

/// Capacity a body starts with, and keeps between messages.
const DEFAULT_CAPACITY: usize = 8 * 1024;

/// The head of a server's response; `Content-Length` follows.
pub(crate) const RESPONSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-thrift\r\n";

/// Writes HTTP messages (requests on a client, responses on a server) whose bodies are the
/// Thrift messages a protocol writer writes.
///
/// The body is held until the protocol writer flushes it at the message's end; then the
/// head is written into room kept in front of the body, and both go out with one write. A
/// message whose encoding failed half-way is dropped ([`Sink::discard`]) before any of it
/// is sent. On a server, a request the processor did not answer (a oneway call) gets an
/// empty `200` when the server says it was served ([`Sink::message_served`]).
#[derive(Debug)]
pub struct HttpWriter<W> {
    inner: W,
    /// The fixed part of every head: start line and headers, up to `Content-Length`.
    head: Box<[u8]>,
    /// `room()` bytes for the head, then the body.
    buf: Vec<u8>,
    max_body: usize,
    /// A message went out since the last [`Sink::message_served`].
    answered: bool,
}

impl<W: WriteEnd> HttpWriter<W> {
    /// Writes messages to `inner`, each starting with `head` (the start line and the fixed
    /// headers, each ending with CRLF; `Content-Length` and the empty line are added),
    /// bodies checked against `limits.max_frame_size`.
    pub fn new(inner: W, head: impl Into<Box<[u8]>>, limits: &Limits) -> Self {
        let head = head.into();
        let mut buf = Vec::with_capacity(DEFAULT_CAPACITY + head.len() + LENGTH_ROOM);
        buf.resize(head.len() + LENGTH_ROOM, 0);
        Self {
            inner,
            head,
            buf,
            max_body: limits.max_frame_size,
            answered: false,
        }
    }

    /// A server's writer: `200 OK` responses.
    pub fn response(inner: W, limits: &Limits) -> Self {
        Self::new(inner, RESPONSE_HEAD, limits)
    }

    accessors!("writer", inner: W);

    fn room(&self) -> usize {
        self.head.len() + LENGTH_ROOM
    }

    /// The body written so far.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.room()..]
    }

    /// Drops the body written so far.
    pub fn discard(&mut self) {
        let room = self.room();
        self.buf.truncate(room);
        if self.buf.capacity() > 64 * DEFAULT_CAPACITY {
            self.buf = Vec::with_capacity(DEFAULT_CAPACITY + room);
            self.buf.resize(room, 0);
        }
    }

    /// Sends the head and the body written so far (possibly empty) with one write.
    fn send(&mut self) -> io::Result<()> {
        let room = self.room();
        let len = self.buf.len() - room;
        if len > self.max_body {
            self.discard();
            return Err(io::Error::other(TransportError::new(
                TransportErrorKind::FrameTooLarge,
                format!("HTTP body of {len} bytes exceeds {}", self.max_body),
            )));
        }
        let mut length = [0u8; LENGTH_ROOM];
        let mut cursor = &mut length[..];
        write!(cursor, "Content-Length: {len}\r\n\r\n")?;
        let length_len = LENGTH_ROOM - cursor.len();
        let start = room - self.head.len() - length_len;
        self.buf[start..start + self.head.len()].copy_from_slice(&self.head);
        self.buf[room - length_len..room].copy_from_slice(&length[..length_len]);
        let sent = self.inner.write_all(&self.buf[start..]);
        self.discard();
        self.answered = true;
        sent?;
        self.inner.flush()
    }
}

impl<W: WriteEnd> Write for HttpWriter<W> {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Sends the message written since the last flush, if any.
    fn flush(&mut self) -> io::Result<()> {
        if self.buf.len() == self.room() {
            return self.inner.flush();
        }
        self.send()
    }
}

impl<W: WriteEnd> Sink for HttpWriter<W> {
    fn discard(&mut self) {
        HttpWriter::discard(self);
    }

    fn release_idle_buffer(&mut self) {
        if self.buf.len() == self.room() {
            self.buf = vec![0; self.room()];
        }
    }

    /// A request the server could not read gets `400 Bad Request`, or `413 Content Too
    /// Large` for a body beyond the limit, with `Connection: close` (best effort: the
    /// connection closes next anyway). Nothing is sent when the request was answered already
    /// (a `PROTOCOL_ERROR` exception for an undecodable call) or the failure was not the
    /// request's (the stream ended, timed out or broke).
    fn refuse_message(&mut self, error: &crate::Error) {
        let status = match error.transport_kind() {
            Some(TransportErrorKind::Http) => "400 Bad Request",
            Some(TransportErrorKind::FrameTooLarge) => "413 Content Too Large",
            _ => return,
        };
        if self.answered {
            return;
        }
        self.discard();
        let response =
            format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let _ = self.inner.write_all(response.as_bytes());
        let _ = self.inner.flush();
        self.answered = true;
    }

    /// Answers a request that got no reply (a oneway call) with an empty `200`: every HTTP
    /// request needs its response.
    fn message_served(&mut self) -> Result<()> {
        if !std::mem::replace(&mut self.answered, false) {
            self.discard();
            self.send()?;
            self.answered = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_and_body_in_one_write() {
        let mut w = HttpWriter::response(Vec::new(), &Limits::default());
        w.write_all(b"abc").unwrap();
        w.flush().unwrap();
        w.message_served().unwrap();
        w.flush().unwrap();
        assert_eq!(
            w.get_ref().as_slice(),
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-thrift\r\nContent-Length: 3\r\n\r\nabc"
        );
    }

    #[test]
    fn an_unanswered_request_gets_an_empty_response() {
        let mut w = HttpWriter::response(Vec::new(), &Limits::default());
        w.message_served().unwrap();
        assert!(w.get_ref().ends_with(b"Content-Length: 0\r\n\r\n"));
    }

    #[test]
    fn bodies_beyond_the_limit_are_refused() {
        let mut w = HttpWriter::response(Vec::new(), &Limits::default().max_frame_size(2));
        w.write_all(b"abc").unwrap();
        assert!(w.flush().is_err());
        assert!(w.get_ref().is_empty());
        w.write_all(b"ab").unwrap();
        w.flush().unwrap();
        assert!(w.get_ref().ends_with(b"\r\n\r\nab"));
    }

    #[test]
    fn a_bad_request_gets_a_4xx_unless_answered() {
        let bad = crate::transport::http::http_err("no");
        let mut w = HttpWriter::response(Vec::new(), &Limits::default());
        w.refuse_message(&bad);
        assert!(w.get_ref().starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
        let mut w = HttpWriter::response(Vec::new(), &Limits::default());
        let big = TransportError::from_kind(TransportErrorKind::FrameTooLarge).into();
        w.refuse_message(&big);
        assert!(w.get_ref().starts_with(b"HTTP/1.1 413 "));
        let mut w = HttpWriter::response(Vec::new(), &Limits::default());
        w.refuse_message(&crate::error::eof());
        assert!(
            w.get_ref().is_empty(),
            "the end of the stream is nobody's fault"
        );
        w.write_all(b"exception").unwrap();
        w.flush().unwrap();
        let answered = w.get_ref().len();
        w.refuse_message(&bad);
        assert_eq!(w.get_ref().len(), answered, "answered already");
    }
}
