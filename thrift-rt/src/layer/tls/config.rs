//! [`TlsClientConfig`] and [`TlsServerConfig`]: rustls configurations built from PEM files
//! (or given whole), with the `ring` provider.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// The provider every configuration built here uses, named explicitly so that a process
/// whose dependencies also enable another rustls provider still builds one.
///
/// rustls marks `ring`'s provider deprecated because it has no post-quantum key exchange
/// (`aws-lc-rs` has); `ring` builds with a C compiler alone, where `aws-lc-rs` needs more
/// tools, so it stays our choice until that changes. A user who wants post-quantum key
/// exchange builds a `rustls::ClientConfig` / `ServerConfig` with that provider and passes
/// it to `from_rustls`.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn invalid(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

/// Every certificate in a PEM file, in order.
///
/// # Errors
///
/// When the file cannot be read, is not PEM, or holds no certificate.
pub fn load_certificates(path: impl AsRef<Path>) -> io::Result<Vec<CertificateDer<'static>>> {
    let path = path.as_ref();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(invalid(format!("{}: no certificate", path.display())));
    }
    Ok(certs)
}

/// The private key in a PEM file (PKCS #8, PKCS #1 or SEC1).
///
/// # Errors
///
/// When the file cannot be read or holds no key.
pub fn load_private_key(path: impl AsRef<Path>) -> io::Result<PrivateKeyDer<'static>> {
    let path = path.as_ref();
    PrivateKeyDer::from_pem_file(path).map_err(|e| invalid(format!("{}: {e}", path.display())))
}

/// The certificates of a PEM file as trust anchors.
fn roots(ca: &Path) -> io::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in load_certificates(ca)? {
        roots
            .add(cert)
            .map_err(|e| invalid(format!("{}: {e}", ca.display())))?;
    }
    Ok(roots)
}

/// A TLS client configuration: whom to trust, and the client's own certificate if any.
///
/// ```no_run
/// # fn demo() -> std::io::Result<()> {
/// use thrift_rt::layer::tls::TlsClientConfig;
///
/// let config = TlsClientConfig::from_pem_files("keys/CA.pem", Some(("keys/client.crt", "keys/client.key")))?;
/// # let _ = config; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TlsClientConfig(Arc<ClientConfig>);

impl TlsClientConfig {
    /// Trusts the certificates in the PEM file `ca` (and nothing else) and, with
    /// `client_cert` (certificate chain file, private key file), presents that certificate
    /// to servers that ask for one (mutual TLS). TLS 1.2 and 1.3.
    ///
    /// # Errors
    ///
    /// When a file cannot be read or parsed, or the key does not suit the certificate.
    pub fn from_pem_files(
        ca: impl AsRef<Path>,
        client_cert: Option<(impl AsRef<Path>, impl AsRef<Path>)>,
    ) -> io::Result<Self> {
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(invalid)?
            .with_root_certificates(roots(ca.as_ref())?);
        let config = match client_cert {
            Some((cert, key)) => builder
                .with_client_auth_cert(load_certificates(cert)?, load_private_key(key)?)
                .map_err(invalid)?,
            None => builder.with_no_client_auth(),
        };
        Ok(Self(Arc::new(config)))
    }

    /// A configuration of your own (trust store, ciphers, ALPN, session cache, ...).
    pub fn from_rustls(config: impl Into<Arc<ClientConfig>>) -> Self {
        Self(config.into())
    }

    /// The rustls configuration.
    pub fn rustls(&self) -> &Arc<ClientConfig> {
        &self.0
    }
}

/// Whether a server asks clients for a certificate, and whom it trusts to sign one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ClientAuth {
    /// No client certificates (as Apache's test servers).
    #[default]
    Off,
    /// Asks for one signed by a CA in this PEM file; a client without one is served too,
    /// and handlers see no certificate. A client with a certificate the CA did not sign is
    /// refused at the handshake.
    Optional(PathBuf),
    /// Requires one signed by a CA in this PEM file: other clients are refused at the
    /// handshake (mutual TLS).
    Required(PathBuf),
}

/// A TLS server configuration: the server's certificate and key, and what it asks of
/// clients.
///
/// ```no_run
/// # fn demo() -> std::io::Result<()> {
/// use thrift_rt::layer::tls::{ClientAuth, TlsServerConfig};
///
/// let config = TlsServerConfig::from_pem_files(
///     "keys/server.crt",
///     "keys/server.key",
///     ClientAuth::Required("keys/CA.pem".into()),
/// )?;
/// # let _ = config; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TlsServerConfig(Arc<ServerConfig>);

impl TlsServerConfig {
    /// Presents the certificate chain in the PEM file `cert` with the private key in `key`,
    /// and treats client certificates as `client_auth` says. TLS 1.2 and 1.3.
    ///
    /// # Errors
    ///
    /// When a file cannot be read or parsed, or the key does not suit the certificate.
    pub fn from_pem_files(
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
        client_auth: ClientAuth,
    ) -> io::Result<Self> {
        let builder = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(invalid)?;
        let optional = matches!(client_auth, ClientAuth::Optional(_));
        let builder = match client_auth {
            ClientAuth::Off => builder.with_no_client_auth(),
            ClientAuth::Optional(ca) | ClientAuth::Required(ca) => {
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots(&ca)?), provider());
                let verifier = if optional {
                    verifier.allow_unauthenticated()
                } else {
                    verifier
                };
                builder.with_client_cert_verifier(verifier.build().map_err(invalid)?)
            }
        };
        let config = builder
            .with_single_cert(load_certificates(cert)?, load_private_key(key)?)
            .map_err(invalid)?;
        Ok(Self(Arc::new(config)))
    }

    /// A configuration of your own.
    pub fn from_rustls(config: impl Into<Arc<ServerConfig>>) -> Self {
        Self(config.into())
    }

    /// The rustls configuration.
    pub fn rustls(&self) -> &Arc<ServerConfig> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_empty_files_say_which_and_why() {
        let e = TlsClientConfig::from_pem_files("/nonexistent/CA.pem", None::<(&str, &str)>)
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("/nonexistent/CA.pem"), "{e}");
        let dir = std::env::temp_dir().join(format!("thrift-rt-tls-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not PEM at all\n").unwrap();
        let e = load_certificates(&empty).unwrap_err();
        assert!(e.to_string().contains("no certificate"), "{e}");
        assert!(load_private_key(&empty).is_err());
        let e = TlsServerConfig::from_pem_files(&empty, &empty, ClientAuth::Off).unwrap_err();
        assert!(e.to_string().contains("empty.pem"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
