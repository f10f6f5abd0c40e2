//! The HubSpot project (`hubspot/`) agrees with the worker: the scopes the worker asks
//! for are the ones the app declares, the card fetches and frames the worker's origin and
//! calls its card endpoint, OAuth returns to the worker's callback, webhooks go to the
//! URL whose signatures the worker checks, and the card names every state the widget has.

use aurora_crm_worker::crm::hubspot::{card, client};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../hubspot")
}

fn json(relative: &str) -> Value {
    let path = project().join(relative);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(value: &Value) -> Vec<&str> {
    value.as_array().expect("a list").iter().map(|v| v.as_str().expect("a string")).collect()
}

/// `WORKER_URL` as `config.ts` sets it.
fn worker_url() -> String {
    let config = std::fs::read_to_string(project().join("src/app/cards/config.ts")).expect("config.ts");
    let line = config.lines().find(|l| l.starts_with("export const WORKER_URL = ")).expect("WORKER_URL");
    line.split('"').nth(1).expect("a quoted URL").to_owned()
}

#[test]
fn the_app_declares_what_the_worker_asks_for_and_where_it_answers() {
    let app = json("src/app/app-hsmeta.json");
    let config = &app["config"];
    assert_eq!(app["type"], "app");
    assert_eq!(config["distribution"], "marketplace");
    assert_eq!(config["auth"]["type"], "oauth");
    assert_eq!(strings(&config["auth"]["requiredScopes"]), client::REQUIRED_SCOPES);
    assert_eq!(strings(&config["auth"]["optionalScopes"]), client::OPTIONAL_SCOPES);
    let worker = worker_url();
    assert_eq!(strings(&config["auth"]["redirectUrls"]), [format!("{worker}/install/hubspot/callback")]);
    // `hubspot.fetch` and the iframe modal may reach the worker's origin, https only.
    assert_eq!(strings(&config["permittedUrls"]["fetch"]), [worker.as_str()]);
    assert_eq!(strings(&config["permittedUrls"]["iframe"]), [worker.as_str()]);
    assert!(worker.starts_with("https://") && !worker.contains("localhost"), "{worker}");

    let hooks = json("src/app/webhooks/webhooks-hsmeta.json");
    assert_eq!(hooks["config"]["settings"]["targetUrl"], format!("{worker}/webhooks/crm/hubspot"));
    let subscriptions = hooks["config"]["subscriptions"]["crmObjects"].as_array().expect("subscriptions");
    assert!(
        subscriptions
            .iter()
            .any(|s| s["subscriptionType"] == "object.creation" && s["objectType"] == "deal" && s["active"] == true),
        "new deals are subscribed: {subscriptions:?}"
    );
}

#[test]
fn the_card_is_a_deal_tab_whose_code_calls_the_card_endpoint_and_names_every_state() {
    let project_file = json("hsproject.json");
    let src = project().join(project_file["srcDir"].as_str().expect("srcDir"));
    let card_meta = json("src/app/cards/deal-card-hsmeta.json");
    assert_eq!(card_meta["type"], "card");
    assert_eq!(card_meta["config"]["location"], "crm.record.tab");
    assert_eq!(strings(&card_meta["config"]["objectTypes"]), ["deals"]);
    let entry = card_meta["config"]["entrypoint"].as_str().expect("entrypoint");
    let code = std::fs::read_to_string(src.join(entry.trim_start_matches('/'))).expect("the card's entrypoint");
    let config = std::fs::read_to_string(project().join("src/app/cards/config.ts")).expect("config.ts");
    assert!(config.contains(&format!("`${{base}}{}`", card::PATH)), "config.ts calls {}", card::PATH);
    assert!(code.contains("hubspot.fetch(cardUrl()") && code.contains("openIframeModal(fresh.widget"));
    for state in [
        "not_linked",
        "app_disabled",
        "no_project",
        "creating",
        "awaiting_design",
        "design_ready",
        "simulation_failed",
        "create_failed",
    ] {
        // Each is a state the worker's widget API has...
        let tagged = serde_json::json!({ "state": state, "project_id": "p", "aurora_url": "u", "design_id": "d",
                                          "code": "c", "message": "m", "retryable": false });
        let known = serde_json::from_value::<widget_api::OpportunityState>(tagged).is_ok() || state == "design_ready";
        assert!(known, "{state} is no state of the widget's");
        // ...and the card says it in words.
        assert!(code.contains(&format!("  {state}: {{")), "the card has no words for {state}");
    }
    let package = json("src/app/cards/package.json");
    assert!(package["dependencies"]["@hubspot/ui-extensions"].is_string());
    assert!(project().join("src/app/cards/package-lock.json").exists(), "versions pinned in a lockfile");
}

#[test]
fn the_settings_page_is_a_settings_extension_calling_the_worker_where_the_card_does() {
    let meta = json("src/app/settings/settings-hsmeta.json");
    assert_eq!(meta["type"], "settings");
    let entry = meta["config"]["entrypoint"].as_str().expect("entrypoint");
    let code = std::fs::read_to_string(project().join("src").join(entry.trim_start_matches('/'))).expect("entrypoint");
    assert!(code.contains("hubspot.fetch(settingsUrl()") && code.contains("hubspot.extend<\"settings\">"));
    let config = std::fs::read_to_string(project().join("src/app/settings/config.ts")).expect("config.ts");
    let line = config.lines().find(|l| l.starts_with("export const WORKER_URL = ")).expect("WORKER_URL");
    assert_eq!(line.split('"').nth(1), Some(worker_url().as_str()), "the settings page calls the card's worker");
    assert!(config.contains("`${base()}/crm-settings/hubspot`"), "config.ts calls the worker's settings endpoint");
    // The same packages as the card's, whose lockfile pins them.
    assert_eq!(
        json("src/app/settings/package.json")["dependencies"],
        json("src/app/cards/package.json")["dependencies"]
    );
}
