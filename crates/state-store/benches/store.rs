//! Prints how long the JSON-file backend takes for its common operations.
//!
//! Run: `cargo bench -p state-store`. Figures depend on the disk (every save fsyncs twice).

#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use state_store::{
    AgentState, HistoryEntry, HistoryLimits, JsonFileStore, MemoryStore, StateStore,
    append_to_summary,
};

const V1_FIXTURE: &str = include_str!("../tests/fixtures/v1_example.json");

/// A state filled to the default history bounds, the largest a real user reaches.
fn full_state() -> AgentState {
    let mut state: AgentState = serde_json::from_str(V1_FIXTURE).unwrap();
    let limits = HistoryLimits::default();
    for i in 0..200 {
        let text = format!("сообщение {i}: {}", "текст ".repeat(60));
        state.push_history(
            HistoryEntry::user(chrono::Utc::now(), text),
            &limits,
            append_to_summary,
        );
    }
    state
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{name:<44} n={:<5} median {:>9.3?}  p90 {:>9.3?}  max {:>9.3?}",
        samples.len(),
        pick(0.5),
        pick(0.9),
        pick(1.0)
    );
}

async fn time<F, Fut>(n: usize, mut op: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        op().await;
        samples.push(started.elapsed());
    }
    samples
}

async fn bench_store(label: &str, store: &dyn StateStore, state: &AgentState) {
    let user = state.user_id.as_str();
    store.save(state).await.unwrap();
    report(
        &format!("{label}: save"),
        time(200, || async { store.save(state).await.unwrap() }).await,
    );
    report(
        &format!("{label}: load"),
        time(200, || async {
            store.load_or_create(user).await.unwrap();
        })
        .await,
    );
    report(
        &format!("{label}: lock + load + save + unlock"),
        time(200, || async {
            let _guard = store.lock_user(user, Duration::from_secs(5)).await.unwrap();
            let mut s = store.load_or_create(user).await.unwrap();
            s.counters.count_turn();
            store.save(&s).await.unwrap();
        })
        .await,
    );
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let state = full_state();
        let size = serde_json::to_vec_pretty(&state).unwrap().len();
        println!(
            "state at default bounds: {} entries, file {} bytes",
            state.history.len(),
            size
        );
        let dir = tempfile::tempdir().unwrap();
        bench_store("json file", &JsonFileStore::new(dir.path()), &state).await;
        bench_store("memory", &MemoryStore::new(), &state).await;
    });
}
