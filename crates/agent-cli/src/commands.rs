//! The subcommands besides agent turns: `api`, `sandbox` and `reset-state`.
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::time::Duration;

use bitrix_client::{BitrixApi, Error as BitrixError, ListQuery};
use bitrix_sandbox::{Limits, Sandbox, Seed};
use futures::StreamExt;
use serde_json::Value;
use state_store::{JsonFileStore, StateStore};

use crate::cli::{SandboxArgs, exit};
use crate::failure::Failure;
use crate::portal::Portal;

/// `b24-agent api METHOD [PARAMS] [--all]`: one raw call, or every item of a list as JSON lines.
pub async fn api(
    portal: &Portal,
    method: &str,
    params: Option<&str>,
    all: bool,
) -> Result<u8, Failure> {
    let params: Value = match params {
        None => Value::Object(Default::default()),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| Failure::config(format!("PARAMS_JSON is not valid JSON: {e}")))?,
    };
    if !params.is_object() {
        return Err(Failure::config(
            "PARAMS_JSON must be a JSON object, e.g. '{\"id\": 1}'",
        ));
    }
    if all {
        let mut items =
            bitrix_client::list(portal.client.as_ref(), ListQuery::fast_scan(method, params));
        while let Some(item) = items.next().await {
            println!("{}", item.map_err(portal_failure)?);
        }
        return Ok(exit::OK);
    }
    let output = portal
        .client
        .call(method, params)
        .await
        .map_err(portal_failure)?;
    let text = serde_json::to_string_pretty(&output).map_err(Failure::internal)?;
    println!("{text}");
    Ok(exit::OK)
}

/// Maps a portal error to its exit code: unreachable or rejected is 3, the rest 1.
pub fn portal_failure(err: BitrixError) -> Failure {
    if err.is_transport() || err.is_auth() {
        Failure::portal(err)
    } else {
        Failure::internal(err)
    }
}

/// `b24-agent sandbox`: serves the bundled portal until Ctrl-C; the webhook URL is the first stdout line.
pub async fn sandbox(args: &SandboxArgs) -> Result<u8, Failure> {
    let seed = if args.seed == "empty" {
        Seed::Empty
    } else {
        Seed::Demo
    };
    let limits = match args.limits.as_str() {
        "off" => Limits::Off,
        "enterprise" => Limits::Enterprise,
        _ => Limits::Cloud,
    };
    if let Some(dir) = args.data.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::internal(format!("cannot create {}: {e}", dir.display())))?;
    }
    let running = Sandbox::builder()
        .seed(seed)
        .extra_deals(args.deals)
        .limits(limits)
        .data_file(&args.data)
        .start(&args.listen)
        .await
        .map_err(Failure::config)?;
    println!("{}", running.webhook_url().expose());
    tokio::signal::ctrl_c().await.map_err(Failure::internal)?;
    running.shutdown().await;
    Ok(exit::OK)
}

/// `b24-agent reset-state USER_ID`: under the user's lock, moves the state file aside.
pub async fn reset_state(state_dir: &Path, user_id: &str, wait: Duration) -> Result<u8, Failure> {
    let store = JsonFileStore::new(state_dir);
    let _guard = store.lock_user(user_id, wait).await?;
    match store.quarantine(user_id).await? {
        Some(moved) => println!(
            "Состояние пользователя {user_id} перенесено в {path}; следующий ход начнётся с чистого листа.\n\
             The state of user {user_id} was moved to {path}; the next turn starts afresh.",
            path = moved.display()
        ),
        None => println!(
            "У пользователя {user_id} нет сохранённого состояния.\nUser {user_id} has no saved state."
        ),
    }
    Ok(exit::OK)
}
