//! [`HeaderReader`]: the THeader transport's [`Source`], with client type detection.

use std::io::Read as _;
use std::sync::Arc;

use bytes::Bytes;

use super::frame::{self, bad, legacy};
use super::{ClientType, Config, Dialect, MAGIC, PayloadProtocol, Shared, zlib};
use crate::error::{Error, Result, TransportError, TransportErrorKind, eof};
use crate::header::InfoHeaders;
use crate::limits::Limits;
use crate::transport::end::read_retrying;
use crate::transport::framed::reclaim;
use crate::transport::{ReadEnd, Source, read_into_scratch};

/// Bytes read from below at a time.
const RAW: usize = 8 * 1024;

/// Reads THeader frames (and, on a server, legacy clients' messages) from a stream; a
/// [`Source`] over the current message's payload. See the [module documentation](super).
///
/// A frame is read whole (its buffer grows only as its bytes arrive, after its length was
/// checked against [`Limits::max_frame_size`]), its header parsed against the header
/// limits, and a zlib payload inflated into a buffer capped at
/// [`Limits::max_inflated_size`]. An unframed client's bytes are handed out as they come,
/// with a per-message budget of [`Limits::max_message_size`], as the buffered transport does.
#[derive(Debug)]
pub struct HeaderReader<R> {
    inner: R,
    /// Bytes read from below and not consumed: `raw[rpos..rlen]`. Empty while released.
    raw: Box<[u8]>,
    rpos: usize,
    rlen: usize,
    /// The current message's payload (framed and THeader clients): `frame[fpos..]`.
    frame: Bytes,
    fpos: usize,
    /// Where inflated payloads go, kept from frame to frame.
    inflated: Vec<u8>,
    /// Set for good once an unframed client is detected: its bytes are then streamed.
    unframed: Option<PayloadProtocol>,
    budget: usize,
    protocol: Option<PayloadProtocol>,
    headers: Option<Arc<InfoHeaders>>,
    limits: Limits,
    outer_frames: bool,
    shared: Arc<Shared>,
}

impl<R: ReadEnd> HeaderReader<R> {
    pub(crate) fn new(inner: R, limits: &Limits, config: &Config, shared: Arc<Shared>) -> Self {
        Self {
            inner,
            raw: Box::default(),
            rpos: 0,
            rlen: 0,
            frame: Bytes::new(),
            fpos: 0,
            inflated: Vec::new(),
            unframed: None,
            budget: limits.max_message_size,
            protocol: None,
            headers: None,
            limits: *limits,
            outer_frames: config.outer_frames,
            shared,
        }
    }

    accessors!("reader", inner: R);

    /// How the peer frames its messages, as detected from the last message read.
    pub fn client_type(&self) -> Option<ClientType> {
        self.shared.get().map(|d| d.client)
    }

    fn avail(&self) -> usize {
        self.rlen - self.rpos
    }

    /// One read from below into the free end of `raw` (moving unread bytes to its front
    /// first); `Ok(0)` at the end of the stream.
    fn fill_raw(&mut self) -> Result<usize> {
        if self.raw.is_empty() {
            self.raw = vec![0; RAW].into_boxed_slice();
        }
        if self.rpos == self.rlen {
            // Empty: start over, unless `aim` just placed the next read (within 64 bytes).
            if self.rlen >= 64 {
                self.rpos = 0;
                self.rlen = 0;
            }
        } else if self.rpos > 0 {
            self.raw.copy_within(self.rpos..self.rlen, 0);
            self.rlen -= self.rpos;
            self.rpos = 0;
        }
        let n = read_retrying(&mut self.inner, &mut self.raw[self.rlen..])?;
        self.rlen += n;
        Ok(n)
    }

    /// With nothing buffered: places the next read so that the frame after its 4-byte
    /// length lies at the same offset within a 64-byte line as `dst`, where `read_frame`
    /// copies it (the storage of the last frame, reused). On this AMD machine a 4 KiB copy
    /// between buffers of different alignment took several times as long (`rep movsb`); the
    /// alignment cut THeader's user time per 4 KiB echo by about a third (`perf stat`).
    fn aim(&mut self, dst: *const u8) {
        if self.raw.is_empty() {
            self.raw = vec![0; RAW].into_boxed_slice();
        }
        let src = self.raw.as_ptr() as usize + 4;
        let at = (dst as usize).wrapping_sub(src) % 64;
        self.rpos = at;
        self.rlen = at;
    }

