//! [`Recording`]: a source that keeps a copy of every byte read through it.
//!
//! The pump skips through each message once (checking every limit) while this records it; the
//! recorded bytes are the whole message, handed to a worker or a waiting caller to decode.
//! That works over any transport, including those where nothing but the protocol marks where
//! a message ends (buffered).

use bytes::Bytes;

use crate::error::Result;
use crate::transport::Source;

#[derive(Debug)]
pub(crate) struct Recording<S> {
    inner: S,
    recorded: Vec<u8>,
}

impl<S: Source> Recording<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            recorded: Vec::new(),
        }
    }

    /// Starts a new recording, dropping whatever was recorded.
    pub(crate) fn start(&mut self) {
        self.recorded.clear();
    }

    /// The source it records from.
    pub(crate) fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The source it records from.
    pub(crate) fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The bytes read since [`start`](Self::start).
    pub(crate) fn take(&mut self) -> Bytes {
        Bytes::from(std::mem::take(&mut self.recorded))
    }
}

impl<S: Source> Source for Recording<S> {
    #[inline]
    fn buffered(&self) -> &[u8] {
        self.inner.buffered()
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.recorded.extend_from_slice(&self.inner.buffered()[..n]);
        self.inner.consume(n);
    }

    fn fill_buf(&mut self) -> Result<bool> {
        self.inner.fill_buf()
    }

    fn remaining(&self) -> usize {
        self.inner.remaining()
    }

    fn read_slice<'s>(&'s mut self, n: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8]> {
        let slice = self.inner.read_slice(n, scratch)?;
        self.recorded.extend_from_slice(slice);
        Ok(slice)
    }

    fn shortfall(&self) -> crate::TransportErrorKind {
        self.inner.shortfall()
    }

    fn begin_message(&mut self) {
        self.inner.begin_message();
    }

    fn info_headers(&self) -> Option<std::sync::Arc<crate::header::InfoHeaders>> {
        self.inner.info_headers()
    }

    fn payload_protocol(&self) -> Option<crate::transport::header::PayloadProtocol> {
        self.inner.payload_protocol()
    }

    // `end_message` is not passed on: the skip pass claims no descriptor, and the message's
    // descriptors go with its bytes to whoever decodes it (`take_received_fds`).

    #[cfg(unix)]
    fn take_received_fds(&mut self) -> Option<crate::transport::fd::ReceivedFds> {
        self.inner.take_received_fds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BinaryReader, BinaryWriter, ProtocolReader, ProtocolWriter};
    use crate::transport::BufferedReader;
    use crate::ttype::{MessageHeader, MessageType, TType};

    #[test]
    fn records_exactly_one_message() {
        let mut w = BinaryWriter::new(Vec::new());
        for (i, payload) in ["first", "second"].into_iter().enumerate() {
            w.write_message_begin(&MessageHeader::new(
                "m",
                MessageType::Call,
                i32::try_from(i).unwrap(),
            ))
            .unwrap();
            w.write_struct_begin("args").unwrap();
            crate::__private::write_field(&mut w, 1, payload).unwrap();
            w.write_field_stop().unwrap();
            w.write_struct_end().unwrap();
            w.write_message_end().unwrap();
        }
        let bytes = w.into_inner();
        let mut r = BinaryReader::new(Recording::new(BufferedReader::new(&bytes[..])));
        let mut messages = Vec::new();
        while r.has_message().unwrap() {
            r.get_mut().start();
            r.read_message_begin().unwrap();
            r.skip(TType::Struct).unwrap();
            r.read_message_end().unwrap();
            messages.push(r.get_mut().take());
        }
        assert_eq!(messages.len(), 2);
        assert_eq!([&messages[0][..], &messages[1][..]].concat(), bytes);
        let mut again = BinaryReader::new(crate::transport::BytesSource::new(messages[1].clone()));
        assert_eq!(again.read_message_begin().unwrap().seqid, 1);
    }
}
