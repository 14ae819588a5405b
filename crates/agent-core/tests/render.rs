//! Observation rendering: shapes (snapshots) and the budget (properties).

use agent_core::protocol::render::{
    ObservedAction, ObservedError, ObservedStatus, fit_to_budget, render_observation,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn ok(method: &str, result: Value, total: Option<u64>, next: Option<u64>) -> ObservedAction {
    ObservedAction {
        method: method.into(),
        status: ObservedStatus::Ok,
        result: Some(result),
        total,
        next,
        error: None,
        note: None,
    }
}

fn deals(n: usize) -> Value {
    Value::Array(
        (1..=n)
            .map(|i| {
                json!({"ID": i.to_string(), "TITLE": format!("Сделка №{i} для ООО «Ромашка»"), "STAGE_ID": "PREPARATION", "OPPORTUNITY": "15000.00"})
            })
            .collect(),
    )
}

#[test]
fn small_single_result() {
    let obs = render_observation(
        &[ok(
            "crm.deal.get",
            json!({"ID": "4512", "TITLE": "Поставка"}),
            None,
            None,
        )],
        6000,
    );
    assert!(!obs.truncated);
    insta::assert_snapshot!(obs.text);
}

#[test]
fn long_list_is_cut_with_total_and_how_to_get_more() {
    let obs = render_observation(&[ok("crm.deal.list", deals(50), Some(654), Some(50))], 1500);
    assert!(obs.truncated);
    assert!(
        obs.text.chars().count() <= 1500,
        "{}",
        obs.text.chars().count()
    );
    insta::assert_snapshot!(obs.text);
}

#[test]
fn mixed_statuses_in_one_batch() {
    let entries = vec![
        ok(
            "crm.deal.get",
            json!({"ID": "7", "TITLE": "Склад"}),
            None,
            None,
        ),
        ObservedAction {
            method: "crm.contact.get".into(),
            status: ObservedStatus::Error,
            result: None,
            total: None,
            next: None,
            error: Some(ObservedError {
                code: String::new(),
                kind: "not_found".into(),
                description: "Bitrix24 error: Not found (HTTP 400)".into(),
            }),
            note: Some("the record does not exist or is not visible".into()),
        },
        ObservedAction::noted(
            "crm.deal.update",
            ObservedStatus::Planned,
            "NOT executed, planned only: shadow mode",
        ),
        ObservedAction::noted(
            "crm.deal.delete",
            ObservedStatus::Refused,
            "refused: this method is not in the catalog",
        ),
        ObservedAction::noted(
            "crm.lead.add",
            ObservedStatus::OutcomeUnknown,
            "the request was sent but its outcome is unknown",
        ),
    ];
    insta::assert_snapshot!(render_observation(&entries, 6000).text);
}

#[test]
fn nested_rows_of_crm_item_list_are_cut() {
    let items: Vec<Value> = (1..=50)
        .map(|i| json!({"id": i, "title": format!("Item {i}"), "stageId": "C1:NEW"}))
        .collect();
    let obs = render_observation(
        &[ok("crm.item.list", json!({"items": items}), Some(50), None)],
        800,
    );
    assert!(
        obs.text.contains("\"path\":\"result.items\""),
        "{}",
        obs.text
    );
    assert!(obs.text.chars().count() <= 800);
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,300}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 200, 12, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..30).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_.\\[\\]]{1,12}", inner, 0..20)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn fitting_never_panics_and_meets_the_budget_unless_irreducible(value in json_value(), budget in 0usize..3000) {
        let mut v = value.clone();
        let cuts = fit_to_budget(&mut v, budget);
        let len = serde_json::to_string(&v).unwrap().chars().count();
        if len > budget {
            // Nothing left to cut: no list of 2+, no long string, no wide object.
            let mut again = v.clone();
            let more = fit_to_budget(&mut again, budget);
            prop_assert!(more.is_empty());
        }
        for cut in &cuts {
            prop_assert!(cut.shown < cut.of);
        }
    }

    #[test]
    fn rendering_never_panics(value in json_value(), budget in 0usize..4000) {
        let obs = render_observation(&[ok("crm.deal.list", value, Some(10), Some(50))], budget);
        prop_assert!(obs.text.starts_with("OBSERVATION: "));
    }
}
