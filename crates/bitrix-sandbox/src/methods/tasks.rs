//! Tasks: `tasks.task.*` (UPPER_CASE input, camelCase all-string output, `{task}` and
//! `{tasks}` wrappers) and the positional `task.commentitem.*`.

use serde_json::{Map, Value, json};

use super::{Family, MethodResult, Output, any_case, exact};
use crate::coerce::{as_id, as_int, as_text, coerce_input};
use crate::decode::Params;
use crate::errors::ApiError;
use crate::filter::{Filter, FilterRules, Names, Order};
use crate::listing::{Start, page};
use crate::portal::Portal;
use crate::render::{Style, render_row};
use crate::schema::{self, RO, Schema};
use crate::select::Selection;
use crate::store::{PortalData, Row};

pub(crate) const FAMILY: Family = Family {
    names: &[
        "tasks.task.add",
        "tasks.task.get",
        "tasks.task.list",
        "tasks.task.update",
        "tasks.task.complete",
        "tasks.task.delete",
        "task.commentitem.add",
        "task.commentitem.getlist",
    ],
    call,
};

fn s() -> &'static Schema {
    &schema::TASK
}

fn call(portal: &Portal, method: &str, params: &Params) -> MethodResult {
    match method {
        "tasks.task.add" => add(portal, params),
        "tasks.task.get" => {
            let id = task_id(params)?;
            let data = portal.read();
            let Some(row) = data.tasks.get(id) else {
                // A missing or hidden task: HTTP 200 with an empty result.
                return Ok(Output::value(json!([])));
            };
            let selection = Selection::parse(s(), any_case(params, "select"), Names::Upper);
            Ok(Output::value(
                json!({ "task": render_task(portal, &data, row, &selection) }),
            ))
        }
        "tasks.task.list" => list(portal, params),
        "tasks.task.update" => {
            let id = task_id(params)?;
            let fields = fields_param(params)?;
            change(portal, id, |portal, data, row| {
                apply(portal, data, row, fields, false)
            })
        }
        "tasks.task.complete" => {
            let id = task_id(params)?;
            change(portal, id, |portal, _, row| {
                let now = portal.now_iso();
                row.set(s(), "STATUS", 5);
                row.set(s(), "CLOSED_BY", portal.user_id);
                row.set(s(), "CLOSED_DATE", now.clone());
                row.set(s(), "STATUS_CHANGED_DATE", now);
                Ok(())
            })
        }
        "tasks.task.delete" => {
            let id = task_id(params)?;
            let mut data = portal.write();
            if data.tasks.rows.remove(&id).is_none() {
                return Err(ApiError::new(
                    400,
                    "1048582",
                    "No access to delete the task",
                ));
            }
            data.task_comments
                .rows
                .retain(|_, c| c.by(&schema::TASK_COMMENT, "TASK_ID").as_u64() != Some(id));
            portal.touch();
            Ok(Output::value(json!({ "task": true })))
        }
        "task.commentitem.add" => comment_add(portal, params),
        "task.commentitem.getlist" => comment_list(portal, params),
        _ => Err(ApiError::method_not_found()),
    }
}

fn missing(name: &str) -> ApiError {
    ApiError::new(
        400,
        "100",
        format!("Could not find value for parameter {{{name}}} (internal error)"),
    )
}

fn task_id(params: &Params) -> Result<u64, ApiError> {
    let raw = any_case(params, "taskId").ok_or_else(|| missing("taskId"))?;
    as_id(raw).ok_or_else(|| ApiError::new(400, "0", "wrong task id"))
}

fn fields_param(params: &Params) -> Result<&Map<String, Value>, ApiError> {
    any_case(params, "fields")
        .and_then(Value::as_object)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| missing("fields"))
}

fn user_exists(data: &PortalData, id: u64) -> bool {
    data.users.get(id).is_some()
}

