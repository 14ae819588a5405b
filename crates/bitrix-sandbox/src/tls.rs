//! TLS mode: a self-signed certificate for `localhost` and `127.0.0.1`, served with the
//! rustls `ring` provider.

use std::sync::Arc;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::SandboxError;

/// A certificate to hand to clients and the server configuration that uses it.
pub(crate) struct TlsMaterial {
    /// The certificate in PEM form (what clients trust).
    pub cert_pem: String,
    /// The rustls server configuration.
    pub config: Arc<rustls::ServerConfig>,
}

/// Makes a fresh self-signed certificate valid for `localhost` and `127.0.0.1`.
pub(crate) fn self_signed() -> Result<TlsMaterial, SandboxError> {
    let tls = |e: &dyn std::fmt::Display| SandboxError::Tls(e.to_string());
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(|e| tls(&e))?;
    // A unique name per certificate: OpenSSL finds a trust anchor by its subject, so two
    // sandboxes' certificates in one CA bundle must not share one.
    let suffix: u64 = rand::random();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("b24-sandbox local portal {suffix:016x}"),
    );
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().map_err(|e| tls(&e))?;
    let cert = params.self_signed(&key).map_err(|e| tls(&e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| tls(&e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        cert_pem: cert.pem(),
        config: Arc::new(config),
    })
}
