//! The journey through the local HubSpot, in real Chromium: a portal's Super Admin installs
//! the app from the marketplace (OAuth v3) and links the Aurora tenant; a rep opens a deal,
//! whose record tab runs our app card (the project's own code); the card's signed
//! `hubspot.fetch` says there is no project yet, its button opens the widget in HubSpot's
//! iframe modal with a ticket in the URL's fragment, the widget creates the project and
//! shows the design; closing the modal refreshes the card, which shows the key figures;
//! the figures land in the deal's properties; a new deal gets its project by webhook; the
//! other portal sees nothing.
//!
//! Screenshots: `target/e2e-screenshots/hubspot/`.

use e2e::{
    admin_page_in_dark, assert_accessible, click, click_to_navigate, design_ready, env, fill, link_code_from_aurora,
    map_stage, project_of, redesign, screenshot, sign_and_approve, sweep, text_comes, text_of, wait_for,
};
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::time::{Duration, Instant};

async fn log_in(client: &Client, email: &str) {
    fill(client, "[data-testid=hs-email]", email).await;
    fill(client, "[data-testid=hs-password]", "demo").await;
    click_to_navigate(client, "[data-testid=hs-login]").await;
}

async fn deal(id: u64) -> Value {
    reqwest::get(format!("{}/sandbox/deals/{id}", env("E2E_HUBSPOT_URL")))
        .await
        .expect("peek")
        .json()
        .await
        .expect("json")
}

/// Where the card says the deal stands, once it has loaded: its status tag, or the title of
/// its empty or error state (HubSpot's own components).
async fn card_status(client: &Client) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = client
            .execute(
                "const shown = document.querySelector('[data-testid=hs-status-tag], \
                 [data-testid=hs-empty-state] h3, [data-testid=hs-error-state] h3'); \
                 return shown ? shown.textContent.replace('\\u25cf', '').trim() : '';",
                vec![],
            )
            .await
            .expect("the card's status");
        let status = found.as_str().unwrap_or_default().to_owned();
        if !status.is_empty() {
            return status;
        }
        assert!(Instant::now() < deadline, "the card never loaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs the local system: run `cargo xtask test`"]
