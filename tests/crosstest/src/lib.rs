//! Apache Thrift's cross-language test, for this implementation.
//!
//! Apache's cross-test runner starts a *test server* of one language and a *test client* of
//! another and judges the pair only by sockets and exit codes. This crate builds ours:
//!
//! - `test_server` ([`handler`], [`options::ServerArgs`]) serves `ThriftTest` and
//!   `SecondService` from `idl/cross_test.thrift` (our own IDL with the wire contract of
//!   Apache's `ThriftTest.thrift` 0.17.0) over TCP or a Unix socket, with any protocol and
//!   transport the runner names; it stops on SIGHUP.
//! - `test_client` ([`suite`], [`options::ClientArgs`]) calls every method with the values
//!   Apache's clients send, compares the answers exactly and exits with the runner's bit mask.
//!
//! The contract (command lines, readiness, seqids, oneway, exit bits, each method's
//! answer) is written out in `../shared/conformance/CROSSTEST.md`. `cargo build --release`
//! puts both executables in `target/release/`. `tests/interop.rs` runs them against Python
//! peers of our own built on Apache's Python library (`py/`), in both directions, for every
//! protocol × transport × socket.
//! (`--transport=http` is Thrift over HTTP: any path served, `POST /` from the client; Apache's
//! Python HTTP peers use TCP only, so the suite runs HTTP over TCP).

/// The code generated from `idl/cross_test.thrift`.
///
/// Each executable uses a different half of it (the server the handler traits and
/// processors, the client the clients), so unused items are expected.
#[allow(dead_code, unreachable_pub)]
pub mod idl {
    thrift_rt::include_thrift!();
}

pub mod handler;
pub mod logger;
pub mod options;
pub mod suite;
