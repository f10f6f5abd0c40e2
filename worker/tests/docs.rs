//! The public pages each marketplace's listing links to: the setup guide per CRM and the
//! support page, served without a session, in each CRM's words, and the URLs the HubSpot
//! project declares for them answered by this worker.

mod common;

use aurora_crm_worker::router;
use axum::{body::Body, http::Request};
use reqwest::StatusCode;
use tower::ServiceExt;

/// `path`'s status, content type and text, through the Router.
async fn get(app: &axum::Router, path: &str) -> (StatusCode, String, String) {
    let response = app.clone().oneshot(Request::get(path).body(Body::empty()).expect("request")).await.expect("answer");
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, kind, String::from_utf8_lossy(&body).into_owned())
}

/// A worker serving the demo CRM and HubSpot, with a support address.
async fn app() -> axum::Router {
    let (mut state, _, _) = common::state("http://127.0.0.1:9", common::unix_now()).await;
    state.config = std::sync::Arc::new(common::config_with(
        "http://127.0.0.1:9",
        "http://127.0.0.1:8787",
        &[
            ("DEMO_CRM_BASE_URL", "http://127.0.0.1:8791"),
            ("DEMO_CRM_CLIENT_ID", common::CRM_CLIENT_ID),
            ("DEMO_CRM_CLIENT_SECRET", common::CRM_CLIENT_SECRET),
            ("HUBSPOT_CLIENT_ID", "aurora-solar-hubspot-test-client"),
            ("HUBSPOT_CLIENT_SECRET", "test-hubspot-client-secret-0123456789"),
            ("HUBSPOT_APP_ID", "4242001"),
            ("SUPPORT_EMAIL", "support@sunrise-solar.example"),
        ],
    ));
    router(state)
}

#[tokio::test]
async fn the_setup_guide_lists_each_crm_served_and_walks_through_install_to_uninstall() {
    let app = app().await;
    let (status, kind, index) = get(&app, "/docs").await;
    assert_eq!(status, StatusCode::OK, "{index}");
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(index.contains("href=\"/docs/hubspot\"") && index.contains("href=\"/docs/demo\""), "{index}");
    assert!(!index.contains("/docs/pipedrive"), "only the CRMs this worker serves: {index}");

    let (status, _, guide) = get(&app, "/docs/hubspot").await;
    assert_eq!(status, StatusCode::OK, "{guide}");
    assert!(guide.contains("Set up Aurora Solar in HubSpot"), "{guide}");
    for section in ["docs-install", "docs-link", "docs-place", "docs-uninstall"] {
        assert!(guide.contains(&format!("data-testid={section}><li>")), "{section} has steps: {guide}");
    }
    // In HubSpot's words: deals, its Super Admin, its marketplace; its own menus.
    assert!(guide.contains("HubSpot Super Admin") && guide.contains("Connected Apps"), "{guide}");
    assert!(
        guide.contains("The deal&#x27;s company&#x27;s address") || guide.contains("The deal's company's address"),
        "{guide}"
    );
    assert!(!guide.to_lowercase().contains("opportunit"), "HubSpot has deals: {guide}");

    let (status, _, demo) = get(&app, "/docs/demo").await;
    assert_eq!(status, StatusCode::OK);
    assert!(demo.contains("opportunity") && demo.contains("a CRM admin"), "{demo}");
    // A CRM this worker does not serve, or none at all: not found.
    assert_eq!(get(&app, "/docs/pipedrive").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/docs/nothing").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_support_page_says_where_to_write_and_what_the_messages_mean() {
    let app = app().await;
    let (status, _, support) = get(&app, "/support").await;
    assert_eq!(status, StatusCode::OK);
    assert!(support.contains("mailto:support@sunrise-solar.example"), "{support}");
    assert!(support.contains("Aurora Solar is slow to answer"), "{support}");
    assert!(support.contains("href=\"/docs\""), "{support}");
}

#[tokio::test]
async fn the_hubspot_projects_documentation_and_support_urls_are_this_workers_pages() {
    let app = app().await;
    let meta: serde_json::Value =
        serde_json::from_str(include_str!("../../hubspot/src/app/app-hsmeta.json")).expect("app-hsmeta.json");
    let support = &meta["config"]["support"];
    let (docs, help) = (
        support["documentationUrl"].as_str().expect("documentationUrl"),
        support["supportUrl"].as_str().expect("supportUrl"),
    );
    assert_ne!(docs, help, "HubSpot wants distinct URLs");
    for url in [docs, help] {
        let path = url.strip_prefix("https://aurora-crm.example.com").expect("on the worker's host");
        assert_eq!(get(&app, path).await.0, StatusCode::OK, "{url}");
    }
}
