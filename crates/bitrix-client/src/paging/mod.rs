//! List methods as streams of rows: offset paging that follows `next`, and the fast full scan
//! by ID (`start=-1`) with several pages per `batch`.

mod scanner;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::BitrixApi;
use crate::batch::MAX_BATCH_COMMANDS;
use crate::envelope::decode_value;
use crate::error::Error;
use scanner::Scanner;

/// Rows per page of every classic list method; the portal does not let it change.
pub const PAGE_SIZE: usize = 50;

/// How a list is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanMode {
    /// `start=0, 50, ...` following the portal's `next`; keeps the caller's order and filter.
    Offset,
    /// Order by ID ascending, filter `>ID` on the last ID seen, `start=-1` (no count), stop on
    /// a short page. The fast way to export everything.
    FastScan,
}

/// The ID field of a list for the fast scan: its name in `filter`/`order`, and in the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdKeys {
    /// Name used in `filter` (`>ID`) and `order`, e.g. `ID`, or `id` for `crm.item.list`.
    pub filter_field: String,
    /// Name of the ID in each row, e.g. `ID`, or `id` for `crm.item.list` and tasks.
    pub row_field: String,
}

/// How a method takes its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OrderStyle {
    /// `order: {FIELD: "ASC"}`.
    Map,
    /// `sort: FIELD, order: "ASC"` (`user.get`, `user.search`).
    SortAndOrder,
}

/// A list request to stream: method, parameters and how to walk it.
#[derive(Debug, Clone)]
pub struct ListQuery {
    method: String,
    params: Value,
    mode: ScanMode,
    pages_per_request: usize,
    id_keys: Option<IdKeys>,
    wrapper: Option<String>,
}

impl ListQuery {
    /// Offset paging, one page per request; pass an `order` for a stable sequence.
    pub fn offset(method: impl Into<String>, params: Value) -> Self {
        Self::new(method.into(), params, ScanMode::Offset, 1)
    }

    /// The fast full scan by ID, 50 pages (2,500 rows) per request. The parameters must not
    /// set `order` or `start`; a `>ID` in the filter is where the scan starts.
    pub fn fast_scan(method: impl Into<String>, params: Value) -> Self {
        Self::new(
            method.into(),
            params,
            ScanMode::FastScan,
            MAX_BATCH_COMMANDS,
        )
    }

    fn new(method: String, params: Value, mode: ScanMode, pages: usize) -> Self {
        Self {
            method,
            params,
            mode,
            pages_per_request: pages,
            id_keys: None,
            wrapper: None,
        }
    }

    /// Pages per HTTP request (1 to 50). Above 1 the pages go in one `batch`; offset paging
    /// then learns `total` from the first page and fetches the rest in batches.
    pub fn pages_per_request(mut self, pages: usize) -> Self {
        self.pages_per_request = pages.clamp(1, MAX_BATCH_COMMANDS);
        self
    }

    /// Sets the ID field names for the fast scan (defaults depend on the method).
    pub fn id_keys(
        mut self,
        filter_field: impl Into<String>,
        row_field: impl Into<String>,
    ) -> Self {
        self.id_keys = Some(IdKeys {
            filter_field: filter_field.into(),
            row_field: row_field.into(),
        });
        self
    }

    /// Sets the key the rows are wrapped in (`items` for `crm.item.list`, `tasks` for
    /// `tasks.task.list`; detected by default).
    pub fn wrapper(mut self, key: impl Into<String>) -> Self {
        self.wrapper = Some(key.into());
        self
    }

    /// The list method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The scan mode.
    pub fn mode(&self) -> ScanMode {
        self.mode
    }
}

/// Streams the rows of a list method through any [`BitrixApi`].
pub fn list<'a, A: BitrixApi + ?Sized>(
    api: &'a A,
    query: ListQuery,
) -> BoxStream<'a, Result<Value, Error>> {
    let scanner = match Scanner::new(api, query) {
        Ok(scanner) => scanner,
        Err(err) => return stream::once(async { Err(err) }).boxed(),
    };
    stream::try_unfold(scanner, |mut scanner| async move {
        Ok::<_, Error>(scanner.next_rows().await?.map(|rows| (rows, scanner)))
    })
    .map_ok(|rows| stream::iter(rows.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

/// Streams the rows of a list method decoded as `T`; a row that does not decode is an error
/// naming the row and the field.
pub fn list_as<'a, A, T>(api: &'a A, query: ListQuery) -> BoxStream<'a, Result<T, Error>>
where
    A: BitrixApi + ?Sized,
    T: DeserializeOwned + Send + 'a,
{
    let method = query.method.clone();
    list(api, query)
        .enumerate()
        .map(move |(index, row)| {
            row.and_then(|row| decode_value(&row, &format!("row {index} of `{method}`")))
        })
        .boxed()
}

/// The rows of a list `result`: an array, or an object wrapping one (`{"items": [...]}`,
/// `{"tasks": [...]}`), or a map keyed by ID. Returns the wrapper key found.
pub fn list_rows(
    result: Value,
    wrapper: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), String> {
    match result {
        Value::Array(rows) => Ok((rows, None)),
        Value::Null => Ok((Vec::new(), wrapper.map(str::to_owned))),
        Value::Object(mut map) => {
            let key = wrapper
                .filter(|key| map.contains_key(*key))
                .map(str::to_owned)
                .or_else(|| match map.iter().next() {
                    Some((key, Value::Array(_))) if map.len() == 1 => Some(key.clone()),
                    _ => None,
                });
            match key {
                Some(key) => match map.remove(&key) {
                    Some(Value::Array(rows)) => Ok((rows, Some(key))),
                    Some(Value::Object(rows)) => {
                        Ok((rows.into_iter().map(|(_, v)| v).collect(), Some(key)))
                    }
                    Some(Value::Null) | None => Ok((Vec::new(), Some(key))),
                    Some(other) => Err(format!("`{key}` holds {other} instead of a list")),
                },
                None if map.values().all(Value::is_object) => {
                    Ok((map.into_iter().map(|(_, v)| v).collect(), None))
                }
                None => Err("a list result must be an array or an object wrapping one".to_owned()),
            }
        }
        other => Err(format!("a list result must be an array, not {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_rows_in_every_shape() {
        let rows = |v: Value, w: Option<&str>| list_rows(v, w).unwrap();
        assert_eq!(
            rows(json!([{"ID": "1"}]), None),
            (vec![json!({"ID": "1"})], None)
        );
        assert_eq!(
            rows(json!({"tasks": [{"id": "1"}]}), None).1.as_deref(),
            Some("tasks")
        );
        assert_eq!(
            rows(json!({"items": []}), Some("items")),
            (vec![], Some("items".to_owned()))
        );
        assert_eq!(
            rows(json!({"5": {"ID": 5}, "7": {"ID": 7}}), None).0.len(),
            2
        );
        assert_eq!(rows(json!({}), None).0.len(), 0);
        assert!(list_rows(json!({"a": 1, "b": [1]}), None).is_err());
        assert!(list_rows(json!(true), None).is_err());
    }
}
