//! The universal crm.item.* methods.

mod common;

use serde_json::json;

#[tokio::test]
async fn item_lifecycle_in_camel_case_with_real_numbers() {
    let p = common::start().await;
    let added = p
        .ok("crm.item.add", json!({"entityTypeId": 2, "fields": {"title": "Ноутбуки", "opportunity": 19000, "companyId": 2}}))
        .await["result"]["item"]
        .clone();
    assert_eq!(added["title"], "Ноутбуки");
    assert_eq!(added["opportunity"], 19000);
    assert_eq!(added["entityTypeId"], 2);
    assert_eq!(added["stageId"], "NEW");
    assert!(added["id"].is_u64());
    let id = added["id"].as_u64().unwrap();
    insta::assert_json_snapshot!("item_add", common::normalize(added));

    let got = p
        .ok("crm.item.get", json!({"entityTypeId": 2, "id": id}))
        .await;
    assert_eq!(got["result"]["item"]["companyId"], 2);

    let moved = p
        .ok(
            "crm.item.update",
            json!({"entityTypeId": 2, "id": id, "fields": {"categoryId": 1}}),
        )
        .await["result"]["item"]
        .clone();
    assert_eq!(
        (moved["categoryId"].as_u64(), moved["stageId"].as_str()),
        (Some(1), Some("C1:NEW"))
    );

    let deleted = p
        .ok("crm.item.delete", json!({"entityTypeId": 2, "id": id}))
        .await;
    assert_eq!(deleted["result"], json!([]));
    let (status, body) = p
        .call("crm.item.get", json!({"entityTypeId": 2, "id": id}))
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "NOT_FOUND", "error_description": "Element not found"})
        )
    );
}

#[tokio::test]
async fn item_errors() {
    let p = common::start().await;
    let (status, body) = p
        .call("crm.item.get", json!({"entityTypeId": 777, "id": 1}))
        .await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Smart process not found"))
    );
    let (status, body) = p
        .call(
            "crm.item.list",
            json!({"entityTypeId": 2, "filter": {"nope": 1}}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("INVALID_ARG_VALUE"))
    );
    let (status, body) = p
        .call(
            "crm.item.list",
            json!({"entityTypeId": 2, "order": {"id": "UP"}}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("INVALID_ARG_VALUE"))
    );
    let (status, _) = p.call("crm.item.list", json!({})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn item_lists_with_or_groups_and_items_wrapper() {
    let p = common::start().await;
    let body = p
        .ok(
            "crm.item.list",
            json!({"entityTypeId": 2, "select": ["id", "stageId", "opportunity"], "order": {"id": "ASC"},
                   "filter": {"0": {"logic": "OR", "0": {"=stageId": "WON"}, "1": {"=stageId": "C1:WON"}}}}),
        )
        .await;
    let items = body["result"]["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|i| i["stageId"].as_str().unwrap().ends_with("WON"))
    );
    assert!(items.iter().all(|i| i["opportunity"].is_number()));
    assert_eq!(body["total"].as_u64().unwrap() as usize, items.len());
    let fast = p
        .ok("crm.item.list", json!({"entityTypeId": 2, "select": ["id"], "order": {"id": "ASC"}, "filter": {">id": 58}, "start": -1}))
        .await;
    assert_eq!(
        fast["result"]["items"],
        json!([{"id": 59, "entityTypeId": 2}, {"id": 60, "entityTypeId": 2}])
    );
}

#[tokio::test]
async fn fm_multifields_on_add_and_update() {
    let p = common::start().await;
    let item = p
        .ok(
            "crm.item.add",
            json!({"entityTypeId": 3, "fields": {"name": "Анна", "fm": [
                {"typeId": "PHONE", "valueType": "WORK", "value": "+7 900 100-00-00"},
                {"valueType": "WORK", "value": "ignored without typeId"}]}}),
        )
        .await["result"]["item"]
        .clone();
    let fm = item["fm"].as_array().unwrap();
    assert_eq!(fm.len(), 1);
    assert_eq!(fm[0]["typeId"], "PHONE");
    let phone_id = fm[0]["id"].as_u64().unwrap();
    let id = item["id"].as_u64().unwrap();
    let updated = p
        .ok(
            "crm.item.update",
            json!({"entityTypeId": 3, "id": id, "fields": {"fm": {
                phone_id.to_string(): {"typeId": "PHONE", "value": ""},
                "n0": {"typeId": "EMAIL", "valueType": "HOME", "value": "anna@example.com"}}}}),
        )
        .await["result"]["item"]
        .clone();
    assert_eq!(
        updated["fm"],
        json!([{"id": phone_id + 1, "typeId": "EMAIL", "valueType": "HOME", "value": "anna@example.com"}])
    );
    assert_eq!(updated["hasPhone"], "N");
    let fields =
        p.ok("crm.item.fields", json!({"entityTypeId": 2})).await["result"]["fields"].clone();
    assert_eq!(fields["stageId"]["upperName"], "STAGE_ID");
    assert!(fields.get("ufCrm_1721244482250").is_some());
}
