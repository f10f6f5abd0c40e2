//! The journey through the local Pipedrive, in real Chromium: a company's admin installs
//! the app from the marketplace (OAuth) and links the Aurora tenant; a rep opens a deal,
//! whose sidebar frames our panel with a JWT in its URL; the widget says `initialize`
//! before its wasm is even requested, creates the project, shows the design and sizes the
//! panel with `resize`; the figures land in the deal's custom fields; the other company
//! sees nothing; a new deal gets its project by webhook; Pipedrive's uninstall call removes
//! the installation.
//!
//! Screenshots: `target/e2e-screenshots/pipedrive/`.

use e2e::{
    admin_page_in_dark, age_the_widget, assert_accessible, click, click_to_navigate, design_ready, env, fill,
    link_code_from_aurora, map_stage, project_of, redesign, reload_widget, screen_snapshot, screenshot,
    sign_and_approve, sweep, text_comes, text_of, wait_for,
};
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::time::{Duration, Instant};

async fn log_in(client: &Client, email: &str) {
    fill(client, "[data-testid=pd-email]", email).await;
    fill(client, "[data-testid=pd-password]", "demo").await;
    click_to_navigate(client, "[data-testid=pd-login]").await;
}

async fn enter_panel(client: &Client) {
    let frame = wait_for(client, "iframe[data-testid=pd-panel-frame]").await;
    frame.enter_frame().await.expect("enter the panel");
}

