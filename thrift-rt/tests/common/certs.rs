//! Test certificates, made when the tests run (nothing is committed): a CA and the server
//! and client certificates it signs, with rcgen (ECDSA P-256 keys).
//!
//! Used by `thrift-rt/tests/tls.rs` (the crosstest interop suite makes its keys with the
//! `openssl` command instead).

#![allow(dead_code)] // Not every test uses every part.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// A certificate authority.
pub(crate) struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// What a certificate is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Server,
    Client,
}

/// A certificate and its key, as PEM.
pub(crate) struct Issued {
    pub(crate) cert: String,
    pub(crate) key: String,
    /// The certificate, DER.
    pub(crate) der: Vec<u8>,
}

impl Ca {
    /// A new self-signed CA called `name`.
    pub(crate) fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    /// The CA's certificate, PEM.
    pub(crate) fn pem(&self) -> String {
        self.cert.pem()
    }

    /// Writes `issued` as `<name>.crt` and `<name>.key` in `dir`.
    pub(crate) fn write(dir: &Path, name: &str, issued: &Issued) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(format!("{name}.crt")), &issued.cert).unwrap();
        std::fs::write(dir.join(format!("{name}.key")), &issued.key).unwrap();
    }

    /// Writes the CA's certificate as `<name>.pem` in `dir`.
    pub(crate) fn write_pem(&self, dir: &Path, name: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), self.pem()).unwrap();
    }

    /// A certificate for `names` (DNS names or IP addresses), signed by this CA; `expired`
    /// makes it valid only in 2001.
    pub(crate) fn issue(
        &self,
        common_name: &str,
        names: &[&str],
        role: Role,
        expired: bool,
    ) -> Issued {
        let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![match role {
            Role::Server => ExtendedKeyUsagePurpose::ServerAuth,
            Role::Client => ExtendedKeyUsagePurpose::ClientAuth,
        }];
        if expired {
            params.not_before = rcgen::date_time_ymd(2001, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 12, 31);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        Issued {
            cert: cert.pem(),
            key: key.serialize_pem(),
            der: cert.der().to_vec(),
        }
    }
}
