//! [`HeaderWriter`]: the THeader transport's [`Sink`].

use std::io::{self, Write};
use std::sync::Arc;

use super::frame::{self, FIXED, HARD_MAX};
use super::{ClientType, Config, PayloadProtocol, Shared, zlib};
use crate::error::{TransportError, TransportErrorKind};
use crate::header::{self, InfoHeaders};
use crate::limits::Limits;
use crate::transport::{Sink, WriteEnd};
use crate::ttype::MessageType;

/// Room kept in front of each payload: an outer length, the length, the fixed fields and a
/// header of up to 110 bytes, written in place so that a message without a transform is
/// sent from one buffer with one write.
const ROOM: usize = 128;
/// Capacity the buffer starts with and keeps between messages.
const CAPACITY: usize = 8 * 1024;

/// Writes each message as a THeader frame (calls), or the way the call it answers came
/// (replies); see the [module documentation](super). Holds the whole message and sends it
/// with one write on flush.
///
/// Per-connection settings: [`headers_mut`](Self::headers_mut) (key-value headers sent with
/// every message) and [`set_zlib`](Self::set_zlib) (compress calls); per call,
/// [`header::with_call_headers`](crate::header::with_call_headers).
#[derive(Debug)]
pub struct HeaderWriter<W> {
    inner: W,
    /// `ROOM` bytes, then the payload.
    buf: Vec<u8>,
    /// The header being built, or a whole frame when it cannot be built in place.
    scratch: Vec<u8>,
    /// The compressed payload.
    compressed: Vec<u8>,
    headers: InfoHeaders,
    zlib: bool,
    outer_frames: bool,
    default_protocol: PayloadProtocol,
    next: Option<(Option<PayloadProtocol>, MessageType, i32)>,
    /// Sent with each call as [`header::DEADLINE_KEY`]: how long the caller waits.
    call_timeout: Option<std::time::Duration>,
    max_frame_size: usize,
    shared: Arc<Shared>,
}

use std::time::Instant;

impl<W: WriteEnd> HeaderWriter<W> {
    pub(crate) fn new(inner: W, limits: &Limits, config: &Config, shared: Arc<Shared>) -> Self {
        let mut buf = Vec::with_capacity(CAPACITY);
        buf.resize(ROOM, 0);
        Self {
            inner,
            buf,
            scratch: Vec::new(),
            compressed: Vec::new(),
            headers: config.headers.clone(),
            zlib: config.zlib,
            outer_frames: config.outer_frames,
            default_protocol: PayloadProtocol::Binary,
            next: None,
            call_timeout: None,
            max_frame_size: limits.max_frame_size.min(HARD_MAX),
            shared,
        }
    }

    accessors!("writer", inner: W);

    /// The key-value headers sent with every message of this connection (calls and
    /// replies); a call header of the same key ([`header::with_call_headers`]) replaces one
    /// for that call.
    pub fn headers_mut(&mut self) -> &mut InfoHeaders {
        &mut self.headers
    }

    /// Compresses calls with the zlib transform (replies follow their call).
    pub fn set_zlib(&mut self, zlib: bool) {
        self.zlib = zlib;
    }

    fn reset(&mut self) {
        self.buf.truncate(ROOM);
        self.next = None;
        if self.buf.capacity() > 64 * CAPACITY {
            self.buf = Vec::with_capacity(CAPACITY);
            self.buf.resize(ROOM, 0);
        }
    }

    /// Frames the message in `buf` and writes it.
    fn send(&mut self) -> io::Result<()> {
        let (announced, kind, seqid) = self.next.take().unwrap_or((None, MessageType::Call, 0));
        let reply = matches!(kind, MessageType::Reply | MessageType::Exception);
        let dialect = if reply { self.shared.get() } else { None };
        let (client, zlib) =
            dialect.map_or((ClientType::Header, self.zlib), |d| (d.client, d.zlib));
        let protocol = announced
            .or(dialect.map(|d| d.protocol))
            .unwrap_or(self.default_protocol);
        let payload = self.buf.len() - ROOM;
        match client {
            ClientType::Unframed(_) => self.inner.write_all(&self.buf[ROOM..]),
            ClientType::Framed(_) => {
                check(payload, self.max_frame_size)?;
                self.buf[ROOM - 4..ROOM].copy_from_slice(&(payload as u32).to_be_bytes());
                self.inner.write_all(&self.buf[ROOM - 4..])
            }
            ClientType::Header => {
                let deadline = if reply { None } else { self.deadline_ms() };
                self.send_header(protocol, zlib, seqid, deadline.as_deref())
            }
        }
    }

