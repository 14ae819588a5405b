//! Universal CRM items (`crm.item.*`): camelCase keys, real numbers, `Y`/`N` flags.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient::{self, PortalDateTime};

/// A phone or e-mail entry of an item (`fm`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemMultifield {
    /// Entry ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// `PHONE`, `EMAIL`, `WEB`, `IM`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub type_id: Option<String>,
    /// `WORK`, `MOBILE`, ...
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub value_type: Option<String>,
    /// The value.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub value: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A CRM item of any type: deal, lead, contact, company, smart process (`crm.item.get`,
/// `crm.item.list`; unwrap `{"item": ...}` / `{"items": [...]}` first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmItem {
    /// Item ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Entity type: 1 lead, 2 deal, 3 contact, 4 company, 128+ smart process.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_type_id: Option<i64>,
    /// Title.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// Funnel.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub category_id: Option<i64>,
    /// Stage, e.g. `C9:UC_KN8KFI`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub stage_id: Option<String>,
    /// Stage group: `P`, `S`, `F`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub stage_semantic_id: Option<String>,
    /// Amount.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub opportunity: Option<f64>,
    /// Currency.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency_id: Option<String>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub assigned_by_id: Option<i64>,
    /// Creator.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_by: Option<i64>,
    /// Created at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created_time: Option<PortalDateTime>,
    /// Last changed at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub updated_time: Option<PortalDateTime>,
    /// Company.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub company_id: Option<i64>,
    /// Main contact.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub contact_id: Option<i64>,
    /// Contacts.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub contact_ids: Vec<i64>,
    /// First name (leads, contacts).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Last name (leads, contacts).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    /// Visible to everyone.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub opened: Option<bool>,
    /// Closed.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub closed: Option<bool>,
    /// Phones, e-mails and links (only with `select: ["*"]`).
    #[serde(default, deserialize_with = "lenient::list")]
    pub fm: Vec<ItemMultifield>,
    /// Fields not named above, custom `ufCrm*` fields included.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
