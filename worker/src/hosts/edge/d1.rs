//! [`Database`] over Cloudflare D1. D1's futures hold JS values and are not `Send`; a
//! Worker runs on one thread, so wrapping them in `SendFuture` is sound here.

use crate::storage::{Database, Row, SqlValue, StorageError};
use async_trait::async_trait;
use wasm_bindgen::JsValue;
use worker::{D1Database, send::SendFuture};

/// The Worker's D1 binding.
pub struct D1(pub D1Database);

/// D1 rejects BigInts: every number is bound as a JS number (our integers stay < 2^53).
fn to_js(params: &[SqlValue]) -> Vec<JsValue> {
    params
        .iter()
        .map(|p| match p {
            SqlValue::Null => JsValue::NULL,
            SqlValue::Integer(i) => JsValue::from_f64(*i as f64),
            SqlValue::Real(r) => JsValue::from_f64(*r),
            SqlValue::Text(t) => JsValue::from_str(t),
        })
        .collect()
}

fn backend(error: worker::Error) -> StorageError {
    StorageError::Backend(error.to_string())
}

#[async_trait]
impl Database for D1 {
    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StorageError> {
        let statement = self.0.prepare(sql);
        let values = to_js(params);
        SendFuture::new(async move {
            let result = statement.bind(&values).map_err(backend)?.run().await.map_err(backend)?;
            Ok(result.meta().map_err(backend)?.and_then(|m| m.changes).unwrap_or(0) as u64)
        })
        .await
    }

    /// D1's batch: "Batched statements are SQL transactions. If a statement in the sequence
    /// fails, then an error is returned for that specific statement, and it aborts or rolls
    /// back the entire sequence" (https://developers.cloudflare.com/d1/worker-api/d1-database/#batch).
    async fn execute_together(&self, statements: &[(&str, &[SqlValue])]) -> Result<Vec<u64>, StorageError> {
        let bound = statements
            .iter()
            .map(|(sql, params)| self.0.prepare(*sql).bind(&to_js(params)).map_err(backend))
            .collect::<Result<Vec<_>, _>>()?;
        let database = &self.0;
        SendFuture::new(async move {
            let results = database.batch(bound).await.map_err(backend)?;
            results
                .iter()
                .map(|result| Ok(result.meta().map_err(backend)?.and_then(|m| m.changes).unwrap_or(0) as u64))
                .collect()
        })
        .await
    }

    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StorageError> {
        let statement = self.0.prepare(sql);
        let values = to_js(params);
        SendFuture::new(async move {
            let result = statement.bind(&values).map_err(backend)?.all().await.map_err(backend)?;
            result.results::<Row>().map_err(backend)
        })
        .await
    }
}
