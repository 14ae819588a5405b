//! The webhook token never shows: not in Debug, Display, errors, or tracing output.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bitrix_client::{BitrixApi, Client, Error, Timeouts, Webhook};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;

use crate::support::{Reply, ScriptedPortal, TOKEN, builder, dead_url};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} shows the token: {text}");
}

#[tokio::test(flavor = "current_thread")]
async fn errors_debug_and_tracing_never_show_the_token() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let echo = format!("failed: POST /rest/1/{TOKEN}/crm.deal.get");
    let portal = ScriptedPortal::new()
        .on("crm.deal.get", [Reply::error(400, "", &echo)])
        .on(
            "crm.deal.list",
            [Reply::raw(200, &format!("<html>{echo}</html>"))],
        )
        .on("crm.deal.delete", [Reply::raw(502, &echo)])
        .on(
            "crm.deal.update",
            [Reply::result(json!(true)).after(Duration::from_millis(600))],
        );
    let url = portal.start().await;
    let client = builder(&url)
        .timeouts(Timeouts {
            connect: Duration::from_secs(2),
            request: Duration::from_millis(150),
        })
        .build()
        .unwrap();

    let mut errors: Vec<Error> = Vec::new();
    errors.push(
        client
            .call("crm.deal.get", json!({"id": 1}))
            .await
            .unwrap_err(),
    );
    errors.push(client.call("crm.deal.list", json!({})).await.unwrap_err());
    errors.push(
        client
            .call("crm.deal.delete", json!({"id": 1}))
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .call("crm.deal.update", json!({"id": 1}))
            .await
            .unwrap_err(),
    );
    errors.push(
        crate::support::client(&dead_url())
            .call("profile", json!({}))
            .await
            .unwrap_err(),
    );
    errors.push(Error::from(
        Webhook::parse(&format!("https://example.bitrix24.ru/rest/0/{TOKEN}/")).unwrap_err(),
    ));
    assert!(
        errors[1].is_decode() && errors[3].is_write_outcome_unknown() && errors[4].is_transport()
    );
    for err in &errors {
        assert_clean("Display", &err.to_string());
        assert_clean("Debug", &format!("{err:?}"));
        assert_clean("alternate Debug", &format!("{err:#?}"));
    }
    assert_clean("client Debug", &format!("{client:?}"));
    assert_clean("auth Debug", &format!("{:?}", client.auth()));
    let webhook = Webhook::parse(&url).unwrap();
    assert_clean(
        "webhook Display",
        &format!("{webhook} {webhook:?} {:?}", webhook.token()),
    );
    let logs = captured.text();
    assert!(
        logs.contains("Bitrix24 call"),
        "tracing was captured: {logs}"
    );
    assert!(logs.contains("127.0.0.1"), "the portal is named: {logs}");
    assert_clean("tracing output", &logs);
}

#[test]
fn plain_http_off_loopback_warns() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let local = Webhook::parse(&format!("http://127.0.0.1:8080/rest/1/{TOKEN}/")).unwrap();
        Client::new(local).unwrap();
        assert!(!captured.text().contains("plain HTTP"), "loopback is fine");
        let intranet =
            Webhook::parse(&format!("http://crm.intranet.example.com/rest/1/{TOKEN}/")).unwrap();
        Client::new(intranet).unwrap();
    });
    let logs = captured.text();
    assert!(
        logs.contains("WARN") && logs.contains("plain HTTP"),
        "{logs}"
    );
    assert!(logs.contains("crm.intranet.example.com"));
    assert_clean("warning", &logs);
}
