//! Routing, authentication, request decoding and envelopes.

mod common;

use serde_json::{Value, json};

#[tokio::test]
async fn every_url_form_of_a_method_works() {
    let p = common::start().await;
    for path in [
        "crm.deal.get?id=1",
        "crm.deal.get.json?id=1",
        "crm.deal.get/?id=1",
        "crm.deal.get.json/?id=1",
        "CRM.Deal.Get?id=1",
    ] {
        let (status, body) = p.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["result"]["ID"], "1", "{path}");
    }
}

#[tokio::test]
async fn wrong_code_or_user_gets_401() {
    let p = common::start().await;
    let base = p.sandbox.base_url();
    let token = p
        .url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let wrong_code = format!("{base}/rest/1/wrongcode/crm.deal.get?id=1");
    let response = p.client.get(&wrong_code).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"})
    );

    let wrong_user = format!("{base}/rest/2/{token}/crm.deal.get?id=1");
    let response = p.client.get(&wrong_user).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "INVALID_CREDENTIALS");

    let app_style = format!("{base}/rest/crm.deal.get?id=1&auth=whatever");
    assert_eq!(
        p.client
            .get(&app_style)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(p.sandbox.stats().auth_failures, 3);
}

#[tokio::test]
async fn unknown_method_is_404() {
    let p = common::start().await;
    let (status, body) = p.call("crm.deal.fly", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"})
    );
    let (status, _) = p.get("").await;
    assert_eq!(status, 404, "a webhook URL without a method");
}

#[tokio::test]
async fn query_form_json_and_multipart_bodies_decode_alike() {
    let p = common::start().await;
    let (_, by_query) = p
        .get("crm.deal.list?filter%5B%3EOPPORTUNITY%5D=1000000&select%5B%5D=ID&order%5BID%5D=ASC")
        .await;
    let (_, by_form) = p
        .form(
            "crm.deal.list",
            "filter%5B%3EOPPORTUNITY%5D=1000000&select%5B%5D=ID&order%5BID%5D=ASC",
        )
        .await;
    let (_, by_json) = p
        .call(
            "crm.deal.list",
            json!({"filter": {">OPPORTUNITY": 1000000}, "select": ["ID"], "order": {"ID": "ASC"}}),
        )
        .await;
    let (_, upper_keys) = p
        .call(
            "crm.deal.list",
            json!({"FILTER": {">OPPORTUNITY": "1000000"}, "SELECT": ["ID"], "ORDER": {"ID": "ASC"}}),
        )
        .await;
    let part = |name: &str, value: &str| {
        format!("--BoUnDaRy\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let multipart = format!(
        "{}{}{}--BoUnDaRy--\r\n",
        part("filter[>OPPORTUNITY]", "1000000"),
        part("select[]", "ID"),
        part("order[ID]", "ASC")
    );
    let by_multipart: Value = p
        .client
        .post(format!("{}crm.deal.list", p.url))
        .header("content-type", "multipart/form-data; boundary=BoUnDaRy")
        .body(multipart)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(by_query["total"].as_u64().unwrap() > 5);
    for other in [&by_form, &by_json, &upper_keys, &by_multipart] {
        assert_eq!(by_query["result"], other["result"]);
        assert_eq!(by_query["total"], other["total"]);
    }
}

#[tokio::test]
async fn success_envelope_carries_time_with_operating() {
    let p = common::start().await;
    let body = p.ok("crm.deal.list", json!({"select": ["ID"]})).await;
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["result", "next", "total", "time"]);
    let time = &body["time"];
    for key in ["start", "finish", "duration", "processing", "operating"] {
        assert!(time[key].is_f64(), "{key}: {time}");
    }
    assert!(time["operating_reset_at"].is_i64());
    assert!(time["date_start"].as_str().unwrap().ends_with("+03:00"));
    assert_eq!(body["next"], 50);
    assert_eq!(body["total"], 60);
}

#[tokio::test]
async fn bad_json_body_is_a_clear_400() {
    let p = common::start().await;
    let response = p
        .client
        .post(format!("{}crm.deal.get", p.url))
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["error_description"].as_str().unwrap().contains("JSON"));
}

#[tokio::test]
async fn the_webhook_code_never_shows_in_debug_or_display() {
    let p = common::start().await;
    let token = p
        .url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let url = p.sandbox.webhook_url();
    assert!(url.expose().contains(&token));
    for shown in [
        format!("{url}"),
        format!("{url:?}"),
        format!("{:?}", p.sandbox),
        p.sandbox.data_json().to_string(),
        p.control("/sandbox/data").await.to_string(),
    ] {
        assert!(!shown.contains(&token), "the code leaked: {shown}");
    }
    assert!(format!("{url}").ends_with("/rest/1/***/"));
}