async fn a_portal_installs_a_rep_opens_the_widget_from_the_deal_card_and_new_deals_get_projects() {
    let hubspot = env("E2E_HUBSPOT_URL");
    let tenant = env("E2E_HUBSPOT_TENANT");
    let client = e2e::chromium().await;

    // The Super Admin installs from the marketplace and links the Aurora tenant.
    client.goto(&format!("{hubspot}/marketplace")).await.expect("marketplace");
    log_in(&client, "sam@summit.example").await;
    click_to_navigate(&client, "[data-testid=hs-install]").await;
    screenshot(&client, "hubspot/01-consent").await;
    click_to_navigate(&client, "[data-testid=hs-connect]").await;
    let settings = client.current_url().await.expect("settings");
    assert_eq!(settings.path(), "/settings/hubspot/7001");
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
    map_stage(&client, "agreement_signed", "contractsent").await;
    screenshot(&client, "hubspot/02-settings").await;
    assert_accessible(&client, "hubspot/02-settings").await;
    admin_page_in_dark(&client, "hubspot/02c-settings-dark").await;

    // The same settings inside HubSpot (Connected apps > Aurora Solar > Settings: the app's
    // settings extension, HubSpot's components, each call through `hubspot.fetch`).
    client.goto(&format!("{hubspot}/marketplace")).await.expect("marketplace");
    click_to_navigate(&client, "[data-testid=hs-app-settings]").await;
    let tag = wait_for(&client, "[data-testid=hs-status-tag]").await;
    assert_eq!(tag.text().await.expect("tag").replace('\u{25cf}', "").trim(), "Linked");
    assert!(text_of(&client, "body").await.contains(&format!("Linked to {tenant}, proven with Aurora")));
    let toggle = wait_for(&client, "[data-testid=hs-toggle] input").await;
    assert!(toggle.is_selected().await.expect("on?"), "automatic projects are on, as saved on the worker's page");
    assert_accessible(&client, "HubSpot's settings page").await;
    screenshot(&client, "hubspot/02d-settings-in-hubspot").await;
    // Off and on again, from HubSpot: each change says what it did.
    for (expected, said) in [(false, "only be created when a rep clicks"), (true, "automatically for new deals")] {
        click(&client, "[data-testid=hs-toggle] input").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while !text_of(&client, "body").await.contains(said) {
            assert!(Instant::now() < deadline, "the toggle did not say: {said}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let toggle = wait_for(&client, "[data-testid=hs-toggle] input").await;
        assert_eq!(toggle.is_selected().await.expect("on?"), expected);
    }
    client.delete_all_cookies().await.expect("log out");

    // The rep opens a deal: the card asks the worker through HubSpot's signed proxy.
    client.goto(&format!("{hubspot}/deal/5001")).await.expect("deal");
    log_in(&client, "sky@summit.example").await;
    assert_eq!(card_status(&client).await, "No Aurora project yet");
    screenshot(&client, "hubspot/03-card").await;
    // The card's own button creates the project, on the card: one click.
    click(&client, "[data-testid=hs-empty-state] [data-testid=hs-button]").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !["Creating", "Awaiting design", "Design ready"].contains(&card_status(&client).await.as_str()) {
        assert!(Instant::now() < deadline, "the card's Create did not create");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    screenshot(&client, "hubspot/03b-card-created").await;
    // The full design opens in HubSpot's modal.
    click(&client, "[data-testid=hs-button][data-variant=primary]").await;
    // The card asks for a fresh ticket first, then opens the modal.
    let deadline = Instant::now() + Duration::from_secs(20);
    while wait_for(&client, "[data-testid=hs-modal]").await.attr("hidden").await.expect("attr").is_some() {
        assert!(Instant::now() < deadline, "the modal did not open");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let frame = wait_for(&client, "iframe[data-testid=hs-modal-frame]").await;
    let (width, height) = (frame.attr("width").await.expect("attr"), frame.attr("height").await.expect("attr"));
    assert_eq!((width.as_deref(), height.as_deref()), (Some("1000"), Some("760")));
    frame.enter_frame().await.expect("enter the modal");
    assert_eq!(
        text_of(&client, "[data-testid=opportunity-location]").await,
        "901 Mears Ct, Stanford, CA 94305, United States"
    );
    // The ticket left the address bar once read.
    let hash: Value = client.execute("return window.location.hash;", vec![]).await.expect("hash");
    assert_eq!(hash, "");
    design_ready(&client, 60).await;
    assert_accessible(&client, "HubSpot's frame, design ready").await;
    client.enter_parent_frame().await.expect("the deal page");
    screenshot(&client, "hubspot/04-design-in-the-modal").await;

    // Closing the modal refreshes the card: the design's key figures, with HubSpot's components.
    click(&client, "[data-testid=hs-modal-close]").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while card_status(&client).await != "Design ready" {
        assert!(Instant::now() < deadline, "the card did not refresh after the modal closed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let size = text_of(&client, "[data-testid=hs-statistic]").await;
    assert!(size.ends_with(" kW") && size != "– kW", "system size on the card: {size}");
    screenshot(&client, "hubspot/05-card-with-figures").await;

    // The figures land in the deal's properties (created in the portal on the first write).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = deal(5001).await;
        if found["properties"]["aurora_system_size_kw"]
            .as_str()
            .and_then(|kw| kw.parse::<f64>().ok())
            .is_some_and(|kw| kw > 0.0)
        {
            assert!(
                found["properties"]["aurora_project_url"].as_str().is_some_and(|u| u.contains("/projects/")),
                "{found}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "figures not written back: {found}");
        sweep().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    // The homeowner signs and the lender approves in Aurora: the card says so, and the
    // deal's timeline has each event as a note. The designer then changes the sold design:
    // the card says what changed.
    let (tenant, project) = project_of("hubspot", "5001").await;
    sign_and_approve(&project).await;
    client.goto(&format!("{hubspot}/deal/5001")).await.expect("the deal");
    text_comes(&client, "[data-testid=hs-status-tag]", "Agreement: Signed", 60, true).await;
    text_comes(&client, "[data-testid=hs-status-tag]", "Financing: Approved", 30, true).await;
    text_comes(&client, "[data-testid=hs-note]", "Attached: Signed agreement", 60, true).await;
    text_comes(&client, "[data-testid=hs-property-dealstage]", "contractsent", 30, true).await;
    let notes = text_comes(&client, "[data-testid=hs-note]", "Aurora: agreement signed", 30, true).await;
    assert!(notes.contains("Aurora: design ready") && notes.contains("Aurora: financing approved"), "{notes}");
    screenshot(&client, "hubspot/05b-signed-on-the-card-and-the-timeline").await;
    redesign(&tenant, &project).await;
    let alert = text_comes(&client, "[data-testid=hs-alert]", "Changed since it was sold", 60, true).await;
    assert!(alert.contains("→"), "{alert}");
    text_comes(&client, "[data-testid=hs-note]", "Aurora: the design changed since it was sold", 30, true).await;
    screenshot(&client, "hubspot/05c-changed-since-sold").await;

    // A new deal gets its project by webhook, and its card says so.
    client.goto(&format!("{hubspot}/")).await.expect("deals");
    fill(&client, "[data-testid=hs-new-name]", "Rivera - Battery add-on").await;
    click_to_navigate(&client, "[data-testid=hs-new-save]").await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if card_status(&client).await == "Design ready" {
            break;
        }
        assert!(Instant::now() < deadline, "no project was created automatically within 120 s");
        sweep().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        client.refresh().await.expect("reload");
    }
    screenshot(&client, "hubspot/06-new-deal-automatic").await;
    client.delete_all_cookies().await.expect("log out");

    // The other portal's rep cannot open the deal, and has no card (not installed there).
    client.goto(&format!("{hubspot}/deal/5001")).await.expect("deal");
    log_in(&client, "ben@bayview.example").await;
    assert!(text_of(&client, "h1").await.contains("Not found"));
    client.goto(&format!("{hubspot}/deal/5003")).await.expect("own deal");
    wait_for(&client, "[data-testid=hs-no-card]").await;
    assert!(client.find(Locator::Css("[data-testid=hs-card]")).await.is_err());
    client.close().await.expect("close browser");
}
