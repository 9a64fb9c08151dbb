//! The result struct of a service function, once, in the runtime: [`Reply`] for functions that
//! return a value, [`VoidReply`] for `void` ones.
//!
//! On the wire a result struct has the return value as field 0 and each declared exception as
//! a field of its own id; at most one is set. The generated error enum of a function already
//! knows its exceptions, so it writes and reads them ([`Exceptions`]), and the structs here
//! are generic over it: generated code names `Reply<Entry, StoreGetError>` instead of
//! declaring one struct per function.

use crate::codec::{ReadThrift, WriteThrift};
use crate::error::{Error, Result};
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{FieldHeader, TType};

use super::fields::{read_field_into, skip_field, write_field};

/// The declared exceptions of a function, as its generated error enum implements them; `Error`
/// implements it for functions that declare none.
pub trait Exceptions: From<Error> + Sized {
    /// Writes the exception as its result-struct field. Never called for an undeclared
    /// error, which travels as an `Exception` message instead.
    ///
    /// # Errors
    ///
    /// Whatever the protocol or transport reports.
    fn write_exception<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()>;

    /// Reads the result-struct field `field` if it is a declared exception (`None`, the value
    /// skipped, otherwise).
    ///
    /// # Errors
    ///
    /// Whatever the protocol or transport reports.
    fn read_exception<R: ProtocolReader + ?Sized>(
        r: &mut R,
        field: FieldHeader,
    ) -> Result<Option<Self>>;

    /// `Ok` for a declared exception, `Err` with the error for anything else (a handler error
    /// the IDL does not declare).
    ///
    /// # Errors
    ///
    /// The undeclared error.
    fn declared(self) -> Result<Self>;
}

/// No declared exception: every error is undeclared.
impl Exceptions for Error {
    fn write_exception<W: ProtocolWriter + ?Sized>(&self, _w: &mut W) -> Result<()> {
        Ok(())
    }

    fn read_exception<R: ProtocolReader + ?Sized>(
        r: &mut R,
        field: FieldHeader,
    ) -> Result<Option<Self>> {
        skip_field(r, field).map(|()| None)
    }

    fn declared(self) -> Result<Self> {
        Err(self)
    }
}

/// Reads a declared exception of type `T` into `variant`: the helper of generated
/// [`Exceptions::read_exception`] arms.
///
/// # Errors
///
/// Whatever reading the value fails with.
pub fn read_exception<R: ProtocolReader + ?Sized, T: ReadThrift, E>(
    r: &mut R,
    field: FieldHeader,
    variant: fn(T) -> E,
) -> Result<Option<E>> {
    let mut slot = None;
    read_field_into(r, field, &mut slot, "result", "exception")?;
    Ok(slot.map(variant))
}

/// The result struct of a function that returns a `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<T, E = Error> {
    /// The return value (field 0).
    pub success: Option<T>,
    /// A declared exception.
    pub exception: Option<E>,
}

/// The result struct of a `void` function: no field but the declared exceptions.
#[derive(Debug, Clone, PartialEq)]
pub struct VoidReply<E = Error> {
    /// A declared exception.
    pub exception: Option<E>,
}

impl<T: WriteThrift, E: Exceptions> WriteThrift for Reply<T, E> {
    const TTYPE: TType = TType::Struct;

    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_struct_begin("result")?;
        if let Some(success) = &self.success {
            write_field(w, 0, success)?;
        }
        if let Some(exception) = &self.exception {
            exception.write_exception(w)?;
        }
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

impl<T: ReadThrift, E: Exceptions> ReadThrift for Reply<T, E> {
    const TTYPE: TType = TType::Struct;

    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let mut reply = Reply {
            success: None,
            exception: None,
        };
        r.read_struct_begin()?;
        while let Some(field) = r.read_field_begin()? {
            if field.id == 0 {
                read_field_into(r, field, &mut reply.success, "result", "success")?;
            } else if let Some(exception) = E::read_exception(r, field)? {
                reply.exception = Some(exception);
            }
        }
        r.read_struct_end()?;
        Ok(reply)
    }
}

impl<E: Exceptions> WriteThrift for VoidReply<E> {
    const TTYPE: TType = TType::Struct;

    fn write<W: ProtocolWriter + ?Sized>(&self, w: &mut W) -> Result<()> {
        w.write_struct_begin("result")?;
        if let Some(exception) = &self.exception {
            exception.write_exception(w)?;
        }
        w.write_field_stop()?;
        w.write_struct_end()
    }
}

impl<E: Exceptions> ReadThrift for VoidReply<E> {
    const TTYPE: TType = TType::Struct;

    fn read<R: ProtocolReader + ?Sized>(r: &mut R) -> Result<Self> {
        let mut exception = None;
        r.read_struct_begin()?;
        while let Some(field) = r.read_field_begin()? {
            if let Some(e) = E::read_exception(r, field)? {
                exception = Some(e);
            }
        }
        r.read_struct_end()?;
        Ok(VoidReply { exception })
    }
}
