//! What generated code may name. **Not public API**: exempt from semver, may change in any
//! release together with `thrift-build`.
//!
//! Generated code refers to everything through `::thrift_rt::__private as _rt`, so that IDL
//! names such as `Result` or `Box` cannot shadow anything.

mod fields;
mod items;
mod method;
mod reply;
mod service;

pub use fields::{
    capture_unknown_field, invalid_union, missing_field, read_field_into, read_field_value,
    skip_field, write_field, write_list,
};
pub use method::{
    call, call_oneway, call_void, serve, serve_fds, serve_oneway, serve_void, serve_void_fds,
};
/// Runs a generated processor's dispatch with its service name known to interceptors.
pub fn in_service<T>(service: &'static str, f: impl FnOnce() -> T) -> T {
    crate::intercept::enter_service(crate::intercept::ServiceName::Static(service), f)
}

pub use reply::{Exceptions, Reply, VoidReply, read_exception};
pub use service::{
    catch_panic, fds_unsupported, invalid_message_type, missing_result, oneway_done, read_args,
    reply, reply_with_fds, undeclared_error, unknown_method, write_exception, write_reply,
};

pub use crate::{
    __thrift_client_items as client_items, __thrift_processor_items as processor_items,
};

pub use crate::application::{ApplicationError, ApplicationErrorKind};
pub use crate::client::{Caller, Client};
#[cfg(unix)]
pub use crate::codec::fds::FdSet;
pub use crate::codec::unknown::UnknownCursor;
pub use crate::codec::{BytesStr, OrderedF64, ReadThrift, UnknownFields, WriteThrift};
pub use crate::error::{Error, ProtocolError, ProtocolErrorKind, Result};
pub use crate::processor::Processor;
pub use crate::protocol::{ProtocolReader, ProtocolWriter, Scalar, skip_value};
pub use crate::ttype::{FieldHeader, ListHeader, MapHeader, MessageHeader, MessageType, TType};
pub use bytes::Bytes;
#[cfg(unix)]
pub use std::os::fd::OwnedFd;
pub use std::sync::LazyLock;
