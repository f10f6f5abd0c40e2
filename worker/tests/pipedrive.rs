//! Pipedrive through real HTTP: the worker's Router on a port, the local Pipedrive and the
//! Aurora sandbox on theirs, cookie-keeping clients as the admin's and the rep's browsers.
//! The install (OAuth with Basic client auth, the webhook subscribed), the panel (its JWT
//! verified on load, its hints checked), the site the admin chose, the figures written to
//! fields found or created by name, a new deal's webhook, and Pipedrive's uninstall call.

mod common;

use aurora_crm_worker::{
    AppState,
    crm::{Crm, DesignFigures},
    router,
    storage::{crm_events, installations},
};
use common::{browser, unix_now, value_of};
use reqwest::StatusCode;
use sandbox::pipedrive::{self, Pipedrive};
use serde_json::{Value, json};
use std::time::Duration;

const CLIENT_ID: &str = "aurora-solar-pipedrive-test-client";
const CLIENT_SECRET: &str = "test-pipedrive-client-secret-0123456789";
/// Helio Homes, the local Pipedrive's first company.
const HELIO: &str = "1001";

struct World {
    worker: String,
    pipedrive: String,
    pd: Pipedrive,
    state: AppState,
}

async fn world() -> World {
    world_with(false).await
}

/// A world whose local Pipedrive asks for consent again (`consent_again`), or remembers it.
async fn world_with(consent_again: bool) -> World {
    world_with_tokens_of(consent_again, 3599).await
}

/// [`world_with`], Pipedrive's access tokens living `token_seconds`.
async fn world_with_tokens_of(consent_again: bool, token_seconds: i64) -> World {
    let (aurora, _) = common::start_sandbox(&[]).await;
    let worker_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let worker = format!("http://{}", worker_listener.local_addr().expect("addr"));
    let pd_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = pd_listener.local_addr().expect("addr").port();
    let settings = pipedrive::Settings {
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        token_seconds,
        consent_again,
        design_modal_id: DESIGN_MODAL.into(),
        modal_selection: false,
    };
    let pd = Pipedrive::new(settings, port, &worker).expect("settings").expect("configured");
    let pipedrive = pd.origin.clone();
    let served = pd.clone();
    tokio::spawn(async move { axum::serve(pd_listener, pipedrive::router(served)).await });
    let (mut state, _, _) = common::state(&aurora, unix_now()).await;
    state.config = std::sync::Arc::new(common::config_with(
        &aurora,
        &worker,
        &[
            ("PIPEDRIVE_CLIENT_ID", CLIENT_ID),
            ("PIPEDRIVE_CLIENT_SECRET", CLIENT_SECRET),
            ("PIPEDRIVE_OAUTH_URL", &pipedrive),
            ("PIPEDRIVE_FRAME_ORIGINS", &pipedrive),
            ("PIPEDRIVE_DESIGN_MODAL", DESIGN_MODAL),
        ],
    ));
    state.clock = std::sync::Arc::new(unix_now);
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(worker_listener, app).await });
    World { worker, pipedrive, pd, state }
}

/// The settings page of Helio Homes, as `browser` sees it.
async fn settings_of(browser: &reqwest::Client, world: &World) -> String {
    let url = format!("{}/settings/pipedrive/{HELIO}", world.worker);
    browser.get(url).send().await.expect("settings").text().await.expect("page")
}

async fn log_in(browser: &reqwest::Client, world: &World, email: &str) {
    let response = browser
        .post(format!("{}/auth/login", world.pipedrive))
        .form(&[("email", email), ("password", "demo"), ("return_url", "/")])
        .send()
        .await
        .expect("log in");
    assert_eq!(response.status(), StatusCode::OK, "{email} logs in");
}

/// The admin installs from Pipedrive's Marketplace: "Install now" opens Pipedrive's own
/// consent, which calls back with a code and no `state`; the worker starts the install
/// again, Pipedrive remembers the consent, and the callback carries our state. Answers the
/// settings page.
async fn install(admin: &reqwest::Client, world: &World) -> (reqwest::Url, String) {
    install_as(admin, world, "hana@helio.example").await
}

