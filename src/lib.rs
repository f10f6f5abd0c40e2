//! The Aurora Solar widget that lives inside a CRM's opportunity view.
//!
//! The worker's embed page loads this crate's wasm and calls [`mount_widget`] with the
//! element to render into. Everything the widget shows comes from the worker, which
//! verified the CRM's signed context: the widget never trusts the URL it was given.

pub mod api;
pub mod app;
pub mod components;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// Mounts the widget into `host`.
///
/// `host.dataset.crm` names the CRM that embedded us (`demo`, ...); the CRM's signed
/// context is the `context` query parameter of the page, passed through untouched.
#[wasm_bindgen]
pub fn mount_widget(host: web_sys::HtmlElement) {
    console_error_panic_hook::set_once();
    let crm = host.get_attribute("data-crm").unwrap_or_default();
    let context = signed_context_from_page().unwrap_or_default();
    // The widget lives as long as the page: nothing ever unmounts it.
    mount_to(host, move || view! { <app::App crm context /> }).forget();
}

/// The `context` parameter of the page URL, as the CRM signed it.
fn signed_context_from_page() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get("context")
}