    /// The deadline a call carries, in milliseconds: the connection's call timeout, or what
    /// is left of the deadline of the call this thread is handling when that is sooner (so a
    /// deadline travels on through the services a handler calls).
    fn deadline_ms(&self) -> Option<String> {
        let inherited = header::deadline().map(|d| d.saturating_duration_since(Instant::now()));
        let timeout = match (self.call_timeout, inherited) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }?;
        Some(timeout.as_millis().max(1).to_string())
    }

    fn send_header(
        &mut self,
        protocol: PayloadProtocol,
        zlib: bool,
        seqid: i32,
        deadline: Option<&str>,
    ) -> io::Result<()> {
        self.scratch.clear();
        let own = &self.headers;
        header::with_call(|call| {
            let replaced = |k: &str| call.is_some_and(|c| c.get(k).is_some());
            // Connection headers a call header does not replace, then the call's, then the
            // deadline unless one of those gives it.
            let given = own.get(header::DEADLINE_KEY).is_some() || replaced(header::DEADLINE_KEY);
            let kept = own.iter().filter(move |(k, _)| !replaced(k));
            let added = call.into_iter().flat_map(InfoHeaders::iter);
            let deadline = deadline
                .filter(|_| !given)
                .map(|ms| (header::DEADLINE_KEY, ms));
            frame::write_header(
                &mut self.scratch,
                protocol,
                zlib,
                kept.chain(added).chain(deadline),
            );
        });
        let header = self.scratch.len();
        if header / 4 > usize::from(u16::MAX) {
            return Err(io::Error::other(TransportError::new(
                TransportErrorKind::HeaderLimit,
                format!("info headers of {header} bytes do not fit a THeader header"),
            )));
        }
        let outer = if self.outer_frames { 4 } else { 0 };
        let fixed = frame::fixed_fields(seqid, header);
        if !zlib && outer + 4 + FIXED + header <= ROOM {
            // In place, in front of the payload: one buffer, one write.
            let len = FIXED + header + (self.buf.len() - ROOM);
            check(len, self.max_frame_size)?;
            let start = ROOM - header - FIXED - 4 - outer;
            let mut at = start;
            if outer > 0 {
                self.buf[at..at + 4].copy_from_slice(&(len as u32 + 4).to_be_bytes());
                at += 4;
            }
            self.buf[at..at + 4].copy_from_slice(&(len as u32).to_be_bytes());
            self.buf[at + 4..at + 4 + FIXED].copy_from_slice(&fixed);
            self.buf[at + 4 + FIXED..ROOM].copy_from_slice(&self.scratch);
            return self.inner.write_all(&self.buf[start..]);
        }
        let body: &[u8] = if zlib {
            self.compressed.clear();
            zlib::deflate(&self.buf[ROOM..], &mut self.compressed);
            &self.compressed
        } else {
            &self.buf[ROOM..]
        };
        let len = FIXED + header + body.len();
        check(len, self.max_frame_size)?;
        let mut out = Vec::with_capacity(outer + 4 + len);
        if outer > 0 {
            out.extend_from_slice(&(len as u32 + 4).to_be_bytes());
        }
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&fixed);
        out.extend_from_slice(&self.scratch);
        out.extend_from_slice(body);
        self.inner.write_all(&out)
    }
}

/// Refuses a frame over the limit.
fn check(len: usize, max: usize) -> io::Result<()> {
    if len > max {
        return Err(io::Error::other(TransportError::new(
            TransportErrorKind::FrameTooLarge,
            format!("frame of {len} bytes exceeds {max}"),
        )));
    }
    Ok(())
}

impl<W: WriteEnd> Write for HeaderWriter<W> {
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

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.len() == ROOM && self.next.is_none() {
            return self.inner.flush();
        }
        let sent = self.send();
        self.reset();
        sent?;
        self.inner.flush()
    }
}

impl<W: WriteEnd> Sink for HeaderWriter<W> {
    fn discard(&mut self) {
        self.reset();
    }

    fn release_idle_buffer(&mut self) {
        if self.buf.len() == ROOM {
            self.buf = vec![0; ROOM];
            self.scratch = Vec::new();
            self.compressed = Vec::new();
        }
    }

    fn begin_message(&mut self, protocol: Option<PayloadProtocol>, kind: MessageType, seqid: i32) {
        self.next = Some((protocol, kind, seqid));
    }

    fn set_call_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.call_timeout = timeout;
    }

    fn message_protocol(&self, kind: MessageType) -> Option<PayloadProtocol> {
        match kind {
            MessageType::Reply | MessageType::Exception => self.shared.get().map(|d| d.protocol),
            MessageType::Call | MessageType::Oneway => None,
        }
    }
}
