//! `Option<L>` as a layer: `Some(layer)` is that layer, `None` is no layer. For a layer
//! chosen at run time (a `--ssl` flag), at the price of a branch per read and write.

use std::io::{self, Read, Write};
#[cfg(unix)]
use std::os::fd::BorrowedFd;

use crate::error::Result;
use crate::stack::Layer;
#[cfg(unix)]
use crate::transport::fd::FdInbox;
use crate::transport::{ReadEnd, WriteEnd};

/// One half of a connection with or without a layer: what `Option<L>` wraps it in.
#[derive(Debug)]
pub enum MaybeLayered<A, B> {
    /// Through the layer.
    Layered(A),
    /// Straight to the end below.
    Plain(B),
}

impl<L: Layer> Layer for Option<L> {
    type Reader<R: ReadEnd> = MaybeLayered<L::Reader<R>, R>;
    type Writer<W: WriteEnd> = MaybeLayered<L::Writer<W>, W>;

    fn wrap<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
    ) -> io::Result<(Self::Reader<R>, Self::Writer<W>)> {
        Ok(match self {
            Some(layer) => {
                let (r, w) = layer.wrap(read, write)?;
                (MaybeLayered::Layered(r), MaybeLayered::Layered(w))
            }
            None => (MaybeLayered::Plain(read), MaybeLayered::Plain(write)),
        })
    }

    fn inner<R: ReadEnd>(reader: &Self::Reader<R>) -> &R {
        match reader {
            MaybeLayered::Layered(r) => L::inner(r),
            MaybeLayered::Plain(r) => r,
        }
    }

    fn inner_mut<R: ReadEnd>(reader: &mut Self::Reader<R>) -> &mut R {
        match reader {
            MaybeLayered::Layered(r) => L::inner_mut(r),
            MaybeLayered::Plain(r) => r,
        }
    }

    fn peer_identity<R: ReadEnd>(reader: &Self::Reader<R>) -> Option<crate::layer::PeerIdentity> {
        match reader {
            MaybeLayered::Layered(r) => L::peer_identity(r),
            MaybeLayered::Plain(_) => None,
        }
    }
}

impl<A: Read, B: Read> Read for MaybeLayered<A, B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Layered(r) => r.read(buf),
            Self::Plain(r) => r.read(buf),
        }
    }
}

impl<A: Write, B: Write> Write for MaybeLayered<A, B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Layered(w) => w.write(buf),
            Self::Plain(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Self::Layered(w) => w.write_all(buf),
            Self::Plain(w) => w.write_all(buf),
        }
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Self::Layered(w) => w.write_vectored(bufs),
            Self::Plain(w) => w.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Layered(w) => w.flush(),
            Self::Plain(w) => w.flush(),
        }
    }
}

impl<A: ReadEnd, B: ReadEnd> ReadEnd for MaybeLayered<A, B> {
    #[cfg(unix)]
    fn recv_fds(&mut self, buf: &mut [u8], inbox: &mut FdInbox) -> Result<usize> {
        match self {
            Self::Layered(r) => r.recv_fds(buf, inbox),
            Self::Plain(r) => r.recv_fds(buf, inbox),
        }
    }

    fn holds_bytes(&self) -> bool {
        match self {
            Self::Layered(r) => r.holds_bytes(),
            Self::Plain(r) => r.holds_bytes(),
        }
    }

    fn release_idle_buffer(&mut self) {
        match self {
            Self::Layered(r) => r.release_idle_buffer(),
            Self::Plain(r) => r.release_idle_buffer(),
        }
    }

    fn read_spare(&mut self, buf: &mut bytes::BytesMut, max: usize) -> Option<io::Result<usize>> {
        match self {
            Self::Layered(r) => r.read_spare(buf, max),
            Self::Plain(r) => r.read_spare(buf, max),
        }
    }
}

impl<A: WriteEnd, B: WriteEnd> WriteEnd for MaybeLayered<A, B> {
    fn can_send_fds(&self) -> bool {
        match self {
            Self::Layered(w) => w.can_send_fds(),
            Self::Plain(w) => w.can_send_fds(),
        }
    }

    fn writes_vectored(&self) -> bool {
        match self {
            Self::Layered(w) => w.writes_vectored(),
            Self::Plain(w) => w.writes_vectored(),
        }
    }

    #[cfg(unix)]
    fn send_fds(&mut self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<()> {
        match self {
            Self::Layered(w) => w.send_fds(bytes, fds),
            Self::Plain(w) => w.send_fds(bytes, fds),
        }
    }
}
