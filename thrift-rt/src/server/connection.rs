//! Serving one accepted connection: build the reader and writer for the configured protocol
//! and transport (one `match`, then everything is generic), loop over messages, and make sure
//! nothing that happens on the connection — errors, timeouts, a panic escaping the processor —
//! reaches the thread that runs it.

use std::cell::Cell;
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::Instant;

use crate::error::{Error, Result, TransportErrorKind};
use crate::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter,
};
use crate::stack::{ProtocolKind, TransportKind};
#[cfg(unix)]
use crate::transport::fd::{FdFramedReader, FdFramedWriter};
use crate::transport::stream::Stream;
use crate::transport::{BufferedReader, BufferedWriter, FramedReader, FramedWriter};

use super::Config;
use super::deadline::ReadHalf;
use super::dispatch::{ConnectionProcessor, ServerIo};
use super::shared::ConnGuard;

/// Serves `stream` until the peer closes it, it fails, or the server stops.
pub(crate) fn run<C: ConnectionProcessor + ?Sized>(
    processor: &C,
    config: &Config,
    guard: ConnGuard,
    stream: Stream,
) {
    let peer = stream.peer();
    log::debug!("connection from {peer}");
    match catch_unwind(AssertUnwindSafe(|| {
        serve(processor, config, &guard, stream)
    })) {
        Ok(Ok(())) => log::debug!("connection from {peer} closed"),
        Ok(Err(e)) if is_timeout(&e) => log::info!("connection from {peer} timed out: {e}"),
        Ok(Err(e)) => log::warn!("connection from {peer} failed: {e}"),
        Err(_) => log::error!("processor panicked; connection from {peer} closed"),
    }
    drop(guard);
}

fn is_timeout(e: &Error) -> bool {
    e.transport_kind() == Some(TransportErrorKind::TimedOut)
}

fn serve<C: ConnectionProcessor + ?Sized>(
    processor: &C,
    config: &Config,
    guard: &ConnGuard,
    stream: Stream,
) -> Result<()> {
    stream.set_write_timeout(config.write_timeout)?;
    // Handlers on this thread see who is calling (Unix sockets only).
    #[cfg(unix)]
    let _peer = crate::peer::enter(crate::peer::of_stream(&stream));
    let out = stream.try_clone()?;
    let deadline = Rc::new(Cell::new(None));
    let input = ReadHalf::new(
        stream,
        config.read_timeout,
        config.message_timeout,
        Rc::clone(&deadline),
    )?;
    let limits = config.limits;
    let buffered = |i| BufferedReader::with_limits(i, &limits);
    let framed = |i| FramedReader::with_limits(BufReader::new(i), &limits);
    #[cfg(unix)]
    let fd_in = |i| FdFramedReader::with_limits(i, &limits);
    let mut conn = Conn {
        processor,
        guard,
        deadline,
    };
    match (config.protocol, config.transport) {
        (ProtocolKind::Binary, TransportKind::Buffered) => conn.serve(
            &mut BinaryReader::with_limits(buffered(input), limits),
            &mut BinaryWriter::new(BufferedWriter::new(out)),
            |r, w| ServerIo::BinaryBuffered(r, w),
        ),
        (ProtocolKind::Binary, TransportKind::Framed) => conn.serve(
            &mut BinaryReader::with_limits(framed(input), limits),
            &mut BinaryWriter::new(FramedWriter::with_limits(out, &limits)),
            |r, w| ServerIo::BinaryFramed(r, w),
        ),
        (ProtocolKind::Compact, TransportKind::Buffered) => conn.serve(
            &mut CompactReader::with_limits(buffered(input), limits),
            &mut CompactWriter::new(BufferedWriter::new(out)),
            |r, w| ServerIo::CompactBuffered(r, w),
        ),
        (ProtocolKind::Compact, TransportKind::Framed) => conn.serve(
            &mut CompactReader::with_limits(framed(input), limits),
            &mut CompactWriter::new(FramedWriter::with_limits(out, &limits)),
            |r, w| ServerIo::CompactFramed(r, w),
        ),
        (ProtocolKind::Json, TransportKind::Buffered) => conn.serve(
            &mut JsonReader::with_limits(buffered(input), limits),
            &mut JsonWriter::new(BufferedWriter::new(out)),
            |r, w| ServerIo::JsonBuffered(r, w),
        ),
        (ProtocolKind::Json, TransportKind::Framed) => conn.serve(
            &mut JsonReader::with_limits(framed(input), limits),
            &mut JsonWriter::new(FramedWriter::with_limits(out, &limits)),
            |r, w| ServerIo::JsonFramed(r, w),
        ),
        #[cfg(unix)]
        (ProtocolKind::Binary, TransportKind::Fd) => conn.serve(
            &mut BinaryReader::with_limits(fd_in(input), limits),
            &mut BinaryWriter::new(FdFramedWriter::with_limits(out, &limits)),
            |r, w| ServerIo::BinaryFd(r, w),
        ),
        #[cfg(unix)]
        (ProtocolKind::Compact, TransportKind::Fd) => conn.serve(
            &mut CompactReader::with_limits(fd_in(input), limits),
            &mut CompactWriter::new(FdFramedWriter::with_limits(out, &limits)),
            |r, w| ServerIo::CompactFd(r, w),
        ),
        #[cfg(unix)]
        (ProtocolKind::Json, TransportKind::Fd) => conn.serve(
            &mut JsonReader::with_limits(fd_in(input), limits),
            &mut JsonWriter::new(FdFramedWriter::with_limits(out, &limits)),
            |r, w| ServerIo::JsonFd(r, w),
        ),
    }
}

struct Conn<'a, C: ?Sized> {
    processor: &'a C,
    guard: &'a ConnGuard,
    deadline: Rc<Cell<Option<Instant>>>,
}

impl<C: ConnectionProcessor + ?Sized> Conn<'_, C> {
    /// The message loop, generic over the concrete reader and writer; `io` wraps them for
    /// the processor.
    fn serve<R: ProtocolReader, W: ProtocolWriter>(
        &mut self,
        r: &mut R,
        w: &mut W,
        io: for<'b> fn(&'b mut R, &'b mut W) -> ServerIo<'b>,
    ) -> Result<()> {
        loop {
            if !self.guard.idle() {
                return Ok(());
            }
            self.deadline.set(None);
            if !r.has_message()? {
                return Ok(());
            }
            self.guard.busy();
            let header = r.read_message_begin()?;
            self.processor.process_message(&header, io(r, w))?;
        }
    }
}
