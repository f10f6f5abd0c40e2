//! `GET /health`: for load balancers and `cargo xtask dev` to know the worker answers.

use axum::Json;
use serde_json::{Value, json};

/// `GET /health`: the worker is up and its Router answers.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
