//! The Aurora partner-API stand-in. Unknown paths answer as Aurora does: a JSON
//! `{"errors":[{"message":...}]}` body.

use axum::{Json, Router, http::StatusCode, routing::get};
use serde_json::{Value, json};

/// The Aurora sandbox's routes.
pub fn router() -> Router {
    Router::new().route("/health", get(|| async { Json(json!({ "status": "ok" })) })).fallback(not_found)
}

async fn not_found() -> (StatusCode, Json<Value>) {
    (StatusCode::NOT_FOUND, Json(json!({ "errors": [{ "message": "Not found" }] })))
}
