//! The universal `crm.item.*` methods: camelCase fields, real numbers, `{item}`/`{items}`
//! wrappers, `fm` multi-fields, OR filter groups, `NOT_FOUND` errors.

use serde_json::{Map, Value, json};

use super::crm_write::{WriteMode, apply_fields, default_title, finalize, new_multifield};
use super::{Family, Kind, MethodResult, Output, any_case};
use crate::coerce::{as_flag, as_id, as_items, as_text};
use crate::decode::Params;
use crate::errors::ApiError;
use crate::filter::{Filter, FilterRules, Names, Order};
use crate::listing::{Start, page};
use crate::portal::Portal;
use crate::render::{Style, field_descriptor, item_multifields, render_row};
use crate::schema::{Ty, UF};
use crate::select::Selection;
use crate::store::{PortalData, Row};

pub(crate) const FAMILY: Family = Family {
    names: &[
        "crm.item.add",
        "crm.item.get",
        "crm.item.list",
        "crm.item.update",
        "crm.item.delete",
        "crm.item.fields",
    ],
    call,
};

fn call(portal: &Portal, method: &str, params: &Params) -> MethodResult {
    let kind = entity_type(params)?;
    let original_uf = any_case(params, "useOriginalUfNames").and_then(as_flag) == Some(true);
    match method {
        "crm.item.add" => add(portal, kind, params, original_uf),
        "crm.item.get" => {
            let id = id_param(params)?;
            let data = portal.read();
            let row = kind
                .table(&data)
                .get(id)
                .ok_or_else(ApiError::item_not_found)?;
            let item = render_item(
                kind,
                row,
                &Selection::all(kind.schema(), Names::Camel),
                original_uf,
            );
            Ok(Output::value(json!({ "item": item })))
        }
        "crm.item.list" => list(portal, kind, params, original_uf),
        "crm.item.update" => update(portal, kind, params, original_uf),
        "crm.item.delete" => {
            let id = id_param(params)?;
            let mut data = portal.write();
            kind.table_mut(&mut data)
                .rows
                .remove(&id)
                .ok_or_else(ApiError::item_not_found)?;
            portal.touch();
            Ok(Output::value(json!([])))
        }
        "crm.item.fields" => {
            let fields: Map<String, Value> = kind
                .schema()
                .fields
                .iter()
                .filter(|f| !f.camel.is_empty())
                .map(|f| {
                    let key = if original_uf && f.has(UF) {
                        f.name
                    } else {
                        f.camel
                    };
                    (key.to_owned(), field_descriptor(f, true))
                })
                .collect();
            Ok(Output::value(json!({ "fields": fields })))
        }
        _ => Err(ApiError::method_not_found()),
    }
}

/// The CRM entity type an `entityTypeId` names (1-4; smart processes do not exist here).
pub(super) fn entity_type(params: &Params) -> Result<Kind, ApiError> {
    let raw =
        any_case(params, "entityTypeId").ok_or_else(|| ApiError::missing_param("entityTypeId"))?;
    as_id(raw)
        .and_then(Kind::from_type_id)
        .ok_or_else(|| ApiError::new(400, "NOT_FOUND", "Smart process not found"))
}

fn id_param(params: &Params) -> Result<u64, ApiError> {
    let raw = any_case(params, "id").ok_or_else(|| ApiError::missing_param("id"))?;
    as_id(raw).ok_or_else(ApiError::item_not_found)
}

fn render_item(kind: Kind, row: &Row, selection: &Selection, original_uf: bool) -> Value {
    let schema = kind.schema();
    let mut out = render_row(Style::Item, schema, row, selection);
    if original_uf {
        for field in schema.fields.iter().filter(|f| f.has(UF)) {
            if let Some(v) = out.remove(field.camel) {
                out.insert(field.name.to_owned(), v);
            }
        }
    }
    out.insert("entityTypeId".into(), json!(kind.type_id()));
    if selection.fm && kind.has_multifields() {
        out.insert("fm".into(), item_multifields(schema, row));
    }
    Value::Object(out)
}

fn fields_param(params: &Params) -> Result<&Map<String, Value>, ApiError> {
    any_case(params, "fields")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::missing_param("fields"))
}

