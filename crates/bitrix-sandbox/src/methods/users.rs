//! Users and departments: `user.get`, `user.current`, `user.search`, `department.get`,
//! `profile`.

use serde_json::{Map, Value, json};

use super::{Family, MethodResult, Output, any_case};
use crate::coerce::as_text;
use crate::decode::Params;
use crate::errors::ApiError;
use crate::filter::{Filter, FilterRules, Names, Order, split_op};
use crate::listing::{Start, page};
use crate::portal::Portal;
use crate::render::{Style, render_row};
use crate::schema::{self, Schema};
use crate::select::Selection;
use crate::store::{PortalData, Row};

pub(crate) const FAMILY: Family = Family {
    names: &[
        "user.get",
        "user.current",
        "user.search",
        "department.get",
        "profile",
    ],
    call,
};

/// Top-level keys of user and department methods that are not filters.
const CONTROL_KEYS: &[&str] = &[
    "sort",
    "order",
    "start",
    "select",
    "filter",
    "admin_mode",
    "image_resize",
    "find",
    "name_search",
    "bx24_request_id",
    "bx24_sdk_ver",
    "bx24_sdk_type",
    "auth",
];

fn call(portal: &Portal, method: &str, params: &Params) -> MethodResult {
    match method {
        "user.get" => users(portal, params, false),
        "user.search" => users(portal, params, true),
        "user.current" => {
            let data = portal.read();
            let user = data.users.get(portal.user_id).ok_or_else(|| {
                ApiError::new(401, "authorization_error", "Unable to authorize user")
            })?;
            let all = Selection::everything(&schema::USER);
            Ok(Output::value(Value::Object(render_row(
                Style::Legacy,
                &schema::USER,
                user,
                &all,
            ))))
        }
        "department.get" => departments(portal, params),
        "profile" => {
            let data = portal.read();
            let u = &schema::USER;
            let user = data.users.get(portal.user_id).ok_or_else(|| {
                ApiError::new(401, "authorization_error", "Unable to authorize user")
            })?;
            Ok(Output::value(json!({
                "ID": user.id().to_string(),
                "ADMIN": true,
                "NAME": user.by(u, "NAME"),
                "LAST_NAME": user.by(u, "LAST_NAME"),
                "PERSONAL_GENDER": user.by(u, "PERSONAL_GENDER"),
                "PERSONAL_PHOTO": "",
                "TIME_ZONE": "Europe/Moscow",
                "TIME_ZONE_OFFSET": 10800,
            })))
        }
        _ => Err(ApiError::method_not_found()),
    }
}

/// Filter conditions from a `FILTER` object plus top-level field keys.
fn collect_filter(schema: &Schema, params: &Params) -> Map<String, Value> {
    let mut filter = match any_case(params, "filter") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in params {
        if CONTROL_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
            continue;
        }
        let (_, name) = split_op(key);
        if schema.index(name).is_some() {
            filter.insert(key.clone(), value.clone());
        }
    }
    filter
}

/// `sort`/`order` as user and department methods take them (`SORT: "ID", ORDER: "desc"`).
fn sort_order(schema: &Schema, params: &Params) -> Result<Order, ApiError> {
    let field = any_case(params, "sort").and_then(as_text);
    let direction = any_case(params, "order");
    match (field, direction) {
        (Some(field), dir) => {
            let dir = dir.and_then(as_text).unwrap_or_else(|| "ASC".into());
            Order::parse(schema, Some(&json!({ field: dir })), Names::Upper)
        }
        // `order` may also be a full `{FIELD: DIR}` object.
        (None, Some(obj @ Value::Object(_))) => Order::parse(schema, Some(obj), Names::Upper),
        _ => Ok(Order::default()),
    }
}

fn text_of(row: &Row, schema: &Schema, field: &str) -> String {
    row.by(schema, field)
        .as_str()
        .unwrap_or_default()
        .to_lowercase()
}

