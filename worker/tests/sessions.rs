//! `POST /v1/sessions` through the one Router, with a real SQLite database (in memory).

mod common;

use aurora_crm_worker::{hosts::native::sqlite::SqliteDatabase, router, storage, widget_token};
use axum::{
    body::{Body, to_bytes},
    http::{Request, StatusCode},
};
use common::{CRM_CLIENT_SECRET, FORGED_SECRET, SIGNING};
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
    let claims = widget_token::verify(body["token"].as_str().expect("token"), SIGNING.as_bytes(), NOW as i64)
        .expect("our token");
    assert_eq!((claims.account_id.as_str(), claims.opportunity_id.as_str()), ("acct-a", "opp-1"));
    let rows = db_rows(&db, "SELECT name FROM opportunities WHERE account_id = 'acct-a'").await;
    assert_eq!(rows, vec![json!({"name": "Rivera residence"})], "the opportunity was recorded");
}

async fn db_rows(db: &SqliteDatabase, sql: &str) -> Vec<Value> {
    use storage::Database;
    db.query(sql, &[]).await.expect("query").into_iter().map(Value::Object).collect()
}

#[tokio::test]
async fn bad_contexts_get_our_error_body_and_no_token() {
    let (app, _) = app().await;
    let good = context("acct-a", NOW + 300, Algorithm::HS256, CRM_CLIENT_SECRET);
    let cases = [
        ("tampered", session_body("demo", &format!("{good}x")), StatusCode::UNAUTHORIZED, "invalid_context"),
        (
            "expired",
            session_body("demo", &context("acct-a", NOW - 61, Algorithm::HS256, CRM_CLIENT_SECRET)),
            StatusCode::UNAUTHORIZED,
            "context_expired",
        ),
        (
            "wrong algorithm",
            session_body("demo", &context("acct-a", NOW + 300, Algorithm::HS512, CRM_CLIENT_SECRET)),
            StatusCode::UNAUTHORIZED,
            "invalid_context",
        ),
        // Claims to be account A, signed with account B's secret: forging another account fails.
        (
            "forged secret",
            session_body("demo", &context("acct-a", NOW + 300, Algorithm::HS256, FORGED_SECRET)),
            StatusCode::UNAUTHORIZED,
            "invalid_context",
        ),
        (
            "not installed",
            session_body("demo", &context("acct-z", NOW + 300, Algorithm::HS256, CRM_CLIENT_SECRET)),
            StatusCode::FORBIDDEN,
            "not_installed",
        ),
        ("unknown CRM", session_body("hubspot", &good), StatusCode::BAD_REQUEST, "unknown_crm"),
        ("not JSON", "{".into(), StatusCode::BAD_REQUEST, "malformed_json"),
        ("missing field", json!({"crm": "demo"}).to_string(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        ("too large", session_body("demo", &"x".repeat(70 * 1024)), StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
    ];
    for (name, body, status, code) in cases {
        let (got, answer) = post_session(&app, body).await;
        assert_eq!(got, status, "{name}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{name}: {answer}");
        assert!(
            answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}: a message says what is wrong"
        );
        assert!(answer.get("token").is_none(), "{name}: no token");
    }
}

#[tokio::test]
async fn cors_answers_only_the_configured_crm_origins_and_embed_pages_name_their_framers() {
    let (app, _) = app().await;
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/v1/sessions")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .expect("request")
    };
    let allowed = app.clone().oneshot(preflight("http://127.0.0.1:8791")).await.expect("response");
    assert_eq!(
        allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some("http://127.0.0.1:8791")
    );
    let other = app.clone().oneshot(preflight("https://evil.example")).await.expect("response");
    assert!(other.headers().get("access-control-allow-origin").is_none(), "no CORS for other origins");

    let embed = app
        .clone()
        .oneshot(Request::get("/embed/demo?context=x").body(Body::empty()).expect("request"))
        .await
        .expect("embed");
    let csp = embed.headers()["content-security-policy"].to_str().expect("csp");
    assert!(csp.ends_with("frame-ancestors http://127.0.0.1:8791"), "{csp}");
    let (status, body) = {
        let response = app
            .clone()
            .oneshot(Request::get("/embed/hubspot").body(Body::empty()).expect("request"))
            .await
            .expect("embed");
        (response.status(), to_bytes(response.into_body(), 1 << 16).await.expect("body"))
    };
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("unknown_crm"));
}

#[tokio::test]
async fn every_error_is_our_json_body_whatever_part_of_the_request_is_wrong() {
    let (app, _) = app().await;
    let (token, _) = common::open_session(
        &app,
        &common::demo_context(
            "acct-unlinked",
            "opp-1",
            json!({"property_address": "1 Main St"}),
            CRM_CLIENT_SECRET,
            NOW,
        ),
    )
    .await;
    let requests = [
        (Request::put("/v1/sessions").body(Body::empty()), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (
            Request::get("/v1/opportunities/%FF")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty()),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            Request::post("/settings/demo/acct-unlinked/tenant")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("tenant_id=x")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_form",
        ),
        (Request::get("/no/such/page").body(Body::empty()), StatusCode::NOT_FOUND, "not_found"),
    ];
    for (request, status, code) in requests {
        let request = request.expect("request");
        let what = format!("{} {}", request.method(), request.uri());
        let (got, headers, body) = common::call(&app, request).await;
        assert_eq!((got, body["error"]["code"].as_str()), (status, Some(code)), "{what}: {body}");
        assert_eq!(headers["content-type"], "application/json", "{what}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
    }
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
