//! [`Inbound`]: how an endpoint connection reads, one whole message at a time, without ever
//! waiting inside a message.
//!
//! Below the transport sits the same gate the thread-pool server uses (`server/gate.rs`):
//! bytes are read from the socket as they come, without waiting, and a message reaches the
//! transport only when all of it is there ([`Transport::message_len`]). So whichever thread
//! holds the connection's reading (a caller waiting for its reply, or one of the connection's
//! threads) takes every whole message there is, and when the socket has nothing more it
//! learns so at once ([`Polled::Empty`]) and can wait for it the way it likes, with its own
//! deadline: a peer that stalls in the middle of a message holds no thread and delays no
//! caller past its timeout. Transports that cannot tell where a message ends (a user's
//! transport without `message_len`) are read as before, waiting for each whole message.
//!
//! Over the framed and buffered transports, the gate's answer is the whole story: the
//! message is the bytes the gate let through (a framed one without its frame header), taken
//! straight from the gate as a slice of its buffer, and nothing reads them through the
//! transport (which for the buffered transport would parse the message a second time to
//! find its end).

use std::io;

use crate::error::Result;
use crate::limits::Limits;
use crate::protocol::{BinaryReader, ProtocolReader};
use crate::server::gate::Gate;
use crate::stack::{Binary, Layer, MessageLen, Transport, TransportKind};
use crate::transport::{ReadEnd, Source};
use crate::ttype::TType;

use super::message::Incoming;
use super::recording::Recording;
use super::socket_end::SocketEnd;

/// What [`Inbound::poll`] found.
#[derive(Debug)]
pub(crate) enum Polled {
    /// A whole message.
    Message(Incoming),
    /// Nothing whole yet, and the socket has nothing more for now.
    Empty,
    /// The peer closed the connection between messages.
    Ended,
}

/// The reading side of one connection, whatever its transport and layers.
pub(crate) trait Inbound: Send {
    /// The next whole message, if all of it has arrived; never waits inside one (except
    /// over a transport that cannot tell where a message ends).
    fn poll(&mut self) -> Result<Polled>;

    /// Whether bytes of a further message are here already, so the next reader must not
    /// wait for the socket before polling.
    fn has_pending(&self) -> bool;

    /// Makes [`poll`](Self::poll) wait for the socket (`true`: a caller without a deadline,
    /// for whom a blocking read is one system call instead of a poll and a read) or not.
    fn wait_for_socket(&mut self, wait: bool);
}

/// [`Inbound`] over transport `T` and layers `L`.
pub(crate) struct Reader<T: Transport, L: Layer> {
    transport: T,
    limits: Limits,
    /// The transport's source over the gate, recording each message it skips through
    /// (transports that do not frame their messages).
    reader: BinaryReader<Recording<GatedSource<T, L>>>,
    /// Messages are taken straight out of the gate (built-in framed and buffered
    /// transports); `None`: read through the transport.
    straight: Option<Straight>,
}

/// A transport whose messages are taken straight from the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Straight {
    /// The frame header (and any empty frames before it) dropped.
    Framed,
    Buffered,
}

/// The transport's source over the gate over the layers over the socket.
type GatedSource<T, L> = <T as Transport>::Source<Gate<<L as Layer>::Reader<SocketEnd>>>;

impl<T: Transport, L: Layer> Reader<T, L> {
    /// Reads through `read`: the socket's read half under the layers (gated: whole
    /// messages only, when the transport can tell where they end).
    pub(crate) fn new(
        transport: &T,
        read: L::Reader<SocketEnd>,
        gated: bool,
        limits: Limits,
    ) -> Self {
        let frame_fds = transport.carries_fds().then_some(limits.max_fds);
        let source = transport.source(Gate::new(read, !gated, frame_fds), &limits);
        let straight = match TransportKind::of(transport) {
            Some(TransportKind::Framed) if gated => Some(Straight::Framed),
            Some(TransportKind::Buffered) if gated => Some(Straight::Buffered),
            _ => None,
        };
        Self {
            transport: transport.clone(),
            limits,
            reader: BinaryReader::with_limits(Recording::new(source), limits),
            straight,
        }
    }

