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
