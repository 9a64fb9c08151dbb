//! Arbitrary bytes through the zlib layer: as a compressed stream under the buffered
//! transport (compact messages decoded and skipped), as a raw stream read in small pieces
//! (each read within the buffer it was given, the total bounded), and as plaintext
//! compressed with flushes where the input says and read back unchanged.
#![no_main]

use std::io::{Read, Write};

use libfuzzer_sys::fuzz_target;
use thrift_rt::layer::{Zlib, ZlibFlush};
use thrift_rt::protocol::{CompactReader, ProtocolReader};
use thrift_rt::stack::{BufferedZlib, Transport};
use thrift_rt::transport::ReadEnd;
use thrift_rt::{Limits, TType};

/// Hands out `step` bytes per read, so the inflater meets every split of its input.
struct Chunked<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

impl ReadEnd for Chunked<'_> {}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let step = usize::from(mode >> 2) + 1;
    match mode % 3 {
        0 => {
            let limits = Limits::default().max_message_size(1 << 20);
            let source = BufferedZlib::default().source(Chunked { data: rest, step }, &limits);
            let mut r = CompactReader::with_limits(source, limits);
            for _ in 0..16 {
                if r.read_message_begin().is_err() || r.skip(TType::Struct).is_err() {
                    break;
                }
            }
        }
        1 => {
            let mut z = Zlib::default().reader(Chunked { data: rest, step });
            let mut buf = [0u8; 61];
            let mut total = 0usize;
            loop {
                match z.read(&mut buf[..step.min(61)]) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        assert!(n <= step.min(61));
                        total += n;
                        // Deflate expands at most about 1032:1; stop well past any real input.
                        if total > 64 << 20 {
                            break;
                        }
                    }
                }
            }
        }
        _ => {
            let flush = if mode & 4 == 0 {
                ZlibFlush::Sync
            } else {
                ZlibFlush::Full
            };
            let level = u32::from(mode >> 3) % 10;
            let mut w = Zlib::new(level).flush(flush).writer(Vec::new());
            // Pieces of `step` bytes, a flush after each (as messages would end).
            for piece in rest.chunks(step) {
                w.write_all(piece).unwrap();
                w.flush().unwrap();
            }
            let wire = w.get_ref().clone();
            let mut back = Vec::new();
            Zlib::default()
                .reader(Chunked {
                    data: &wire,
                    step: 7,
                })
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, rest);
        }
    }
});
