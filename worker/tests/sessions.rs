//! `POST /v1/sessions` through the one Router, with a real SQLite database (in memory):
//! what only an in-process test sees (the rows a session records, the token's claims, the
//! headers of admin pages). What any client sees of sessions, CORS and error bodies is the
//! conformance suite's (`tests/conformance`), run in-process and against both hosts.

mod common;

use aurora_crm_worker::{hosts::native::sqlite::SqliteDatabase, router, storage, widget_token};
use axum::{
    body::{Body, to_bytes},
    http::{Request, StatusCode},
};
use common::{CRM_CLIENT_SECRET, SIGNING};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tower::ServiceExt;

const NOW: u64 = 1_790_000_000;

async fn app() -> (axum::Router, SqliteDatabase) {
    // Sessions never call Aurora; the URL only has to be a valid setting.
    let (state, db, _) = common::state("http://127.0.0.1:9", NOW).await;
    storage::installations::upsert(&db, aurora_crm_worker::crm::Crm::Demo, "acct-unlinked", None, 1)
        .await
        .expect("unlinked");
    (router(state), db)
}

fn context(account: &str, exp: u64, alg: Algorithm, secret: &str) -> String {
    let claims = json!({
        "account_id": account, "user_id": "rep-1", "opportunity_id": "opp-1",
        "opportunity_name": "Rivera residence", "property_address": "901 Mears Ct, Stanford, CA 94305", "exp": exp
    });
    encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret.as_bytes())).expect("sign")
}

async fn post_session(app: &axum::Router, body: String) -> (StatusCode, Value) {
    let request = Request::post("/v1/sessions")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn session_body(crm: &str, context: &str) -> String {
    json!({ "crm": crm, "context": context }).to_string()
}

#[tokio::test]
async fn a_good_context_opens_a_session_with_a_short_lived_token_for_that_account_only() {
    let (app, db) = app().await;
    let (status, body) =
        post_session(&app, session_body("demo", &context("acct-a", NOW + 300, Algorithm::HS256, CRM_CLIENT_SECRET)))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["opportunity"]["location"]["property_address"], "901 Mears Ct, Stanford, CA 94305");
    assert!(body["expires_in"].as_u64().expect("expires_in") <= 15 * 60);
    // Signed under the widget-token key derived from the master secret, never the master itself.
    let token = body["token"].as_str().expect("token");
    assert!(widget_token::verify(token, SIGNING.as_bytes(), NOW as i64).is_err(), "not under the master secret");
    let key =
        aurora_crm_worker::crypto::derive_key(SIGNING.as_bytes(), aurora_crm_worker::crypto::Purpose::WidgetToken);
    let claims = widget_token::verify(token, &key, NOW as i64).expect("our token");
    assert_eq!((claims.account_id.as_str(), claims.opportunity_id.as_str()), ("acct-a", "opp-1"));
    let rows = db_rows(&db, "SELECT name FROM opportunities WHERE account_id = 'acct-a'").await;
    assert_eq!(rows, vec![json!({"name": "Rivera residence"})], "the opportunity was recorded");
}

async fn db_rows(db: &SqliteDatabase, sql: &str) -> Vec<Value> {
    use storage::Database;
    db.query(sql, &[]).await.expect("query").into_iter().map(Value::Object).collect()
}

#[tokio::test]
async fn admin_pages_and_their_errors_are_never_framed_cached_or_scripted() {
    let (app, _) = app().await;
    for path in ["/settings/demo/acct-unlinked", "/install/demo/start", "/install/demo/callback?error=access_denied"] {
        let (status, headers, _) = common::call(&app, Request::get(path).body(Body::empty()).expect("request")).await;
        assert!(status.is_client_error() || status.is_redirection(), "{path}: {status}");
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(header("content-security-policy").contains("frame-ancestors 'none'"), "{path}");
        assert!(header("content-security-policy").contains("default-src 'none'"), "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
    }
}
