//! The `StateStore` contract, run against both backends through `dyn StateStore`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use state_store::{
    AgentState, HistoryEntry, HistoryLimits, JsonFileStore, MemoryStore, SCHEMA_VERSION,
    StateStore, append_to_summary,
};

const V1_FIXTURE: &str = include_str!("fixtures/v1_example.json");

async fn round_trip_list_and_delete(store: &dyn StateStore) {
    assert!(store.list_users().await.unwrap().is_empty());
    let example: AgentState = serde_json::from_str(V1_FIXTURE).unwrap();
    store.save(&example).await.unwrap();
    assert_eq!(
        store.load_or_create(&example.user_id).await.unwrap(),
        example
    );

    let mut fresh = store.load_or_create("000777").await.unwrap();
    assert_eq!(fresh.schema_version, SCHEMA_VERSION);
    assert_eq!(
        store.list_users().await.unwrap(),
        [example.user_id.as_str()]
    );
    fresh.memory.bitrix_user_id = Some(777);
    fresh.schema_version = 0; // Saving always writes the current version.
    store.save(&fresh).await.unwrap();
    let back = store.load_or_create("000777").await.unwrap();
    assert_eq!(back.memory.bitrix_user_id, Some(777));
    assert_eq!(back.schema_version, SCHEMA_VERSION);
    assert_eq!(
        store.list_users().await.unwrap(),
        ["000777", example.user_id.as_str()]
    );

    store.delete("000777").await.unwrap();
    store.delete("000777").await.unwrap();
    assert_eq!(
        store.list_users().await.unwrap(),
        [example.user_id.as_str()]
    );
    assert_eq!(
        store
            .load_or_create("000777")
            .await
            .unwrap()
            .memory
            .bitrix_user_id,
        None
    );
}

async fn invalid_ids_are_refused(store: &dyn StateStore) {
    for id in ["", "../x", "a/b", ".", "x\n"] {
        let mut state = AgentState::new("ok", chrono::Utc::now());
        state.user_id = id.to_owned();
        assert!(
            store
                .lock_user(id, Duration::ZERO)
                .await
                .err()
                .unwrap()
                .is_invalid_user_id()
        );
        assert!(
            store
                .load_or_create(id)
                .await
                .unwrap_err()
                .is_invalid_user_id()
        );
        assert!(store.save(&state).await.unwrap_err().is_invalid_user_id());
        assert!(store.delete(id).await.unwrap_err().is_invalid_user_id());
    }
}

async fn busy_until_released(store: Arc<dyn StateStore>) {
    let guard = store.lock_user("anna", Duration::ZERO).await.unwrap();
    assert_eq!(guard.user_id(), "anna");
    let started = Instant::now();
    let err = store
        .lock_user("anna", Duration::from_millis(200))
        .await
        .err()
        .unwrap();
    assert!(err.is_busy(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(
        store
            .lock_user("anna", Duration::ZERO)
            .await
            .err()
            .unwrap()
            .is_busy()
    );
    let _other = store.lock_user("boris", Duration::ZERO).await.unwrap();

    let waiter = tokio::spawn({
        let store = Arc::clone(&store);
        async move {
            store
                .lock_user("anna", Duration::from_secs(10))
                .await
                .map(|g| g.user_id().to_owned())
        }
    });
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(!waiter.is_finished());
    drop(guard);
    assert_eq!(waiter.await.unwrap().unwrap(), "anna");
}

async fn no_lost_updates(store: Arc<dyn StateStore>) {
    let (tasks, rounds) = (12u64, 10u64);
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for r in 0..rounds {
                    let _guard = store
                        .lock_user("общий", Duration::from_secs(60))
                        .await
                        .unwrap();
                    let mut state = store.load_or_create("общий").await.unwrap();
                    state.counters.count_turn();
                    state.push_history(
                        HistoryEntry::user(chrono::Utc::now(), format!("task {t} round {r}")),
                        &HistoryLimits::default(),
                        append_to_summary,
                    );
                    tokio::task::yield_now().await;
                    store.save(&state).await.unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let state = store.load_or_create("общий").await.unwrap();
    assert_eq!(state.counters.turns, tasks * rounds);
    assert_eq!(state.history.len(), HistoryLimits::default().max_entries);
    let folded = state.summary.lines().count() as u64;
    assert_eq!(folded + state.history.len() as u64, tasks * rounds);
}

fn file_store() -> (tempfile::TempDir, Arc<dyn StateStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = JsonFileStore::new(dir.path().join("state"));
    (dir, Arc::new(store))
}

#[tokio::test]
async fn file_store_round_trip_list_and_delete() {
    let (_dir, store) = file_store();
    round_trip_list_and_delete(store.as_ref()).await;
}

#[tokio::test]
async fn memory_store_round_trip_list_and_delete() {
    round_trip_list_and_delete(&MemoryStore::new()).await;
}

#[tokio::test]
async fn file_store_refuses_invalid_ids() {
    let (_dir, store) = file_store();
    invalid_ids_are_refused(store.as_ref()).await;
}

#[tokio::test]
async fn memory_store_refuses_invalid_ids() {
    invalid_ids_are_refused(&MemoryStore::new()).await;
}

#[tokio::test]
async fn file_store_is_busy_until_released() {
    let (_dir, store) = file_store();
    busy_until_released(store).await;
}

#[tokio::test]
async fn memory_store_is_busy_until_released() {
    busy_until_released(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_store_loses_no_updates_across_tasks() {
    let (_dir, store) = file_store();
    no_lost_updates(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_loses_no_updates_across_tasks() {
    no_lost_updates(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn memory_store_clones_share_data_and_locks() {
    let a = MemoryStore::new();
    let b = a.clone();
    a.save(&AgentState::new("ivan", chrono::Utc::now()))
        .await
        .unwrap();
    assert_eq!(b.list_users().await.unwrap(), ["ivan"]);
    let _guard = a.lock_user("ivan", Duration::ZERO).await.unwrap();
    assert!(
        b.lock_user("ivan", Duration::ZERO)
            .await
            .err()
            .unwrap()
            .is_busy()
    );
    assert!(
        MemoryStore::new()
            .lock_user("ivan", Duration::ZERO)
            .await
            .is_ok()
    );
}
