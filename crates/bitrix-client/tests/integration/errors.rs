//! Envelopes and every error class, served from the fact-sheet-shaped fixtures.

use bitrix_client::{BitrixApi, BitrixApiExt, Error, Language, TransportKind, model::Deal};
use serde_json::{Value, json};

use crate::support::{Reply, ScriptedPortal, builder, client, dead_url, fixture};

fn class_check(class: &str) -> fn(&Error) -> bool {
    match class {
        "rate_limited" => Error::is_rate_limited,
        "operation_time_limit" => Error::is_operation_time_limit,
        "auth" => Error::is_auth,
        "access_denied" => Error::is_access_denied,
        "method_not_found" => Error::is_method_not_found,
        "not_found" => Error::is_not_found,
        "bad_argument" => Error::is_bad_argument,
        "server" => Error::is_server,
        "other" => |e| matches!(e, Error::Other(_)),
        other => panic!("unknown class {other}"),
    }
}

#[tokio::test]
async fn every_error_class_keeps_code_description_and_status() {
    let cases = fixture("errors.json");
    let mut shown = Vec::new();
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let status = case["status"].as_u64().unwrap() as u16;
        let reply = match &case["body"] {
            Value::String(raw) => Reply::raw(status, raw),
            body => Reply::json(status, body),
        };
        let portal = ScriptedPortal::new().on("crm.deal.get", [reply]);
        let client = builder(&portal.start().await)
            .retry_policy(bitrix_client::RetryPolicy::never())
            .build()
            .unwrap();
        let err = client
            .call("crm.deal.get", json!({"id": 1}))
            .await
            .unwrap_err();
        let class = case["class"].as_str().unwrap();
        assert!(
            class_check(class)(&err),
            "{name}: expected {class}, got {err:?}"
        );
        assert_eq!(err.http_status(), Some(status), "{name}");
        if let Some(code) = case["body"].get("error").and_then(Value::as_str) {
            assert_eq!(err.code(), Some(code), "{name}");
            let description = case["body"]["error_description"].as_str().unwrap();
            assert_eq!(err.description(), Some(description), "{name}");
        }
        assert_eq!(portal.count("crm.deal.get"), 1, "{name}: never retried");
        assert!(!err.user_message(Language::Ru).is_empty());
        shown.push(format!("{name}: {err}"));
    }
    insta::with_settings!({filters => vec![(r"unix time \d+", "unix time [TIME]")]}, {
        insta::assert_snapshot!("error_messages", shown.join("\n"));
    });
}

#[tokio::test]
async fn success_envelope_and_typed_result() {
    let portal = ScriptedPortal::new().on(
        "crm.deal.get",
        [Reply::json(200, &fixture("deal_get.json"))],
    );
    let client = client(&portal.start().await);
    let output = client
        .call("crm.deal.get", json!({"id": 410}))
        .await
        .unwrap();
    assert_eq!(output.result["TITLE"], "New Deal #1");
    let time = output.time.unwrap();
    assert_eq!(time.operating_reset_at, Some(1705765533));
    assert!(time.duration.unwrap() > 4.0);
    assert_eq!(portal.received()[0].body, json!({"id": 410}));

    let deal: Deal = client
        .call_as("crm.deal.get", json!({"id": 410}))
        .await
        .unwrap();
    assert_eq!(deal.id, Some(410));
    assert_eq!(deal.opportunity, Some(1_000_000.0));
    assert_eq!(deal.closedate, None);
    assert_eq!(deal.other["UF_CRM_1721244482250"], "Hello world!");
    let usage = client.operating_usage("crm.deal.get").unwrap();
    assert!(usage.operating.as_secs_f64() > 3.3);
}

#[tokio::test]
async fn decode_errors_name_the_path_and_bound_the_excerpt() {
    let long_tail = "x".repeat(5000);
    let portal = ScriptedPortal::new()
        .on(
            "crm.deal.list",
            [Reply::raw(
                200,
                &format!(r#"{{"result":[{{"ID":"1"}},{{"ID": nope}}],"pad":"{long_tail}"}}"#),
            )],
        )
        .on(
            "crm.deal.get",
            [Reply::result(
                json!({"ID": "7", "OPPORTUNITY": {"amount": 1}}),
            )],
        );
    let client = client(&portal.start().await);
    match client.call("crm.deal.list", json!({})).await.unwrap_err() {
        Error::Decode { path, excerpt, .. } => {
            assert_eq!(path, "result[1].ID");
            assert!(excerpt.chars().count() <= 301, "bounded: {}", excerpt.len());
        }
        other => panic!("{other:?}"),
    }
    match client
        .call_as::<Deal>("crm.deal.get", json!({"id": 7}))
        .await
        .unwrap_err()
    {
        Error::Decode {
            path,
            excerpt,
            message,
            ..
        } => {
            assert_eq!(path, "OPPORTUNITY");
            assert_eq!(excerpt, r#"{"amount":1}"#);
            assert!(message.contains("expected a number"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn empty_task_result_is_not_found() {
    let portal = ScriptedPortal::new().on("tasks.task.get", [Reply::result(json!([]))]);
    let client = client(&portal.start().await);
    let err = client
        .call("tasks.task.get", json!({"taskId": 5}))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn portal_rename_is_reported_not_followed() {
    let portal = ScriptedPortal::new().on(
        "crm.deal.add",
        [Reply::raw(302, "").header(
            "location",
            "https://new-name.example.com/rest/1/t0ps3cr3tT0k3n42/crm.deal.add",
        )],
    );
    let client = client(&portal.start().await);
    let err = client
        .call("crm.deal.add", json!({"fields": {}}))
        .await
        .unwrap_err();
    match &err {
        Error::PortalMoved { new_host } => assert_eq!(new_host, "new-name.example.com"),
        other => panic!("{other:?}"),
    }
    assert_eq!(portal.count("crm.deal.add"), 1);
}

#[tokio::test]
async fn connect_failure_is_transport_and_bad_input_is_refused_locally() {
    let client = client(&dead_url());
    let err = client.call("crm.deal.add", json!({})).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "a write that never left is a transport error, not an unknown outcome: {err:?}"
    );
    assert!(err.is_retryable());
    for (method, params) in [
        ("../admin", json!({})),
        ("crm.deal.get?x=1", json!({})),
        ("crm.deal.get", json!(5)),
    ] {
        assert!(
            client
                .call(method, params)
                .await
                .unwrap_err()
                .is_bad_argument()
        );
    }
}