/// `email` installs from the Marketplace, as [`install`] does; answers where they landed.
async fn install_as(admin: &reqwest::Client, world: &World, email: &str) -> (reqwest::Url, String) {
    log_in(admin, world, email).await;
    let settings = common::install_from_marketplace(admin, &world.pipedrive).await;
    let url = settings.url().clone();
    (url, settings.text().await.expect("settings"))
}

/// The rep's deal page: the panel's URL, as Pipedrive frames it.
async fn panel_url(rep: &reqwest::Client, world: &World, deal: u64) -> String {
    let page =
        rep.get(format!("{}/deal/{deal}", world.pipedrive)).send().await.expect("deal").text().await.expect("page");
    value_of(&page, "data-testid=pd-panel-frame title=\"Aurora Solar\" style=\"height:500px\" src=\"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_installs_and_its_panel_opens_the_deal_with_the_site_the_admin_chose() {
    let world = world().await;
    let admin = browser();
    let (landed, page) = install(&admin, &world).await;
    assert_eq!(landed.path(), format!("/settings/pipedrive/{HELIO}"), "{page}");
    assert!(page.contains("Helio Homes"), "{page}");
    assert!(page.contains("Present: new deals reach the app"), "the new-deal webhook is subscribed: {page}");
    assert!(page.contains("Site of a deal") && !page.contains("opportunit"), "in Pipedrive's words: {page}");
    // A hook whose password is no longer the worker's (its secret changed since) delivers
    // nothing the worker accepts: the health section says so rather than "Present".
    let ours = std::mem::replace(&mut world.pd.data().webhooks[0].http_auth_password, "an-old-password".into());
    let stale = settings_of(&admin, &world).await;
    assert!(stale.contains("Missing:"), "{stale}");
    world.pd.data().webhooks[0].http_auth_password = ours;
    assert!(page.contains("install: a callback without state"), "the health section says what Pipedrive did: {page}");
    assert!(page.contains("asks Pipedrive whether that user may see it"), "who sees which deal: {page}");

    // Pipedrive shows the panel only to users who installed the app: the rep installs for
    // themself, which changes nothing of the company's installation.
    let rep = browser();
    log_in(&rep, &world, "rui@helio.example").await;
    let deal_page = rep.get(format!("{}/deal/1", world.pipedrive)).send().await.expect("deal").text().await;
    assert!(deal_page.expect("page").contains("data-testid=pd-no-panel"), "no panel before the rep installs");
    let (landed, page) = install_as(&rep, &world, "rui@helio.example").await;
    assert_eq!(landed.path(), "/install/pipedrive/callback", "{page}");
    assert!(page.contains("installed for Rui Rep in Helio Homes"), "{page}");

    // The panel: its token verified on load, the organization's address as the site.
    let url = panel_url(&rep, &world, 1).await;
    let embed = reqwest::get(&url).await.expect("panel");
    assert_eq!(embed.status(), StatusCode::OK);
    let embed = embed.text().await.expect("page");
    assert!(embed.contains("data-host-adapter=\"pipedrive\"") && embed.contains("/widget/pipedrive-init.js"));
    let opened = common::session_from_embed(&embed);
    assert_eq!(opened["opportunity"]["id"], "1");
    assert_eq!(common::site_on_embed(&embed), "901 Mears Ct, Stanford, CA 94305, USA");
    // The widget takes the user's Pipedrive theme from the URL (light here), dark when it says dark.
    // The panel shows the design's summary; the app's custom modal the whole of it.
    let html = |theme: &str, surface: &str| {
        format!("<html lang=\"en\" data-theme=\"{theme}\" data-crm=\"pipedrive\" data-surface=\"{surface}\">")
    };
    assert!(embed.contains(&html("light", "summary")), "{embed}");
    assert!(embed.contains(&format!("data-whole-design=\"{DESIGN_MODAL}\"")), "{embed}");
    let dark = reqwest::get(url.replace("theme=light", "theme=dark")).await.expect("panel").text().await.expect("page");
    assert!(dark.contains(&html("dark", "summary")), "{dark}");
    // The modal's URL carries the `data` the panel opened it with (the deal), and perhaps
    // not the panel's selection: it opens the same deal, whole, and offers no modal.
    let data = |deal: &str| format!("&data={}", urlencoding(&format!("{{\"deal\":\"{deal}\"}}")));
    let modal = format!("{}{}", url.replace("&resource=deal&view=details&selectedIds=1", ""), data("1"));
    assert_ne!(modal.replace(&data("1"), ""), url, "the selection is gone");
    let whole = reqwest::get(&modal).await.expect("modal");
    assert_eq!(whole.status(), StatusCode::OK);
    let whole = whole.text().await.expect("page");
    assert!(whole.contains(&html("light", "full")) && whole.contains("data-whole-design=\"\""), "{whole}");
    assert_eq!(common::session_from_embed(&whole)["opportunity"]["id"], "1");
    // With the selection too, the two must name one deal; a private deal is as absent.
    assert_eq!(reqwest::get(format!("{url}{}", data("1"))).await.expect("modal").status(), StatusCode::OK);
    let torn = reqwest::get(format!("{url}{}", data("2"))).await.expect("modal");
    assert!(torn.status().is_client_error(), "{}", torn.status());
    let private = modal.replace(&data("1"), &data("9"));
    assert_eq!(reqwest::get(&private).await.expect("modal").status(), StatusCode::NOT_FOUND);
    let garbled = reqwest::get(modal.replace(&data("1"), "&data=%7Bdeal")).await.expect("modal");
    assert!(garbled.status().is_client_error(), "{}", garbled.status());
    // Hints that contradict the token, or a token from another secret, open nothing.
    let lying = url.replace("companyId=1001", "companyId=1002");
    let refused = reqwest::get(&lying).await.expect("panel");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // The page saying why still says `initialize` (else Pipedrive hides it after 10 s).
    let why = refused.text().await.expect("page");
    assert!(why.contains("<script src=\"/widget/pipedrive-init.js\"></script>"), "{why}");
    let token = url.split("token=").nth(1).and_then(|t| t.split('&').next()).expect("token");
    let mut changed = token.to_owned().into_bytes();
    changed[20] = if changed[20] == b'A' { b'B' } else { b'A' };
    let forged = url.replace(token, &String::from_utf8(changed).expect("ascii"));
    assert_eq!(reqwest::get(&forged).await.expect("panel").status(), StatusCode::UNAUTHORIZED);
    // The deal is in the URL, which the token does not sign: naming the admin's private deal
    // (visible to its owner only) opens a deal that does not exist, neither name nor address.
    let private = url.replace("selectedIds=1", "selectedIds=9");
    assert_ne!(private, url);
    let refused = reqwest::get(&private).await.expect("panel");
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let page = refused.text().await.expect("page");
    assert!(!page.contains("Battery") && !page.contains("Mears"), "{page}");
    assert!(page.contains("This deal does not exist in Pipedrive, or you do not have access to it"), "{page}");
    // The widget renews its session with a panel token the SDK gives it afresh, at the same
    // URL, asking for JSON: the session, verified as a page load is; the private deal is
    // as absent there, as our JSON error.
    let renew = |url: String| async move {
        reqwest::Client::new().get(url).header("Accept", "application/json").send().await.expect("renew")
    };
    let renewed = renew(url.clone()).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    assert_eq!(renewed.headers()["cache-control"], "no-store", "a bearer token is never cached");
    let renewed: serde_json::Value = renewed.json().await.expect("a session");
    assert_eq!(renewed["opportunity"]["id"], "1");
    assert!(renewed["token"].as_str().is_some_and(|t| !t.is_empty()), "{renewed}");
    let refused = renew(private.clone()).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let refused: serde_json::Value = refused.json().await.expect("our error body");
    assert_eq!(refused["error"]["code"], "not_found", "{refused}");
    assert!(!refused.to_string().contains("Mears"), "{refused}");

    // Okafor's organization has no address; the contact person has a postal one: the next
    // place in the settings' order, so the deal opens as it is.
    let url = panel_url(&rep, &world, 2).await;
    let embed = reqwest::get(&url).await.expect("panel").text().await.expect("page");
    assert_eq!(common::site_on_embed(&embed), "1600 Amphitheatre Pkwy, Mountain View, CA 94043, USA");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_land_in_fields_found_by_name_new_deals_arrive_by_webhook_and_uninstall_removes_all() {
    let world = world().await;
    let admin = browser();
    install(&admin, &world).await;
    let figures = DesignFigures {
        aurora_system_size_kw: Some(7.2),
        aurora_annual_production_kwh: Some(10_120),
        aurora_offset_percent: Some(96.5),
        aurora_project_url: "https://v2.aurorasolar.com/projects/x".into(),
        aurora_system_price: Some(24_881.5),
        deal_amount: Some(24_881.5),
    };
    let integration = Crm::Pipedrive.integration();
    integration.write_figures(&world.state, HELIO, "1", &figures).await.expect("written");
    // A second write finds the fields it created by name (no duplicates).
    integration.write_figures(&world.state, HELIO, "1", &figures).await.expect("written again");
    let deal: Value =
        reqwest::get(format!("{}/sandbox/deals/1", world.pipedrive)).await.expect("peek").json().await.expect("json");
    assert_eq!(deal["fields"]["Aurora system size (kW)"], 7.2);
    assert_eq!(deal["fields"]["Aurora annual production (kWh)"], 10_120);
    assert_eq!(deal["fields"]["Aurora project"], "https://v2.aurorasolar.com/projects/x");
    assert_eq!(deal["fields"]["Aurora system price"], 24_881.5);
    assert_eq!(deal["value"], 24_881.5, "the deal's own value, as the admin chose");
    assert_eq!(deal["fields"].as_object().expect("fields").len(), 5, "{deal}");
    // The sale's events on the deal, as Pipedrive notes (HTML, every value escaped).
    let activity = aurora_crm_worker::crm::SaleActivity {
        subject: "Aurora: agreement signed".into(),
        lines: vec!["7.2 kW · 10,120 kWh per year".into(), "Price $24,881.50 & <no markup>".into()],
        aurora_url: "https://v2.aurorasolar.com/projects/x".into(),
        at: 1_765_000_000,
    };
    integration.add_activity(&world.state, HELIO, "1", &activity).await.expect("a note");
    let deal: Value =
        reqwest::get(format!("{}/sandbox/deals/1", world.pipedrive)).await.expect("peek").json().await.expect("json");
    let note = deal["notes"][0]["content"].as_str().expect("a note");
    assert!(note.starts_with("<p><b>Aurora: agreement signed</b></p>"), "{note}");
    assert!(
        note.contains("&amp; &lt;no markup&gt;") && note.contains("href=\"https://v2.aurorasolar.com/projects/x\"")
    );
    assert!(integration.add_activity(&world.state, HELIO, "999", &activity).await.is_err(), "no such deal");
    // The signed agreement as a file of the deal (multipart `file` and `deal_id`).
    let document = aurora_crm_worker::crm::Document {
        file_name: "Signed agreement - Rivera.pdf".into(),
        title: "Signed agreement - Rivera".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4 test".to_vec(),
    };
    integration.attach_file(&world.state, HELIO, "1", &document).await.expect("attached");
    let deal: Value =
        reqwest::get(format!("{}/sandbox/deals/1", world.pipedrive)).await.expect("peek").json().await.expect("json");
    assert_eq!(deal["files"][0]["name"], "Signed agreement - Rivera.pdf");
    assert_eq!(deal["files"][0]["file_size"], 13);

    // A rep adds a deal: Pipedrive's webhook (Basic credentials) is recorded by the worker.
    let rep = browser();
    log_in(&rep, &world, "rui@helio.example").await;
    let added = rep
        .post(format!("{}/deals/new", world.pipedrive))
        .form(&[("title", "Okafor - Battery"), ("org_id", "101")])
        .send()
        .await
        .expect("add");
    let id = added.url().path().rsplit('/').next().expect("id").to_owned();
    let mut recorded = false;
    for _ in 0..50 {
        let deliveries: Value = reqwest::get(format!("{}/sandbox/deliveries", world.pipedrive))
            .await
            .expect("d")
            .json()
            .await
            .expect("json");
        if let Some(delivery) = deliveries["deliveries"].as_array().and_then(|d| d.last())
            && delivery["attempts"].as_array().is_some_and(|a| a.contains(&json!(200)))
        {
            let event = delivery["event_id"].as_str().expect("event id");
            // Recorded per company: another company's delivery id is another delivery.
            let scoped = format!("{HELIO}/{event}");
            recorded = crm_events::find(world.state.db(), "pipedrive", &scoped).await.expect("find").is_some();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recorded, "the webhook for deal {id} was not recorded");

    // A forged uninstall call is refused; Pipedrive's own removes the installation.
    let forged = reqwest::Client::new()
        .delete(format!("{}/install/pipedrive/callback", world.worker))
        .basic_auth(CLIENT_ID, Some("not-the-client-secret"))
        .json(&json!({ "client_id": CLIENT_ID, "company_id": 1001, "user_id": 11 }))
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert!(installations::find(world.state.db(), Crm::Pipedrive, HELIO).await.expect("find").is_some());
    let gone = admin.post(format!("{}/marketplace/uninstall", world.pipedrive)).send().await.expect("uninstall");
    assert_eq!(gone.status(), StatusCode::OK);
    assert!(installations::find(world.state.db(), Crm::Pipedrive, HELIO).await.expect("find").is_none());
}

/// A rep cannot be the first to install: the company's link, tokens and settings are an
/// admin's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_installs_only_after_an_admin_has() {
    let world = world().await;
    let rep = browser();
    let (_, page) = install_as(&rep, &world, "rui@helio.example").await;
    assert!(page.contains("Only an admin of Helio Homes can install"), "{page}");
    assert!(installations::find(world.state.db(), Crm::Pipedrive, HELIO).await.expect("find").is_none());
}

/// Pipedrive does not document whether its consent is remembered. Under the other reading,
/// the worker's restart of a Marketplace install shows the consent once more, and one more
/// Allow installs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marketplace_install_completes_when_pipedrive_asks_for_consent_again() {
    let world = world_with(true).await;
    let admin = browser();
    log_in(&admin, &world, "hana@helio.example").await;
    let again = common::install_from_marketplace(&admin, &world.pipedrive).await;
    let page = again.text().await.expect("consent again");
    assert!(page.contains("Allow and install"), "{page}");
    let form = common::allowed_consent(&page);
    let settings = admin.post(format!("{}/oauth/authorize", world.pipedrive)).form(&form).send().await.expect("allow");
    assert_eq!(settings.url().path(), format!("/settings/pipedrive/{HELIO}"));
}

/// Pipedrive rotates refresh tokens: two processes (Workers isolates, each with its own
/// locks) renewing the same expiring tokens at once both go on working, and so does the
/// installation after them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_renewing_at_once_keep_the_installation_working() {
    // Tokens living 30 s are always within the renewal margin: every call renews.
    let world = world_with_tokens_of(false, 30).await;
    let admin = browser();
    install(&admin, &world).await;
    let other_isolate = AppState { caches: std::sync::Arc::default(), ..world.state.clone() };
    let listening = |state: AppState| async move {
        aurora_crm_worker::crm::Crm::Pipedrive.integration().is_listening(&state, HELIO).await
    };
    for round in 0..3 {
        let (first, second) = tokio::join!(listening(world.state.clone()), listening(other_isolate.clone()));
        assert!(first.is_ok() && second.is_ok(), "round {round}: {first:?} {second:?}");
    }
}

