//! Raw protocol throughput: encode into a reused `Vec<u8>`, decode from a `&[u8]`.
//!
//! Payloads: a struct of scalars, `list<i64>` and two `list<double>` of 10,000 elements, and a
//! `list<string>` of 1,000 short strings, for the binary, compact and JSON protocols.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use thrift_rt::__private as rt;
use thrift_rt::protocol::{
    BinaryReader, BinaryWriter, CompactReader, CompactWriter, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter,
};
use thrift_rt::{ReadThrift, Result, TType, WriteThrift};

/// `struct Scalars { 1: bool a, 2: i8 b, 3: i16 c, 4: i32 d, 5: i64 e, 6: double f, 7: i64 g, 8: i32 h }`
#[derive(Clone, Debug, Default, PartialEq)]
struct Scalars {
    a: bool,
    b: i8,
    c: i16,
    d: i32,
    e: i64,
    f: f64,
    g: i64,
    h: i32,
}

impl WriteThrift for Scalars {
    const TTYPE: TType = TType::Struct;
    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_struct_begin("Scalars")?;
        rt::write_field(w, 1, &self.a)?;
        rt::write_field(w, 2, &self.b)?;
        rt::write_field(w, 3, &self.c)?;
        rt::write_field(w, 4, &self.d)?;
        rt::write_field(w, 5, &self.e)?;
        rt::write_field(w, 6, &self.f)?;
        rt::write_field(w, 7, &self.g)?;
        rt::write_field(w, 8, &self.h)?;
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

impl ReadThrift for Scalars {
    const TTYPE: TType = TType::Struct;
    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let mut out = Scalars::default();
        r.read_struct_begin()?;
        while let Some(field) = r.read_field_begin()? {
            match field.id {
                1 => out.a = rt::read_field_value(r, field)?.unwrap_or_default(),
                2 => out.b = rt::read_field_value(r, field)?.unwrap_or_default(),
                3 => out.c = rt::read_field_value(r, field)?.unwrap_or_default(),
                4 => out.d = rt::read_field_value(r, field)?.unwrap_or_default(),
                5 => out.e = rt::read_field_value(r, field)?.unwrap_or_default(),
                6 => out.f = rt::read_field_value(r, field)?.unwrap_or_default(),
                7 => out.g = rt::read_field_value(r, field)?.unwrap_or_default(),
                8 => out.h = rt::read_field_value(r, field)?.unwrap_or_default(),
                _ => rt::skip_field(r, field)?,
            }
        }
        r.read_struct_end()?;
        Ok(out)
    }
}

fn encode<T: WriteThrift>(protocol: &str, value: &T, out: &mut Vec<u8>) {
    out.clear();
    match protocol {
        "binary" => value.write(&mut BinaryWriter::new(out)).unwrap(),
        "compact" => value.write(&mut CompactWriter::new(out)).unwrap(),
        _ => value.write(&mut JsonWriter::new(out)).unwrap(),
    }
}

fn decode<T: ReadThrift>(protocol: &str, bytes: &[u8]) -> T {
    match protocol {
        "binary" => T::read(&mut BinaryReader::new(bytes)).unwrap(),
        "compact" => T::read(&mut CompactReader::new(bytes)).unwrap(),
        _ => T::read(&mut JsonReader::new(bytes)).unwrap(),
    }
}

fn bench_payload<T: WriteThrift + ReadThrift + PartialEq + std::fmt::Debug>(
    c: &mut Criterion,
    name: &str,
    value: &T,
) {
    let mut group = c.benchmark_group(name);
    for protocol in ["binary", "compact", "json"] {
        let mut buf = Vec::new();
        encode(protocol, value, &mut buf);
        assert_eq!(&decode::<T>(protocol, &buf), value);
        group.throughput(Throughput::Bytes(buf.len() as u64));
        group.bench_with_input(BenchmarkId::new("write", protocol), &protocol, |b, p| {
            let mut out = Vec::with_capacity(buf.len());
            b.iter(|| encode(p, black_box(value), &mut out));
        });
        group.bench_with_input(BenchmarkId::new("read", protocol), &protocol, |b, p| {
            b.iter(|| decode::<T>(p, black_box(&buf)));
        });
    }
    group.finish();
}

fn protocols(c: &mut Criterion) {
    let scalars = Scalars {
        a: true,
        b: -3,
        c: 1200,
        d: -70_000,
        e: 1 << 40,
        f: 3.25,
        g: -5,
        h: 99,
    };
    bench_payload(c, "struct_of_scalars", &scalars);
    // Mixed magnitudes, so compact varints take 1 to 10 bytes.
    let longs: Vec<i64> = (0..10_000i64)
        .map(|i| (i * 7919) ^ (i << (i % 50)))
        .collect();
    bench_payload(c, "list_i64_10k", &longs);
    let doubles: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 1.5 - 3.0).collect();
    bench_payload(c, "list_double_10k", &doubles);
    // Doubles parsed from short decimals (0.1, 2.35, ...): not exact in binary, so JSON's
    // `%.17g` prints 17 digits.
    let decimals: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.05 + 0.1).collect();
    bench_payload(c, "list_decimal_double_10k", &decimals);
    let strings: Vec<String> = (0..1_000)
        .map(|i| format!("string number {i:>5} with some text"))
        .collect();
    bench_payload(c, "list_string_1k", &strings);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = protocols
}
criterion_main!(benches);
