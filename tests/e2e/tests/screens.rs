//! Screenshots of every widget screen at 360 and 720 px, light and dark, from the gallery
//! (every screen from fixtures as the worker renders it, written by widget-view's
//! `gallery_renders` test), into `target/e2e-screenshots/screens/`. Each is also checked:
//! accessible (axe-core, WCAG 2.2 AA, no serious or critical violation), the theme in
//! effect (the CRM's, whatever the computer's: each dark screen is taken with the computer
//! set light, each light one with it set dark), and no sideways scrolling at that width.
//! That a screen the widget shows after a change is the same as a fresh page's is the
//! journeys' to check (`journey.rs`, `pipedrive.rs`).

use e2e::{assert_accessible, axe, chromium_sized, env, save_screenshot, wait_for};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromedriver and the gallery build: run `cargo xtask test`"]
async fn every_screen_at_two_widths_in_light_and_dark() {
    let gallery = env("E2E_GALLERY_DIR");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(gallery));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    // The gallery lists its screens: every one is photographed, none forgotten.
    let screens = {
        let client = chromium_sized(1000, 800, false).await;
        client.goto(&format!("http://{address}/index.html")).await.expect("open gallery");
        let body = wait_for(&client, "body[data-screens]").await;
        let names = body.attr("data-screens").await.expect("attribute").expect("the gallery lists its screens");
        // The accessibility check can fail: an image without a text alternative and grey
        // on white text are found (critical and serious).
        client
            .execute(
                "document.body.insertAdjacentHTML('beforeend', '<img src=\"data:,\"><p style=\"color:#bbb\">faint</p>')",
                vec![],
            )
            .await
            .expect("a bad page");
        let (_, grave) = axe(&client).await;
        assert!(
            grave.iter().any(|v| v.contains("image-alt")) && grave.iter().any(|v| v.contains("color-contrast")),
            "{grave:?}"
        );
        client.close().await.expect("close browser");
        names.split_whitespace().map(str::to_owned).collect::<Vec<_>>()
    };
    assert!(screens.len() >= 10 && screens.iter().any(|s| s == "design-ready"), "{screens:?}");

    for (width, dark) in [(360, false), (720, false), (360, true), (720, true)] {
        let scheme = if dark { "dark" } else { "light" };
        // The computer's scheme the opposite of the CRM's: the widget must follow the CRM.
        let client = chromium_sized(1000, 2400, !dark).await;
        for screen in &screens {
            client.goto(&format!("http://{address}/{screen}-{width}.html")).await.expect("open the screen");
            wait_for(&client, "#aurora-widget [data-testid]").await;
            // The theme as the embed page sets it from the CRM's (`data-theme`).
            let checks = client
                .execute(
                    &format!(
                        "document.documentElement.dataset.theme = '{scheme}'; \
                     const host = document.getElementById('aurora-widget'); \
                     return [getComputedStyle(document.body).backgroundColor, \
                     host.scrollWidth <= host.clientWidth, host.getBoundingClientRect().width]"
                    ),
                    vec![],
                )
                .await
                .expect("checks");
            // widget.css' --bg: the CRM's theme, not the computer's.
            let background = if dark { "rgb(21, 24, 29)" } else { "rgb(255, 255, 255)" };
            assert_eq!(checks[0], background, "{screen} {width}px: the widget is not {scheme}");
            assert_eq!(checks[1], true, "{screen} at {width}px scrolls sideways");
            assert_eq!(checks[2], f64::from(width), "{screen}: the panel is not {width}px wide");
            let widget = wait_for(&client, "#aurora-widget").await;
            let png = widget.screenshot().await.expect("screenshot");
            save_screenshot(&format!("screens/{screen}-{width}px-{scheme}"), &png);
            // Every screen, light and dark, passes axe-core's WCAG 2.2 AA rules.
            if width == 360 {
                assert_accessible(&client, &format!("screen {screen}, {scheme}")).await;
            }
        }
        client.close().await.expect("close browser");
    }
    server.abort();
}
