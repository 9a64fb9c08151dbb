//! [`MultiplexedProcessor`]: several services behind one server, Apache's
//! `TMultiplexedProcessor`.

use std::fmt;

use crate::__private::write_exception;
use crate::application::{ApplicationError, ApplicationErrorKind};
use crate::error::Result;
use crate::processor::Processor;
use crate::protocol::multiplexed::split_service_name;
use crate::protocol::{ProtocolReader, ProtocolWriter};
use crate::ttype::{MessageHeader, MessageType, TType};

/// Routes `Service:method` calls to the processor registered as `Service`, with the bare
/// method name; plain `method` calls go to the default processor, if there is one.
///
/// ```
/// # fn demo<A: thrift_rt::Processor + 'static, B: thrift_rt::Processor + 'static>(a: A, b: B) {
/// use thrift_rt::server::MultiplexedProcessor;
///
/// let processor = MultiplexedProcessor::new()
///     .register("Calculator", a)
///     .register("Echo", b);
/// # let _ = processor; }
/// ```
///
/// A call for a service nobody registered (or a plain call without a default) is answered
/// with a `TApplicationException` of kind `PROTOCOL_ERROR`, as Apache's C++ server does, and
/// the connection stays open; a oneway one is dropped and logged.
///
/// The services are a list of types built by [`register`](Self::register), not a map of
/// trait objects: a `MultiplexedProcessor` is a [`Processor`] like any other, generic over
/// the reader and writer, so it runs on every stack and each service reads every value with
/// static dispatch. Finding the service costs one string comparison per registered service
/// and message. Generated processors take the message header as an argument, so routing
/// only rewrites the header; nothing needs to be read again (Apache's
/// `StoredMessageProtocol` is not needed here).
pub struct MultiplexedProcessor<S = NoService, D = NoService> {
    services: S,
    default: D,
}

/// The end of a [`MultiplexedProcessor`]'s list of services (and its default when it has
/// none): routes nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoService;

/// A service registered in a [`MultiplexedProcessor`] under a name, before the ones
/// registered earlier.
#[derive(Debug)]
pub struct Service<P, Rest> {
    /// Shared, so interceptors see it without a copy per call.
    name: std::sync::Arc<str>,
    processor: P,
    rest: Rest,
}

impl Default for MultiplexedProcessor {
    fn default() -> Self {
        Self::new()
    }
}

impl MultiplexedProcessor {
    /// A processor with no services.
    pub fn new() -> Self {
        Self {
            services: NoService,
            default: NoService,
        }
    }
}

impl<S: Routes, D: Routes> MultiplexedProcessor<S, D> {
    /// Registers `processor` as `service`; a name registered twice goes to the later one.
    #[must_use]
    pub fn register<P: Processor>(
        self,
        service: impl Into<String>,
        processor: P,
    ) -> MultiplexedProcessor<Service<P, S>, D> {
        MultiplexedProcessor {
            services: Service {
                name: service.into().into(),
                processor,
                rest: self.services,
            },
            default: self.default,
        }
    }

    /// Sets the processor for calls without a `Service:` prefix.
    #[must_use]
    pub fn default_service<P: Processor>(self, processor: P) -> MultiplexedProcessor<S, P> {
        MultiplexedProcessor {
            services: self.services,
            default: processor,
        }
    }
}

impl<S: Routes, D: Routes> fmt::Debug for MultiplexedProcessor<S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = Vec::new();
        self.services.names(&mut names);
        names.sort_unstable();
        f.debug_struct("MultiplexedProcessor")
            .field("services", &names)
            .field("default", &D::ROUTES)
            .finish()
    }
}

/// A list of services a [`MultiplexedProcessor`] routes to; implemented by [`NoService`],
/// [`Service`] and every [`Processor`] (as a default service).
pub trait Routes: Send + Sync {
    /// Whether anything is routed here.
    const ROUTES: bool;

    /// Serves the call if a service here is called `name` (any name, for a default service).
    ///
    /// # Errors
    ///
    /// As [`Processor::process`].
    fn route<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        name: &str,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Option<Result<()>>;

    /// Collects the names of the services, for `Debug`.
    fn names<'a>(&'a self, out: &mut Vec<&'a str>) {
        let _ = out;
    }
}

impl Routes for NoService {
    const ROUTES: bool = false;

    fn route<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        _: &str,
        _: &MessageHeader,
        _: &mut R,
        _: &mut W,
    ) -> Option<Result<()>> {
        None
    }
}

impl<P: Processor, Rest: Routes> Routes for Service<P, Rest> {
    const ROUTES: bool = true;

    fn route<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        name: &str,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Option<Result<()>> {
        if *self.name == *name {
            Some(crate::intercept::enter_service(
                crate::intercept::ServiceName::Shared(&self.name),
                || self.processor.process(header, r, w),
            ))
        } else {
            self.rest.route(name, header, r, w)
        }
    }

    fn names<'a>(&'a self, out: &mut Vec<&'a str>) {
        out.push(&self.name);
        self.rest.names(out);
    }
}

impl<P: Processor> Routes for P {
    const ROUTES: bool = true;

    fn route<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        _: &str,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Option<Result<()>> {
        Some(self.process(header, r, w))
    }
}

impl<S: Routes, D: Routes> Processor for MultiplexedProcessor<S, D> {
    fn process<R: ProtocolReader + ?Sized, W: ProtocolWriter + ?Sized>(
        &self,
        header: &MessageHeader,
        r: &mut R,
        w: &mut W,
    ) -> Result<()> {
        let (service, method) = split_service_name(&header.name);
        let bare = MessageHeader {
            name: method.to_owned(),
            ..header.clone()
        };
        let routed = match service {
            Some(name) => self.services.route(name, &bare, r, w),
            None => self.default.route("", header, r, w),
        };
        if let Some(result) = routed {
            return result;
        }
        let message = match service {
            Some(name) => format!("unknown service `{name}`; was it registered with the server?"),
            None => format!(
                "`{method}` has no service name and there is no default service; \
                 does the client use a multiplexed protocol?"
            ),
        };
        refuse(header, r, w, message)
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
        tracing::warn!("oneway call `{}` dropped: {message}", header.name);
        return Ok(());
    }
    let exception = ApplicationError::new(ApplicationErrorKind::ProtocolError, message);
    write_exception(w, header, &exception)
}