/// The settings in Pipedrive's own Settings (its custom UI for app settings): the frame's
/// token verified, the admin who installed the app gets the settings framed by Pipedrive
/// only, its session in the page's forms (no cookie reaches a third party's frame); anyone
/// else reads whose the settings are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_open_inside_pipedrive_for_the_admin_who_installed() {
    let world = world().await;
    let admin = browser();
    install(&admin, &world).await;
    let settings_in_pipedrive = |user: reqwest::Client| {
        let url = format!("{}/settings/marketplace/app/{CLIENT_ID}/app-settings", world.pipedrive);
        async move {
            let page = user.get(url).send().await.expect("Pipedrive's settings").text().await.expect("page");
            value_of(
                &page,
                "data-testid=pd-settings-frame title=\"Aurora Solar settings\" style=\"height:600px\" src=\"",
            )
        }
    };
    let frame = settings_in_pipedrive(admin.clone()).await;
    assert!(frame.starts_with(&format!("{}/crm-settings/pipedrive?", world.worker)), "{frame}");
    // A browser without our cookies, as a frame in pipedrive.com is.
    let framed = reqwest::Client::new();
    let opened = framed.get(&frame).send().await.expect("settings");
    assert_eq!(opened.status(), StatusCode::OK);
    let csp = opened.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(
        csp.contains(&format!("frame-ancestors {}", world.pipedrive)) && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(opened.headers().get("x-frame-options").is_none());
    assert!(opened.headers().get("set-cookie").is_none(), "no cookie for a third party's frame");
    let page = opened.text().await.expect("page");
    assert!(page.contains("<script src=\"/widget/pipedrive-init.js\"></script>"), "says initialize: {page}");
    assert!(page.contains("data-in-crm=pipedrive data-theme=light") && page.contains("Helio Homes"), "{page}");
    let action = value_of(&page, "<form method=post action=\"/crm-settings/pipedrive/1001/auto-create");
    assert!(action.starts_with("?id=") && action.contains("&theme=light"), "the frame's query is kept: {action}");
    let csrf = value_of(&page, "name=csrf value=\"");
    let session = value_of(&page, "name=admin_session value=\"");
    let auto_create = format!("{}/crm-settings/pipedrive/{HELIO}/auto-create{action}", world.worker);

    // A change posts the session with the form, and the page comes back with what changed.
    let changed = framed
        .post(&auto_create)
        .form(&[("csrf", csrf.as_str()), ("enabled", "on"), ("admin_session", session.as_str())])
        .send()
        .await
        .expect("auto-create");
    assert_eq!(changed.status(), StatusCode::OK);
    let page = changed.text().await.expect("page");
    assert!(page.contains("Projects will be created automatically for new deals"), "{page}");
    assert!(page.contains("name=admin_session"), "the next form carries the session too");
    let installation = installations::find(world.state.db(), Crm::Pipedrive, HELIO).await.expect("find").expect("one");
    assert!(installation.auto_create);
    // Without the session, or with it on a tab's route (where only the cookie counts), nothing changes.
    let without = framed.post(&auto_create).form(&[("csrf", csrf.as_str())]).send().await.expect("post");
    assert!(without.status().is_client_error(), "{}", without.status());
    let on_a_tab = format!("{}/settings/pipedrive/{HELIO}/auto-create", world.worker);
    let form = [("csrf", csrf.as_str()), ("admin_session", session.as_str())];
    let refused = framed.post(&on_a_tab).form(&form).send().await.expect("post");
    assert!(refused.status().is_client_error(), "{}", refused.status());
    assert!(
        installations::find(world.state.db(), Crm::Pipedrive, HELIO).await.expect("find").expect("one").auto_create
    );

    // A forged token opens nothing; a rep who installed for themself reads whose they are.
    let token = frame.split("token=").nth(1).and_then(|t| t.split('&').next()).expect("token");
    let forged = frame.replace(token, &format!("{token}x"));
    assert_eq!(framed.get(&forged).send().await.expect("settings").status(), StatusCode::UNAUTHORIZED);
    let rep = browser();
    install_as(&rep, &world, "rui@helio.example").await;
    let refused = framed.get(settings_in_pipedrive(rep).await).send().await.expect("settings");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let page = refused.text().await.expect("page");
    assert!(page.contains("kept by the Pipedrive admin who installed it"), "{page}");
    assert!(page.contains("<script src=\"/widget/pipedrive-init.js\"></script>"), "says initialize: {page}");
}

