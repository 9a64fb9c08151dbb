//! [`UnknownFields`]: the fields a struct generated with `keep_unknown_fields` did not know,
//! kept as they were read so that writing the struct sends them on.

use crate::error::Result;
use crate::protocol::{ProtocolReader, ProtocolWriter, RawValue};
use crate::ttype::{FieldHeader, TType};

/// One field a generated struct, union or exception did not know: its id, wire type and
/// encoded value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownField {
    id: i16,
    ttype: TType,
    /// How many of the struct's known fields (in declaration order) come before it: the
    /// position it was read at, kept so it is written back there.
    after: u16,
    value: RawValue,
}

impl UnknownField {
    /// The field id.
    pub fn id(&self) -> i16 {
        self.id
    }

    /// The wire type of the value.
    pub fn ttype(&self) -> TType {
        self.ttype
    }

    /// The encoded value.
    pub fn value(&self) -> &RawValue {
        &self.value
    }

    /// Writes the whole field (header and value) with
    /// [`write_raw_field`](ProtocolWriter::write_raw_field).
    ///
    /// # Errors
    ///
    /// As for [`write_raw_field`](ProtocolWriter::write_raw_field).
    #[inline]
    pub fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_raw_field(self.id, self.ttype, &self.value)
    }
}

/// The fields a generated struct, union or exception did not know, in the order they were
/// read.
///
/// Read by the binary and compact protocols, each field keeps the bytes it was read as;
/// writing the struct again writes them back where they were among the known fields,
/// unchanged in the same protocol and transcoded between binary and compact. The JSON
/// protocol keeps none and writes none (see [`protocol::raw`](crate::protocol::raw)).
///
/// Equality, order and hash compare the encoded bytes: the same value read from two
/// protocols compares different.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownFields(Vec<UnknownField>);

impl UnknownFields {
    /// No fields.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// True when no unknown field was kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many unknown fields were kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The fields, in the order they were read.
    pub fn iter(&self) -> std::slice::Iter<'_, UnknownField> {
        self.0.iter()
    }

    /// Forgets every field (so that writing the struct drops them).
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Writes every field, in the order they were read.
    ///
    /// # Errors
    ///
    /// As for [`write_raw_field`](ProtocolWriter::write_raw_field).
    pub fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        self.0.iter().try_for_each(|field| field.write(w))
    }

    /// Captures the value of a field whose header was just read (and ends the field); `after`
    /// is the number of known fields before it (see [`UnknownCursor`]). A reader that captures
    /// nothing (JSON) just skips the value.
    ///
    /// # Errors
    ///
    /// As for [`capture_value`](ProtocolReader::capture_value).
    pub(crate) fn capture<R: ProtocolReader + ?Sized>(
        &mut self,
        r: &mut R,
        field: FieldHeader,
        after: u16,
    ) -> Result<()> {
        if let Some(value) = r.capture_value(field.ttype)? {
            self.0.push(UnknownField {
                id: field.id,
                ttype: field.ttype,
                after,
                value,
            });
        }
        r.read_field_end()
    }
}

impl<'a> IntoIterator for &'a UnknownFields {
    type Item = &'a UnknownField;
    type IntoIter = std::slice::Iter<'a, UnknownField>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Writes a struct's unknown fields back between its known ones: before known field `k` (in
/// declaration order) go the unknown fields read after `k` known ones.
#[doc(hidden)]
#[derive(Debug)]
pub struct UnknownCursor<'a> {
    rest: &'a [UnknownField],
}

impl<'a> UnknownCursor<'a> {
    /// A cursor at the first field.
    #[inline]
    pub fn new(fields: &'a UnknownFields) -> Self {
        Self { rest: &fields.0 }
    }

    /// Writes the next fields read after at most `known` known fields.
    ///
    /// # Errors
    ///
    /// As for [`write_raw_field`](ProtocolWriter::write_raw_field).
    #[inline]
    pub fn write_through<W: ProtocolWriter + ?Sized>(
        &mut self,
        w: &mut W,
        known: u16,
    ) -> Result<()> {
        while let [first, rest @ ..] = self.rest {
            if first.after > known {
                break;
            }
            first.write(w)?;
            self.rest = rest;
        }
        Ok(())
    }

    /// Writes every field not written yet.
    ///
    /// # Errors
    ///
    /// As for [`write_raw_field`](ProtocolWriter::write_raw_field).
    #[inline]
    pub fn write_rest<W: ProtocolWriter + ?Sized>(self, w: &mut W) -> Result<()> {
        self.rest.iter().try_for_each(|field| field.write(w))
    }
}
