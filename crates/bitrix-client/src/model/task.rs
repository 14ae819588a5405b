//! Tasks (`tasks.task.*`): camelCase output, every value a string.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient::{self, PortalDateTime};

/// A person attached to a task (`creator`, `responsible`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskMember {
    /// User ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Position.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub work_position: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A task (`tasks.task.get` → `{"task": ...}`, `tasks.task.list` → `{"tasks": [...]}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Task ID.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub id: Option<i64>,
    /// Title.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// Description (BB codes).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// 2 pending, 3 in progress, 4 awaiting control, 5 completed, 6 deferred.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
    /// Status with the extra meta states (-1 overdue, -2 unviewed, -3 almost overdue).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub sub_status: Option<i64>,
    /// 0 low, 1 medium, 2 high.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub priority: Option<i64>,
    /// Responsible user.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub responsible_id: Option<i64>,
    /// Creator.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_by: Option<i64>,
    /// Created at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub created_date: Option<PortalDateTime>,
    /// Last changed at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub changed_date: Option<PortalDateTime>,
    /// Closed at.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub closed_date: Option<PortalDateTime>,
    /// Deadline.
    #[serde(default, deserialize_with = "lenient::opt_datetime")]
    pub deadline: Option<PortalDateTime>,
    /// Workgroup (0: none).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub group_id: Option<i64>,
    /// Parent task.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub parent_id: Option<i64>,
    /// Auditors.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub auditors: Vec<i64>,
    /// Participants.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub accomplices: Vec<i64>,
    /// CRM links such as `D_10`, `C_7`, `CO_5`.
    #[serde(default, deserialize_with = "lenient::string_list")]
    pub uf_crm_task: Vec<String>,
    /// The creator's card.
    #[serde(default)]
    pub creator: Option<TaskMember>,
    /// The responsible user's card.
    #[serde(default)]
    pub responsible: Option<TaskMember>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
