//! The boundary trait and the data that crosses it.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;
use crate::model::lenient;

/// The `time` object of a Bitrix24 response envelope.
///
/// Every field is optional and accepts an integer, a float or a numeric string, because
/// portals differ in what they send.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeInfo {
    /// Seconds the portal spent on this request.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub duration: Option<f64>,
    /// Seconds of the method's operating-time budget used in the current window.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub operating: Option<f64>,
    /// Unix time when the operating budget window resets.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub operating_reset_at: Option<i64>,
    /// Unix time (seconds, fractional) when the portal started the request.
    #[serde(
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<f64>,
    /// Unix time (seconds, fractional) when the portal finished the request.
    #[serde(
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub finish: Option<f64>,
    /// Seconds of processing (sometimes missing).
    #[serde(
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub processing: Option<f64>,
}

/// The successful answer to one REST call: the envelope with `result` and paging fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallOutput {
    /// The `result` field, as the portal sent it.
    pub result: Value,
    /// `total` for list methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// `next` offset for list methods, when there is another page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
    /// The `time` object, when the portal sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeInfo>,
}

/// One command of a `batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchCall {
    /// The key of this command in `cmd` (and in the results); `$result[key]` refers to it.
    pub key: String,
    /// The REST method, e.g. `crm.deal.get`.
    pub method: String,
    /// The method's parameters as JSON; encoded into the `method?query` string.
    pub params: Value,
}

/// The outcome of one command of a `batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BatchItem {
    /// The command ran and returned a result.
    Ok(CallOutput),
    /// The command failed with Bitrix's own error.
    Err {
        /// Bitrix's `error` code.
        code: String,
        /// Bitrix's `error_description`.
        description: String,
    },
    /// The command was not run (an earlier one failed with `halt`, or the portal omitted it).
    Skipped,
}

impl BatchItem {
    /// The item a batch holds for a command that, called alone, gave `result`: what a mock
    /// portal (or any `BitrixApi` that runs batches one call at a time) returns per command.
    ///
    /// An error keeps Bitrix's own code and description when it has them, and otherwise its
    /// message under the empty code.
    pub fn from_result(result: Result<CallOutput, crate::Error>) -> Self {
        match result {
            Ok(output) => BatchItem::Ok(output),
            Err(e) => BatchItem::Err {
                code: e.code().unwrap_or_default().to_owned(),
                description: e.description().map_or_else(|| e.to_string(), str::to_owned),
            },
        }
    }
}

/// The outcome of a whole `batch`, one item per input command, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchOutcome {
    /// `(key, item)` pairs in the order the commands were given.
    pub items: Vec<(String, BatchItem)>,
    /// The batch request's own `time` object.
    #[serde(default)]
    pub time: Option<TimeInfo>,
}

/// The object-safe boundary through which the agent reaches a Bitrix24 portal.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait BitrixApi: Send + Sync {
    /// Calls one REST method with JSON parameters and returns its envelope.
    async fn call(&self, method: &str, params: Value) -> Result<CallOutput, Error>;

    /// Runs up to 50 commands as one `batch` request.
    async fn batch(&self, calls: Vec<BatchCall>, halt: bool) -> Result<BatchOutcome, Error>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn batch_items_from_single_call_results() {
        let output = CallOutput {
            result: serde_json::json!(7),
            total: None,
            next: None,
            time: None,
        };
        assert_eq!(
            BatchItem::from_result(Ok(output.clone())),
            BatchItem::Ok(output)
        );
        assert_eq!(
            BatchItem::from_result(Err(Error::api(403, "ACCESS_DENIED", "Access denied"))),
            BatchItem::Err {
                code: "ACCESS_DENIED".into(),
                description: "Access denied".into()
            }
        );
        let BatchItem::Err { code, description } =
            BatchItem::from_result(Err(Error::transport("connection reset")))
        else {
            panic!("a transport error is an error item");
        };
        assert_eq!(code, "");
        assert!(description.contains("connection reset"), "{description}");
    }
}
