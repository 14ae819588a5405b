//! Portal context: deal pipelines with their stages, and users, fetched once and cached in the
//! user's state with an expiry, so the model maps "переговоры" and "Иван" to codes and ids.

use std::time::Duration;

use bitrix_client::{BatchCall, BatchItem, BitrixApi, CallOutput};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use state_store::CachedContext;

use crate::util::{as_u64, text_of};

/// What a stage means for the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageSemantics {
    /// Work in progress.
    Process,
    /// The deal is won.
    Success,
    /// The deal is lost.
    Failure,
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// The stage code used in `STAGE_ID` (`NEW`, `C3:WON`, ...).
    pub code: String,
    /// The stage's name on the portal.
    pub name: String,
    /// Won, lost, or in progress.
    pub semantics: StageSemantics,
}

/// One deal pipeline (category).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    /// The `CATEGORY_ID` (0 for the default pipeline).
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its stages in portal order.
    pub stages: Vec<Stage>,
}

/// One portal user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalUser {
    /// The Bitrix24 user id.
    pub id: u64,
    /// First and last name.
    pub name: String,
    /// The job title, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// The portal context the prompt shows to the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalContext {
    /// Deal pipelines with stages.
    pub pipelines: Vec<Pipeline>,
    /// Active users, up to the configured cap.
    pub users: Vec<PortalUser>,
    /// How many active users the portal has, when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users_total: Option<u64>,
    /// Parts that could not be fetched (e.g. no access to users), for the log and the prompt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<String>,
}

/// The most pipelines fetched (one batch command each).
const MAX_PIPELINES: usize = 40;
/// Bitrix24's fixed page size.
const PAGE: u64 = 50;

impl PortalContext {
    /// The semantics of the stage with `code`, when the context knows the stage.
    pub fn stage_semantics(&self, code: &str) -> Option<StageSemantics> {
        self.stage(code).map(|s| s.semantics)
    }

    /// The stage with `code` (case-insensitive).
    pub fn stage(&self, code: &str) -> Option<&Stage> {
        self.pipelines
            .iter()
            .flat_map(|p| p.stages.iter())
            .find(|s| s.code.eq_ignore_ascii_case(code))
    }

    /// The name of the user with `id`.
    pub fn user_name(&self, id: u64) -> Option<&str> {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.as_str())
    }

    /// Reads a cached context; `None` when it expired at `now` or cannot be read.
    pub fn from_cache(cached: &CachedContext, now: DateTime<Utc>) -> Option<Self> {
        if now >= cached.expires_at {
            return None;
        }
        serde_json::from_value(cached.data.clone()).ok()
    }

    /// The cache record of this context, fetched at `now`, valid for `ttl`.
    pub fn to_cache(&self, now: DateTime<Utc>, ttl: Duration) -> CachedContext {
        CachedContext {
            fetched_at: now,
            expires_at: now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1)),
            data: serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }

    /// Fetches the context: `crm.category.list` for deals, then one batch with
    /// `crm.status.list` per pipeline and the first page of `user.get`, then more user pages up
    /// to `max_users`. A part the portal refuses becomes a gap; a transport failure is an error.
    pub async fn fetch(
        api: &dyn BitrixApi,
        max_users: usize,
    ) -> Result<PortalContext, bitrix_client::Error> {
        let mut ctx = PortalContext::default();
        let categories = match api
            .call("crm.category.list", json!({"entityTypeId": 2}))
            .await
        {
            Ok(out) => parse_categories(&out.result),
            Err(e) if e.is_transport() || e.is_auth() => return Err(e),
            Err(e) => {
                ctx.gaps.push(format!("pipelines: {e}"));
                vec![(0, String::from("General"))]
            }
        };
        let mut calls: Vec<BatchCall> = categories
            .iter()
            .take(MAX_PIPELINES)
            .map(|(id, _)| BatchCall {
                key: format!("stages_{id}"),
                method: "crm.status.list".into(),
                params: json!({
                    "filter": {"ENTITY_ID": if *id == 0 { "DEAL_STAGE".to_owned() } else { format!("DEAL_STAGE_{id}") }},
                    "order": {"SORT": "ASC"},
                }),
            })
            .collect();
        if max_users > 0 {
            calls.push(users_page(0));
        }
        let outcome = api.batch(calls, false).await?;
        let mut first_users: Option<CallOutput> = None;
        for (key, item) in outcome.items {
            match (key.strip_prefix("stages_"), item) {
                (Some(id), BatchItem::Ok(out)) => {
                    let id: u64 = id.parse().unwrap_or(0);
                    let name = categories
                        .iter()
                        .find(|(c, _)| *c == id)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default();
                    ctx.pipelines.push(Pipeline {
                        id,
                        name,
                        stages: parse_stages(&out.result),
                    });
                }
                (None, BatchItem::Ok(out)) => first_users = Some(out),
                (_, BatchItem::Err { code, description }) => {
                    ctx.gaps.push(format!("{key}: {code} {description}"));
                }
                (_, BatchItem::Skipped) => ctx.gaps.push(format!("{key}: skipped")),
            }
        }
        if let Some(first) = first_users {
            ctx.users_total = first.total;
            ctx.users.extend(parse_users(&first.result));
            let want = first.total.unwrap_or(0).min(max_users as u64);
            let starts: Vec<u64> = (1..).map(|i| i * PAGE).take_while(|s| *s < want).collect();
            if !starts.is_empty() {
                let more = api
                    .batch(starts.iter().map(|s| users_page(*s)).collect(), false)
                    .await?;
                for (key, item) in more.items {
                    match item {
                        BatchItem::Ok(out) => ctx.users.extend(parse_users(&out.result)),
                        _ => ctx.gaps.push(format!("{key}: not fetched")),
                    }
                }
            }
            ctx.users.truncate(max_users);
        }
        Ok(ctx)
    }

    /// Renders the context for the system prompt. Names are JSON-quoted: they are portal data.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.pipelines.is_empty() {
            out.push_str("Deal pipelines: unknown.\n");
        }
        for p in &self.pipelines {
            let stages: Vec<String> = p
                .stages
                .iter()
                .map(|s| {
                    let tag = match s.semantics {
                        StageSemantics::Process => "",
                        StageSemantics::Success => " [won]",
                        StageSemantics::Failure => " [lost]",
                    };
                    format!("{} {}{tag}", s.code, quote(&s.name))
                })
                .collect();
            out.push_str(&format!(
                "- pipeline CATEGORY_ID={} {}: {}\n",
                p.id,
                quote(&p.name),
                stages.join(", ")
            ));
        }
        if self.users.is_empty() {
            out.push_str("Users: unknown; look them up with user.get or user.search.\n");
        } else {
            let users: Vec<String> = self
                .users
                .iter()
                .map(|u| match &u.position {
                    Some(pos) => format!("{} {} ({})", u.id, quote(&u.name), quote(pos)),
                    None => format!("{} {}", u.id, quote(&u.name)),
                })
                .collect();
            out.push_str(&format!("Users (id name): {}\n", users.join(", ")));
            if let Some(total) = self.users_total.filter(|t| *t as usize > self.users.len()) {
                out.push_str(&format!(
                    "({} of {total} users shown; find others with user.search)\n",
                    self.users.len()
                ));
            }
        }
        for gap in &self.gaps {
            out.push_str(&format!("(not available: {})\n", one_line(gap)));
        }
        out
    }
}

