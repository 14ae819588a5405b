//! What the memory learns from executed calls: entities created or touched, and removed.

use bitrix_client::CallOutput;
use serde_json::Value;

use crate::protocol::ActionCall;
use crate::util::{as_u64, get_ci, text_of};

/// A record the turn created, read or changed (or deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Touch {
    /// `deal`, `lead`, `contact`, `company`, `task`, `item:<entityTypeId>`.
    pub kind: String,
    /// The record's id.
    pub id: u64,
    /// Its title or name, when known.
    pub title: Option<String>,
    /// Whether it was deleted.
    pub removed: bool,
}

/// Lists read with at most this many rows are remembered row by row.
const REMEMBERED_LIST_ROWS: usize = 3;

/// The CRM kind of an `entityTypeId`.
fn kind_of_type(type_id: u64) -> String {
    match type_id {
        1 => "lead".into(),
        2 => "deal".into(),
        3 => "contact".into(),
        4 => "company".into(),
        n => format!("item:{n}"),
    }
}

/// A record's title: `TITLE`/`title`, else first and last name.
fn title_of(record: &Value) -> Option<String> {
    let title = text_of(get_ci(record, &["TITLE"]));
    if !title.is_empty() {
        return Some(title);
    }
    let name = [
        text_of(get_ci(record, &["NAME"])),
        text_of(get_ci(record, &["LAST_NAME", "lastName"])),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    Some(name).filter(|n| !n.is_empty())
}

fn row_touch(kind: &str, row: &Value) -> Option<Touch> {
    Some(Touch {
        kind: kind.to_owned(),
        id: as_u64(get_ci(row, &["ID"])?)?,
        title: title_of(row),
        removed: false,
    })
}

fn touch(
    kind: impl Into<String>,
    id: Option<u64>,
    title: Option<String>,
    removed: bool,
) -> Vec<Touch> {
    id.map(|id| Touch {
        kind: kind.into(),
        id,
        title,
        removed,
    })
    .into_iter()
    .collect()
}

fn small_list(kind: &str, rows: Option<&Value>) -> Vec<Touch> {
    match rows.and_then(Value::as_array) {
        Some(rows) if rows.len() <= REMEMBERED_LIST_ROWS => {
            rows.iter().filter_map(|r| row_touch(kind, r)).collect()
        }
        _ => Vec::new(),
    }
}

/// The records an executed call touched, from its params and its result.
pub(crate) fn touches(action: &ActionCall, out: &CallOutput) -> Vec<Touch> {
    let params = &action.params;
    let result = &out.result;
    let fields = get_ci(params, &["fields"]).cloned().unwrap_or(Value::Null);
    let param_id = get_ci(params, &["id"]).and_then(as_u64);
    let parts: Vec<&str> = action.method.split('.').collect();
    match parts.as_slice() {
        ["crm", kind @ ("deal" | "lead" | "contact" | "company"), op] => match *op {
            "add" => touch(*kind, as_u64(result), title_of(&fields), false),
            "update" => touch(*kind, param_id, title_of(&fields), false),
            "get" => touch(
                *kind,
                param_id.or_else(|| get_ci(result, &["ID"]).and_then(as_u64)),
                title_of(result),
                false,
            ),
            "delete" => touch(*kind, param_id, None, true),
            "list" => small_list(kind, Some(result)),
            _ => Vec::new(),
        },
        ["crm", "item", op] => {
            let type_id = get_ci(params, &["entityTypeId"])
                .and_then(as_u64)
                .unwrap_or(0);
            let kind = kind_of_type(type_id);
            let item = result.get("item").unwrap_or(&Value::Null);
            match *op {
                "add" | "update" | "get" => touch(
                    kind,
                    get_ci(item, &["id"]).and_then(as_u64).or(param_id),
                    title_of(item),
                    false,
                ),
                "delete" => touch(kind, param_id, None, true),
                "list" => small_list(&kind, result.get("items")),
                _ => Vec::new(),
            }
        }
        ["tasks", "task", op] => {
            let task = result.get("task").unwrap_or(&Value::Null);
            let task_id = get_ci(params, &["taskId"]).and_then(as_u64);
            match *op {
                "add" => touch(
                    "task",
                    get_ci(task, &["id"]).and_then(as_u64),
                    title_of(task),
                    false,
                ),
                "delete" => touch("task", task_id, None, true),
                "list" => small_list("task", result.get("tasks")),
                _ => touch("task", task_id, title_of(task), false),
            }
        }
        ["task", "commentitem", "add"] => touch(
            "task",
            get_ci(params, &["TASKID"]).and_then(as_u64),
            None,
            false,
        ),
        ["crm", "timeline", "comment", "add"] => {
            let kind = text_of(get_ci(&fields, &["ENTITY_TYPE"])).to_lowercase();
            let id = get_ci(&fields, &["ENTITY_ID"]).and_then(as_u64);
            if matches!(kind.as_str(), "deal" | "lead" | "contact" | "company") {
                touch(kind, id, None, false)
            } else {
                Vec::new()
            }
        }
        ["crm", "activity", "todo", "add"] => {
            let type_id = get_ci(params, &["ownerTypeId"]).and_then(as_u64);
            let id = get_ci(params, &["ownerId"]).and_then(as_u64);
            match type_id {
                Some(t) => touch(kind_of_type(t), id, None, false),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// A one-line outcome for the history: `ok: id 4512`, `ok`, `error: NOT_FOUND`.
pub(crate) fn outcome_line(out: &CallOutput) -> String {
    let id = as_u64(&out.result)
        .or_else(|| {
            out.result
                .get("item")
                .and_then(|i| get_ci(i, &["id"]))
                .and_then(as_u64)
        })
        .or_else(|| {
            out.result
                .get("task")
                .and_then(|t| get_ci(t, &["id"]))
                .and_then(as_u64)
        });
    match (id, out.total) {
        (Some(id), _) => format!("ok: id {id}"),
        (None, Some(total)) => format!("ok: {total} rows"),
        _ => "ok".into(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn out(result: Value) -> CallOutput {
        CallOutput {
            result,
            total: None,
            next: None,
            time: None,
        }
    }

    #[test]
    fn extracts_created_and_touched_records() {
        let add = ActionCall::new("crm.deal.add", json!({"fields": {"TITLE": "Поставка"}}));
        assert_eq!(
            touches(&add, &out(json!(4512))),
            [Touch {
                kind: "deal".into(),
                id: 4512,
                title: Some("Поставка".into()),
                removed: false
            }]
        );
        let item = ActionCall::new(
            "crm.item.update",
            json!({"entityTypeId": 2, "id": 7, "fields": {"title": "x"}}),
        );
        assert_eq!(
            touches(&item, &out(json!({"item": {"id": 7, "title": "x"}})))[0].kind,
            "deal"
        );
        let task = ActionCall::new("tasks.task.add", json!({"fields": {"TITLE": "Позвонить"}}));
        let t = touches(
            &task,
            &out(json!({"task": {"id": "91", "title": "Позвонить"}})),
        );
        assert_eq!((t[0].id, t[0].title.as_deref()), (91, Some("Позвонить")));
        let comment = ActionCall::new(
            "crm.timeline.comment.add",
            json!({"fields": {"ENTITY_ID": 5, "ENTITY_TYPE": "deal", "COMMENT": "x"}}),
        );
        assert_eq!(touches(&comment, &out(json!(1)))[0].id, 5);
        let del = ActionCall::new("crm.contact.delete", json!({"id": "3"}));
        assert!(touches(&del, &out(json!(true)))[0].removed);
        let list = ActionCall::new("crm.deal.list", json!({}));
        let rows: Vec<Value> = (1..=4).map(|i| json!({"ID": i.to_string()})).collect();
        assert!(touches(&list, &out(Value::Array(rows.clone()))).is_empty());
        assert_eq!(
            touches(&list, &out(Value::Array(rows[..2].to_vec()))).len(),
            2
        );
        assert_eq!(outcome_line(&out(json!(4512))), "ok: id 4512");
    }
}