    /// Reads the next message: detects the client type from its first word and reads a
    /// frame whole; an unframed client's bytes stay where they are, to be streamed.
    /// `Ok(false)`: the stream ended cleanly between messages.
    fn next_message(&mut self) -> Result<bool> {
        let storage = reclaim(std::mem::take(&mut self.frame));
        self.fpos = 0;
        self.headers = None;
        if self.rpos == self.rlen {
            self.aim(storage.as_ptr());
        }
        while self.avail() < 4 {
            if self.fill_raw()? == 0 {
                return if self.avail() == 0 {
                    Ok(false)
                } else {
                    Err(eof())
                };
            }
        }
        let w: [u8; 4] = self.raw[self.rpos..self.rpos + 4]
            .try_into()
            .unwrap_or_default();
        if !self.outer_frames {
            if let Some(p) = legacy(w) {
                self.unframed = Some(p);
                self.protocol = Some(p);
                self.shared.set(Dialect {
                    client: ClientType::Unframed(p),
                    protocol: p,
                    zlib: false,
                });
                return Ok(true);
            }
        }
        let len = frame::frame_length(w, &self.limits)?;
        self.rpos += 4;
        let buf = self.read_frame(len, storage)?;
        self.take_frame_content(buf)?;
        Ok(true)
    }

    /// Reads `len` bytes: those buffered, then the rest straight from below (growing as they
    /// arrive, so a lying length costs nothing).
    fn read_frame(&mut self, len: usize, mut buf: Vec<u8>) -> Result<Vec<u8>> {
        let here = self.avail().min(len);
        buf.extend_from_slice(&self.raw[self.rpos..self.rpos + here]);
        self.rpos += here;
        if here < len {
            let rest = (len - here) as u64;
            buf.reserve((len - here).min(64 * 1024));
            let n = (&mut self.inner).take(rest).read_to_end(&mut buf)?;
            if (n as u64) < rest {
                return Err(eof());
            }
        }
        Ok(buf)
    }

    /// Makes a frame's content the current message: a legacy framed message as it is, a
    /// THeader frame parsed and its payload inflated.
    fn take_frame_content(&mut self, buf: Vec<u8>) -> Result<()> {
        let first = buf.first_chunk::<4>().copied();
        if let Some(p) = first.and_then(legacy) {
            self.protocol = Some(p);
            self.shared.set(Dialect {
                client: ClientType::Framed(p),
                protocol: p,
                zlib: false,
            });
            self.frame = Bytes::from(buf);
            return Ok(());
        }
        // With outer frames, the THeader frame inside keeps its own length, which must say
        // the same.
        let start = if self.outer_frames {
            let inner = first.map(u32::from_be_bytes);
            if inner.map(|n| n as usize) != Some(buf.len().saturating_sub(4)) {
                return Err(bad("inner THeader length disagrees with its frame"));
            }
            4
        } else {
            0
        };
        let content = &buf[start..];
        if content.len() < 2 || u16::from_be_bytes([content[0], content[1]]) != MAGIC {
            return Err(bad("bytes that are no THeader, framed or unframed client"));
        }
        let parsed = match frame::parse_frame(content, &self.limits) {
            Ok(parsed) => parsed,
            Err(e) => {
                if let Error::Application(_) = e {
                    // Answered by the server in the frame's protocol; the frame is skipped.
                    self.protocol = Some(frame::protocol_of(content));
                    self.shared.set(Dialect {
                        client: ClientType::Header,
                        protocol: frame::protocol_of(content),
                        zlib: false,
                    });
                }
                return Err(e);
            }
        };
        let (protocol, zlib) = (parsed.protocol, parsed.zlib);
        let headers = parsed.headers.map(Arc::new);
        let payload_at = buf.len() - parsed.payload.len();
        self.shared.set(Dialect {
            client: ClientType::Header,
            protocol,
            zlib,
        });
        self.protocol = Some(protocol);
        self.headers = headers;
        if zlib {
            let mut out = std::mem::take(&mut self.inflated);
            zlib::inflate(&buf[payload_at..], &mut out, self.limits.max_inflated_size)?;
            self.frame = Bytes::from(out);
            // The compressed frame's storage inflates the next one.
            self.inflated = buf;
        } else {
            // The whole frame, read from the payload on: no slice (which would make the
            // buffer shared and cost an allocation per frame), so its storage is reused.
            self.frame = Bytes::from(buf);
            self.fpos = payload_at;
        }
        Ok(())
    }
}

