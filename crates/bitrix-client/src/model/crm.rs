//! Legacy CRM entities (`crm.deal.*`, `crm.lead.*`, `crm.contact.*`, `crm.company.*`):
//! UPPER_SNAKE keys, numbers as strings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient::{self, PortalDateTime};

/// A phone, e-mail, web or messenger entry (`PHONE`, `EMAIL`, `WEB`, `IM`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Multifield {
    /// Entry ID (needed to change or delete it).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// `WORK`, `MOBILE`, `HOME`, `TELEGRAM`, ...
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub value_type: Option<String>,
    /// The phone number, address, ...
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub value: Option<String>,
    /// `PHONE`, `EMAIL`, `WEB`, `IM`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub type_id: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A deal (`crm.deal.get`, `crm.deal.list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Deal {
    /// Deal ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Title.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// Type (`DEAL_TYPE` directory).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub type_id: Option<String>,
    /// Funnel; 0 is the default funnel.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub category_id: Option<i64>,
    /// Stage, e.g. `NEW`, `WON`, `C1:NEW`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub stage_id: Option<String>,
    /// Stage group: `P` in progress, `S` success, `F` failure.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub stage_semantic_id: Option<String>,
    /// Probability, percent.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub probability: Option<f64>,
    /// Amount.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub opportunity: Option<f64>,
    /// Currency, e.g. `RUB`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency_id: Option<String>,
    /// Company.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub company_id: Option<i64>,
    /// Main contact (deprecated single link).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub contact_id: Option<i64>,
    /// Contacts.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub contact_ids: Vec<i64>,
    /// The lead it came from.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub lead_id: Option<i64>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub assigned_by_id: Option<i64>,
    /// Creator.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_by_id: Option<i64>,
    /// Start date.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub begindate: Option<PortalDateTime>,
    /// Expected close date.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub closedate: Option<PortalDateTime>,
    /// Created at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub date_create: Option<PortalDateTime>,
    /// Last changed at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub date_modify: Option<PortalDateTime>,
    /// Moved to the current stage at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub moved_time: Option<PortalDateTime>,
    /// Visible to everyone.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub opened: Option<bool>,
    /// Closed.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub closed: Option<bool>,
    /// Comment (BB codes).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub comments: Option<String>,
    /// Source (`SOURCE` directory).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_id: Option<String>,
    /// Fields not named above, custom `UF_CRM_*` fields included.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A lead (`crm.lead.get`, `crm.lead.list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Lead {
    /// Lead ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Title.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Middle name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub second_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    /// Status, e.g. `NEW`, `IN_PROCESS`, `CONVERTED`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status_id: Option<String>,
    /// Status group: `P`, `S`, `F`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status_semantic_id: Option<String>,
    /// Source (`SOURCE` directory).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub source_id: Option<String>,
    /// Company name as typed in the lead.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub company_title: Option<String>,
    /// Linked company.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub company_id: Option<i64>,
    /// Linked contact.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub contact_id: Option<i64>,
    /// Amount.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub opportunity: Option<f64>,
    /// Currency.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency_id: Option<String>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub assigned_by_id: Option<i64>,
    /// Created at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub date_create: Option<PortalDateTime>,
    /// Last changed at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub date_modify: Option<PortalDateTime>,
    /// Comment.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub comments: Option<String>,
    /// Phones.
    #[serde(default, deserialize_with = "lenient::list")]
    pub phone: Vec<Multifield>,
    /// E-mails.
    #[serde(default, deserialize_with = "lenient::list")]
    pub email: Vec<Multifield>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A contact (`crm.contact.get`, `crm.contact.list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Contact {
    /// Contact ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// First name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Middle name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub second_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    /// Position.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub post: Option<String>,
    /// Birth date.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub birthdate: Option<PortalDateTime>,
    /// Type (`CONTACT_TYPE` directory).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub type_id: Option<String>,
    /// Main company.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub company_id: Option<i64>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub assigned_by_id: Option<i64>,
    /// Created at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub date_create: Option<PortalDateTime>,
    /// Comment.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub comments: Option<String>,
    /// Phones.
    #[serde(default, deserialize_with = "lenient::list")]
    pub phone: Vec<Multifield>,
    /// E-mails.
    #[serde(default, deserialize_with = "lenient::list")]
    pub email: Vec<Multifield>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A company (`crm.company.get`, `crm.company.list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Company {
    /// Company ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// Type (`COMPANY_TYPE` directory).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub company_type: Option<String>,
    /// Industry (`INDUSTRY` directory).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub industry: Option<String>,
    /// Annual revenue.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub revenue: Option<f64>,
    /// Currency of the revenue.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency_id: Option<String>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub assigned_by_id: Option<i64>,
    /// One of the portal owner's own companies.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_my_company: Option<bool>,
    /// Created at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub date_create: Option<PortalDateTime>,
    /// Comment.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub comments: Option<String>,
    /// Phones.
    #[serde(default, deserialize_with = "lenient::list")]
    pub phone: Vec<Multifield>,
    /// E-mails.
    #[serde(default, deserialize_with = "lenient::list")]
    pub email: Vec<Multifield>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
