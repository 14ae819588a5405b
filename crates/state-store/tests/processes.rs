//! Several OS processes on one state directory: no lost update through the lock, and no
//! torn file when a writer is killed mid-save.
//!
//! The child processes are this test binary itself, re-run with `STATE_STORE_CHILD` set,
//! executing only [`child_process_entry`].

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::json;
use state_store::{
    AgentState, HistoryEntry, HistoryLimits, JsonFileStore, PendingAction, StateStore,
    append_to_summary,
};

const CHILD_ENV: &str = "STATE_STORE_CHILD";
const DIR_ENV: &str = "STATE_STORE_CHILD_DIR";
const USER_ENV: &str = "STATE_STORE_CHILD_USER";
const ROUNDS_ENV: &str = "STATE_STORE_CHILD_ROUNDS";
const SAVED_MARK: &str = "@@saved ";

/// Not a test: the body of a child process. Without the environment set it does nothing.
#[test]
#[ignore = "child process entry; the other tests in this file run it"]
fn child_process_entry() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(DIR_ENV).unwrap());
    let user = std::env::var(USER_ENV).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = JsonFileStore::new(dir);
        match mode.as_str() {
            "increment" => {
                let rounds: u64 = std::env::var(ROUNDS_ENV).unwrap().parse().unwrap();
                for round in 0..rounds {
                    increment(
                        &store,
                        &user,
                        &format!("pid {} round {round}", std::process::id()),
                    )
                    .await;
                }
            }
            "save-forever" => save_forever(&store, &user).await,
            other => panic!("unknown child mode {other}"),
        }
    });
}

/// One turn: lock, load, bump the counter, remember the message, save.
async fn increment(store: &JsonFileStore, user: &str, note: &str) {
    let _guard = store
        .lock_user(user, Duration::from_secs(120))
        .await
        .unwrap();
    let mut state = store.load_or_create(user).await.unwrap();
    state.counters.count_turn();
    state.push_history(
        HistoryEntry::user(Utc::now(), note),
        &HistoryLimits::default(),
        append_to_summary,
    );
    store.save(&state).await.unwrap();
}

/// Holds the lock and saves `state_for(n)`, `n + 1`, ... until killed, reporting each save.
async fn save_forever(store: &JsonFileStore, user: &str) {
    let _guard = store
        .lock_user(user, Duration::from_secs(60))
        .await
        .unwrap();
    let mut n = store.load_or_create(user).await.unwrap().counters.turns;
    let mut out = std::io::stdout().lock();
    loop {
        n += 1;
        store.save(&state_for(user, n)).await.unwrap();
        writeln!(out, "{SAVED_MARK}{n}").unwrap();
        out.flush().unwrap();
    }
}

/// A deterministic state whose size and shape depend on `n`, so a torn file cannot pass
/// for a whole one.
fn state_for(user: &str, n: u64) -> AgentState {
    let start = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
    let mut state = AgentState::new(user, start);
    state.updated_at = start + TimeDelta::seconds(n as i64);
    state.counters.turns = n;
    state.counters.actions_executed = n * 3;
    for i in 0..(n % 29) {
        let size = ((n * 7919 + i * 104_729) % 1500) as usize;
        state.history.push(HistoryEntry::user(
            state.updated_at,
            format!("{n}/{i}: {}", "ж".repeat(size)),
        ));
    }
    state.summary = format!("summary of {n}; ").repeat((n % 13) as usize);
    if n.is_multiple_of(2) {
        state.pending_action = Some(PendingAction::new(
            "crm.deal.delete",
            json!({ "id": n }),
            "irreversible",
            start,
            TimeDelta::minutes(10),
        ));
    }
    state
}

fn spawn_child(mode: &str, dir: &Path, user: &str, rounds: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process_entry",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ])
        .env(CHILD_ENV, mode)
        .env(DIR_ENV, dir)
        .env(USER_ENV, user)
        .env(ROUNDS_ENV, rounds.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_and_tasks_increment_one_counter_without_lost_updates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let user = "Иван@b24";
    let (processes, rounds, tasks) = (4, 25, 4);

    let children: Vec<Child> = (0..processes)
        .map(|_| spawn_child("increment", &dir, user, rounds))
        .collect();
    // Tasks of this process compete for the same lock at the same time.
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = JsonFileStore::new(&dir);
        handles.push(tokio::spawn(async move {
            for round in 0..rounds {
                increment(&store, user, &format!("task {t} round {round}")).await;
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    for child in children {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(output.status.success(), "child failed: {:?}", output.status);
    }

    let state = JsonFileStore::new(&dir).load_or_create(user).await.unwrap();
    assert_eq!(state.counters.turns, (processes + tasks) * rounds);
    let remembered = state.history.len() + state.summary.lines().count();
    assert_eq!(remembered as u64, (processes + tasks) * rounds);
}

#[allow(clippy::print_stderr)] // Reports how often a kill left a half-written temp file.
#[tokio::test]
async fn killed_writers_leave_the_old_or_the_new_state() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let user = "42";
    let store = JsonFileStore::new(&dir);
    let path = store.state_path(user).unwrap();
    let (iterations, mut torn_temps) = (40u64, 0);
    let mut confirmed = 0u64;

    for i in 0..iterations {
        let mut child = spawn_child("save-forever", &dir, user, 0);
        let stdout = child.stdout.take().unwrap();
        let (saved_tx, saved_rx) = mpsc::channel();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line
                    .split_once(SAVED_MARK)
                    .and_then(|(_, n)| n.trim().parse::<u64>().ok())
                {
                    let _ = saved_tx.send(n);
                }
            }
        });
        // Once the child is saving, kill it at varied moments of its save loop.
        let first = saved_rx.recv_timeout(Duration::from_secs(60));
        assert!(first.is_ok(), "iteration {i}: the child never saved");
        thread::sleep(Duration::from_millis((i * 7) % 31));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        let last_reported = first.into_iter().chain(saved_rx.try_iter()).max().unwrap();
        assert!(
            last_reported > confirmed,
            "a child saved {last_reported} after {confirmed}"
        );
        confirmed = last_reported;

        // The file parses on its own and is exactly one whole state.
        let bytes = fs::read(&path).unwrap();
        let raw: AgentState = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("iteration {i}: torn state file: {e}"));
        let n = raw.counters.turns;
        assert!(
            n == confirmed || n == confirmed + 1,
            "iteration {i}: file holds {n}, last confirmed save was {confirmed}"
        );
        assert_eq!(raw, state_for(user, n), "iteration {i}");
        confirmed = n;
        let temps = fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter(|e| {
                        e.as_ref()
                            .unwrap()
                            .file_name()
                            .to_string_lossy()
                            .contains(".tmp-")
                    })
                    .count()
            })
            .unwrap_or(0);
        torn_temps += temps;

        // The dead child's lock is gone; taking it clears its half-written temp file.
        let started = Instant::now();
        let guard = store.lock_user(user, Duration::from_secs(5)).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(
            store.load_or_create(user).await.unwrap().counters.turns,
            confirmed
        );
        drop(guard);
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
    }
    eprintln!(
        "crash test: {iterations} kills during saves, {torn_temps} left a half-written temp \
         file, {confirmed} saves in total"
    );
}
