//! The marketplace install, settings, CRM webhooks and write-back, through real HTTP:
//! the worker's Router on a port, the demo CRM and the Aurora sandbox on theirs, and a
//! cookie-keeping client acting as the admin's and the rep's browsers.

mod common;

use aurora_crm_worker::{AppState, router, storage::installations};
use common::{CRM_CLIENT_ID, CRM_CLIENT_SECRET, TENANT, browser, html_unescape, unix_now};
use reqwest::StatusCode;
use sandbox::demo_crm::{self, Crm};
use std::time::Duration;

struct World {
    worker: String,
    crm_url: String,
    aurora: String,
    crm: Crm,
    state: AppState,
}

/// Aurora sandbox, demo CRM and worker, each on its own port, wired to each other.
async fn world() -> World {
    world_with_token_lifetime(3600).await
}

/// [`world`], with the CRM's access tokens living `seconds`.
async fn world_with_token_lifetime(seconds: u64) -> World {
    world_with(&[], seconds).await
}

/// [`world`], with the Aurora sandbox started with `aurora_flags` and the CRM's access
/// tokens living `seconds`.
async fn world_with(aurora_flags: &[&str], seconds: u64) -> World {
    let (aurora, _) = common::start_sandbox(aurora_flags).await;
    let worker_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let worker = format!("http://{}", worker_listener.local_addr().expect("addr"));
    let crm_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let crm_url = format!("http://{}", crm_listener.local_addr().expect("addr"));
    let crm = Crm::new(
        demo_crm::Settings {
            worker_url: worker.clone(),
            client_id: CRM_CLIENT_ID.into(),
            client_secret: CRM_CLIENT_SECRET.into(),
            access_token_ttl_seconds: seconds,
            faults: Default::default(),
        }
        .validated()
        .expect("settings"),
    );
    let app = demo_crm::router(crm.clone());
    tokio::spawn(async move { axum::serve(crm_listener, app).await });
    let (mut state, db, _) = common::state(&aurora, unix_now()).await;
    // The tenants are for the accounts these tests install: the fixtures' accounts let
    // them go (a tenant never moves while linked).
    for fixture in ["acct-a", "acct-b"] {
        installations::release_tenant(&db, aurora_crm_worker::crm::Crm::Demo, fixture, 1).await.expect("release");
    }
    state.config = std::sync::Arc::new(common::config_with_crm(&aurora, &crm_url, &worker));
    // The CRM's clock (the wall clock unless a test moves it): the CRM signs webhooks and
    // expires tokens on it, as both would on real time.
    let crm_clock = crm.clock.clone();
    state.clock = std::sync::Arc::new(move || crm_clock.now().unsigned_abs());
    aurora_crm_worker::aurora_subscriptions::setup(&state.aurora, &state.config, &worker)
        .await
        .expect("aurora webhooks");
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(worker_listener, app).await });
    World { worker, crm_url, aurora, crm, state }
}

/// The settings page of `account`, as `browser` sees it.
async fn settings_page(browser: &reqwest::Client, world: &World, account: &str) -> String {
    let page = browser.get(format!("{}/settings/demo/{account}", world.worker)).send().await.expect("settings");
    page.text().await.expect("page")
}

/// The value of the hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let marker_short = format!("name={name} value=\"");
    let start = page
        .find(&marker)
        .map(|i| i + marker.len())
        .or_else(|| page.find(&marker_short).map(|i| i + marker_short.len()));
    let start = start.unwrap_or_else(|| panic!("no hidden {name} in {page}"));
    html_unescape(&page[start..start + page[start..].find('"').expect("closing quote")])
}

async fn sign_in(browser: &reqwest::Client, world: &World, email: &str) {
    let response = browser
        .post(format!("{}/login", world.crm_url))
        .form(&[("email", email), ("password", demo_crm::FIXTURE_PASSWORD), ("next", "/")])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), StatusCode::OK, "{email} signs in");
}

/// Install start -> the CRM's consent page.
async fn consent_page(browser: &reqwest::Client, world: &World) -> (StatusCode, String) {
    let response = browser.get(format!("{}/install/demo/start", world.worker)).send().await.expect("start");
    (response.status(), response.text().await.expect("page"))
}

/// The admin allows the install; answers where the browser landed and the page.
async fn install(browser: &reqwest::Client, world: &World, admin: &str) -> (reqwest::Url, String) {
    sign_in(browser, world, admin).await;
    let (status, page) = consent_page(browser, world).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let form = common::allowed_consent(&page);
    let response = browser.post(format!("{}/oauth/authorize", world.crm_url)).form(&form).send().await.expect("allow");
    assert_eq!(response.status(), StatusCode::OK);
    let url = response.url().clone();
    (url, response.text().await.expect("settings page"))
}

/// The connect page Aurora opens with `query`: its status and page.
async fn connect(world: &World, query: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{}/connect/aurora?{query}", world.worker)).await.expect("connect");
    (response.status(), response.text().await.expect("page"))
}

