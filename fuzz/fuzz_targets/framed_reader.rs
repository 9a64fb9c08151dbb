//! Arbitrary bytes as a stream of frames, read through a tiny buffered reader: frame headers,
//! limits and compact messages inside frames must never panic or over-allocate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thrift_rt::protocol::{CompactReader, ProtocolReader};
use thrift_rt::transport::{BufferedReader, FramedReader, Source};
use thrift_rt::{Limits, TType};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default().max_frame_size(4096);
    let buffered = BufferedReader::with_capacity(16, data, &limits);
    let mut framed = FramedReader::with_limits(buffered, &limits);
    for _ in 0..64 {
        match framed.next_frame() {
            Ok(true) => {
                let frame = framed.frame().to_vec();
                let mut r = CompactReader::new(&frame[..]);
                if r.read_message_begin().is_ok() {
                    let _ = r.skip(TType::Struct);
                }
            }
            Ok(false) | Err(_) => break,
        }
    }
    // The same bytes as one message stream spanning frames.
    let mut r = CompactReader::new(FramedReader::with_limits(data, &limits));
    while r.read_message_begin().is_ok() {
        if r.skip(TType::Struct).is_err() {
            break;
        }
    }
    let _ = FramedReader::new(data).fill_buf();
});
