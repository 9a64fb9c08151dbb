//! Arbitrary bytes to the THeader reader: a server connection reading whatever the bytes
//! hold (THeader frames, with zlib and info headers, or legacy clients it detects), answering
//! each message in its dialect, and the frame parser and `message_len` on their own. Nothing
//! may panic, hang or allocate past the limits (small ones here, so the zlib cap is reached
//! quickly); `message_len` may never call more bytes whole than there are.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thrift_rt::stack::{Header, HeaderProtocol, MessageLen, Stack, Transport};
use thrift_rt::transport::header::parse_frame;
use thrift_rt::{Limits, MessageHeader, MessageType, ProtocolReader, ProtocolWriter, TType};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let limits = Limits::default()
        .max_frame_size(64 * 1024)
        .max_message_size(64 * 1024)
        .max_inflated_size(256 * 1024)
        .max_header_size(4096)
        .max_info_headers(64);
    let _ = parse_frame(data, &limits);
    let header = Header::new().outer_frames(mode & 1 == 1);
    if let Ok(MessageLen::Whole(n)) = header.message_len(&HeaderProtocol::default(), data, &limits)
    {
        assert!(n <= data.len(), "message_len {n} of {} bytes", data.len());
    }
    let stack = Stack::new(HeaderProtocol::default(), header);
    let Ok((mut r, mut w)) = stack.open(data, Vec::new(), &limits) else {
        return;
    };
    for _ in 0..64 {
        match r.read_message_begin() {
            Ok(m) => {
                let _ = r.skip(TType::Struct).and_then(|()| r.read_message_end());
                let reply = MessageHeader {
                    name: m.name.as_str(),
                    kind: MessageType::Reply,
                    seqid: m.seqid,
                    channel: 0,
                };
                let _ = w
                    .write_message_begin(&reply)
                    .and_then(|()| w.write_struct_begin("r"))
                    .and_then(|()| w.write_field_stop())
                    .and_then(|()| w.write_struct_end())
                    .and_then(|()| w.write_message_end())
                    .and_then(|()| w.flush());
            }
            // An unknown transform or protocol skips its frame: reading goes on.
            Err(thrift_rt::Error::Application(_)) => {}
            Err(_) => break,
        }
    }
});
