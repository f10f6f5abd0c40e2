//! Salesforce through real HTTP: the worker's Router on a port, the local Salesforce and
//! the Aurora sandbox on theirs, and cookie-keeping clients as the admin's and the rep's
//! browsers. The install (OAuth with PKCE), the canvas (the record page, the My Domain
//! intermediary's signed request, the session it opens), the admin's choice of where an
//! Opportunity's site is read from, the write-back through a refreshed token, and the
//! poll that finds new Opportunities.

mod common;

use aurora_crm_worker::{
    AppState,
    crm::{Crm, DesignFigures},
    jobs, router,
    storage::{crm_events, installations},
};
use common::{browser, html_unescape, unix_now, value_of};
use reqwest::StatusCode;
use sandbox::salesforce::{self, Salesforce};
use serde_json::{Value, json};
use std::time::Duration;

const CONSUMER_KEY: &str = "aurora-solar-canvas-test-consumer-key";
const CONSUMER_SECRET: &str = "test-salesforce-consumer-secret-0123456789";
const SUNRISE: &str = "00D8a0000100001AAA";
/// Sunrise's Opportunities: Rivera's Account is a business (billing address), Okafor's a
/// person (mailing address).
const RIVERA: &str = "0068a0000100001AAA";
const OKAFOR: &str = "0068a0000100002AAA";
/// The admin's own Opportunity, which no rep may see (Opportunities are Private org-wide).
const PRIVATE: &str = "0068a0000100009AAA";

/// `signed` with its payload changed by `change` and signed again with the consumer
/// secret, as Salesforce signs whatever parameters the page's component passes.
fn resigned(signed: &str, change: impl FnOnce(&mut Value)) -> String {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use hmac::{Hmac, Mac};
    let (_, encoded) = signed.split_once('.').expect("signature.payload");
    let mut payload: Value = serde_json::from_slice(&STANDARD.decode(encoded).expect("base64")).expect("JSON");
    change(&mut payload);
    let encoded = STANDARD.encode(payload.to_string());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(CONSUMER_SECRET.as_bytes()).expect("any key");
    mac.update(encoded.as_bytes());
    format!("{}.{encoded}", STANDARD.encode(mac.finalize().into_bytes()))
}

struct World {
    worker: String,
    /// Lightning (`localhost`) and My Domain (`127.0.0.1`).
    lightning: String,
    salesforce: Salesforce,
    state: AppState,
}

/// Aurora sandbox, local Salesforce (access tokens living `session_seconds`) and worker.
async fn world(session_seconds: i64) -> World {
    world_refreshing(session_seconds, salesforce::CanvasRefresh::Resend).await
}

/// [`world`], its canvas parent answering `refreshSignedRequest` as `canvas_refresh` says.
async fn world_refreshing(session_seconds: i64, canvas_refresh: salesforce::CanvasRefresh) -> World {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let worker_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let worker = format!("http://{}", worker_listener.local_addr().expect("addr"));
    let sf_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = sf_listener.local_addr().expect("addr").port();
    let settings = salesforce::Settings {
        consumer_key: CONSUMER_KEY.into(),
        consumer_secret: Some(CONSUMER_SECRET.into()),
        session_seconds,
        api_limit: 15_000,
        package_dir: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../salesforce")),
        canvas_refresh,
    };
    let sf = Salesforce::new(settings, port, &worker).expect("settings").expect("configured");
    let app = salesforce::router(sf.clone());
    tokio::spawn(async move { axum::serve(sf_listener, app).await });
    let my_domain = format!("http://127.0.0.1:{port}");
    let (mut state, _, _) = common::state(&aurora, unix_now()).await;
    state.config = std::sync::Arc::new(common::config_with(
        &aurora,
        &worker,
        &[
            ("SALESFORCE_LOGIN_URL", &my_domain),
            ("SALESFORCE_CONSUMER_KEY", CONSUMER_KEY),
            ("SALESFORCE_CONSUMER_SECRET", CONSUMER_SECRET),
        ],
    ));
    // The org's clock (the wall clock unless a test moves it): both sides of a session's
    // timeout and of a record's CreatedDate read it, as both would read real time.
    let org_clock = sf.clock.clone();
    state.clock = std::sync::Arc::new(move || org_clock.now().unsigned_abs());
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(worker_listener, app).await });
    World { worker, lightning: format!("http://localhost:{port}"), salesforce: sf, state }
}

