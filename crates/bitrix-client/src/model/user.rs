//! Users (`user.get`, `user.current`, `user.search`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient::{self, PortalDateTime};

/// A portal user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct User {
    /// User ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Active (not dismissed).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub active: Option<bool>,
    /// First name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    /// Middle name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub second_name: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    /// Position.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub work_position: Option<String>,
    /// Departments.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub uf_department: Vec<i64>,
    /// Online now.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_online: Option<bool>,
    /// `employee`, `extranet`, `email`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub user_type: Option<String>,
    /// Last login.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub last_login: Option<PortalDateTime>,
    /// Registered at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub date_register: Option<PortalDateTime>,
    /// Last activity (often in the portal's local format).
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub last_activity_date: Option<PortalDateTime>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl User {
    /// "First Last", or whichever part is set.
    pub fn full_name(&self) -> String {
        [self.name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}
