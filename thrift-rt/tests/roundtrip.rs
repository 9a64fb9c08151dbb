//! Property tests: encode → decode is the identity, for every protocol and through the
//! framed and buffered transports.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use common::{Node, PROTOCOLS, decode, encode};
use proptest::prelude::*;
use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    MultiplexedWriter, ProtocolReader, ProtocolWriter, multiplexed::split_service_name,
};
use thrift_rt::transport::{BufferedReader, BytesSource, FramedReader, FramedWriter};
use thrift_rt::{MessageHeader, MessageType, ReadThrift, WriteThrift};

fn leaf() -> impl Strategy<Value = Node> {
    (
        any::<i64>(),
        ".{0,12}",
        prop::collection::vec(".{0,6}", 0..20),
        prop::collection::btree_map(".{0,4}", prop::collection::vec(any::<i64>(), 0..18), 0..4),
        prop::collection::vec(any::<bool>(), 0..17),
        prop::collection::vec(any::<u8>(), 0..40),
        any::<f64>().prop_filter("NaN is not equal to itself", |v| !v.is_nan()),
        prop::collection::btree_set(any::<i32>(), 0..16),
        any::<i8>(),
        any::<i16>(),
        prop::option::of(any::<[u8; 16]>()),
    )
        .prop_map(
            |(id, name, tags, scores, flags, blob, ratio, ids, small, medium, key)| Node {
                id,
                name,
                tags,
                scores,
                flags,
                child: None,
                blob,
                ratio,
                ids,
                small,
                medium,
                key,
            },
        )
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 16, 1, |inner| {
        (leaf(), inner).prop_map(|(mut n, child)| {
            n.child = Some(Box::new(child));
            n
        })
    })
}

