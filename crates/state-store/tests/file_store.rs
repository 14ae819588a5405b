//! The JSON-file backend: round trip, listing, ids, damaged and future files, migration,
//! locks within one process.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use state_store::{
    AgentState, HistoryEntry, HistoryLimits, JsonFileStore, SCHEMA_VERSION, StateStore, StoreError,
    append_to_summary,
};

const V0_FIXTURE: &str = include_str!("fixtures/v0_prerelease.json");
const V1_FIXTURE: &str = include_str!("fixtures/v1_example.json");
const EXAMPLE_USER: &str = "ivan.petrov@example.com";

fn store() -> (tempfile::TempDir, JsonFileStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = JsonFileStore::new(dir.path().join("state"));
    (dir, store)
}

fn example_state() -> AgentState {
    serde_json::from_str(V1_FIXTURE).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn round_trip_writes_the_documented_pretty_file() {
    let (_tmp, store) = store();
    let state = example_state();
    store.save(&state).await.unwrap();
    let path = store.state_path(EXAMPLE_USER).unwrap();
    assert_eq!(path, store.dir().join("ivan.petrov@example.com.json"));
    assert_eq!(fs::read_to_string(&path).unwrap(), V1_FIXTURE);
    assert_eq!(store.load_or_create(EXAMPLE_USER).await.unwrap(), state);
    // Nothing else is left behind by a save.
    assert_eq!(names(store.dir()), ["ivan.petrov@example.com.json"]);
}

#[tokio::test]
async fn missing_state_is_created_fresh_but_not_saved() {
    let (_tmp, store) = store();
    let before = chrono::Utc::now();
    let state = store.load_or_create("Иван").await.unwrap();
    assert_eq!(state.user_id, "Иван");
    assert_eq!(state.schema_version, SCHEMA_VERSION);
    assert!(state.created_at >= before && state.history.is_empty());
    assert!(!store.dir().exists(), "loading must not create files");
    assert!(store.list_users().await.unwrap().is_empty());
}

#[tokio::test]
async fn unusual_ids_work_and_listing_ignores_other_files() {
    let (_tmp, store) = store();
    let users = [
        "000123",
        "user@example.com",
        "Анна Смирнова",
        "tg@durov",
        "a.b",
    ];
    for user in users {
        let mut state = AgentState::new(user, chrono::Utc::now());
        state.push_history(
            HistoryEntry::user(state.created_at, format!("привет от {user}")),
            &HistoryLimits::default(),
            append_to_summary,
        );
        store.save(&state).await.unwrap();
        assert_eq!(store.load_or_create(user).await.unwrap(), state);
    }
    let _guard = store.lock_user("000123", Duration::ZERO).await.unwrap();
    for stray in [
        "notes.txt",
        "x.json.corrupt-20250101T000000.000Z",
        "x.json.v0.bak",
        ".x.json.tmp-1-1",
        "..json",
        "has space .json",
    ] {
        fs::write(store.dir().join(stray), b"{}").unwrap();
    }
    fs::create_dir(store.dir().join("dir.json")).unwrap();
    let mut expected: Vec<String> = users.iter().map(|u| u.to_string()).collect();
    expected.sort();
    assert_eq!(store.list_users().await.unwrap(), expected);

    store.delete("a.b").await.unwrap();
    store.delete("a.b").await.unwrap();
    store.delete("never-existed").await.unwrap();
    assert!(
        !store
            .list_users()
            .await
            .unwrap()
            .contains(&"a.b".to_owned())
    );
    assert!(store.dir().join("000123.lock").exists());
}

#[tokio::test]
async fn invalid_ids_are_refused_by_every_operation_before_touching_disk() {
    let (_tmp, store) = store();
    let long = "x".repeat(10_000);
    for id in [
        "",
        "..",
        "../escape",
        "a/b",
        "a\\b",
        "a\0b",
        ".hidden",
        long.as_str(),
    ] {
        let mut state = AgentState::new(id, chrono::Utc::now());
        state.user_id = id.to_owned();
        let errors = [
            store.lock_user(id, Duration::ZERO).await.err().unwrap(),
            store.load_or_create(id).await.unwrap_err(),
            store.save(&state).await.unwrap_err(),
            store.delete(id).await.unwrap_err(),
            store.quarantine(id).await.unwrap_err(),
            store.state_path(id).unwrap_err(),
        ];
        for err in errors {
            assert!(err.is_invalid_user_id(), "{id:?}: {err}");
        }
    }
    assert!(!store.dir().exists());
    assert!(!store.dir().parent().unwrap().join("escape.json").exists());
}

/// Damaged contents and the exact detail each one is reported with.
fn damaged_files() -> Vec<(&'static str, String, &'static str)> {
    let good = String::from_utf8(serde_json::to_vec_pretty(&example_state()).unwrap()).unwrap();
    vec![
        (
            "truncated",
            good[..good.len() / 2].to_owned(),
            "not valid JSON: EOF while parsing",
        ),
        (
            "empty",
            String::new(),
            "not valid JSON: EOF while parsing a value at line 1 column 0",
        ),
        (
            "garbage",
            "\u{0}\u{1}binary".into(),
            "not valid JSON: expected value at line 1 column 1",
        ),
        ("array", "[]".into(), "the top level is not a JSON object"),
        (
            "wrong type",
            good.replace("\"turns\": 14", "\"turns\": -3"),
            "wrong field types: invalid value: integer `-3`, expected u64 at line ",
        ),
        (
            "missing field",
            good.replace("\"created_at\"", "\"created\""),
            "wrong field types: missing field `created_at` at line ",
        ),
        (
            "other user",
            good.replace(EXAMPLE_USER, "petr"),
            "it holds the state of user \"petr\", not \"ivan.petrov@example.com\"",
        ),
    ]
}

#[tokio::test]
async fn damaged_files_fail_with_their_name_and_are_never_overwritten() {
    for (case, content, detail_start) in damaged_files() {
        let (_tmp, store) = store();
        fs::create_dir_all(store.dir()).unwrap();
        let path = store.state_path(EXAMPLE_USER).unwrap();
        fs::write(&path, &content).unwrap();

        let load_err = store.load_or_create(EXAMPLE_USER).await.unwrap_err();
        let save_err = store.save(&example_state()).await.unwrap_err();
        for err in [&load_err, &save_err] {
            let StoreError::Corrupt { path: p, detail } = err else {
                panic!("{case}: expected Corrupt, got {err:?}");
            };
            assert_eq!(p, &path, "{case}");
            assert!(detail.starts_with(detail_start), "{case}: {detail}");
            assert_eq!(
                err.to_string(),
                format!(
                    "state file {} is damaged: {detail}; it was left untouched (move it aside \
                     with JsonFileStore::quarantine to start afresh)",
                    path.display()
                ),
                "{case}"
            );
        }
        assert_eq!(fs::read(&path).unwrap(), content.as_bytes(), "{case}");
        assert_eq!(
            names(store.dir()),
            ["ivan.petrov@example.com.json"],
            "{case}"
        );

        // Recovery: move it aside, then the user starts afresh.
        let _guard = store.lock_user(EXAMPLE_USER, Duration::ZERO).await.unwrap();
        let moved = store.quarantine(EXAMPLE_USER).await.unwrap().unwrap();
        let moved_name = moved.file_name().unwrap().to_str().unwrap();
        assert!(
            moved_name.starts_with("ivan.petrov@example.com.json.corrupt-20"),
            "{moved_name}"
        );
        assert!(moved_name.ends_with('Z'), "{moved_name}");
        assert_eq!(moved.parent(), Some(store.dir()));
        assert_eq!(fs::read(&moved).unwrap(), content.as_bytes());
        assert!(
            store
                .load_or_create(EXAMPLE_USER)
                .await
                .unwrap()
                .history
                .is_empty()
        );
        store.save(&example_state()).await.unwrap();
        assert_eq!(store.list_users().await.unwrap(), [EXAMPLE_USER]);
    }
}

#[tokio::test]
async fn quarantine_never_clobbers_an_earlier_quarantine() {
    let (_tmp, store) = store();
    assert_eq!(store.quarantine("ivan").await.unwrap(), None);
    let mut moved = Vec::new();
    for i in 0..5 {
        fs::create_dir_all(store.dir()).unwrap();
        fs::write(store.state_path("ivan").unwrap(), format!("broken {i}")).unwrap();
        moved.push(store.quarantine("ivan").await.unwrap().unwrap());
    }
    for (i, path) in moved.iter().enumerate() {
        assert_eq!(fs::read_to_string(path).unwrap(), format!("broken {i}"));
    }
}

#[tokio::test]
async fn future_version_files_are_refused_and_kept() {
    let (_tmp, store) = store();
    fs::create_dir_all(store.dir()).unwrap();
    let path = store.state_path(EXAMPLE_USER).unwrap();
    let content = V1_FIXTURE.replace("\"schema_version\": 1", "\"schema_version\": 2");
    fs::write(&path, &content).unwrap();

    let load_err = store.load_or_create(EXAMPLE_USER).await.unwrap_err();
    let save_err = store.save(&example_state()).await.unwrap_err();
    for err in [load_err, save_err] {
        assert!(err.is_future_version(), "{err:?}");
        assert_eq!(err.path(), Some(path.as_path()));
        assert_eq!(
            err.to_string(),
            format!(
                "state file {} has schema version 2, newer than 1 which this build supports; \
                 upgrade b24-agent (the file was left untouched)",
                path.display()
            )
        );
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), content);
}

