//! Apache Thrift's JSON protocol (`TJSONProtocol`), byte-compatible with the C++ library.
//!
//! Messages are arrays `[1,"name",type,seqid,{...}]`; structs are objects keyed by field id,
//! each value wrapped in a one-entry object naming its type (`{"1":{"i32":7}}`); lists and sets
//! are `["i32",2,1,2]`; maps are `["str","i32",1,{"k":1}]`. Numbers in key position are
//! quoted, doubles use 17 significant digits (`%.17g`) and `"NaN"`, `"Infinity"`,
//! `"-Infinity"` for the specials, binaries are unpadded base64.
//!
//! The writer never emits whitespace. The reader is slightly more lenient than Apache's: it
//! skips JSON whitespace between tokens and accepts padded base64.

use std::io::Write;

use super::{Depth, ProtocolReader, ProtocolWriter};
use crate::error::{ProtocolErrorKind, Result, protocol_err, protocol_kind};
use crate::limits::Limits;
use crate::transport::Source;
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};

const VERSION: i64 = 1;

fn type_name(ttype: TType) -> &'static [u8] {
    match ttype {
        TType::Bool => b"tf",
        TType::I8 => b"i8",
        TType::I16 => b"i16",
        TType::I32 => b"i32",
        TType::I64 => b"i64",
        TType::Double => b"dbl",
        TType::String => b"str",
        TType::Struct => b"rec",
        TType::Map => b"map",
        TType::List => b"lst",
        TType::Set => b"set",
        TType::Uuid => b"uid",
        // Never written: STOP has no JSON form.
        TType::Stop => b"",
    }
}

fn type_from_name(name: &[u8]) -> Result<TType> {
    Ok(match name {
        b"tf" => TType::Bool,
        b"i8" => TType::I8,
        b"i16" => TType::I16,
        b"i32" => TType::I32,
        b"i64" => TType::I64,
        b"dbl" => TType::Double,
        b"str" => TType::String,
        b"rec" => TType::Struct,
        b"map" => TType::Map,
        b"lst" => TType::List,
        b"set" => TType::Set,
        b"uid" => TType::Uuid,
        _ => {
            return Err(protocol_err(
                ProtocolErrorKind::UnknownType,
                format!("json type name {:?}", String::from_utf8_lossy(name)),
            ));
        }
    })
}

/// Where we are in the JSON structure: decides separators and whether numbers are quoted.
#[derive(Clone, Copy, Debug)]
enum Ctx {
    /// Array elements: `,` before all but the first.
    List { first: bool },
    /// Object members: alternately key and value; keys are quoted.
    Pair { first: bool, colon: bool },
}

#[derive(Debug, Default)]
struct CtxStack(Vec<Ctx>);

impl CtxStack {
    /// The separator to emit (or expect) before the next token, updating the state.
    #[inline]
    fn next_separator(&mut self) -> Option<u8> {
        match self.0.last_mut() {
            None => None,
            Some(Ctx::List { first }) => {
                if *first {
                    *first = false;
                    None
                } else {
                    Some(b',')
                }
            }
            Some(Ctx::Pair { first, colon }) => {
                if *first {
                    *first = false;
                    *colon = true;
                    None
                } else {
                    let sep = if *colon { b':' } else { b',' };
                    *colon = !*colon;
                    Some(sep)
                }
            }
        }
    }

    /// Whether numbers must be quoted here (object keys).
    #[inline]
    fn escape_num(&self) -> bool {
        matches!(self.0.last(), Some(Ctx::Pair { colon: true, .. }))
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the unpadded base64 encoding of `data` to `out`.
fn base64_encode(data: &[u8], out: &mut Vec<u8>) {
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend_from_slice(&[
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[B64[(n >> 18) as usize & 63], B64[(n >> 12) as usize & 63]]);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[
                B64[(n >> 18) as usize & 63],
                B64[(n >> 12) as usize & 63],
                B64[(n >> 6) as usize & 63],
            ]);
        }
        _ => {}
    }
}

