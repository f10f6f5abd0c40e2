//! What the conformance tests share: the system under test, a cookie-keeping browser that
//! signs in to the demo CRM and installs the app through its OAuth flow, and signing as
//! the demo CRM signs (contexts and webhooks).
//!
//! The system under test is one of three targets; the suite is the same body over each:
//! - **in-process** (`cargo test`, no `CONFORMANCE_HOST`): the native host's Router on a
//!   temporary SQLite file and the sandbox's Aurora and demo CRM, served by this process;
//! - **native** and **edge** (`cargo xtask test`, which sets `CONFORMANCE_*`): the worker
//!   binary, or the Workers bundle on workerd, each with the sandbox, as separate processes.

use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use std::time::Duration;

/// A `CONFORMANCE_*` variable `cargo xtask test` sets.
pub fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the conformance tests through `cargo xtask test`"))
}

/// The system under test.
#[derive(Debug, Clone)]
pub struct System {
    /// `in-process`, `native` or `edge`.
    pub host: String,
    /// The worker's base URL.
    pub worker: String,
    /// The Aurora sandbox's base URL.
    pub aurora: String,
    /// The demo CRM's base URL.
    pub crm: String,
    /// The demo CRM's client secret (signs contexts and webhooks).
    pub crm_client_secret: String,
    /// The client secrets the local Salesforce, Pipedrive and HubSpot issued our app (they
    /// sign Canvas requests, panel tokens and requests).
    pub salesforce_client_secret: String,
    pub pipedrive_client_secret: String,
    pub hubspot_client_secret: String,
    /// The value of Aurora's webhook auth header.
    pub webhook_token: String,
    /// The Aurora tenant Sunrise's account is linked to.
    pub tenant: String,
    /// Another tenant, for Northwind's account (a tenant links to one account only).
    pub second_tenant: String,
    /// Runs the sweeper now (the edge host's Cron Trigger); `None` where the host sweeps by itself.
    pub sweep_url: Option<String>,
}

impl System {
    /// The system `cargo xtask test` started (`CONFORMANCE_HOST` is set), or else one
    /// started in this process.
    pub fn get() -> Self {
        if std::env::var_os("CONFORMANCE_HOST").is_some() { System::from_env() } else { in_process::start() }
    }

    /// From the environment.
    pub fn from_env() -> Self {
        System {
            host: env("CONFORMANCE_HOST"),
            worker: env("CONFORMANCE_WORKER_URL"),
            aurora: env("CONFORMANCE_AURORA_URL"),
            crm: env("CONFORMANCE_CRM_URL"),
            crm_client_secret: env("CONFORMANCE_CRM_CLIENT_SECRET"),
            salesforce_client_secret: env("CONFORMANCE_SALESFORCE_CLIENT_SECRET"),
            pipedrive_client_secret: env("CONFORMANCE_PIPEDRIVE_CLIENT_SECRET"),
            hubspot_client_secret: env("CONFORMANCE_HUBSPOT_CLIENT_SECRET"),
            webhook_token: env("CONFORMANCE_WEBHOOK_TOKEN"),
            tenant: env("CONFORMANCE_TENANT"),
            second_tenant: env("CONFORMANCE_SECOND_TENANT"),
            sweep_url: std::env::var("CONFORMANCE_SWEEP_URL").ok().filter(|u| !u.is_empty()),
        }
    }

    /// Gives the sweeper a chance to run: fires the Cron Trigger where there is one.
    pub async fn sweep(&self) {
        if let Some(url) = &self.sweep_url {
            let _ = reqwest::get(url).await;
        }
    }
}

/// A browser: keeps cookies, follows redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(30)).build().expect("an HTTP client")
}

/// The value of the hidden input `name` in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let start = [format!("name=\"{name}\" value=\""), format!("name={name} value=\"")]
        .iter()
        .find_map(|marker| page.find(marker.as_str()).map(|i| i + marker.len()))
        .unwrap_or_else(|| panic!("no hidden {name} in {page}"));
    let raw = &page[start..start + page[start..].find('"').expect("closing quote")];
    raw.replace("&#x2F;", "/").replace("&#x3D;", "=").replace("&amp;", "&").replace("&quot;", "\"")
}

