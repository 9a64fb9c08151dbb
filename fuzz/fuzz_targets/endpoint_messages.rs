//! Arbitrary bytes from the peer of a channel endpoint, over a Unix socket pair: framed or
//! buffered (the first byte chooses), the rest as the peer sends it. The endpoint reads them
//! as its threads do (whole messages, then routed by kind, sequence id and channel straight
//! from the header's bytes), answers the calls it can and closes on what it cannot read. It
//! must never panic or hang: the socket's end must come within 5 s.
#![no_main]

use std::os::unix::net::UnixStream;

use libfuzzer_sys::fuzz_target;
use thrift_rt::Limits;
use thrift_rt::endpoint::Builder;
use thrift_rt::transport::stream::Stream;

#[path = "common/peer.rs"]
mod peer;
#[path = "common/skip.rs"]
mod skip;
use skip::Skip;

fuzz_target!(|data: &[u8]| {
    let Some((transport, bytes)) = peer::transport_and_bytes(data) else {
        return;
    };
    let (ours, theirs) = UnixStream::pair().expect("a socket pair");
    let endpoint = Builder::new()
        .transport(transport)
        .limits(Limits::default().max_frame_size(64 * 1024))
        .serve(Skip)
        .connect(Stream::from(ours))
        .expect("an endpoint over the pair");
    peer::send_and_drain(&theirs, bytes, "the endpoint");
    endpoint.close();
    endpoint.wait();
});