    fn gate(&mut self) -> &mut Gate<L::Reader<SocketEnd>> {
        T::end_mut(self.reader.get_mut().get_mut())
    }

    fn gate_ref(&self) -> &Gate<L::Reader<SocketEnd>> {
        T::end(self.reader.get_ref().get_ref())
    }

    /// Whether the gate holds a whole message (then open to the transport). Bytes that
    /// cannot start a valid message are let through, for the decoder to report; taken
    /// straight from the gate, nothing decodes them, and the transport's refusal is the
    /// error.
    fn whole_message(&mut self) -> Result<bool> {
        if self.gate_ref().is_open() {
            return Ok(true);
        }
        let pending = self.gate_ref().pending();
        if pending.is_empty() {
            return Ok(false);
        }
        let n = match self.transport.message_len(&Binary, pending, &self.limits) {
            Ok(MessageLen::Whole(n)) => n,
            Ok(MessageLen::Partial | MessageLen::Unknown) => return Ok(false),
            Err(e) if self.straight.is_some() => return Err(e),
            Err(_) => pending.len(),
        };
        self.gate().open(n);
        Ok(true)
    }

    /// Reads the message the gate let through (or, ungated, the next one, waiting for it).
    fn read_one(&mut self) -> Result<Polled> {
        if let Some(straight) = self.straight {
            // A slice of the gate's buffer, not a copy; empty frames before a framed
            // message carry nothing.
            let bytes = self.gate().take_open(|opened| match straight {
                Straight::Framed => header_len(opened),
                Straight::Buffered => 0,
            });
            return Ok(Polled::Message(Incoming {
                bytes,
                #[cfg(unix)]
                fds: None,
                headers: None,
            }));
        }
        let message = if self.reader.get_ref().get_ref().frames_messages() {
            next_frame(self.reader.get_mut().get_mut())?
        } else {
            next_message(&mut self.reader)?
        };
        Ok(message.map_or(Polled::Ended, Polled::Message))
    }
}