/// What a user of `tenant` sees on opening the app from Aurora: the link code.
async fn link_code(world: &World, tenant: &str) -> String {
    let session = common::session_token(&world.aurora, tenant).await;
    let (status, page) = connect(world, &format!("aurora_tenant_id={tenant}&aurora_session_token={session}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let start = page.find("data-testid=link-code>").expect("a code") + "data-testid=link-code>".len();
    page[start..start + page[start..].find('<').expect("end")].to_owned()
}

/// Posts `code` to `account`'s settings as `browser`; answers status and page.
async fn link(browser: &reqwest::Client, world: &World, account: &str, csrf: &str, code: &str) -> (StatusCode, String) {
    let response = browser
        .post(format!("{}/settings/demo/{account}/tenant", world.worker))
        .form(&[("csrf", csrf), ("code", code)])
        .send()
        .await
        .expect("link");
    (response.status(), response.text().await.expect("page"))
}

/// Rate limits count in fixed windows (a minute, ten minutes): a test of one starts the
/// worker's clock at the beginning of both, so none ends while it counts.
fn at_start_of_limit_windows(world: &World) {
    let into_window = world.crm.clock.now().rem_euclid(600) as u64;
    world.crm.clock.advance(Duration::from_secs(600 - into_window));
}

async fn wait_for<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..150 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_installs_links_the_tenant_and_new_opportunities_get_projects_and_figures() {
    let world = world().await;
    let admin = browser();
    let (landed, page) = install(&admin, &world, "ada@sunrise.example").await;
    assert_eq!(landed.path(), "/settings/demo/acct-sunrise");
    assert!(page.contains("The app is installed"), "{page}");
    assert!(page.contains("Not linked"), "{page}");
    assert!(page.contains("Present: new opportunities reach the app"), "the CRM webhook is subscribed: {page}");

    // The CRM's tokens are sealed at rest and appear in no page.
    let installation = installations::find(world.state.db(), aurora_crm_worker::crm::Crm::Demo, "acct-sunrise")
        .await
        .expect("find")
        .expect("installed");
    let sealed = installation.crm_tokens_sealed.clone().expect("tokens stored");
    let crm_tokens: Vec<String> = {
        let crm = world.crm.state();
        crm.grants
            .refresh_tokens()
            .map(|(token, _)| token)
            .chain(crm.access_tokens.keys().map(String::as_str))
            .map(str::to_owned)
            .collect()
    };
    assert!(!crm_tokens.is_empty());
    for token in &crm_tokens {
        assert!(!sealed.contains(token.as_str()) && !page.contains(token.as_str()), "a CRM token leaked");
    }

    // Linking: a code that does not work is explained; a code from Aurora links, once.
    let settings = format!("{}/settings/demo/acct-sunrise", world.worker);
    let csrf = hidden(&page, "csrf");
    let (status, refused) = link(&admin, &world, "acct-sunrise", &csrf, "ABCD-EFGH").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("This link code does not work"), "{refused}");
    let code = link_code(&world, TENANT).await;
    let (status, _) = link(&admin, &world, "acct-sunrise", "forged", &code).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a form without the session's CSRF token");
    let (_, linked) = link(&admin, &world, "acct-sunrise", &csrf, &code.to_lowercase()).await;
    assert!(linked.contains(&format!("Linked to {TENANT}")), "{linked}");
    assert!(linked.contains("proven with Aurora"), "{linked}");
    let (status, _) = link(&admin, &world, "acct-sunrise", &csrf, &code).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a code works once");
    let auto = admin
        .post(format!("{settings}/auto-create"))
        .form(&[("csrf", csrf.as_str()), ("enabled", "on")])
        .send()
        .await
        .expect("auto");
    assert!(auto.text().await.expect("page").contains("created automatically"));

    // A rep creates an opportunity in the CRM: the project, the design, the figures.
    let rep = browser();
    sign_in(&rep, &world, "ana@sunrise.example").await;
    let form_page =
        rep.get(format!("{}/opportunities/new", world.crm_url)).send().await.expect("form").text().await.expect("page");
    let created = rep
        .post(format!("{}/opportunities", world.crm_url))
        .form(&[
            ("csrf", hidden(&form_page, "csrf").as_str()),
            ("name", "Nguyen residence"),
            ("customer", "Lan Nguyen"),
            ("address", "1600 Amphitheatre Pkwy, Mountain View, CA 94043"),
        ])
        .send()
        .await
        .expect("create");
    let opportunity = created.url().path().rsplit('/').next().expect("id").to_owned();
    assert!(opportunity.starts_with("opp-5"), "{}", created.url());
    let http = reqwest::Client::new();
    let fields = wait_for("the written-back figures", async || {
        let body: serde_json::Value = http
            .get(format!("{}/sandbox/opportunities/{opportunity}", world.crm_url))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        body["fields"]["aurora_system_size_kw"].is_number().then(|| body["fields"].clone())
    })
    .await;
    let designs: serde_json::Value = http
        .get(format!("{}/sandbox/designs", world.aurora))
        .send()
        .await
        .expect("designs")
        .json()
        .await
        .expect("json");
    let design = designs["designs"]
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["design"]["external_provider_id"].as_str().is_some_and(|e| e.ends_with(&opportunity)))
        .expect("the sandbox designed it")
        .clone();
    let stc = design["design"]["system_size_stc"].as_f64().expect("stc");
    assert_eq!(fields["aurora_system_size_kw"].as_f64(), Some((stc / 10.0).round() / 100.0));
    let annual = design["design"]["energy_production"]["annual"].as_f64().expect("annual");
    assert_eq!(fields["aurora_annual_production_kwh"].as_f64(), Some(annual.round()));
    assert!(fields["aurora_offset_percent"].is_number(), "{fields}");
    assert!(fields["aurora_project_url"].as_str().is_some_and(|u| u.starts_with("http")), "{fields}");
    // The design's price, as Aurora priced it.
    assert_eq!(fields["aurora_system_price"].as_f64(), design["price"]["system_cost"].as_f64(), "{fields}");

    // Health shows the webhook arrived.
    let page = admin.get(&settings).send().await.expect("settings").text().await.expect("page");
    let last = page.split("data-testid=admin-last-webhook>").nth(1).expect("health");
    assert!(!last.starts_with("never"), "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_admin_of_the_account_installs_or_sees_its_settings() {
    let world = world().await;
    // A rep cannot consent.
    let rep = browser();
    sign_in(&rep, &world, "ana@sunrise.example").await;
    let (status, page) = consent_page(&rep, &world).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Only an admin of Sunrise Solar"), "{page}");
    assert!(
        installations::find(world.state.db(), aurora_crm_worker::crm::Crm::Demo, "acct-sunrise")
            .await
            .expect("find")
            .is_none()
    );

    // Northwind's admin installs for Northwind, and cannot open Sunrise's settings.
    let nia = browser();
    let (landed, _) = install(&nia, &world, "nia@northwind.example").await;
    assert_eq!(landed.path(), "/settings/demo/acct-northwind");
    let other = nia.get(format!("{}/settings/demo/acct-sunrise", world.worker)).send().await.expect("other");
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    let anonymous = reqwest::Client::new()
        .get(format!("{}/settings/demo/acct-northwind", world.worker))
        .send()
        .await
        .expect("anon");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.text().await.expect("page").contains("Sign in through your CRM"));

    // A callback whose state is forged, or was issued to another browser, is refused.
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let forged = no_redirects
        .get(format!("{}/install/demo/callback?code=x&state=forged", world.worker))
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    let started = no_redirects.get(format!("{}/install/demo/start", world.worker)).send().await.expect("start");
    let authorize = started.headers()["location"].to_str().expect("location").to_owned();
    let state = reqwest::Url::parse(&authorize)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .expect("state")
        .1
        .into_owned();
    let elsewhere = no_redirects
        .get(format!("{}/install/demo/callback", world.worker))
        .query(&[("code", "x"), ("state", state.as_str())])
        .send()
        .await
        .expect("callback");
    assert_eq!(elsewhere.status(), StatusCode::BAD_REQUEST, "no install cookie: another browser");
    let cancelled = no_redirects
        .get(format!("{}/install/demo/callback?error=access_denied&state=x", world.worker))
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancelled.status(), StatusCode::BAD_REQUEST);
    assert!(cancelled.text().await.expect("page").contains("cancelled"));
}

