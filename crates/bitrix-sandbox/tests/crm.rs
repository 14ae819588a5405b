//! Legacy CRM methods: shapes, writes, errors, lists.

mod common;

use serde_json::{Value, json};

#[tokio::test]
async fn deal_lifecycle_with_legacy_shapes() {
    let p = common::start().await;
    let add = p
        .ok(
            "crm.deal.add",
            json!({"fields": {"TITLE": "Поставка серверов", "OPPORTUNITY": "150000", "COMPANY_ID": 1,
                              "CONTACT_ID": "2", "UNKNOWN_FIELD": "ignored", "ID": 999}}),
        )
        .await;
    let id = add["result"].as_u64().expect("add returns an int id");
    assert_eq!(id, 61);
    let deal = p.ok("crm.deal.get", json!({"id": id})).await["result"].clone();
    assert_eq!(deal["ID"], "61");
    assert_eq!(deal["OPPORTUNITY"], "150000.00");
    assert_eq!(deal["CATEGORY_ID"], "0");
    assert_eq!(deal["STAGE_ID"], "NEW");
    assert_eq!(deal["STAGE_SEMANTIC_ID"], "P");
    assert_eq!(deal["CURRENCY_ID"], "RUB");
    assert_eq!(deal["ASSIGNED_BY_ID"], "1");
    assert_eq!(deal["CONTACT_ID"], "2");
    assert_eq!(deal["LEAD_ID"], Value::Null);
    assert!(deal.get("UNKNOWN_FIELD").is_none());
    assert!(
        deal.get("CONTACT_IDS").is_none(),
        "not part of legacy output"
    );
    insta::assert_json_snapshot!("deal_get", common::normalize(deal));

    let update = p
        .ok(
            "crm.deal.update",
            json!({"id": id, "fields": {"STAGE_ID": "WON", "CATEGORY_ID": 1}}),
        )
        .await;
    assert_eq!(update["result"], true);
    let deal = p.ok("crm.deal.get", json!({"ID": id})).await["result"].clone();
    assert_eq!(deal["STAGE_ID"], "WON");
    assert_eq!(
        deal["CATEGORY_ID"], "0",
        "CATEGORY_ID is immutable in crm.deal.update"
    );
    assert_eq!(deal["CLOSED"], "Y");
    assert_eq!(deal["STAGE_SEMANTIC_ID"], "S");

    assert_eq!(
        p.ok("crm.deal.delete", json!({"id": id})).await["result"],
        true
    );
    let (status, body) = p.call("crm.deal.get", json!({"id": id})).await;
    assert_eq!(
        (status, body),
        (400, json!({"error": "", "error_description": "Not found"}))
    );
}

#[tokio::test]
async fn legacy_errors() {
    let p = common::start().await;
    let cases = [
        ("crm.deal.get", json!({}), "ID is not defined or invalid."),
        (
            "crm.deal.get",
            json!({"id": "abc"}),
            "ID is not defined or invalid.",
        ),
        (
            "crm.lead.update",
            json!({"id": 99999, "fields": {"TITLE": "x"}}),
            "Not found",
        ),
        ("crm.contact.delete", json!({"id": 99999}), "Not found"),
        (
            "crm.company.add",
            json!({"fields": "text"}),
            "Parameter 'fields' must be array.",
        ),
        (
            "crm.deal.update",
            json!({"id": 1}),
            "Parameter 'fields' must be array.",
        ),
    ];
    for (method, params, text) in cases {
        let (status, body) = p.call(method, params).await;
        assert_eq!(status, 400, "{method}");
        assert_eq!(
            body,
            json!({"error": "", "error_description": text}),
            "{method}"
        );
    }
}

