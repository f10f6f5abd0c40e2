//! The chaos run: opportunities over six CRM accounts at once (three of the demo CRM, some
//! clicked, some created automatically; a Salesforce org polled, a HubSpot portal and a
//! Pipedrive company by webhook), while Aurora fails (429, 5xx, slow answers, dropped
//! connections), webhooks arrive three times and shuffled, every CRM's API fails a fifth of
//! its calls (reads and write-backs), and the worker is killed with SIGKILL and restarted on
//! the same database (`cargo xtask chaos` does the killing while this runs). It ends with
//! one line and fails on any loss or duplicate:
//! `200 opportunities: 200 projects, 200 designs, 200 write-backs, 0 duplicates, 0 lost, 0 dead`.

// A run whose report is its output: it prints its progress and its one line.
#![allow(clippy::print_stdout)]

#[path = "chaos/vendors.rs"]
mod vendors;

use conformance::{System, admin_linked, context, env, hidden, unix_now};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

/// One CRM account of the run.
struct Account {
    admin: &'static str,
    rep: &'static str,
    id: &'static str,
    tenant: String,
    /// Projects are created when the CRM reports a new opportunity; otherwise reps click.
    automatic: bool,
}

/// An opportunity made in the CRM.
#[derive(Debug, Clone)]
struct Made {
    account: &'static str,
    id: String,
    location: Value,
    clicked: bool,
    /// Made in a vendor's stand-in (an index into the vendor accounts), else the demo CRM.
    vendor: Option<usize>,
}

async fn put_faults(url: &str, faults: Value) {
    let answer = reqwest::Client::new().put(format!("{url}/sandbox/faults")).json(&faults).send().await;
    assert!(answer.expect("faults").status().is_success(), "faults at {url}");
}

