//! What `cargo xtask bench` needs of the running system before it measures: an installed,
//! linked demo CRM account with an opportunity whose design is ready, as a rep's widget
//! would see it. Prints one `BENCH_STATE {json}` line: the widget token, the opportunity,
//! its state's ETag and JSON, and the embed page's URL with a fresh signed context.
//! Not a test of behaviour (that is `conformance.rs`): run by `cargo xtask bench` only.

use conformance::{System, context, install_and_link, unix_now};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
#[ignore = "run by `cargo xtask bench` against the system it starts"]
#[allow(clippy::print_stdout)] // its output is what the bench reads
async fn bench_prepare_a_ready_design() {
    let system = System::from_env();
    install_and_link(&system, "ada@sunrise.example", &system.tenant).await;
    let opportunity = format!("opp-bench-{}", unix_now());
    let address = json!({ "property_address": "901 Mears Ct, Stanford, CA 94305" });
    // Ten minutes: the figures that use it run within them.
    let signed = context(&system.crm_client_secret, "acct-sunrise", &opportunity, address, unix_now() + 600);
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{}/v1/sessions", system.worker))
        .json(&json!({ "crm": "demo", "context": signed }))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    let token = session["token"].as_str().expect("a widget token").to_owned();
    let url = format!("{}/v1/opportunities/{opportunity}", system.worker);
    let created = http.post(format!("{url}/project")).bearer_auth(&token).send().await.expect("create");
    assert!(created.status().is_success(), "create: {}", created.status());
    for _ in 0..120 {
        let response = http.get(&url).bearer_auth(&token).send().await.expect("state");
        let state: Value = response.json().await.expect("json");
        if state["state"] == "design_ready" {
            // What the widget polls: the screen, and its ETag (no Accept-Language, as wrk).
            let screen = http.get(format!("{url}/screen")).bearer_auth(&token).send().await.expect("screen");
            assert!(screen.status().is_success(), "screen: {}", screen.status());
            let etag = screen.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let embed_url = format!("{}/embed/demo?context={signed}", system.worker);
            let ready = json!({ "token": token, "opportunity": opportunity, "etag": etag, "state": state, "embed_url": embed_url });
            println!("BENCH_STATE {ready}");
            return;
        }
        system.sweep().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the design of {opportunity} never became ready");
}
