//! Writing CRM entities, shared by the legacy `crm.X.*` and the new `crm.item.*` methods:
//! field coercion, multi-field merges, defaults and derived fields (stages, flags, dates).

use chrono::Duration as Days;
use serde_json::{Map, Value, json};

use crate::coerce::{as_id, as_items, as_text, coerce_input, format_iso};
use crate::errors::ApiError;
use crate::filter::Names;
use crate::portal::Portal;
use crate::schema::{self, IMM, RO, Schema, Ty};
use crate::store::{PortalData, Row, Table};

/// The four classic CRM entity types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Lead,
    Deal,
    Contact,
    Company,
}

impl Kind {
    /// All kinds.
    pub(crate) const ALL: [Kind; 4] = [Kind::Lead, Kind::Deal, Kind::Contact, Kind::Company];

    /// The `entityTypeId` (1 lead, 2 deal, 3 contact, 4 company).
    pub(crate) fn type_id(self) -> u64 {
        match self {
            Kind::Lead => 1,
            Kind::Deal => 2,
            Kind::Contact => 3,
            Kind::Company => 4,
        }
    }

    /// The kind of an `entityTypeId`.
    pub(crate) fn from_type_id(id: u64) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.type_id() == id)
    }

    /// The lowercase name (`deal`), as in method names and timeline `ENTITY_TYPE`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Lead => "lead",
            Kind::Deal => "deal",
            Kind::Contact => "contact",
            Kind::Company => "company",
        }
    }

    /// The kind of a lowercase name.
    pub(crate) fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// The schema of this kind.
    pub(crate) fn schema(self) -> &'static Schema {
        match self {
            Kind::Lead => &schema::LEAD,
            Kind::Deal => &schema::DEAL,
            Kind::Contact => &schema::CONTACT,
            Kind::Company => &schema::COMPANY,
        }
    }

    /// The table of this kind.
    pub(crate) fn table(self, data: &PortalData) -> &Table {
        match self {
            Kind::Lead => &data.leads,
            Kind::Deal => &data.deals,
            Kind::Contact => &data.contacts,
            Kind::Company => &data.companies,
        }
    }

    /// The table of this kind, for change.
    pub(crate) fn table_mut(self, data: &mut PortalData) -> &mut Table {
        match self {
            Kind::Lead => &mut data.leads,
            Kind::Deal => &mut data.deals,
            Kind::Contact => &mut data.contacts,
            Kind::Company => &mut data.companies,
        }
    }

    /// Whether the kind has multi-fields (phones, e-mails).
    pub(crate) fn has_multifields(self) -> bool {
        self != Kind::Deal
    }
}

/// How a write treats its input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriteMode {
    /// Legacy UPPER_CASE or crm.item camelCase keys.
    pub names: Names,
    /// A new row (immutable fields may be set).
    pub is_new: bool,
}

/// The statuses of a directory (`DEAL_STAGE`, `DEAL_STAGE_1`, `STATUS`), by `SORT`.
pub(crate) fn directory(data: &PortalData, entity_id: &str) -> Vec<(String, String)> {
    let s = &schema::STATUS;
    let mut rows: Vec<&Row> = data
        .statuses
        .rows
        .values()
        .filter(|r| r.by(s, "ENTITY_ID").as_str() == Some(entity_id))
        .collect();
    rows.sort_by_key(|r| (r.by(s, "SORT").as_i64().unwrap_or(0), r.id()));
    rows.iter()
        .map(|r| {
            let id = r.by(s, "STATUS_ID").as_str().unwrap_or_default().to_owned();
            let semantics = r.by(s, "SEMANTICS").as_str().unwrap_or("P").to_owned();
            (id, semantics)
        })
        .collect()
}

/// The stage directory of a deal pipeline.
pub(crate) fn stage_entity(category: i64) -> String {
    if category == 0 {
        "DEAL_STAGE".into()
    } else {
        format!("DEAL_STAGE_{category}")
    }
}

