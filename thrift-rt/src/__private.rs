//! What generated code may name. **Not public API**: exempt from semver, may change in any
//! release together with `thrift-build`.
//!
//! Generated code refers to everything through `::thrift_rt::__private as _rt`, so that IDL
//! names such as `Result` or `Box` cannot shadow anything.

pub use crate::BytesStr;
pub use crate::application::{ApplicationError, ApplicationErrorKind};
pub use crate::caller::Caller;
pub use crate::client::{Client, missing_result};
pub use crate::codec::{
    ReadThrift, WriteThrift, read_field_value, skip_field, write_field, write_list,
};
pub use crate::error::{Error, ProtocolError, ProtocolErrorKind, Result, missing_field};
#[cfg(unix)]
pub use crate::fds::FdSet;
pub use crate::float::OrderedF64;
pub use crate::processor::{
    Processor, catch_panic, fds_unsupported, invalid_message_type, oneway_done, read_args, reply,
    reply_with_fds, undeclared_error, unknown_method, write_exception, write_reply,
};
pub use crate::protocol::{ProtocolReader, ProtocolWriter, Scalar, skip_value};
pub use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};
pub use bytes::Bytes;
#[cfg(unix)]
pub use std::os::fd::OwnedFd;
pub use std::sync::LazyLock;

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
