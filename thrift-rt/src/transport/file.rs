//! Message files: append framed messages to a file and read them back.
//!
//! The format is the framed transport's (4-byte big-endian length, then the message), so a file
//! is a sequence of frames. Each message is appended with a single `write` on a file opened with
//! `O_APPEND`, so concurrent appenders do not interleave partial messages on local file
//! systems. This is not Apache's `TFileTransport` chunked format.
//!
//! A file is an end point like a socket ([`ReadEnd`](super::ReadEnd) and
//! [`WriteEnd`](super::WriteEnd)), so any [`Stack`](crate::stack::Stack), layers included,
//! can be opened over one; these helpers are the framed stack without layers.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use super::{BufferedReader, FramedReader, FramedWriter};
use crate::limits::Limits;

/// Appends one message per [`flush`](std::io::Write::flush).
pub type FileWriter = FramedWriter<File>;

/// Reads the messages of a file in order; the source ends cleanly after the last one.
pub type FileReader = FramedReader<BufferedReader<File>>;

/// Opens `path` for appending messages, creating it if needed.
///
/// # Errors
///
/// Errors from `open`.
pub fn append(path: impl AsRef<Path>, limits: &Limits) -> io::Result<FileWriter> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    Ok(FramedWriter::with_limits(file, limits))
}

/// Opens `path` to read its messages from the start.
///
/// # Errors
///
/// Errors from `open`.
pub fn open(path: impl AsRef<Path>, limits: &Limits) -> io::Result<FileReader> {
    Ok(FramedReader::with_limits(
        BufferedReader::with_limits(File::open(path)?, limits),
        limits,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{CompactReader, CompactWriter, ProtocolReader, ProtocolWriter};
    use crate::transport::Source;
    use crate::{MessageHeader, MessageType, TransportErrorKind};

    #[test]
    fn append_and_read_back() {
        let path = std::env::temp_dir().join(format!("thrift-rt-file-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let limits = Limits::default();
        for batch in 0..2 {
            let mut w = CompactWriter::new(append(&path, &limits).unwrap());
            for i in 0..3 {
                let name = format!("event{}", batch * 3 + i);
                w.write_message_begin(&MessageHeader::new(&name, MessageType::Oneway, i))
                    .unwrap();
                w.write_string("payload").unwrap();
                w.write_message_end().unwrap();
                w.flush().unwrap();
            }
        }
        let mut r = CompactReader::new(open(&path, &limits).unwrap());
        for n in 0..6 {
            let h = r.read_message_begin().unwrap();
            assert_eq!(h.name, format!("event{n}"));
            assert_eq!(r.read_string().unwrap(), "payload");
            r.read_message_end().unwrap();
        }
        assert!(!r.get_mut().fill_buf().unwrap());
        // A torn final record (e.g. a crash mid-write) is reported, not silently dropped.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, &[0, 0, 0, 9, 1]))
            .unwrap();
        let mut reader = open(&path, &limits).unwrap();
        for _ in 0..6 {
            assert!(reader.next_frame().unwrap());
        }
        let err = reader.next_frame().unwrap_err();
        assert_eq!(
            err.transport_kind(),
            Some(TransportErrorKind::UnexpectedEof)
        );
        std::fs::remove_file(&path).unwrap();
    }
}
