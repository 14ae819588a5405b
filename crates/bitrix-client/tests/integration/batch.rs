//! `batch`: per-command results in input order, partial failure, `halt`, references, and
//! splitting any number of calls into batches of 50.

use std::sync::atomic::Ordering;

use bitrix_client::{BatchCall, BatchItem, BitrixApi, BitrixApiExt, Error, result_ref};
use serde_json::{Value, json};

use crate::support::portal::{self, DataPortal};
use crate::support::{Reply, ScriptedPortal, client, fixture};

fn call(key: &str, method: &str, params: Value) -> BatchCall {
    BatchCall {
        key: key.to_owned(),
        method: method.to_owned(),
        params,
    }
}

#[tokio::test]
async fn partial_failure_comes_back_per_command_in_input_order() {
    let portal =
        ScriptedPortal::new().on("batch", [Reply::json(200, &fixture("batch_partial.json"))]);
    let client = client(&portal.start().await);
    let calls = vec![
        call("missing", "crm.deal.get", json!({"id": 999})),
        call(
            "deals",
            "crm.deal.list",
            json!({"filter": {">OPPORTUNITY": 1000}, "select": ["ID"]}),
        ),
        call("deal", "crm.deal.get", json!({"id": 410})),
        call("denied", "crm.company.get", json!({"id": 1})),
        call("never", "crm.contact.get", json!({"id": 1})),
        call("user", "user.current", Value::Null),
    ];
    let outcome = client.batch(calls, false).await.unwrap();
    let keys: Vec<&str> = outcome.items.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["missing", "deals", "deal", "denied", "never", "user"]
    );
    match &outcome.items[0].1 {
        BatchItem::Err { code, description } => {
            assert_eq!((code.as_str(), description.as_str()), ("", "Not found"));
            assert!(Error::batch_command(code.clone(), description.clone()).is_not_found());
        }
        other => panic!("{other:?}"),
    }
    match &outcome.items[1].1 {
        BatchItem::Ok(out) => {
            assert_eq!((out.total, out.next), (Some(654), Some(50)));
            assert_eq!(out.result.as_array().unwrap().len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&outcome.items[3].1, BatchItem::Err { code, .. } if code == "ACCESS_DENIED"));
    assert_eq!(outcome.items[4].1, BatchItem::Skipped);
    assert!(matches!(&outcome.items[5].1, BatchItem::Ok(out) if out.result["NAME"] == "John"));
    assert!(outcome.time.is_some());

    let sent = &portal.received()[0].body;
    assert_eq!(sent["halt"], 0);
    assert_eq!(
        sent["cmd"]["deals"],
        "crm.deal.list?filter[%3EOPPORTUNITY]=1000&select[0]=ID"
    );
    assert_eq!(sent["cmd"]["user"], "user.current");
    // The per-command time of a read is tracked under its own method.
    assert!(client.operating_usage("crm.deal.get").is_some());
}

#[tokio::test]
async fn halt_marks_the_rest_skipped() {
    let portal = ScriptedPortal::new().on("batch", [Reply::json(200, &fixture("batch_halt.json"))]);
    let client = client(&portal.start().await);
    let calls = vec![
        call(
            "first",
            "crm.deal.update",
            json!({"id": 1, "fields": {"TITLE": "A"}}),
        ),
        call("second", "tasks.task.add", json!({"fields": {}})),
        call(
            "third",
            "crm.deal.update",
            json!({"id": 2, "fields": {"TITLE": "B"}}),
        ),
    ];
    let outcome = client.batch(calls, true).await.unwrap();
    assert!(matches!(&outcome.items[0].1, BatchItem::Ok(out) if out.result == json!(true)));
    assert!(matches!(&outcome.items[1].1, BatchItem::Err { code, .. } if code == "ERROR_CORE"));
    assert_eq!(outcome.items[2].1, BatchItem::Skipped);
    assert_eq!(portal.received()[0].body["halt"], 1);
}

#[tokio::test]
async fn references_reach_the_portal_and_resolve() {
    let data = DataPortal::new(120);
    let client = client(&portal::start(data.clone()).await);
    let calls = vec![
        call("deals", "crm.deal.list", json!({"order": {"ID": "ASC"}})),
        call(
            "echo",
            "test.echo",
            json!({"first": result_ref("deals", ["0", "ID"]), "text": "a&b=c [x]"}),
        ),
    ];
    let outcome = client.batch(calls, true).await.unwrap();
    match &outcome.items[1].1 {
        BatchItem::Ok(out) => assert_eq!(out.result, json!({"first": "2", "text": "a&b=c [x]"})),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn call_many_splits_into_batches_of_fifty_and_keeps_order() {
    let data = DataPortal::new(0);
    let client = client(&portal::start(data.clone()).await);
    let calls: Vec<BatchCall> = (0..120)
        .map(|i| call(&format!("c{i}"), "test.echo", json!({"n": i})))
        .collect();
    let results = client.call_many(calls, false).await.unwrap();
    assert_eq!(data.request_count(), 3);
    assert_eq!(results.len(), 120);
    for (i, (key, item)) in results.iter().enumerate() {
        assert_eq!(key, &format!("c{i}"));
        match item {
            BatchItem::Ok(out) => assert_eq!(out.result, json!({"n": i.to_string()})),
            other => panic!("{other:?}"),
        }
    }
    let too_many: Vec<BatchCall> = (0..51)
        .map(|i| call(&format!("c{i}"), "test.echo", json!({})))
        .collect();
    assert!(
        client
            .batch(too_many, false)
            .await
            .unwrap_err()
            .is_bad_argument()
    );
    assert_eq!(data.request_count(), 3, "refused before sending");
}

#[tokio::test]
async fn call_many_keeps_what_completed_when_a_batch_fails() {
    let data = DataPortal::new(0);
    data.fail_request.store(2, Ordering::SeqCst);
    let client = client(&portal::start(data.clone()).await);
    let calls: Vec<BatchCall> = (0..120)
        .map(|i| call(&format!("c{i}"), "test.echo", json!({"n": i})))
        .collect();
    let failure = client.call_many(calls, false).await.unwrap_err();
    assert_eq!(failure.completed.len(), 50);
    assert!(
        failure.error.is_write_outcome_unknown(),
        "test.echo is not a known read: {:?}",
        failure.error
    );
    assert_eq!(data.request_count(), 2, "stops at the failed batch");
}

#[tokio::test]
async fn call_many_with_halt_skips_later_batches() {
    let data = DataPortal::new(0);
    let client = client(&portal::start(data.clone()).await);
    let mut calls: Vec<BatchCall> = (0..60)
        .map(|i| call(&format!("c{i}"), "test.echo", json!({"n": i})))
        .collect();
    calls[10].method = "no.such.method".to_owned();
    let results = client.call_many(calls, true).await.unwrap();
    assert!(
        matches!(&results[10].1, BatchItem::Err { code, .. } if code == "ERROR_METHOD_NOT_FOUND")
    );
    assert!(
        results[11..]
            .iter()
            .all(|(_, item)| *item == BatchItem::Skipped)
    );
    assert_eq!(data.request_count(), 1);
}
