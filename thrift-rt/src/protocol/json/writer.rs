//! The JSON protocol writer.

use super::base64::base64_encode;
use super::context::{Ctx, CtxStack};
use super::double::format_double;
use super::uuid::format_uuid;
use super::{VERSION, type_name};
use crate::error::{ProtocolErrorKind, Result, protocol_err};
use crate::protocol::ProtocolWriter;
use crate::transport::Sink;
use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, TType};

/// Writes Apache's JSON protocol to any [`Sink`] (any `io::Write` with an empty `Sink` impl).
#[derive(Debug)]
pub struct JsonWriter<W> {
    w: W,
    ctx: CtxStack,
    buf: Vec<u8>,
}

impl<W: Sink> JsonWriter<W> {
    /// A JSON writer.
    pub fn new(w: W) -> Self {
        Self {
            w,
            ctx: CtxStack::default(),
            buf: Vec::new(),
        }
    }

    accessors!("sink", w: W);

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
        let special: &[u8] = if v.is_nan() {
            b"\"NaN\""
        } else if v == f64::INFINITY {
            b"\"Infinity\""
        } else if v == f64::NEG_INFINITY {
            b"\"-Infinity\""
        } else {
            let text = format_double(v);
            if self.ctx.escape_num() {
                self.w.write_all(b"\"")?;
                self.w.write_all(text.as_bytes())?;
                self.w.write_all(b"\"")?;
            } else {
                self.w.write_all(text.as_bytes())?;
            }
            return Ok(());
        };
        self.w.write_all(special)?;
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
        self.open(b'{', Ctx::OBJECT)
    }

    fn open_array(&mut self) -> Result<()> {
        self.open(b'[', Ctx::ARRAY)
    }

    fn len(&mut self, len: usize) -> Result<()> {
        let n =
            i64::try_from(len).map_err(|_| protocol_err(ProtocolErrorKind::SizeLimit, "length"))?;
        self.json_integer(n)
    }
}

impl<W: Sink> ProtocolWriter for JsonWriter<W> {
    /// Drops the field: a raw value's strings cannot be told from binaries, which JSON
    /// writes differently (see [`raw`](crate::protocol::raw)).
    fn write_raw_field(
        &mut self,
        _id: i16,
        _ttype: TType,
        _raw: &crate::protocol::RawValue,
    ) -> Result<()> {
        Ok(())
    }

    fn can_carry_fds(&self) -> bool {
        self.w.can_carry_fds()
    }

    fn discard_message(&mut self) {
        self.ctx = CtxStack::default();
        self.w.discard();
    }

    #[cfg(unix)]
    fn write_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        let index = self.w.attach_fd(fd)?;
        self.write_i32(index)
    }

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
        self.json_string(&format_uuid(v))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ttype::TType;

    #[test]
    fn message_example() {
        let mut w = JsonWriter::new(Vec::new());
        crate::protocol::write_add_call(&mut w).unwrap();
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
    }
}
