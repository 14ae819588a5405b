//! The REST methods, grouped by family, and what they share.

mod crm;
mod crm_item;
mod crm_misc;
mod crm_write;
mod misc;
mod tasks;
mod users;

use serde_json::Value;

use crate::decode::Params;
use crate::errors::ApiError;
use crate::listing::Page;
use crate::portal::Portal;

pub(crate) use crm_write::{Kind, new_multifield};

/// What a method returns: the `result`, and for lists `total` and `next`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Output {
    pub result: Value,
    pub total: Option<u64>,
    pub next: Option<u64>,
}

impl Output {
    /// A plain result.
    pub(crate) fn value(result: impl Into<Value>) -> Self {
        Self {
            result: result.into(),
            total: None,
            next: None,
        }
    }

    /// A list page with its `total` and `next`.
    pub(crate) fn list(result: Value, page: &Page) -> Self {
        Self {
            result,
            total: Some(page.total),
            next: page.next,
        }
    }
}

/// The result of a method.
pub(crate) type MethodResult = Result<Output, ApiError>;

/// A family of methods: its names and the function that runs them.
pub(crate) struct Family {
    pub names: &'static [&'static str],
    pub call: fn(&Portal, &str, &Params) -> MethodResult,
}

const FAMILIES: &[&Family] = &[
    &crm::FAMILY,
    &crm_item::FAMILY,
    &crm_misc::FAMILY,
    &tasks::FAMILY,
    &users::FAMILY,
    &misc::FAMILY,
];

/// Runs a method by its lowercase name.
pub(crate) fn dispatch(portal: &Portal, method: &str, params: &Params) -> MethodResult {
    FAMILIES
        .iter()
        .find(|f| f.names.contains(&method))
        .map_or_else(
            || Err(ApiError::method_not_found()),
            |f| (f.call)(portal, method, params),
        )
}

/// Every method name the portal serves (plus `batch`), for `methods`.
pub(crate) fn all_method_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = FAMILIES
        .iter()
        .flat_map(|f| f.names.iter().copied())
        .collect();
    names.push("batch");
    names.sort_unstable();
    names
}

/// A parameter by its exact name.
pub(crate) fn exact<'a>(params: &'a Params, name: &str) -> Option<&'a Value> {
    params.get(name)
}

/// A parameter by name, in any letter case (legacy methods accept `FIELDS` for `fields`).
pub(crate) fn any_case<'a>(params: &'a Params, name: &str) -> Option<&'a Value> {
    params.get(name).or_else(|| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_are_unique_and_lowercase() {
        let names = all_method_names();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names.len(), unique.len());
        assert!(names.iter().all(|n| *n == n.to_ascii_lowercase()));
    }
}
