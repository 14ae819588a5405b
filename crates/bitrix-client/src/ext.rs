//! Conveniences on top of any [`BitrixApi`]: typed calls, streams, batching of many calls.

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::{BatchCall, BatchItem, BitrixApi};
use crate::batch::{PartialBatchFailure, call_many};
use crate::envelope::decode_value;
use crate::error::Error;
use crate::paging::{ListQuery, list, list_as};

/// Typed calls, paging streams and batching for every [`BitrixApi`] (the [`crate::Client`],
/// a mock, or `dyn BitrixApi`). Import it to use the methods.
pub trait BitrixApiExt: BitrixApi {
    /// Calls a method and decodes its `result` as `T`; a mismatch names the JSON path.
    fn call_as<'a, T>(&'a self, method: &'a str, params: Value) -> BoxFuture<'a, Result<T, Error>>
    where
        T: DeserializeOwned + Send + 'a,
    {
        Box::pin(async move {
            let output = self.call(method, params).await?;
            decode_value(&output.result, &format!("the result of `{method}`"))
        })
    }

    /// Streams the rows of a list method (see [`ListQuery`]).
    fn list(&self, query: ListQuery) -> BoxStream<'_, Result<Value, Error>> {
        list(self, query)
    }

    /// Streams the rows of a list method decoded as `T`.
    fn list_as<'a, T>(&'a self, query: ListQuery) -> BoxStream<'a, Result<T, Error>>
    where
        T: DeserializeOwned + Send + 'a,
    {
        list_as(self, query)
    }

    /// Runs any number of calls in batches of 50; results come back in input order.
    fn call_many(
        &self,
        calls: Vec<BatchCall>,
        halt: bool,
    ) -> BoxFuture<'_, Result<Vec<(String, BatchItem)>, PartialBatchFailure>> {
        Box::pin(call_many(self, calls, halt))
    }
}

impl<A: BitrixApi + ?Sized> BitrixApiExt for A {}