#[tokio::test]
async fn older_files_migrate_on_load_and_are_backed_up_on_first_save() {
    let (_tmp, store) = store();
    fs::create_dir_all(store.dir()).unwrap();
    let path = store.state_path(EXAMPLE_USER).unwrap();
    fs::write(&path, V0_FIXTURE).unwrap();

    let mut state = store.load_or_create(EXAMPLE_USER).await.unwrap();
    assert_eq!(state.counters.turns, 12);
    assert_eq!(state.memory.last_entity("deal").unwrap().id, 4512);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        V0_FIXTURE,
        "load must not write"
    );

    state.counters.count_turn();
    store.save(&state).await.unwrap();
    let backup = store.dir().join("ivan.petrov@example.com.json.v0.bak");
    assert_eq!(fs::read_to_string(&backup).unwrap(), V0_FIXTURE);
    assert_eq!(store.load_or_create(EXAMPLE_USER).await.unwrap(), state);
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .contains("\"schema_version\": 1")
    );

    // Later saves leave the backup alone.
    state.counters.count_turn();
    store.save(&state).await.unwrap();
    assert_eq!(fs::read_to_string(&backup).unwrap(), V0_FIXTURE);
    assert_eq!(
        names(store.dir()),
        [
            "ivan.petrov@example.com.json",
            "ivan.petrov@example.com.json.v0.bak"
        ]
    );
}

#[tokio::test]
async fn lock_excludes_other_store_instances_on_the_same_directory() {
    let (_tmp, store) = store();
    let other = JsonFileStore::new(store.dir());
    let guard = store
        .lock_user("ivan", Duration::from_secs(1))
        .await
        .unwrap();
    let started = Instant::now();
    let err = other
        .lock_user("ivan", Duration::from_millis(300))
        .await
        .err()
        .unwrap();
    assert!(err.is_busy() && err.is_retryable(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "user ivan is busy: another turn is running"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    drop(guard);
    other.lock_user("ivan", Duration::ZERO).await.unwrap();
}

#[tokio::test]
async fn stale_temp_files_of_the_user_are_removed_under_the_lock() {
    let (_tmp, store) = store();
    fs::create_dir_all(store.dir()).unwrap();
    for name in [
        ".ivan.json.tmp-999999-1",
        ".ivan.json.v0.bak.tmp-5-5",
        ".petr.json.tmp-1-1",
    ] {
        fs::write(store.dir().join(name), b"{\"half").unwrap();
    }
    let _guard = store.lock_user("ivan", Duration::ZERO).await.unwrap();
    assert_eq!(names(store.dir()), [".petr.json.tmp-1-1", "ivan.lock"]);
}