/// The local Pipedrive's custom modal for the whole design (its id in Developer Hub).
const DESIGN_MODAL: &str = "9c1d4e2a-6b7f-4a38-8e15-a0b3c5d7e9f1";

/// `value`, percent-encoded for a URL's query.
fn urlencoding(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The admin maps steps of the sale to Pipedrive's stages; the deal moves forward only: a
/// person's later stage and a deal won or lost are left as they are.
#[tokio::test]
async fn the_deals_stage_moves_forward_with_the_sale_and_never_back() {
    use aurora_crm_worker::{
        ids::OpportunityKey,
        jobs::stage_move,
        stages::{SaleStep, StageMap},
    };
    let world = world().await;
    let admin = browser();
    install(&admin, &world).await;
    let integration = Crm::Pipedrive.integration();
    // Pipedrive's own stages, read through its API, in their pipeline's order.
    let stages = integration.stages(&world.state, HELIO).await.expect("stages");
    let names: Vec<&str> = stages.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(names, ["Lead In", "Contact Made", "Proposal Made", "Negotiations Started"]);
    assert!(stages.iter().all(|s| s.pipeline_label == "Pipeline"));
    let mut map = StageMap::default();
    map.0.insert(SaleStep::AgreementSent, "3".into());
    map.0.insert(SaleStep::AgreementSigned, "4".into());
    map.0.insert(SaleStep::FinancingApproved, "2".into());
    let json = serde_json::to_string(&map).expect("json");
    aurora_crm_worker::storage::installations::set_stage_map(world.state.db(), Crm::Pipedrive, HELIO, &json, 1)
        .await
        .expect("mapped");
    let stage_of = |deal: u64| world.pd.data().deals.iter().find(|d| d.id == deal).map(|d| d.stage_id);
    let key =
        |deal: &str| OpportunityKey { crm: Crm::Pipedrive, account_id: HELIO.into(), opportunity_id: deal.into() };

    // Sent: forward from Lead In to Proposal Made.
    stage_move::queue(&world.state, &key("1"), SaleStep::AgreementSent).await.expect("queued");
    assert_eq!(stage_of(1), Some(3));
    // Approved maps to an earlier stage: never back.
    stage_move::queue(&world.state, &key("1"), SaleStep::FinancingApproved).await.expect("queued");
    assert_eq!(stage_of(1), Some(3));
    // A person moved deal 2 to Negotiations Started; the agreement sent does not undo it.
    world.pd.data().deals.iter_mut().find(|d| d.id == 2).expect("deal 2").stage_id = 4;
    stage_move::queue(&world.state, &key("2"), SaleStep::AgreementSent).await.expect("queued");
    assert_eq!(stage_of(2), Some(4));
    // A lost deal stays lost where it is.
    world.pd.data().deals.iter_mut().find(|d| d.id == 3).expect("deal 3").status = "lost".into();
    stage_move::queue(&world.state, &key("3"), SaleStep::AgreementSigned).await.expect("queued");
    assert_eq!(stage_of(3), Some(1));
    // Signed: on to Negotiations Started. A step happens once: its move is made once.
    stage_move::queue(&world.state, &key("1"), SaleStep::AgreementSigned).await.expect("queued");
    assert_eq!(stage_of(1), Some(4));
    world.pd.data().deals.iter_mut().find(|d| d.id == 1).expect("deal 1").stage_id = 1;
    stage_move::queue(&world.state, &key("1"), SaleStep::AgreementSigned).await.expect("queued again");
    assert_eq!(stage_of(1), Some(1), "a step already run is not run again");
}