#[tokio::test]
async fn tender_pipeline_stages_carry_the_prefix() {
    let p = common::start().await;
    let id = p
        .ok(
            "crm.deal.add",
            json!({"fields": {"TITLE": "Тендер", "CATEGORY_ID": 1}}),
        )
        .await["result"]
        .as_u64()
        .unwrap();
    let deal = p.ok("crm.deal.get", json!({"id": id})).await["result"].clone();
    assert_eq!(deal["STAGE_ID"], "C1:NEW");
    assert_eq!(deal["CATEGORY_ID"], "1");
    p.ok(
        "crm.deal.update",
        json!({"id": id, "fields": {"STAGE_ID": "C1:EXECUTING"}}),
    )
    .await;
    let (status, body) = p
        .call(
            "crm.deal.update",
            json!({"id": id, "fields": {"STAGE_ID": "WON"}}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "");
    let by_stage = p
        .ok(
            "crm.deal.add",
            json!({"fields": {"TITLE": "По стадии", "STAGE_ID": "C1:PREPARATION"}}),
        )
        .await["result"]
        .as_u64()
        .unwrap();
    let deal = p.ok("crm.deal.get", json!({"id": by_stage})).await["result"].clone();
    assert_eq!(
        (deal["CATEGORY_ID"].as_str(), deal["STAGE_ID"].as_str()),
        (Some("1"), Some("C1:PREPARATION"))
    );
}

#[tokio::test]
async fn multifields_append_change_and_delete() {
    let p = common::start().await;
    let id = p
        .ok(
            "crm.contact.add",
            json!({"fields": {"NAME": "Пётр", "LAST_NAME": "Сидоров",
                              "PHONE": [{"VALUE": "+7 900 000-00-01", "VALUE_TYPE": "WORK"}],
                              "EMAIL": [{"VALUE": "p@example.com"}]}}),
        )
        .await["result"]
        .as_u64()
        .unwrap();
    let contact = p.ok("crm.contact.get", json!({"id": id})).await["result"].clone();
    assert_eq!(contact["HAS_PHONE"], "Y");
    let phone = &contact["PHONE"][0];
    assert_eq!(phone["TYPE_ID"], "PHONE");
    assert_eq!(phone["VALUE_TYPE"], "WORK");
    assert!(phone["ID"].is_string());
    let phone_id = phone["ID"].as_str().unwrap().to_owned();
    assert_eq!(
        contact["EMAIL"][0]["VALUE_TYPE"], "WORK",
        "VALUE_TYPE defaults to WORK"
    );

    p.ok(
        "crm.contact.update",
        json!({"id": id, "fields": {"PHONE": [{"VALUE": "+7 900 000-00-02", "VALUE_TYPE": "MOBILE"}]}}),
    )
    .await;
    let contact = p.ok("crm.contact.get", json!({"id": id})).await["result"].clone();
    assert_eq!(
        contact["PHONE"].as_array().unwrap().len(),
        2,
        "new values are appended"
    );

    p.ok(
        "crm.contact.update",
        json!({"id": id, "fields": {"PHONE": [{"ID": phone_id, "DELETE": "Y"}], "EMAIL": [{"ID": contact["EMAIL"][0]["ID"], "VALUE": ""}]}}),
    )
    .await;
    let contact = p.ok("crm.contact.get", json!({"id": id})).await["result"].clone();
    assert_eq!(contact["PHONE"].as_array().unwrap().len(), 1);
    assert_eq!(contact["PHONE"][0]["VALUE"], "+7 900 000-00-02");
    assert!(
        contact.get("EMAIL").is_none(),
        "an empty multi-field is not shown"
    );
    assert_eq!(contact["HAS_EMAIL"], "N");

    let found = p
        .ok(
            "crm.contact.list",
            json!({"filter": {"PHONE": "+7 900 000-00-02"}, "select": ["ID", "PHONE"]}),
        )
        .await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["result"][0]["ID"], id.to_string());
}