/// Applies UPPER_CASE input fields to a task row.
fn apply(
    portal: &Portal,
    data: &PortalData,
    row: &mut Row,
    fields: &Map<String, Value>,
    is_new: bool,
) -> Result<(), ApiError> {
    let schema = s();
    let old_status = row.by(schema, "STATUS").as_i64();
    for (key, value) in fields {
        let Some(index) = schema.index(key) else {
            continue;
        };
        let field = schema.field(index);
        if field.has(RO) {
            continue;
        }
        let coerced = coerce_input(field.ty, value).map_err(|()| {
            ApiError::core(format!("Invalid value of the field {}<br>", field.name))
        })?;
        row.0[index] = coerced;
    }
    let title = row.by(schema, "TITLE").as_str().unwrap_or_default();
    if title.trim().is_empty() {
        return Err(ApiError::core("Task title is not specified<br>"));
    }
    match row.by(schema, "RESPONSIBLE_ID").as_u64() {
        None => return Err(ApiError::core("Assignee is not specified<br>")),
        Some(id) if !user_exists(data, id) => {
            return Err(ApiError::core("Assignee not found<br>"));
        }
        Some(_) => {}
    }
    let status = row.by(schema, "STATUS").as_i64();
    if status.is_some_and(|st| !(1..=7).contains(&st)) {
        return Err(ApiError::core("Incorrect task status<br>"));
    }
    let now = portal.now_iso();
    if is_new {
        for (name, value) in [
            ("STATUS", json!(2)),
            ("PRIORITY", json!(1)),
            ("GROUP_ID", json!(0)),
            ("STAGE_ID", json!(0)),
            ("MULTITASK", json!("N")),
            ("CREATED_BY", json!(portal.user_id)),
            ("CREATED_DATE", json!(now)),
            ("ACCOMPLICES", json!([])),
            ("AUDITORS", json!([])),
            ("UF_CRM_TASK", json!([])),
            ("TAGS", json!([])),
        ] {
            if row.by(schema, name).is_null() {
                row.set(schema, name, value);
            }
        }
    }
    if is_new || old_status != row.by(schema, "STATUS").as_i64() {
        row.set(schema, "STATUS_CHANGED_DATE", now.clone());
    }
    row.set(schema, "CHANGED_BY", portal.user_id);
    row.set(schema, "CHANGED_DATE", now.clone());
    row.set(schema, "ACTIVITY_DATE", now);
    Ok(())
}

fn add(portal: &Portal, params: &Params) -> MethodResult {
    let fields = fields_param(params)?;
    let mut data = portal.write();
    let mut row = Row::empty(s());
    apply(portal, &data, &mut row, fields, true)?;
    let id = data.tasks.insert(row);
    let row = data
        .tasks
        .get(id)
        .ok_or_else(|| ApiError::internal("lost the new task"))?;
    let task = render_task(portal, &data, row, &Selection::all(s(), Names::Upper));
    portal.touch();
    Ok(Output::value(json!({ "task": task })))
}

/// Changes an existing task and answers with the whole task.
fn change(
    portal: &Portal,
    id: u64,
    edit: impl FnOnce(&Portal, &PortalData, &mut Row) -> Result<(), ApiError>,
) -> MethodResult {
    let mut data = portal.write();
    let mut row = data
        .tasks
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::new(400, "0", "Action on the task is not allowed"))?;
    edit(portal, &data, &mut row)?;
    let task = render_task(portal, &data, &row, &Selection::all(s(), Names::Upper));
    data.tasks.rows.insert(id, row);
    portal.touch();
    Ok(Output::value(json!({ "task": task })))
}

/// The short user card tasks show for `creator` and `responsible`.
fn user_card(data: &PortalData, id: Option<u64>) -> Value {
    let u = &schema::USER;
    let Some(user) = id.and_then(|id| data.users.get(id)) else {
        return Value::Null;
    };
    let text = |name: &str| user.by(u, name).as_str().unwrap_or_default().to_owned();
    json!({
        "id": user.id().to_string(),
        "name": format!("{} {}", text("NAME"), text("LAST_NAME")).trim().to_owned(),
        "link": format!("/company/personal/user/{}/", user.id()),
        "icon": "/bitrix/images/tasks/default_avatar.png",
        "workPosition": text("WORK_POSITION"),
    })
}

fn render_task(portal: &Portal, data: &PortalData, row: &Row, selection: &Selection) -> Value {
    let schema = s();
    let mut out = render_row(Style::Task, schema, row, selection);
    if selection.fields.contains(&schema.at("STATUS")) {
        let status = row.by(schema, "STATUS").as_i64().unwrap_or(2);
        let overdue = matches!(status, 2 | 3)
            && row
                .by(schema, "DEADLINE")
                .as_str()
                .is_some_and(|d| *d < *portal.now_iso());
        let sub = if overdue { -1 } else { status };
        out.insert("subStatus".into(), json!(sub.to_string()));
    }
    if selection.fields.contains(&schema.at("CREATED_BY")) {
        out.insert(
            "creator".into(),
            user_card(data, row.by(schema, "CREATED_BY").as_u64()),
        );
    }
    if selection.fields.contains(&schema.at("RESPONSIBLE_ID")) {
        let card = user_card(data, row.by(schema, "RESPONSIBLE_ID").as_u64());
        out.insert("responsible".into(), card);
    }
    Value::Object(out)
}

/// Filter keys tasks accept under other names.
const FILTER_ALIASES: &[(&str, &str)] = &[
    ("REAL_STATUS", "STATUS"),
    ("ACCOMPLICE", "ACCOMPLICES"),
    ("AUDITOR", "AUDITORS"),
    ("TAG", "TAGS"),
];

