use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::{ActionRecord, EntityRef, HistoryEntry};

const V0_FIXTURE: &str = include_str!("../tests/fixtures/v0_prerelease.json");
const V1_FIXTURE: &str = include_str!("../tests/fixtures/v1_example.json");
const PATH: &str = "/state/ivan.json";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn decode_str(text: &str, user: &str) -> Result<Decoded, StoreError> {
    decode(text.as_bytes(), Path::new(PATH), user)
}

fn corrupt_detail(text: &str, user: &str) -> String {
    match decode_str(text, user) {
        Err(StoreError::Corrupt { path, detail }) => {
            assert_eq!(path, Path::new(PATH));
            detail
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn migration_chain_covers_every_version() {
    assert_eq!(MIGRATIONS.len(), SCHEMA_VERSION as usize);
}

#[test]
fn v0_fixture_migrates_field_by_field() {
    let decoded = decode_str(V0_FIXTURE, "ivan.petrov@example.com").unwrap();
    assert_eq!(decoded.stored_version, 0);
    let s = decoded.state;
    let mut expected = AgentState::new("ivan.petrov@example.com", t("2024-11-02T08:15:00Z"));
    expected.updated_at = t("2024-11-03T17:40:12Z");
    expected.history = vec![
        HistoryEntry::user(t("2024-11-03T17:39:50Z"), "Покажи мои сделки"),
        HistoryEntry::assistant(
            t("2024-11-03T17:40:12Z"),
            "У вас 2 открытые сделки: «Поставка» и «Монтаж».",
            vec![ActionRecord {
                method: "crm.deal.list".into(),
                decision: "executed".into(),
                outcome: "unknown (recorded before schema version 1)".into(),
            }],
        ),
    ];
    expected.summary = "Пользователь спрашивал о компании ООО «Ромашка».".into();
    expected.memory.entities = vec![EntityRef {
        kind: "deal".into(),
        id: 4512,
        title: Some("Поставка".into()),
        touched_at: t("2024-11-03T17:40:12Z"),
    }];
    expected.memory.language = Some("ru".into());
    expected.counters.turns = 12;
    assert_eq!(s, expected);
}

#[test]
fn minimal_v0_migrates_with_defaults() {
    let text =
        r#"{"user": "42", "created": "2024-01-01T00:00:00Z", "updated": "2024-01-02T00:00:00Z"}"#;
    let s = decode_str(text, "42").unwrap().state;
    let mut expected = AgentState::new("42", t("2024-01-01T00:00:00Z"));
    expected.updated_at = t("2024-01-02T00:00:00Z");
    assert_eq!(s, expected);
}

#[test]
fn broken_v0_files_are_corrupt_with_the_reason() {
    let base =
        json!({"user": "42", "created": "2024-01-01T00:00:00Z", "updated": "2024-01-02T00:00:00Z"});
    let with = |key: &str, value: Value| {
        let mut v = base.clone();
        v[key] = value;
        v.to_string()
    };
    let cases = [
        (
            json!({"created": "x", "updated": "y"}).to_string(),
            "`user` is missing",
        ),
        (with("user", json!(42)), "`user` is 42, not a string"),
        (
            with("messages", json!("hi")),
            "`messages` is a string, not a list",
        ),
        (
            with(
                "messages",
                json!([{"ts": "2024-01-01T00:00:00Z", "from": "cat", "text": "x"}]),
            ),
            "messages[0].from is not \"user\" or \"bot\"",
        ),
        (
            with("messages", json!([{"from": "user", "text": "x"}])),
            "messages[0].ts is missing",
        ),
        (
            with("last_deal", json!({"title": "x"})),
            "last_deal.id is missing",
        ),
    ];
    for (text, needle) in cases {
        let detail = corrupt_detail(&text, "42");
        assert!(
            detail.starts_with("cannot migrate from schema version 0 to 1: "),
            "{detail}"
        );
        assert!(detail.contains(needle), "{detail} should contain {needle}");
    }
    // Well-formed JSON that migrates but holds a bad timestamp fails at decoding.
    let detail = corrupt_detail(&with("created", json!("yesterday")), "42");
    assert!(
        detail.starts_with("after migration from schema version 0: "),
        "{detail}"
    );
}

#[test]
fn v1_fixture_decodes_and_reencodes_byte_for_byte() {
    let decoded = decode_str(V1_FIXTURE, "ivan.petrov@example.com").unwrap();
    assert_eq!(decoded.stored_version, 1);
    let s = &decoded.state;
    assert!(s.pending_action.as_ref().unwrap().is_intact());
    assert_eq!(s.memory.last_entity("deal").unwrap().id, 4512);
    assert_eq!(String::from_utf8(encode(s).unwrap()).unwrap(), V1_FIXTURE);
}

#[test]
fn encode_is_pretty_and_stamps_the_current_version() {
    let mut s = AgentState::new("ivan", Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap());
    s.schema_version = 0;
    let text = String::from_utf8(encode(&s).unwrap()).unwrap();
    assert!(
        text.starts_with("{\n  \"schema_version\": 1,\n  \"user_id\": \"ivan\","),
        "{text}"
    );
    assert!(text.ends_with("}\n"));
    let back = decode_str(&text, "ivan").unwrap();
    assert_eq!(back.state.schema_version, SCHEMA_VERSION);
}

#[test]
fn future_versions_are_refused() {
    for version in [2u64, 1000, u64::MAX] {
        let text = format!(r#"{{"schema_version": {version}, "whatever": true}}"#);
        match decode_str(&text, "ivan") {
            Err(StoreError::FutureVersion {
                path,
                found,
                supported,
            }) => {
                assert_eq!(path, Path::new(PATH));
                assert_eq!(found, version);
                assert_eq!(supported, SCHEMA_VERSION);
            }
            other => panic!("expected FutureVersion, got {other:?}"),
        }
    }
}

#[test]
fn damaged_records_are_corrupt_with_location() {
    let detail = corrupt_detail("{\n  \"schema_version\": 1,\n  \"user_id\": ", "ivan");
    assert!(detail.starts_with("not valid JSON: "), "{detail}");
    assert!(detail.contains("line 3"), "{detail}");

    assert_eq!(
        corrupt_detail("[1, 2]", "ivan"),
        "the top level is not a JSON object"
    );
    assert_eq!(
        corrupt_detail("", "ivan"),
        "not valid JSON: EOF while parsing a value at line 1 column 0"
    );
    assert_eq!(
        corrupt_detail(r#"{"schema_version": "1"}"#, "ivan"),
        "schema_version is a string, not a whole number"
    );
    assert_eq!(
        corrupt_detail(r#"{"schema_version": -1}"#, "ivan"),
        "schema_version is -1, not a whole number"
    );

    let good = String::from_utf8(encode(&AgentState::new("ivan", Utc::now())).unwrap()).unwrap();
    let wrong_type = good.replace("\"turns\": 0", "\"turns\": \"many\"");
    assert_ne!(wrong_type, good);
    let detail = corrupt_detail(&wrong_type, "ivan");
    assert!(
        detail.starts_with("wrong field types: invalid type: string \"many\""),
        "{detail}"
    );
    assert!(detail.contains("line "), "{detail}");
}

#[test]
fn another_users_record_is_corrupt() {
    let good = String::from_utf8(encode(&AgentState::new("petr", Utc::now())).unwrap()).unwrap();
    assert_eq!(
        corrupt_detail(&good, "ivan"),
        "it holds the state of user \"petr\", not \"ivan\""
    );
}