/// What a rep's click does, through restarts: sessions and creates are repeated until the
/// worker answers (a killed worker refuses connections for a moment).
async fn click(system: &System, made: &Made) {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let signed =
            context(&system.crm_client_secret, made.account, &made.id, made.location.clone(), unix_now() + 300);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
        let session = client
            .post(format!("{}/v1/sessions", system.worker))
            .json(&json!({"crm": "demo", "context": signed}))
            .send()
            .await;
        if let Ok(session) = session
            && session.status() == StatusCode::OK
            && let Ok(body) = session.json::<Value>().await
        {
            let token = body["token"].as_str().unwrap_or_default().to_owned();
            let created = client
                .post(format!("{}/v1/opportunities/{}/project", system.worker, made.id))
                .bearer_auth(&token)
                .send()
                .await;
            match created.map(|r| r.status()) {
                Ok(status) if status.is_success() => return,
                // Aurora's outage or its limits, as the rep reads them: they click again.
                Ok(_) | Err(_) => {}
            }
        }
        assert!(Instant::now() < deadline, "{} never got its project", made.id);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What the widget shows for `made` now, if the worker answers.
async fn shown(system: &System, made: &Made) -> Option<String> {
    let signed = context(&system.crm_client_secret, made.account, &made.id, made.location.clone(), unix_now() + 300);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().ok()?;
    let body: Value = client
        .post(format!("{}/v1/sessions", system.worker))
        .json(&json!({"crm": "demo", "context": signed}))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    body["state"]["state"].as_str().map(str::to_owned)
}

#[tokio::test]
#[ignore = "run by `cargo xtask chaos`, which kills the worker while it runs (a small one in `cargo xtask test`)"]
async fn chaos_run() {
    let system = System::from_env();
    let count: usize = std::env::var("CHAOS_OPPORTUNITIES").ok().and_then(|n| n.parse().ok()).unwrap_or(30);
    let accounts = [
        Account {
            admin: "ada@sunrise.example",
            rep: "ana@sunrise.example",
            id: "acct-sunrise",
            tenant: system.tenant.clone(),
            automatic: true,
        },
        Account {
            admin: "nia@northwind.example",
            rep: "ben@northwind.example",
            id: "acct-northwind",
            tenant: system.second_tenant.clone(),
            automatic: true,
        },
        Account {
            admin: "cy@coastal.example",
            rep: "cy@coastal.example",
            id: "acct-coastal",
            tenant: env("CONFORMANCE_THIRD_TENANT"),
            automatic: false,
        },
    ];
    let mut admins = Vec::new();
    for account in &accounts {
        let (admin, settings, page) = admin_linked(&system, account.admin, &account.tenant).await;
        if account.automatic {
            conformance::automatic_projects_on(&admin, &settings, &page).await;
        }
        admins.push((admin, settings));
    }
    let mut vendor_accounts = Vec::new();
    for vendor in vendors::Vendor::ALL {
        vendor_accounts.push(vendors::VendorAccount::install(&system, vendor).await);
    }
    let mut reps = HashMap::new();
    for account in &accounts {
        let rep = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let login = rep
            .post(format!("{}/login", system.crm))
            .form(&[("email", account.rep), ("password", "demo"), ("next", "/")])
            .send()
            .await
            .expect("sign in");
        assert!(login.status().is_redirection(), "{} signs in", account.rep);
        reps.insert(account.id, rep);
    }

    // Everything fails some of the time from here on.
    put_faults(
        &system.aurora,
        json!({"rate_limited": 0.05, "server_error": 0.05, "slow": 0.05, "slow_ms": 2000, "dropped": 0.05,
               "duplicate_webhooks": 1.0, "duplicate_copies": 3, "webhook_jitter_ms": 3000}),
    )
    .await;
    put_faults(&system.crm, json!({"server_error": 0.2, "duplicate_webhooks": 1.0, "duplicate_copies": 3})).await;
    for vendor in vendors::Vendor::ALL {
        vendors::put_faults(vendor, &json!({"server_error": 0.2})).await;
    }
    let started = Instant::now();

    let mut made = Vec::new();
    let mut clicks = Vec::new();
    let every = accounts.len() + vendor_accounts.len();
    for i in 0..count {
        if let Some(vendor) = (i % every).checked_sub(accounts.len()) {
            let at = &vendor_accounts[vendor];
            let id = at.create_opportunity(&format!("Chaos {i}")).await;
            assert!(!id.is_empty(), "{} made an opportunity", at.vendor.crm());
            println!("chaos: created {}/{count} ({})", i + 1, at.external(&id));
            made.push(Made { account: at.account, id, location: Value::Null, clicked: false, vendor: Some(vendor) });
            continue;
        }
        let account = &accounts[i % every];
        let rep = &reps[account.id];
        let form_page = rep
            .get(format!("{}/opportunities/new", system.crm))
            .send()
            .await
            .expect("form")
            .text()
            .await
            .expect("page");
        let (latitude, longitude) = (30.0 + (i % 17) as f64, -120.0 + (i % 23) as f64);
        let created = rep
            .post(format!("{}/opportunities", system.crm))
            .form(&[
                ("csrf", hidden(&form_page, "csrf").as_str()),
                ("name", &format!("Chaos {i}")),
                ("customer", &format!("Customer {i}")),
                ("latitude", &latitude.to_string()),
                ("longitude", &longitude.to_string()),
            ])
            .send()
            .await
            .expect("create");
        let location = created.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default();
        let id = location.rsplit('/').next().unwrap_or_default().to_owned();
        assert!(id.starts_with("opp-"), "the CRM made an opportunity: {location}");
        // Reps of the account without automatic projects click; on the others, a rep
        // sometimes clicks too, racing the automatic creation.
        let clicked = !account.automatic || i % 5 == 0;
        let location = json!({"latitude": latitude, "longitude": longitude});
        let opportunity = Made { account: account.id, id, location, clicked, vendor: None };
        if clicked {
            let (system, opportunity) = (system.clone(), opportunity.clone());
            clicks.push(tokio::spawn(async move { click(&system, &opportunity).await }));
        }
        made.push(opportunity);
        println!("chaos: created {}/{count}", i + 1);
    }
    for click in clicks {
        click.await.expect("a rep's clicks");
    }
    println!(
        "chaos: every opportunity made and clicked in {:.0} s; faults off, settling",
        started.elapsed().as_secs_f64()
    );
    put_faults(&system.aurora, json!({})).await;
    put_faults(&system.crm, json!({})).await;
    for vendor in vendors::Vendor::ALL {
        vendors::put_faults(vendor, &json!({})).await;
    }

    // Settle: every opportunity with its project, its design shown, its figures in the CRM.
    let deadline = Instant::now() + Duration::from_secs(600);
    let (mut projects, mut designs, mut written, mut duplicates);
    loop {
        let all: Value = reqwest::get(format!("{}/sandbox/projects", system.aurora))
            .await
            .expect("projects")
            .json()
            .await
            .expect("json");
        let mut per_opportunity: HashMap<String, usize> = HashMap::new();
        for project in all["projects"].as_array().expect("list") {
            if let Some(external) = project["external_provider_id"].as_str() {
                *per_opportunity.entry(external.to_owned()).or_default() += 1;
            }
        }
        let external = |m: &Made| match m.vendor {
            Some(vendor) => vendor_accounts[vendor].external(&m.id),
            None => format!("demo:{}:{}", m.account, m.id),
        };
        projects = made.iter().filter(|m| per_opportunity.contains_key(&external(m))).count();
        duplicates = made.iter().filter(|m| per_opportunity.get(&external(m)).is_some_and(|n| *n > 1)).count();
        designs = 0;
        written = 0;
        for m in &made {
            if let Some(vendor) = m.vendor {
                // What the worker writes on a vendor's record comes from the design it
                // fetched: written is shown.
                if vendor_accounts[vendor].written(&m.id).await {
                    designs += 1;
                    written += 1;
                }
                continue;
            }
            if shown(&system, m).await.as_deref() == Some("design_ready") {
                designs += 1;
            }
            let crm: Value = reqwest::get(format!("{}/sandbox/opportunities/{}", system.crm, m.id))
                .await
                .expect("CRM")
                .json()
                .await
                .expect("json");
            if crm["fields"]["aurora_system_size_kw"].is_number() {
                written += 1;
            }
        }
        if (projects == count && designs == count && written == count) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let mut dead = 0;
    admins.extend(vendor_accounts.iter().map(|v| (v.admin.clone(), v.settings.clone())));
    for (admin, settings) in &admins {
        let page = admin.get(settings.as_str()).send().await.expect("settings").text().await.expect("page");
        let start = page.find("data-testid=admin-dead-work>").map(|i| i + "data-testid=admin-dead-work>".len());
        let shown = start.map(|s| &page[s..s + page[s..].find("</dd>").unwrap_or(0)]).unwrap_or("unreadable");
        if shown != "none" {
            dead += 1;
            println!("chaos: work given up on: {shown}");
        }
    }
    let lost = count - projects.min(designs).min(written);
    if lost > 0 {
        // Which accounts lost what: one line each, for whoever reads the run.
        let all: Value =
            reqwest::get(format!("{}/sandbox/projects", system.aurora)).await.expect("p").json().await.expect("j");
        let externals: Vec<String> = all["projects"]
            .as_array()
            .map(|p| p.iter().filter_map(|p| p["external_provider_id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        for m in &made {
            let (external, written) = match m.vendor {
                Some(vendor) => (vendor_accounts[vendor].external(&m.id), vendor_accounts[vendor].written(&m.id).await),
                None => {
                    (format!("demo:{}:{}", m.account, m.id), shown(&system, m).await.as_deref() == Some("design_ready"))
                }
            };
            if !externals.contains(&external) || !written {
                println!("chaos: lost {external}: project {}, written {written}", externals.contains(&external));
            }
        }
    }
    let clicked = made.iter().filter(|m| m.clicked).count();
    println!("chaos: {clicked} of the opportunities were clicked by a rep, the others created automatically");
    println!(
        "{count} opportunities: {projects} projects, {designs} designs, {written} write-backs, {duplicates} duplicates, \
         {lost} lost, {dead} dead (settled {:.0} s after the start)",
        started.elapsed().as_secs_f64()
    );
    assert_eq!((duplicates, lost, dead), (0, 0, 0), "the chaos run lost, doubled or gave up on work");
}