/// Applies input fields to a row: unknown and read-only fields are ignored, values that
/// cannot be read as the field's type are ignored (as legacy CRM does).
pub(crate) fn apply_fields(
    data: &mut PortalData,
    kind: Kind,
    row: &mut Row,
    fields: &Map<String, Value>,
    mode: WriteMode,
) {
    let schema = kind.schema();
    let mut contact_given = None;
    for (key, value) in fields {
        let index = match mode.names {
            Names::Upper => schema.index(key),
            Names::Camel => schema.index_camel(key),
        };
        let Some(index) = index else { continue };
        let field = schema.field(index);
        let immutable_now = field.has(IMM) && !mode.is_new && mode.names == Names::Upper;
        if field.has(RO) || immutable_now {
            continue;
        }
        if field.ty == Ty::Multi {
            merge_legacy_multifield(data, row, index, field.name, value);
            continue;
        }
        if let Ok(v) = coerce_input(field.ty, value) {
            row.0[index] = v;
            if matches!(
                field.name,
                "CONTACT_ID" | "CONTACT_IDS" | "COMPANY_ID" | "COMPANY_IDS"
            ) {
                contact_given = Some(field.name);
            }
        }
    }
    sync_link_lists(schema, row, contact_given);
}

/// Keeps a single link and its list in step (`CONTACT_ID` / `CONTACT_IDS`).
fn sync_link_lists(schema: &Schema, row: &mut Row, given: Option<&str>) {
    for (single, list) in [("CONTACT_ID", "CONTACT_IDS"), ("COMPANY_ID", "COMPANY_IDS")] {
        let (Some(si), Some(li)) = (schema.index(single), schema.index(list)) else {
            continue;
        };
        if given == Some(list) {
            row.0[si] = row.0[li]
                .as_array()
                .and_then(|a| a.first().cloned())
                .unwrap_or(Value::Null);
        } else if given == Some(single) {
            row.0[li] = match row.0[si].as_i64() {
                Some(id) if id > 0 => json!([id]),
                _ => json!([]),
            };
        }
    }
}

/// Legacy multi-field input: new entries (no `ID`) are appended; an entry with an `ID`
/// changes that value, or deletes it with `DELETE: "Y"`, an empty `VALUE` or only the `ID`.
fn merge_legacy_multifield(
    data: &mut PortalData,
    row: &mut Row,
    index: usize,
    type_id: &str,
    value: &Value,
) {
    let mut current: Vec<Value> = row.0[index].as_array().cloned().unwrap_or_default();
    for entry in as_items(value) {
        let (id, text, value_type, delete) = match entry {
            Value::Object(e) => (
                e.get("ID").and_then(as_id),
                e.get("VALUE").and_then(as_text),
                e.get("VALUE_TYPE").and_then(as_text),
                e.get("DELETE").and_then(as_text).is_some_and(|d| d == "Y"),
            ),
            other => (None, as_text(other), None, false),
        };
        match id {
            Some(id) => {
                let Some(pos) = current.iter().position(|c| c["ID"] == json!(id)) else {
                    continue;
                };
                match text {
                    Some(text) if !delete && !text.is_empty() => {
                        current[pos]["VALUE"] = json!(text);
                        if let Some(vt) = value_type {
                            current[pos]["VALUE_TYPE"] = json!(vt);
                        }
                    }
                    _ => {
                        current.remove(pos);
                    }
                }
            }
            None => {
                let Some(text) = text.filter(|t| !t.is_empty()) else {
                    continue;
                };
                current.push(new_multifield(data, type_id, &text, value_type));
            }
        }
    }
    row.0[index] = if current.is_empty() {
        Value::Null
    } else {
        Value::Array(current)
    };
}

/// A new stored multi-field value.
pub(crate) fn new_multifield(
    data: &mut PortalData,
    type_id: &str,
    value: &str,
    value_type: Option<String>,
) -> Value {
    let id = data.next_multifield_id;
    data.next_multifield_id += 1;
    json!({
        "ID": id,
        "VALUE_TYPE": value_type.filter(|v| !v.is_empty()).unwrap_or_else(|| "WORK".into()),
        "VALUE": value,
        "TYPE_ID": type_id,
    })
}

