//! Arbitrary bytes through the json protocol reader: skipping and typed decoding must never
//! panic, and whatever decodes must re-encode and decode to the same value.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use thrift_rt::protocol::{JsonReader, JsonWriter, ProtocolReader};
use thrift_rt::{ApplicationError, Limits, ReadThrift, TType, WriteThrift};

type Value = Vec<BTreeMap<String, Vec<i64>>>;

fn roundtrip<T: ReadThrift + WriteThrift + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let limits = Limits::default().with_max_depth(32);
    let Ok(value) = T::read(&mut JsonReader::with_limits(data, limits)) else {
        return;
    };
    let mut w = JsonWriter::new(Vec::new());
    value.write(&mut w).expect("encoding a decoded value");
    let bytes = w.into_inner();
    let again = T::read(&mut JsonReader::with_limits(&bytes[..], limits)).expect("re-decoding");
    assert_eq!(value, again);
}

fuzz_target!(|data: &[u8]| {
    // Skip-based: a message header, then a struct; or a bare struct.
    let mut r = JsonReader::new(data);
    if r.read_message_begin().is_ok() {
        let _ = r.skip(TType::Struct);
    }
    let _ = JsonReader::new(data).skip(TType::Struct);
    let _ = JsonReader::new(data).skip(TType::Map);
    // Value-based.
    roundtrip::<Value>(data);
    roundtrip::<ApplicationError>(data);
    roundtrip::<BTreeMap<i16, Vec<bool>>>(data);
    roundtrip::<Vec<Vec<u8>>>(data);
    roundtrip::<Vec<i32>>(data);
});