#[inline]
fn b64_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes base64 with or without padding into `out`.
fn base64_decode(text: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let bad = || protocol_err(ProtocolErrorKind::InvalidData, "invalid base64");
    let mut text = text;
    for _ in 0..2 {
        if let [rest @ .., b'='] = text {
            text = rest;
        }
    }
    out.clear();
    out.reserve(text.len() / 4 * 3 + 2);
    let mut chunks = text.chunks_exact(4);
    for c in &mut chunks {
        let mut n = 0u32;
        for &ch in c {
            n = (n << 6) | b64_value(ch).ok_or_else(bad)?;
        }
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let rest = chunks.remainder();
    let mut n = 0u32;
    for &ch in rest {
        n = (n << 6) | b64_value(ch).ok_or_else(bad)?;
    }
    match rest.len() {
        0 => {}
        2 => out.push((n >> 4) as u8),
        3 => out.extend_from_slice(&[(n >> 10) as u8, (n >> 2) as u8]),
        _ => return Err(bad()),
    }
    Ok(())
}

/// Formats a finite double like C's `%.17g` (what Apache's C++ and Python libraries write).
fn format_double(v: f64, out: &mut Vec<u8>) {
    let sci = format!("{v:.16e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    if neg {
        out.push(b'-');
    }
    if !(-4..17).contains(&exp) {
        let mut end = digits.len();
        while end > 1 && digits[end - 1] == b'0' {
            end -= 1;
        }
        out.push(digits[0]);
        if end > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..end]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(e.to_string().as_bytes());
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.extend_from_slice(&digits[..int_len]);
        let mut end = digits.len();
        while end > int_len && digits[end - 1] == b'0' {
            end -= 1;
        }
        if end > int_len {
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..end]);
        }
    } else {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        let mut end = digits.len();
        while end > 1 && digits[end - 1] == b'0' {
            end -= 1;
        }
        out.extend_from_slice(&digits[..end]);
    }
}

fn format_uuid(v: &[u8; 16], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in v.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

fn parse_uuid(text: &[u8]) -> Result<[u8; 16]> {
    let bad = || protocol_err(ProtocolErrorKind::InvalidData, "invalid uuid");
    if text.len() != 36 || [8, 13, 18, 23].iter().any(|&i| text[i] != b'-') {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    let mut hex = text.iter().filter(|&&c| c != b'-');
    for byte in &mut out {
        let hi = hex
            .next()
            .and_then(|&c| (c as char).to_digit(16))
            .ok_or_else(bad)?;
        let lo = hex
            .next()
            .and_then(|&c| (c as char).to_digit(16))
            .ok_or_else(bad)?;
        *byte = (hi * 16 + lo) as u8;
    }
    Ok(out)
}

/// Writes Apache's JSON protocol to any [`Write`].
#[derive(Debug)]
pub struct JsonWriter<W> {
    w: W,
    ctx: CtxStack,
    buf: Vec<u8>,
}

impl<W: Write> JsonWriter<W> {
    /// A JSON writer.
    pub fn new(w: W) -> Self {
        Self {
            w,
            ctx: CtxStack::default(),
            buf: Vec::new(),
        }
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.w
    }

    /// The underlying writer, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// Unwraps the underlying writer.
    pub fn into_inner(self) -> W {
        self.w
    }

    #[inline]
    fn separator(&mut self) -> Result<()> {
        if let Some(sep) = self.ctx.next_separator() {
            self.w.write_all(&[sep])?;
        }
        Ok(())
    }

    fn json_string(&mut self, s: &[u8]) -> Result<()> {
        self.separator()?;
        self.buf.clear();
        self.buf.push(b'"');
        let mut start = 0;
        for (i, &b) in s.iter().enumerate() {
            let esc: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                0x09 => b"\\t",
                0x0a => b"\\n",
                0x0c => b"\\f",
                0x0d => b"\\r",
                0..0x20 => b"",
                _ => continue,
            };
            self.buf.extend_from_slice(&s[start..i]);
            if esc.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.buf.extend_from_slice(b"\\u00");
                self.buf.push(HEX[usize::from(b >> 4)]);
                self.buf.push(HEX[usize::from(b & 15)]);
            } else {
                self.buf.extend_from_slice(esc);
            }
            start = i + 1;
        }
        self.buf.extend_from_slice(&s[start..]);
        self.buf.push(b'"');
        self.w.write_all(&self.buf)?;
        Ok(())
    }

    fn json_integer(&mut self, v: i64) -> Result<()> {
        self.separator()?;
        if self.ctx.escape_num() {
            write!(self.w, "\"{v}\"")?;
        } else {
            write!(self.w, "{v}")?;
        }
        Ok(())
    }

    fn json_double(&mut self, v: f64) -> Result<()> {
        self.separator()?;
        self.buf.clear();
        let special: Option<&[u8]> = if v.is_nan() {
            Some(b"\"NaN\"")
        } else if v == f64::INFINITY {
            Some(b"\"Infinity\"")
        } else if v == f64::NEG_INFINITY {
            Some(b"\"-Infinity\"")
        } else {
            None
        };
        if let Some(s) = special {
            self.w.write_all(s)?;
            return Ok(());
        }
        let quote = self.ctx.escape_num();
        if quote {
            self.buf.push(b'"');
        }
        format_double(v, &mut self.buf);
        if quote {
            self.buf.push(b'"');
        }
        self.w.write_all(&self.buf)?;
        Ok(())
    }

    fn open(&mut self, ch: u8, ctx: Ctx) -> Result<()> {
        self.separator()?;
        self.w.write_all(&[ch])?;
        self.ctx.0.push(ctx);
        Ok(())
    }

    fn close(&mut self, ch: u8) -> Result<()> {
        self.ctx.0.pop();
        self.w.write_all(&[ch])?;
        Ok(())
    }

    fn open_object(&mut self) -> Result<()> {
        self.open(
            b'{',
            Ctx::Pair {
                first: true,
                colon: true,
            },
        )
    }

    fn open_array(&mut self) -> Result<()> {
        self.open(b'[', Ctx::List { first: true })
    }

    fn len(&mut self, len: usize) -> Result<()> {
        let n =
            i64::try_from(len).map_err(|_| protocol_err(ProtocolErrorKind::SizeLimit, "length"))?;
        self.json_integer(n)
    }
}

