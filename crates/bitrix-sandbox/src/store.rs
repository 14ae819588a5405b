//! The portal's data: tables of rows aligned to their schemas, and the data-file form.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::coerce::is_canonical;
use crate::schema::{self, Schema};

/// The data-file format marker.
const FORMAT: &str = "b24-sandbox";
/// The data-file format version this build writes and reads.
const VERSION: u64 = 1;

/// One row: values in the order of the schema's fields (`values[0]` is the ID).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row(pub Vec<Value>);

impl Row {
    /// A row with every field empty.
    pub(crate) fn empty(schema: &Schema) -> Self {
        Row(vec![Value::Null; schema.fields.len()])
    }

    /// A field's value.
    pub(crate) fn get(&self, index: usize) -> &Value {
        &self.0[index]
    }

    /// A field's value by name (the field must exist).
    pub(crate) fn by(&self, schema: &Schema, name: &str) -> &Value {
        &self.0[schema.at(name)]
    }

    /// Sets a field by name (the field must exist).
    pub(crate) fn set(&mut self, schema: &Schema, name: &str, value: impl Into<Value>) {
        self.0[schema.at(name)] = value.into();
    }

    /// The row's ID.
    pub(crate) fn id(&self) -> u64 {
        self.0[0].as_u64().unwrap_or_default()
    }
}

/// A table of rows ordered by ID.
pub(crate) struct Table {
    /// The fields of every row.
    pub schema: &'static Schema,
    /// Rows by ID.
    pub rows: BTreeMap<u64, Row>,
    /// The ID the next inserted row gets.
    pub next_id: u64,
}

impl Table {
    fn new(schema: &'static Schema) -> Self {
        Self {
            schema,
            rows: BTreeMap::new(),
            next_id: 1,
        }
    }

    /// Inserts a row under the next free ID and returns that ID.
    pub(crate) fn insert(&mut self, mut row: Row) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        row.0[0] = Value::from(id);
        self.rows.insert(id, row);
        id
    }

    /// Inserts a row under a chosen ID (seeding the default pipeline 0).
    pub(crate) fn insert_with_id(&mut self, id: u64, mut row: Row) {
        row.0[0] = Value::from(id);
        self.rows.insert(id, row);
        self.next_id = self.next_id.max(id + 1);
    }

    /// A row by ID.
    pub(crate) fn get(&self, id: u64) -> Option<&Row> {
        self.rows.get(&id)
    }

    /// A row by ID, for change.
    pub(crate) fn get_mut(&mut self, id: u64) -> Option<&mut Row> {
        self.rows.get_mut(&id)
    }

    fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .values()
            .map(|row| {
                let map: Map<String, Value> = self
                    .schema
                    .fields
                    .iter()
                    .zip(&row.0)
                    .filter(|(_, v)| !v.is_null())
                    .map(|(f, v)| (f.name.to_owned(), v.clone()))
                    .collect();
                Value::Object(map)
            })
            .collect();
        json!({"next_id": self.next_id, "rows": rows})
    }

    fn from_json(schema: &'static Schema, value: &Value) -> Result<Self, String> {
        let name = schema.name;
        let mut table = Table::new(schema);
        let rows = value
            .get("rows")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("table `{name}` has no `rows` list"))?;
        for (n, raw) in rows.iter().enumerate() {
            let object = raw
                .as_object()
                .ok_or_else(|| format!("row {n} of `{name}` is not an object"))?;
            let mut row = Row::empty(schema);
            for (key, v) in object {
                let index = schema
                    .index(key)
                    .filter(|i| schema.field(*i).name == key)
                    .ok_or_else(|| format!("row {n} of `{name}` has an unknown field `{key}`"))?;
                let field = schema.field(index);
                if !is_canonical(field.ty, v) {
                    return Err(format!(
                        "row {n} of `{name}`: field `{key}` has a value of the wrong type: {v}"
                    ));
                }
                row.0[index] = v.clone();
            }
            let id = row.0[0]
                .as_u64()
                .ok_or_else(|| format!("row {n} of `{name}` has no numeric ID"))?;
            if table.rows.insert(id, row).is_some() {
                return Err(format!("table `{name}` has two rows with ID {id}"));
            }
        }
        let max_id = table.rows.keys().next_back().copied().unwrap_or(0);
        table.next_id = value
            .get("next_id")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(max_id + 1);
        Ok(table)
    }
}

/// Everything the portal holds.
pub(crate) struct PortalData {
    /// The webhook's secret code.
    pub token: String,
    /// The next ID for a multi-field value (phone, e-mail, ...).
    pub next_multifield_id: u64,
    pub deals: Table,
    pub leads: Table,
    pub contacts: Table,
    pub companies: Table,
    pub users: Table,
    pub departments: Table,
    pub statuses: Table,
    pub categories: Table,
    pub tasks: Table,
    pub task_comments: Table,
    pub timeline_comments: Table,
    pub activities: Table,
    pub messages: Table,
    pub notifications: Table,
}

