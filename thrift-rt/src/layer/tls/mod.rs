//! TLS with rustls (provider `ring`) as a layer under any transport: [`TlsClient`] and
//! [`TlsServer`]. Cargo feature `tls`.
//!
//! ```no_run
//! # fn demo() -> std::io::Result<()> {
//! use thrift_rt::layer::tls::{self, ClientAuth, TlsClientConfig, TlsServer, TlsServerConfig};
//! use thrift_rt::connect::ClientOptions;
//!
//! // A server asking for client certificates signed by our CA (mutual TLS):
//! let server = TlsServerConfig::from_pem_files(
//!     "keys/server.crt",
//!     "keys/server.key",
//!     ClientAuth::Required("keys/CA.pem".into()),
//! )?;
//! let builder = thrift_rt::server::Builder::new().layer(TlsServer::new(&server));
//! # let _ = builder;
//!
//! // A client checking that the server's certificate is for "localhost" and signed by our
//! // CA, presenting its own:
//! let client = TlsClientConfig::from_pem_files(
//!     "keys/CA.pem",
//!     Some(("keys/client.crt", "keys/client.key")),
//! )?;
//! let (r, w) = tls::connect_tcp("localhost:9090", "localhost", &client, &ClientOptions::default())?;
//! # let _ = (r, w); Ok(()) }
//! ```
//!
//! # The handshake
//!
//! Each layer runs the whole handshake in [`Layer::wrap`], when the connection is opened:
//! a client in `connect`, a server on the thread that takes the new connection (a
//! thread-pool worker). Every read and write of the handshake is bounded by the socket's
//! timeouts (a server's read (idle) timeout for the first byte, then its message timeout),
//! so a client that connects and stalls holds a pool worker for at most that long, and then
//! its connection is closed. A refused certificate, no common protocol version or cipher,
//! or the peer's alert fails the handshake: the connection is closed before any message.
//! With TLS 1.3 a client learns that the server refused *its* certificate only on its first
//! read (its first call fails with the server's alert), since its side of the handshake is
//! complete before the server judges its certificate.
//!
//! # The peer's certificates
//!
//! Handlers read the client's certificate chain with [`peer_certificates`] while they handle
//! a call (on the simple, threaded and thread-pool servers; not on endpoints), next to
//! [`peer::current`](crate::peer::current) for Unix-socket credentials:
//!
//! ```no_run
//! # fn demo() -> Result<(), String> {
//! let chain = thrift_rt::layer::tls::peer_certificates().ok_or("no client certificate")?;
//! let end_entity: &[u8] = chain[0].as_ref(); // DER, for an X.509 parser of your choice
//! # let _ = end_entity; Ok(()) }
//! ```
//!
//! A client reads the server's chain from its reader's [`TlsReader::peer_certificates`]
//! (through [`Stack::read_end`](crate::stack::Stack::read_end)'s layer).
//!
//! # Endpoints
//!
//! Not supported yet: channel endpoints ([`endpoint`](crate::endpoint)) read without
//! waiting and set up connections on their accept thread, where a handshake cannot wait
//! for the peer, so a TLS layer on an endpoint fails when the connection is set up (the peer
//! sees it closed). Use the servers and clients above.
//!
//! # Bytes held
//!
//! rustls keeps decrypted bytes until they are read; the reader says so in
//! [`ReadEnd::holds_bytes`], so a thread-pool server does not park a connection whose next
//! message is already decrypted. TLS cannot carry file descriptors.

use std::io;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, Connection, ServerConnection};

use crate::client::deadline::{ClientReadHalf, ClientWriteHalf};
use crate::connect::{self, ClientOptions};
use crate::stack::{AnyProtocolReader, AnyProtocolWriter, AnySink, AnySource, Layer};
use crate::transport::{ReadEnd, WriteEnd};

mod config;
mod stream;

pub use config::{
    ClientAuth, TlsClientConfig, TlsServerConfig, load_certificates, load_private_key,
};
pub use rustls;
pub use stream::{PeerCertificates, TlsReader, TlsWriter};

/// The client side of TLS: verifies that the server's certificate is valid, signed by a
/// trusted CA and for the server name given here (see the [module documentation](self)).
#[derive(Clone, Debug)]
pub struct TlsClient {
    config: Arc<rustls::ClientConfig>,
    server_name: ServerName<'static>,
}