impl<W: Write> ProtocolWriter for JsonWriter<W> {
    fn write_message_begin(&mut self, header: &MessageHeader<&str>) -> Result<()> {
        self.ctx.0.clear();
        self.open_array()?;
        self.json_integer(VERSION)?;
        self.json_string(header.name.as_bytes())?;
        self.json_integer(header.kind as i64)?;
        self.json_integer(i64::from(header.seqid))
    }

    fn write_message_end(&mut self) -> Result<()> {
        self.close(b']')
    }

    fn write_struct_begin(&mut self, _name: &str) -> Result<()> {
        self.open_object()
    }

    fn write_struct_end(&mut self) -> Result<()> {
        self.close(b'}')
    }

    fn write_field_begin(&mut self, header: FieldHeader) -> Result<()> {
        self.json_integer(i64::from(header.id))?;
        self.open_object()?;
        self.json_string(type_name(header.ttype))
    }

    fn write_field_end(&mut self) -> Result<()> {
        self.close(b'}')
    }

    fn write_field_stop(&mut self) -> Result<()> {
        Ok(())
    }

    fn write_list_begin(&mut self, header: ListHeader) -> Result<()> {
        self.open_array()?;
        self.json_string(type_name(header.elem))?;
        self.len(header.len)
    }

    fn write_list_end(&mut self) -> Result<()> {
        self.close(b']')
    }

    fn write_set_begin(&mut self, header: ListHeader) -> Result<()> {
        self.write_list_begin(header)
    }

    fn write_set_end(&mut self) -> Result<()> {
        self.close(b']')
    }

    fn write_map_begin(&mut self, header: MapHeader) -> Result<()> {
        self.open_array()?;
        self.json_string(type_name(header.key))?;
        self.json_string(type_name(header.value))?;
        self.len(header.len)?;
        self.open_object()
    }

    fn write_map_end(&mut self) -> Result<()> {
        self.close(b'}')?;
        self.close(b']')
    }

    fn write_bool(&mut self, v: bool) -> Result<()> {
        self.json_integer(i64::from(v))
    }

    fn write_i8(&mut self, v: i8) -> Result<()> {
        self.json_integer(i64::from(v))
    }

    fn write_i16(&mut self, v: i16) -> Result<()> {
        self.json_integer(i64::from(v))
    }

    fn write_i32(&mut self, v: i32) -> Result<()> {
        self.json_integer(i64::from(v))
    }

    fn write_i64(&mut self, v: i64) -> Result<()> {
        self.json_integer(v)
    }

    fn write_double(&mut self, v: f64) -> Result<()> {
        self.json_double(v)
    }

    fn write_uuid(&mut self, v: &[u8; 16]) -> Result<()> {
        let mut text = Vec::with_capacity(36);
        format_uuid(v, &mut text);
        self.json_string(&text)
    }

    fn write_string(&mut self, v: &str) -> Result<()> {
        self.json_string(v.as_bytes())
    }