async fn deal(id: u64) -> Value {
    reqwest::get(format!("{}/sandbox/deals/{id}", env("E2E_PIPEDRIVE_URL")))
        .await
        .expect("peek")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
#[ignore = "needs the local system: run `cargo xtask test`"]
async fn a_company_installs_a_rep_sees_the_design_in_the_deal_panel_and_new_deals_get_projects() {
    let pipedrive = env("E2E_PIPEDRIVE_URL");
    let tenant = env("E2E_PIPEDRIVE_TENANT");
    let client = e2e::chromium().await;

    // The admin installs from the marketplace and links the Aurora tenant.
    client.goto(&format!("{pipedrive}/marketplace")).await.expect("marketplace");
    log_in(&client, "hana@helio.example").await;
    click_to_navigate(&client, "[data-testid=pd-install]").await;
    screenshot(&client, "pipedrive/01-consent").await;
    click_to_navigate(&client, "[data-testid=pd-allow]").await;
    let settings = client.current_url().await.expect("settings");
    assert_eq!(settings.path(), "/settings/pipedrive/1001");
    let code = link_code_from_aurora(&client, &tenant, None).await;
    client.goto(settings.as_str()).await.expect("back to the settings");
    fill(&client, "#link-code", &code).await;
    click_to_navigate(&client, "[data-testid=admin-link-tenant]").await;
    assert_eq!(text_of(&client, "[data-testid=admin-tenant-status]").await, format!("Linked to {tenant}"));
    assert!(text_of(&client, "[data-testid=admin-webhook-status]").await.starts_with("Present"));
    let auto = wait_for(&client, "[data-testid=admin-auto-create]").await;
    if !auto.is_selected().await.expect("checked?") {
        auto.click().await.expect("tick");
    }
    click_to_navigate(&client, "[data-testid=admin-save-auto-create]").await;
    // A signed agreement moves the record to the CRM's own stage, forward only.
    map_stage(&client, "agreement_signed", "4").await;
    screenshot(&client, "pipedrive/02-settings").await;
    assert_accessible(&client, "pipedrive/02-settings").await;
    admin_page_in_dark(&client, "pipedrive/02c-settings-dark").await;

    // The same settings inside Pipedrive (Tools and apps > Marketplace apps > Settings: its
    // custom UI for app settings), in the admin's Pipedrive theme, light then dark.
    client.goto(&format!("{pipedrive}/marketplace")).await.expect("marketplace");
    click_to_navigate(&client, "[data-testid=pd-app-settings]").await;
    let in_pipedrive = |theme: &'static str| {
        let client = client.clone();
        let linked = format!("Linked to {tenant}");
        async move {
            let frame = wait_for(&client, "iframe[data-testid=pd-settings-frame]").await;
            frame.enter_frame().await.expect("enter the settings");
            wait_for(&client, &format!("html[data-in-crm=pipedrive][data-theme={theme}]")).await;
            assert_eq!(text_of(&client, "[data-testid=admin-tenant-status]").await, linked);
            assert_accessible(&client, &format!("Pipedrive's settings surface, {theme}")).await;
            client.enter_parent_frame().await.expect("Pipedrive's settings");
            let frame = wait_for(&client, "iframe[data-testid=pd-settings-frame]").await;
            assert!(frame.attr("data-initialized-at").await.expect("attr").is_some(), "the settings said initialize");
        }
    };
    in_pipedrive("light").await;
    screenshot(&client, "pipedrive/02d-settings-in-pipedrive").await;
    // A change inside Pipedrive's frame, where no cookie of ours is sent: the form carries it.
    let frame = wait_for(&client, "iframe[data-testid=pd-settings-frame]").await;
    frame.enter_frame().await.expect("enter the settings");
    click_to_navigate(&client, "[data-testid=admin-save-auto-create]").await;
    wait_for(&client, "[data-testid=admin-notice]").await;
    client.enter_parent_frame().await.expect("Pipedrive's settings");
    let switch = "return fetch('/sandbox/theme', { method: 'POST' }).then((r) => r.json()).then((j) => j.theme)";
    assert_eq!(client.execute(switch, vec![]).await.expect("dark"), "dark");
    client.refresh().await.expect("reload the settings");
    in_pipedrive("dark").await;
    screenshot(&client, "pipedrive/02e-settings-in-pipedrive-dark").await;
    assert_eq!(client.execute(switch, vec![]).await.expect("light"), "light");
    client.delete_all_cookies().await.expect("log out");

    // Pipedrive shows the panel only to users who installed the app: the rep installs it
    // for themself from the marketplace, and is told so (the settings stay the admin's).
    client.goto(&format!("{pipedrive}/marketplace")).await.expect("marketplace");
    log_in(&client, "rui@helio.example").await;
    click_to_navigate(&client, "[data-testid=pd-install]").await;
    click_to_navigate(&client, "[data-testid=pd-allow]").await;
    assert!(text_of(&client, "body").await.contains("installed for Rui Rep in Helio Homes"));
    screenshot(&client, "pipedrive/02b-installed-for-the-rep").await;

    // The rep opens a deal: the panel verified its token and shows the organization's address.
    client.goto(&format!("{pipedrive}/deal/1")).await.expect("deal");
    enter_panel(&client).await;
    assert_eq!(text_of(&client, "[data-testid=opportunity-location]").await, "901 Mears Ct, Stanford, CA 94305, USA");
    // The panel stays open for hours before the click: the widget renews its session with
    // a panel token from the SDK's `get_signed_token`. (Waiting for the widget to be live
    // also makes sure its wasm was requested: the page reads before it is.)
    age_the_widget(&client, 3).await;
    // `initialize` went out before the wasm was requested (Pipedrive's 10-second rule).
    let order: Value = client
        .execute(
            "const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));\
             return [window.__auroraPanelInitializedAt, wasm ? wasm.startTime : null];",
            vec![],
        )
        .await
        .expect("timings");
    let (initialized, wasm) = (order[0].as_f64().expect("initialize posted"), order[1].as_f64().expect("wasm fetched"));
    assert!(initialized < wasm, "initialize at {initialized} ms, the wasm requested at {wasm} ms");
    click(&client, "button[data-testid=create-project]").await;
    // Pipedrive's own feedback for a finished action: its snackbar (`show_snackbar`).
    client.enter_parent_frame().await.expect("the deal page");
    wait_for(&client, "[data-testid=pd-snackbar]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while text_of(&client, "[data-testid=pd-snackbar]").await != "Aurora project created" {
        assert!(Instant::now() < deadline, "no snackbar said the project was created");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    enter_panel(&client).await;
    design_ready(&client, 60).await;
    assert_accessible(&client, "Pipedrive's frame, design ready").await;
    // The panel holds the design's summary; the whole design is a click away.
    assert!(client.find(Locator::Css("[data-testid=section-arrays]")).await.is_err(), "the panel holds the details");
    assert!(client.find(Locator::Css("[data-testid=size-ac]")).await.is_err(), "the panel holds the inverter size");
    // The design as the widget mounted it, and as the worker renders it into a reloaded
    // panel: the same to the element and the pixel.
    let mounted = screen_snapshot(&client).await;
    reload_widget(&client).await;
    assert_eq!(screen_snapshot(&client).await, mounted, "the worker's render of the design differs from the widget's");
    client.enter_parent_frame().await.expect("the deal page");
    screenshot(&client, "pipedrive/03-design-in-the-panel").await;

    // The host sized the panel from `resize` (within 100..750 px) and kept it shown.
    let frame = wait_for(&client, "iframe[data-testid=pd-panel-frame]").await;
    let resizes: u32 = frame.attr("data-resizes").await.expect("attr").unwrap_or_default().parse().unwrap_or(0);
    assert!(resizes >= 1, "no resize reached Pipedrive");
    let height: u32 = frame.attr("data-height").await.expect("attr").unwrap_or_default().parse().unwrap_or(0);
    // A summary that fits the sidebar without scrolling (its limit is 750 px).
    assert!((100..=450).contains(&height), "panel height {height}");
    let last: Value =
        serde_json::from_str(&frame.attr("data-last-command").await.expect("attr").expect("a command")).expect("JSON");
    assert_eq!(last["payload"]["command"], "resize");
    assert_eq!(last["payload"]["type"], "command");
    assert!(wait_for(&client, "[data-testid=pd-panel]").await.attr("data-hidden").await.expect("attr").is_none());
    let tokens = frame.attr("data-signed-tokens").await.expect("attr");
    assert_eq!(tokens.as_deref(), Some("1"), "the panel asked Pipedrive for a signed token once");

    // View design opens the app's custom modal (`open_modal`), whose page shows the whole
    // design, every section open; Pipedrive's close button ends it.
    enter_panel(&client).await;
    click(&client, "[data-testid=view-design]").await;
    client.enter_parent_frame().await.expect("the deal page");
    let modal = wait_for(&client, "iframe[data-testid=pd-modal-frame]").await;
    modal.enter_frame().await.expect("enter the modal");
    wait_for(&client, "html[data-surface=full]").await;
    wait_for(&client, "details[open][data-testid=section-arrays]").await;
    wait_for(&client, "[data-testid=size-ac]").await;
    assert!(client.find(Locator::Css("[data-testid=view-design]")).await.is_err(), "the modal offers itself");
    assert_accessible(&client, "Pipedrive's custom modal, the whole design").await;
    client.enter_parent_frame().await.expect("the deal page");
    let modal = wait_for(&client, "iframe[data-testid=pd-modal-frame]").await;
    assert!(modal.attr("data-initialized-at").await.expect("attr").is_some(), "the modal said initialize");
    screenshot(&client, "pipedrive/03b-the-whole-design-in-the-modal").await;
    click(&client, "[data-testid=pd-modal-close]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.find(Locator::Css("[data-testid=pd-modal]")).await.is_ok() {
        assert!(Instant::now() < deadline, "the modal did not close");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The rep collapses the panel: the widget hears Pipedrive's `visibility` and stops
    // polling until it opens again.
    click(&client, "[data-testid=pd-panel-collapse]").await;
    enter_panel(&client).await;
    wait_for(&client, "html[data-host-hidden]").await;
    client.enter_parent_frame().await.expect("the deal page");
    click(&client, "[data-testid=pd-panel-collapse]").await;
    enter_panel(&client).await;
    wait_for(&client, "html:not([data-host-hidden])").await;
    client.enter_parent_frame().await.expect("the deal page");

    // The rep switches Pipedrive to its dark theme (the computer stays light): the panel
    // follows at once, told by the SDK's `user_settings_change`, and a reload opens it dark
    // from the panel URL's `?theme=`, before any wasm. Then back to light.
    let background = "return getComputedStyle(document.body).backgroundColor";
    click(&client, "[data-testid=pd-theme]").await;
    wait_for(&client, "body[data-theme=dark]").await;
    enter_panel(&client).await;
    wait_for(&client, "html[data-theme=dark]").await;
    // Pipedrive's own dark background (widget.css' tokens for `data-crm="pipedrive"`).
    assert_eq!(client.execute(background, vec![]).await.expect("colour"), "rgb(27, 28, 29)", "the widget is dark");
    assert_accessible(&client, "Pipedrive's frame, the rep's dark theme").await;
    client.enter_parent_frame().await.expect("the deal page");
    screenshot(&client, "pipedrive/03c-the-reps-dark-theme").await;
    client.refresh().await.expect("reload the deal");
    enter_panel(&client).await;
    wait_for(&client, "html[data-theme=dark]").await;
    client.enter_parent_frame().await.expect("the deal page");
    click(&client, "[data-testid=pd-theme]").await;
    wait_for(&client, "body[data-theme=light]").await;
    enter_panel(&client).await;
    wait_for(&client, "html[data-theme=light]").await;
    client.enter_parent_frame().await.expect("the deal page");

    // The figures land in the deal's custom fields (created by name).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = deal(1).await;
        if found["fields"]["Aurora system size (kW)"].as_f64().is_some_and(|kw| kw > 0.0) {
            assert!(found["fields"]["Aurora project"].as_str().is_some_and(|u| u.contains("/projects/")), "{found}");
            break;
        }
        assert!(Instant::now() < deadline, "figures not written back: {found}");
        sweep().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    // The homeowner signs and the lender approves in Aurora: the panel says so in a line
    // (the summary still fits the sidebar), the deal's history has each event as a note.
    let (tenant, project) = project_of("pipedrive", "1").await;
    sign_and_approve(&project).await;
    client.goto(&format!("{pipedrive}/deal/1")).await.expect("the deal");
    enter_panel(&client).await;
    text_comes(&client, "[data-testid=sale-status] dd", "Agreement signed · financing approved", 60, false).await;
    client.enter_parent_frame().await.expect("the deal page");
    let frame = wait_for(&client, "iframe[data-testid=pd-panel-frame]").await;
    let height: u32 = frame.attr("data-height").await.expect("attr").unwrap_or_default().parse().unwrap_or(0);
    assert!((100..=450).contains(&height), "panel height with the sale {height}");
    text_comes(&client, "[data-testid=pd-file]", "Signed agreement", 60, true).await;
    text_comes(&client, "[data-testid=pd-stage]", "Negotiations Started", 30, true).await;
    let notes = text_comes(&client, "[data-testid=pd-note]", "Aurora: agreement signed", 30, true).await;
    assert!(notes.contains("Aurora: financing approved"), "{notes}");
    screenshot(&client, "pipedrive/03d-signed-in-the-panel-and-the-history").await;
    redesign(&tenant, &project).await;
    enter_panel(&client).await;
    text_comes(&client, "[data-testid=drift]", "Changed since it was sold", 60, false).await;
    client.enter_parent_frame().await.expect("the deal page");
    screenshot(&client, "pipedrive/03e-changed-since-sold").await;
    text_comes(&client, "[data-testid=pd-note]", "Aurora: the design changed since it was sold", 30, true).await;

    // The other company's rep cannot open the deal, and has no panel.
    client.delete_all_cookies().await.expect("log out");
    client.goto(&format!("{pipedrive}/deal/1")).await.expect("deal");
    log_in(&client, "cara@coastline.example").await;
    assert!(text_of(&client, "h1").await.contains("Not found"));
    client.goto(&format!("{pipedrive}/deal/3")).await.expect("own deal");
    wait_for(&client, "[data-testid=pd-no-panel]").await;
    client.delete_all_cookies().await.expect("log out");

    // A new deal gets its project by webhook.
    client.goto(&format!("{pipedrive}/")).await.expect("deals");
    log_in(&client, "rui@helio.example").await;
    fill(&client, "[data-testid=pd-new-title]", "Rivera - Battery add-on").await;
    click_to_navigate(&client, "[data-testid=pd-new-save]").await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        enter_panel(&client).await;
        if client.find(Locator::Css("[data-testid=state-design-ready]")).await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no project was created automatically within 120 s");
        client.enter_parent_frame().await.expect("the deal page");
        sweep().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        client.refresh().await.expect("reload");
    }
    client.enter_parent_frame().await.expect("the deal page");
    screenshot(&client, "pipedrive/04-new-deal-automatic").await;
    // The panel's URL, with its token (good for 5 minutes): it opens while installed.
    let panel_url =
        wait_for(&client, "iframe[data-testid=pd-panel-frame]").await.attr("src").await.expect("attr").expect("src");
    assert_eq!(reqwest::get(&panel_url).await.expect("panel").status(), reqwest::StatusCode::OK);
    // The deal is in the panel's URL, which its token does not sign: the rep who names the
    // admin's private deal (visible to its owner only) reads that no such deal exists.
    let start = panel_url.find("selectedIds=").expect("selectedIds") + "selectedIds=".len();
    let end = panel_url[start..].find('&').map_or(panel_url.len(), |i| start + i);
    let private = format!("{}9{}", &panel_url[..start], &panel_url[end..]);
    client.goto(&private).await.expect("the panel, for another deal");
    let page = text_of(&client, "body").await;
    assert!(page.contains("This deal does not exist in Pipedrive, or you do not have access to it"), "{page}");
    assert!(!page.contains("Battery (private)"), "{page}");
    screenshot(&client, "pipedrive/05-a-deal-the-rep-may-not-see").await;
    client.delete_all_cookies().await.expect("log out");

    // The admin uninstalls in Pipedrive: its DELETE to our callback removes the installation.
    client.goto(&format!("{pipedrive}/marketplace")).await.expect("marketplace");
    log_in(&client, "hana@helio.example").await;
    click_to_navigate(&client, "[data-testid=pd-uninstall]").await;
    wait_for(&client, "[data-testid=pd-install]").await;
    let answer = reqwest::get(&panel_url).await.expect("panel");
    assert_eq!(answer.status(), reqwest::StatusCode::FORBIDDEN);
    let page = answer.text().await.expect("page");
    assert!(
        page.contains(
            "Aurora Solar is not installed for your Pipedrive company. Ask your Pipedrive admin to install it"
        ),
        "{page}"
    );
    client.close().await.expect("close browser");
}
