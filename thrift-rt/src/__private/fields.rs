//! Helpers of generated structs, unions and exceptions: fields written and read one by one.

use crate::codec::{ReadThrift, UnknownFields, WriteThrift};
use crate::error::{Error, ProtocolError, ProtocolErrorKind, Result};
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{FieldHeader, ListHeader};

/// Writes one field: header, value, end.
///
/// # Errors
///
/// Whatever the protocol or transport reports.
#[inline]
pub fn write_field<W: ProtocolWriter + ?Sized, T: WriteThrift + ?Sized>(
    w: &mut W,
    id: i16,
    value: &T,
) -> Result<()> {
    value.write_as_field(w, id)
}

/// Reads the value of a field whose header was just read, then ends the field.
///
/// Returns `None` (after skipping the value) if the wire type is not `T`'s, as other Thrift
/// implementations do for fields whose type changed.
///
/// # Errors
///
/// Whatever the protocol or transport reports.
#[inline]
pub fn read_field_value<R: ProtocolReader + ?Sized, T: ReadThrift>(
    r: &mut R,
    field: FieldHeader,
) -> Result<Option<T>> {
    let value = if field.ttype == T::TTYPE {
        Some(T::read(r)?)
    } else {
        r.skip(field.ttype)?;
        None
    };
    r.read_field_end()?;
    Ok(value)
}

/// Skips the value of a field whose header was just read, then ends the field.
///
/// # Errors
///
/// Whatever the protocol or transport reports.
#[inline]
pub fn skip_field<R: ProtocolReader + ?Sized>(r: &mut R, field: FieldHeader) -> Result<()> {
    r.skip(field.ttype)?;
    r.read_field_end()
}

/// Writes `items` as a `list<T>`.
///
/// # Errors
///
/// Whatever the protocol or transport reports.
pub fn write_list<W: ProtocolWriter + ?Sized, T: WriteThrift>(
    w: &mut W,
    items: &[T],
) -> Result<()> {
    w.write_list_begin(ListHeader::new(T::TTYPE, items.len()))?;
    T::write_slice(items, w)?;
    w.write_list_end()
}

/// Reads a field into `slot` if the wire type matches (skipping it otherwise), then ends the
/// field; errors get `strukt.field` added to their path.
///
/// # Errors
///
/// Whatever reading the value fails with.
#[inline]
pub fn read_field_into<R: ProtocolReader + ?Sized, T: ReadThrift>(
    r: &mut R,
    field: FieldHeader,
    slot: &mut Option<T>,
    strukt: &'static str,
    name: &'static str,
) -> Result<()> {
    match read_field_value(r, field) {
        Ok(Some(v)) => {
            *slot = Some(v);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e.in_field(strukt, name)),
    }
}

/// The error for a union that had no field or more than one.
#[cold]
pub fn invalid_union(name: &'static str, n_fields: usize) -> Error {
    Error::Protocol(ProtocolError::new(
        ProtocolErrorKind::InvalidUnion,
        format!("union {name} had {n_fields} fields"),
    ))
}

/// The error generated code returns when a required field is missing.
#[cold]
#[inline(never)]
pub fn missing_field(strukt: &'static str, field: &'static str) -> Error {
    crate::error::missing_field(strukt, field)
}

/// Keeps the value of an unknown field whose header was just read (or skips it, for a reader
/// that captures nothing), then ends the field; `known` is how many known fields were read
/// before it (see `UnknownCursor`).
///
/// # Errors
///
/// Whatever reading the value fails with.
#[inline(never)]
pub fn capture_unknown_field<R: ProtocolReader + ?Sized>(
    r: &mut R,
    field: FieldHeader,
    fields: &mut UnknownFields,
    known: u16,
) -> Result<()> {
    fields.capture(r, field, known)
}
