//! Directories, pipelines, timeline comments and activities.

use serde_json::{Value, json};

use super::{Family, Kind, MethodResult, Output, any_case, exact};
use crate::coerce::{as_id, as_int, as_text, normalize_date};
use crate::decode::Params;
use crate::errors::ApiError;
use crate::filter::{Filter, FilterRules, Names, Order};
use crate::listing::{Start, page};
use crate::portal::Portal;
use crate::render::{Style, render_row};
use crate::schema::{self, Schema};
use crate::select::Selection;
use crate::store::{Row, Table};

pub(crate) const FAMILY: Family = Family {
    names: &[
        "crm.status.list",
        "crm.category.list",
        "crm.timeline.comment.add",
        "crm.timeline.comment.list",
        "crm.activity.todo.add",
        "crm.activity.list",
        "crm.activity.get",
    ],
    call,
};

fn call(portal: &Portal, method: &str, params: &Params) -> MethodResult {
    match method {
        "crm.status.list" => status_list(portal, params),
        "crm.category.list" => category_list(portal, params),
        "crm.timeline.comment.add" => comment_add(portal, params),
        "crm.timeline.comment.list" => {
            let data = portal.read();
            legacy_list(
                &data.timeline_comments,
                params,
                &plain(&schema::TIMELINE_COMMENT),
            )
        }
        "crm.activity.todo.add" => todo_add(portal, params),
        "crm.activity.list" => {
            let data = portal.read();
            legacy_list(&data.activities, params, &plain(&schema::ACTIVITY))
        }
        "crm.activity.get" => {
            let id = any_case(params, "id")
                .and_then(as_id)
                .ok_or_else(ApiError::legacy_bad_id)?;
            let data = portal.read();
            let row = data
                .activities
                .get(id)
                .ok_or_else(ApiError::legacy_not_found)?;
            let all = Selection::everything(&schema::ACTIVITY);
            let out = render_row(Style::Legacy, &schema::ACTIVITY, row, &all);
            Ok(Output::value(Value::Object(out)))
        }
        _ => Err(ApiError::method_not_found()),
    }
}

/// A legacy list over any table: `filter`, `order`, `select`, `start`; `render` shows a row.
pub(super) fn legacy_list(
    table: &Table,
    params: &Params,
    render: &dyn Fn(&Row, &Selection) -> Value,
) -> MethodResult {
    let schema = table.schema;
    let rules = FilterRules {
        names: Names::Upper,
        groups: false,
    };
    let filter = Filter::parse(schema, any_case(params, "filter"), rules)?;
    let order = Order::parse(schema, any_case(params, "order"), Names::Upper)?;
    let selection = Selection::parse(schema, any_case(params, "select"), Names::Upper);
    let start = Start::parse(any_case(params, "start"));
    let page = page(table, &filter, &order, start, &|_| true);
    let rows = page
        .ids
        .iter()
        .filter_map(|id| table.get(*id))
        .map(|row| render(row, &selection))
        .collect();
    Ok(Output::list(Value::Array(rows), &page))
}

/// Shows a row in the legacy style.
fn plain(schema: &'static Schema) -> impl Fn(&Row, &Selection) -> Value {
    move |row, selection| Value::Object(render_row(Style::Legacy, schema, row, selection))
}

fn status_list(portal: &Portal, params: &Params) -> MethodResult {
    let s: &Schema = &schema::STATUS;
    let rules = FilterRules {
        names: Names::Upper,
        groups: false,
    };
    let filter = Filter::parse(s, any_case(params, "filter"), rules)?;
    let mut order = Order::parse(s, any_case(params, "order"), Names::Upper)?;
    if order.0.is_empty() {
        order.0 = vec![(s.at("ENTITY_ID"), false), (s.at("SORT"), false)];
    }
    let data = portal.read();
    let mut rows: Vec<&Row> = data
        .statuses
        .rows
        .values()
        .filter(|r| filter.matches(s, r))
        .collect();
    rows.sort_by(|a, b| order.compare(s, a, b));
    let all = Selection::everything(s);
    let result: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut out = render_row(Style::Legacy, s, row, &all);
            let entity = row.by(s, "ENTITY_ID").as_str().unwrap_or_default();
            if entity.starts_with("DEAL_STAGE") || entity == "STATUS" {
                let semantics = match row.by(s, "SEMANTICS").as_str() {
                    Some("S") => "success",
                    Some("F") => "failure",
                    _ => "process",
                };
                out.insert(
                    "EXTRA".into(),
                    json!({"SEMANTICS": semantics, "COLOR": row.by(s, "COLOR")}),
                );
            }
            Value::Object(out)
        })
        .collect();
    let total = result.len() as u64;
    Ok(Output {
        result: Value::Array(result),
        total: Some(total),
        next: None,
    })
}

