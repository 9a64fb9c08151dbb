//! [`Zlib`]: Apache Thrift's `TZlibTransport` as a layer under any transport.
//!
//! The bytes are one zlib stream per direction (RFC 1950: a two-byte header, deflate blocks,
//! and an Adler-32 trailer if the stream is ever finished) for the whole connection, not one
//! per message. Each flush of the transport above (one per message: every built-in sink
//! flushes once it has written a whole message) ends with a deflate *flush*, so that the
//! peer can inflate the whole message without waiting for more bytes:
//!
//! - Apache's Python `TZlibTransport` ends each flush with `Z_SYNC_FLUSH` (an empty stored
//!   block, `00 00 ff ff`; the compression dictionary carries over to the next message);
//! - Apache's C++ `TZlibTransport` ends each flush with `Z_BLOCK` then `Z_FULL_FLUSH` (the
//!   same marker, the dictionary reset), and finishes the stream (`Z_FINISH`, with the
//!   checksum) only when its user calls `finish()`, which the C++ library itself never does.
//!
//! We write a sync flush by default ([`ZlibFlush::Sync`]: smaller messages when they
//! resemble the previous ones) or a full flush ([`ZlibFlush::Full`]) on request, and never
//! finish the stream, like both. Any inflater reads all of these; ours reads them too, and a
//! finished stream as well: after its end the connection reads as ended.
//!
//! Apache's cross-test passes `--transport=zlib` (with `--zlib`) for "zlib over the buffered
//! transport": that is [`TransportKind::Zlib`](crate::TransportKind::Zlib), the buffered
//! transport over this layer; with a stack of fixed types it is
//! `Stack::new(protocol, Buffered).layer(Zlib::default())`.
//!
//! # Bounded memory
//!
//! The reader inflates straight into the buffer it is given, so a small input that inflates
//! hugely (a "zip bomb") produces at most what the transport above asks for, and the
//! transport's own limits (a message's byte budget, the frame size) end it; the reader's
//! only buffer holds compressed input and has a fixed size. The writer's buffer grows with
//! the message it compresses (the message is in memory above it already) and is trimmed back
//! after a large one.
//!
//! Each connection keeps its compression and decompression state (about 270 KiB with
//! flate2's default backend, as much as zlib's own) for as long as it is open: the stream
//! goes on across messages, so the state cannot be dropped between them.

use std::io::{self, Read, Write};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::stack::Layer;
use crate::transport::{ReadEnd, WriteEnd};

/// The compressed bytes read from below at a time.
const INPUT: usize = 16 * 1024;

/// The writer's output buffer is trimmed back to this after a large message.
const KEEP_OUTPUT: usize = 64 * 1024;

/// How a message's compressed bytes end (see the [module documentation](self)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ZlibFlush {
    /// `Z_SYNC_FLUSH`, as Apache's Python library: the dictionary carries over.
    #[default]
    Sync,
    /// `Z_FULL_FLUSH`, as Apache's C++ library: the dictionary is reset after each message.
    Full,
}

/// The zlib layer (see the [module documentation](self)).
///
/// ```
/// use thrift_rt::layer::Zlib;
/// use thrift_rt::stack::{Buffered, Compact, Stack};
///
/// let stack = Stack::new(Compact, Buffered).layer(Zlib::new(9));
/// # let _ = stack;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Zlib {
    level: u32,
    flush: ZlibFlush,
}

impl Default for Zlib {
    /// Level 6 (zlib's default, which Apache's C++ library uses) and sync flushes.
    fn default() -> Self {
        Self {
            level: 6,
            flush: ZlibFlush::Sync,
        }
    }
}

impl Zlib {
    /// A layer compressing at `level`: 0 (stored, no compression) to 9 (smallest); larger
    /// values mean 9.
    pub fn new(level: u32) -> Self {
        Self {
            level: level.min(9),
            flush: ZlibFlush::Sync,
        }
    }

    /// Sets how each message's compressed bytes end.
    #[must_use]
    pub fn flush(mut self, flush: ZlibFlush) -> Self {
        self.flush = flush;
        self
    }

    /// The read half over `inner`.
    pub fn reader<R>(&self, inner: R) -> ZlibReader<R> {
        ZlibReader {
            inner,
            inflate: Decompress::new(true),
            input: Vec::new(),
            start: 0,
            end: 0,
            output_pending: false,
            ended: false,
        }
    }

    /// The write half over `inner`.
    pub fn writer<W>(&self, inner: W) -> ZlibWriter<W> {
        ZlibWriter {
            inner,
            deflate: Compress::new(Compression::new(self.level), true),
            out: Vec::new(),
            flush: match self.flush {
                ZlibFlush::Sync => FlushCompress::Sync,
                ZlibFlush::Full => FlushCompress::Full,
            },
            dirty: false,
        }
    }
}

impl Layer for Zlib {
    type Reader<R: ReadEnd> = ZlibReader<R>;
    type Writer<W: WriteEnd> = ZlibWriter<W>;