fn users_page(start: u64) -> BatchCall {
    BatchCall {
        key: format!("users_{start}"),
        method: "user.get".into(),
        params: json!({"filter": {"ACTIVE": true}, "sort": "ID", "order": "ASC", "start": start}),
    }
}

/// A string as a JSON literal: quotes and escapes keep portal text on one line.
fn quote(text: &str) -> String {
    Value::String(one_line(text)).to_string()
}

fn one_line(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(80)
        .collect();
    if text.chars().count() > 80 {
        s.push('…');
    }
    s
}

fn parse_categories(result: &Value) -> Vec<(u64, String)> {
    let list = result
        .get("categories")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out: Vec<(u64, String)> = list
        .iter()
        .filter_map(|c| Some((as_u64(c.get("id")?)?, text_of(c.get("name")))))
        .collect();
    if !out.iter().any(|(id, _)| *id == 0) {
        out.insert(0, (0, "General".into()));
    }
    out
}

fn parse_stages(result: &Value) -> Vec<Stage> {
    result
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| {
                    let code = text_of(row.get("STATUS_ID"));
                    if code.is_empty() {
                        return None;
                    }
                    let semantic = row
                        .get("SEMANTICS")
                        .and_then(Value::as_str)
                        .or_else(|| row.pointer("/EXTRA/SEMANTICS").and_then(Value::as_str))
                        .unwrap_or("");
                    let semantics = match semantic.to_ascii_lowercase().as_str() {
                        "s" | "success" => StageSemantics::Success,
                        "f" | "failure" => StageSemantics::Failure,
                        _ => StageSemantics::Process,
                    };
                    Some(Stage {
                        name: text_of(row.get("NAME")),
                        code,
                        semantics,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn parse_users(result: &Value) -> Vec<PortalUser> {
    result
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| {
                    let id = as_u64(row.get("ID")?)?;
                    let name = [text_of(row.get("NAME")), text_of(row.get("LAST_NAME"))]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let name = if name.is_empty() {
                        format!("user {id}")
                    } else {
                        name
                    };
                    let position =
                        Some(text_of(row.get("WORK_POSITION"))).filter(|p| !p.is_empty());
                    Some(PortalUser { id, name, position })
                })
                .collect()
        })
        .unwrap_or_default()
}
