//! Typed, lenient models of the entities the agent works with.
//!
//! Every field is optional (a `select` may leave it out) and decoded leniently: numbers may come
//! as strings, empty dates as `""`, empty maps as `[]`. Fields a model does not name are kept in
//! its `other` map, so nothing the portal sent is lost.

mod crm;
mod item;
pub mod lenient;
mod misc;
mod task;
mod user;

pub use crm::{Company, Contact, Deal, Lead, Multifield};
pub use item::{CrmItem, ItemMultifield};
pub use lenient::PortalDateTime;
pub use misc::{
    Category, CreatedId, EnumItem, FieldDescription, ItemFields, Status, StatusExtra,
    TimelineComment, TodoActivity,
};
pub use task::{Task, TaskMember};
pub use user::User;