    fn write_binary(&mut self, v: &[u8]) -> Result<()> {
        self.separator()?;
        self.buf.clear();
        self.buf.push(b'"');
        base64_encode(v, &mut self.buf);
        self.buf.push(b'"');
        self.w.write_all(&self.buf)?;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.w.flush()?;
        Ok(())
    }
}

/// Reads Apache's JSON protocol from a [`Source`].
#[derive(Debug)]
pub struct JsonReader<S> {
    src: S,
    limits: Limits,
    depth: Depth,
    ctx: CtxStack,
    // Decoded JSON string contents.
    text: Vec<u8>,
    // Decoded base64.
    bin: Vec<u8>,
}

#[cold]
#[inline(never)]
fn unexpected_char(expected: u8, got: Option<u8>) -> crate::Error {
    match got {
        None => crate::error::eof(),
        Some(c) => protocol_err(
            ProtocolErrorKind::InvalidData,
            format!("expected {:?}, found {:?}", expected as char, c as char),
        ),
    }
}

impl<S: Source> JsonReader<S> {
    /// A reader with default limits.
    pub fn new(src: S) -> Self {
        Self::with_limits(src, Limits::default())
    }

    /// A reader with the given limits.
    pub fn with_limits(src: S, limits: Limits) -> Self {
        Self {
            src,
            limits,
            depth: Depth::default(),
            ctx: CtxStack::default(),
            text: Vec::new(),
            bin: Vec::new(),
        }
    }

    /// The underlying source.
    pub fn get_ref(&self) -> &S {
        &self.src
    }

