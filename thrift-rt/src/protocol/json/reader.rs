//! The JSON protocol reader.

use super::base64::base64_decode;
use super::context::{Ctx, CtxStack};
use super::double::parse_double;
use super::uuid::parse_uuid;
use super::{VERSION, type_from_name};
use crate::error::{ProtocolErrorKind, Result, protocol_err, protocol_kind};
use crate::limits::Limits;
use crate::protocol::{Depth, ProtocolReader, invalid_utf8};
use crate::transport::Source;
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};

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
    reader_constructors!("A reader with default limits.", depth, ctx, text, bin);

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
        self.open(b'{', Ctx::OBJECT)
    }

    fn open_array(&mut self) -> Result<()> {
        self.open(b'[', Ctx::ARRAY)
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

impl<S: Source> ProtocolReader for JsonReader<S> {
    fn has_message(&mut self) -> Result<bool> {
        self.src.fill_buf()
    }

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
            .map_err(|e| invalid_utf8(&e))?
            .to_owned();
        let kind = MessageType::from_i32(self.json_integer_as()?)?;
        let seqid = self.json_integer_as()?;
        Ok(MessageHeader::new(name, kind, seqid))
    }

    fn read_message_end(&mut self) -> Result<()> {
        self.close(b']')?;
        self.src.end_message()
    }

    #[cfg(unix)]
    fn read_fd(&mut self) -> Result<std::os::fd::OwnedFd> {
        let index = self.read_i32()?;
        self.src.take_fd(index)
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
        std::str::from_utf8(&self.text).map_err(|e| invalid_utf8(&e))
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

    #[test]
    fn strings_unescape_like_cpp() {
        let input = r#""\u00e9\ud83d\ude00\/""#;
        let mut r = JsonReader::new(input.as_bytes());
        assert_eq!(r.read_str().unwrap(), "\u{e9}\u{1f600}/");
        let mut r = JsonReader::new(&br#""\ud83d""#[..]);
        assert_eq!(
            r.read_str().unwrap_err().protocol_kind(),
            Some(ProtocolErrorKind::InvalidData)
        );
    }
}
