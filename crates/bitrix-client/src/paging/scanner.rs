//! The state machine behind the paging streams: one call (or one batch) per step.

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

use super::{IdKeys, ListQuery, OrderStyle, PAGE_SIZE, ScanMode, list_rows};
use crate::api::{BatchCall, BatchItem, BitrixApi, CallOutput};
use crate::batch::{MAX_BATCH_COMMANDS, result_ref};
use crate::error::Error;
use crate::model::lenient;

pub(super) struct Scanner<'a, A: ?Sized> {
    api: &'a A,
    method: String,
    base: Map<String, Value>,
    mode: ScanMode,
    pages: usize,
    keys: IdKeys,
    wrapper: Option<String>,
    order_style: OrderStyle,
    filter_key: String,
    done: bool,
    /// Offset mode: the next `start`, and (batched) the starts still to fetch.
    next_start: u64,
    first_page_done: bool,
    pending_starts: VecDeque<u64>,
    /// Fast scan: the last ID seen.
    cursor: i64,
    /// An error found after good rows: those rows go out first, the error next.
    pending_error: Option<Error>,
}

impl<'a, A: BitrixApi + ?Sized> Scanner<'a, A> {
    pub(super) fn new(api: &'a A, query: ListQuery) -> Result<Self, Error> {
        crate::client::check_method_name(&query.method)?;
        let mut base = match query.params {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => {
                return Err(Error::InvalidRequest(format!(
                    "list parameters must be a JSON object, not {other}"
                )));
            }
        };
        let lower = query.method.to_ascii_lowercase();
        let (filter_field, row_field, wrapper, order_style) = match lower.as_str() {
            "crm.item.list" => ("id", "id", Some("items"), OrderStyle::Map),
            "tasks.task.list" => ("ID", "id", Some("tasks"), OrderStyle::Map),
            "user.get" | "user.search" => ("ID", "ID", None, OrderStyle::SortAndOrder),
            _ => ("ID", "ID", None, OrderStyle::Map),
        };
        let keys = query.id_keys.unwrap_or_else(|| IdKeys {
            filter_field: filter_field.to_owned(),
            row_field: row_field.to_owned(),
        });
        let filter_key = if base.contains_key("FILTER") {
            "FILTER"
        } else {
            "filter"
        }
        .to_owned();
        let (next_start, cursor) = match query.mode {
            ScanMode::Offset => (take_offset_start(&mut base)?, 0),
            ScanMode::FastScan => (0, take_fast_scan_cursor(&mut base, &filter_key, &keys)?),
        };
        Ok(Self {
            api,
            method: query.method,
            base,
            mode: query.mode,
            pages: query.pages_per_request.clamp(1, MAX_BATCH_COMMANDS),
            keys,
            wrapper: query.wrapper.or(wrapper.map(str::to_owned)),
            order_style,
            filter_key,
            done: false,
            next_start,
            first_page_done: false,
            pending_starts: VecDeque::new(),
            cursor,
            pending_error: None,
        })
    }

    pub(super) async fn next_rows(&mut self) -> Result<Option<Vec<Value>>, Error> {
        if let Some(err) = self.pending_error.take() {
            self.done = true;
            return Err(err);
        }
        if self.done {
            return Ok(None);
        }
        let rows = match self.mode {
            ScanMode::Offset => self.next_offset_rows().await,
            ScanMode::FastScan if self.pages == 1 => self.next_fast_page().await,
            ScanMode::FastScan => self.next_fast_batch().await,
        };
        if rows.is_err() {
            self.done = true;
        }
        rows.map(Some)
    }

    // ---- offset paging ----

    fn offset_params(&self, start: u64) -> Value {
        let mut params = self.base.clone();
        params.insert("start".to_owned(), json!(start));
        Value::Object(params)
    }

    async fn next_offset_rows(&mut self) -> Result<Vec<Value>, Error> {
        if self.first_page_done && self.pages > 1 {
            return self.next_offset_batch().await;
        }
        let start = self.next_start;
        let output = self
            .api
            .call(&self.method, self.offset_params(start))
            .await?;
        let rows = self.rows_of(output.result)?.0;
        self.first_page_done = true;
        match output.next {
            Some(next) if next > start => {
                self.next_start = next;
                let total = output.total.unwrap_or(0);
                if self.pages > 1 && total > next {
                    self.pending_starts = (next..total).step_by(PAGE_SIZE).collect();
                } else if self.pages > 1 {
                    // No count to plan batches with: keep following `next` one page at a time.
                    self.pages = 1;
                }
            }
            Some(_) => self.fail_after(&rows, self.stalled(format!("offset {start}")))?,
            None => self.done = true,
        }
        Ok(rows)
    }