impl<T: Transport, L: Layer> Inbound for Reader<T, L> {
    fn poll(&mut self) -> Result<Polled> {
        if self.gate_ref().is_through() {
            return self.read_one();
        }
        loop {
            if self.whole_message()? {
                return self.read_one();
            }
            if self.gate_ref().has_ended() {
                if self.gate_ref().pending().is_empty() {
                    return Ok(Polled::Ended);
                }
                if self.straight.is_some() {
                    return Err(crate::error::eof());
                }
                // A message cut short by the end of the stream: the decoder reports it.
                let n = self.gate_ref().pending().len();
                self.gate().open(n);
                return self.read_one();
            }
            match self.gate().fill() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Polled::Empty),
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn wait_for_socket(&mut self, wait: bool) {
        if !self.gate_ref().is_through() {
            L::inner_mut(self.gate().get_mut()).wait_for_bytes(wait);
        }
    }

    fn has_pending(&self) -> bool {
        let gate = self.gate_ref();
        gate.is_open()
            || !gate.pending().is_empty()
            || gate.get_ref().holds_bytes()
            || self.reader.get_ref().get_ref().holds_bytes()
    }
}

/// How many bytes of frame headers come before the payload of a whole frame (empty frames
/// in front of it included).
fn header_len(frame: &[u8]) -> usize {
    let mut at = 0;
    while let Some(header) = frame[at..].first_chunk::<4>() {
        at += 4;
        if *header != [0; 4] {
            break;
        }
    }
    at
}

/// The next frame, with its descriptors; `None` when the peer closed the stream between
/// frames.
fn next_frame<S: Source>(source: &mut S) -> Result<Option<Incoming>> {
    let Some(bytes) = source.take_frame()? else {
        return Ok(None);
    };
    Ok(Some(Incoming {
        bytes,
        #[cfg(unix)]
        fds: source.take_received_fds(),
        headers: source.info_headers(),
    }))
}

/// The next whole message of a stream that does not frame messages, with its descriptors:
/// skipped through once (checking every limit) while its bytes are recorded; `None` when
/// the peer closed the stream between messages.
fn next_message<S: Source>(r: &mut BinaryReader<Recording<S>>) -> Result<Option<Incoming>> {
    if !r.has_message()? {
        return Ok(None);
    }
    r.get_mut().start();
    r.read_message_begin()?;
    r.skip(TType::Struct)?;
    r.read_message_end()?;
    Ok(Some(Incoming {
        bytes: r.get_mut().take(),
        #[cfg(unix)]
        fds: r.get_mut().take_received_fds(),
        headers: r.get_ref().info_headers(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryWriter, ProtocolWriter};
    use crate::stack::{Buffered, Framed, Plain};
    use crate::transport::stream::Stream;
    use crate::ttype::{MessageHeader, MessageType};
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    /// A reader over one end of a socket pair, and the other end to write to.
    fn reader<T: Transport>(transport: &T) -> (Reader<T, Plain>, UnixStream) {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let end = SocketEnd::new(Stream::from(ours), false);
        (Reader::new(transport, end, true, Limits::default()), theirs)
    }

    /// A whole binary message: a call with an empty argument struct.
    fn message(name: &str) -> Vec<u8> {
        let mut w = BinaryWriter::new(Vec::new());
        let header = MessageHeader {
            name,
            kind: MessageType::Call,
            seqid: 7,
            channel: 0,
        };
        w.write_message_begin(&header).unwrap();
        w.write_struct_begin("args").unwrap();
        w.write_field_stop().unwrap();
        w.write_struct_end().unwrap();
        w.write_message_end().unwrap();
        w.into_inner()
    }

    fn framed(payload: &[u8]) -> Vec<u8> {
        let mut frame = u32::try_from(payload.len()).unwrap().to_be_bytes().to_vec();
        frame.extend_from_slice(payload);
        frame
    }

    fn polled(r: &mut impl Inbound) -> Option<Vec<u8>> {
        match r.poll().unwrap() {
            Polled::Message(m) => Some(m.bytes.to_vec()),
            Polled::Empty => None,
            Polled::Ended => panic!("ended"),
        }
    }

    /// Framed messages come straight from the gate without their header (empty frames in
    /// front dropped with it), only once whole, and one at a time.
    #[test]
    fn framed_messages_are_taken_whole_without_their_header() {
        let (mut r, mut peer) = reader(&Framed);
        assert_eq!(r.straight, Some(Straight::Framed));
        let (a, b) = (message("first"), message("second"));
        let mut bytes = vec![0; 8];
        bytes.extend(framed(&a));
        let second = framed(&b);
        bytes.extend(&second[..7]);
        peer.write_all(&bytes).unwrap();
        assert_eq!(polled(&mut r), Some(a));
        assert!(r.has_pending(), "part of the second message is here");
        assert_eq!(polled(&mut r), None);
        peer.write_all(&second[7..]).unwrap();
        assert_eq!(polled(&mut r), Some(b));
        drop(peer);
        assert!(matches!(r.poll().unwrap(), Polled::Ended));
    }

    /// A buffered message is exactly its own bytes, found by the gate's one parse.
    #[test]
    fn buffered_messages_are_their_exact_bytes() {
        let (mut r, mut peer) = reader(&Buffered);
        let (a, b) = (message("one"), message("two"));
        peer.write_all(&a[..5]).unwrap();
        assert_eq!(polled(&mut r), None);
        let mut rest = a[5..].to_vec();
        rest.extend(&b);
        peer.write_all(&rest).unwrap();
        assert_eq!(polled(&mut r), Some(a));
        assert_eq!(polled(&mut r), Some(b));
        assert_eq!(polled(&mut r), None);
    }

    /// What the transport refuses is an error, and so is a message cut short by the end of
    /// the stream.
    #[test]
    fn bad_and_cut_short_messages_are_errors() {
        let (mut r, mut peer) = reader(&Framed);
        peer.write_all(&[0x7f, 0xff, 0xff, 0xff]).unwrap();
        assert!(r.poll().is_err(), "a frame over the limit");

        let (mut r, mut peer) = reader(&Buffered);
        peer.write_all(&[0x80, 0x01, 0x00, 0x09, 0, 0, 0, 0])
            .unwrap();
        assert!(r.poll().is_err(), "a bad message type");

        let (mut r, mut peer) = reader(&Framed);
        peer.write_all(&framed(&message("cut"))[..9]).unwrap();
        drop(peer);
        assert!(r.poll().is_err(), "cut short");
    }
}
