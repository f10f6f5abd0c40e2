//! The demo CRM's opportunity page embeds the widget from the worker, in real Chromium.
//!
//! Needs the running local system: `cargo xtask test` starts it with chromedriver and
//! runs these with `--ignored`.

use e2e::{chromium, env, screenshot, wait_for};
use fantoccini::Locator;

#[tokio::test]
#[ignore = "needs the local system: run `cargo xtask test`"]
async fn the_opportunity_page_shows_the_widget_with_the_address_and_the_button() {
    let client = chromium().await;
    client.goto(&format!("{}/opportunities/opp-1001", env("E2E_CRM_URL"))).await.expect("open opportunity");

    // The CRM's own page shows the fixture opportunity.
    let site = wait_for(&client, "[data-testid=crm-opportunity-site]").await;
    assert_eq!(site.text().await.expect("site text"), "901 Mears Ct, Stanford, CA 94305");

    // The iframe comes from the worker, not the CRM.
    let frame = wait_for(&client, "iframe[data-testid=aurora-widget-frame]").await;
    let src = frame.attr("src").await.expect("src").expect("iframe has a src");
    assert!(src.starts_with(&format!("{}/embed/demo?context=", env("E2E_WORKER_URL"))), "iframe src {src}");

    frame.enter_frame().await.expect("enter the widget iframe");
    let location = wait_for(&client, "[data-testid=opportunity-location]").await;
    assert_eq!(location.text().await.expect("location"), "901 Mears Ct, Stanford, CA 94305");
    let button = wait_for(&client, "button[data-testid=create-project]").await;
    assert_eq!(button.text().await.expect("button text"), "Create Aurora Project");
    assert!(button.is_enabled().await.expect("enabled?"), "the button is usable");

    client.enter_parent_frame().await.expect("back to the CRM page");
    screenshot(&client, "01-opportunity-with-widget").await;
    client.close().await.expect("close browser");
}

#[tokio::test]
#[ignore = "needs the local system: run `cargo xtask test`"]
async fn a_tampered_context_is_refused_and_the_widget_says_so() {
    let client = chromium().await;
    // The same embed URL the CRM built, with one character of the signature changed.
    client.goto(&format!("{}/opportunities/opp-1002", env("E2E_CRM_URL"))).await.expect("open opportunity");
    let frame = wait_for(&client, "iframe[data-testid=aurora-widget-frame]").await;
    let src = frame.attr("src").await.expect("src").expect("iframe has a src");
    let last = src.chars().last().expect("non-empty src");
    let tampered = format!("{}{}", &src[..src.len() - 1], if last == 'A' { 'B' } else { 'A' });
    client.goto(&tampered).await.expect("open tampered embed");

    let error = wait_for(&client, "[data-testid=error]").await;
    assert_eq!(error.text().await.expect("error text"), "the CRM context is not validly signed");
    assert!(client.find(Locator::Css("button[data-testid=create-project]")).await.is_err(), "no button for a forged context");
    client.close().await.expect("close browser");
}

/// `watts` as the widget writes kilowatts in en-US: up to two decimals, `6.5 kW`.
fn kilowatts(watts: f64) -> String {
    let kw = (watts / 10.0).round() / 100.0;
    format!("{kw} kW")
}

/// `kwh` as the widget writes energy in en-US: whole, grouped, `12,345 kWh`.
fn kilowatt_hours(kwh: f64) -> String {
    let digits = (kwh.round() as u64).to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} kWh")
}

#[tokio::test]
#[ignore = "needs the local system: run `cargo xtask test`"]
async fn the_rep_creates_the_project_and_the_design_appears_in_the_opportunity() {
    let client = chromium().await;
    client.goto(&format!("{}/opportunities/opp-1003", env("E2E_CRM_URL"))).await.expect("open opportunity");
    let frame = wait_for(&client, "iframe[data-testid=aurora-widget-frame]").await;
    frame.clone().enter_frame().await.expect("enter the widget iframe");
    assert_eq!(
        wait_for(&client, "[data-testid=opportunity-location]").await.text().await.expect("location"),
        "37.77960° N, 122.39530° W"
    );
    wait_for(&client, "button[data-testid=create-project]").await.click().await.expect("click Create");

    // The project is created at once; the sandbox's designer takes two seconds.
    let awaiting = wait_for(&client, "[data-testid=state-awaiting-design]").await;
    assert!(awaiting.text().await.expect("text").contains("Awaiting design"));
    client.enter_parent_frame().await.expect("back to the CRM page");
    screenshot(&client, "02-awaiting-design").await;
    frame.enter_frame().await.expect("enter the widget iframe again");

    // The widget polls and shows the design without a reload.
    wait_for(&client, "[data-testid=state-design-ready]").await;
    let link = wait_for(&client, "[data-testid=open-in-aurora]").await;
    let href = link.attr("href").await.expect("href").expect("a link");
    // Aurora's project page: `.../projects/{project_id}/...`.
    let project_id = href.split("/projects/").nth(1).and_then(|rest| rest.split('/').next()).expect("a project link").to_owned();

    // The figures are the ones the sandbox's designer generated for this project.
    let designs: serde_json::Value = reqwest::get(format!("{}/sandbox/designs", env("E2E_AURORA_URL")))
        .await
        .expect("sandbox designs")
        .json()
        .await
        .expect("json");
    let generated = designs["designs"]
        .as_array()
        .expect("designs")
        .iter()
        .find(|d| d["project_id"] == project_id.as_str())
        .unwrap_or_else(|| panic!("no design for project {project_id}: {designs}"));
    let design = &generated["design"];
    let text_of = |testid: &'static str| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Css(&format!("[data-testid={testid}] dd")))
                .await
                .unwrap_or_else(|e| panic!("{testid}: {e}"))
                .text()
                .await
                .expect("text")
        }
    };
    assert_eq!(text_of("size-stc").await, kilowatts(design["system_size_stc"].as_f64().expect("stc")));
    let annual = design["energy_production"]["annual"].as_f64().expect("annual");
    assert_eq!(text_of("annual-production").await, kilowatt_hours(annual));
    let offset = design["energy_production"]["annual_offset"].as_str().expect("offset");
    assert_eq!(text_of("offset").await, offset);
    let bars = client.find_all(Locator::Css("[data-testid=chart-bar]")).await.expect("bars");
    assert_eq!(bars.len(), 12);
    let january = design["energy_production"]["monthly"][0].as_f64().expect("january");
    assert_eq!(bars[0].attr("aria-label").await.expect("label"), Some(format!("January: {}", kilowatt_hours(january))));

    // The CRM sized its iframe to the whole summary: no scrollbar inside.
    client.enter_parent_frame().await.expect("back to the CRM page");
    let height: f64 = client
        .execute("return document.querySelector('[data-testid=aurora-widget-frame]').getBoundingClientRect().height", vec![])
        .await
        .expect("frame height")
        .as_f64()
        .expect("a number");
    assert!(height > 700.0, "the frame was not resized to the summary: {height}px");
    screenshot(&client, "03-design-ready").await;
    client.close().await.expect("close browser");
}