fn message_type() -> impl Strategy<Value = MessageType> {
    prop_oneof![
        Just(MessageType::Call),
        Just(MessageType::Reply),
        Just(MessageType::Exception),
        Just(MessageType::Oneway),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn structs_roundtrip(n in node()) {
        for protocol in PROTOCOLS {
            let bytes = encode(protocol, &n);
            prop_assert_eq!(&decode::<Node>(protocol, &bytes).unwrap(), &n, "{}", protocol);
            // Skipping consumes exactly the value: a second copy decodes after it.
            let twice = [bytes.clone(), bytes].concat();
            let second = common::with_reader(protocol, &twice, Default::default(), |r| {
                r.skip(thrift_rt::TType::Struct).unwrap();
                Node::read(r).unwrap()
            });
            prop_assert_eq!(&second, &n);
        }
    }

    #[test]
    fn doubles_roundtrip_bit_exact(v in any::<f64>()) {
        for protocol in ["binary", "compact"] {
            let bytes = encode(protocol, &vec![v]);
            let back = decode::<Vec<f64>>(protocol, &bytes).unwrap();
            prop_assert_eq!(back[0].to_bits(), v.to_bits());
        }
        let bytes = encode("json", &vec![v]);
        let back = decode::<Vec<f64>>("json", &bytes).unwrap();
        if v.is_nan() {
            prop_assert!(back[0].is_nan());
        } else {
            prop_assert_eq!(back[0].to_bits(), v.to_bits());
        }
    }

    #[test]
    fn scalar_lists_roundtrip(a in prop::collection::vec(any::<i64>(), 0..300),
                              b in prop::collection::vec(any::<i32>(), 0..300),
                              m in prop::collection::hash_map(any::<i16>(), ".{0,3}", 0..20),
                              k in prop::collection::btree_map(any::<bool>(), any::<i8>(), 0..2)) {
        for protocol in PROTOCOLS {
            prop_assert_eq!(&decode::<Vec<i64>>(protocol, &encode(protocol, &a)).unwrap(), &a);
            prop_assert_eq!(&decode::<Vec<i32>>(protocol, &encode(protocol, &b)).unwrap(), &b);
            prop_assert_eq!(
                &decode::<HashMap<i16, String>>(protocol, &encode(protocol, &m)).unwrap(),
                &m
            );
            prop_assert_eq!(
                &decode::<BTreeMap<bool, i8>>(protocol, &encode(protocol, &k)).unwrap(),
                &k
            );
        }
    }

    #[test]
    fn messages_roundtrip(name in ".{0,20}", kind in message_type(), seqid in any::<i32>(),
                          channel in any::<u8>(), n in leaf()) {
        let header = MessageHeader { name: name.as_str(), kind, seqid, channel };
        let write = |w: &mut dyn ProtocolWriter| {
            w.write_message_begin(&header).unwrap();
            n.write(w).unwrap();
            w.write_message_end().unwrap();
        };
        let read = |r: &mut dyn ProtocolReader| {
            let h = r.read_message_begin().unwrap();
            let body = Node::read(r).unwrap();
            r.read_message_end().unwrap();
            (h, body)
        };
        let mut w = BinaryWriter::new(Vec::new());
        write(&mut w);
        let bytes = w.into_inner();
        let (h, body) = read(&mut BinaryReader::new(&bytes[..]));
        prop_assert_eq!(h.borrowed(), header);
        prop_assert_eq!(&body, &n);

        let mut w = CompactWriter::new(Vec::new());
        write(&mut w);
        let bytes = w.into_inner();
        let (h, body) = read(&mut CompactReader::new(BytesSource::new(bytes)));
        prop_assert_eq!(h.borrowed(), MessageHeader { channel: 0, ..header });
        prop_assert_eq!(&body, &n);

        let mut w = JsonWriter::new(Vec::new());
        write(&mut w);
        let bytes = w.into_inner();
        let (h, body) = read(&mut JsonReader::new(&bytes[..]));
        prop_assert_eq!(h.borrowed(), MessageHeader { channel: 0, ..header });
        prop_assert_eq!(&body, &n);

        // Multiplexed: calls and oneways get the prefix, the server splits it off.
        let mut w = MultiplexedWriter::new(CompactWriter::new(Vec::new()), "Svc");
        write(&mut w);
        let bytes = w.into_inner().into_inner();
        let (h, _) = read(&mut CompactReader::new(&bytes[..]));
        let (service, method) = split_service_name(&h.name);
        if matches!(kind, MessageType::Call | MessageType::Oneway) {
            prop_assert_eq!(service, Some("Svc"));
            prop_assert_eq!(method, name.as_str());
            prop_assert_eq!(&h.name, &format!("Svc:{name}"));
        } else {
            prop_assert_eq!(&h.name, &name);
        }
    }

    #[test]
    fn framed_and_buffered_streams(nodes in prop::collection::vec(leaf(), 1..5),
                                   capacity in 16usize..64) {
        // Several framed messages back to back, read through a tiny buffered reader.
        let mut w = CompactWriter::new(FramedWriter::new(Vec::new()));
        for n in &nodes {
            n.write(&mut w).unwrap();
            w.flush().unwrap();
        }
        let wire = w.into_inner().into_inner();
        let buffered = BufferedReader::with_capacity(capacity, &wire[..], &Default::default());
        let mut r = CompactReader::new(FramedReader::new(buffered));
        for n in &nodes {
            prop_assert_eq!(&Node::read(&mut r).unwrap(), n);
        }

        // Unframed, over a buffered reader that refills mid-value.
        let mut plain = Vec::new();
        for n in &nodes {
            plain.write_all(&encode("binary", n)).unwrap();
        }
        let mut r = BinaryReader::new(BufferedReader::with_capacity(capacity, &plain[..], &Default::default()));
        for n in &nodes {
            prop_assert_eq!(&Node::read(&mut r).unwrap(), n);
        }
        let json = encode("json", &nodes[0]);
        let mut r = JsonReader::new(BufferedReader::with_capacity(capacity, &json[..], &Default::default()));
        prop_assert_eq!(&Node::read(&mut r).unwrap(), &nodes[0]);
    }
}

#[test]
fn bytes_fields_share_the_input_buffer() {
    let bytes = bytes::Bytes::from(encode("compact", &vec![vec![7u8; 64]]));
    let mut r = CompactReader::new(BytesSource::new(bytes.clone()));
    let lists = Vec::<bytes::Bytes>::read(&mut r).unwrap();
    let start = bytes.as_ptr() as usize;
    let got = lists[0].as_ptr() as usize;
    assert!(
        got > start && got < start + bytes.len(),
        "the Bytes value was copied"
    );
}