/// The admin installs from `/install/salesforce/start`: Salesforce's login, then Allow.
/// Answers the settings page's URL and text.
async fn install(admin: &reqwest::Client, world: &World, username: &str) -> (reqwest::Url, String) {
    let login = admin.get(format!("{}/install/salesforce/start", world.worker)).send().await.expect("start");
    assert_eq!(login.status(), StatusCode::OK);
    let login_url = login.url().clone();
    let start = login_url.query_pairs().find(|(k, _)| k == "startURL").expect("back to authorize").1.into_owned();
    let consent = admin
        .post(login_url.join("/login").expect("url"))
        .form(&[("username", username), ("password", "demo"), ("startURL", &start)])
        .send()
        .await
        .expect("log in");
    let consent_url = consent.url().clone();
    let page = consent.text().await.expect("consent");
    assert!(page.contains("Allow Access?"), "{page}");
    let form = common::allowed_consent(&page);
    let settings = admin
        .post(consent_url.join("/services/oauth2/authorize").expect("url"))
        .form(&form)
        .send()
        .await
        .expect("allow");
    let url = settings.url().clone();
    (url, settings.text().await.expect("settings"))
}

/// A rep opens the Opportunity `id`: Lightning's record page, the intermediary's signed
/// request, POSTed to the worker as the canvas does. Answers the signed request and the
/// worker's page.
async fn open_canvas(rep: &reqwest::Client, world: &World, username: &str, id: &str) -> (String, StatusCode, String) {
    let intermediary = intermediary(rep, world, username, id).await;
    let signed = value_of(&intermediary, "name=signed_request value=\"");
    let (status, embed) = post_canvas(&world.worker, &signed).await;
    (signed, status, embed)
}

/// `username` signs in and opens the Opportunity `id`: the My Domain intermediary page the
/// record page frames.
async fn intermediary(rep: &reqwest::Client, world: &World, username: &str, id: &str) -> String {
    let record = format!("{}/lightning/r/Opportunity/{id}/view", world.lightning);
    let page = rep
        .post(format!("{}/login", world.lightning))
        .form(&[
            ("username", username),
            ("password", "demo"),
            ("startURL", &format!("/lightning/r/Opportunity/{id}/view")),
        ])
        .send()
        .await
        .expect("log in")
        .text()
        .await
        .expect("record page");
    assert!(page.contains("canvas/frame?ticket="), "no canvas on {record}: {page}");
    let frame =
        html_unescape(&value_of(&page, "id=canvas-host data-testid=sf-canvas-host title=\"Aurora Solar\" src=\""));
    rep.get(&frame).send().await.expect("intermediary").text().await.expect("page")
}

/// The widget renewing its session: the canvas' signed request POSTed asking for JSON.
async fn renew_canvas(worker: &str, signed: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{worker}/embed/salesforce"))
        .header("Accept", "application/json")
        .form(&[("signed_request", signed)])
        .send()
        .await
        .expect("renew")
}

async fn post_canvas(worker: &str, signed: &str) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(format!("{worker}/embed/salesforce"))
        .form(&[("signed_request", signed)])
        .send()
        .await
        .expect("canvas POST");
    (response.status(), response.text().await.expect("page"))
}

