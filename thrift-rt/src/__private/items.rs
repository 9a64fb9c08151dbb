//! The parts of a generated client and processor that are the same for every service, as
//! macros: the struct, its constructors and accessors, and the `Processor` impl. Generated
//! code invokes them with the names of the service's items, and writes only what differs
//! (the client's methods, the processor's dispatch), so every service does not repeat these
//! lines in the user's crate.

/// A generated client's struct and every method but the calls: `new`, `into_inner`,
/// `from_caller`, `CHANNEL`, `on_channel`, `channel`, `caller_mut`, `into_caller`.
#[doc(hidden)]
#[macro_export]
macro_rules! __thrift_client_items {
    ($client:ident, $service:literal, $channel:expr) => {
        #[doc = concat!(
            " Calls `", $service, "` on a server: one method per function, base services' included."
        )]
        ///
        /// `C` is how calls travel: a [`Client`](::thrift_rt::Client) over one connection's reader
        /// and writer (see [`new`](Self::new)), or any other [`Caller`](::thrift_rt::Caller),
        /// such as a handle on a two-way endpoint (see [`from_caller`](Self::from_caller)).
        #[derive(Debug, Clone)]
        pub struct $client<C> {
            inner: C,
            channel: u8,
        }

        impl<R: $crate::__private::ProtocolReader, W: $crate::__private::ProtocolWriter>
            $client<$crate::__private::Client<R, W>>
        {
            /// A client that writes calls to `writer` and reads replies from `reader`.
            pub fn new(reader: R, writer: W) -> Self {
                Self::from_caller($crate::__private::Client::new(reader, writer))
            }

            /// The reader and writer.
            pub fn into_inner(self) -> (R, W) {
                self.inner.into_inner()
            }
        }

        impl<C: $crate::__private::Caller> $client<C> {
            /// The channel calls are sent on.
            pub const CHANNEL: u8 = $channel;

            /// A client that makes its calls through `caller`.
            pub fn from_caller(caller: C) -> Self {
                Self {
                    inner: caller,
                    channel: Self::CHANNEL,
                }
            }

            /// Sends the calls on `channel` instead of [`CHANNEL`](Self::CHANNEL): for a peer
            /// that serves this service on another channel (as `serve_on` allows).
            #[must_use]
            pub fn on_channel(mut self, channel: u8) -> Self {
                self.channel = channel;
                self
            }

            /// The channel the calls are sent on.
            pub fn channel(&self) -> u8 {
                self.channel
            }

            /// The caller underneath, e.g. to set the next sequence id of a
            /// [`Client`](::thrift_rt::Client).
            pub fn caller_mut(&mut self) -> &mut C {
                &mut self.inner
            }

            /// The caller underneath.
            pub fn into_caller(self) -> C {
                self.inner
            }
        }
    };
}

/// A generated processor's struct, `new`, `handler`, `SERVICE_NAME`, `CHANNEL`, and its
/// `Processor` impl, which refuses what is not a call and answers a method that `dispatch`
/// (written by the generator) does not know.
#[doc(hidden)]
#[macro_export]
macro_rules! __thrift_processor_items {
    ($processor:ident, $handler:ident, $service:literal, $channel:expr) => {
        #[doc = concat!(
                    " Serves `", $service, "` calls with a [`", stringify!($handler), "`] handler."
                )]
        #[derive(Debug, Clone)]
        pub struct $processor<H> {
            handler: H,
        }

        impl<H> $processor<H> {
            /// The service name, for registering with a multiplexed processor.
            pub const SERVICE_NAME: &'static str = $service;
            /// The channel the IDL gives this service (0 when it gives none).
            pub const CHANNEL: u8 = $channel;

            /// A processor that serves calls with `handler`.
            pub fn new(handler: H) -> Self {
                Self { handler }
            }

            /// The handler.
            pub fn handler(&self) -> &H {
                &self.handler
            }
        }

        impl<H: $handler> $crate::__private::Processor for $processor<H> {
            const CHANNEL: u8 = $channel;

            fn process<
                R: $crate::__private::ProtocolReader + ?Sized,
                W: $crate::__private::ProtocolWriter + ?Sized,
            >(
                &self,
                header: &$crate::__private::MessageHeader,
                r: &mut R,
                w: &mut W,
            ) -> $crate::__private::Result<()> {
                if !matches!(
                    header.kind,
                    $crate::__private::MessageType::Call | $crate::__private::MessageType::Oneway
                ) {
                    return $crate::__private::invalid_message_type(header, r, w);
                }
                if $crate::__private::in_service($service, || {
                    Self::dispatch(&self.handler, header, r, w)
                })? {
                    ::core::result::Result::Ok(())
                } else {
                    $crate::__private::unknown_method(header, r, w)
                }
            }
        }
    };
}
