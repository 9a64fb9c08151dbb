//! [`Xor`]: a layer of our own under any transport, the one Apache Thrift's architecture
//! describes ("encryption"), written against thrift-rt's public API only.
//!
//! **A teaching toy, not security.** Each direction of a connection is XORed with a repeating
//! key from its first byte on. Anyone who sees a few bytes of known plaintext (every Thrift
//! message starts with a known header) recovers the key. Use TLS for secrecy; use this to see
//! how a layer plugs in.
//!
//! What a layer has to do:
//! - wrap both halves of a connection ([`Layer::wrap`]); here each half keeps its own
//!   position in the key stream, so the bytes must pass through in order, which is why
//!   layers sit under the transport (whole messages, written under the connection's write
//!   lock on endpoints) and never see bytes out of order;
//! - give the end point back ([`Layer::inner`]), so servers can reach the socket's deadlines;
//! - say what it can carry: a layer that changes bytes cannot carry file descriptors, so it
//!   keeps the default [`WriteEnd::can_send_fds`] (false) and the fd transport refuses to
//!   open over it.
//!
//! ```
//! use example_app::xor::Xor;
//! use thrift_rt::stack::{Binary, Framed, Stack};
//!
//! let stack = Stack::new(Binary, Framed).layer(Xor::new(b"not a secret"));
//! # let _ = stack;
//! ```

use std::io::{self, Read, Write};
use std::sync::Arc;

use thrift_rt::stack::Layer;
use thrift_rt::transport::{ReadEnd, WriteEnd};

/// The XOR layer: both directions XORed with `key` (see the [module documentation](self)).
#[derive(Clone, Debug)]
pub struct Xor {
    key: Arc<[u8]>,
}

impl Xor {
    /// A layer with `key`.
    ///
    /// # Panics
    ///
    /// When `key` is empty.
    pub fn new(key: &[u8]) -> Self {
        assert!(!key.is_empty(), "the XOR key must not be empty");
        Self { key: key.into() }
    }
}

/// A position in the key stream of one direction.
#[derive(Debug)]
struct KeyStream {
    key: Arc<[u8]>,
    pos: usize,
}

impl KeyStream {
    fn apply(&mut self, bytes: &mut [u8]) {
        for b in bytes {
            *b ^= self.key[self.pos];
            self.pos = (self.pos + 1) % self.key.len();
        }
    }
}

/// The read half: bytes from below, un-XORed.
#[derive(Debug)]
pub struct XorReader<R> {
    inner: R,
    stream: KeyStream,
}

/// The write half: bytes XORed, then written below.
#[derive(Debug)]
pub struct XorWriter<W> {
    inner: W,
    stream: KeyStream,
    scratch: Vec<u8>,
}

impl<R: Read> Read for XorReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.stream.apply(&mut buf[..n]);
        Ok(n)
    }
}

impl<W: Write> Write for XorWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.scratch.clear();
        self.scratch.extend_from_slice(data);
        self.stream.apply(&mut self.scratch);
        // All or nothing: the key stream has moved past these bytes, so they must all go.
        self.inner.write_all(&self.scratch)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

// Plain reads and writes only: the defaults refuse descriptors.
impl<R: ReadEnd> ReadEnd for XorReader<R> {}
impl<W: WriteEnd> WriteEnd for XorWriter<W> {}

impl Layer for Xor {
    type Reader<R: ReadEnd> = XorReader<R>;
    type Writer<W: WriteEnd> = XorWriter<W>;

    fn wrap<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
    ) -> io::Result<(XorReader<R>, XorWriter<W>)> {
        let stream = || KeyStream {
            key: Arc::clone(&self.key),
            pos: 0,
        };
        Ok((
            XorReader {
                inner: read,
                stream: stream(),
            },
            XorWriter {
                inner: write,
                stream: stream(),
                scratch: Vec::new(),
            },
        ))
    }

    fn inner<R: ReadEnd>(reader: &XorReader<R>) -> &R {
        &reader.inner
    }

    fn inner_mut<R: ReadEnd>(reader: &mut XorReader<R>) -> &mut R {
        &mut reader.inner
    }
}