/// A canvas open longer than its widget session renews it with the signed request the
/// SDK's `refreshSignedRequest` brings, whichever of the two documented answers Salesforce
/// gives (the same request again, or a new one): the worker answers a new session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canvas_renews_its_session_with_the_signed_request_salesforce_refreshes() {
    for reading in [salesforce::CanvasRefresh::Resend, salesforce::CanvasRefresh::New] {
        let world = world_refreshing(7200, reading).await;
        install(&browser(), &world, "alex@sunrise-solar.example").await;
        let rep = browser();
        let page = intermediary(&rep, &world, "riley@sunrise-solar.example", RIVERA).await;
        let loaded_with = value_of(&page, "name=signed_request value=\"");
        assert_eq!(post_canvas(&world.worker, &loaded_with).await.0, StatusCode::OK);
        // The parent's answer to `refresh`, as its script fetches it.
        let canvas = value_of(&page, "const canvas = \"");
        let my_domain = value_of(&page, "<form id=canvas-post method=post action=\"");
        let my_domain = my_domain.trim_end_matches("/embed/salesforce");
        assert_eq!(my_domain, world.worker, "the canvas URL is the worker's");
        let refreshed: Value = rep
            .get(format!("{}/canvas/refresh?canvas={canvas}", world.lightning.replace("localhost", "127.0.0.1")))
            .send()
            .await
            .expect("refresh")
            .json()
            .await
            .expect("JSON");
        let refreshed = refreshed["signed_request"].as_str().expect("a signed request").to_owned();
        assert_eq!(refreshed == loaded_with, reading == salesforce::CanvasRefresh::Resend, "{reading:?}");
        let renewed = renew_canvas(&world.worker, &refreshed).await;
        assert_eq!(renewed.status(), StatusCode::OK, "{reading:?}");
        let renewed: Value = renewed.json().await.expect("a session");
        assert_eq!(renewed["opportunity"]["id"], RIVERA, "{reading:?}");
        assert_eq!(renewed["state"]["state"], "not_linked", "{reading:?}: no tenant linked yet: {renewed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_installs_and_a_rep_opens_the_canvas_with_the_site_the_admin_chose() {
    let world = world(7200).await;
    let admin = browser();
    let (landed, page) = install(&admin, &world, "alex@sunrise-solar.example").await;
    assert_eq!(landed.path(), format!("/settings/salesforce/{SUNRISE}"), "{page}");
    assert!(page.contains("Sunrise Solar"), "{page}");
    // Salesforce is polled for new Opportunities, not subscribed to: the health says so.
    assert!(page.contains("Read by polling: new opportunities reach the app"), "{page}");

    // The rep's canvas: the signed request opens a session for the org, the user and the
    // Opportunity, its site the Account's billing address; the page holds no Salesforce token.
    let rep = browser();
    let (signed, status, embed) = open_canvas(&rep, &world, "riley@sunrise-solar.example", RIVERA).await;
    assert_eq!(status, StatusCode::OK, "{embed}");
    assert!(embed.contains("data-host-adapter=\"canvas\""));
    assert!(!embed.contains("!AR"), "a Salesforce session token reached the page");
    let opened = common::session_from_embed(&embed);
    assert_eq!(opened["opportunity"]["id"], RIVERA);
    assert_eq!(common::site_on_embed(&embed), "901 Mears Ct, Stanford, CA 94305, United States");
    // The same signed request again, while the session it carries lives: Salesforce may
    // resend it (a reload, or `refreshSignedRequest`, which "can ask Salesforce to resend
    // the signed request that was used when your app was loaded"), so it opens the widget
    // again, re-encoded too (the URL-safe alphabet, no padding). Asked for JSON, as the
    // widget renewing its session asks, it answers the session instead of the page.
    let (status, page) = post_canvas(&world.worker, &signed).await;
    assert_eq!(status, StatusCode::OK, "a resent signed request: {page}");
    let (mac, payload) = signed.split_once('.').expect("two parts");
    let reencoded = format!("{}.{payload}", mac.replace('+', "-").replace('/', "_").trim_end_matches('='));
    assert_ne!(reencoded, signed);
    let renewed = renew_canvas(&world.worker, &reencoded).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await.expect("a session");
    assert_eq!(renewed["opportunity"]["id"], RIVERA);
    assert!(renewed["token"].as_str().is_some_and(|t| !t.is_empty()), "{renewed}");
    assert!(!renewed.to_string().contains("!AR"), "a Salesforce session token in the session: {renewed}");
    // One seen before whose session Salesforce cannot vouch for (it carries none) is a
    // replay, as a page and as JSON.
    let (fresh, _, _) = open_canvas(&rep, &world, "riley@sunrise-solar.example", RIVERA).await;
    let sessionless = resigned(&fresh, |payload| payload["client"]["oauthToken"] = Value::Null);
    assert_eq!(post_canvas(&world.worker, &sessionless).await.0, StatusCode::OK);
    let (status, page) = post_canvas(&world.worker, &sessionless).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a replay: {page}");
    let replayed = renew_canvas(&world.worker, &sessionless).await;
    assert_eq!(replayed.status(), StatusCode::FORBIDDEN);
    let refused: Value = replayed.json().await.expect("our error body");
    assert_eq!(refused["error"]["code"], "signed_request_replayed");

    // The record id is the Aura component's, set in the rep's browser, and Salesforce signs
    // whatever it passes: a rep who names the admin's private Opportunity gets a record that
    // does not exist, neither its name nor its address.
    let (signed, _, _) = open_canvas(&rep, &world, "riley@sunrise-solar.example", RIVERA).await;
    let tampered =
        resigned(&signed, |payload| payload["context"]["environment"]["parameters"]["recordId"] = json!(PRIVATE));
    let (status, page) = post_canvas(&world.worker, &tampered).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    assert!(!page.contains("Battery") && !page.contains("Mears"), "{page}");
    assert!(page.contains("This opportunity does not exist in Salesforce, or you do not have access to it"), "{page}");

    // A rep the admin has not pre-authorized: Salesforce GETs the canvas URL with
    // `_sfdc_canvas_auth` and no signed request; the rep reads what their admin does.
    let newcomer = browser();
    let casey_page = intermediary(&newcomer, &world, "casey@sunrise-solar.example", RIVERA).await;
    assert!(!casey_page.contains("signed_request"), "{casey_page}");
    let src = value_of(&casey_page, "id=canvas-frame title=\"Aurora Solar\" src=\"");
    assert!(src.ends_with("/embed/salesforce?_sfdc_canvas_auth=user_approval_required"), "{src}");
    let answer = newcomer.get(&src).send().await.expect("the canvas GET");
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let page = answer.text().await.expect("page");
    assert!(page.contains("Admin approved users are pre-authorized") && page.contains("Aurora Solar User"), "{page}");
    // The admin's health section says what this traffic showed of Salesforce.
    let health = page_of(&admin, &world).await;
    for seen in
        ["canvas: a signed request by POST", "canvas: a GET with _sfdc_canvas_auth", "the same signed request again"]
    {
        assert!(health.contains(seen), "{seen}: {health}");
    }

    // Okafor's Account is a Person Account: no billing or shipping address, a mailing one.
    // Each record takes the first place that has an address, so it opens as it is.
    let (_, status, embed) = open_canvas(&rep, &world, "riley@sunrise-solar.example", OKAFOR).await;
    assert_eq!(status, StatusCode::OK, "{embed}");
    assert_eq!(common::site_on_embed(&embed), "1600 Amphitheatre Pkwy, Mountain View, CA 94043, United States");
    // The admin puts the mailing address first: business Accounts still open, from billing.
    let csrf = value_of(&page_of(&admin, &world).await, "name=csrf value=\"");
    let order = [("csrf", csrf.as_str()), ("order", "person_mailing"), ("order", "account_billing")];
    let chosen = admin
        .post(format!("{}/settings/salesforce/{SUNRISE}/site-source", world.worker))
        .form(&order)
        .send()
        .await
        .expect("choose");
    assert_eq!(chosen.status(), StatusCode::OK);
    let page = chosen.text().await.expect("page");
    let first = value_of(&page, "data-testid=admin-site-order-0>");
    assert!(page.contains("<option value=\"person_mailing\" selected>"), "{first} {page}");
    let (_, status, embed) = open_canvas(&rep, &world, "riley@sunrise-solar.example", RIVERA).await;
    assert_eq!(status, StatusCode::OK, "{embed}");
    assert_eq!(common::site_on_embed(&embed), "901 Mears Ct, Stanford, CA 94305, United States");
    // A source the CRM does not offer is refused.
    let refused = admin
        .post(format!("{}/settings/salesforce/{SUNRISE}/site-source", world.worker))
        .form(&[("csrf", csrf.as_str()), ("source", "Account.Description")])
        .send()
        .await
        .expect("choose");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A signed request never expires, but the session it carries does: one kept for later
    // (or leaked) opens nothing once Salesforce no longer accepts that session.
    let kept = intermediary(&rep, &world, "riley@sunrise-solar.example", RIVERA).await;
    let kept = html_unescape(&value_of(&kept, "name=signed_request value=\""));
    world.salesforce.clock.advance(std::time::Duration::from_secs(7200 + 60));
    let (status, page) = post_canvas(&world.worker, &kept).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("expired"), "{page}");
}

