//! What the conformance tests share: the system under test (from `CONFORMANCE_*`
//! variables that `cargo xtask test` sets for each host), a cookie-keeping browser that
//! signs in to the demo CRM and installs the app through its OAuth flow, and signing as
//! the demo CRM signs (contexts and webhooks).

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
    /// `native` or `edge`.
    pub host: String,
    /// The worker's base URL.
    pub worker: String,
    /// The Aurora sandbox's base URL.
    pub aurora: String,
    /// The demo CRM's base URL.
    pub crm: String,
    /// The demo CRM's client secret (signs contexts and webhooks).
    pub crm_client_secret: String,
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
    /// From the environment.
    pub fn from_env() -> Self {
        System {
            host: env("CONFORMANCE_HOST"),
            worker: env("CONFORMANCE_WORKER_URL"),
            aurora: env("CONFORMANCE_AURORA_URL"),
            crm: env("CONFORMANCE_CRM_URL"),
            crm_client_secret: env("CONFORMANCE_CRM_CLIENT_SECRET"),
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

/// What a browser posts from a consent page's form (the one posting to an `authorize`
/// path): every hidden field, then `decision=allow`, the button the user pressed.
pub fn allowed_consent(page: &str) -> Vec<(String, String)> {
    let start = page.find("authorize\">").or_else(|| page.find("authorize>")).expect("a consent form");
    let form = &page[start..start + page[start..].find("</form>").expect("the form ends")];
    form.split("<input type=hidden name=")
        .skip(1)
        .filter_map(|field| {
            let (name, rest) = field.split_once(" value=\"")?;
            let value = &rest[..rest.find('"')?];
            let value =
                value.replace("&#x2F;", "/").replace("&#x3D;", "=").replace("&quot;", "\"").replace("&amp;", "&");
            Some((name.trim_matches('"').to_owned(), value))
        })
        .chain([("decision".to_owned(), "allow".to_owned())])
        .collect()
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
    let form = allowed_consent(&page);
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
    let code = link_code(system, tenant).await;
    let response = browser
        .post(format!("{}{}/tenant", system.worker, landed.path()))
        .form(&[("csrf", hidden(&page, "csrf").as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("link");
    let page = response.text().await.expect("settings page");
    assert!(page.contains(&format!("Linked to {tenant}")), "{page}");
    (browser, settings, page)
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