    async fn next_offset_batch(&mut self) -> Result<Vec<Value>, Error> {
        let take = self.pages.min(self.pending_starts.len());
        let starts: Vec<u64> = self.pending_starts.drain(..take).collect();
        if self.pending_starts.is_empty() {
            self.done = true;
        }
        let calls = starts
            .iter()
            .map(|start| BatchCall {
                key: format!("p{start}"),
                method: self.method.clone(),
                params: self.offset_params(*start),
            })
            .collect();
        let mut rows = Vec::new();
        for (_, item) in self.api.batch(calls, true).await?.items {
            rows.extend(self.rows_of(page_output(item)?.result)?.0);
        }
        Ok(rows)
    }

    // ---- fast scan ----

    fn fast_params(&self, cursor: Value) -> Value {
        let mut params = self.base.clone();
        if let Some(Value::Object(filter)) = params.get_mut(&self.filter_key) {
            filter.insert(format!(">{}", self.keys.filter_field), cursor);
        }
        match self.order_style {
            OrderStyle::Map => {
                params.insert(
                    "order".to_owned(),
                    json!({ self.keys.filter_field.clone(): "ASC" }),
                );
            }
            OrderStyle::SortAndOrder => {
                params.insert("sort".to_owned(), json!(self.keys.filter_field));
                params.insert("order".to_owned(), json!("ASC"));
            }
        }
        params.insert("start".to_owned(), json!(-1));
        Value::Object(params)
    }

    async fn next_fast_page(&mut self) -> Result<Vec<Value>, Error> {
        let output = self
            .api
            .call(&self.method, self.fast_params(json!(self.cursor)))
            .await?;
        let (rows, _) = self.rows_of(output.result)?;
        self.advance(&rows)?;
        if rows.len() < PAGE_SIZE {
            self.done = true;
        }
        Ok(rows)
    }

    async fn next_fast_batch(&mut self) -> Result<Vec<Value>, Error> {
        let reference = |index: usize, wrapper: &Option<String>, row_field: &str| {
            let last = (PAGE_SIZE - 1).to_string();
            let path: Vec<&str> = wrapper
                .iter()
                .map(String::as_str)
                .chain([last.as_str(), row_field])
                .collect();
            result_ref(&format!("p{index}"), path)
        };
        let calls = (0..self.pages)
            .map(|i| BatchCall {
                key: format!("p{i}"),
                method: self.method.clone(),
                params: self.fast_params(if i == 0 {
                    json!(self.cursor)
                } else {
                    json!(reference(i - 1, &self.wrapper, &self.keys.row_field))
                }),
            })
            .collect();
        let outcome = self.api.batch(calls, true).await?;
        let mut all = Vec::new();
        for (_, item) in outcome.items {
            let page = page_output(item).and_then(|out| self.rows_of(out.result));
            let (rows, wrapper) =
                match page.and_then(|(rows, w)| self.advance(&rows).map(|()| (rows, w))) {
                    Ok(page) => page,
                    Err(err) => {
                        self.fail_after(&all, err)?;
                        break;
                    }
                };
            let short = rows.len() < PAGE_SIZE;
            all.extend(rows);
            if short {
                // The end; commands after a short page referenced rows that do not exist.
                self.done = true;
                break;
            }
            if wrapper != self.wrapper {
                // The references assumed another shape: keep this page, redo the rest.
                self.wrapper = wrapper;
                break;
            }
        }
        Ok(all)
    }

    /// Checks that every row's ID is above the cursor (IDs ascending) and moves the cursor.
    fn advance(&mut self, rows: &[Value]) -> Result<(), Error> {
        for (index, row) in rows.iter().enumerate() {
            let field = &self.keys.row_field;
            let id = row
                .get(field)
                .map(lenient::value_to_i64)
                .and_then(Result::ok)
                .flatten()
                .ok_or_else(|| Error::Decode {
                    context: format!("a page of `{}`", self.method),
                    path: format!("[{index}].{field}"),
                    message: "the fast scan needs a numeric ID in every row (is it selected?)"
                        .to_owned(),
                    excerpt: crate::error::bounded(
                        &row.to_string(),
                        crate::envelope::EXCERPT_CHARS,
                    ),
                })?;
            if id <= self.cursor {
                return Err(self.stalled(format!("ID {}", self.cursor)));
            }
            self.cursor = id;
        }
        Ok(())
    }

