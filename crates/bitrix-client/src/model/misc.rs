//! Directories, field descriptions, timeline comments and to-do activities.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient::{self, PortalDateTime};

/// The `EXTRA` part of a stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct StatusExtra {
    /// `process`, `success` or `failure`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub semantics: Option<String>,
    /// Colour, e.g. `#39A8EF`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub color: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A directory entry or a stage (`crm.status.list`, `crm.dealcategory.stage.list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Status {
    /// Row ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Directory, e.g. `DEAL_STAGE`, `DEAL_STAGE_1`, `STATUS`, `SOURCE`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub entity_id: Option<String>,
    /// The code used in entities, e.g. `NEW`, `C1:WON`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status_id: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Sort order.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sort: Option<i64>,
    /// Built in.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub system: Option<bool>,
    /// Funnel of a deal stage.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub category_id: Option<i64>,
    /// Colour.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub color: Option<String>,
    /// `S` success, `F` failure, none for in progress.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub semantics: Option<String>,
    /// Semantics and colour.
    #[serde(default)]
    pub extra: Option<StatusExtra>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A funnel (`crm.category.list` → `{"categories": [...]}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// Funnel ID; 0 is the default funnel.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Sort order.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sort: Option<i64>,
    /// Entity type it belongs to.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_type_id: Option<i64>,
    /// The default funnel.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_default: Option<bool>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One value of an `enumeration` field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct EnumItem {
    /// Value ID (what the entity stores).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Display text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub value: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The description of one field (`crm.deal.fields` and friends: a map name → description).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescription {
    /// `string`, `integer`, `double`, `date`, `crm_status`, `enumeration`, ...
    #[serde(rename = "type", default, deserialize_with = "lenient::opt_string")]
    pub field_type: Option<String>,
    /// Required on add.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_required: Option<bool>,
    /// Read only.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_read_only: Option<bool>,
    /// Set once on add.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_immutable: Option<bool>,
    /// Holds several values.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_multiple: Option<bool>,
    /// A custom (`UF_*`) field.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_dynamic: Option<bool>,
    /// Title (for custom fields this is the code; see the labels).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// Label in lists.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub list_label: Option<String>,
    /// Label in forms.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub form_label: Option<String>,
    /// Directory of a `crm_status` field.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status_type: Option<String>,
    /// The UPPER_SNAKE name (`crm.item.fields`).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub upper_name: Option<String>,
    /// Values of an `enumeration` field.
    #[serde(default, deserialize_with = "lenient::list")]
    pub items: Vec<EnumItem>,
    /// Type-specific settings (`[]` when none).
    #[serde(default, deserialize_with = "lenient::map")]
    pub settings: Map<String, Value>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl FieldDescription {
    /// The best human label: form label, list label, then title.
    pub fn label(&self) -> Option<&str> {
        [&self.form_label, &self.list_label, &self.title]
            .into_iter()
            .filter_map(|l| l.as_deref())
            .find(|l| !l.trim().is_empty())
    }
}

/// The result of `crm.item.fields`: `{"fields": {name: description}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemFields {
    /// Field name → description.
    #[serde(default, deserialize_with = "lenient::typed_map")]
    pub fields: BTreeMap<String, FieldDescription>,
}

/// A timeline comment (`crm.timeline.comment.get`, `crm.timeline.comment.list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct TimelineComment {
    /// Comment ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Created at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created: Option<PortalDateTime>,
    /// The entity it is attached to.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// `deal`, `lead`, `contact`, `company`, `dynamic_N`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub entity_type: Option<String>,
    /// Author.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub author_id: Option<i64>,
    /// Text (BB codes).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub comment: Option<String>,
    /// Attached files (`[]` when none).
    #[serde(default, deserialize_with = "lenient::map")]
    pub files: Map<String, Value>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A CRM activity such as a to-do (`crm.activity.get`/`list`; to-dos have `PROVIDER_ID`
/// `CRM_TODO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct TodoActivity {
    /// Activity ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Owner's entity type (2 deal, ...).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub owner_type_id: Option<i64>,
    /// Owner's ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub owner_id: Option<i64>,
    /// 1 meeting, 2 call, 3 task, 4 e-mail, 6 provider.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub type_id: Option<i64>,
    /// Provider, `CRM_TODO` for to-dos.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub provider_id: Option<String>,
    /// Subject.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub subject: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// Deadline.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub deadline: Option<PortalDateTime>,
    /// Done.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub completed: Option<bool>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub responsible_id: Option<i64>,
    /// Created at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created: Option<PortalDateTime>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `{"id": N}` result of `crm.activity.todo.add` and similar methods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedId {
    /// The new record's ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
}