/// Signs `browser` in to the demo CRM as `email` (password `demo`).
pub async fn sign_in(browser: &reqwest::Client, crm: &str, email: &str) {
    let response = browser
        .post(format!("{crm}/login"))
        .form(&[("email", email), ("password", "demo"), ("next", "/")])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), StatusCode::OK, "{email} signs in");
}

/// Signs in as `admin`, runs the marketplace install (start -> consent -> allow ->
/// callback); answers where the browser landed and the settings page.
pub async fn install(browser: &reqwest::Client, worker: &str, crm: &str, admin: &str) -> (reqwest::Url, String) {
    sign_in(browser, crm, admin).await;
    let consent = browser.get(format!("{worker}/install/demo/start")).send().await.expect("start");
    assert_eq!(consent.status(), StatusCode::OK, "the consent page");
    let page = consent.text().await.expect("consent page");
    let form = sandbox::kit::oauth::allowed_consent(&page).expect("a consent form");
    let response = browser.post(format!("{crm}/oauth/authorize")).form(&form).send().await.expect("allow");
    assert_eq!(response.status(), StatusCode::OK, "the settings page");
    let url = response.url().clone();
    (url, response.text().await.expect("settings page"))
}

/// What a user of `tenant` gets by opening the app from Aurora's Apps page: the link code
/// the worker shows (Aurora hands the app a fresh session token, as the sandbox does here).
pub async fn link_code(system: &System, tenant: &str) -> String {
    let issued: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/sandbox/tenants/{tenant}/session-tokens", system.aurora))
        .send()
        .await
        .expect("a session token")
        .json()
        .await
        .expect("json");
    let session = issued["session_token"].as_str().expect("token");
    let response = reqwest::get(format!(
        "{}/connect/aurora?aurora_tenant_id={tenant}&aurora_session_token={session}",
        system.worker
    ))
    .await
    .expect("the connect page");
    assert_eq!(response.status(), StatusCode::OK, "the connect page");
    let page = response.text().await.expect("page");
    let start = page.find("data-testid=link-code>").expect("a link code") + "data-testid=link-code>".len();
    page[start..start + page[start..].find('<').expect("end")].to_owned()
}

/// Installs the app for `admin`'s account and links `tenant` with a code from Aurora;
/// answers the settings page.
pub async fn install_and_link(system: &System, admin: &str, tenant: &str) -> String {
    admin_linked(system, admin, tenant).await.2
}

/// [`install_and_link`], answering the admin's browser (signed in to the settings), the
/// settings URL and the page.
pub async fn admin_linked(system: &System, admin: &str, tenant: &str) -> (reqwest::Client, String, String) {
    let browser = browser();
    let (landed, page) = install(&browser, &system.worker, &system.crm, admin).await;
    let settings = format!("{}{}", system.worker, landed.path());
    let page = link_tenant(system, &browser, &settings, &page, tenant).await;
    (browser, settings, page)
}

