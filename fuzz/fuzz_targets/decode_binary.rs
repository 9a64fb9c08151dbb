//! Arbitrary bytes through the binary protocol reader: skipping, decoding the types generated
//! from `idl/constructs.thrift` and runtime types, and serving the bytes as messages with a
//! generated processor must never panic, hang or over-allocate; whatever decodes must
//! re-encode to bytes that decode to the same encoding (see `thrift_fuzz::roundtrip`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| thrift_fuzz::check::<thrift_fuzz::Binary>(data));
