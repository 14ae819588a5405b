//! Legacy CRM methods: `crm.{lead,deal,contact,company}.{add,get,list,update,delete,fields}`.

use serde_json::{Map, Value};

use super::crm_write::{WriteMode, apply_fields, default_title, finalize};
use super::{Family, Kind, MethodResult, Output, any_case};
use crate::coerce::as_id;
use crate::decode::Params;
use crate::errors::ApiError;
use crate::filter::Names;
use crate::portal::Portal;
use crate::render::{Style, field_descriptor, render_row};
use crate::schema::Ty;
use crate::select::Selection;
use crate::store::Row;

pub(crate) const FAMILY: Family = Family {
    names: &[
        "crm.lead.add",
        "crm.lead.get",
        "crm.lead.list",
        "crm.lead.update",
        "crm.lead.delete",
        "crm.lead.fields",
        "crm.deal.add",
        "crm.deal.get",
        "crm.deal.list",
        "crm.deal.update",
        "crm.deal.delete",
        "crm.deal.fields",
        "crm.contact.add",
        "crm.contact.get",
        "crm.contact.list",
        "crm.contact.update",
        "crm.contact.delete",
        "crm.contact.fields",
        "crm.company.add",
        "crm.company.get",
        "crm.company.list",
        "crm.company.update",
        "crm.company.delete",
        "crm.company.fields",
    ],
    call,
};

fn call(portal: &Portal, method: &str, params: &Params) -> MethodResult {
    let mut parts = method.split('.').skip(1);
    let kind = parts.next().and_then(Kind::from_name);
    let (Some(kind), Some(action)) = (kind, parts.next()) else {
        return Err(ApiError::method_not_found());
    };
    match action {
        "add" => add(portal, kind, params),
        "get" => get(portal, kind, params),
        "list" => list(portal, kind, params),
        "update" => update(portal, kind, params),
        "delete" => delete(portal, kind, params),
        "fields" => Ok(fields(kind)),
        _ => Err(ApiError::method_not_found()),
    }
}

fn fields_param(params: &Params) -> Result<&Map<String, Value>, ApiError> {
    any_case(params, "fields")
        .and_then(Value::as_object)
        .ok_or_else(ApiError::legacy_fields_not_array)
}

fn id_param(params: &Params) -> Result<u64, ApiError> {
    any_case(params, "id")
        .and_then(as_id)
        .ok_or_else(ApiError::legacy_bad_id)
}

/// Renders a legacy entity: every field, multi-fields only when they hold values.
pub(crate) fn render_legacy(kind: Kind, row: &Row, selection: &Selection) -> Value {
    let schema = kind.schema();
    let mut out = render_row(Style::Legacy, schema, row, selection);
    for field in schema.fields.iter().filter(|f| f.ty == Ty::Multi) {
        if out
            .get(field.name)
            .is_some_and(|v| v.as_array().is_some_and(Vec::is_empty))
        {
            out.remove(field.name);
        }
    }
    Value::Object(out)
}

fn add(portal: &Portal, kind: Kind, params: &Params) -> MethodResult {
    let fields = fields_param(params)?;
    let mut data = portal.write();
    let mut row = Row::empty(kind.schema());
    let mode = WriteMode {
        names: Names::Upper,
        is_new: true,
    };
    apply_fields(&mut data, kind, &mut row, fields, mode);
    finalize(portal, &data, kind, &mut row, None)?;
    let table = kind.table_mut(&mut data);
    let id = table.insert(row);
    if let Some(row) = table.get_mut(id) {
        default_title(kind, row, id);
    }
    portal.touch();
    Ok(Output::value(id))
}

fn get(portal: &Portal, kind: Kind, params: &Params) -> MethodResult {
    let id = id_param(params)?;
    let data = portal.read();
    let row = kind
        .table(&data)
        .get(id)
        .ok_or_else(ApiError::legacy_not_found)?;
    Ok(Output::value(render_legacy(
        kind,
        row,
        &Selection::everything(kind.schema()),
    )))
}

fn list(portal: &Portal, kind: Kind, params: &Params) -> MethodResult {
    let data = portal.read();
    let render = |row: &Row, selection: &Selection| render_legacy(kind, row, selection);
    super::crm_misc::legacy_list(kind.table(&data), params, &render)
}

fn update(portal: &Portal, kind: Kind, params: &Params) -> MethodResult {
    let id = id_param(params)?;
    let fields = fields_param(params)?;
    let mut data = portal.write();
    let previous = kind
        .table(&data)
        .get(id)
        .cloned()
        .ok_or_else(ApiError::legacy_not_found)?;
    let mut row = previous.clone();
    let mode = WriteMode {
        names: Names::Upper,
        is_new: false,
    };
    apply_fields(&mut data, kind, &mut row, fields, mode);
    finalize(portal, &data, kind, &mut row, Some(&previous))?;
    kind.table_mut(&mut data).rows.insert(id, row);
    portal.touch();
    Ok(Output::value(true))
}

fn delete(portal: &Portal, kind: Kind, params: &Params) -> MethodResult {
    let id = id_param(params)?;
    let mut data = portal.write();
    kind.table_mut(&mut data)
        .rows
        .remove(&id)
        .ok_or_else(ApiError::legacy_not_found)?;
    portal.touch();
    Ok(Output::value(true))
}

fn fields(kind: Kind) -> Output {
    let map: Map<String, Value> = kind
        .schema()
        .fields
        .iter()
        .map(|f| (f.name.to_owned(), field_descriptor(f, false)))
        .collect();
    Output::value(Value::Object(map))
}
