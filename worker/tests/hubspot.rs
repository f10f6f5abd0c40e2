//! HubSpot through real HTTP: the worker's Router on a port, the local HubSpot and the
//! Aurora sandbox on theirs, cookie-keeping clients as the admin's and the rep's browsers.
//! The install (OAuth v3, Super Admins only), the card's `hubspot.fetch` as HubSpot signs
//! and proxies it (identity appended, replays and forged identities refused, the deal
//! bound to the portal), the modal's ticket, the site the admin chose, the figures written
//! to deal properties created when missing, and a new deal's webhook batch.

mod common;

use aurora_crm_worker::{
    AppState,
    crm::{Crm, DesignFigures},
    jobs, router,
    storage::installations,
};
use common::{browser, unix_now, value_of};
use reqwest::StatusCode;
use sandbox::hubspot::{self, HubSpot};
use serde_json::{Value, json};
use std::time::Duration;

const CLIENT_ID: &str = "aurora-solar-hubspot-test-client";
const CLIENT_SECRET: &str = "test-hubspot-client-secret-0123456789";
const APP_ID: &str = "4242001";
/// Summit Solar, the local HubSpot's first portal.
const SUMMIT: &str = "7001";

struct World {
    worker: String,
    hubspot: String,
    state: AppState,
    /// The Aurora stand-in, to count what was created in it.
    aurora: sandbox::aurora::Sandbox,
}

async fn world() -> World {
    world_with_tokens_of(1800).await
}

/// A world whose local HubSpot issues access tokens living `token_seconds`.
async fn world_with_tokens_of(token_seconds: i64) -> World {
    world_with(token_seconds, hubspot::FetchIdentity::Appended).await
}

/// A world whose local HubSpot issues access tokens living `token_seconds` and appends
/// `identity` to the card's calls.
async fn world_with(token_seconds: i64, identity: hubspot::FetchIdentity) -> World {
    world_writing(token_seconds, identity, hubspot::JournalEvents::ObjectStyle).await
}

/// [`world_with`], its journal writing `APP_UNINSTALL` events as `events` reads the docs.
async fn world_writing(token_seconds: i64, identity: hubspot::FetchIdentity, events: hubspot::JournalEvents) -> World {
    let (aurora, stand_in) = common::start_sandbox(&[]).await;
    let worker_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let worker = format!("http://{}", worker_listener.local_addr().expect("addr"));
    let hs_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = hs_listener.local_addr().expect("addr").port();
    let settings = hubspot::Settings {
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        app_id: APP_ID.parse().expect("app id"),
        token_seconds,
        card_js: "unused.js".into(),
        requests_per_10s: 100,
        fetch_identity: identity,
        journal_events: events,
    };
    let hs = HubSpot::new(settings, port, &worker).expect("settings").expect("configured");
    let hubspot = hs.origin.clone();
    tokio::spawn(async move { axum::serve(hs_listener, hubspot::router(hs)).await });
    let (mut state, _, _) = common::state(&aurora, unix_now()).await;
    state.config = std::sync::Arc::new(common::config_with(
        &aurora,
        &worker,
        &[
            ("HUBSPOT_CLIENT_ID", CLIENT_ID),
            ("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET),
            ("HUBSPOT_APP_ID", APP_ID),
            ("HUBSPOT_OAUTH_URL", &hubspot),
            ("HUBSPOT_API_URL", &hubspot),
            ("HUBSPOT_FRAME_ORIGINS", &hubspot),
        ],
    ));
    state.clock = std::sync::Arc::new(unix_now);
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(worker_listener, app).await });
    World { worker, hubspot, state, aurora: stand_in }
}

async fn log_in(browser: &reqwest::Client, world: &World, email: &str) {
    let response = browser
        .post(format!("{}/login", world.hubspot))
        .form(&[("email", email), ("password", "demo"), ("loginRedirectUrl", "/")])
        .send()
        .await
        .expect("log in");
    assert_eq!(response.status(), StatusCode::OK, "{email} logs in");
}