impl TlsClient {
    /// A client layer expecting a certificate for `server_name` (a DNS name or an IP
    /// address).
    ///
    /// # Errors
    ///
    /// When `server_name` is neither.
    pub fn new(config: &TlsClientConfig, server_name: &str) -> io::Result<Self> {
        let server_name = ServerName::try_from(server_name.to_owned()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{server_name}` is not a server name: {e}"),
            )
        })?;
        Ok(Self {
            config: Arc::clone(config.rustls()),
            server_name,
        })
    }
}

impl Layer for TlsClient {
    type Reader<R: ReadEnd> = TlsReader<R>;
    type Writer<W: WriteEnd> = TlsWriter<W>;

    fn wrap<R: ReadEnd, W: WriteEnd>(
        &self,
        mut read: R,
        mut write: W,
    ) -> io::Result<(TlsReader<R>, TlsWriter<W>)> {
        let conn = ClientConnection::new(Arc::clone(&self.config), self.server_name.clone())
            .map_err(|e| stream::tls_error(&e))?;
        let mut conn = Connection::Client(conn);
        stream::handshake(&mut conn, &mut read, &mut write)?;
        stream::halves(conn, read, write)
    }

    fn inner<R: ReadEnd>(reader: &TlsReader<R>) -> &R {
        reader.get_ref()
    }

    fn inner_mut<R: ReadEnd>(reader: &mut TlsReader<R>) -> &mut R {
        reader.get_mut()
    }

    fn peer_identity<R: ReadEnd>(reader: &TlsReader<R>) -> Option<crate::layer::PeerIdentity> {
        Some(Arc::clone(reader.peer_cell()) as crate::layer::PeerIdentity)
    }
}

/// The server side of TLS: presents the server's certificate and, as configured, asks for
/// and verifies the client's (see the [module documentation](self)).
#[derive(Clone, Debug)]
pub struct TlsServer {
    config: Arc<rustls::ServerConfig>,
}

impl TlsServer {
    /// A server layer with `config`.
    pub fn new(config: &TlsServerConfig) -> Self {
        Self {
            config: Arc::clone(config.rustls()),
        }
    }
}

impl Layer for TlsServer {
    type Reader<R: ReadEnd> = TlsReader<R>;
    type Writer<W: WriteEnd> = TlsWriter<W>;

    fn wrap<R: ReadEnd, W: WriteEnd>(
        &self,
        mut read: R,
        mut write: W,
    ) -> io::Result<(TlsReader<R>, TlsWriter<W>)> {
        let conn =
            ServerConnection::new(Arc::clone(&self.config)).map_err(|e| stream::tls_error(&e))?;
        let mut conn = Connection::Server(conn);
        stream::handshake(&mut conn, &mut read, &mut write)?;
        stream::halves(conn, read, write)
    }

    fn inner<R: ReadEnd>(reader: &TlsReader<R>) -> &R {
        reader.get_ref()
    }

    fn inner_mut<R: ReadEnd>(reader: &mut TlsReader<R>) -> &mut R {
        reader.get_mut()
    }

    fn peer_identity<R: ReadEnd>(reader: &TlsReader<R>) -> Option<crate::layer::PeerIdentity> {
        Some(Arc::clone(reader.peer_cell()) as crate::layer::PeerIdentity)
    }
}

/// The certificate chain (end entity first) the client of the call this thread is handling
/// presented; `None` outside a handler, over a connection without TLS, on endpoints, and
/// when the client presented none (see the [module documentation](self)).
pub fn peer_certificates() -> Option<PeerCertificates> {
    let identity = crate::layer::current_peer_identity()?;
    let cell = identity.downcast::<OnceLock<PeerCertificates>>().ok()?;
    cell.get().filter(|chain| !chain.is_empty()).cloned()
}

/// The protocol reader of a connection made with [`connect_tcp`].
pub type TlsAnyReader = AnyProtocolReader<AnySource<TlsReader<ClientReadHalf>>>;
/// The protocol writer of a connection made with [`connect_tcp`].
pub type TlsAnyWriter = AnyProtocolWriter<AnySink<TlsWriter<ClientWriteHalf>>>;

/// Connects over TCP with `opts`, runs the TLS handshake (the server's certificate must be
/// for `server_name`), and returns the reader and writer for a generated client, as
/// [`connect::connect_tcp`] does without TLS.
///
/// # Errors
///
/// Errors from connecting, and a failed handshake.
pub fn connect_tcp(
    addr: impl std::net::ToSocketAddrs,
    server_name: &str,
    tls: &TlsClientConfig,
    opts: &ClientOptions,
) -> io::Result<(TlsAnyReader, TlsAnyWriter)> {
    let layer = TlsClient::new(tls, server_name)?;
    let stream = connect::tcp(addr, &opts.socket)?;
    let stack = opts.stack().layer(layer);
    let (r, w) = connect::with_stack(stream, &stack, &opts.limits)?;
    Ok((r, w))
}