    fn wrap<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
    ) -> io::Result<(ZlibReader<R>, ZlibWriter<W>)> {
        Ok((self.reader(read), self.writer(write)))
    }

    fn inner<R: ReadEnd>(reader: &ZlibReader<R>) -> &R {
        &reader.inner
    }

    fn inner_mut<R: ReadEnd>(reader: &mut ZlibReader<R>) -> &mut R {
        &mut reader.inner
    }
}

/// The read half: inflates the bytes from below.
pub struct ZlibReader<R> {
    inner: R,
    inflate: Decompress,
    /// Compressed bytes read from below: `input[start..end]` are not inflated yet. Allocated
    /// on first use, freed while the connection is idle.
    input: Vec<u8>,
    start: usize,
    end: usize,
    /// The last inflate filled the caller's buffer: more output may be waiting inside the
    /// inflater, even without input.
    output_pending: bool,
    /// The stream's end (and checksum) was read: nothing more comes.
    ended: bool,
}

impl<R> std::fmt::Debug for ZlibReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZlibReader")
            .field("compressed_in", &self.inflate.total_in())
            .field("inflated", &self.inflate.total_out())
            .field("buffered", &(self.end - self.start))
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<R> ZlibReader<R> {
    /// The read end below.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The read end below, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

impl<R: Read> ZlibReader<R> {
    /// One inflate of the buffered input into `out`: `(consumed, produced)`.
    fn inflate_into(&mut self, out: &mut [u8]) -> io::Result<(usize, usize)> {
        let (in_before, out_before) = (self.inflate.total_in(), self.inflate.total_out());
        let status = self
            .inflate
            .decompress(
                &self.input[self.start..self.end],
                out,
                FlushDecompress::None,
            )
            .map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the zlib stream is corrupt: {e}"),
                )
            })?;
        // Both deltas are bounded by the slices just passed in.
        let consumed = (self.inflate.total_in() - in_before) as usize;
        let produced = (self.inflate.total_out() - out_before) as usize;
        self.start += consumed;
        self.output_pending = produced == out.len();
        if status == Status::StreamEnd {
            self.ended = true;
            self.output_pending = false;
        }
        Ok((consumed, produced))
    }
}

impl<R: Read> Read for ZlibReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.ended {
                return Ok(0);
            }
            if self.start == self.end && !self.output_pending {
                if self.input.len() < INPUT {
                    self.input.resize(INPUT, 0);
                }
                let n = self.inner.read(&mut self.input)?;
                if n == 0 {
                    // The peer closed the connection (possibly inside a message: the
                    // transport above reports that).
                    return Ok(0);
                }
                (self.start, self.end) = (0, n);
            }
            let (consumed, produced) = self.inflate_into(out)?;
            if produced > 0 {
                return Ok(produced);
            }
            if consumed == 0 && self.start < self.end && !self.ended {
                // Input left, no progress: the inflater needs nothing more than what it has
                // (cannot happen with a non-empty output buffer), so the stream is broken.
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the zlib stream makes no progress",
                ));
            }
            // Only a header, a flush marker or part of a block: read on.
        }
    }
}

impl<R: ReadEnd> ReadEnd for ZlibReader<R> {
    /// Compressed bytes not inflated yet, or output the inflater holds back, may be (part
    /// of) a message.
    fn holds_bytes(&self) -> bool {
        (self.start < self.end && !self.ended) || self.output_pending || self.inner.holds_bytes()
    }

    fn release_idle_buffer(&mut self) {
        if self.start == self.end {
            self.input = Vec::new();
            (self.start, self.end) = (0, 0);
        }
        self.inner.release_idle_buffer();
    }
}

/// The write half: deflates what the transport writes, flushing at each of its flushes.
pub struct ZlibWriter<W> {
    inner: W,
    deflate: Compress,
    /// Compressed bytes not written below yet.
    out: Vec<u8>,
    flush: FlushCompress,
    /// Bytes went in since the last flush.
    dirty: bool,
}

impl<W> std::fmt::Debug for ZlibWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZlibWriter")
            .field("written", &self.deflate.total_in())
            .field("compressed_out", &self.deflate.total_out())
            .finish_non_exhaustive()
    }
}

impl<W> ZlibWriter<W> {
    /// The write end below.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The write end below, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: Write> ZlibWriter<W> {
    /// Deflates all of `input` into `out`, then (for a flush) until the flush is complete.
    fn deflate(&mut self, mut input: &[u8], flush: FlushCompress) -> io::Result<()> {
        loop {
            let spare = self.out.capacity() - self.out.len();
            if spare < 64 {
                self.out.reserve((input.len() / 2).max(4096));
            }
            let before = self.deflate.total_in();
            self.deflate
                .compress_vec(input, &mut self.out, flush)
                .map_err(io::Error::other)?;
            // Bounded by `input.len()`.
            let consumed = (self.deflate.total_in() - before) as usize;
            input = &input[consumed..];
            let room_left = self.out.len() < self.out.capacity();
            // Done when everything went in and, for a flush, the deflater had room to spare
            // (zlib's rule: a flush is complete when it does not fill the output).
            if input.is_empty() && (flush == FlushCompress::None || room_left) {
                return Ok(());
            }
        }
    }

