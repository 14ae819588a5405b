//! `batch`: commands, references, halt, the 50 cap and PHP's result shapes.

mod common;

use serde_json::json;

#[tokio::test]
async fn batch_runs_in_order_with_references_and_cloud_shape() {
    let p = common::start().await;
    let body = p
        .ok(
            "batch",
            json!({"halt": 0, "cmd": {
                "get_user": "user.current",
                "get_department": "department.get?ID=$result[get_user][UF_DEPARTMENT][0]",
                "deals": "crm.deal.list?filter[>OPPORTUNITY]=1000&select[0]=ID&select[1]=TITLE&start=0",
                "missing": "crm.deal.get?id=99999",
                "new_deal": "crm.deal.add?fields[TITLE]=Из%20батча&fields[COMPANY_ID]=$result[get_user][ID]",
                "read_back": "crm.deal.get?id=$result[new_deal]"
            }}),
        )
        .await;
    let result = &body["result"];
    assert_eq!(
        result["result"]["get_department"][0]["NAME"],
        "ООО «ТехноСнаб»"
    );
    assert_eq!(result["result"]["read_back"]["TITLE"], "Из батча");
    assert_eq!(result["result"]["read_back"]["COMPANY_ID"], "1");
    assert_eq!(
        result["result_error"],
        json!({"missing": {"error": "", "error_description": "Not found"}})
    );
    assert_eq!(result["result_total"]["get_department"], 1);
    assert_eq!(result["result_next"], json!({"deals": 50}));
    assert!(result["result_time"]["get_user"]["operating"].is_f64());
    assert!(
        body["time"].get("operating").is_none(),
        "the batch itself is not charged"
    );
    assert!(body["time"]["duration"].is_f64());
    let keys: Vec<&String> = result["result"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "get_user",
            "get_department",
            "deals",
            "new_deal",
            "read_back"
        ]
    );
    let stats = p.sandbox.stats();
    assert_eq!(stats.calls("batch"), 1);
    assert_eq!(stats.batch_commands.get("crm.deal.get"), Some(&2));
}

#[tokio::test]
async fn empty_maps_are_php_arrays_and_numeric_keys_make_lists() {
    let p = common::start().await;
    let body = p
        .ok(
            "batch",
            json!({"cmd": ["user.current", "crm.deal.get?id=1"]}),
        )
        .await;
    let result = &body["result"];
    assert!(result["result"].is_array(), "keys 0..n come back as a list");
    assert_eq!(result["result_error"], json!([]));
    assert_eq!(result["result_next"], json!([]));
    assert_eq!(result["result_total"], json!([]));
    let failed = p
        .ok(
            "batch",
            json!({"cmd": {"a": "crm.deal.get?id=99999", "b": "nope.method"}}),
        )
        .await;
    assert_eq!(
        failed["result"]["result"],
        json!([]),
        "all failed: result is []"
    );
    assert_eq!(
        failed["result"]["result_error"]["b"]["error"],
        "ERROR_METHOD_NOT_FOUND"
    );
}

#[tokio::test]
async fn halt_stops_at_the_first_error() {
    let p = common::start().await;
    let body = p
        .ok("batch", json!({"halt": 1, "cmd": {"a": "crm.deal.get?id=1", "b": "crm.deal.get?id=99999", "c": "crm.deal.get?id=2"}}))
        .await;
    let result = &body["result"];
    assert!(result["result"].get("a").is_some());
    assert!(result["result"].get("c").is_none());
    assert_eq!(result["result_error"].as_object().unwrap().len(), 1);
}

#[tokio::test]
async fn over_fifty_commands_and_nested_batches_fail_per_command() {
    let p = common::start().await;
    let cmd: serde_json::Map<String, serde_json::Value> = (0..53)
        .map(|i| {
            (
                format!("c{i}"),
                json!(format!("crm.deal.get?id={}", i % 60 + 1)),
            )
        })
        .collect();
    let body = p.ok("batch", json!({"cmd": cmd})).await;
    let result = &body["result"];
    assert_eq!(result["result"].as_object().unwrap().len(), 50);
    let errors = result["result_error"].as_object().unwrap();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors["c52"]["error"], "ERROR_BATCH_LENGTH_EXCEEDED");
    let nested = p
        .ok(
            "batch",
            json!({"cmd": {"inner": "batch?cmd[a]=user.current"}}),
        )
        .await;
    assert_eq!(
        nested["result"]["result_error"]["inner"]["error"],
        "ERROR_BATCH_METHOD_NOT_ALLOWED"
    );
}

#[tokio::test]
async fn form_encoded_batch_with_double_encoded_commands() {
    let p = common::start().await;
    let (status, body) = p
        .form(
            "batch",
            "halt=0&cmd%5Badd%5D=crm.lead.add%3Ffields%5BTITLE%5D%3DJohn%2526Martin&cmd%5Bget%5D=crm.lead.get%3Fid%3D%24result%5Badd%5D",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["result"]["get"]["TITLE"], "John&Martin");
}

#[tokio::test]
async fn fast_scan_chain_ends_with_empty_pages() {
    let p = common::start().await;
    let mut cmd = serde_json::Map::new();
    cmd.insert(
        "0".into(),
        json!("crm.deal.list?order[ID]=ASC&filter[>ID]=0&start=-1&select[]=ID"),
    );
    for i in 1..4 {
        cmd.insert(
            i.to_string(),
            json!(format!(
                "crm.deal.list?order[ID]=ASC&filter[>ID]=$result[{}][49][ID]&start=-1&select[]=ID",
                i - 1
            )),
        );
    }
    let body = p.ok("batch", json!({"halt": 1, "cmd": cmd})).await;
    let pages = body["result"]["result"]
        .as_array()
        .expect("keys 0..3 make a list");
    let sizes: Vec<usize> = pages.iter().map(|p| p.as_array().unwrap().len()).collect();
    assert_eq!(sizes, [50, 10, 0, 0]);
    assert_eq!(pages[1][0]["ID"], "51");
}
