//! Framed transport: each message is preceded by its length as a 4-byte big-endian signed
//! integer.
//!
//! Frames are limited by [`Limits::max_frame_size`] (Apache's default: 16,384,000 bytes,
//! excluding the length prefix). Readers check the announced length before reading; a frame
//! of up to 64 KiB gets its buffer at once, a larger one grows only as its bytes actually
//! arrive, so a lying header costs at most 64 KiB.

use std::io::{self, Read};

use bytes::Bytes;

use super::spare::Spare;
use super::{ReadEnd, Source};
use crate::error::{Result, TransportError, TransportErrorKind, eof};
use crate::limits::Limits;

/// Frames up to this size get their whole buffer before their bytes are read; larger ones
/// grow as their bytes arrive.
const SIZED_UP_FRONT: usize = 64 * 1024;

/// Checks a frame's 4-byte length prefix against `max_frame_size` and returns the length.
///
/// # Errors
///
/// [`NegativeFrameSize`](TransportErrorKind::NegativeFrameSize),
/// [`FrameTooLarge`](TransportErrorKind::FrameTooLarge).
pub(crate) fn frame_len(header: [u8; 4], max_frame_size: usize) -> Result<usize> {
    let len = i32::from_be_bytes(header);
    let Ok(len) = usize::try_from(len) else {
        return Err(TransportError::new(
            TransportErrorKind::NegativeFrameSize,
            format!("frame size {len}"),
        )
        .into());
    };
    if len > max_frame_size {
        return Err(TransportError::new(
            TransportErrorKind::FrameTooLarge,
            format!("frame of {len} bytes exceeds {max_frame_size}"),
        )
        .into());
    }
    Ok(len)
}

/// The storage of a frame nothing shares any more, emptied, for the next frame (a new one
/// when slices of it are still held).
pub(crate) fn reclaim(frame: Bytes) -> Vec<u8> {
    match frame.try_into_mut() {
        Ok(mut storage) => {
            // Emptied first: turning a `BytesMut` into a `Vec` moves its bytes to the front
            // of the allocation, a copy of the whole frame for nothing.
            storage.clear();
            Vec::from(storage)
        }
        Err(_) => Vec::new(),
    }
}

/// Hands back a frame taken whole ([`Source::take_frame`]) once it is decoded, so that the
/// next frame this thread reads uses its storage instead of a new allocation (the storage
/// of a frame still shared is left alone).
pub(crate) fn give_back(frame: Bytes) {
    Spare::Frames.keep(reclaim(frame));
}

/// Reads frames from a stream; implements [`Source`] over the current frame's payload.
///
/// The frame is held as [`Bytes`]: strings and binaries decoded as `Bytes`
/// ([`Source::read_bytes`]) share it instead of being copied, and the buffer is used again
/// for the next frame once nothing shares it any more.
#[derive(Debug)]
pub struct FramedReader<R> {
    inner: R,
    frame: Bytes,
    pos: usize,
    max_frame_size: usize,
}

impl<R: Read> FramedReader<R> {
    /// Reads frames from `inner` with the default limits.
    pub fn new(inner: R) -> Self {
        Self::with_limits(inner, &Limits::default())
    }

    /// Reads frames from `inner`, refusing frames above `limits.max_frame_size`.
    pub fn with_limits(inner: R, limits: &Limits) -> Self {
        Self {
            inner,
            frame: Bytes::new(),
            pos: 0,
            max_frame_size: limits.max_frame_size,
        }
    }

    /// The payload of the current frame that has not been read yet.
    pub fn frame(&self) -> &[u8] {
        &self.frame[self.pos..]
    }

    accessors!("reader", inner: R);
}

impl<R: ReadEnd> FramedReader<R> {
    /// Reads the next frame, discarding what is left of the current one.
    ///
    /// Returns `Ok(false)` if the stream ended cleanly before a new frame.
    ///
    /// # Errors
    ///
    /// [`NegativeFrameSize`](TransportErrorKind::NegativeFrameSize),
    /// [`FrameTooLarge`](TransportErrorKind::FrameTooLarge),
    /// [`UnexpectedEof`](TransportErrorKind::UnexpectedEof) inside a frame, or I/O errors.
    pub fn next_frame(&mut self) -> Result<bool> {
        // The current frame is gone whatever happens below (an error, the end of the stream).
        let previous = std::mem::take(&mut self.frame);
        self.pos = 0;
        let mut header = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match self.inner.read(&mut header[got..]) {
                Ok(0) if got == 0 => return Ok(false),
                Ok(0) => return Err(eof()),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        let len = frame_len(header, self.max_frame_size)?;
        if let Some(shared) = self.inner.take_shared(len) {
            // A server's gate holds the whole frame: shared, not copied.
            self.frame = shared;
            return Ok(true);
        }
        let mut frame = reclaim(previous);
        if frame.capacity() == 0 {
            // The last frame was taken whole ([`Source::take_frame`]) or shared from below:
            // storage may have come back to this thread.
            frame = Spare::Frames.take();
        }
        if len <= SIZED_UP_FRONT {
            // Small enough to make room for at once: one `read_exact`, no growing.
            frame.resize(len, 0);
            self.inner
                .read_exact(&mut frame)
                .map_err(|e| match e.kind() {
                    io::ErrorKind::UnexpectedEof => eof(),
                    _ => e.into(),
                })?;
        } else {
            // `take` + `read_to_end` grows the buffer with the data that really arrives, so
            // a lying header costs nothing.
            frame.reserve(SIZED_UP_FRONT);
            let n = (&mut self.inner).take(len as u64).read_to_end(&mut frame)?;
            if n < len {
                return Err(eof());
            }
        }
        self.frame = Bytes::from(frame);
        Ok(true)
    }
}

impl<R: ReadEnd> Source for FramedReader<R> {
    frame_source_methods!();

