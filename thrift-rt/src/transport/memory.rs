//! In-memory transports for tests, benches and zero-copy decoding.

use std::io;
use std::ops::Range;

use bytes::Bytes;

use super::Source;
use crate::error::{Result, eof};

/// The [`Source`] methods of a buffer that holds all its bytes (`data`) and a read position
/// (`pos`): [`BytesSource`] and [`MemoryBuffer`].
macro_rules! whole_buffer_source {
    () => {
        #[inline]
        fn buffered(&self) -> &[u8] {
            &self.data[self.pos..]
        }

        #[inline]
        fn consume(&mut self, n: usize) {
            debug_assert!(self.pos + n <= self.data.len());
            self.pos += n;
        }

        #[inline]
        fn fill_buf(&mut self) -> Result<bool> {
            Ok(self.pos < self.data.len())
        }

        #[inline]
        fn remaining(&self) -> usize {
            self.data.len() - self.pos
        }

        #[inline]
        fn read_slice<'s>(&'s mut self, n: usize, _scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
            let range = advance(&mut self.pos, self.data.len(), n)?;
            Ok(&self.data[range])
        }
    };
}

/// A [`Source`] over a [`Bytes`] buffer: strings and binaries read as `Bytes` share the buffer
/// instead of being copied.
///
/// On Unix it can also hold the descriptors that came with the message
/// ([`with_fds`](Self::with_fds)), for messages read whole off an fd transport.
#[derive(Debug, Default)]
pub struct BytesSource {
    data: Bytes,
    pos: usize,
    #[cfg(unix)]
    fds: Option<super::fd::ReceivedFds>,
}

impl Clone for BytesSource {
    /// Clones the bytes and position; descriptors stay with the original.
    fn clone(&self) -> Self {
        Self {
            data: self.data.clone(),
            pos: self.pos,
            #[cfg(unix)]
            fds: None,
        }
    }
}

impl BytesSource {
    /// Reads from `data`.
    pub fn new(data: impl Into<Bytes>) -> Self {
        Self {
            data: data.into(),
            pos: 0,
            #[cfg(unix)]
            fds: None,
        }
    }

    /// Reads from `data`, a message that came with the descriptors `fds`.
    #[cfg(unix)]
    pub fn with_fds(data: impl Into<Bytes>, fds: super::fd::ReceivedFds) -> Self {
        Self {
            data: data.into(),
            pos: 0,
            fds: Some(fds),
        }
    }

    /// The bytes not yet read.
    pub fn rest(&self) -> Bytes {
        self.data.slice(self.pos..)
    }

    /// The position of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// All the bytes, read or not (descriptors not claimed are closed).
    pub(crate) fn into_bytes(self) -> Bytes {
        self.data
    }
}

impl Source for BytesSource {
    whole_buffer_source!();

    #[inline]
    fn read_bytes(&mut self, n: usize) -> Result<Bytes> {
        let range = advance(&mut self.pos, self.data.len(), n)?;
        Ok(self.data.slice(range))
    }

    #[cfg(unix)]
    fn take_fd(&mut self, index: i32) -> Result<std::os::fd::OwnedFd> {
        match &mut self.fds {
            Some(fds) => fds.take(index),
            None => Err(super::sink::fd_unsupported()),
        }
    }

    fn end_message(&mut self) -> Result<()> {
        #[cfg(unix)]
        if let Some(fds) = &mut self.fds {
            return fds.finish();
        }
        Ok(())
    }
}

/// Moves the read position `pos` of a `len`-byte buffer on by `n` and returns the range passed
/// over; when fewer than `n` bytes are left, moves it to the end and reports EOF.
#[inline]
fn advance(pos: &mut usize, len: usize, n: usize) -> Result<Range<usize>> {
    let start = *pos;
    if len - start < n {
        *pos = len;
        return Err(eof());
    }
    *pos = start + n;
    Ok(start..start + n)
}

/// A growable in-memory byte pipe: bytes written are appended, bytes read come from the front.
///
/// Implements [`io::Write`] (for protocol writers), [`io::Read`] and [`Source`] (for protocol
/// readers, without copying).
///
/// ```
/// use thrift_rt::protocol::{BinaryReader, BinaryWriter, ProtocolReader, ProtocolWriter};
/// use thrift_rt::transport::MemoryBuffer;
///
/// let mut buf = MemoryBuffer::new();
/// BinaryWriter::new(&mut buf).write_i32(7).unwrap();
/// assert_eq!(BinaryReader::new(&mut buf).read_i32().unwrap(), 7);
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryBuffer {
    data: Vec<u8>,
    pos: usize,
}

impl MemoryBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A buffer whose unread bytes are `data`.
    pub fn from_vec(data: Vec<u8>) -> Self {
        Self { data, pos: 0 }
    }

    /// The bytes written but not yet read.
    pub fn unread(&self) -> &[u8] {
        &self.data[self.pos..]
    }

    /// Drops everything, read or not.
    pub fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }

    /// The underlying vector, including bytes already read.
    pub fn into_inner(self) -> Vec<u8> {
        self.data
    }

    fn compact(&mut self) {
        if self.pos == self.data.len() {
            self.data.clear();
            self.pos = 0;
        }
    }
}

impl super::Sink for MemoryBuffer {}

impl io::Write for MemoryBuffer {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.compact();
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.compact();
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl io::Read for MemoryBuffer {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.data[self.pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl Source for MemoryBuffer {
    whole_buffer_source!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn bytes_source_shares_buffer() {
        let data = Bytes::from_static(b"hello world");
        let mut src = BytesSource::new(data.clone());
        src.consume(6);
        let b = src.read_bytes(5).unwrap();
        assert_eq!(&b[..], b"world");
        assert_eq!(b.as_ptr(), data[6..].as_ptr());
        assert!(src.read_bytes(1).is_err());
    }

    #[test]
    fn memory_buffer_is_a_pipe() {
        let mut m = MemoryBuffer::new();
        m.write_all(b"abc").unwrap();
        let mut out = [0u8; 2];
        io::Read::read_exact(&mut m, &mut out).unwrap();
        assert_eq!(&out, b"ab");
        m.write_all(b"de").unwrap();
        assert_eq!(m.unread(), b"cde");
        assert_eq!(Source::read_u8(&mut m).unwrap(), b'c');
    }
}
