//! The chaos run's accounts in the vendors' stand-ins: a Salesforce org (new Opportunities
//! polled), a HubSpot portal and a Pipedrive company (new deals by webhook), each installed
//! through its own consent as its admin would, linked to its own Aurora tenant, with
//! automatic projects on. Each makes its opportunities where its users do, switches faults
//! on in its own API, and reads back what the worker wrote on each.

use conformance::{System, env, link_tenant};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Which vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Salesforce,
    HubSpot,
    Pipedrive,
}

impl Vendor {
    pub const ALL: [Vendor; 3] = [Vendor::Salesforce, Vendor::HubSpot, Vendor::Pipedrive];

    /// The worker's name for it.
    pub fn crm(self) -> &'static str {
        match self {
            Vendor::Salesforce => "salesforce",
            Vendor::HubSpot => "hubspot",
            Vendor::Pipedrive => "pipedrive",
        }
    }

    /// The stand-in's origin.
    pub fn url(self) -> String {
        env(&format!("CONFORMANCE_{}_URL", self.crm().to_uppercase()))
    }

    /// The Aurora tenant its account links.
    pub fn tenant(self) -> String {
        env(&format!("CONFORMANCE_{}_TENANT", self.crm().to_uppercase()))
    }

    /// The account (org, portal, company) the run installs in, and its admin.
    fn account_and_admin(self) -> (&'static str, &'static str) {
        match self {
            Vendor::Salesforce => ("00D8a0000100001AAA", "alex@sunrise-solar.example"),
            Vendor::HubSpot => ("7002", "bea@bayview.example"),
            Vendor::Pipedrive => ("1002", "cole@coastline.example"),
        }
    }
}

/// A vendor account of the run: installed, linked, automatic projects on.
pub struct VendorAccount {
    pub vendor: Vendor,
    pub account: &'static str,
    /// The admin's browser, signed in to the vendor and to the app's settings.
    pub admin: reqwest::Client,
    /// The app's settings page for the account.
    pub settings: String,
}

impl VendorAccount {
    /// Installs the app in the vendor's account as its admin, links its tenant, and turns
    /// automatic projects on.
    pub async fn install(system: &System, vendor: Vendor) -> VendorAccount {
        let (account, admin_user) = vendor.account_and_admin();
        let admin = conformance::browser();
        let page = match vendor {
            Vendor::Salesforce => salesforce_install(system, &admin, admin_user).await,
            Vendor::HubSpot => {
                sign_in(&admin, &vendor.url(), "/login", &[("email", admin_user), ("loginRedirectUrl", "/")]).await;
                let consent =
                    admin.get(format!("{}/install/hubspot/start", system.worker)).send().await.expect("start");
                allow(&admin, &vendor.url(), "/oauth/authorize", &consent.text().await.expect("consent")).await
            }
            Vendor::Pipedrive => {
                sign_in(&admin, &vendor.url(), "/auth/login", &[("email", admin_user), ("return_url", "/")]).await;
                let market = admin.get(format!("{}/marketplace", vendor.url())).send().await.expect("marketplace");
                let market = market.text().await.expect("page");
                let link = conformance_value_of(&market, "<a href=\"/oauth/authorize?").replace("&amp;", "&");
                let consent =
                    admin.get(format!("{}/oauth/authorize?{link}", vendor.url())).send().await.expect("install");
                allow(&admin, &vendor.url(), "/oauth/authorize", &consent.text().await.expect("consent")).await
            }
        };
        let settings = format!("{}/settings/{}/{account}", system.worker, vendor.crm());
        assert!(page.contains("data-testid=admin-tenant-status"), "{} installed: {page}", vendor.crm());
        let page = link_tenant(system, &admin, &settings, &page, &vendor.tenant()).await;
        conformance::automatic_projects_on(&admin, &settings, &page).await;
        VendorAccount { vendor, account, admin, settings }
    }

