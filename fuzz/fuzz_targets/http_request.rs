//! Arbitrary bytes as what a client sends an HTTP server: the request reader (heads,
//! `Content-Length` and chunked bodies, every limit) and the thread-pool gate's
//! `HttpServer::message_len` must never panic or over-allocate, and must agree: a request
//! the gate finds whole is read whole from exactly those bytes, and no shorter prefix looks
//! whole. A second part reads the same bytes as responses, as a client does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thrift_rt::protocol::{CompactReader, ProtocolReader};
use thrift_rt::stack::{Compact, HttpServer, MessageLen, Transport};
use thrift_rt::transport::http::{HttpReader, Request, Response};
use thrift_rt::{Limits, TType};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default().max_frame_size(4096).max_depth(32);
    let server = HttpServer::new().max_header_bytes(1024).max_headers(8);

    // The reader: a stream of requests, each body decoded as a compact message.
    let mut requests = server.source(data, &limits);
    for _ in 0..16 {
        match requests.next_frame() {
            Ok(true) => {
                let body = requests.body().to_vec();
                assert!(!body.is_empty() && body.len() <= 4096);
                let mut r = CompactReader::new(&body[..]);
                if r.read_message_begin().is_ok() {
                    let _ = r.skip(TType::Struct);
                }
            }
            Ok(false) | Err(_) => break,
        }
    }

    // The gate: a whole request is exactly what the reader takes for one.
    if let Ok(MessageLen::Whole(n)) = server.message_len(&Compact, data, &limits) {
        assert!(
            n > 0 && n <= data.len(),
            "whole request of {n} bytes in {}",
            data.len()
        );
        let mut alone = server.source(&data[..n], &limits);
        assert!(
            matches!(alone.next_frame(), Ok(true) | Err(_)),
            "the gate's whole request is no request for the reader"
        );
        let step = (n / 64).max(1);
        for k in (0..n).step_by(step) {
            let found = server.message_len(&Compact, &data[..k], &limits);
            assert!(
                !matches!(found, Ok(MessageLen::Whole(_))),
                "a prefix of {k} bytes of a {n}-byte request looks whole: {found:?}"
            );
        }
    }

    // The client's side: the same bytes as responses.
    let mut responses: HttpReader<&[u8], Response> = HttpReader::new(data, &limits);
    for _ in 0..16 {
        if !matches!(responses.next_frame(), Ok(true)) {
            break;
        }
        assert!(responses.body().len() <= 4096);
    }
    let _: HttpReader<&[u8], Request> = HttpReader::new(data, &limits);
});
