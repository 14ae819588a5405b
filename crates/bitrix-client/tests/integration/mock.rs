//! `MockBitrixApi` (feature `mock`) stands in for the portal, and the helpers work on it.

use bitrix_client::{
    BatchCall, BatchItem, BatchOutcome, BitrixApi, BitrixApiExt, CallOutput, ListQuery,
    MockBitrixApi,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

#[tokio::test]
async fn helpers_run_on_the_mock_and_through_dyn() {
    let mut mock = MockBitrixApi::new();
    mock.expect_call()
        .withf(|method, params| method == "crm.deal.list" && params["start"] == json!(0))
        .times(1)
        .returning(|_, _| {
            Ok(CallOutput {
                result: json!([{"ID": "1"}, {"ID": "2"}]),
                total: Some(2),
                next: None,
                time: None,
            })
        });
    mock.expect_batch()
        .times(1)
        .returning(|calls: Vec<BatchCall>, _| {
            Ok(BatchOutcome {
                items: calls
                    .into_iter()
                    .map(|c| {
                        (
                            c.key,
                            BatchItem::Ok(CallOutput {
                                result: c.params,
                                total: None,
                                next: None,
                                time: None,
                            }),
                        )
                    })
                    .collect(),
                time: None,
            })
        });
    let api: &dyn BitrixApi = &mock;
    let rows: Vec<Value> = api
        .list(ListQuery::offset("crm.deal.list", json!({})))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let results = api
        .call_many(
            vec![BatchCall {
                key: "a".into(),
                method: "profile".into(),
                params: json!({"x": 1}),
            }],
            false,
        )
        .await
        .unwrap();
    assert!(matches!(&results[0].1, BatchItem::Ok(out) if out.result == json!({"x": 1})));
}