/// `email` installs: the worker's start, HubSpot's consent, Connect. Answers where it landed.
async fn install(browser: &reqwest::Client, world: &World, email: &str) -> (reqwest::Url, StatusCode, String) {
    log_in(browser, world, email).await;
    let consent = browser.get(format!("{}/install/hubspot/start", world.worker)).send().await.expect("start");
    let status = consent.status();
    let page = consent.text().await.expect("consent");
    if status != StatusCode::OK {
        return (world.worker.parse().expect("url"), status, page);
    }
    let form = common::allowed_consent(&page);
    let settings =
        browser.post(format!("{}/oauth/authorize", world.hubspot)).form(&form).send().await.expect("connect");
    let (url, status) = (settings.url().clone(), settings.status());
    (url, status, settings.text().await.expect("settings"))
}

/// The card's `hubspot.fetch`, as the local HubSpot proxies and signs it for `browser`'s user.
async fn card(browser: &reqwest::Client, world: &World, url: &str, body: Value) -> (u16, Value) {
    let answer: Value = browser
        .post(format!("{}/sandbox/card-fetch", world.hubspot))
        .json(&json!({ "url": url, "method": "POST", "body": body }))
        .send()
        .await
        .expect("card fetch")
        .json()
        .await
        .expect("json");
    let status = answer["status"].as_u64().expect("status") as u16;
    (status, serde_json::from_str(answer["body"].as_str().expect("body")).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_installs_and_its_card_opens_the_deal_in_the_widget() {
    let world = world().await;
    // A rep is no Super Admin: HubSpot refuses their install.
    let rep = browser();
    let (_, status, page) = install(&rep, &world, "sky@summit.example").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");

    let admin = browser();
    let (landed, status, page) = install(&admin, &world, "sam@summit.example").await;
    assert_eq!((status, landed.path()), (StatusCode::OK, format!("/settings/hubspot/{SUMMIT}").as_str()), "{page}");
    assert!(page.contains("summit-solar.hubspot.local"), "{page}");

    // The card's call: signed by HubSpot, identity appended; the deal's company address.
    let card_url = format!("{}/embed/hubspot/card", world.worker);
    let (status, answer) = card(&rep, &world, &card_url, json!({ "dealId": 5001 })).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["deal"], json!({ "id": "5001", "name": "Rivera - Rooftop Solar" }));
    assert_eq!(answer["status"], "not_linked");
    assert_eq!(answer["widget"]["title"], "Aurora Solar · Rivera - Rooftop Solar", "HubSpot's modal names the deal");
    // The card's Create before a tenant is linked: answered as the deal's state, not an error.
    let (status, refused) = card(&rep, &world, &card_url, json!({ "dealId": 5001, "create": true })).await;
    assert_eq!((status, refused["status"].as_str()), (200, Some("not_linked")), "{refused}");
    let uri = answer["widget"]["uri"].as_str().expect("uri");
    let (page_url, ticket) = uri.split_once("?t=").expect("the ticket rides in the query");
    assert_eq!(page_url, format!("{}/embed/hubspot", world.worker));
    assert_eq!((answer["widget"]["width"].as_u64(), answer["widget"]["height"].as_u64()), (Some(1000), Some(760)));
    // The modal's page spends the ticket and arrives rendered, its session inlined.
    let embed = reqwest::get(uri).await.expect("embed page");
    let csp = embed.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(csp.contains(&format!("frame-ancestors {}", world.hubspot)), "{csp}");
    let page = embed.text().await.expect("page");
    assert!(page.contains("data-host-adapter=\"none\""), "{page}");
    assert!(page.contains("data-testid=\"state-needs-admin\""), "{page}");
    let opened = common::session_from_embed(&page);
    // Spent: the same URL again (a reload, a copy) opens nothing.
    let again = reqwest::get(uri).await.expect("embed page");
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    // Nor does the session API take it: HubSpot signs no context a widget brings.
    let posted = reqwest::Client::new()
        .post(format!("{}/v1/sessions", world.worker))
        .json(&json!({ "crm": "hubspot", "context": ticket }))
        .send()
        .await
        .expect("session");
    assert_eq!(posted.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(opened["opportunity"]["id"], "5001");
    assert_eq!(common::site_on_embed(&page), "901 Mears Ct, Stanford, CA 94305, United States");

    // The card cannot name itself someone else: a portalId of its own is a repeated key.
    let (status, refused) = card(&rep, &world, &format!("{card_url}?portalId=7002"), json!({ "dealId": 5003 })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (401, Some("invalid_context")), "{refused}");
    // Another portal's deal is not found with this portal's token.
    let (status, _) = card(&rep, &world, &card_url, json!({ "dealId": 5003 })).await;
    assert_eq!(status, 404);
    // A call HubSpot did not sign is refused; so is a signed one replayed.
    let unsigned = reqwest::Client::new()
        .post(format!("{card_url}?appId={APP_ID}&portalId={SUMMIT}&userId=702&userEmail=sky%40summit.example"))
        .json(&json!({ "dealId": 5001 }))
        .send()
        .await
        .expect("unsigned");
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);

    // Okafor's company has no address; its contact has one, the next place in the settings'
    // order: the deal opens as it is.
    let (status, answer) = card(&rep, &world, &card_url, json!({ "dealId": "5002" })).await;
    assert_eq!(status, 200, "{answer}");
    // The admin puts the contact first: a place the CRM does not offer is refused.
    let settings = admin.get(landed.as_str()).send().await.expect("settings").text().await.expect("page");
    let csrf = value_of(&settings, "name=csrf value=\"");
    let site = format!("{}/settings/hubspot/{SUMMIT}/site-source", world.worker);
    let chosen = admin.post(&site).form(&[("csrf", csrf.as_str()), ("order", "contact_address")]).send().await;
    assert_eq!(chosen.expect("choose").status(), StatusCode::OK);
    let refused = admin.post(&site).form(&[("csrf", csrf.as_str()), ("order", "deal.description")]).send().await;
    assert_eq!(refused.expect("choose").status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_calls_are_spent_once() {
    use sandbox::hubspot::signing;
    let world = world().await;
    let admin = browser();
    install(&admin, &world, "sam@summit.example").await;
    let url = format!(
        "{}/embed/hubspot/card?appId={APP_ID}&portalId={SUMMIT}&userId=701&userEmail=sam%40summit.example",
        world.worker
    );
    let body = br#"{"dealId":5001}"#;
    let (signature, timestamp) = signing::sign(CLIENT_SECRET, "POST", &url, body, signing::now_ms());
    let send = || {
        reqwest::Client::new()
            .post(&url)
            .header("X-HubSpot-Signature-v3", &signature)
            .header("X-HubSpot-Request-Timestamp", &timestamp)
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
    };
    assert_eq!(send().await.expect("first").status(), StatusCode::OK);
    assert_eq!(send().await.expect("replay").status(), StatusCode::FORBIDDEN);
    // The same signature with its `+` sent as a space (as an intermediary may re-encode it)
    // is the same call: refused too.
    let (signature, timestamp) = (0..500)
        .map(|back| signing::sign(CLIENT_SECRET, "POST", &url, body, signing::now_ms() - back))
        .find(|(signature, _)| signature.contains('+'))
        .expect("a signature with a plus");
    let send_as = |signature: String| {
        reqwest::Client::new()
            .post(&url)
            .header("X-HubSpot-Signature-v3", signature)
            .header("X-HubSpot-Request-Timestamp", &timestamp)
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
    };
    assert_eq!(send_as(signature.clone()).await.expect("first").status(), StatusCode::OK);
    let spaced = signature.replace('+', " ");
    assert_eq!(send_as(spaced).await.expect("re-encoded replay").status(), StatusCode::FORBIDDEN);
    // Another app's call, signed with our secret all the same, opens nothing.
    let other = url.replace(APP_ID, "999");
    let (signature, timestamp) = signing::sign(CLIENT_SECRET, "POST", &other, body, signing::now_ms());
    let refused = reqwest::Client::new()
        .post(&other)
        .header("X-HubSpot-Signature-v3", signature)
        .header("X-HubSpot-Request-Timestamp", timestamp)
        .body(body.to_vec())
        .send()
        .await
        .expect("other app");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_land_in_properties_created_once_and_new_deals_arrive_by_webhook() {
    let world = world().await;
    let admin = browser();
    install(&admin, &world, "sam@summit.example").await;
    let figures = DesignFigures {
        aurora_system_size_kw: Some(7.2),
        aurora_annual_production_kwh: Some(10_120),
        aurora_offset_percent: Some(96.5),
        aurora_project_url: "https://v2.aurorasolar.com/projects/x".into(),
        aurora_system_price: Some(24_881.5),
        deal_amount: Some(24_881.5),
    };
    let integration = Crm::HubSpot.integration();
    // The portal has none of our properties: they are created, then written.
    integration.write_figures(&world.state, SUMMIT, "5001", &figures).await.expect("written");
    integration.write_figures(&world.state, SUMMIT, "5001", &figures).await.expect("written again");
    let deal: Value =
        reqwest::get(format!("{}/sandbox/deals/5001", world.hubspot)).await.expect("peek").json().await.expect("json");
    assert_eq!(deal["properties"]["aurora_system_size_kw"], "7.2");
    assert_eq!(deal["properties"]["aurora_annual_production_kwh"], "10120");
    assert_eq!(deal["properties"]["aurora_offset_percent"], "96.5");
    assert_eq!(deal["properties"]["aurora_project_url"], "https://v2.aurorasolar.com/projects/x");
    assert_eq!(deal["properties"]["aurora_system_price"], "24881.5");
    assert_eq!(deal["properties"]["amount"], "24881.5", "the deal's own amount, as the admin chose");
    // Another portal's deal is not this portal's to write.
    assert!(integration.write_figures(&world.state, SUMMIT, "5003", &figures).await.is_err());
    // The sale's events on the deal's timeline: notes associated with it (type 214).
    let activity = aurora_crm_worker::crm::SaleActivity {
        subject: "Aurora: agreement signed".into(),
        lines: vec!["7.2 kW · 10,120 kWh per year".into(), "Price $24,881.50 & <no markup>".into()],
        aurora_url: "https://v2.aurorasolar.com/projects/x".into(),
        at: 1_765_000_000,
    };
    integration.add_activity(&world.state, SUMMIT, "5001", &activity).await.expect("a note");
    let deal: Value =
        reqwest::get(format!("{}/sandbox/deals/5001", world.hubspot)).await.expect("peek").json().await.expect("json");
    assert_eq!(deal["notes"][0]["timestamp"], "1765000000000", "hs_timestamp in milliseconds");
    assert!(deal["notes"][0]["body"].as_str().expect("body").contains("Aurora: agreement signed"));
    assert!(integration.add_activity(&world.state, SUMMIT, "5003", &activity).await.is_err(), "another portal's");
    // The signed agreement: a private file of the portal, attached to a note on the deal.
    let document = aurora_crm_worker::crm::Document {
        file_name: "Signed agreement - Rivera.pdf".into(),
        title: "Signed agreement - Rivera".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4 test".to_vec(),
    };
    integration.attach_file(&world.state, SUMMIT, "5001", &document).await.expect("attached");
    let deal: Value =
        reqwest::get(format!("{}/sandbox/deals/5001", world.hubspot)).await.expect("peek").json().await.expect("json");
    assert_eq!(deal["attachments"][0]["name"], "Signed agreement - Rivera.pdf");
    assert_eq!(deal["attachments"][0]["access"], "PRIVATE");
    // The portal's deal stages, read from its pipelines (isClosed written as a string), and
    // a deal moved to one.
    let stages = integration.stages(&world.state, SUMMIT).await.expect("stages");
    assert_eq!(stages.first().map(|s| s.id.as_str()), Some("appointmentscheduled"));
    assert!(stages.iter().any(|s| s.id == "closedwon" && s.closed) && stages.iter().all(|s| s.pipeline == "default"));
    let contract = stages.iter().find(|s| s.id == "contractsent").expect("Contract Sent");
    integration.set_stage(&world.state, SUMMIT, "5001", contract).await.expect("moved");
    let now = integration.opportunity_stage(&world.state, SUMMIT, "5001").await.expect("its stage");
    assert_eq!(now.stage_id, "contractsent");

    // A rep creates a deal: HubSpot's batch (creation + stage) is verified and recorded per event.
    let rep = browser();
    log_in(&rep, &world, "sky@summit.example").await;
    let added = rep
        .post(format!("{}/deals/new", world.hubspot))
        .form(&[("dealname", "Okafor - Battery"), ("company_id", "302")])
        .send()
        .await
        .expect("add");
    assert_eq!(added.status(), StatusCode::OK);
    let mut recorded = Vec::new();
    for _ in 0..50 {
        let deliveries: Value =
            reqwest::get(format!("{}/sandbox/deliveries", world.hubspot)).await.expect("d").json().await.expect("json");
        if let Some(delivery) = deliveries.as_array().and_then(|d| d.last())
            && delivery["attempts"].as_array().is_some_and(|a| a.contains(&json!(200)))
        {
            for event in delivery["event_ids"].as_array().expect("ids") {
                // Recorded per portal, the event told apart by all that names it.
                let pattern = format!("{SUMMIT}/hubspot-event:{event}:%");
                let found = world
                    .state
                    .db()
                    .query(
                        "SELECT 1 AS found FROM crm_events WHERE crm = 'hubspot' AND delivery_id LIKE ?1",
                        &[pattern.into()],
                    )
                    .await
                    .expect("find");
                recorded.push(found.len() == 1);
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(recorded, [true, true], "both events of the batch are recorded");

    // The admin uninstalls in the settings: HubSpot removes the app (and its card) from the portal.
    let settings = admin
        .get(format!("{}/settings/hubspot/{SUMMIT}", world.worker))
        .send()
        .await
        .expect("settings")
        .text()
        .await
        .expect("page");
    let csrf = value_of(&settings, "name=csrf value=\"");
    let gone = admin
        .post(format!("{}/settings/hubspot/{SUMMIT}/uninstall", world.worker))
        .form(&[("csrf", csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .expect("uninstall");
    assert_eq!(gone.status(), StatusCode::OK);
    let found = installations::find(world.state.db(), Crm::HubSpot, SUMMIT).await.expect("find");
    assert!(found.is_none());
    let page = rep.get(format!("{}/deal/5001", world.hubspot)).send().await.expect("deal").text().await.expect("page");
    assert!(page.contains("data-testid=hs-no-card"), "the card is gone from the portal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_tokens_about_to_expire_are_refreshed_and_sealed_again() {
    // 60-second tokens: inside the 2-minute margin from the start, so every call refreshes.
    let world = world_with_tokens_of(60).await;
    install(&browser(), &world, "sam@summit.example").await;
    let before = installations::find(world.state.db(), Crm::HubSpot, SUMMIT).await.expect("find").expect("installed");
    let site = Crm::HubSpot.integration().opportunity(&world.state, SUMMIT, "5001").await.expect("the deal");
    assert_eq!(site.name, "Rivera - Rooftop Solar");
    let after = installations::find(world.state.db(), Crm::HubSpot, SUMMIT).await.expect("find").expect("installed");
    assert_ne!(before.crm_tokens_sealed, after.crm_tokens_sealed, "the refreshed tokens are stored");
}

/// HubSpot's own install URL (the app's Auth tab, a listing's Install button) carries no
/// `state`: its callback starts our install again, HubSpot remembers the consent, and the
/// second callback, with our state, installs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_from_hubspots_own_install_url_completes() {
    let world = world().await;
    let admin = browser();
    log_in(&admin, &world, "sam@summit.example").await;
    let connected = common::install_from_marketplace(&admin, &world.hubspot).await;
    let landed = connected.url().clone();
    let page = connected.text().await.expect("settings");
    assert_eq!(landed.path(), format!("/settings/hubspot/{SUMMIT}"), "{page}");
    assert!(page.contains("summit-solar.hubspot.local"), "{page}");
}

/// The card's own Create button creates the deal's project on the card, once however often
/// it is pressed, and the card answers where the deal stands then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cards_create_button_creates_the_deals_project_once() {
    let world = world().await;
    let admin = browser();
    let (_, status, page) = install(&admin, &world, "sam@summit.example").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (db, now) = (world.state.db(), unix_now() as i64);
    installations::release_tenant(db, Crm::Demo, "acct-a", now).await.expect("released");
    let linked =
        installations::link_tenant(db, Crm::HubSpot, SUMMIT, common::TENANT, installations::TenantLink::Proven, now);
    assert_eq!(linked.await.expect("linked"), installations::Linked::Done);
    let rep = browser();
    log_in(&rep, &world, "sky@summit.example").await;
    let card_url = format!("{}/embed/hubspot/card", world.worker);
    let (status, shown) = card(&rep, &world, &card_url, json!({ "dealId": 5001 })).await;
    assert_eq!((status, shown["status"].as_str()), (200, Some("no_project")), "{shown}");
    for _ in 0..2 {
        let (status, created) = card(&rep, &world, &card_url, json!({ "dealId": 5001, "create": true })).await;
        assert_eq!(status, 200, "{created}");
        assert_eq!(created["status"], "awaiting_design", "{created}");
        assert_eq!(created["outdated"], false);
    }
    assert_eq!(common::project_count(&world.aurora), 1, "the second press made no second project in Aurora");
}

/// The settings page in HubSpot (its settings extension) calls the worker through
/// `hubspot.fetch`: a Super Admin reads and changes the settings there, every call signed
/// and spent once; a rep is refused in words; a bad link code says what to fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_page_in_hubspot_reads_and_changes_the_settings_for_super_admins_only() {
    let world = world().await;
    let admin = browser();
    let (_, status, page) = install(&admin, &world, "sam@summit.example").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let settings_url = format!("{}/crm-settings/hubspot", world.worker);
    let (status, read) = card(&admin, &world, &settings_url, json!({ "action": "read" })).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["tenant_ready"], false, "{read}");
    assert!(read["tenant"].as_str().is_some_and(|t| t.starts_with("Not linked")), "{read}");
    assert_eq!((read["auto_create"].as_bool(), read["records"].as_str()), (Some(false), Some("deals")));
    assert_eq!(read["health"][0]["label"], "New deals from HubSpot", "in HubSpot's words: {read}");
    assert_eq!(read["notice"], Value::Null);

    let (status, on) = card(&admin, &world, &settings_url, json!({ "action": "auto_create", "enabled": true })).await;
    assert_eq!(status, 200, "{on}");
    assert_eq!(on["auto_create"], true);
    assert!(on["notice"].as_str().is_some_and(|n| n.contains("new deals")), "{on}");
    let installation = installations::find(world.state.db(), Crm::HubSpot, SUMMIT).await.expect("find").expect("one");
    assert!(installation.auto_create);

    // A code Aurora never gave: refused, saying so; nothing linked.
    let (status, refused) =
        card(&admin, &world, &settings_url, json!({ "action": "link_tenant", "code": "ABCD-EFGH" })).await;
    assert!((400..500).contains(&status), "{status} {refused}");
    assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains("code")), "{refused}");
    // Something that is no call of the settings page's.
    let (status, unknown) = card(&admin, &world, &settings_url, json!({ "action": "drop_tables" })).await;
    assert_eq!(status, 422, "{unknown}");

    // A rep is no Super Admin: refused, and nothing changes.
    let rep = browser();
    log_in(&rep, &world, "sky@summit.example").await;
    let (status, refused) =
        card(&rep, &world, &settings_url, json!({ "action": "auto_create", "enabled": false })).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["code"], "not_admin", "{refused}");
    let installation = installations::find(world.state.db(), Crm::HubSpot, SUMMIT).await.expect("find").expect("one");
    assert!(installation.auto_create, "the rep changed nothing");
    // Unsigned, the call opens nothing.
    let forged = reqwest::Client::new()
        .post(format!("{settings_url}?appId=1&portalId={SUMMIT}&userId=1"))
        .json(&json!({ "action": "read" }))
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

/// HubSpot documents only `appId` as appended to `hubspot.fetch`. Under that reading the
/// card's call is refused, saying why (a real portal's first click tells us), and opens
/// nothing of any portal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_portal_and_user_from_hubspot_the_card_opens_nothing_and_says_why() {
    let world = world_with(1800, hubspot::FetchIdentity::AppIdOnly).await;
    let admin = browser();
    let (_, status, page) = install(&admin, &world, "sam@summit.example").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let rep = browser();
    log_in(&rep, &world, "sky@summit.example").await;
    let card_url = format!("{}/embed/hubspot/card", world.worker);
    let (status, answer) = card(&rep, &world, &card_url, json!({ "dealId": 5001 })).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "incomplete_context");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("without the portal and user"), "{answer}");
    assert!(answer.get("deal").is_none() && !answer.to_string().contains("Rivera"), "{answer}");
    // The admin reads which reading HubSpot's traffic showed.
    let health =
        admin.get(format!("{}/settings/hubspot/{SUMMIT}", world.worker)).send().await.expect("settings").text().await;
    let health = health.expect("page");
    assert!(health.contains("card calls: HubSpot appended appId only"), "{health}");
    assert!(health.contains("HubSpot offers no way to ask whether a user may see a deal"), "{health}");
}

/// A portal that uninstalls the app in HubSpot (its Connected apps, a listing's Uninstall):
/// HubSpot calls no one, but the app's Webhooks Journal records it, and the worker, which
/// reads the journal from the first install on, forgets the installation as an uninstall
/// from its settings page would. One installed again since stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_that_uninstalls_in_hubspot_is_forgotten_from_the_journal() {
    // Under each reading of an `APP_UNINSTALL` event's fields (HubSpot's docs show none).
    for events in [hubspot::JournalEvents::ObjectStyle, hubspot::JournalEvents::WebhookStyle] {
        forgotten_from_the_journal(events).await;
    }
}

async fn forgotten_from_the_journal(events: hubspot::JournalEvents) {
    let world = world_writing(1800, hubspot::FetchIdentity::Appended, events).await;
    let admin = browser();
    install(&admin, &world, "sam@summit.example").await;
    let installed = || async { installations::find(world.state.db(), Crm::HubSpot, SUMMIT).await.expect("find") };
    assert!(installed().await.is_some());
    // The first reading subscribes the app to its uninstalls and starts from the latest entry.
    jobs::sweep(&world.state).await;
    let subscriptions: Value =
        reqwest::get(format!("{}/sandbox/journal", world.hubspot)).await.expect("journal").json().await.expect("json");
    assert_eq!(subscriptions["subscriptions"][0]["subscriptionType"], "APP_LIFECYCLE_EVENT", "{subscriptions}");
    // (Times are in seconds, and an installation changed in the second of an uninstall is
    // kept: a second between each step.)
    let next_second = || tokio::time::sleep(Duration::from_millis(1100));
    let due_now = || async {
        world.state.db().execute("UPDATE crm_journals SET next_attempt_at = 0", &[]).await.expect("due now");
    };
    next_second().await;
    let uninstalled = admin.post(format!("{}/marketplace/uninstall", world.hubspot)).send().await.expect("uninstall");
    assert!(uninstalled.status().is_success() || uninstalled.status().is_redirection());
    assert!(installed().await.is_some(), "nobody told the worker yet");
    // The next reading (a poll interval later) finds it: the installation, its tokens and
    // its pending work are gone.
    due_now().await;
    jobs::run_due(&world.state, jobs::Kind::CrmJournal).await;
    assert!(installed().await.is_none(), "the portal's installation is forgotten");
    // Installed again, the old uninstall (read again after a crash, say) leaves it be.
    next_second().await;
    install(&admin, &world, "sam@summit.example").await;
    assert!(installed().await.is_some());
    world.state.db().execute("UPDATE crm_journals SET journal_offset = ''", &[]).await.expect("rewind");
    due_now().await;
    jobs::run_due(&world.state, jobs::Kind::CrmJournal).await;
    assert!(installed().await.is_some(), "an uninstall older than the install is not its news");
}
