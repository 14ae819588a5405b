//! Helpers shared by the integration tests: a started sandbox and a JSON client.
#![allow(dead_code)]

use bitrix_sandbox::{Limits, RunningSandbox, Sandbox, SandboxBuilder, Seed};
use chrono::{DateTime, FixedOffset};
use serde_json::Value;

/// The fixed "now" the demo seed is generated from in tests.
pub fn seed_time() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2025-06-02T12:00:00+03:00").unwrap()
}

/// A demo portal without limits, with fixed seed dates.
pub fn demo() -> SandboxBuilder {
    Sandbox::builder()
        .seed(Seed::Demo)
        .limits(Limits::Off)
        .seed_time(seed_time())
}

/// A running sandbox with a client.
pub struct Portal {
    pub sandbox: RunningSandbox,
    pub client: reqwest::Client,
    pub url: String,
}

pub async fn start() -> Portal {
    start_with(demo()).await
}

pub async fn start_with(builder: SandboxBuilder) -> Portal {
    let sandbox = builder.start("127.0.0.1:0").await.expect("sandbox starts");
    let url = sandbox.webhook_url().expose().to_owned();
    Portal {
        sandbox,
        client: reqwest::Client::new(),
        url,
    }
}

async fn parse(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

impl Portal {
    /// POSTs a JSON body to a method.
    pub async fn call(&self, method: &str, params: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}{method}", self.url))
            .json(&params)
            .send()
            .await
            .expect("the request is answered");
        parse(response).await
    }

    /// Calls a method that must succeed and returns the whole envelope.
    pub async fn ok(&self, method: &str, params: Value) -> Value {
        let (status, body) = self.call(method, params).await;
        assert_eq!(status, 200, "{method}: {body}");
        body
    }

    /// GETs a URL relative to the webhook URL (`crm.deal.get?id=1`).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("the request is answered");
        parse(response).await
    }

    /// POSTs a form-encoded body to a method.
    pub async fn form(&self, method: &str, body: &str) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}{method}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .expect("the request is answered");
        parse(response).await
    }

    /// GETs a control endpoint (`/sandbox/stats`).
    pub async fn control(&self, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.sandbox.base_url()))
            .send()
            .await
            .expect("the request is answered");
        parse(response).await.1
    }
}

/// Replaces the values that change from run to run, for snapshots.
pub fn normalize(mut value: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    let volatile = matches!(
                        key.as_str(),
                        "time"
                            | "DATE_CREATE"
                            | "DATE_MODIFY"
                            | "MOVED_TIME"
                            | "createdTime"
                            | "updatedTime"
                            | "movedTime"
                            | "BEGINDATE"
                            | "CLOSEDATE"
                            | "begindate"
                            | "closedate"
                            | "CREATED"
                            | "LAST_UPDATED"
                            | "createdDate"
                            | "changedDate"
                            | "statusChangedDate"
                            | "activityDate"
                            | "closedDate"
                            | "DATE_CLOSED"
                            | "result_time"
                    );
                    if volatile && !child.is_null() && child != "" {
                        *child = Value::String("[volatile]".into());
                    } else {
                        walk(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}
