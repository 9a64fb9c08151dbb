//! Thrift over HTTP/1.1 (cargo feature `http`): each message is the body of one `POST`
//! (`Content-Type: application/x-thrift`), its reply the body of the response, as Apache
//! Thrift's `THttpClient` / `THttpServer` (C++, Python, Java, Go, JavaScript) send them.
//!
//! HTTP here is a message framing, so it is a [`Transport`](crate::stack::Transport)
//! ([`HttpClient`](crate::stack::HttpClient) and [`HttpServer`](crate::stack::HttpServer)
//! in [`stack`](crate::stack)), not a layer: the body is the message, the request or
//! response head is its frame header. It runs over any [`Layer`](crate::stack::Layer)s
//! below it (TLS, for HTTPS).
//!
//! - [`HttpReader`] reads heads and bodies (`Content-Length` or `chunked`) and hands out one
//!   body at a time as a [`Source`](super::Source), held whole like a frame, so strings
//!   and binaries are borrowed from it without copies.
//! - [`HttpWriter`] holds a whole body and sends head and body with one write when the
//!   protocol writer flushes: the head goes into room kept in front of the body, so the body
//!   is never copied.
//!
//! Heads are parsed with [`httparse`]: it is small, well kept and fuzzed, parses in place
//! without allocating or copying (headers are slices of our buffer), rejects malformed heads
//! strictly, and it is the parser under `hyper`, so its handling of the corners of HTTP/1.1
//! is what most Rust HTTP software already relies on. A hand-written parser would be the
//! riskiest code in the crate for no gain; a whole HTTP stack (`hyper`) would bring an async
//! runtime the rest of the crate does not use.
//!
//! # Limits
//!
//! Everything a peer sends is bounded before anything is allocated for it: the head by
//! [`HttpServer::max_header_bytes`](crate::stack::HttpServer::max_header_bytes) and
//! [`max_headers`](crate::stack::HttpServer::max_headers), a body (announced or chunked) by
//! [`Limits::max_frame_size`](crate::Limits::max_frame_size) (a body is held whole, as a
//! frame is). A request that breaks a rule of HTTP or a limit is an error of kind
//! [`Http`](crate::TransportErrorKind::Http) (or a frame error): the server answers it
//! `400 Bad Request` (`413 Content Too Large` for a body beyond the limit, both best
//! effort, through [`Sink::refuse_message`](super::Sink::refuse_message)), closes the
//! connection, and serves its other clients. A body is one whole message: a message cut
//! short inside its body is an error, never continued from the next request.
//!
//! # Oneway calls
//!
//! HTTP has no request without a response, but Apache's peers disagree about oneway calls:
//! Python's `THttpClient` waits for a response to one, the C++ client never reads one. Our
//! server answers every request, a oneway call with an empty `200` (the server tells the
//! sink when a message was served, [`Sink::message_served`](super::Sink::message_served)).
//! Our client does not wait after a oneway call, and skips an empty response in front of the
//! reply to its next call: a reply to a call is never empty, so an empty response can only
//! be a server's answer to an earlier oneway call.

mod chunked;
mod head;
mod reader;
mod writer;

pub use reader::{HttpReader, Mode, Request, Response};
pub use writer::HttpWriter;

pub(crate) use head::{RequestRules, request_len};

/// The most headers a head may have, whatever is configured (they are parsed into an
/// array of this size on the stack).
pub const MAX_HEADERS: usize = 128;

/// Default bound on the bytes of a request or response head (request line, headers, the
/// empty line).
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;

/// Default bound on the number of headers of a head.
pub const DEFAULT_MAX_HEADERS: usize = 64;

/// The limits of a head, from the transport's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeadLimits {
    pub(crate) max_header_bytes: usize,
    pub(crate) max_headers: usize,
}

impl Default for HeadLimits {
    fn default() -> Self {
        Self {
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
        }
    }
}

/// An error of kind [`Http`](crate::TransportErrorKind::Http).
#[cold]
pub(crate) fn http_err(message: impl Into<String>) -> crate::Error {
    crate::error::TransportError::new(crate::TransportErrorKind::Http, message).into()
}
