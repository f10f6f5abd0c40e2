//! End-to-end tests live in `tests/`; they need the local system and a chromedriver,
//! which `cargo xtask test` starts and passes in through `E2E_*` environment variables.
//! This library holds what they share: the browser, waiting, screenshots.

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use std::time::Duration;

/// An `E2E_*` variable `cargo xtask test` sets.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the e2e tests through `cargo xtask test`"))
}

/// A fresh headless Chromium through chromedriver, `width` x `height`, in the light or
/// dark colour scheme.
pub async fn chromium_sized(width: u32, height: u32, dark: bool) -> Client {
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--lang=en-US".into(),
        format!("--window-size={width},{height}"),
    ];
    if dark {
        args.push("--force-dark-mode".into());
    }
    let capabilities = serde_json::json!({
        "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args }
    });
    let serde_json::Value::Object(capabilities) = capabilities else { unreachable!("a JSON object") };
    ClientBuilder::rustls()
        .expect("rustls client")
        .capabilities(capabilities)
        .connect(&env("E2E_WEBDRIVER_URL"))
        .await
        .expect("connect to chromedriver")
}

/// A desktop-sized Chromium in the light scheme.
pub async fn chromium() -> Client {
    chromium_sized(1280, 900, false).await
}

/// Fires the edge host's Cron Trigger (the sweeper), where the host needs it fired; the
/// native host sweeps by itself.
pub async fn sweep() {
    if let Ok(url) = std::env::var("E2E_SWEEP_URL")
        && !url.is_empty()
    {
        let _ = reqwest::get(url).await;
    }
}

