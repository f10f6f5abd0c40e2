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