    /// The underlying source, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.src
    }

    /// Unwraps the underlying source.
    pub fn into_inner(self) -> S {
        self.src
    }

    /// The next non-whitespace byte, not consumed.
    fn peek(&mut self) -> Result<Option<u8>> {
        loop {
            match self.src.peek_u8()? {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.src.consume(1),
                other => return Ok(other),
            }
        }
    }

    fn expect(&mut self, ch: u8) -> Result<()> {
        match self.peek()? {
            Some(c) if c == ch => {
                self.src.consume(1);
                Ok(())
            }
            other => Err(unexpected_char(ch, other)),
        }
    }

    fn separator(&mut self) -> Result<()> {
        match self.ctx.next_separator() {
            Some(sep) => self.expect(sep),
            None => Ok(()),
        }
    }

    fn open(&mut self, ch: u8, ctx: Ctx) -> Result<()> {
        self.separator()?;
        self.expect(ch)?;
        self.ctx.0.push(ctx);
        Ok(())
    }

    fn close(&mut self, ch: u8) -> Result<()> {
        self.expect(ch)?;
        self.ctx.0.pop();
        Ok(())
    }

    fn open_object(&mut self) -> Result<()> {
        self.open(
            b'{',
            Ctx::Pair {
                first: true,
                colon: true,
            },
        )
    }

    fn open_array(&mut self) -> Result<()> {
        self.open(b'[', Ctx::List { first: true })
    }

    fn read_hex4(&mut self) -> Result<u32> {
        let digits: [u8; 4] = self.src.take_array()?;
        let mut v = 0;
        for d in digits {
            let d = (d as char)
                .to_digit(16)
                .ok_or_else(|| protocol_err(ProtocolErrorKind::InvalidData, "bad \\u escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// Reads a JSON string into `self.text` (as raw UTF-8 bytes, unvalidated).
    fn json_string(&mut self, skip_context: bool) -> Result<()> {
        if !skip_context {
            self.separator()?;
        }
        self.expect(b'"')?;
        self.text.clear();
        let max = self.limits.max_string_len;
        loop {
            // Copy the run of plain bytes straight from the buffer.
            let buf = self.src.buffered();
            let run = buf
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .unwrap_or(buf.len());
            if self.text.len() + run > max {
                return Err(protocol_err(
                    ProtocolErrorKind::SizeLimit,
                    "json string too long",
                ));
            }
            self.text.extend_from_slice(&buf[..run]);
            self.src.consume(run);
            let b = self.src.read_u8()?;
            match b {
                b'"' => return Ok(()),
                b'\\' => self.escape()?,
                // The buffer was empty and got refilled: an ordinary byte.
                other => {
                    if self.text.len() >= max {
                        return Err(protocol_err(
                            ProtocolErrorKind::SizeLimit,
                            "json string too long",
                        ));
                    }
                    self.text.push(other);
                }
            }
        }
    }

    fn escape(&mut self) -> Result<()> {
        let c = match self.src.read_u8()? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let unit = self.read_hex4()?;
                let code = if (0xd800..0xdc00).contains(&unit) {
                    if self.src.read_u8()? != b'\\' || self.src.read_u8()? != b'u' {
                        return Err(protocol_err(
                            ProtocolErrorKind::InvalidData,
                            "expected low surrogate",
                        ));
                    }
                    let low = self.read_hex4()?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return Err(protocol_err(
                            ProtocolErrorKind::InvalidData,
                            "expected low surrogate",
                        ));
                    }
                    0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                } else if (0xdc00..0xe000).contains(&unit) {
                    return Err(protocol_err(
                        ProtocolErrorKind::InvalidData,
                        "unexpected low surrogate",
                    ));
                } else {
                    unit
                };
                let ch = char::from_u32(code).ok_or_else(|| {
                    protocol_err(ProtocolErrorKind::InvalidData, "invalid code point")
                })?;
                let mut utf8 = [0u8; 4];
                self.text
                    .extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
                return Ok(());
            }
            other => {
                return Err(protocol_err(
                    ProtocolErrorKind::InvalidData,
                    format!("invalid escape \\{}", other as char),
                ));
            }
        };
        self.text.push(c);
        Ok(())
    }

    /// Reads the characters of a JSON number into a stack buffer.
    fn numeric_chars(&mut self) -> Result<([u8; 40], usize)> {
        let mut out = [0u8; 40];
        let mut n = 0;
        loop {
            // A number is always followed by something (a quote, separator or bracket), so
            // running out of input here is a truncated message, not a short number.
            let Some(c) = self.src.peek_u8()? else {
                return Err(crate::error::eof());
            };
            if !matches!(c, b'+' | b'-' | b'.' | b'0'..=b'9' | b'E' | b'e') {
                break;
            }
            if n == out.len() {
                return Err(protocol_err(
                    ProtocolErrorKind::InvalidData,
                    "number too long",
                ));
            }
            out[n] = c;
            n += 1;
            self.src.consume(1);
        }
        if n == 0 {
            let got = self.peek()?;
            return Err(match got {
                None => crate::error::eof(),
                Some(c) => protocol_err(
                    ProtocolErrorKind::InvalidData,
                    format!("expected a number, found {:?}", c as char),
                ),
            });
        }
        Ok((out, n))
    }

    fn json_integer(&mut self) -> Result<i64> {
        self.separator()?;
        let quoted = self.ctx.escape_num();
        if quoted {
            self.expect(b'"')?;
        } else {
            self.peek()?;
        }
        let (chars, n) = self.numeric_chars()?;
        if quoted {
            self.expect(b'"')?;
        }
        std::str::from_utf8(&chars[..n])
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| protocol_err(ProtocolErrorKind::InvalidData, "invalid integer"))
    }

    fn json_integer_as<T: TryFrom<i64>>(&mut self) -> Result<T> {
        let v = self.json_integer()?;
        T::try_from(v)
            .map_err(|_| protocol_err(ProtocolErrorKind::InvalidData, format!("{v} out of range")))
    }

    fn json_double(&mut self) -> Result<f64> {
        self.separator()?;
        if self.peek()? == Some(b'"') {
            self.json_string(true)?;
            match &self.text[..] {
                b"NaN" => return Ok(f64::NAN),
                b"Infinity" => return Ok(f64::INFINITY),
                b"-Infinity" => return Ok(f64::NEG_INFINITY),
                _ => {}
            }
            if !self.ctx.escape_num() {
                return Err(protocol_err(
                    ProtocolErrorKind::InvalidData,
                    "numeric data unexpectedly quoted",
                ));
            }
            return std::str::from_utf8(&self.text)
                .ok()
                .and_then(parse_double)
                .ok_or_else(|| protocol_err(ProtocolErrorKind::InvalidData, "invalid double"));
        }
        if self.ctx.escape_num() {
            return Err(unexpected_char(b'"', self.peek()?));
        }
        let (chars, n) = self.numeric_chars()?;
        std::str::from_utf8(&chars[..n])
            .ok()
            .and_then(parse_double)
            .ok_or_else(|| protocol_err(ProtocolErrorKind::InvalidData, "invalid double"))
    }

    fn read_type_name(&mut self) -> Result<TType> {
        self.json_string(false)?;
        type_from_name(&self.text)
    }

    fn read_len(&mut self, min_elem_size: usize) -> Result<usize> {
        let n = self.json_integer()?;
        if n < 0 {
            return Err(protocol_kind(ProtocolErrorKind::NegativeSize));
        }
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        self.limits
            .check_container_len(n, min_elem_size, &self.src)?;
        Ok(n)
    }
}