    /// Makes an opportunity where the vendor's users do; answers its id.
    pub async fn create_opportunity(&self, name: &str) -> String {
        let url = self.vendor.url();
        match self.vendor {
            // An integration (or Data Loader) inserting the record.
            Vendor::Salesforce => {
                let made: Value = reqwest::Client::new()
                    .post(format!("{url}/sandbox/opportunities"))
                    .json(&json!({ "org_id": self.account, "name": name }))
                    .send()
                    .await
                    .expect("create")
                    .json()
                    .await
                    .expect("json");
                made["id"].as_str().expect("an id").to_owned()
            }
            // The admin's deal form, on a company (HubSpot) or organization (Pipedrive) with an address.
            Vendor::HubSpot | Vendor::Pipedrive => {
                let form: [(&str, &str); 2] = if self.vendor == Vendor::HubSpot {
                    [("dealname", name), ("company_id", "303")]
                } else {
                    [("title", name), ("org_id", "103")]
                };
                let landed = self.admin.post(format!("{url}/deals/new")).form(&form).send().await.expect("create");
                // The browser followed the redirect to `/deal/{id}`.
                let path = landed.url().path().to_owned();
                assert!(
                    path.starts_with("/deal/"),
                    "{} made no deal: {}",
                    self.vendor.crm(),
                    landed.text().await.unwrap_or_default()
                );
                path.rsplit('/').next().unwrap_or_default().to_owned()
            }
        }
    }

    /// The opportunity's id as the worker names it in Aurora (`crm:account:id`).
    pub fn external(&self, id: &str) -> String {
        format!("{}:{}:{id}", self.vendor.crm(), self.account)
    }

    /// Whether the worker wrote the design's figures on the opportunity.
    pub async fn written(&self, id: &str) -> bool {
        let url = self.vendor.url();
        let path = match self.vendor {
            Vendor::Salesforce => format!("{url}/sandbox/opportunities/{id}"),
            Vendor::HubSpot | Vendor::Pipedrive => format!("{url}/sandbox/deals/{id}"),
        };
        let Ok(answer) = reqwest::get(path).await else { return false };
        let record: Value = answer.json().await.unwrap_or_default();
        let size = match self.vendor {
            Vendor::Salesforce => &record["fields"]["Aurora_System_Size_kW__c"],
            Vendor::HubSpot => &record["properties"]["aurora_system_size_kw"],
            Vendor::Pipedrive => &record["fields"]["Aurora system size (kW)"],
        };
        size.is_number() || size.as_str().is_some_and(|s| s.parse::<f64>().is_ok())
    }
}

/// Switches `faults` on in the vendor's API.
pub async fn put_faults(vendor: Vendor, faults: &Value) {
    let answer = reqwest::Client::new().put(format!("{}/sandbox/faults", vendor.url())).json(faults).send().await;
    assert!(answer.expect("faults").status().is_success(), "faults at {}", vendor.crm());
}

async fn sign_in(browser: &reqwest::Client, url: &str, path: &str, form: &[(&str, &str)]) {
    let mut form = form.to_vec();
    form.push(("password", "demo"));
    let response = browser.post(format!("{url}{path}")).form(&form).send().await.expect("sign in");
    assert_eq!(response.status(), StatusCode::OK, "signs in at {url}");
}

/// Allows the consent `page` (a form the stand-in posts to `path`); answers where it lands.
async fn allow(browser: &reqwest::Client, url: &str, path: &str, page: &str) -> String {
    let form = sandbox::kit::oauth::allowed_consent(page).unwrap_or_else(|| panic!("no consent form in {page}"));
    let landed = browser.post(format!("{url}{path}")).form(&form).send().await.expect("allow");
    landed.text().await.expect("settings")
}

/// Salesforce: the worker's start leads to My Domain's login (keeping where to return),
/// then to the consent.
async fn salesforce_install(system: &System, admin: &reqwest::Client, username: &str) -> String {
    let login = admin.get(format!("{}/install/salesforce/start", system.worker)).send().await.expect("start");
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
    let form = sandbox::kit::oauth::allowed_consent(&page).unwrap_or_else(|| panic!("no consent form in {page}"));
    let settings = admin
        .post(consent_url.join("/services/oauth2/authorize").expect("url"))
        .form(&form)
        .send()
        .await
        .expect("allow");
    settings.text().await.expect("settings")
}

/// The text after `marker` up to the next quote.
fn conformance_value_of(page: &str, marker: &str) -> String {
    let start = page.find(marker).unwrap_or_else(|| panic!("no {marker} in {page}")) + marker.len();
    page[start..start + page[start..].find('"').expect("closing quote")].to_owned()
}