fn department_names(data: &PortalData, user: &Row) -> String {
    let d = &schema::DEPARTMENT;
    user.by(&schema::USER, "UF_DEPARTMENT")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|id| id.as_u64().and_then(|id| data.departments.get(id)))
        .map(|dep| text_of(dep, d, "NAME"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn users(portal: &Portal, params: &Params, search: bool) -> MethodResult {
    let u: &Schema = &schema::USER;
    let mut filter_map = collect_filter(u, params);
    // Free-text conditions: `FIND` (user.search), `NAME_SEARCH` (user.get), and for
    // user.search substring matches on names, position and department name.
    let mut find = any_case(params, "find")
        .or_else(|| filter_map.get("FIND"))
        .or_else(|| any_case(params, "name_search"))
        .or_else(|| filter_map.get("NAME_SEARCH"))
        .and_then(as_text)
        .unwrap_or_default()
        .to_lowercase();
    filter_map.remove("FIND");
    filter_map.remove("NAME_SEARCH");
    let mut contains: Vec<(String, String)> = Vec::new();
    if search {
        for field in [
            "NAME",
            "LAST_NAME",
            "SECOND_NAME",
            "WORK_POSITION",
            "UF_DEPARTMENT_NAME",
        ] {
            if let Some(v) = filter_map.remove(field).as_ref().and_then(as_text) {
                contains.push((field.to_owned(), v.to_lowercase()));
            }
        }
    } else if let Some(v) = filter_map
        .remove("UF_DEPARTMENT_NAME")
        .as_ref()
        .and_then(as_text)
    {
        contains.push(("UF_DEPARTMENT_NAME".into(), v.to_lowercase()));
    }
    find = find.trim().to_owned();
    let rules = FilterRules {
        names: Names::Upper,
        groups: false,
    };
    let filter = Filter::parse(u, Some(&Value::Object(filter_map)), rules)?;
    let order = sort_order(u, params)?;
    let selection = Selection::parse(u, any_case(params, "select"), Names::Upper);
    let data = portal.read();
    let extra = |row: &Row| {
        let field_text = |field: &str| {
            if field == "UF_DEPARTMENT_NAME" {
                department_names(&data, row)
            } else {
                text_of(row, u, field)
            }
        };
        let haystack = ["NAME", "LAST_NAME", "SECOND_NAME", "WORK_POSITION", "EMAIL"]
            .iter()
            .map(|f| text_of(row, u, f))
            .collect::<Vec<_>>()
            .join(" ");
        find.split_whitespace().all(|word| haystack.contains(word))
            && contains
                .iter()
                .all(|(f, v)| field_text(f).contains(v.as_str()))
    };
    let page = page(
        &data.users,
        &filter,
        &order,
        Start::parse(any_case(params, "start")),
        &extra,
    );
    let rows = page
        .ids
        .iter()
        .filter_map(|id| data.users.get(*id))
        .map(|row| Value::Object(render_row(Style::Legacy, u, row, &selection)))
        .collect();
    Ok(Output::list(Value::Array(rows), &page))
}

fn departments(portal: &Portal, params: &Params) -> MethodResult {
    let d: &Schema = &schema::DEPARTMENT;
    let filter_map = collect_filter(d, params);
    let rules = FilterRules {
        names: Names::Upper,
        groups: false,
    };
    let filter = Filter::parse(d, Some(&Value::Object(filter_map)), rules)?;
    let order = sort_order(d, params)?;
    let data = portal.read();
    let start = Start::parse(any_case(params, "start"));
    let page = page(&data.departments, &filter, &order, start, &|_| true);
    let all = Selection::everything(d);
    let rows = page
        .ids
        .iter()
        .filter_map(|id| data.departments.get(*id))
        .map(|row| Value::Object(render_row(Style::Legacy, d, row, &all)))
        .collect();
    Ok(Output::list(Value::Array(rows), &page))
}