/// Inside the widget's frame: waits for the design, sweeping meanwhile (the edge host's Cron).
pub async fn design_ready(client: &Client, seconds: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    while client.find(Locator::Css("[data-testid=state-design-ready]")).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "no design within {seconds} s");
        sweep().await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Inside the widget's frame: every element of the widget's screen as the rep sees it (its
/// tag, class, test id, own text, and box relative to the widget, in whole pixels), once
/// the page has loaded with its stylesheet and its layout has settled (the CRM sizes its
/// frame to the widget a moment after it changes: until then a scrollbar narrows it). Two
/// screens that read the same here look the same: the hydration markers a server render
/// leaves (comments) are not elements.
pub async fn screen_snapshot(client: &Client) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut last = serde_json::Value::Null;
    loop {
        let seen = client
            .execute(
                "if (document.readyState !== 'complete' || document.body.dataset.left) return null;\
                 const root = document.getElementById('aurora-widget'); if (!root) return null;\
                 const at = root.getBoundingClientRect();\
                 return [...root.querySelectorAll('*')].map((e) => { const r = e.getBoundingClientRect();\
                   const own = [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();\
                   const cls = typeof e.className === 'string' ? e.className : e.getAttribute('class');\
                   return [e.tagName, cls, e.dataset ? e.dataset.testid || null : null, own,\
                     Math.round(r.x - at.x), Math.round(r.y - at.y), Math.round(r.width), Math.round(r.height)]; });",
                vec![],
            )
            .await
            .expect("read the screen");
        if !seen.is_null() && seen == last {
            return seen;
        }
        assert!(std::time::Instant::now() < deadline, "the widget's page did not load and settle");
        last = seen;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Inside the widget's frame: reloads the widget's page (only the frame). The old page is
/// marked as left, so [`screen_snapshot`] reads only the new one.
pub async fn reload_widget(client: &Client) {
    client
        .execute("document.body.dataset.left = '1'; location.reload();", vec![])
        .await
        .expect("reload the widget's page");
}

/// Inside the widget's frame: once the widget is live (its wasm took the page over), moves
/// the frame's clock `hours` ahead, as if the tab had stayed open that long: the widget's
/// session token is then about to end by its clock, and its next call renews the session
/// through the CRM first. (The worker's token stays valid: what this shows is that the
/// widget renews through the CRM's own mechanism; the worker refusing an ended token is
/// the worker's tests'.)
pub async fn age_the_widget(client: &Client, hours: u32) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let live = client
            .execute("return performance.getEntriesByName('aurora-wasm-ready').length > 0", vec![])
            .await
            .expect("the widget's marks");
        if live.as_bool() == Some(true) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the widget's wasm did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
        .execute(
            "const real = Date.now.bind(Date); const ahead = arguments[0] * 3600000; Date.now = () => real() + ahead;",
            vec![serde_json::json!(hours)],
        )
        .await
        .expect("age the widget's clock");
}

/// Waits for an element: the widget renders after its wasm loads and one request.
pub async fn wait_for(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// Saves `png` as `<name>.png` in the screenshot folder (`name` may hold a subfolder).
pub fn save_screenshot(name: &str, png: &[u8]) {
    let path = std::path::PathBuf::from(env("E2E_SCREENSHOT_DIR")).join(format!("{name}.png"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("screenshot dir");
    }
    std::fs::write(&path, png).expect("write screenshot");
}

/// Saves the browser's viewport as `<name>.png` in the screenshot folder.
pub async fn screenshot(client: &Client, name: &str) {
    save_screenshot(name, &client.screenshot().await.expect("screenshot"));
}

/// Like [`wait_for`], for things that take longer (a design under injected faults).
pub async fn wait_for_within(client: &Client, css: &str, seconds: u64) -> Element {
    client
        .wait()
        .at_most(Duration::from_secs(seconds))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear within {seconds} s: {e}"))
}

/// The text of the first element matching `css`, once it is there.
pub async fn text_of(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap_or_else(|e| panic!("text of {css}: {e}"))
}

/// Acts in the local Aurora as the rep, the homeowner or the lender would
/// (`/sandbox/designs/{id}/agreement`, `.../lender`, `/sandbox/projects/{id}/milestones`,
/// a redesign): posts `body` to `path`, answers the sandbox's JSON.
pub async fn in_aurora(path: &str, body: serde_json::Value) -> serde_json::Value {
    let url = format!("{}{path}", env("E2E_AURORA_URL"));
    let response = reqwest::Client::new().post(&url).json(&body).send().await.expect("the local Aurora");
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.expect("json")
}

/// The design the local Aurora made last for `project_id`: its summary, tenant and ids.
pub async fn latest_design(project_id: &str) -> serde_json::Value {
    let designs: serde_json::Value = reqwest::get(format!("{}/sandbox/designs", env("E2E_AURORA_URL")))
        .await
        .expect("sandbox designs")
        .json()
        .await
        .expect("json");
    designs["designs"]
        .as_array()
        .expect("designs")
        .iter()
        .filter(|d| d["project_id"] == project_id)
        .max_by_key(|d| d["design"]["created_at"].as_str().unwrap_or_default().to_owned())
        .cloned()
        .unwrap_or_else(|| panic!("no design for project {project_id}"))
}

/// On the settings page: chooses the CRM's stage `stage` (its id) for the step of the
/// sale `step` (`agreement_signed`, ...), and saves.
pub async fn map_stage(client: &Client, step: &str, stage: &str) {
    wait_for(client, &format!("[data-testid=admin-stage-{step}]"))
        .await
        .select_by_value(stage)
        .await
        .unwrap_or_else(|e| panic!("choose {stage} for {step}: {e}"));
    click_to_navigate(client, "[data-testid=admin-save-stages]").await;
    assert!(text_of(client, "[data-testid=admin-notice]").await.contains("move forward with the sale"));
}

/// The Aurora project our worker created for `crm`'s opportunity `opportunity_id` in the
/// local Aurora: `(tenant, project)`.
pub async fn project_of(crm: &str, opportunity_id: &str) -> (String, String) {
    let projects: serde_json::Value = reqwest::get(format!("{}/sandbox/projects", env("E2E_AURORA_URL")))
        .await
        .expect("sandbox projects")
        .json()
        .await
        .expect("json");
    let found = projects["projects"].as_array().expect("projects").iter().find(|p| {
        p["external_provider_id"]
            .as_str()
            .is_some_and(|e| e.starts_with(&format!("{crm}:")) && e.ends_with(&format!(":{opportunity_id}")))
    });
    let found = found.unwrap_or_else(|| panic!("no project for {crm} {opportunity_id}: {projects}"));
    (found["tenant_id"].as_str().expect("tenant").to_owned(), found["id"].as_str().expect("id").to_owned())
}

/// The homeowner signs the agreement of the project's latest design in the local Aurora
/// (sent, then signed), and the lender approves its loan. Answers the design's id.
pub async fn sign_and_approve(project_id: &str) -> String {
    let design = latest_design(project_id).await;
    let design_id = design["design"]["design_id"].as_str().expect("design id").to_owned();
    for status in ["sent", "signed"] {
        in_aurora(&format!("/sandbox/designs/{design_id}/agreement"), serde_json::json!({ "status": status })).await;
    }
    in_aurora(&format!("/sandbox/designs/{design_id}/lender"), serde_json::json!({ "status": "Approved" })).await;
    design_id
}

/// The designer changes a sold project's design in the local Aurora: a new design, smaller
/// or larger, simulated at once.
pub async fn redesign(tenant: &str, project_id: &str) {
    in_aurora(&format!("/sandbox/tenants/{tenant}/projects/{project_id}/designs"), serde_json::json!({})).await;
}

/// Waits (sweeping the worker's background work) until the text of `css` contains
/// `want`; `reload` reloads the page between looks (a CRM's record page, which does not
/// update itself), else the widget's own poll brings it.
pub async fn text_comes(client: &Client, css: &str, want: &str, seconds: u64, reload: bool) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        let found = match client.find_all(Locator::Css(css)).await {
            Ok(elements) => {
                let mut all = String::new();
                for element in elements {
                    all.push_str(&element.text().await.unwrap_or_default());
                    all.push('\n');
                }
                all
            }
            Err(_) => String::new(),
        };
        if found.contains(want) {
            return found;
        }
        assert!(std::time::Instant::now() < deadline, "{css} never said {want:?} within {seconds} s: {found}");
        sweep().await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        if reload {
            client.refresh().await.expect("reload");
        }
    }
}

/// Types `value` into the input matching `css`, replacing what it held.
pub async fn fill(client: &Client, css: &str, value: &str) {
    let input = wait_for(client, css).await;
    input.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
    input.send_keys(value).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Clicks the element matching `css`.
pub async fn click(client: &Client, css: &str) {
    wait_for(client, css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Clicks something that loads a new page (a link, a form's button) and waits until the
/// new page has replaced the old one, so nothing is read from the page being left.
pub async fn click_to_navigate(client: &Client, css: &str) {
    client.execute("window.__e2eLeaving = true", vec![]).await.expect("mark the page");
    click(client, css).await;
    let started = std::time::Instant::now();
    loop {
        let arrived = client
            .execute("return window.__e2eLeaving === undefined && document.readyState === 'complete'", vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if arrived {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "clicking {css} did not load a new page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The demo CRM's fixture password.
pub const CRM_PASSWORD: &str = "demo";

/// Signs in to the demo CRM as `email` (a fresh browser has no session).
pub async fn sign_in(client: &Client, email: &str) {
    client.goto(&format!("{}/login", env("E2E_CRM_URL"))).await.expect("open the CRM's sign-in page");
    fill(client, "#email", email).await;
    fill(client, "#password", CRM_PASSWORD).await;
    click_to_navigate(client, "button[type=submit]").await;
    wait_for(client, "[data-testid=crm-signed-in-as]").await;
}

/// Signs out of the demo CRM.
pub async fn sign_out(client: &Client) {
    click_to_navigate(client, "header form button").await;
    wait_for(client, "#email").await;
}

/// From the signed-in admin's marketplace: Install (or Open settings, when installed),
/// Allow on the CRM's consent screen; ends on the worker's settings page.
pub async fn install_from_marketplace(client: &Client) {
    client.goto(&format!("{}/marketplace", env("E2E_CRM_URL"))).await.expect("open the marketplace");
    wait_for(client, "[data-testid=crm-listing]").await;
    let install = client.find(Locator::Css("[data-testid=crm-app-install]")).await;
    let button = if install.is_ok() { "[data-testid=crm-app-install]" } else { "[data-testid=crm-app-settings]" };
    click_to_navigate(client, button).await;
    click_to_navigate(client, "[data-testid=crm-consent-allow]").await;
    wait_for(client, "[data-testid=admin-tenant-status]").await;
}

/// As a user of `tenant`: opens the app from Aurora's Apps page (Aurora embeds it with a
/// fresh session token) and reads the link code it shows; a screenshot named `shot` of
/// that page when given. Ends on Aurora's page.
pub async fn link_code_from_aurora(client: &Client, tenant: &str, shot: Option<&str>) -> String {
    client.goto(&format!("{}/apps", env("E2E_AURORA_URL"))).await.expect("Aurora's Apps page");
    click_to_navigate(client, &format!("a[href=\"/apps/{tenant}/open\"]")).await;
    let app = wait_for(client, "iframe[data-testid=aurora-app-frame]").await;
    app.enter_frame().await.expect("enter the app in Aurora");
    let code = text_of(client, "[data-testid=link-code]").await;
    client.enter_parent_frame().await.expect("Aurora's page");
    if let Some(name) = shot {
        screenshot(client, name).await;
    }
    code
}

/// On the settings page: links `tenant` with a code from Aurora unless it is linked
/// already; ends on the settings page.
pub async fn link_tenant(client: &Client, tenant: &str) {
    if text_of(client, "[data-testid=admin-tenant-status]").await != format!("Linked to {tenant}") {
        let settings = client.current_url().await.expect("the settings page");
        let code = link_code_from_aurora(client, tenant, None).await;
        client.goto(settings.as_str()).await.expect("back to the settings");
        fill(client, "#link-code", &code).await;
        click_to_navigate(client, "[data-testid=admin-link-tenant]").await;
    }
    let status = text_of(client, "[data-testid=admin-tenant-status]").await;
    assert_eq!(status, format!("Linked to {tenant}"));
}

/// Makes sure `admin` installed the app for their account and linked the sandbox tenant,
/// through the real pages, then signs them out.
pub async fn installed_and_linked(client: &Client, admin: &str) {
    sign_in(client, admin).await;
    install_from_marketplace(client).await;
    link_tenant(client, &env("E2E_TENANT")).await;
    client.goto(&format!("{}/", env("E2E_CRM_URL"))).await.expect("back to the CRM");
    sign_out(client).await;
}

/// The accessibility check: axe-core (npm `axe-core`, `E2E_AXE_JS`) run over the page (or
/// frame) the client is in, against WCAG 2.0, 2.1 and 2.2 A and AA. Answers the count of
/// violations by impact (`critical`, `serious`, `moderate`, `minor`) and a line per
/// serious or critical one (its rule, and the elements it found), for the test to assert
/// none of those and to report the counts.
pub async fn axe(client: &Client) -> (std::collections::BTreeMap<String, usize>, Vec<String>) {
    let source = std::fs::read_to_string(env("E2E_AXE_JS")).expect("axe-core (run `cargo xtask setup`)");
    // Evaluated as the script itself (WebDriver's scripts are not subject to the page's
    // Content-Security-Policy, which allows no injected <script>).
    client.execute(&format!("{source}\n;return true;"), vec![]).await.expect("load axe-core");
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { runOnly: { type: 'tag', values: \
               ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })\
               .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, \
                 nodes: v.nodes.map((n) => n.target.join(' ')) }))))\
               .catch((e) => done({ error: String(e) }));",
            vec![],
        )
        .await
        .expect("run axe-core");
    assert!(found.get("error").is_none(), "axe-core failed: {found}");
    let mut counts = std::collections::BTreeMap::new();
    let mut grave = Vec::new();
    for violation in found.as_array().into_iter().flatten() {
        let impact = violation["impact"].as_str().unwrap_or("minor").to_owned();
        let nodes = violation["nodes"].as_array().map_or(0, Vec::len);
        *counts.entry(impact.clone()).or_insert(0) += nodes;
        if impact == "serious" || impact == "critical" {
            grave.push(format!("{impact} {}: {}", violation["id"], violation["nodes"]));
        }
    }
    (counts, grave)
}

/// [`axe`] over the page the client is in, as `what`: adds its counts to the report
/// (`accessibility.txt` beside the screenshots) and fails on any serious or critical
/// violation.
pub async fn assert_accessible(client: &Client, what: &str) {
    let (counts, grave) = axe(client).await;
    let report = std::path::Path::new(&env("E2E_SCREENSHOT_DIR")).join("accessibility.txt");
    let _ = std::fs::create_dir_all(report.parent().unwrap_or(std::path::Path::new(".")));
    let line = format!("{what}: {} serious or critical; all by impact {counts:?}\n", grave.len());
    let appended = std::fs::OpenOptions::new().create(true).append(true).open(&report);
    let _ = appended.and_then(|mut file| std::io::Write::write_all(&mut file, line.as_bytes()));
    assert!(grave.is_empty(), "{what}: serious or critical accessibility violations:\n{}", grave.join("\n"));
}

/// The page the client is on (an admin page, opened in a tab of its own), seen in a second
/// browser with the computer set dark and the same cookies: screenshot `shot` and the
/// accessibility check in that scheme.
pub async fn admin_page_in_dark(client: &Client, shot: &str) {
    let url = client.current_url().await.expect("the page");
    let cookies = client.get_all_cookies().await.expect("cookies");
    let dark = chromium_sized(1280, 900, true).await;
    dark.goto(url.origin().ascii_serialization().as_str()).await.expect("the worker");
    for cookie in cookies {
        dark.add_cookie(cookie).await.expect("the admin's cookie");
    }
    dark.goto(url.as_str()).await.expect("the page, dark");
    screenshot(&dark, shot).await;
    assert_accessible(&dark, &format!("{shot} (dark)")).await;
    dark.close().await.expect("close the dark browser");
}