async fn page_of(admin: &reqwest::Client, world: &World) -> String {
    admin
        .get(format!("{}/settings/salesforce/{SUNRISE}", world.worker))
        .send()
        .await
        .expect("settings")
        .text()
        .await
        .expect("page")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_are_written_with_a_refreshed_token_and_new_opportunities_are_polled_once() {
    // Access tokens that live 1 s: the write-back meets an expired one and refreshes it.
    let world = world(1).await;
    let admin = browser();
    let (landed, _) = install(&admin, &world, "alex@sunrise-solar.example").await;
    assert_eq!(landed.path(), format!("/settings/salesforce/{SUNRISE}"));
    let sealed = || async {
        installations::find(world.state.db(), Crm::Salesforce, SUNRISE)
            .await
            .expect("find")
            .expect("row")
            .crm_tokens_sealed
    };
    let at_install = sealed().await;
    // The install's session times out.
    world.salesforce.clock.advance(Duration::from_millis(1500));
    let figures = DesignFigures {
        aurora_system_size_kw: Some(7.2),
        aurora_annual_production_kwh: Some(10_120),
        aurora_offset_percent: Some(96.5),
        aurora_project_url: "https://v2.aurorasolar.com/projects/x".into(),
        aurora_system_price: Some(24_881.5),
        deal_amount: Some(24_881.5),
    };
    Crm::Salesforce.integration().write_figures(&world.state, SUNRISE, RIVERA, &figures).await.expect("written");
    let record: Value = reqwest::get(format!("{}/sandbox/opportunities/{RIVERA}", world.lightning))
        .await
        .expect("peek")
        .json()
        .await
        .expect("json");
    assert_eq!(record["fields"]["Aurora_System_Size_kW__c"], 7.2);
    assert_eq!(record["fields"]["Aurora_Annual_Production_kWh__c"], 10_120);
    assert_eq!(record["fields"]["Aurora_Design_Status__c"], "Design ready");
    assert_eq!(record["fields"]["Aurora_System_Price__c"], 24_881.5);
    assert_eq!(record["fields"]["Amount"], 24_881.5, "the Opportunity's own Amount, as the admin chose");
    // The sale's events on the Opportunity's Activity timeline: completed Tasks.
    let activity = aurora_crm_worker::crm::SaleActivity {
        subject: "Aurora: agreement signed".into(),
        lines: vec!["7.2 kW · 10,120 kWh per year".into(), "Price $24,881.50 & <no markup>".into()],
        aurora_url: "https://v2.aurorasolar.com/projects/x".into(),
        at: 1_765_000_000,
    };
    Crm::Salesforce.integration().add_activity(&world.state, SUNRISE, RIVERA, &activity).await.expect("a Task");
    let record: Value = reqwest::get(format!("{}/sandbox/opportunities/{RIVERA}", world.lightning))
        .await
        .expect("peek")
        .json()
        .await
        .expect("json");
    let task = &record["tasks"][0];
    assert_eq!(task["subject"], "Aurora: agreement signed");
    assert_eq!(task["status"], "Completed");
    assert_eq!(task["activity_date"], "2025-12-06");
    assert!(
        task["description"].as_str().expect("text").ends_with("Open in Aurora: https://v2.aurorasolar.com/projects/x")
    );
    // The signed agreement: a ContentVersion shared with the Opportunity.
    let document = aurora_crm_worker::crm::Document {
        file_name: "Signed agreement - Rivera.pdf".into(),
        title: "Signed agreement - Rivera".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4 test".to_vec(),
    };
    Crm::Salesforce.integration().attach_file(&world.state, SUNRISE, RIVERA, &document).await.expect("attached");
    let record: Value = reqwest::get(format!("{}/sandbox/opportunities/{RIVERA}", world.lightning))
        .await
        .expect("peek")
        .json()
        .await
        .expect("json");
    assert_eq!(record["files"][0]["path_on_client"], "Signed agreement - Rivera.pdf");
    assert_eq!(record["files"][0]["size"], 13);
    // The org's Opportunity stages (OpportunityStage, by SortOrder), and a move to one.
    let integration = Crm::Salesforce.integration();
    let stages = integration.stages(&world.state, SUNRISE).await.expect("stages");
    assert_eq!(stages.first().map(|s| s.id.as_str()), Some("Prospecting"));
    assert!(stages.iter().any(|s| s.id == "Closed Lost" && s.closed));
    let orders: Vec<i64> = stages.iter().map(|s| s.order).collect();
    assert!(orders.windows(2).all(|w| w[0] < w[1]), "in order: {orders:?}");
    let quote = stages.iter().find(|s| s.id == "Proposal/Price Quote").expect("a quote stage");
    integration.set_stage(&world.state, SUNRISE, RIVERA, quote).await.expect("moved");
    let now = integration.opportunity_stage(&world.state, SUNRISE, RIVERA).await.expect("its stage");
    assert_eq!(now.stage_id, "Proposal/Price Quote");
    assert_ne!(sealed().await, at_install, "the refreshed token is stored, sealed");

    // An Opportunity created while automatic projects are off gets no project later: switching
    // them on starts the poll from then. One created after is found by the poll, once.
    let before = world.salesforce.create_opportunity(SUNRISE, "Schmidt - Rooftop Solar", None, None).expect("created");
    world.salesforce.clock.advance(Duration::from_millis(1100));
    let csrf = value_of(&page_of(&admin, &world).await, "name=csrf value=\"");
    let saved = admin
        .post(format!("{}/settings/salesforce/{SUNRISE}/auto-create", world.worker))
        .form(&[("csrf", csrf.as_str()), ("enabled", "on")])
        .send()
        .await
        .expect("switch on");
    assert_eq!(saved.status(), StatusCode::OK);
    let after = world.salesforce.create_opportunity(SUNRISE, "Nguyen - Rooftop Solar", None, None).expect("created");
    assert_eq!(jobs::run_due(&world.state, jobs::Kind::CrmPoll).await, 1, "the org's poll ran");
    let recorded = |id: String| {
        let db = world.state.db();
        async move {
            let delivery = format!("{SUNRISE}/opportunity-created:{id}");
            crm_events::find(db, "salesforce", &delivery).await.expect("find").is_some()
        }
    };
    assert!(recorded(after).await, "the new Opportunity was recorded");
    assert!(!recorded(before).await, "an Opportunity from before automatic projects was picked up");
    // Polled again at once: not due yet.
    assert_eq!(jobs::run_due(&world.state, jobs::Kind::CrmPoll).await, 0);

    // A bulk import: more Opportunities in one second than a poll reads. Each poll moves
    // on, page by page, until every one was read; none is missed, none pins the cursor.
    let cursor = world.salesforce.clock.now();
    let imported: std::collections::BTreeSet<String> = (0..450)
        .map(|i| world.salesforce.create_opportunity(SUNRISE, &format!("Import {i}"), None, None).expect("created"))
        .collect();
    assert_eq!(world.salesforce.clock.now(), cursor, "one second on the org's clock");
    let integration = aurora_crm_worker::crm::Crm::Salesforce.integration();
    let mut cursor =
        chrono::DateTime::from_timestamp(cursor - 1, 0).expect("time").format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut seen = std::collections::BTreeSet::new();
    let mut polls = 0;
    loop {
        let (deliveries, next) =
            integration.poll_new_opportunities(&world.state, SUNRISE, &cursor).await.expect("a poll");
        polls += 1;
        let before = seen.len();
        seen.extend(deliveries.into_iter().filter_map(|d| match d.event {
            aurora_crm_worker::crm::CrmEventKind::OpportunityCreated { opportunity_id } => Some(opportunity_id),
            _ => None,
        }));
        if seen.len() == before && next == cursor {
            break;
        }
        assert!(polls < 10, "the cursor is pinned at {cursor}");
        cursor = next;
    }
    assert!(imported.is_subset(&seen), "{} of {} imported read", imported.intersection(&seen).count(), imported.len());
}