/// Fills defaults and derived fields after a write. `previous` is the row before an update.
pub(crate) fn finalize(
    portal: &Portal,
    data: &PortalData,
    kind: Kind,
    row: &mut Row,
    previous: Option<&Row>,
) -> Result<(), ApiError> {
    let s = kind.schema();
    let now = portal.now_iso();
    let user = portal.user_id;
    let mut set_default = |name: &str, value: Value| {
        if let Some(i) = s.index(name)
            && row.0[i].is_null()
        {
            row.0[i] = value;
        }
    };
    if previous.is_none() {
        let today = portal.clock.portal_now().date_naive();
        let date = |d: chrono::NaiveDate| {
            let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            let dt = midnight.and_local_timezone(crate::clock::portal_offset());
            dt.single()
                .map(|d| json!(format_iso(&d)))
                .unwrap_or(Value::Null)
        };
        set_default("DATE_CREATE", json!(now));
        set_default("CREATED_BY_ID", json!(user));
        set_default("ASSIGNED_BY_ID", json!(user));
        set_default("OPENED", json!("Y"));
        match kind {
            Kind::Deal => {
                set_default("OPPORTUNITY", json!(0));
                set_default("TAX_VALUE", json!(0));
                set_default("CURRENCY_ID", json!("RUB"));
                set_default("TYPE_ID", json!("SALE"));
                set_default("COMPANY_ID", json!(0));
                set_default("BEGINDATE", date(today));
                set_default("CLOSEDATE", date(today + Days::days(7)));
                for flag in [
                    "IS_MANUAL_OPPORTUNITY",
                    "IS_RECURRING",
                    "IS_REPEATED_APPROACH",
                ] {
                    set_default(flag, json!("N"));
                }
            }
            Kind::Lead => {
                set_default("OPPORTUNITY", json!(0));
                set_default("CURRENCY_ID", json!("RUB"));
                set_default("STATUS_ID", json!("NEW"));
                set_default("IS_MANUAL_OPPORTUNITY", json!("N"));
            }
            Kind::Contact => {
                set_default("TYPE_ID", json!("CLIENT"));
                set_default("EXPORT", json!("Y"));
            }
            Kind::Company => {
                set_default("COMPANY_TYPE", json!("CUSTOMER"));
                set_default("CURRENCY_ID", json!("RUB"));
                set_default("REVENUE", json!(0));
                set_default("IS_MY_COMPANY", json!("N"));
            }
        }
    }
    row.set(s, "DATE_MODIFY", now.clone());
    row.set(s, "MODIFY_BY_ID", user);
    match kind {
        Kind::Deal => finalize_deal(data, row, previous, &now, user)?,
        Kind::Lead => {
            let status = row.by(s, "STATUS_ID").as_str().unwrap_or("NEW").to_owned();
            let semantics = directory(data, "STATUS")
                .into_iter()
                .find(|(id, _)| *id == status)
                .map_or_else(|| "P".to_owned(), |(_, sem)| sem);
            row.set(s, "STATUS_SEMANTIC_ID", semantics.clone());
            let moved = previous.is_none_or(|p| p.by(s, "STATUS_ID") != row.by(s, "STATUS_ID"));
            if moved {
                row.set(s, "MOVED_TIME", now.clone());
                row.set(s, "MOVED_BY_ID", user);
            }
            let closed = semantics != "P";
            row.set(
                s,
                "DATE_CLOSED",
                if closed { json!(now) } else { Value::Null },
            );
            let linked = ["COMPANY_ID", "CONTACT_ID"]
                .iter()
                .any(|f| row.by(s, f).as_i64().unwrap_or(0) > 0);
            row.set(s, "IS_RETURN_CUSTOMER", if linked { "Y" } else { "N" });
        }
        Kind::Contact | Kind::Company => {}
    }
    if kind.has_multifields() {
        for (flag, field) in [
            ("HAS_PHONE", "PHONE"),
            ("HAS_EMAIL", "EMAIL"),
            ("HAS_IMOL", "IM"),
        ] {
            let has = row.by(s, field).as_array().is_some_and(|a| !a.is_empty());
            row.set(s, flag, if has { "Y" } else { "N" });
        }
    }
    if kind == Kind::Contact {
        let named = ["NAME", "LAST_NAME", "SECOND_NAME"]
            .iter()
            .any(|f| row.by(s, f).as_str().is_some_and(|v| !v.is_empty()));
        if !named {
            row.set(s, "NAME", "Без имени");
        }
    }
    Ok(())
}

