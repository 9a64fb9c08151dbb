//! The built-in transports as [`Transport`]s, and [`TransportKind`]: the one place that maps
//! the run-time choice to them.

use std::io;

use super::any::{AnySink, AnySource};
use super::{Header, MessageLen, Protocol, Transport, TransportKind, WithTransport};
use crate::error::{Result, TransportErrorKind};
use crate::layer::{Zlib, ZlibReader, ZlibWriter};
use crate::limits::Limits;
use crate::protocol::ProtocolReader;
#[cfg(unix)]
use crate::transport::fd::{FdFramedReader, FdFramedWriter};
use crate::transport::{
    BufferedReader, BufferedWriter, FramedReader, FramedWriter, Framing, ReadEnd, WriteEnd,
};
use crate::ttype::TType;

/// `TBufferedTransport`: messages back to back, read through a buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Buffered;

/// `TFramedTransport`: each message preceded by its 4-byte big-endian length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Framed;

/// The fd transport: framed messages over a Unix socket, carrying file descriptors with the
/// message they belong to (see [`transport::fd`](crate::transport::fd)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fd;

impl Framing for Buffered {
    const HEADER: usize = 0;
    const CARRIES_FDS: bool = false;
}

impl Framing for Framed {
    const HEADER: usize = 4;
    const CARRIES_FDS: bool = false;

    #[inline]
    fn write_header(header: &mut [u8], len: usize) {
        // `MessageBuffer::finish` checked `len` against the frame limit (an i32).
        header.copy_from_slice(&(len as u32).to_be_bytes());
    }
}

impl Framing for Fd {
    const HEADER: usize = 4;
    const CARRIES_FDS: bool = true;

    #[inline]
    fn write_header(header: &mut [u8], len: usize) {
        Framed::write_header(header, len);
    }
}

impl Transport for Buffered {
    type Source<R: ReadEnd> = BufferedReader<R>;
    type Sink<W: WriteEnd> = BufferedWriter<W>;

    /// Nothing but the protocol marks where a message ends: one pass skipping through the
    /// bytes (every limit checked) finds it, or runs out of them.
    fn message_len<P: Protocol>(&self, p: &P, bytes: &[u8], limits: &Limits) -> Result<MessageLen> {
        let mut r = p.reader(bytes, *limits);
        let skipped = r
            .skip_message_begin()
            .and_then(|()| r.skip(TType::Struct))
            .and_then(|()| r.read_message_end());
        match skipped {
            Ok(()) => Ok(MessageLen::Whole(bytes.len() - P::source(&r).len())),
            Err(e) if e.transport_kind() == Some(TransportErrorKind::UnexpectedEof) => {
                if bytes.len() > limits.max_message_size {
                    return Err(crate::error::TransportError::new(
                        TransportErrorKind::MessageTooLarge,
                        format!("message exceeds {} bytes", limits.max_message_size),
                    )
                    .into());
                }
                Ok(MessageLen::Partial)
            }
            Err(e) => Err(e),
        }
    }

    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> BufferedReader<R> {
        BufferedReader::with_limits(end, limits)
    }

    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<BufferedWriter<W>> {
        Ok(BufferedWriter::with_limits(end, limits))
    }

    fn end<R: ReadEnd>(source: &BufferedReader<R>) -> &R {
        source.get_ref()
    }

    fn end_mut<R: ReadEnd>(source: &mut BufferedReader<R>) -> &mut R {
        source.get_mut()
    }
}

impl Transport for Framed {
    // The buffered reader below only buffers the frames' bytes; unlike `std::io::BufReader`,
    // it can free its buffer while the connection is idle.
    type Source<R: ReadEnd> = FramedReader<BufferedReader<R>>;
    type Sink<W: WriteEnd> = FramedWriter<W>;

    /// The length prefix says (checked against the frame limit first).
    fn message_len<P: Protocol>(&self, _: &P, bytes: &[u8], limits: &Limits) -> Result<MessageLen> {
        // Empty frames carry no message (the reader skips them): they go with the next one.
        let mut at = 0;
        loop {
            let Some(&header) = bytes[at..].first_chunk::<4>() else {
                return Ok(MessageLen::Partial);
            };
            let len = crate::transport::framed::frame_len(header, limits.max_frame_size)?;
            at += 4;
            if len == 0 {
                continue;
            }
            return Ok(if bytes.len() >= at + len {
                MessageLen::Whole(at + len)
            } else {
                MessageLen::Partial
            });
        }
    }

    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> Self::Source<R> {
        FramedReader::with_limits(BufferedReader::over_end(end, limits), limits)
    }

    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<FramedWriter<W>> {
        Ok(FramedWriter::with_limits(end, limits))
    }

    fn end<R: ReadEnd>(source: &Self::Source<R>) -> &R {
        source.get_ref().get_ref()
    }

    fn end_mut<R: ReadEnd>(source: &mut Self::Source<R>) -> &mut R {
        source.get_mut().get_mut()
    }
}

#[cfg(unix)]
impl Transport for Fd {
    type Source<R: ReadEnd> = FdFramedReader<R>;
    type Sink<W: WriteEnd> = FdFramedWriter<W>;

    /// As framed: the bytes are the same.
    fn message_len<P: Protocol>(&self, p: &P, bytes: &[u8], limits: &Limits) -> Result<MessageLen> {
        Framed.message_len(p, bytes, limits)
    }

    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> FdFramedReader<R> {
        FdFramedReader::with_limits(end, limits)
    }

    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<FdFramedWriter<W>> {
        if !end.can_send_fds() {
            return Err(fd_needs_unix());
        }
        Ok(FdFramedWriter::with_limits(end, limits))
    }