fn add(portal: &Portal, kind: Kind, params: &Params, original_uf: bool) -> MethodResult {
    let fields = fields_param(params)?;
    let mut data = portal.write();
    let mut row = Row::empty(kind.schema());
    let mode = WriteMode {
        names: Names::Camel,
        is_new: true,
    };
    apply_fields(&mut data, kind, &mut row, fields, mode);
    if let Some(fm) = fields.get("fm") {
        merge_fm(&mut data, kind, &mut row, fm);
    }
    finalize(portal, &data, kind, &mut row, None)?;
    let table = kind.table_mut(&mut data);
    let id = table.insert(row);
    let row = table
        .get_mut(id)
        .ok_or_else(|| ApiError::internal("lost the new item"))?;
    default_title(kind, row, id);
    let item = render_item(
        kind,
        row,
        &Selection::all(kind.schema(), Names::Camel),
        original_uf,
    );
    portal.touch();
    Ok(Output::value(json!({ "item": item })))
}

fn update(portal: &Portal, kind: Kind, params: &Params, original_uf: bool) -> MethodResult {
    let id = id_param(params)?;
    let fields = fields_param(params)?;
    let mut data = portal.write();
    let previous = kind
        .table(&data)
        .get(id)
        .cloned()
        .ok_or_else(ApiError::item_not_found)?;
    let mut row = previous.clone();
    let mode = WriteMode {
        names: Names::Camel,
        is_new: false,
    };
    apply_fields(&mut data, kind, &mut row, fields, mode);
    if let Some(fm) = fields.get("fm") {
        merge_fm(&mut data, kind, &mut row, fm);
    }
    finalize(portal, &data, kind, &mut row, Some(&previous))?;
    let item = render_item(
        kind,
        &row,
        &Selection::all(kind.schema(), Names::Camel),
        original_uf,
    );
    kind.table_mut(&mut data).rows.insert(id, row);
    portal.touch();
    Ok(Output::value(json!({ "item": item })))
}

/// crm.item's `fm`: on add a list of `{typeId, valueType, value}`; on update an object
/// keyed by `n0`, `n1`... (new values) or by an existing value's id (an empty `value`
/// deletes it). An element without `typeId` is ignored, as the cloud does.
fn merge_fm(data: &mut PortalData, kind: Kind, row: &mut Row, fm: &Value) {
    if !kind.has_multifields() {
        return;
    }
    let schema = kind.schema();
    let entries: Vec<(Option<u64>, &Value)> = match fm {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.parse::<u64>().ok().filter(|id| *id > 0), v))
            .collect(),
        other => as_items(other).into_iter().map(|v| (None, v)).collect(),
    };
    for (existing, entry) in entries {
        let text = entry.get("value").and_then(as_text).unwrap_or_default();
        let value_type = entry.get("valueType").and_then(as_text);
        if let Some(id) = existing {
            for field in schema.fields.iter().filter(|f| f.ty == Ty::Multi) {
                let index = schema.at(field.name);
                let Some(list) = row.0[index].as_array_mut() else {
                    continue;
                };
                if let Some(pos) = list.iter().position(|v| v["ID"] == json!(id)) {
                    if text.is_empty() {
                        list.remove(pos);
                    } else {
                        list[pos]["VALUE"] = json!(text);
                        if let Some(vt) = &value_type {
                            list[pos]["VALUE_TYPE"] = json!(vt);
                        }
                    }
                }
                if list.is_empty() {
                    row.0[index] = Value::Null;
                }
            }
            continue;
        }
        let Some(type_id) = entry.get("typeId").and_then(as_text) else {
            continue;
        };
        let Some(index) = schema
            .index(&type_id)
            .filter(|i| schema.field(*i).ty == Ty::Multi)
        else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        let value = new_multifield(data, schema.field(index).name, &text, value_type);
        match row.0[index].as_array_mut() {
            Some(list) => list.push(value),
            None => row.0[index] = Value::Array(vec![value]),
        }
    }
}

fn list(portal: &Portal, kind: Kind, params: &Params, original_uf: bool) -> MethodResult {
    let schema = kind.schema();
    let rules = FilterRules {
        names: Names::Camel,
        groups: true,
    };
    let filter = Filter::parse(schema, any_case(params, "filter"), rules)?;
    let order = Order::parse(schema, any_case(params, "order"), Names::Camel)?;
    let selection = Selection::parse(schema, any_case(params, "select"), Names::Camel);
    let start = Start::parse(any_case(params, "start"));
    let data = portal.read();
    let table = kind.table(&data);
    let page = page(table, &filter, &order, start, &|_| true);
    let items: Vec<Value> = page
        .ids
        .iter()
        .filter_map(|id| table.get(*id))
        .map(|row| render_item(kind, row, &selection, original_uf))
        .collect();
    Ok(Output::list(json!({ "items": items }), &page))
}