fn category_list(portal: &Portal, params: &Params) -> MethodResult {
    let kind = super::crm_item::entity_type(params)?;
    let s = &schema::CATEGORY;
    let data = portal.read();
    let mut rows: Vec<&Row> = data
        .categories
        .rows
        .values()
        .filter(|r| r.by(s, "ENTITY_TYPE_ID").as_u64() == Some(kind.type_id()))
        .collect();
    rows.sort_by_key(|r| (r.by(s, "SORT").as_i64().unwrap_or(0), r.id()));
    let all = Selection::all(s, Names::Camel);
    let items: Vec<Value> = rows
        .iter()
        .map(|r| Value::Object(render_row(Style::Item, s, r, &all)))
        .collect();
    let total = items.len() as u64;
    Ok(Output {
        result: json!({ "categories": items }),
        total: Some(total),
        next: None,
    })
}

fn owner_exists(portal: &Portal, kind: Kind, id: u64) -> bool {
    kind.table(&portal.read()).get(id).is_some()
}

fn comment_add(portal: &Portal, params: &Params) -> MethodResult {
    // Since crm 23.100.0 only the lowercase `fields` is accepted.
    let fields = exact(params, "fields")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::missing_param("fields"))?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let owner_id = get("ENTITY_ID").and_then(as_id);
    let kind = get("ENTITY_TYPE")
        .and_then(as_text)
        .and_then(|t| Kind::from_name(&t));
    let (Some(owner_id), Some(kind)) = (owner_id, kind) else {
        return Err(ApiError::new(
            400,
            "OWNER_NOT_FOUND",
            "Owner entity is not found",
        ));
    };
    if !owner_exists(portal, kind, owner_id) {
        return Err(ApiError::new(
            400,
            "OWNER_NOT_FOUND",
            "Owner entity is not found",
        ));
    }
    let comment = get("COMMENT").and_then(as_text).unwrap_or_default();
    if comment.trim().is_empty() {
        return Err(ApiError::invalid_arg("Comment is empty"));
    }
    let author = get("AUTHOR_ID").and_then(as_id).unwrap_or(portal.user_id);
    let s = &schema::TIMELINE_COMMENT;
    let mut row = Row::empty(s);
    row.set(s, "CREATED", portal.now_iso());
    row.set(s, "ENTITY_ID", owner_id);
    row.set(s, "ENTITY_TYPE", kind.name());
    row.set(s, "AUTHOR_ID", author);
    row.set(s, "COMMENT", comment);
    let id = portal.write().timeline_comments.insert(row);
    portal.touch();
    Ok(Output::value(id))
}

fn todo_add(portal: &Portal, params: &Params) -> MethodResult {
    let required = |name: &str| any_case(params, name).ok_or_else(|| ApiError::missing_param(name));
    let owner_type = as_id(required("ownerTypeId")?);
    let owner_id = as_id(required("ownerId")?);
    let deadline_raw = as_text(required("deadline")?).unwrap_or_default();
    let kind = owner_type.and_then(Kind::from_type_id);
    let (Some(kind), Some(owner_id)) = (kind, owner_id) else {
        return Err(ApiError::new(
            400,
            "OWNER_NOT_FOUND",
            "Owner entity is not found",
        ));
    };
    if !owner_exists(portal, kind, owner_id) {
        return Err(ApiError::new(
            400,
            "OWNER_NOT_FOUND",
            "Owner entity is not found",
        ));
    }
    let deadline = normalize_date(&deadline_raw, false)
        .ok_or_else(|| ApiError::new(400, "WRONG_DATETIME_FORMAT", "Wrong datetime format"))?;
    let text = |name: &str| any_case(params, name).and_then(as_text).unwrap_or_default();
    let responsible = any_case(params, "responsibleId")
        .and_then(as_id)
        .unwrap_or(portal.user_id);
    let s = &schema::ACTIVITY;
    let now = portal.now_iso();
    let mut row = Row::empty(s);
    row.set(s, "OWNER_ID", owner_id);
    row.set(s, "OWNER_TYPE_ID", kind.type_id());
    row.set(s, "TYPE_ID", 6);
    row.set(s, "PROVIDER_ID", "CRM_TODO");
    row.set(s, "PROVIDER_TYPE_ID", "TODO");
    row.set(s, "SUBJECT", text("title"));
    row.set(s, "DESCRIPTION", text("description"));
    row.set(s, "DESCRIPTION_TYPE", 1);
    row.set(s, "CREATED", now.clone());
    row.set(s, "LAST_UPDATED", now);
    row.set(s, "START_TIME", deadline.clone());
    row.set(s, "END_TIME", deadline.clone());
    row.set(s, "DEADLINE", deadline);
    row.set(s, "COMPLETED", "N");
    row.set(s, "STATUS", 1);
    row.set(
        s,
        "PRIORITY",
        any_case(params, "priority").and_then(as_int).unwrap_or(2),
    );
    row.set(s, "RESPONSIBLE_ID", responsible);
    row.set(s, "DIRECTION", 0);
    row.set(s, "AUTHOR_ID", portal.user_id);
    row.set(s, "EDITOR_ID", portal.user_id);
    let id = portal.write().activities.insert(row);
    portal.touch();
    Ok(Output::value(json!({ "id": id })))
}