    fn carries_fds(&self) -> bool {
        true
    }

    fn end<R: ReadEnd>(source: &FdFramedReader<R>) -> &R {
        source.get_ref()
    }

    fn end_mut<R: ReadEnd>(source: &mut FdFramedReader<R>) -> &mut R {
        source.get_mut()
    }
}

/// `TZlibTransport` over `TBufferedTransport` as one transport: the buffered transport over
/// the [`Zlib`] layer, what [`TransportKind::Zlib`] stands for (Apache's `--transport=zlib`).
///
/// It cannot say where a message ends from the compressed bytes, so thread-pool servers read
/// its messages as they arrive ([`MessageLen::Unknown`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BufferedZlib(pub Zlib);

impl Transport for BufferedZlib {
    type Source<R: ReadEnd> = BufferedReader<ZlibReader<R>>;
    type Sink<W: WriteEnd> = BufferedWriter<ZlibWriter<W>>;

    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> Self::Source<R> {
        Buffered.source(self.0.reader(end), limits)
    }

    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<Self::Sink<W>> {
        Buffered.sink(self.0.writer(end), limits)
    }

    fn end<R: ReadEnd>(source: &Self::Source<R>) -> &R {
        source.get_ref().get_ref()
    }

    fn end_mut<R: ReadEnd>(source: &mut Self::Source<R>) -> &mut R {
        source.get_mut().get_mut()
    }
}

/// The error for the fd transport over an end that cannot carry descriptors.
pub(crate) fn fd_needs_unix() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the fd transport needs a Unix socket (TCP and byte layers cannot carry file descriptors)",
    )
}

/// The transport chosen at run time: its sources and sinks match on the choice for every
/// call; [`resolve`](Transport::resolve) gives the concrete transport instead.
impl Transport for TransportKind {
    type Source<R: ReadEnd> = AnySource<R>;
    type Sink<W: WriteEnd> = AnySink<W>;

    fn source<R: ReadEnd>(&self, end: R, limits: &Limits) -> AnySource<R> {
        match self {
            Self::Buffered => AnySource::Buffered(Buffered.source(end, limits)),
            Self::Framed => AnySource::Framed(Framed.source(end, limits)),
            #[cfg(unix)]
            Self::Fd => AnySource::Fd(Fd.source(end, limits)),
            Self::Zlib => AnySource::Zlib(BufferedZlib::default().source(end, limits)),
            Self::Header | Self::FramedHeader => {
                AnySource::Header(self.header().source(end, limits))
            }
        }
    }

    fn open<R: ReadEnd, W: WriteEnd>(
        &self,
        read: R,
        write: W,
        limits: &Limits,
    ) -> io::Result<(AnySource<R>, AnySink<W>)> {
        match self {
            Self::Header | Self::FramedHeader => {
                let (source, sink) = self.header().open(read, write, limits)?;
                Ok((AnySource::Header(source), AnySink::Header(sink)))
            }
            _ => {
                let sink = self.sink(write, limits)?;
                Ok((self.source(read, limits), sink))
            }
        }
    }

    fn message_len<P: Protocol>(&self, p: &P, bytes: &[u8], limits: &Limits) -> Result<MessageLen> {
        match self {
            Self::Buffered => Buffered.message_len(p, bytes, limits),
            Self::Framed => Framed.message_len(p, bytes, limits),
            #[cfg(unix)]
            Self::Fd => Fd.message_len(p, bytes, limits),
            Self::Zlib => BufferedZlib::default().message_len(p, bytes, limits),
            Self::Header | Self::FramedHeader => self.header().message_len(p, bytes, limits),
        }
    }

    fn sink<W: WriteEnd>(&self, end: W, limits: &Limits) -> io::Result<AnySink<W>> {
        Ok(match self {
            Self::Buffered => AnySink::Buffered(Buffered.sink(end, limits)?),
            Self::Framed => AnySink::Framed(Framed.sink(end, limits)?),
            #[cfg(unix)]
            Self::Fd => AnySink::Fd(Fd.sink(end, limits)?),
            Self::Zlib => AnySink::Zlib(BufferedZlib::default().sink(end, limits)?),
            Self::Header | Self::FramedHeader => AnySink::Header(self.header().sink(end, limits)?),
        })
    }

    fn carries_fds(&self) -> bool {
        #[cfg(unix)]
        return *self == Self::Fd;
        #[cfg(not(unix))]
        false
    }

    fn end<R: ReadEnd>(source: &AnySource<R>) -> &R {
        source.end()
    }

    fn end_mut<R: ReadEnd>(source: &mut AnySource<R>) -> &mut R {
        source.end_mut()
    }

    fn resolve<V: WithTransport>(&self, v: V) -> V::Output {
        match self {
            Self::Buffered => v.with(Buffered),
            Self::Framed => v.with(Framed),
            #[cfg(unix)]
            Self::Fd => v.with(Fd),
            Self::Zlib => v.with(BufferedZlib::default()),
            Self::Header | Self::FramedHeader => v.with(self.header()),
        }
    }
}

impl TransportKind {
    /// The THeader transport a header kind names (plain or inside frames).
    fn header(self) -> Header {
        Header::new().outer_frames(self == Self::FramedHeader)
    }
}