    // ---- shared ----

    fn rows_of(&self, result: Value) -> Result<(Vec<Value>, Option<String>), Error> {
        list_rows(result, self.wrapper.as_deref()).map_err(|message| Error::Decode {
            context: format!("a page of `{}`", self.method),
            path: "result".to_owned(),
            message,
            excerpt: String::new(),
        })
    }

    /// Returns `err` now when no rows came before it; otherwise keeps it for the next poll.
    fn fail_after(&mut self, rows: &[Value], err: Error) -> Result<(), Error> {
        if rows.is_empty() {
            return Err(err);
        }
        self.pending_error = Some(err);
        self.done = true;
        Ok(())
    }

    fn stalled(&self, cursor: String) -> Error {
        Error::StalledCursor {
            method: self.method.clone(),
            cursor,
        }
    }
}

/// Removes the caller's `start` (the first offset) from the parameters.
fn take_offset_start(base: &mut Map<String, Value>) -> Result<u64, Error> {
    let Some(start) = base.remove("start") else {
        return Ok(0);
    };
    lenient::value_to_i64(&start)
        .ok()
        .flatten()
        .filter(|s| *s >= 0)
        .map(i64::unsigned_abs)
        .ok_or_else(|| Error::InvalidRequest("`start` must be a non-negative offset".to_owned()))
}

/// Checks the parameters of a fast scan and removes the caller's `>ID` (the first cursor).
fn take_fast_scan_cursor(
    base: &mut Map<String, Value>,
    filter_key: &str,
    keys: &IdKeys,
) -> Result<i64, Error> {
    if let Some(key) = ["order", "ORDER", "sort", "SORT", "start", "START"]
        .iter()
        .find(|k| base.contains_key(**k))
    {
        return Err(Error::InvalidRequest(format!(
            "the fast scan sets `{key}` itself (ID ascending, start=-1); remove it, or use offset paging"
        )));
    }
    let filter = base
        .entry(filter_key.to_owned())
        .or_insert_with(|| json!({}));
    if filter.as_array().is_some_and(Vec::is_empty) {
        *filter = json!({});
    }
    let Some(filter) = filter.as_object_mut() else {
        return Err(Error::InvalidRequest(format!(
            "`{filter_key}` must be an object"
        )));
    };
    let Some(start) = filter.remove(&format!(">{}", keys.filter_field)) else {
        return Ok(0);
    };
    lenient::value_to_i64(&start)
        .ok()
        .flatten()
        .ok_or_else(|| Error::InvalidRequest("the `>ID` filter must be a number".to_owned()))
}

fn page_output(item: BatchItem) -> Result<CallOutput, Error> {
    match item {
        BatchItem::Ok(output) => Ok(output),
        BatchItem::Err { code, description } => Err(Error::batch_command(code, description)),
        BatchItem::Skipped => Err(Error::Decode {
            context: "a batch of pages".to_owned(),
            path: "result".to_owned(),
            message: "the portal returned no result for a page".to_owned(),
            excerpt: String::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_scan_refuses_its_own_parameters() {
        struct Never;
        #[async_trait::async_trait]
        impl BitrixApi for Never {
            async fn call(&self, _: &str, _: Value) -> Result<CallOutput, Error> {
                unreachable!()
            }
            async fn batch(
                &self,
                _: Vec<BatchCall>,
                _: bool,
            ) -> Result<crate::api::BatchOutcome, Error> {
                unreachable!()
            }
        }
        for params in [
            json!({"order": {"ID": "DESC"}}),
            json!({"start": 0}),
            json!({"filter": 3}),
            json!(5),
        ] {
            let err = Scanner::new(&Never, ListQuery::fast_scan("crm.deal.list", params))
                .err()
                .unwrap();
            assert!(err.is_bad_argument(), "{err}");
        }
        let scanner = Scanner::new(
            &Never,
            ListQuery::fast_scan(
                "crm.item.list",
                json!({"entityTypeId": 2, "filter": {">id": "40"}}),
            ),
        )
        .ok()
        .unwrap();
        assert_eq!(scanner.cursor, 40);
        assert_eq!(
            scanner.fast_params(json!(40)),
            json!({"entityTypeId": 2, "filter": {">id": 40}, "order": {"id": "ASC"}, "start": -1})
        );
    }
}
