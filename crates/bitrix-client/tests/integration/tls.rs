//! Extra trusted roots: a portal whose certificate comes from a private CA.

use axum::Json;
use bitrix_client::{BitrixApi, Client, Error, TransportKind, Webhook};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use serde_json::json;

use crate::support::TOKEN;

struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn private_ca() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

#[tokio::test]
async fn private_ca_is_trusted_only_when_added() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pki = private_ca();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(
        pki.cert_pem.into_bytes(),
        pki.key_pem.into_bytes(),
    )
    .await
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().route(
        "/rest/{user}/{token}/{method}",
        axum::routing::post(|| async { Json(json!({"result": {"ID": "1"}})) }),
    );
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(listener, config).handle(handle.clone());
    tokio::spawn(async move {
        let _ = server.serve(app.into_make_service()).await;
    });
    let webhook = Webhook::parse(&format!("https://127.0.0.1:{port}/rest/1/{TOKEN}/")).unwrap();

    let default_roots = Client::builder(webhook.clone())
        .retry_policy(bitrix_client::RetryPolicy::never())
        .build()
        .unwrap();
    let err = default_roots.call("profile", json!({})).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains(TOKEN));

    let trusting = Client::builder(webhook.clone())
        .add_root_certificates_pem(pki.ca_pem)
        .build()
        .unwrap();
    let output = trusting.call("profile", json!({})).await.unwrap();
    assert_eq!(output.result["ID"], "1");

    let bad = Client::builder(webhook)
        .add_root_certificates_pem("not a certificate")
        .build();
    assert!(matches!(bad, Err(Error::InvalidConfig(_))), "{bad:?}");
    handle.shutdown();
}