#[tokio::test]
async fn list_paging_select_and_order() {
    let p = common::start().await;
    let first = p.ok("crm.deal.list", json!({"order": {"ID": "ASC"}})).await;
    assert_eq!(first["result"].as_array().unwrap().len(), 50);
    assert_eq!(
        (first["total"].as_u64(), first["next"].as_u64()),
        (Some(60), Some(50))
    );
    let row = &first["result"][0];
    assert!(
        row.get("UF_CRM_1721244482250").is_some(),
        "default select is * + UF_*"
    );
    assert!(row.get("CONTACT_IDS").is_none());
    let second = p
        .ok(
            "crm.deal.list",
            json!({"order": {"ID": "ASC"}, "start": 50}),
        )
        .await;
    assert_eq!(second["result"].as_array().unwrap().len(), 10);
    assert!(second.get("next").is_none());
    let fast = p
        .ok(
            "crm.deal.list",
            json!({"order": {"ID": "ASC"}, "filter": {">ID": 55}, "start": -1, "select": ["ID"]}),
        )
        .await;
    assert_eq!(fast["total"], 0);
    assert!(fast.get("next").is_none());
    assert_eq!(
        fast["result"],
        json!([{"ID": "56"}, {"ID": "57"}, {"ID": "58"}, {"ID": "59"}, {"ID": "60"}])
    );
    let star = p
        .ok(
            "crm.deal.list",
            json!({"select": ["*"], "filter": {"ID": 1}}),
        )
        .await;
    assert!(
        star["result"][0].get("UF_CRM_1721244482250").is_none(),
        "* has no user fields"
    );
    let by_amount = p
        .ok(
            "crm.deal.list",
            json!({"order": {"OPPORTUNITY": "DESC"}, "select": ["OPPORTUNITY"]}),
        )
        .await;
    let amounts: Vec<f64> = by_amount["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["OPPORTUNITY"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]));
    let won = p
        .ok("crm.deal.list", json!({"filter": {"@STAGE_ID": ["WON", "C1:WON"], "%TITLE": "для"}, "select": ["STAGE_ID"]}))
        .await;
    assert!(won["total"].as_u64().unwrap() > 0);
    assert!(
        won["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["STAGE_ID"].as_str().unwrap().ends_with("WON"))
    );
}

#[tokio::test]
async fn fields_describe_types_and_directories() {
    let p = common::start().await;
    let fields = p.ok("crm.deal.fields", json!({})).await["result"].clone();
    assert_eq!(
        fields["STAGE_ID"],
        json!({"type": "crm_status", "isRequired": false, "isReadOnly": false, "isImmutable": false,
               "isMultiple": false, "isDynamic": false, "statusType": "DEAL_STAGE", "title": "Стадия сделки"})
    );
    assert_eq!(fields["CATEGORY_ID"]["isImmutable"], true);
    assert_eq!(fields["UF_CRM_1721244482250"]["isDynamic"], true);
    assert_eq!(
        fields["UF_CRM_1721244482250"]["listLabel"],
        "Адрес доставки"
    );
    let lead = p.ok("crm.lead.fields", json!({})).await["result"].clone();
    assert_eq!(lead["PHONE"]["type"], "crm_multifield");
    assert_eq!(lead["PHONE"]["isMultiple"], true);
}

#[tokio::test]
async fn statuses_and_pipelines() {
    let p = common::start().await;
    let stages = p
        .ok(
            "crm.status.list",
            json!({"filter": {"ENTITY_ID": "DEAL_STAGE_1"}}),
        )
        .await;
    let ids: Vec<&str> = stages["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["STATUS_ID"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "C1:NEW",
            "C1:PREPARATION",
            "C1:EXECUTING",
            "C1:FINAL_INVOICE",
            "C1:WON",
            "C1:LOSE"
        ]
    );
    let won = &stages["result"][4];
    assert_eq!(won["SEMANTICS"], "S");
    assert_eq!(won["EXTRA"]["SEMANTICS"], "success");
    assert_eq!(won["CATEGORY_ID"], "1");
    assert_eq!(stages["total"], 6);
    let categories = p.ok("crm.category.list", json!({"entityTypeId": 2})).await;
    assert_eq!(
        categories["result"]["categories"][0],
        json!({"id": 0, "name": "Общая", "sort": 100, "entityTypeId": 2, "isDefault": "Y", "originId": "", "originatorId": ""})
    );
    assert_eq!(categories["total"], 2);
}

#[tokio::test]
async fn leads_companies_and_timeline() {
    let p = common::start().await;
    let lead = p
        .ok(
            "crm.lead.add",
            json!({"fields": {"NAME": "Ирина", "STATUS_ID": "JUNK"}}),
        )
        .await["result"]
        .as_u64()
        .unwrap();
    let got = p.ok("crm.lead.get", json!({"id": lead})).await["result"].clone();
    assert_eq!(got["TITLE"], format!("Лид #{lead}"));
    assert_eq!(got["STATUS_SEMANTIC_ID"], "F");
    let company = p
        .ok(
            "crm.company.add",
            json!({"fields": {"TITLE": "ООО «Тест»"}}),
        )
        .await["result"]
        .as_u64()
        .unwrap();
    let got = p.ok("crm.company.get", json!({"id": company})).await["result"].clone();
    assert_eq!(
        (got["COMPANY_TYPE"].as_str(), got["REVENUE"].as_str()),
        (Some("CUSTOMER"), Some("0.00"))
    );

    let comment = p
        .ok(
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": 3, "ENTITY_TYPE": "deal", "COMMENT": "Звонил клиент"}}),
        )
        .await;
    assert!(comment["result"].is_u64());
    let (status, body) = p
        .call(
            "crm.timeline.comment.add",
            json!({"FIELDS": {"ENTITY_ID": 3, "ENTITY_TYPE": "deal", "COMMENT": "x"}}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("100")),
        "only lowercase fields"
    );
    let (status, body) = p
        .call(
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": 99999, "ENTITY_TYPE": "deal", "COMMENT": "x"}}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("OWNER_NOT_FOUND"))
    );
    let list = p
        .ok(
            "crm.timeline.comment.list",
            json!({"filter": {"ENTITY_ID": 3, "ENTITY_TYPE": "deal"}}),
        )
        .await;
    assert!(
        list["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["COMMENT"] == "Звонил клиент")
    );

    let todo = p
        .ok("crm.activity.todo.add", json!({"ownerTypeId": 2, "ownerId": 3, "deadline": "2025-07-01T15:00:00", "title": "Перезвонить"}))
        .await;
    let todo_id = todo["result"]["id"].as_u64().unwrap();
    let activity = p.ok("crm.activity.get", json!({"id": todo_id})).await["result"].clone();
    assert_eq!(activity["DEADLINE"], "2025-07-01T15:00:00+03:00");
    assert_eq!(activity["PROVIDER_ID"], "CRM_TODO");
    let (status, body) = p
        .call(
            "crm.activity.todo.add",
            json!({"ownerTypeId": 2, "ownerId": 3, "deadline": "завтра"}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("WRONG_DATETIME_FORMAT"))
    );
    let list = p
        .ok(
            "crm.activity.list",
            json!({"filter": {"OWNER_ID": 3, "OWNER_TYPE_ID": 2}}),
        )
        .await;
    assert!(list["total"].as_u64().unwrap() >= 1);
}
