//! The demo CRM's opportunity page embeds the widget from the worker, in real Chromium.
//!
//! Needs the running local system: `cargo xtask test` starts it with chromedriver and
//! runs these with `--ignored`.

use e2e::{chromium, env, installed_and_linked, screenshot, sign_in, wait_for};
use fantoccini::Locator;

#[tokio::test]
#[ignore = "needs the local system: run `cargo xtask test`"]
async fn the_opportunity_page_shows_the_widget_with_the_address_and_the_button() {
    let client = chromium().await;
    installed_and_linked(&client, "ada@sunrise.example").await;
    sign_in(&client, "ana@sunrise.example").await;
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
    // No API request at all: the page arrived with its screen rendered and its session
    // inlined, which the widget took over.
    let calls: serde_json::Value = client
        .execute(
            "return performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/')).length;",
            vec![],
        )
        .await
        .expect("timings");
    assert_eq!(calls, 0, "API requests");

    client.enter_parent_frame().await.expect("back to the CRM page");
    screenshot(&client, "embed/opportunity-with-widget").await;
    client.close().await.expect("close browser");
}

#[tokio::test]
#[ignore = "needs the local system: run `cargo xtask test`"]
async fn a_tampered_context_is_refused_and_the_page_says_so() {
    let client = chromium().await;
    installed_and_linked(&client, "ada@sunrise.example").await;
    sign_in(&client, "ana@sunrise.example").await;
    // The same embed URL the CRM built, with one character of the signature changed.
    client.goto(&format!("{}/opportunities/opp-1002", env("E2E_CRM_URL"))).await.expect("open opportunity");
    let frame = wait_for(&client, "iframe[data-testid=aurora-widget-frame]").await;
    let src = frame.attr("src").await.expect("src").expect("iframe has a src");
    let last = src.chars().last().expect("non-empty src");
    let tampered = format!("{}{}", &src[..src.len() - 1], if last == 'A' { 'B' } else { 'A' });
    client.goto(&tampered).await.expect("open tampered embed");

    let error = wait_for(&client, "[data-testid=admin-message]").await;
    // For the rep: what happened and what to do, as a sentence, without the word "context".
    assert_eq!(
        error.text().await.expect("error text"),
        "Your CRM could not vouch for this page, so it cannot show this opportunity. Reload the opportunity in \
         your CRM; if this keeps happening, ask your CRM admin to check the Aurora Solar app."
    );
    assert!(
        client.find(Locator::Css("button[data-testid=create-project]")).await.is_err(),
        "no button for a forged context"
    );
    client.close().await.expect("close browser");
}