fn list(portal: &Portal, params: &Params) -> MethodResult {
    let schema = s();
    let mut overdue_only = false;
    let mut filter_map = Map::new();
    if let Some(Value::Object(raw)) = any_case(params, "filter") {
        for (key, value) in raw {
            let (op, name) = crate::filter::split_op(key);
            let prefix = &key[..key.len() - name.len()];
            let upper = name.to_ascii_uppercase();
            let name = FILTER_ALIASES
                .iter()
                .find(|(from, _)| *from == upper)
                .map_or(upper.as_str(), |(_, to)| *to);
            if name == "STATUS"
                && op == crate::filter::Op::Eq
                && value.as_i64().or_else(|| as_int(value)) == Some(-1)
            {
                overdue_only = true;
                continue;
            }
            filter_map.insert(format!("{prefix}{name}"), value.clone());
        }
    }
    let rules = FilterRules {
        names: Names::Upper,
        groups: false,
    };
    let filter = Filter::parse(schema, Some(&Value::Object(filter_map)), rules)?;
    let mut order = Order::parse(schema, any_case(params, "order"), Names::Upper)?;
    if order.0.is_empty() {
        order.0.push((0, true));
    }
    let selection = Selection::parse(schema, any_case(params, "select"), Names::Upper);
    let now = portal.now_iso();
    let overdue = |row: &Row| {
        !overdue_only
            || (matches!(row.by(schema, "STATUS").as_i64(), Some(2 | 3))
                && row
                    .by(schema, "DEADLINE")
                    .as_str()
                    .is_some_and(|d| *d < *now))
    };
    let data = portal.read();
    let page = page(
        &data.tasks,
        &filter,
        &order,
        Start::parse(any_case(params, "start")),
        &overdue,
    );
    let tasks: Vec<Value> = page
        .ids
        .iter()
        .filter_map(|id| data.tasks.get(*id))
        .map(|row| render_task(portal, &data, row, &selection))
        .collect();
    Ok(Output::list(json!({ "tasks": tasks }), &page))
}

/// Positional parameters (`0`, `1`) or their documented names.
fn positional<'a>(params: &'a Params, index: usize, name: &str) -> Option<&'a Value> {
    exact(params, &index.to_string()).or_else(|| any_case(params, name))
}

fn comment_task(data: &PortalData, params: &Params, method: &str) -> Result<u64, ApiError> {
    let id = positional(params, 0, "TASKID").and_then(as_id).ok_or_else(|| {
        ApiError::core(format!(
            "TASKS_ERROR_EXCEPTION_#256; Param #0 (taskId) for method {method}() expected to be \
             of type \"integer\", but given something else.; 256/TE/WRONG_ARGUMENTS"
        ))
    })?;
    if data.tasks.get(id).is_none() {
        return Err(ApiError::core("Insufficient permissions to add a comment"));
    }
    Ok(id)
}

fn comment_add(portal: &Portal, params: &Params) -> MethodResult {
    let mut data = portal.write();
    let task = comment_task(&data, params, "ctaskcommentitem::add")?;
    let fields = positional(params, 1, "FIELDS").and_then(Value::as_object);
    let text = fields
        .and_then(|f| {
            f.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("POST_MESSAGE"))
        })
        .and_then(|(_, v)| as_text(v))
        .unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::core("Comment text is not specified"));
    }
    let author = fields
        .and_then(|f| f.get("AUTHOR_ID"))
        .and_then(as_id)
        .unwrap_or(portal.user_id);
    let c = &schema::TASK_COMMENT;
    let mut row = Row::empty(c);
    row.set(c, "TASK_ID", task);
    row.set(c, "AUTHOR_ID", author);
    row.set(c, "POST_MESSAGE", text);
    row.set(c, "POST_DATE", portal.now_iso());
    let id = data.task_comments.insert(row);
    if let Some(t) = data.tasks.get_mut(task) {
        t.set(s(), "ACTIVITY_DATE", portal.now_iso());
    }
    portal.touch();
    Ok(Output::value(id))
}

fn comment_list(portal: &Portal, params: &Params) -> MethodResult {
    let data = portal.read();
    let task = comment_task(&data, params, "ctaskcommentitem::getlist")?;
    let c = &schema::TASK_COMMENT;
    let u = &schema::USER;
    let comments: Vec<Value> = data
        .task_comments
        .rows
        .values()
        .filter(|r| r.by(c, "TASK_ID").as_u64() == Some(task))
        .map(|r| {
            let author = r.by(c, "AUTHOR_ID").as_u64().unwrap_or_default();
            let user = data.users.get(author);
            let name = user.map_or_else(String::new, |u_row| {
                format!(
                    "{} {}",
                    u_row.by(u, "NAME").as_str().unwrap_or_default(),
                    u_row.by(u, "LAST_NAME").as_str().unwrap_or_default()
                )
            });
            let email = user
                .and_then(|u_row| u_row.by(u, "EMAIL").as_str())
                .unwrap_or_default();
            let message = r.by(c, "POST_MESSAGE").as_str().unwrap_or_default();
            json!({
                "POST_MESSAGE_HTML": message,
                "ID": r.id().to_string(),
                "AUTHOR_ID": author.to_string(),
                "AUTHOR_NAME": name.trim(),
                "AUTHOR_EMAIL": email,
                "POST_DATE": r.by(c, "POST_DATE"),
                "POST_MESSAGE": message,
            })
        })
        .collect();
    Ok(Output::value(Value::Array(comments)))
}
