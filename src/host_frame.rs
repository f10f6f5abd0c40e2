//! The demo CRM's protocol with the page around our iframe: the widget tells it how tall
//! it is, so it can size the frame with no inner scrollbar, and asks it for the widget's
//! URL signed afresh to renew the widget's session (`{type: "aurora-widget:renew"}`,
//! answered `{type: "aurora-widget:renewed", url}` or `{..., error}`).
//!
//! The message goes to each CRM origin the worker allows to frame us, by name: never `*`,
//! so no other page that happens to frame the widget learns anything from it. The browser
//! delivers it only to the origin the parent actually has.

use wasm_bindgen::JsValue;
use web_sys::HtmlElement;

/// The message's `type`: `{ "type": "aurora-widget:height", "height": 412 }`.
pub const HEIGHT_MESSAGE: &str = "aurora-widget:height";

/// How long the page has to answer a renewal.
const RENEW_TIMEOUT_MS: i32 = 10_000;

/// Reports `root`'s height to the parent now and whenever it changes.
pub fn report_height(root: &HtmlElement, host_origins: Vec<String>) {
    if host_origins.is_empty() {
        return;
    }
    crate::host::on_height_change(root, (0, u32::MAX), move |parent, height| {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &HEIGHT_MESSAGE.into());
        let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
        for origin in &host_origins {
            let _ = parent.post_message(&message, origin);
        }
    });
}

/// The widget's page URL signed afresh by the page around the frame: a promise of it (a
/// string), or of `null` when the page answers none (the rep signed out, say), or
/// `undefined` when nothing within 10 s. Only an answer from one of `host_origins`, naming
/// a URL of this very page, counts.
pub fn renewed_url(host_origins: &[String]) -> Option<crate::browser::Answer> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten().filter(|parent| *parent != window)?;
    let location = window.location();
    let this_page = format!("{}{}?", location.origin().ok()?, location.pathname().ok()?);
    let origins = host_origins.to_vec();
    let answer = crate::browser::Answer::listen(
        &window,
        RENEW_TIMEOUT_MS,
        Box::new(move |event| {
            let data = event.data();
            let field = |key: &str| js_sys::Reflect::get(&data, &key.into()).ok().and_then(|v| v.as_string());
            if !origins.contains(&event.origin()) || field("type").as_deref() != Some("aurora-widget:renewed") {
                return None;
            }
            Some(field("url").filter(|url| url.starts_with(&this_page)).map_or(JsValue::NULL, JsValue::from))
        }),
    );
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"aurora-widget:renew".into());
    for origin in host_origins {
        let _ = parent.post_message(&message, origin);
    }
    Some(answer)
}
