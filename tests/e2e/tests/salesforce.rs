//! The journey through the local Salesforce, in real Chromium: an org's admin installs the
//! app (OAuth with PKCE) and links the Aurora tenant; a rep opens an Opportunity, where
//! Lightning frames the canvas through the My Domain intermediary which POSTs the signed
//! request to the worker; the rep creates the project and sees the design; the Canvas
//! `resize` protocol sizes the frame; the figures land in the Opportunity's custom fields;
//! the other org sees nothing; a new Opportunity gets its project by itself (polled).
//!
//! Screenshots: `target/e2e-screenshots/salesforce/`.

use e2e::{
    admin_page_in_dark, age_the_widget, assert_accessible, click, click_to_navigate, design_ready, env, fill,
    link_code_from_aurora, map_stage, project_of, redesign, screenshot, sign_and_approve, sweep, text_comes, text_of,
    wait_for, wait_for_within,
};
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The local Salesforce's Lightning origin (`localhost`); its My Domain is `127.0.0.1`.
fn lightning() -> String {
    env("E2E_SALESFORCE_URL").replace("127.0.0.1", "localhost")
}

/// The first org's first Opportunity, and the second org's (record ids of the sandbox's fixtures).
const SUNRISE_OPPORTUNITY: &str = "0068a0000100001AAA";
const BRIGHT_ROOFS_OPPORTUNITY: &str = "0068a0000200003AAA";
/// The first org's admin's private Opportunity: its reps may not see it.
const SUNRISE_PRIVATE: &str = "0068a0000100009AAA";

/// Signs in to Salesforce on `origin` as `username` (from wherever the browser is sent to log in).
async fn log_in(client: &Client, username: &str) {
    fill(client, "[data-testid=sf-username]", username).await;
    fill(client, "[data-testid=sf-password]", "demo").await;
    click_to_navigate(client, "[data-testid=sf-login]").await;
}

/// Into the widget: the record page's canvas host (My Domain), then our frame.
async fn enter_widget(client: &Client) {
    let host = wait_for(client, "iframe[data-testid=sf-canvas-host]").await;
    host.enter_frame().await.expect("enter the intermediary");
    let canvas = wait_for(client, "iframe#canvas-frame").await;
    canvas.enter_frame().await.expect("enter the canvas");
}

async fn leave_widget(client: &Client) {
    client.enter_parent_frame().await.expect("the intermediary");
    client.enter_parent_frame().await.expect("the record page");
}

