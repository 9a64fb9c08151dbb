//! `Transport::message_len`, what the thread-pool server's gate asks before it hands a worker
//! a message: for arbitrary bytes, every protocol and the buffered and framed transports, it
//! must never panic, a whole message must fit in the bytes, the bytes of that message alone
//! must be found whole again (a prefix of the input ends it the same way), and no shorter
//! prefix may look whole: otherwise a worker would get a message cut short, or wait on one
//! the client already sent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thrift_rt::Limits;
use thrift_rt::stack::{Buffered, Framed, MessageLen, ProtocolKind, Transport};

fn check<T: Transport>(transport: &T, protocol: ProtocolKind, data: &[u8], limits: &Limits) {
    let Ok(MessageLen::Whole(n)) = transport.message_len(&protocol, data, limits) else {
        return;
    };
    assert!(
        n > 0 && n <= data.len(),
        "whole message of {n} bytes in {}",
        data.len()
    );
    assert_eq!(
        transport.message_len(&protocol, &data[..n], limits).ok(),
        Some(MessageLen::Whole(n)),
        "the message alone is not whole"
    );
    // A few shorter prefixes (all of them for short messages).
    let step = (n / 64).max(1);
    for k in (0..n).step_by(step) {
        let found = transport.message_len(&protocol, &data[..k], limits);
        assert!(
            !matches!(found, Ok(MessageLen::Whole(_))),
            "a prefix of {k} bytes of a {n}-byte message looks whole: {found:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default().max_frame_size(1 << 16).max_depth(32);
    for protocol in [
        ProtocolKind::Binary,
        ProtocolKind::Compact,
        ProtocolKind::Json,
    ] {
        check(&Buffered, protocol, data, &limits);
        check(&Framed, protocol, data, &limits);
    }
});
