//! Paging streams: offset paging, batched offset paging, the fast scan by ID, wrapped
//! results and the stalled-cursor guards.

use std::sync::atomic::Ordering;

use bitrix_client::{
    BitrixApiExt, Error, ListQuery,
    model::{CrmItem, Deal, Task},
};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use crate::support::client;
use crate::support::portal::{self, DataPortal};

fn ids(rows: &[Value], field: &str) -> Vec<i64> {
    rows.iter()
        .map(|r| match &r[field] {
            Value::String(s) => s.parse().unwrap(),
            other => other.as_i64().unwrap(),
        })
        .collect()
}

fn assert_all_rows(rows: &[Value], field: &str, n: usize) {
    let expected: Vec<i64> = (1..=n as i64).map(|i| 2 * i).collect();
    assert_eq!(ids(rows, field), expected);
}

#[tokio::test]
async fn offset_paging_follows_next() {
    let data = DataPortal::new(120);
    let client = client(&portal::start(data.clone()).await);
    let rows: Vec<Value> = client
        .list(ListQuery::offset(
            "crm.deal.list",
            json!({"order": {"ID": "ASC"}, "filter": {"STAGE_ID": "WON"}}),
        ))
        .try_collect()
        .await
        .unwrap();
    assert_all_rows(&rows, "ID", 120);
    assert_eq!(data.request_count(), 3);
}

#[tokio::test]
async fn batched_offset_paging_learns_total_first() {
    let data = DataPortal::new(500);
    let client = client(&portal::start(data.clone()).await);
    let rows: Vec<Value> = client
        .list(ListQuery::offset("crm.deal.list", json!({})).pages_per_request(50))
        .try_collect()
        .await
        .unwrap();
    assert_all_rows(&rows, "ID", 500);
    assert_eq!(data.request_count(), 2, "one page, then one batch of 9");
}

#[tokio::test]
async fn fast_scan_uses_batches_of_fifty_pages() {
    for (n, requests) in [(5000, 3), (2600, 2), (49, 1), (0, 1)] {
        let data = DataPortal::new(n);
        let client = client(&portal::start(data.clone()).await);
        let rows: Vec<Value> = client
            .list(ListQuery::fast_scan(
                "crm.deal.list",
                json!({"select": ["ID", "TITLE"]}),
            ))
            .try_collect()
            .await
            .unwrap();
        assert_all_rows(&rows, "ID", n);
        assert_eq!(data.request_count(), requests, "N = {n}");
        assert!(data.request_count() <= n.div_ceil(2500) + 1);
    }
}

#[tokio::test]
async fn fast_scan_one_page_per_request_and_from_a_cursor() {
    let data = DataPortal::new(120);
    let client = client(&portal::start(data.clone()).await);
    let rows: Vec<Value> = client
        .list(
            ListQuery::fast_scan("crm.deal.list", json!({"filter": {">ID": 100}}))
                .pages_per_request(1),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        ids(&rows, "ID"),
        (51..=120).map(|i| 2 * i).collect::<Vec<i64>>()
    );
    assert_eq!(data.request_count(), 2);
    let commands = data.commands.lock().unwrap().clone();
    assert!(
        commands.is_empty(),
        "no batch for one page per request: {commands:?}"
    );
}

#[tokio::test]
async fn wrapped_results_of_items_and_tasks() {
    let data = DataPortal::new(130);
    let client = client(&portal::start(data.clone()).await);
    let items: Vec<CrmItem> = client
        .list_as(ListQuery::fast_scan(
            "crm.item.list",
            json!({"entityTypeId": 2}),
        ))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 130);
    assert_eq!(items[129].id, Some(260));
    let first_batch = data.commands.lock().unwrap()[1].clone();
    assert!(
        first_batch.contains("filter[%3Eid]=%24result%5Bp0%5D%5Bitems%5D%5B49%5D%5Bid%5D"),
        "{first_batch}"
    );

    let tasks: Vec<Task> = client
        .list_as(ListQuery::offset(
            "tasks.task.list",
            json!({"select": ["ID", "TITLE"]}),
        ))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 130);
    assert_eq!(tasks[0].title.as_deref(), Some("Task 2"));
    let scanned: Vec<Value> = client
        .list(ListQuery::fast_scan("tasks.task.list", json!({})))
        .try_collect()
        .await
        .unwrap();
    assert_all_rows(&scanned, "id", 130);
}

#[tokio::test]
async fn stalled_cursors_end_the_scan_with_an_error() {
    let data = DataPortal::new(500);
    data.ignore_id_filter.store(true, Ordering::SeqCst);
    let client = client(&portal::start(data.clone()).await);
    for query in [
        ListQuery::fast_scan("crm.deal.list", json!({})),
        ListQuery::fast_scan("crm.deal.list", json!({})).pages_per_request(1),
    ] {
        let results: Vec<Result<Value, Error>> = client.list(query).collect().await;
        let err = results.last().unwrap().as_ref().unwrap_err();
        assert!(matches!(err, Error::StalledCursor { .. }), "{err:?}");
        assert!(
            results.len() <= 51,
            "stopped after the first page: {}",
            results.len()
        );
    }

    let data = DataPortal::new(500);
    data.stall_next.store(true, Ordering::SeqCst);
    let client = crate::support::client(&portal::start(data.clone()).await);
    let results: Vec<Result<Value, Error>> = client
        .list(ListQuery::offset("crm.deal.list", json!({})))
        .collect()
        .await;
    assert!(matches!(
        results.last(),
        Some(Err(Error::StalledCursor { .. }))
    ));
    assert_eq!(data.request_count(), 1);
}

#[tokio::test]
async fn typed_stream_decodes_deals() {
    let data = DataPortal::new(60);
    let client = client(&portal::start(data).await);
    let deals: Vec<Deal> = client
        .list_as(ListQuery::fast_scan("crm.deal.list", json!({})))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(deals.len(), 60);
    assert_eq!(deals[0].opportunity, Some(1000.0));
    assert_eq!(deals[0].closedate, None);
    assert!(
        deals[0]
            .date_create
            .as_ref()
            .and_then(|d| d.zoned())
            .is_some()
    );
}

#[tokio::test]
async fn bad_queries_fail_as_the_first_item() {
    let data = DataPortal::new(10);
    let client = client(&portal::start(data.clone()).await);
    let results: Vec<Result<Value, Error>> = client
        .list(ListQuery::fast_scan(
            "crm.deal.list",
            json!({"order": {"DATE_CREATE": "DESC"}}),
        ))
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    assert!(results[0].as_ref().unwrap_err().is_bad_argument());
    assert_eq!(data.request_count(), 0);
}
