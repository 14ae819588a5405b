//! TLS mode: a self-signed certificate that clients trust through the written PEM.

mod common;

use serde_json::{Value, json};

#[tokio::test]
async fn https_with_the_written_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("sandbox.pem");
    let p = common::start_with(common::demo().tls(&cert)).await;
    assert!(p.url.starts_with("https://127.0.0.1:"), "{}", p.url);
    let pem = std::fs::read(&cert).unwrap();
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        p.sandbox.certificate_pem().unwrap().as_bytes(),
        pem.as_slice()
    );

    let trusted = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let url = p.url.replace("127.0.0.1", host);
        let body: Value = trusted
            .post(format!("{url}crm.deal.get"))
            .json(&json!({"id": 1}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["result"]["ID"], "1", "{host}");
    }
    let untrusted = reqwest::Client::new()
        .post(format!("{}crm.deal.get", p.url))
        .send()
        .await;
    assert!(untrusted.is_err(), "an unknown certificate is refused");
}