/// Parses a JSON number as a double; rejects Rust-only spellings such as `inf`.
fn parse_double(s: &str) -> Option<f64> {
    if s.bytes()
        .all(|c| matches!(c, b'+' | b'-' | b'.' | b'0'..=b'9' | b'E' | b'e'))
    {
        s.parse().ok()
    } else {
        None
    }
}

impl<S: Source> ProtocolReader for JsonReader<S> {
    fn read_message_begin(&mut self) -> Result<MessageHeader> {
        self.src.begin_message();
        self.depth.reset();
        self.ctx.0.clear();
        self.open_array()?;
        let version = self.json_integer()?;
        if version != VERSION {
            return Err(protocol_err(
                ProtocolErrorKind::BadVersion,
                format!("json protocol version {version}"),
            ));
        }
        self.json_string(false)?;
        let name = std::str::from_utf8(&self.text)
            .map_err(|e| super::invalid_utf8(&e))?
            .to_owned();
        let kind = MessageType::from_i32(self.json_integer_as()?)?;
        let seqid = self.json_integer_as()?;
        Ok(MessageHeader {
            name,
            kind,
            seqid,
            channel: 0,
        })
    }

    fn read_message_end(&mut self) -> Result<()> {
        self.close(b']')
    }

    fn read_struct_begin(&mut self) -> Result<()> {
        self.depth.enter(&self.limits)?;
        self.open_object()
    }

    fn read_struct_end(&mut self) -> Result<()> {
        self.close(b'}')?;
        self.depth.leave();
        Ok(())
    }

    fn read_field_begin(&mut self) -> Result<Option<FieldHeader>> {
        if self.peek()? == Some(b'}') {
            return Ok(None);
        }
        let id = self.json_integer_as()?;
        self.open_object()?;
        let ttype = self.read_type_name()?;
        Ok(Some(FieldHeader { ttype, id }))
    }

    fn read_field_end(&mut self) -> Result<()> {
        self.close(b'}')
    }

    fn read_list_begin(&mut self) -> Result<ListHeader> {
        self.depth.enter(&self.limits)?;
        self.open_array()?;
        let elem = self.read_type_name()?;
        let len = self.read_len(1)?;
        Ok(ListHeader { elem, len })
    }

    fn read_list_end(&mut self) -> Result<()> {
        self.close(b']')?;
        self.depth.leave();
        Ok(())
    }

    fn read_set_begin(&mut self) -> Result<ListHeader> {
        self.read_list_begin()
    }

    fn read_set_end(&mut self) -> Result<()> {
        self.read_list_end()
    }

    fn read_map_begin(&mut self) -> Result<MapHeader> {
        self.depth.enter(&self.limits)?;
        self.open_array()?;
        let key = self.read_type_name()?;
        let value = self.read_type_name()?;
        // A key costs at least `"":`-ish and a value at least one byte.
        let len = self.read_len(2)?;
        self.open_object()?;
        Ok(MapHeader { key, value, len })
    }

    fn read_map_end(&mut self) -> Result<()> {
        self.close(b'}')?;
        self.close(b']')?;
        self.depth.leave();
        Ok(())
    }

    fn read_bool(&mut self) -> Result<bool> {
        Ok(self.json_integer()? != 0)
    }

    fn read_i8(&mut self) -> Result<i8> {
        self.json_integer_as()
    }

    fn read_i16(&mut self) -> Result<i16> {
        self.json_integer_as()
    }

    fn read_i32(&mut self) -> Result<i32> {
        self.json_integer_as()
    }

    fn read_i64(&mut self) -> Result<i64> {
        self.json_integer()
    }

    fn read_double(&mut self) -> Result<f64> {
        self.json_double()
    }

    fn read_uuid(&mut self) -> Result<[u8; 16]> {
        self.json_string(false)?;
        parse_uuid(&self.text)
    }

    fn read_binary_ref(&mut self) -> Result<&[u8]> {
        self.json_string(false)?;
        base64_decode(&self.text, &mut self.bin)?;
        Ok(&self.bin)
    }