fn finalize_deal(
    data: &PortalData,
    row: &mut Row,
    previous: Option<&Row>,
    now: &str,
    user: u64,
) -> Result<(), ApiError> {
    let s = &schema::DEAL;
    let stage_given = row.by(s, "STAGE_ID").as_str().map(str::to_owned);
    let mut category = row.by(s, "CATEGORY_ID").as_i64();
    if previous.is_none() && category.is_none() {
        // A new deal with a `C{n}:` stage and no pipeline goes to that stage's pipeline.
        category = stage_given
            .as_deref()
            .and_then(|st| st.strip_prefix('C'))
            .and_then(|rest| rest.split_once(':'))
            .and_then(|(n, _)| n.parse().ok());
    }
    let mut category = category.unwrap_or(0);
    if data
        .categories
        .get(u64::try_from(category).unwrap_or(u64::MAX))
        .is_none()
    {
        if previous.is_some() {
            return Err(ApiError::legacy(format!(
                "Pipeline {category} is not found."
            )));
        }
        category = 0;
    }
    let stages = directory(data, &stage_entity(category));
    let category_changed =
        previous.is_some_and(|p| p.by(s, "CATEGORY_ID").as_i64() != Some(category));
    let stage_changed_by_input =
        previous.is_none_or(|p| p.by(s, "STAGE_ID").as_str() != stage_given.as_deref());
    let stage = match stage_given {
        Some(st) if stages.iter().any(|(id, _)| *id == st) => st,
        Some(st) if previous.is_some() && stage_changed_by_input && !category_changed => {
            return Err(ApiError::legacy(format!(
                "Stage '{st}' does not belong to the deal's pipeline {category}."
            )));
        }
        _ => stages.first().map(|(id, _)| id.clone()).unwrap_or_default(),
    };
    let semantics = stages
        .iter()
        .find(|(id, _)| *id == stage)
        .map_or("P", |(_, sem)| sem.as_str())
        .to_owned();
    let moved = previous.is_none_or(|p| p.by(s, "STAGE_ID").as_str() != Some(stage.as_str()));
    row.set(s, "CATEGORY_ID", category);
    row.set(
        s,
        "IS_NEW",
        if stages.first().is_some_and(|(id, _)| *id == stage) {
            "Y"
        } else {
            "N"
        },
    );
    row.set(s, "STAGE_ID", stage);
    row.set(s, "STAGE_SEMANTIC_ID", semantics.clone());
    row.set(s, "CLOSED", if semantics == "P" { "N" } else { "Y" });
    if moved {
        row.set(s, "MOVED_TIME", now.to_owned());
        row.set(s, "MOVED_BY_ID", user);
    }
    if row.by(s, "IS_RETURN_CUSTOMER").is_null() {
        row.set(s, "IS_RETURN_CUSTOMER", "N");
    }
    Ok(())
}

/// Sets the default title that needs the new ID (`Сделка #12`).
pub(crate) fn default_title(kind: Kind, row: &mut Row, id: u64) {
    let (field, prefix) = match kind {
        Kind::Deal => ("TITLE", "Сделка"),
        Kind::Lead => ("TITLE", "Лид"),
        Kind::Company => ("TITLE", "Компания"),
        Kind::Contact => return,
    };
    let s = kind.schema();
    if row.by(s, field).as_str().is_none_or(str::is_empty) {
        row.set(s, field, format!("{prefix} #{id}"));
    }
}