    /// A frame whose storage is shared (with a server's gate, or with values decoded from
    /// it) is let go of as soon as its message is read, so that the gate can use its
    /// storage again for the next bytes once the handler is done with what it kept. A frame
    /// nothing shares stays, to be reused by the next one.
    fn end_message(&mut self) -> Result<()> {
        if self.pos >= self.frame.len() && !self.frame.is_unique() {
            self.frame = Bytes::new();
            self.pos = 0;
        }
        Ok(())
    }

    fn holds_bytes(&self) -> bool {
        self.pos < self.frame.len() || self.inner.holds_bytes()
    }

    /// Frees the frame buffer once the frame has been read, and the buffer of the reader
    /// below while it holds nothing.
    fn release_idle_buffer(&mut self) {
        if self.pos >= self.frame.len() {
            self.frame = Bytes::new();
            self.pos = 0;
        }
        self.inner.release_idle_buffer();
    }
}

impl<R: ReadEnd> Read for FramedReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.frame.len() {
            let more = self.fill_buf().map_err(io::Error::other)?;
            if !more {
                return Ok(0);
            }
        }
        let rest = &self.frame[self.pos..];
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// The framed transport's writer: buffers a message and writes it as one frame when the
/// protocol writer flushes it, the length prefix and the payload in a single `write_all`,
/// refusing frames above [`Limits::max_frame_size`]. See
/// [`MessageWriter`](super::MessageWriter).
pub type FramedWriter<W> = super::MessageWriter<W, crate::stack::Framed>;

#[cfg(test)]
mod tests {
    use super::*;

    /// `read_bytes` shares the frame; its storage serves the next frame once nothing
    /// shares it, and a new one is taken while something does.
    #[test]
    fn bytes_share_the_frame_and_its_storage_is_reused() {
        let mut wire = Vec::new();
        for payload in [b"abcdefgh", b"ijklmnop", b"qrstuvwx"] {
            wire.extend_from_slice(&8u32.to_be_bytes());
            wire.extend_from_slice(payload);
        }
        let mut r = FramedReader::new(&wire[..]);
        assert!(r.fill_buf().unwrap());
        let first = r.frame.as_ptr();
        let shared = r.read_bytes(4).unwrap();
        assert_eq!(&shared[..], b"abcd");
        assert_eq!(shared.as_ptr(), first, "shared, not copied");
        // Still shared: the second frame gets storage of its own.
        assert!(r.next_frame().unwrap());
        assert_eq!(r.frame(), b"ijklmnop");
        let second = r.frame.as_ptr();
        assert_ne!(second, first);
        assert_eq!(&shared[..], b"abcd", "the shared bytes are intact");
        drop(shared);
        // Nothing shares the second frame: the third one reuses its storage.
        assert!(r.next_frame().unwrap());
        assert_eq!(r.frame(), b"qrstuvwx");
        assert_eq!(r.frame.as_ptr(), second);
    }
    /// A frame read to its end is gone once the next read finds nothing: the end of the
    /// stream, an error or a timeout never brings it back.
    #[test]
    fn a_read_frame_is_not_read_again_after_the_end() {
        let data = [0, 0, 0, 3, b'a', b'b', b'c'];
        let mut r = FramedReader::new(&data[..]);
        assert_eq!(r.take_array::<3>().unwrap(), *b"abc");
        assert!(!r.fill_buf().unwrap());
        assert!(r.frame().is_empty());
        assert!(!r.fill_buf().unwrap());
        assert!(!Source::holds_bytes(&r));
        assert_eq!(r.read(&mut [0; 3]).unwrap(), 0);

        let cut = [0, 0, 0, 1, b'x', 0, 0];
        let mut r = FramedReader::new(&cut[..]);
        assert_eq!(r.read_u8().unwrap(), b'x');
        assert!(r.fill_buf().is_err(), "a header cut short");
        assert!(r.frame().is_empty());
    }

    #[test]
    fn reads_frames_in_order() {
        let data = [0, 0, 0, 2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 3];
        let mut r = FramedReader::new(&data[..]);
        assert_eq!(r.take_array::<2>().unwrap(), [1, 2]);
        assert_eq!(r.read_u8().unwrap(), 3);
        assert!(!r.fill_buf().unwrap());
    }

    #[test]
    fn rejects_bad_frame_headers() {
        let kind = |data: &[u8]| {
            FramedReader::new(data)
                .next_frame()
                .unwrap_err()
                .transport_kind()
                .unwrap()
        };
        assert_eq!(
            kind(&[0xff, 0xff, 0xff, 0xff]),
            TransportErrorKind::NegativeFrameSize
        );
        assert_eq!(
            kind(&[0x7f, 0xff, 0xff, 0xff]),
            TransportErrorKind::FrameTooLarge
        );
        assert_eq!(
            kind(&[0x00, 0xfa, 0x00, 0x01]),
            TransportErrorKind::FrameTooLarge
        );
        assert_eq!(kind(&[0, 0, 0, 5, 1, 2]), TransportErrorKind::UnexpectedEof);
        assert_eq!(kind(&[0, 0]), TransportErrorKind::UnexpectedEof);
    }

    #[test]
    fn oversized_write_is_refused() {
        use std::io::Write;
        let limits = Limits::default().max_frame_size(2);
        let mut w = FramedWriter::with_limits(Vec::new(), &limits);
        w.write_all(b"abc").unwrap();
        let err = crate::Error::from(w.flush().unwrap_err());
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::FrameTooLarge)
        );
        assert!(w.get_ref().is_empty());
    }
}
