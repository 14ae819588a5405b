//! Field schemas: every table's fields with their storage type, their names in the
//! legacy (UPPER_CASE) and the new (camelCase) APIs, and their descriptor for `*.fields`.

mod crm;
mod other;

use std::collections::HashMap;
use std::sync::LazyLock;

pub(crate) use crm::{COMPANY, CONTACT, DEAL, LEAD};
pub(crate) use other::{
    ACTIVITY, CATEGORY, DEPARTMENT, MESSAGE, NOTIFICATION, STATUS, TASK, TASK_COMMENT,
    TIMELINE_COMMENT, USER,
};

/// How a field's value is stored (canonically) and rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// An integer (ids, links): a string in legacy output, a number in crm.item output.
    Int,
    /// An integer that legacy output also shows as a JSON number (department `SORT`).
    IntNum,
    /// A money or float value: `"15000.00"` in legacy output.
    Double,
    /// A `Y`/`N` flag.
    Char,
    /// A real boolean (`user.get` `ACTIVE`).
    Bool,
    /// Text.
    Str,
    /// A date-time, stored as ISO 8601 in the portal's zone.
    DateTime,
    /// A date, stored as ISO 8601 midnight in the portal's zone.
    Date,
    /// A CRM multi-field (`PHONE`, `EMAIL`, ...): a list of `{ID, VALUE_TYPE, VALUE, TYPE_ID}`.
    Multi,
    /// A list of integers.
    IntList,
    /// A list of strings.
    StrList,
    /// A date-time shown in the portal's locale format (`24.08.2023 13:19:39`).
    PortalDateTime,
    /// A date-time shown in SQL format (`2024-07-23 08:08:50`).
    SqlDateTime,
}

impl Ty {
    /// Whether values of this type compare as numbers.
    pub(crate) fn is_numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::IntNum | Ty::Double)
    }

    /// Whether values of this type compare as dates.
    pub(crate) fn is_date(self) -> bool {
        matches!(
            self,
            Ty::DateTime | Ty::Date | Ty::PortalDateTime | Ty::SqlDateTime
        )
    }
}

/// Required on add.
pub(crate) const REQ: u16 = 1;
/// Read-only: ignored on add and update.
pub(crate) const RO: u16 = 2;
/// Set on add only.
pub(crate) const IMM: u16 = 4;
/// A multiple field.
pub(crate) const MULT: u16 = 8;
/// Not part of `select: ["*"]`; must be named.
pub(crate) const NOSTAR: u16 = 16;
/// A custom (user) field, part of `UF_*`.
pub(crate) const UF: u16 = 32;
/// Not shown in legacy (UPPER_CASE) output.
pub(crate) const NOLEGACY: u16 = 64;
/// Left out of the output when empty.
pub(crate) const OMIT_NULL: u16 = 128;

/// One field of a table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldDef {
    /// The UPPER_CASE name (storage key, legacy API name).
    pub name: &'static str,
    /// The camelCase name in crm.item / tasks output; empty when there is none.
    pub camel: &'static str,
    /// Storage and rendering type.
    pub ty: Ty,
    /// The `type` shown by `*.fields`.
    pub kind: &'static str,
    /// Flag bits (`REQ`, `RO`, ...).
    pub flags: u16,
    /// The human title shown by `*.fields`.
    pub title: &'static str,
    /// The directory (`statusType`) of a `crm_status` field.
    pub status_type: Option<&'static str>,
}

impl FieldDef {
    /// A field without a status directory.
    pub(crate) const fn new(
        name: &'static str,
        camel: &'static str,
        ty: Ty,
        kind: &'static str,
        flags: u16,
        title: &'static str,
    ) -> Self {
        Self {
            name,
            camel,
            ty,
            kind,
            flags,
            title,
            status_type: None,
        }
    }

    /// The same field, bound to a status directory.
    pub(crate) const fn status(mut self, status_type: &'static str) -> Self {
        self.status_type = Some(status_type);
        self
    }

    /// Whether a flag bit is set.
    pub(crate) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

/// A table's schema with name lookups.
pub(crate) struct Schema {
    /// The table name used in the data file.
    pub name: &'static str,
    /// The fields; the first is always `ID`.
    pub fields: &'static [FieldDef],
    by_name: HashMap<String, usize>,
    by_camel: HashMap<String, usize>,
}

impl Schema {
    pub(crate) fn build(name: &'static str, fields: &'static [FieldDef]) -> Self {
        assert_eq!(fields[0].name, "ID", "the first field of {name} must be ID");
        let by_name = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_owned(), i))
            .collect();
        let by_camel = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.camel.is_empty())
            .map(|(i, f)| (f.camel.to_ascii_lowercase(), i))
            .collect();
        Self {
            name,
            fields,
            by_name,
            by_camel,
        }
    }

    /// The index of a field by its UPPER_CASE name (case-insensitive).
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.by_name
            .get(name)
            .or_else(|| self.by_name.get(&name.to_ascii_uppercase()))
            .copied()
    }

    /// The index of a field by its camelCase name (case-insensitive), or its UPPER name.
    pub(crate) fn index_camel(&self, name: &str) -> Option<usize> {
        self.by_camel
            .get(&name.to_ascii_lowercase())
            .copied()
            .or_else(|| self.by_name.get(name).copied())
    }

    /// The field at an index.
    pub(crate) fn field(&self, index: usize) -> &'static FieldDef {
        &self.fields[index]
    }

    /// The index of a field that must exist (a programming error otherwise).
    pub(crate) fn at(&self, name: &str) -> usize {
        self.index(name)
            .unwrap_or_else(|| panic!("{} has no field {name}", self.name))
    }
}

/// A schema built on first use.
pub(crate) type LazySchema = LazyLock<Schema>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_has_unique_names() {
        for schema in [
            &*DEAL,
            &*LEAD,
            &*CONTACT,
            &*COMPANY,
            &*USER,
            &*DEPARTMENT,
            &*STATUS,
            &*CATEGORY,
            &*TASK,
            &*TASK_COMMENT,
            &*TIMELINE_COMMENT,
            &*ACTIVITY,
            &*MESSAGE,
            &*NOTIFICATION,
        ] {
            assert_eq!(schema.by_name.len(), schema.fields.len(), "{}", schema.name);
            let camels = schema.fields.iter().filter(|f| !f.camel.is_empty()).count();
            assert_eq!(schema.by_camel.len(), camels, "{}", schema.name);
        }
    }

    #[test]
    fn lookups_ignore_case() {
        assert_eq!(DEAL.index("title"), DEAL.index("TITLE"));
        assert_eq!(DEAL.index_camel("stageId"), DEAL.index("STAGE_ID"));
        assert_eq!(DEAL.index_camel("STAGE_ID"), DEAL.index("STAGE_ID"));
    }
}