/// On the settings page at `settings` (`page`, as `browser` has it): links `tenant` with a
/// code from Aurora; answers the page after.
pub async fn link_tenant(
    system: &System,
    browser: &reqwest::Client,
    settings: &str,
    page: &str,
    tenant: &str,
) -> String {
    let code = link_code(system, tenant).await;
    let response = browser
        .post(format!("{settings}/tenant"))
        .form(&[("csrf", hidden(page, "csrf").as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("link");
    let page = response.text().await.expect("settings page");
    assert!(page.contains(&format!("Linked to {tenant}")), "{page}");
    page
}

/// On the settings page at `settings` (`page`, as `browser` has it): turns automatic
/// projects on.
pub async fn automatic_projects_on(browser: &reqwest::Client, settings: &str, page: &str) {
    let saved = browser
        .post(format!("{settings}/auto-create"))
        .form(&[("csrf", hidden(page, "csrf").as_str()), ("enabled", "on")])
        .send()
        .await
        .expect("auto-create");
    assert!(saved.status().is_success(), "automatic projects on at {settings}");
}

/// A demo CRM context, signed with `secret`, expiring at `exp`.
pub fn context(secret: &str, account: &str, opportunity: &str, location: serde_json::Value, exp: u64) -> String {
    let mut claims = serde_json::json!({
        "account_id": account, "user_id": "user-rep", "opportunity_id": opportunity,
        "opportunity_name": format!("Opportunity {opportunity}"), "exp": exp
    });
    if let (Some(claims), Some(location)) = (claims.as_object_mut(), location.as_object()) {
        claims.extend(location.clone());
    }
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// Headers of a demo CRM webhook delivery of `body`, signed with `secret` at `timestamp`.
pub fn crm_webhook_headers(secret: &str, delivery_id: &str, timestamp: i64, body: &str) -> Vec<(&'static str, String)> {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    vec![
        ("x-democrm-delivery", delivery_id.to_owned()),
        ("x-democrm-timestamp", timestamp.to_string()),
        ("x-democrm-signature", format!("v1={}", hex::encode(mac.finalize().into_bytes()))),
        ("content-type", "application/json".to_owned()),
    ]
}

/// The in-process target: the worker's native Router (a temporary SQLite file, the sweep on
/// its timer) and the sandbox's Aurora and demo CRM, each on a loopback port, served by a
/// runtime of their own that lives as long as the test process (each `#[tokio::test]` has
/// its own runtime, which ends with its test).
mod in_process {
    use super::System;
    use clap::Parser;
    use sandbox::{aurora, demo_crm};
    use std::sync::mpsc;

    const TENANT: &str = "7e57a000-0000-4000-8000-000000000001";
    const SECOND_TENANT: &str = "7e57a000-0000-4000-8000-000000000002";
    const THIRD_TENANT: &str = "7e57a000-0000-4000-8000-000000000003";
    const APPLICATION_ID: &str = "5a2d8e1c-0000-4000-8000-00000000a991";
    const APPLICATION_KEY: &str = "sandbox-application-key-not-a-secret";
    const CRM_CLIENT_ID: &str = "aurora-solar-for-crms";

    /// The sandbox's command line, parsed as the binary parses it.
    #[derive(Parser)]
    struct SandboxArgs {
        #[command(flatten)]
        aurora: aurora::Settings,
        #[command(flatten)]
        crm: demo_crm::Settings,
    }

    /// A fresh random secret (the `rand` of the sandbox's tokens).
    fn secret(label: &str) -> String {
        format!("{label}-{}", sandbox::kit::oauth::random_token(40))
    }

    pub fn start() -> System {
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("conformance in-process system".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
                runtime.block_on(async move {
                    let system = serve().await;
                    let _ = sender.send(system);
                    std::future::pending::<()>().await;
                });
            })
            .expect("a thread for the system");
        match receiver.recv() {
            Ok(Ok(system)) => system,
            Ok(Err(message)) => panic!("the in-process system did not start: {message}"),
            Err(_) => panic!("the in-process system's thread ended before it started"),
        }
    }

    async fn listener() -> Result<(tokio::net::TcpListener, String), String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
        Ok((listener, url))
    }

    async fn serve() -> Result<System, String> {
        let (aurora_listener, aurora_url) = listener().await?;
        let (crm_listener, crm_url) = listener().await?;
        let (worker_listener, worker_url) = listener().await?;
        let crm_client_secret = secret("crm");
        let (salesforce, pipedrive, hubspot) = (secret("salesforce"), secret("pipedrive"), secret("hubspot"));
        let webhook_token = secret("webhook");
        let signing = secret("signing");

        let args = SandboxArgs::try_parse_from([
            "sandbox",
            "--tenant",
            TENANT,
            "--tenant",
            SECOND_TENANT,
            "--tenant",
            THIRD_TENANT,
            "--worker-url",
            &worker_url,
            "--client-secret",
            &crm_client_secret,
            "--app-url",
            &format!("{worker_url}/connect/aurora"),
        ])
        .map_err(|e| e.to_string())?;
        let aurora = aurora::router(aurora::Sandbox::new(args.aurora.validated()?));
        let crm = demo_crm::router(demo_crm::Crm::new(args.crm.validated()?));
        tokio::spawn(async move { axum::serve(aurora_listener, aurora).await });
        tokio::spawn(async move { axum::serve(crm_listener, crm).await });

        // The worker as `cargo xtask test` configures it (xtask/src/local_system.rs), the
        // other CRMs' origins unreachable: their doors are tested by what they sign.
        let nowhere = "http://127.0.0.1:9";
        let settings: Vec<(&str, String)> = vec![
            ("WORKER_SIGNING_SECRET", signing),
            ("WORKER_PUBLIC_URL", worker_url.clone()),
            ("AURORA_BASE_URL", aurora_url.clone()),
            ("AURORA_ALLOW_LOOPBACK", "true".into()),
            ("AURORA_APPLICATION_ID", APPLICATION_ID.into()),
            ("AURORA_APPLICATION_KEY", APPLICATION_KEY.into()),
            ("AURORA_WEBHOOK_TOKEN", webhook_token.clone()),
            ("CRM_POLL_INTERVAL_SECONDS", "3".into()),
            ("ALLOWED_CRM_ORIGINS", crm_url.clone()),
            ("DEMO_CRM_BASE_URL", crm_url.clone()),
            ("DEMO_CRM_CLIENT_ID", CRM_CLIENT_ID.into()),
            ("DEMO_CRM_CLIENT_SECRET", crm_client_secret.clone()),
            ("SALESFORCE_LOGIN_URL", nowhere.into()),
            ("SALESFORCE_CONSUMER_KEY", "aurora-solar-canvas-local-consumer-key".into()),
            ("SALESFORCE_CONSUMER_SECRET", salesforce.clone()),
            ("PIPEDRIVE_CLIENT_ID", "aurora-solar-pipedrive-local-client".into()),
            ("PIPEDRIVE_CLIENT_SECRET", pipedrive.clone()),
            ("PIPEDRIVE_OAUTH_URL", nowhere.into()),
            ("PIPEDRIVE_FRAME_ORIGINS", nowhere.into()),
            ("HUBSPOT_CLIENT_ID", "aurora-solar-hubspot-local-client".into()),
            ("HUBSPOT_CLIENT_SECRET", hubspot.clone()),
            ("HUBSPOT_APP_ID", "4242001".into()),
            ("HUBSPOT_OAUTH_URL", nowhere.into()),
            ("HUBSPOT_API_URL", nowhere.into()),
            ("HUBSPOT_FRAME_ORIGINS", nowhere.into()),
        ];
        let lookup = |name: &str| settings.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let config = aurora_crm_worker::Config::from_lookup(lookup).map_err(|e| e.to_string())?;
        // Under `target/`, the last run's files cleared first (the system lives until the
        // process ends, so it cannot clear its own).
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/conformance/in-process");
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        let database = folder.join("worker.sqlite3");
        // Aurora's webhooks point at this worker, as `setup-webhooks` makes them.
        let transport = std::sync::Arc::new(aurora_api::reqwest_transport::ReqwestTransport::default());
        aurora_crm_worker::aurora_subscriptions::setup(&config.aurora.client(transport), &config, &worker_url)
            .await
            .map_err(|e| e.to_string())?;
        let worker = aurora_crm_worker::hosts::native::app(config, &database, None).await?;
        tokio::spawn(async move { axum::serve(worker_listener, worker).await });

        Ok(System {
            host: "in-process".into(),
            worker: worker_url,
            aurora: aurora_url,
            crm: crm_url,
            crm_client_secret,
            salesforce_client_secret: salesforce,
            pipedrive_client_secret: pipedrive,
            hubspot_client_secret: hubspot,
            webhook_token,
            tenant: TENANT.into(),
            second_tenant: SECOND_TENANT.into(),
            sweep_url: None,
        })
    }
}
