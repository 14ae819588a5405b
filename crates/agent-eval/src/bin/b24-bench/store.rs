//! The JSON-file state store: save and load of a full state file, and many users at once
//! (store operations alone, and whole agent turns).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bitrix_client::BitrixApi;
use state_store::{JsonFileStore, MemoryStore, StateStore};

use crate::mock_portal::MockPortal;
use crate::turn::timed_turn;
use crate::{Samples, Section, ms};

fn line(name: &str, s: &Samples) -> String {
    format!(
        "| {name} | {} | {} | {} | {} |",
        s.count(),
        ms(s.median()),
        ms(s.quantile(0.99)),
        ms(s.quantile(1.0))
    )
}

/// Runs `tasks` futures at once and returns every duration they report, with the wall time.
async fn in_parallel<F>(tasks: Vec<F>) -> anyhow::Result<(Vec<Duration>, Duration)>
where
    F: Future<Output = anyhow::Result<Vec<Duration>>> + Send + 'static,
{
    let started = Instant::now();
    let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.await??);
    }
    Ok((all, started.elapsed()))
}

/// Measures the file store with a full state, then many users in parallel.
pub async fn run(quick: bool) -> anyhow::Result<Section> {
    let portal: Arc<dyn BitrixApi> = Arc::new(MockPortal::new());
    let memory: Arc<dyn StateStore> = Arc::new(MemoryStore::new());
    for i in 0..120 {
        timed_turn(&portal, &memory, "full", i).await?;
    }
    let state = memory.load_or_create("full").await?;
    let dir = tempfile::tempdir()?;
    let files = Arc::new(JsonFileStore::new(dir.path()));
    files.save(&state).await?;
    let file_bytes = std::fs::metadata(files.state_path("full")?)?.len();

    let reps = if quick { 50 } else { 300 };
    let mut saves = Vec::with_capacity(reps);
    let mut loads = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        files.save(&state).await?;
        saves.push(started.elapsed());
        let started = Instant::now();
        let loaded = files.load_or_create("full").await?;
        loads.push(started.elapsed());
        anyhow::ensure!(
            loaded.history.len() == state.history.len(),
            "the state round-trips"
        );
    }

    // Store operations alone: one lock + load + save per user, every user at once.
    let users = if quick { 200 } else { 1000 };
    let ops: Vec<_> = (0..users)
        .map(|u| {
            let files = files.clone();
            async move {
                let user = format!("user-{u}");
                let started = Instant::now();
                let _guard = files.lock_user(&user, Duration::from_secs(60)).await?;
                let mut s = files.load_or_create(&user).await?;
                s.counters.count_turn();
                files.save(&s).await?;
                Ok(vec![started.elapsed()])
            }
        })
        .collect();
    let (op_times, op_wall) = in_parallel(ops).await?;

    // Whole agent turns: scripted model, in-process portal, the file store.
    let (turn_users, turns_each) = if quick { (20, 3) } else { (100, 5) };
    let store: Arc<dyn StateStore> = files.clone();
    let turns: Vec<_> = (0..turn_users)
        .map(|u| {
            let (portal, store) = (portal.clone(), store.clone());
            async move {
                let mut times = Vec::new();
                for i in 0..turns_each {
                    times.push(
                        timed_turn(&portal, &store, &format!("agent-{u}"), i)
                            .await?
                            .0,
                    );
                }
                Ok(times)
            }
        })
        .collect();
    let (turn_times, turn_wall) = in_parallel(turns).await?;

    let op_rate = users as f64 / op_wall.as_secs_f64();
    let turn_rate = (turn_users * turns_each) as f64 / turn_wall.as_secs_f64();
    let (saves, loads) = (Samples::new(saves), Samples::new(loads));
    let (op_times, turn_times) = (Samples::new(op_times), Samples::new(turn_times));
    let body = format!(
        "## State store\n\n\
`JsonFileStore` in a temporary directory (every save writes a temporary file, fsyncs it, \
renames it and fsyncs the directory), so saves are bound by fsync: they depend on the disk \
and on whatever else writes to it, and vary several-fold between runs on a shared machine. \
The full state is what 120 agent turns leave behind: \
{} history entries, a {}-byte summary, {file_bytes} bytes on disk.\n\n\
| measure | n | median | p99 | max |\n| --- | --- | --- | --- | --- |\n{}\n{}\n{}\n{}\n\n\
{users} users each lock, load and save their state at the same moment: {op_rate:.0} users/s \
({} wall). {turn_users} users each run {turns_each} agent turns at the same moment (scripted \
model, in-process portal, this store): {turn_rate:.0} turns/s ({} wall).\n",
        state.history.len(),
        state.summary.len(),
        line("save a full state", &saves),
        line("load a full state", &loads),
        line(
            &format!("lock + load + save, {users} users in parallel"),
            &op_times
        ),
        line(
            &format!("agent turn, {turn_users} users in parallel"),
            &turn_times
        ),
        ms(op_wall),
        ms(turn_wall),
    );
    let summary = vec![
        [
            format!("state store: save / load a full state file ({file_bytes} bytes), median"),
            format!("{} / {}", ms(saves.median()), ms(loads.median())),
            "-".into(),
        ],
        [
            format!("state store: {users} users in parallel (lock + load + save)"),
            format!("{op_rate:.0} users/s, p99 {}", ms(op_times.quantile(0.99))),
            "-".into(),
        ],
        [
            format!("agent turns, {turn_users} users in parallel, file store"),
            format!(
                "{turn_rate:.0} turns/s, p99 {}",
                ms(turn_times.quantile(0.99))
            ),
            "-".into(),
        ],
    ];
    Ok(Section { summary, body })
}