    fn read_str(&mut self) -> Result<&str> {
        self.json_string(false)?;
        std::str::from_utf8(&self.text).map_err(|e| super::invalid_utf8(&e))
    }

    fn skip_binary(&mut self) -> Result<()> {
        // Strings and binaries share the "str" tag; skip without base64-decoding.
        self.json_string(false)
    }

    fn limits(&self) -> &Limits {
        &self.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: f64) -> String {
        let mut out = Vec::new();
        format_double(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn doubles_match_printf_g17() {
        assert_eq!(g(0.0), "0");
        assert_eq!(g(-0.0), "-0");
        assert_eq!(g(1.0), "1");
        assert_eq!(g(0.1), "0.10000000000000001");
        assert_eq!(g(1.5), "1.5");
        assert_eq!(g(-2.25e-5), "-2.2500000000000001e-05");
        assert_eq!(g(1e100), "1e+100");
        assert_eq!(g(1e16), "10000000000000000");
        assert_eq!(g(1e17), "1e+17");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(5e-324), "4.9406564584124654e-324");
        assert_eq!(g(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(g(123456.789), "123456.789");
    }

    #[test]
    fn base64_both_ways() {
        let enc = |d: &[u8]| {
            let mut out = Vec::new();
            base64_encode(d, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(enc(&[1, 2, 3]), "AQID");
        assert_eq!(enc(&[1, 2]), "AQI");
        assert_eq!(enc(&[1]), "AQ");
        let mut out = Vec::new();
        for text in ["AQI", "AQI="] {
            base64_decode(text.as_bytes(), &mut out).unwrap();
            assert_eq!(out, [1, 2]);
        }
        base64_decode(b"AQ==", &mut out).unwrap();
        assert_eq!(out, [1]);
        let err = base64_decode(b"A", &mut out).unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
        let err = base64_decode(b"A*AA", &mut out).unwrap_err();
        assert_eq!(err.protocol_kind(), Some(ProtocolErrorKind::InvalidData));
    }

    #[test]
    fn message_example() {
        let mut w = JsonWriter::new(Vec::new());
        w.write_message_begin(&MessageHeader::new("add", MessageType::Call, 1))
            .unwrap();
        w.write_struct_begin("args").unwrap();
        w.write_field_begin(FieldHeader::new(TType::I32, 1))
            .unwrap();
        w.write_i32(1).unwrap();
        w.write_field_end().unwrap();
        w.write_field_stop().unwrap();
        w.write_struct_end().unwrap();
        w.write_message_end().unwrap();
        let bytes = w.into_inner();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"[1,"add",1,1,{"1":{"i32":1}}]"#
        );
    }

    #[test]
    fn map_keys_are_quoted() {
        let mut w = JsonWriter::new(Vec::new());
        w.write_map_begin(MapHeader::new(TType::I32, TType::String, 1))
            .unwrap();
        w.write_i32(7).unwrap();
        w.write_string("x").unwrap();
        w.write_map_end().unwrap();
        assert_eq!(w.into_inner(), br#"["i32","str",1,{"7":"x"}]"#);
    }

    #[test]
    fn strings_escape_like_cpp() {
        let mut w = JsonWriter::new(Vec::new());
        w.write_string("a\"\\/\u{1}\n\u{e9}").unwrap();
        assert_eq!(
            std::str::from_utf8(&w.into_inner()).unwrap(),
            "\"a\\\"\\\\/\\u0001\\n\u{e9}\""
        );
        let input = r#""\u00e9\ud83d\ude00\/""#;
        let mut r = JsonReader::new(input.as_bytes());
        assert_eq!(r.read_str().unwrap(), "\u{e9}\u{1f600}/");
        let mut r = JsonReader::new(&br#""\ud83d""#[..]);
        assert_eq!(
            r.read_str().unwrap_err().protocol_kind(),
            Some(ProtocolErrorKind::InvalidData)
        );
    }

    #[test]
    fn uuid_text() {
        let v: [u8; 16] = core::array::from_fn(|i| (i * 17) as u8);
        let mut out = Vec::new();
        format_uuid(&v, &mut out);
        assert_eq!(out, b"00112233-4455-6677-8899-aabbccddeeff");
        assert_eq!(parse_uuid(&out).unwrap(), v);
        assert_eq!(
            parse_uuid(b"00112233-4455-6677-8899-AABBCCDDEEFF").unwrap(),
            v
        );
    }
}
