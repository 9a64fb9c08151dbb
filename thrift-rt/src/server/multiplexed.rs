//! [`MultiplexedProcessor`]: several services behind one server, Apache's
//! `TMultiplexedProcessor`.

use std::collections::HashMap;
use std::fmt;

use crate::application::{ApplicationError, ApplicationErrorKind};
use crate::error::Result;
use crate::processor::write_exception;
use crate::protocol::multiplexed::split_service_name;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{MessageHeader, MessageType, TType};

use super::dispatch::{ConnectionProcessor, ServerIo, with_io};

/// Routes `Service:method` calls to the processor registered as `Service`, with the bare
/// method name; plain `method` calls go to the default processor, if there is one.
///
/// A call for a service nobody registered (or a plain call without a default) is answered
/// with a `TApplicationException` of kind `PROTOCOL_ERROR`, as Apache's C++ server does, and
/// the connection stays open; a oneway one is dropped and logged.
///
/// # Why `ConnectionProcessor` and not `Processor`
///
/// [`Processor::process`](crate::Processor::process) is generic, so processors of different
/// types cannot share a map as `dyn Processor`. Routing through `&mut dyn ProtocolReader`
/// would make every value a virtual call. Instead, services are stored as
/// `dyn` [`ConnectionProcessor`], which is object-safe because it takes the server's concrete
/// reader/writer pairs ([`ServerIo`]): one virtual call per message, and each registered
/// processor still reads every value through its statically dispatched generic code. The
/// cost is that a `MultiplexedProcessor` runs on the servers of this module (it is a
/// `ConnectionProcessor`, not a `Processor`).
///
/// Generated processors take the message header as an argument, so routing only rewrites
/// the header; nothing needs to be read again (Apache's `StoredMessageProtocol` is not
/// needed here).
#[derive(Default)]
pub struct MultiplexedProcessor {
    services: HashMap<String, Box<dyn ConnectionProcessor>>,
    default: Option<Box<dyn ConnectionProcessor>>,
}

impl fmt::Debug for MultiplexedProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.services.keys().collect();
        names.sort();
        f.debug_struct("MultiplexedProcessor")
            .field("services", &names)
            .field("default", &self.default.is_some())
            .finish()
    }
}

impl MultiplexedProcessor {
    /// A processor with no services.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `processor` as `service`, replacing any earlier one of that name.
    pub fn register(
        &mut self,
        service: impl Into<String>,
        processor: impl ConnectionProcessor + 'static,
    ) -> &mut Self {
        self.services.insert(service.into(), Box::new(processor));
        self
    }

    /// Sets the processor for calls without a `Service:` prefix.
    pub fn default_service(&mut self, processor: impl ConnectionProcessor + 'static) -> &mut Self {
        self.default = Some(Box::new(processor));
        self
    }
}

impl ConnectionProcessor for MultiplexedProcessor {
    fn process_message(&self, header: &MessageHeader, io: ServerIo<'_>) -> Result<()> {
        let (service, method) = split_service_name(&header.name);
        let target = match service {
            Some(name) => self.services.get(name).ok_or_else(|| {
                format!("unknown service `{name}`; was it registered with the server?")
            }),
            None => self.default.as_ref().ok_or_else(|| {
                format!(
                    "`{method}` has no service name and there is no default service; \
                     does the client use a multiplexed protocol?"
                )
            }),
        };
        match target {
            Ok(processor) => {
                let bare = MessageHeader {
                    name: method.to_owned(),
                    ..header.clone()
                };
                processor.process_message(&bare, io)
            }
            Err(message) => with_io!(io, |r, w| refuse(header, r, w, message)),
        }
    }
}

/// Skips the arguments and answers with a `PROTOCOL_ERROR` exception (calls only).
fn refuse<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
    header: &MessageHeader,
    r: &mut R,
    w: &mut W,
    message: String,
) -> Result<()> {
    r.skip(TType::Struct)?;
    r.read_message_end()?;
    if header.kind == MessageType::Oneway {
        log::warn!("oneway call `{}` dropped: {message}", header.name);
        return Ok(());
    }
    let exception = ApplicationError::new(ApplicationErrorKind::ProtocolError, message);
    write_exception(w, header, &exception)
}