impl std::fmt::Debug for PortalData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret: only table sizes are shown.
        let mut d = f.debug_struct("PortalData");
        for table in self.tables() {
            d.field(table.schema.name, &table.rows.len());
        }
        d.finish_non_exhaustive()
    }
}

impl PortalData {
    /// A portal with no data at all.
    pub(crate) fn empty(token: String) -> Self {
        Self {
            token,
            next_multifield_id: 1,
            deals: Table::new(&schema::DEAL),
            leads: Table::new(&schema::LEAD),
            contacts: Table::new(&schema::CONTACT),
            companies: Table::new(&schema::COMPANY),
            users: Table::new(&schema::USER),
            departments: Table::new(&schema::DEPARTMENT),
            statuses: Table::new(&schema::STATUS),
            categories: Table::new(&schema::CATEGORY),
            tasks: Table::new(&schema::TASK),
            task_comments: Table::new(&schema::TASK_COMMENT),
            timeline_comments: Table::new(&schema::TIMELINE_COMMENT),
            activities: Table::new(&schema::ACTIVITY),
            messages: Table::new(&schema::MESSAGE),
            notifications: Table::new(&schema::NOTIFICATION),
        }
    }

    fn tables(&self) -> [&Table; 14] {
        [
            &self.deals,
            &self.leads,
            &self.contacts,
            &self.companies,
            &self.users,
            &self.departments,
            &self.statuses,
            &self.categories,
            &self.tasks,
            &self.task_comments,
            &self.timeline_comments,
            &self.activities,
            &self.messages,
            &self.notifications,
        ]
    }

    fn tables_mut(&mut self) -> [&mut Table; 14] {
        [
            &mut self.deals,
            &mut self.leads,
            &mut self.contacts,
            &mut self.companies,
            &mut self.users,
            &mut self.departments,
            &mut self.statuses,
            &mut self.categories,
            &mut self.tasks,
            &mut self.task_comments,
            &mut self.timeline_comments,
            &mut self.activities,
            &mut self.messages,
            &mut self.notifications,
        ]
    }

    /// The data-file form of the whole portal.
    pub(crate) fn to_json(&self) -> Value {
        let tables: Map<String, Value> = self
            .tables()
            .iter()
            .map(|t| (t.schema.name.to_owned(), t.to_json()))
            .collect();
        json!({
            "format": FORMAT,
            "version": VERSION,
            "token": self.token,
            "next_multifield_id": self.next_multifield_id,
            "tables": tables,
        })
    }

    /// Reads the data-file form; the error says what is wrong and where.
    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(format!(
                "it is not a {FORMAT} data file (no \"format\": \"{FORMAT}\")"
            ));
        }
        let version = value.get("version").and_then(Value::as_u64).unwrap_or(0);
        if version != VERSION {
            return Err(format!(
                "it has format version {version}, and this build reads version {VERSION}"
            ));
        }
        let token = value
            .get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or("it has no webhook token")?;
        let tables = value
            .get("tables")
            .and_then(Value::as_object)
            .ok_or("it has no `tables` object")?;
        let mut data = PortalData::empty(token.to_owned());
        data.next_multifield_id = value
            .get("next_multifield_id")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        for name in tables.keys() {
            if !data.tables().iter().any(|t| t.schema.name == name) {
                return Err(format!("it has an unknown table `{name}`"));
            }
        }
        for table in data.tables_mut() {
            if let Some(raw) = tables.get(table.schema.name) {
                *table = Table::from_json(table.schema, raw)?;
            }
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_rows_and_counters() {
        let mut data = PortalData::empty("secret".into());
        let mut row = Row::empty(data.deals.schema);
        row.set(data.deals.schema, "TITLE", "Поставка");
        row.set(data.deals.schema, "OPPORTUNITY", 1500);
        let id = data.deals.insert(row);
        data.deals.rows.remove(&id);
        let id2 = data.deals.insert(Row::empty(data.deals.schema));
        let back = PortalData::from_json(&data.to_json()).unwrap();
        assert_eq!(back.deals.next_id, id2 + 1, "deleted ids are never reused");
        assert_eq!(back.token, "secret");
    }

    #[test]
    fn damaged_forms_are_refused_with_a_reason() {
        let good = PortalData::empty("t".into()).to_json();
        let mut bad = good.clone();
        bad["version"] = json!(9);
        assert!(
            PortalData::from_json(&bad)
                .unwrap_err()
                .contains("version 9")
        );
        let mut bad = good.clone();
        bad["tables"]["deals"] = json!({"rows": [{"ID": 1, "TITLE": 5}]});
        assert!(PortalData::from_json(&bad).unwrap_err().contains("TITLE"));
        let mut bad = good.clone();
        bad["tables"]["deals"] = json!({"rows": [{"ID": 1, "NOPE": "x"}]});
        assert!(PortalData::from_json(&bad).unwrap_err().contains("NOPE"));
        let mut bad = good;
        bad["tables"]["widgets"] = json!({"rows": []});
        assert!(PortalData::from_json(&bad).unwrap_err().contains("widgets"));
    }
}