    /// Writes the compressed bytes below.
    fn send(&mut self) -> io::Result<()> {
        self.inner.write_all(&self.out)?;
        self.out.clear();
        if self.out.capacity() > KEEP_OUTPUT {
            self.out.shrink_to(KEEP_OUTPUT);
        }
        Ok(())
    }
}

impl<W: Write> Write for ZlibWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        self.deflate(data, FlushCompress::None)?;
        self.dirty = true;
        if self.out.len() >= KEEP_OUTPUT {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.dirty {
            self.deflate(&[], self.flush)?;
            self.dirty = false;
        }
        if !self.out.is_empty() {
            self.send()?;
        }
        self.inner.flush()
    }
}

// Compressed bytes cannot carry descriptors: the defaults refuse them.
impl<W: WriteEnd> WriteEnd for ZlibWriter<W> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(level: u32, flush: ZlibFlush, messages: &[&[u8]]) -> Vec<u8> {
        let mut w = Zlib::new(level).flush(flush).writer(Vec::new());
        for m in messages {
            w.write_all(m).unwrap();
            w.flush().unwrap();
        }
        w.inner
    }

    #[test]
    fn round_trip_each_flush_and_level() {
        let big: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for flush in [ZlibFlush::Sync, ZlibFlush::Full] {
            for level in [0, 1, 6, 9] {
                let wire = compress(level, flush, &[b"hello", &big, b"", b"world"]);
                assert_eq!(&wire[..1], &[0x78], "a zlib header");
                let mut r = Zlib::default().reader(&wire[..]);
                let mut back = Vec::new();
                r.read_to_end(&mut back).unwrap();
                let mut want = b"hello".to_vec();
                want.extend_from_slice(&big);
                want.extend_from_slice(b"world");
                assert_eq!(back, want);
            }
        }
    }

    #[test]
    fn each_flush_ends_with_the_flush_marker() {
        let wire = compress(6, ZlibFlush::Sync, &[b"abc"]);
        assert!(wire.ends_with(&[0, 0, 0xff, 0xff]), "{wire:02x?}");
        let wire = compress(6, ZlibFlush::Full, &[b"abc", b"abc"]);
        assert!(wire.ends_with(&[0, 0, 0xff, 0xff]), "{wire:02x?}");
    }

    #[test]
    fn a_message_is_readable_after_its_flush_alone() {
        // The reader must not need the next message's bytes to return this one's.
        let mut w = Zlib::default().writer(Vec::new());
        w.write_all(b"first message").unwrap();
        w.flush().unwrap();
        let mut r = Zlib::default().reader(&w.inner[..]);
        let mut got = [0u8; 13];
        r.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"first message");
    }

    #[test]
    fn a_finished_stream_reads_as_ended() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(b"done").unwrap();
        let mut wire = z.finish().unwrap();
        wire.extend_from_slice(b"trailing garbage");
        let mut back = Vec::new();
        Zlib::default()
            .reader(&wire[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, b"done");
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let mut r = Zlib::default().reader(&b"\x78\x9cthis is not deflate at all"[..]);
        let e = r.read(&mut [0u8; 64]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("zlib"), "{e}");
        let e = Zlib::default()
            .reader(&b"GET / HTTP/1.1\r\n"[..])
            .read(&mut [0u8; 64])
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_bomb_inflates_only_into_the_callers_buffer() {
        // 64 MiB of zeros compress to about 64 KiB; each read returns at most what was asked.
        let zeros = vec![0u8; 64 << 20];
        let wire = compress(9, ZlibFlush::Sync, &[&zeros]);
        assert!(wire.len() < 100_000);
        let mut r = Zlib::default().reader(&wire[..]);
        let mut buf = [0u8; 1000];
        let mut total = 0;
        loop {
            let n = r.read(&mut buf).unwrap();
            assert!(n <= buf.len());
            if n == 0 {
                break;
            }
            total += n;
            assert!(r.input.len() <= INPUT);
        }
        assert_eq!(total, zeros.len());
    }

    #[test]
    fn holds_bytes_while_output_waits() {
        let wire = compress(6, ZlibFlush::Sync, &[&[7u8; 10_000]]);
        let mut r = Zlib::default().reader(&wire[..]);
        assert!(!r.holds_bytes());
        let mut small = [0u8; 10];
        r.read_exact(&mut small).unwrap();
        assert!(
            r.holds_bytes(),
            "the rest of the message is inside the reader"
        );
        let mut rest = vec![0u8; 9_990];
        r.read_exact(&mut rest).unwrap();
        // What is left is at most the flush marker: reading it gives the end of the input.
        assert_eq!(r.read(&mut small).unwrap(), 0);
        assert!(!r.holds_bytes());
    }

    #[test]
    fn reads_byte_by_byte_input() {
        // A trickling peer: one compressed byte per read from below.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&b, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = b;
                self.0 = rest;
                Ok(1)
            }
        }
        let wire = compress(6, ZlibFlush::Full, &[b"one", b"two"]);
        let mut r = Zlib::default().reader(Trickle(&wire));
        let mut back = Vec::new();
        r.read_to_end(&mut back).unwrap();
        assert_eq!(back, b"onetwo");
    }
}