/// A delivery signed as the demo CRM signs them.
fn signed_delivery(id: &str, account: &str, timestamp: i64, secret: &str) -> (Vec<(&'static str, String)>, String) {
    use hmac::{Hmac, Mac};
    let body = serde_json::json!({
        "id": id, "event": "opportunity.created", "account_id": account, "occurred_at": timestamp,
        "opportunity": {"id": format!("opp-{id}"), "name": "Pier 9 annex", "property_address": "Pier 9, San Francisco, CA"}
    })
    .to_string();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let headers = vec![
        ("x-democrm-delivery", id.to_owned()),
        ("x-democrm-timestamp", timestamp.to_string()),
        ("x-democrm-signature", format!("v1={}", hex::encode(mac.finalize().into_bytes()))),
        ("content-type", "application/json".to_owned()),
    ];
    (headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crm_webhooks_are_verified_and_replays_do_nothing_and_uninstall_removes_everything() {
    let world = world().await;
    let admin = browser();
    let (_, page) = install(&admin, &world, "cy@coastal.example").await;
    let http = reqwest::Client::new();
    let url = format!("{}/webhooks/crm/demo", world.worker);
    let post = async |headers: Vec<(&'static str, String)>, body: String| {
        let mut request = http.post(&url).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("delivery");
        (response.status(), response.json::<serde_json::Value>().await.unwrap_or_default())
    };
    let now = unix_now() as i64;
    let (headers, body) = signed_delivery("dlv_forged", "acct-coastal", now, "not-the-crms-secret-0123456789abcdef");
    assert_eq!(post(headers, body).await.0, StatusCode::UNAUTHORIZED, "forged signature");
    let (headers, body) = signed_delivery("dlv_old", "acct-coastal", now - 301, CRM_CLIENT_SECRET);
    let (status, error) = post(headers, body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "older than 5 minutes");
    assert_eq!(error["error"]["code"], "webhook_unauthorized");
    let (headers, body) = signed_delivery("dlv_1", "acct-coastal", now, CRM_CLIENT_SECRET);
    let (status, first) = post(headers.clone(), body.clone()).await;
    assert_eq!((status, first["duplicate"].as_bool()), (StatusCode::OK, Some(false)));
    let (status, replay) = post(headers, body).await;
    assert_eq!(
        (status, replay["duplicate"].as_bool()),
        (StatusCode::OK, Some(true)),
        "a replay is acknowledged and does nothing"
    );
    // Delivery ids are the CRM's per account: the same id for another account is another
    // delivery, never taken for a repeat.
    let (headers, body) = signed_delivery("dlv_1", "acct-a", now, CRM_CLIENT_SECRET);
    let (status, other) = post(headers, body).await;
    assert_eq!((status, other["duplicate"].as_bool()), (StatusCode::OK, Some(false)), "{other}");

    // Uninstall: the CRM revokes our tokens, and the installation is gone here.
    let csrf = hidden(&page, "csrf");
    // Not without its confirmation: nothing is removed, and the admin reads what to tick.
    let unconfirmed = admin
        .post(format!("{}/settings/demo/acct-coastal/uninstall", world.worker))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("uninstall");
    assert_eq!(unconfirmed.status(), StatusCode::BAD_REQUEST);
    assert!(unconfirmed.text().await.expect("page").contains("Yes, uninstall it"));
    let kept = installations::find(world.state.db(), aurora_crm_worker::crm::Crm::Demo, "acct-coastal").await;
    assert!(kept.expect("find").is_some(), "nothing removed");
    let response = admin
        .post(format!("{}/settings/demo/acct-coastal/uninstall", world.worker))
        .form(&[("csrf", csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .expect("uninstall");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.expect("page").contains("uninstalled"));
    assert!(
        installations::find(world.state.db(), aurora_crm_worker::crm::Crm::Demo, "acct-coastal")
            .await
            .expect("find")
            .is_none()
    );
    assert!(!world.crm.state().installations.contains_key("acct-coastal"), "the CRM uninstalled us too");
    assert!(world.crm.state().grants.refresh_tokens().all(|(_, grant)| grant.subject.account_id != "acct-coastal"));
    let after = admin.get(format!("{}/settings/demo/acct-coastal", world.worker)).send().await.expect("settings");
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED, "the admin session ended with the uninstall");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_crm_access_tokens_are_refreshed_and_sealed_again() {
    // Access tokens that expire within the refresh margin: every CRM call refreshes first.
    let world = world_with_token_lifetime(1).await;
    let admin = browser();
    let (_, page) = install(&admin, &world, "nia@northwind.example").await;
    let sealed_at_install = installations::find(world.state.db(), aurora_crm_worker::crm::Crm::Demo, "acct-northwind")
        .await
        .expect("find")
        .expect("row")
        .crm_tokens_sealed;
    // The install's access token expires, at the CRM and for the worker alike.
    world.crm.clock.advance(Duration::from_secs(2));
    let page_again = settings_page(&admin, &world, "acct-northwind").await;
    assert!(
        page.contains("Present:") && page_again.contains("Present:"),
        "the CRM answered with a fresh token: {page_again}"
    );
    let sealed_now = installations::find(world.state.db(), aurora_crm_worker::crm::Crm::Demo, "acct-northwind")
        .await
        .expect("find")
        .expect("row")
        .crm_tokens_sealed;
    assert_ne!(sealed_now, sealed_at_install, "the refreshed tokens are stored, sealed");
    // The CRM's own view: more than one access token issued for the account.
    let issued = world.crm.state().access_tokens.values().filter(|g| g.account_id == "acct-northwind").count();
    assert!(issued >= 2, "{issued} access tokens");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_given_up_on_is_counted_with_its_reason_on_the_health_section() {
    let world = world().await;
    let admin = browser();
    let (_, page) = install(&admin, &world, "ada@sunrise.example").await;
    assert!(page.contains("data-testid=admin-dead-work>none<"), "nothing dead yet: {page}");
    // Figures for an opportunity that cannot be read back: given up on at the first run.
    let now = unix_now();
    aurora_crm_worker::storage::Database::execute(
        world.state.db(),
        &format!(
            "INSERT INTO write_backs (crm, account_id, opportunity_id, aurora_design_id, fields_json, created_at, \
             next_attempt_at) VALUES ('demo', 'acct-sunrise', 'opp-1001', 'd-1', 'not json', {now}, {now})"
        ),
        &[],
    )
    .await
    .expect("insert");
    assert_eq!(aurora_crm_worker::jobs::sweep(&world.state).await, 1);
    let page = settings_page(&admin, &world, "acct-sunrise").await;
    assert!(page.contains("Figures written to the CRM: 1 (unreadable figures"), "{page}");
    assert!(page.contains("data-testid=admin-late-projects>none<"), "{page}");
    // A late attempt's project (its claim was taken over): the admin learns what to check.
    let key = aurora_crm_worker::ids::OpportunityKey {
        crm: aurora_crm_worker::crm::Crm::Demo,
        account_id: "acct-sunrise".into(),
        opportunity_id: "opp-1002".into(),
    };
    aurora_crm_worker::storage::late_projects::record(world.state.db(), &key, common::TENANT, "project-late-1", 1)
        .await
        .expect("record");
    let page = settings_page(&admin, &world, "acct-sunrise").await;
    assert!(page.contains("Opportunity opp-1002: Aurora may hold a second project, project-late-1"), "{page}");
    // Another account's health shows none of it.
    let nia = browser();
    let (_, page) = install(&nia, &world, "nia@northwind.example").await;
    assert!(page.contains("data-testid=admin-dead-work>none<"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_sends_a_test_webhook_from_aurora_and_reads_that_it_arrived() {
    let world = world().await;
    at_start_of_limit_windows(&world);
    let admin = browser();
    let (_, page) = install(&admin, &world, "ada@sunrise.example").await;
    let press = || {
        admin
            .post(format!("{}/settings/demo/acct-sunrise/check-webhooks", world.worker))
            .form(&[("csrf", hidden(&page, "csrf"))])
            .send()
    };
    let answer = press().await.expect("check");
    assert_eq!(answer.status(), StatusCode::OK);
    let landed = answer.text().await.expect("page");
    assert!(landed.contains("Aurora's test webhook reached the app"), "{landed}");
    // Each test costs calls on the application key every customer shares: three per ten
    // minutes per installation.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let answer = press().await.expect("check");
        statuses.push(answer.status());
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(answer.text().await.expect("page").contains("Too many test webhooks"));
        }
    }
    assert_eq!(statuses, [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
    // Without the session's CSRF value nothing is sent.
    let forged = admin
        .post(format!("{}/settings/demo/acct-sunrise/check-webhooks", world.worker))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("check");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

/// An admin of one CRM account cannot link another company's tenant by
/// its id: the link needs a code that only a user of the tenant gets from Aurora. A tenant
/// moves only with that proof, and the account that had it is told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_is_linked_with_proof_and_moves_only_when_its_holder_releases_it() {
    let world = world().await;
    let (ada, nia) = (browser(), browser());
    let (_, sunrise_page) = install(&ada, &world, "ada@sunrise.example").await;
    let (_, northwind_page) = install(&nia, &world, "nia@northwind.example").await;
    let (sunrise_csrf, northwind_csrf) = (hidden(&sunrise_page, "csrf"), hidden(&northwind_page, "csrf"));
    let code = link_code(&world, TENANT).await;
    assert!(link(&ada, &world, "acct-sunrise", &sunrise_csrf, &code).await.1.contains("proven with Aurora"));
    // Before it issued that code, the worker asked Aurora about a made-up session token.
    let health = settings_page(&ada, &world, "acct-sunrise").await;
    assert!(health.contains("A made-up session token: refused"), "{health}");

    // Nia knows the tenant id. Without a session token of the tenant there is no code: a
    // made-up token, another tenant's token, or none at all is refused by the connect page.
    let theirs = common::session_token(&world.aurora, common::OTHER_TENANT).await;
    for (query, status) in [
        (format!("aurora_tenant_id={TENANT}&aurora_session_token=st_made_up"), StatusCode::UNAUTHORIZED),
        (format!("aurora_tenant_id={TENANT}&aurora_session_token={theirs}"), StatusCode::UNAUTHORIZED),
        (format!("aurora_tenant_id={TENANT}"), StatusCode::BAD_REQUEST),
    ] {
        let (got, page) = connect(&world, &query).await;
        assert_eq!(got, status, "{query}: {page}");
        assert!(!page.contains("data-testid=link-code"), "{query}");
    }
    // The connect page, whatever it answers, is framed by Aurora's web app only, never
    // cached, and sends its URL (a session token in it) nowhere as a referrer.
    let page = reqwest::get(format!("{}/connect/aurora?aurora_tenant_id={TENANT}", world.worker)).await.expect("page");
    let header = |name: &str| page.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(
        header("content-security-policy").contains("frame-ancestors 'self' "),
        "{}",
        header("content-security-policy")
    );
    assert!(header("content-security-policy").starts_with("default-src 'none'"));
    assert_eq!((header("cache-control"), header("referrer-policy")), ("no-store".into(), "no-referrer".into()));
    // A user of the tenant hands a code to another account: the tenant stays where it is,
    // and Sunrise's admin is told of the attempt.
    let code = link_code(&world, TENANT).await;
    let (status, refused) = link(&nia, &world, "acct-northwind", &northwind_csrf, &code).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused.contains("linked to another demo CRM account: its admin releases it"), "{refused}");
    let db = world.state.db.clone();
    let holder = |account: &'static str| {
        let db = db.clone();
        async move {
            let found = installations::find(db.as_ref(), aurora_crm_worker::crm::Crm::Demo, account).await;
            found.expect("find").expect("installed").aurora_tenant_id
        }
    };
    assert_eq!(holder("acct-sunrise").await.as_deref(), Some(TENANT));
    assert_eq!(holder("acct-northwind").await, None);
    let health = settings_page(&ada, &world, "acct-sunrise").await;
    assert!(health.contains(&format!("Linked to {TENANT}")), "{health}");
    assert!(health.contains("tried to link it to another CRM account (demo acct-northwind)"), "{health}");
    // The settings link in the CRM installs again: the notice is still there to read.
    let (_, reinstalled) = install(&ada, &world, "ada@sunrise.example").await;
    assert!(reinstalled.contains("tried to link it to another CRM account"), "{reinstalled}");
    let sunrise_csrf = hidden(&reinstalled, "csrf");

    // Sunrise's admin releases it: then a code from the tenant links Northwind.
    let released = ada
        .post(format!("{}/settings/demo/acct-sunrise/tenant/release", world.worker))
        .form(&[("csrf", sunrise_csrf.as_str())])
        .send()
        .await
        .expect("release");
    let released = released.text().await.expect("page");
    assert!(released.contains("Aurora tenant released") && released.contains("Not linked"), "{released}");
    let code = link_code(&world, TENANT).await;
    let (status, moved) = link(&nia, &world, "acct-northwind", &northwind_csrf, &code).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert!(moved.contains(&format!("Linked to {TENANT}")));
    assert_eq!(holder("acct-northwind").await.as_deref(), Some(TENANT));

    // Guessing codes is cut off after a few attempts.
    let mut statuses = Vec::new();
    for attempt in 0..12 {
        statuses.push(link(&ada, &world, "acct-sunrise", &sunrise_csrf, &format!("ZZZZ-{attempt:04}")).await.0);
    }
    // Ten attempts per ten minutes, Sunrise's own link and the refused one among them.
    let refused = [StatusCode::UNPROCESSABLE_ENTITY; 9];
    assert_eq!(statuses[..9], refused[..], "{statuses:?}");
    assert!(statuses[9..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}

/// Where Aurora does not refuse forged session tokens (or another tenant's), a code proves
/// nothing: the worker finds out before issuing one, and the link waits for the operator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_aurora_accepts_tokens_it_should_refuse_links_wait_for_the_operator() {
    for check in ["ignores-unknown", "any-tenant"] {
        let world = world_with(&["--session-token-check", check], 3600).await;
        if check == "any-tenant" {
            // A delivery of the other tenant leaves a session token the worker tries.
            let held = common::session_token(&world.aurora, common::OTHER_TENANT).await;
            let delivery = reqwest::Client::new()
                .get(format!(
                    "{}/webhooks/aurora/app-status?status=enabled&tenant_id={}&session_token={held}",
                    world.worker,
                    common::OTHER_TENANT
                ))
                .header("x-aurora-webhook-token", common::WEBHOOK_TOKEN)
                .send()
                .await
                .expect("deliver");
            assert_eq!(delivery.status(), StatusCode::OK, "{check}");
        }
        let admin = browser();
        let (_, page) = install(&admin, &world, "ada@sunrise.example").await;
        let csrf = hidden(&page, "csrf");
        let session = common::session_token(&world.aurora, TENANT).await;
        let (status, shown) =
            connect(&world, &format!("aurora_tenant_id={TENANT}&aurora_session_token={session}")).await;
        assert_eq!(status, StatusCode::OK, "{check}: {shown}");
        assert!(shown.contains("data-testid=link-awaits-operator"), "{check}: {shown}");
        let start = shown.find("data-testid=link-code>").expect("a code") + "data-testid=link-code>".len();
        let code = &shown[start..start + shown[start..].find('<').expect("end")];
        let (status, linked) = link(&admin, &world, "acct-sunrise", &csrf, code).await;
        assert_eq!(status, StatusCode::OK, "{check}: {linked}");
        assert!(
            linked.contains("awaiting the operator&#x27;s approval")
                || linked.contains("awaiting the operator's approval"),
            "{check}: {linked}"
        );
        assert!(linked.contains("ACCEPTED"), "{check}: the health section says what Aurora did: {linked}");
        let state = |db| async move {
            let found = installations::find(db, aurora_crm_worker::crm::Crm::Demo, "acct-sunrise").await;
            found.expect("find").expect("installed").tenant_link
        };
        assert_eq!(state(world.state.db()).await, Some(installations::TenantLink::AwaitingOperator), "{check}");
        // The rep cannot create a project yet: the opportunity reads as not linked.
        let key = aurora_crm_worker::ids::OpportunityKey {
            crm: aurora_crm_worker::crm::Crm::Demo,
            account_id: "acct-sunrise".into(),
            opportunity_id: "opp-1".into(),
        };
        let view = aurora_crm_worker::projects::view(&world.state, &key).await.expect("view");
        let shown = aurora_crm_worker::projects::state_of(&world.state, &view).expect("state");
        assert_eq!(shown, widget_api::OpportunityState::NotLinked, "{check}");
        // The operator approves it (after asking the tenant's Aurora admin).
        installations::approve_link(world.state.db(), aurora_crm_worker::crm::Crm::Demo, "acct-sunrise", 2)
            .await
            .expect("approve");
        let view = aurora_crm_worker::projects::view(&world.state, &key).await.expect("view");
        let shown = aurora_crm_worker::projects::state_of(&world.state, &view).expect("state");
        assert_eq!(shown, widget_api::OpportunityState::NoProject, "{check}");
    }
}

/// The connect page's budget is per client first: one caller with junk tokens uses up its
/// own, and a user of another tenant elsewhere still gets a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_caller_cannot_use_up_linking_for_everyone() {
    let world = world().await;
    at_start_of_limit_windows(&world);
    let from = |client: &'static str, query: String| {
        let url = format!("{}/connect/aurora?{query}", world.worker);
        async move {
            let response =
                reqwest::Client::new().get(url).header("cf-connecting-ip", client).send().await.expect("connect");
            response.status()
        }
    };
    let mut statuses = Vec::new();
    for attempt in 0..12 {
        // The first ten name tenants that do not exist (Aurora: 404), then the real one.
        let tenant = if attempt < 10 { format!("00000000-0000-4000-8000-{attempt:012}") } else { TENANT.to_owned() };
        let junk = format!("aurora_tenant_id={tenant}&aurora_session_token=junk");
        statuses.push(from("203.0.113.7", junk).await);
    }
    assert!(statuses[..10].iter().all(|s| *s != StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let session = common::session_token(&world.aurora, common::OTHER_TENANT).await;
    let real = format!("aurora_tenant_id={}&aurora_session_token={session}", common::OTHER_TENANT);
    assert_eq!(from("198.51.100.2", real).await, StatusCode::OK, "another client, another tenant");
    // A tenant's own budget holds however many addresses ask for it: ten in ten minutes.
    let mut statuses = Vec::new();
    for client in 1..=12 {
        let query = format!("aurora_tenant_id={TENANT}&aurora_session_token=junk");
        statuses.push(from(["192.0.2.1", "192.0.2.2", "192.0.2.3"][client % 3], query).await);
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}

/// An admin session ends when the installation it was for is
/// reinstalled or uninstalled, whoever did it and from wherever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reinstalling_or_uninstalling_ends_every_earlier_admin_session() {
    let world = world().await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let second = reqwest::Client::builder().cookie_provider(jar.clone()).build().expect("client");
    let first = browser();
    let (_, page) = install(&first, &world, "ada@sunrise.example").await;
    let csrf = hidden(&page, "csrf");
    let save = |browser: reqwest::Client, csrf: String| {
        let url = format!("{}/settings/demo/acct-sunrise/auto-create", world.worker);
        async move {
            let response = browser.post(url).form(&[("csrf", csrf.as_str()), ("enabled", "on")]).send().await;
            response.expect("save").status()
        }
    };
    assert_eq!(save(first.clone(), csrf.clone()).await, StatusCode::OK, "the session works");
    // The CRM takes the admin role away: the next change is refused, though the session lives.
    let set_role = |role: demo_crm::Role| {
        let mut crm = world.crm.state();
        if let Some(user) = crm.users.iter_mut().find(|u| u.email == "ada@sunrise.example") {
            user.role = role;
        }
    };
    set_role(demo_crm::Role::Rep);
    assert_eq!(save(first.clone(), csrf.clone()).await, StatusCode::FORBIDDEN, "no longer an admin");
    let read = first.get(format!("{}/settings/demo/acct-sunrise", world.worker)).send().await.expect("settings");
    assert_eq!(read.status(), StatusCode::FORBIDDEN, "nor does a former admin read the settings");
    set_role(demo_crm::Role::Admin);
    assert_eq!(save(first.clone(), csrf.clone()).await, StatusCode::OK, "an admin again");
    let (_, page) = install(&second, &world, "ada@sunrise.example").await;
    assert_eq!(save(first.clone(), csrf.clone()).await, StatusCode::UNAUTHORIZED, "reinstalled elsewhere");

    // A copy of the second browser's session cookie, taken while it is valid...
    let settings: reqwest::Url = format!("{}/settings/demo/acct-sunrise", world.worker).parse().expect("url");
    use reqwest::cookie::CookieStore;
    let cookie = jar.cookies(&settings).expect("a session cookie");
    let copied = || async {
        let response = reqwest::Client::new().get(settings.clone()).header("cookie", cookie.clone()).send().await;
        response.expect("page").status()
    };
    assert_eq!(copied().await, StatusCode::OK);
    let uninstall = second
        .post(format!("{settings}/uninstall"))
        .form(&[("csrf", hidden(&page, "csrf").as_str()), ("confirm", "yes")])
        .send()
        .await
        .expect("uninstall");
    assert_eq!(uninstall.status(), StatusCode::OK);
    // ...opens nothing after an uninstall, nor after the reinstall that follows.
    assert_eq!(copied().await, StatusCode::UNAUTHORIZED, "uninstalled");
    let (_, page) = install(&first, &world, "ada@sunrise.example").await;
    assert_eq!(copied().await, StatusCode::UNAUTHORIZED, "reinstalled");

    // The app is removed in the CRM itself (its tokens die there): nobody's role can be
    // asked any more, yet the admin still reads the settings and uninstalls here.
    world.crm.state().uninstall("acct-sunrise");
    let read = first.get(settings.clone()).send().await.expect("settings");
    assert_eq!(read.status(), StatusCode::OK);
    assert!(read.text().await.expect("page").contains("no longer accepts this app"));
    let uninstall = first
        .post(format!("{settings}/uninstall"))
        .form(&[("csrf", hidden(&page, "csrf").as_str()), ("confirm", "yes")])
        .send()
        .await
        .expect("uninstall");
    assert_eq!(uninstall.status(), StatusCode::OK, "{}", uninstall.text().await.unwrap_or_default());
}

/// The install's OAuth uses PKCE, its `state` works once (a replayed
/// callback never reaches the CRM), and the code exchange is never repeated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_uses_pkce_its_state_works_once_and_its_code_is_exchanged_once() {
    let world = world().await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let manual = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = manual
        .post(format!("{}/login", world.crm_url))
        .form(&[("email", "ada@sunrise.example"), ("password", demo_crm::FIXTURE_PASSWORD), ("next", "/")])
        .send()
        .await
        .expect("sign in");
    assert!(login.status().is_redirection());
    let start = manual.get(format!("{}/install/demo/start", world.worker)).send().await.expect("start");
    let authorize = start.headers()["location"].to_str().expect("location").to_owned();
    assert!(authorize.contains("code_challenge=") && authorize.contains("code_challenge_method=S256"), "{authorize}");
    use reqwest::cookie::CookieStore;
    let install_cookie =
        jar.cookies(&format!("{}/install/demo/callback", world.worker).parse().expect("url")).expect("install cookie");
    let consent = manual.get(&authorize).send().await.expect("consent").text().await.expect("page");
    let form = common::allowed_consent(&consent);
    let allowed = manual.post(format!("{}/oauth/authorize", world.crm_url)).form(&form).send().await.expect("allow");
    let callback = allowed.headers()["location"].to_str().expect("callback").to_owned();
    let first = manual.get(&callback).send().await.expect("callback");
    assert!(first.status().is_redirection(), "installed: {}", first.status());
    // Whoever holds the cookie and the callback URL replays them: refused before any CRM call.
    let replay = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let again = replay.get(&callback).header("cookie", install_cookie).send().await.expect("replay");
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.expect("page").contains("expired or was opened in another browser"));

    // A code exchange whose answer is lost is not repeated (a repeat would find the code
    // spent): the admin reads that the CRM did not answer, and installs again.
    let admin = browser();
    sign_in(&admin, &world, "nia@northwind.example").await;
    let (_, consent) = consent_page(&admin, &world).await;
    let form = common::allowed_consent(&consent);
    // Only the exchange's answer is lost: a repeat would reach the CRM, and be counted.
    let before = {
        let mut crm = world.crm.state();
        crm.drop_next_answers = 1;
        crm.token_requests
    };
    let failed = admin.post(format!("{}/oauth/authorize", world.crm_url)).form(&form).send().await.expect("allow");
    assert_eq!(failed.status(), StatusCode::BAD_GATEWAY);
    let page = failed.text().await.expect("page");
    assert!(page.contains("did not answer") || page.contains("not answering"), "{page}");
    assert_eq!(world.crm.state().token_requests - before, 1, "the code was exchanged once: {page}");
}