impl<R: ReadEnd> Source for HeaderReader<R> {
    #[inline]
    fn buffered(&self) -> &[u8] {
        if self.unframed.is_some() {
            let n = self.avail().min(self.budget);
            &self.raw[self.rpos..self.rpos + n]
        } else {
            &self.frame[self.fpos..]
        }
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        if self.unframed.is_some() {
            debug_assert!(n <= self.avail() && n <= self.budget);
            self.rpos += n;
            self.budget -= n;
        } else {
            debug_assert!(self.fpos + n <= self.frame.len());
            self.fpos += n;
        }
    }

    fn fill_buf(&mut self) -> Result<bool> {
        if self.unframed.is_none() {
            while self.fpos >= self.frame.len() {
                if !self.next_message()? {
                    return Ok(false);
                }
                if self.unframed.is_some() {
                    break;
                }
            }
            if self.unframed.is_none() {
                return Ok(true);
            }
        }
        if !self.buffered().is_empty() {
            return Ok(true);
        }
        if self.budget == 0 {
            return Err(TransportError::new(
                TransportErrorKind::MessageTooLarge,
                format!("message exceeds {} bytes", self.limits.max_message_size),
            )
            .into());
        }
        Ok(self.fill_raw()? > 0)
    }

    #[inline]
    fn remaining(&self) -> usize {
        if self.unframed.is_some() {
            self.budget
        } else {
            self.frame.len() - self.fpos
        }
    }

    fn read_slice<'s>(&'s mut self, n: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
        if self.buffered().len() >= n {
            let start = if self.unframed.is_some() {
                self.rpos
            } else {
                self.fpos
            };
            self.consume(n);
            return Ok(if self.unframed.is_some() {
                &self.raw[start..start + n]
            } else {
                &self.frame[start..start + n]
            });
        }
        read_into_scratch(self, n, scratch)
    }

    fn read_bytes(&mut self, n: usize) -> Result<Bytes> {
        if self.unframed.is_none() && self.remaining() >= n {
            let bytes = self.frame.slice(self.fpos..self.fpos + n);
            self.fpos += n;
            return Ok(bytes);
        }
        let mut scratch = Vec::new();
        let s = self.read_slice(n, &mut scratch)?;
        Ok(Bytes::copy_from_slice(s))
    }

    fn shortfall(&self) -> TransportErrorKind {
        if self.unframed.is_some() {
            TransportErrorKind::MessageTooLarge
        } else {
            TransportErrorKind::UnexpectedEof
        }
    }

    fn begin_message(&mut self) {
        self.budget = self.limits.max_message_size;
    }

    fn holds_bytes(&self) -> bool {
        self.fpos < self.frame.len() || self.avail() > 0 || self.inner.holds_bytes()
    }

    fn release_idle_buffer(&mut self) {
        if self.fpos >= self.frame.len() {
            self.frame = Bytes::new();
            self.fpos = 0;
            self.inflated = Vec::new();
        }
        if self.avail() == 0 {
            self.raw = Box::default();
            self.rpos = 0;
            self.rlen = 0;
        }
        self.inner.release_idle_buffer();
    }

    fn payload_protocol(&self) -> Option<PayloadProtocol> {
        self.protocol
    }

    fn info_headers(&self) -> Option<Arc<InfoHeaders>> {
        self.headers.clone()
    }
}