/// The Opportunity as the local Salesforce holds it.
async fn opportunity(id: &str) -> Value {
    reqwest::get(format!("{}/sandbox/opportunities/{id}", env("E2E_SALESFORCE_URL")))
        .await
        .expect("peek")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
#[ignore = "needs the local system: run `cargo xtask test`"]
async fn an_org_installs_a_rep_sees_the_design_on_the_opportunity_and_new_ones_get_projects() {
    let client = e2e::chromium().await;
    let tenant = env("E2E_SALESFORCE_TENANT");

    // Before the install, the record page has no canvas.
    client.goto(&format!("{}/lightning/r/Opportunity/{SUNRISE_OPPORTUNITY}/view", lightning())).await.expect("record");
    log_in(&client, "riley@sunrise-solar.example").await;
    wait_for(&client, "[data-testid=sf-no-canvas]").await;
    client.delete_all_cookies().await.expect("sign out");

    // The admin gets the app from AppExchange: Salesforce's login and consent, then our settings.
    client.goto(&format!("{}/appexchange", lightning())).await.expect("AppExchange");
    click_to_navigate(&client, "[data-testid=sf-get-it-now]").await;
    log_in(&client, "alex@sunrise-solar.example").await;
    screenshot(&client, "salesforce/01-consent").await;
    click_to_navigate(&client, "[data-testid=sf-allow]").await;
    let settings = client.current_url().await.expect("settings");
    assert!(settings.path().starts_with("/settings/salesforce/00D8a0000100001AAA"), "{settings}");
    let code = link_code_from_aurora(&client, &tenant, None).await;
    client.goto(settings.as_str()).await.expect("back to the settings");
    fill(&client, "#link-code", &code).await;
    click_to_navigate(&client, "[data-testid=admin-link-tenant]").await;
    assert_eq!(text_of(&client, "[data-testid=admin-tenant-status]").await, format!("Linked to {tenant}"));
    let auto = wait_for(&client, "[data-testid=admin-auto-create]").await;
    if !auto.is_selected().await.expect("checked?") {
        auto.click().await.expect("tick");
    }
    click_to_navigate(&client, "[data-testid=admin-save-auto-create]").await;
    // A signed agreement moves the record to the CRM's own stage, forward only.
    map_stage(&client, "agreement_signed", "Negotiation/Review").await;
    screenshot(&client, "salesforce/02-settings").await;
    assert_accessible(&client, "salesforce/02-settings").await;
    admin_page_in_dark(&client, "salesforce/02c-settings-dark").await;
    client.delete_all_cookies().await.expect("sign out");

    // A rep the admin has not pre-authorized: Salesforce opens the canvas with a GET and no
    // signed request, and the frame says what their admin does about it.
    client.goto(&format!("{}/lightning/r/Opportunity/{SUNRISE_OPPORTUNITY}/view", lightning())).await.expect("record");
    log_in(&client, "casey@sunrise-solar.example").await;
    enter_widget(&client).await;
    let page = text_of(&client, "body").await;
    assert!(page.contains("Admin approved users are pre-authorized") && page.contains("Aurora Solar User"), "{page}");
    leave_widget(&client).await;
    screenshot(&client, "salesforce/02b-a-rep-not-pre-authorized").await;
    client.delete_all_cookies().await.expect("sign out");

    // The rep opens the Opportunity: the canvas shows the widget, with the Account's address.
    // The tab stays open for hours before the click: the widget renews its session with the
    // signed request the Canvas SDK's `refreshSignedRequest` brings (the same one again,
    // as the local Salesforce answers by default: accepted while its session lives).
    client.goto(&format!("{}/lightning/r/Opportunity/{SUNRISE_OPPORTUNITY}/view", lightning())).await.expect("record");
    log_in(&client, "riley@sunrise-solar.example").await;
    enter_widget(&client).await;
    assert_eq!(
        text_of(&client, "[data-testid=opportunity-location]").await,
        "901 Mears Ct, Stanford, CA 94305, United States"
    );
    age_the_widget(&client, 3).await;
    click(&client, "button[data-testid=create-project]").await;
    design_ready(&client, 60).await;
    assert_accessible(&client, "Salesforce's frame, design ready").await;
    leave_widget(&client).await;
    screenshot(&client, "salesforce/03-design-on-the-opportunity").await;
    let host = wait_for(&client, "iframe[data-testid=sf-canvas-host]").await;
    let refreshes = host.attr("data-canvas-refreshes").await.expect("attr");
    assert_eq!(refreshes.as_deref(), Some("1"), "the canvas asked Salesforce for its signed request once");

    // Lightning sized the frame from the widget's Canvas `resize` messages, which carry
    // the instance and target origin only.
    let host = wait_for(&client, "iframe[data-testid=sf-canvas-host]").await;
    let resizes: u32 = host.attr("data-canvas-resizes").await.expect("attr").unwrap_or_default().parse().unwrap_or(0);
    assert!(resizes >= 1, "no resize reached the Canvas parent");
    let height: u32 = host.attr("data-canvas-height").await.expect("attr").unwrap_or_default().parse().unwrap_or(0);
    assert!(height > 300 && height != 480, "the frame kept the height it started with: {height}");
    let message: Value = serde_json::from_str(&host.attr("data-last-message").await.expect("attr").expect("a message"))
        .expect("JSON string");
    assert_eq!(message["body"]["type"], "resize");
    assert_eq!(message["targetModule"], "Canvas");
    assert_eq!(message["body"]["config"]["client"].as_object().expect("client").len(), 2, "{message}");
    assert!(!message.to_string().contains("oauthToken"));

    // The figures are written onto the Opportunity.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let record = opportunity(SUNRISE_OPPORTUNITY).await;
        if record["fields"]["Aurora_Design_Status__c"] == "Design ready" {
            assert!(record["fields"]["Aurora_System_Size_kW__c"].as_f64().is_some_and(|kw| kw > 0.0), "{record}");
            assert!(record["fields"]["Aurora_Project_URL__c"].as_str().is_some_and(|u| u.contains("/projects/")));
            break;
        }
        assert!(Instant::now() < deadline, "figures not written back: {record}");
        sweep().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    client.refresh().await.expect("reload");
    assert_ne!(text_of(&client, "[data-testid=sf-field-Aurora_System_Size_kW__c]").await, "");

    // The homeowner signs and the lender approves in Aurora: the canvas says so, and the
    // Opportunity's Activity timeline has each event as a completed Task. The designer then
    // changes the sold design: the canvas and the timeline say what changed.
    let (tenant, project) = project_of("salesforce", SUNRISE_OPPORTUNITY).await;
    sign_and_approve(&project).await;
    client.refresh().await.expect("reload");
    enter_widget(&client).await;
    text_comes(&client, "[data-testid=sale-status] dd", "Agreement signed · financing approved", 60, false).await;
    leave_widget(&client).await;
    text_comes(&client, "[data-testid=sf-file]", "Signed agreement", 60, true).await;
    text_comes(&client, "[data-testid=sf-stage]", "Negotiation/Review", 30, true).await;
    let tasks = text_comes(&client, "[data-testid=sf-task]", "Aurora: agreement signed", 30, true).await;
    assert!(tasks.contains("Aurora: design ready") && tasks.contains("Aurora: financing approved"), "{tasks}");
    client.execute("document.querySelector('[data-testid=sf-task]').scrollIntoView()", vec![]).await.expect("scroll");
    screenshot(&client, "salesforce/03c-signed-on-the-activity-timeline").await;
    redesign(&tenant, &project).await;
    text_comes(&client, "[data-testid=sf-task]", "Aurora: the design changed since it was sold", 60, true).await;
    enter_widget(&client).await;
    text_comes(&client, "[data-testid=drift]", "Changed since it was sold", 30, false).await;
    assert_accessible(&client, "Salesforce's frame, a design changed since it was sold").await;
    leave_widget(&client).await;
    screenshot(&client, "salesforce/03d-changed-since-sold").await;

    // The canvas' record id is what the page's Aura component passes, in the rep's browser,
    // and Salesforce signs it as passed: a rep who makes it the admin's private Opportunity
    // reads that no such record exists, neither its name nor its address.
    let host = wait_for(&client, "iframe[data-testid=sf-canvas-host]").await;
    let src = host.attr("src").await.expect("attr").expect("the canvas' URL");
    let private = src.replace(&format!("recordId={SUNRISE_OPPORTUNITY}"), &format!("recordId={SUNRISE_PRIVATE}"));
    assert_ne!(private, src);
    client.goto(&private).await.expect("the canvas, for another record");
    wait_for(&client, "iframe#canvas-frame").await.enter_frame().await.expect("enter the canvas");
    let page = text_of(&client, "body").await;
    assert!(page.contains("This opportunity does not exist in Salesforce, or you do not have access to it"), "{page}");
    assert!(!page.contains("Battery") && !page.contains("Mears"), "{page}");
    client.enter_parent_frame().await.expect("the intermediary");
    screenshot(&client, "salesforce/03b-a-record-the-rep-may-not-see").await;
    // Back on Lightning, whose cookies the next sign-out clears.
    client.goto(&format!("{}/lightning/r/Opportunity/{SUNRISE_OPPORTUNITY}/view", lightning())).await.expect("record");

    // A rep of the other org cannot open it, and has no app.
    client.delete_all_cookies().await.expect("sign out");
    client.goto(&format!("{}/lightning/r/Opportunity/{SUNRISE_OPPORTUNITY}/view", lightning())).await.expect("record");
    log_in(&client, "riley@bright-roofs.example").await;
    assert!(text_of(&client, "body").await.contains("Record not found"));
    client
        .goto(&format!("{}/lightning/r/Opportunity/{BRIGHT_ROOFS_OPPORTUNITY}/view", lightning()))
        .await
        .expect("own record");
    wait_for(&client, "[data-testid=sf-no-canvas]").await;
    client.delete_all_cookies().await.expect("sign out");

    // A new Opportunity gets its project without a click (the worker polls the org).
    client.goto(&format!("{}/lightning/o/Opportunity/list", lightning())).await.expect("list");
    log_in(&client, "riley@sunrise-solar.example").await;
    fill(&client, "[data-testid=sf-new-name]", "Okafor - Battery add-on").await;
    click_to_navigate(&client, "[data-testid=sf-new-save]").await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        enter_widget(&client).await;
        if client.find(Locator::Css("[data-testid=state-design-ready]")).await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no project was created automatically within 120 s");
        leave_widget(&client).await;
        sweep().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        client.refresh().await.expect("reload");
    }
    wait_for_within(&client, "[data-testid=open-in-aurora]", 5).await;
    leave_widget(&client).await;
    screenshot(&client, "salesforce/04-new-opportunity-automatic").await;
    client.close().await.expect("close browser");
}
