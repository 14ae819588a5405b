//! Rendering rows the way each API family shows them: legacy (UPPER_CASE keys, numbers
//! as strings), crm.item (camelCase, real numbers) and tasks (camelCase, all strings).

use chrono::DateTime;
use serde_json::{Map, Value, json};

use crate::coerce::php_number;
use crate::schema::{FieldDef, OMIT_NULL, Schema, Ty};
use crate::select::Selection;
use crate::store::Row;

/// An API family's way of showing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Legacy CRM, users, departments, directories.
    Legacy,
    /// crm.item and other D7 methods.
    Item,
    /// tasks.task.*.
    Task,
}

/// Renders the selected fields of a row.
pub(crate) fn render_row(
    style: Style,
    schema: &Schema,
    row: &Row,
    selection: &Selection,
) -> Map<String, Value> {
    let mut out = Map::with_capacity(selection.fields.len() + 2);
    for &index in &selection.fields {
        let field = schema.field(index);
        let value = row.get(index);
        if field.has(OMIT_NULL) && value.is_null() {
            continue;
        }
        let key = match style {
            Style::Legacy => field.name,
            Style::Item | Style::Task if field.camel.is_empty() => continue,
            Style::Item | Style::Task => field.camel,
        };
        if style == Style::Item && field.ty == Ty::Multi {
            continue;
        }
        out.insert(key.to_owned(), render_value(style, field, value));
    }
    out
}

/// Renders one stored value.
pub(crate) fn render_value(style: Style, field: &FieldDef, value: &Value) -> Value {
    match style {
        Style::Legacy => legacy_value(field.ty, value),
        Style::Item => item_value(field.ty, value),
        Style::Task => task_value(value),
    }
}

fn int_text(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        other => other.clone(),
    }
}

fn legacy_value(ty: Ty, value: &Value) -> Value {
    match ty {
        Ty::Int => int_text(value),
        Ty::Double => match value.as_f64() {
            Some(f) => Value::String(format!("{f:.2}")),
            None => Value::Null,
        },
        Ty::Date | Ty::DateTime if value.is_null() => Value::String(String::new()),
        Ty::PortalDateTime | Ty::SqlDateTime => {
            let format = if ty == Ty::PortalDateTime {
                "%d.%m.%Y %H:%M:%S"
            } else {
                "%Y-%m-%d %H:%M:%S"
            };
            value
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map_or(Value::String(String::new()), |d| {
                    Value::String(d.format(format).to_string())
                })
        }
        Ty::Multi => Value::Array(
            value
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| {
                            json!({
                                "ID": int_text(&i["ID"]),
                                "VALUE_TYPE": i["VALUE_TYPE"],
                                "VALUE": i["VALUE"],
                                "TYPE_ID": i["TYPE_ID"],
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Ty::IntList | Ty::StrList if value.is_null() => Value::Array(Vec::new()),
        _ => value.clone(),
    }
}

fn item_value(ty: Ty, value: &Value) -> Value {
    match (ty, value) {
        (Ty::Double, Value::Number(n)) => php_number(n.as_f64().unwrap_or_default()),
        (Ty::IntList | Ty::StrList, Value::Null) => Value::Array(Vec::new()),
        _ => value.clone(),
    }
}

fn task_value(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(if *b { "Y" } else { "N" }.into()),
        Value::Array(items) => Value::Array(items.iter().map(task_value).collect()),
        other => other.clone(),
    }
}

/// crm.item's `fm`: the multi-fields of a row as `{id, typeId, valueType, value}`.
pub(crate) fn item_multifields(schema: &Schema, row: &Row) -> Value {
    let mut out = Vec::new();
    for (index, field) in schema.fields.iter().enumerate() {
        if field.ty != Ty::Multi {
            continue;
        }
        for entry in row.get(index).as_array().into_iter().flatten() {
            out.push(json!({
                "id": entry["ID"],
                "typeId": entry["TYPE_ID"],
                "valueType": entry["VALUE_TYPE"],
                "value": entry["VALUE"],
            }));
        }
    }
    Value::Array(out)
}

/// The `*.fields` descriptor of one field.
pub(crate) fn field_descriptor(field: &FieldDef, with_upper_name: bool) -> Value {
    let mut d = Map::new();
    d.insert("type".into(), json!(field.kind));
    d.insert("isRequired".into(), json!(field.has(crate::schema::REQ)));
    d.insert("isReadOnly".into(), json!(field.has(crate::schema::RO)));
    d.insert("isImmutable".into(), json!(field.has(crate::schema::IMM)));
    d.insert("isMultiple".into(), json!(field.has(crate::schema::MULT)));
    let dynamic = field.has(crate::schema::UF);
    d.insert("isDynamic".into(), json!(dynamic));
    if let Some(status_type) = field.status_type {
        d.insert("statusType".into(), json!(status_type));
    }
    if dynamic {
        d.insert("title".into(), json!(field.name));
        for key in ["listLabel", "formLabel", "filterLabel"] {
            d.insert(key.into(), json!(field.title));
        }
        d.insert(
            "settings".into(),
            json!({"SIZE": 20, "ROWS": 1, "REGEXP": "", "MIN_LENGTH": 0, "MAX_LENGTH": 0, "DEFAULT_VALUE": ""}),
        );
    } else {
        d.insert("title".into(), json!(field.title));
    }
    if with_upper_name {
        d.insert("upperName".into(), json!(field.name));
    }
    Value::Object(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Names;
    use crate::schema::DEAL;

    #[test]
    fn legacy_shows_numbers_as_strings_and_items_as_numbers() {
        let mut row = Row::empty(&DEAL);
        row.0[0] = json!(410);
        row.set(&DEAL, "OPPORTUNITY", 1000000);
        row.set(&DEAL, "CATEGORY_ID", 0);
        row.set(&DEAL, "STAGE_ID", "PREPARATION");
        let sel = Selection::parse(
            &DEAL,
            Some(&json!([
                "ID",
                "OPPORTUNITY",
                "CATEGORY_ID",
                "LEAD_ID",
                "CLOSEDATE"
            ])),
            Names::Upper,
        );
        let legacy = render_row(Style::Legacy, &DEAL, &row, &sel);
        assert_eq!(
            Value::Object(legacy),
            json!({"ID": "410", "OPPORTUNITY": "1000000.00", "CATEGORY_ID": "0", "CLOSEDATE": "", "LEAD_ID": null})
        );
        let sel = Selection::parse(&DEAL, Some(&json!(["id", "opportunity"])), Names::Camel);
        let item = render_row(Style::Item, &DEAL, &row, &sel);
        assert_eq!(
            Value::Object(item),
            json!({"id": 410, "opportunity": 1000000})
        );
    }
}
