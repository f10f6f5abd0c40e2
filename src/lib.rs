//! The Aurora Solar widget that lives inside a CRM's opportunity view.
//!
//! The worker's embed page loads this crate's wasm and calls [`mount_widget`] with the
//! element to render into. Everything the widget shows comes from the worker, which
//! verified the CRM's signed context: the widget never trusts the URL it was given.
//!
//! - [`session`]: the state machine (open the session, create, follow the design);
//! - [`components`]: one component per state and per part of the design summary;
//! - [`api`]: the worker's HTTP API, typed, read by [`decode`]; [`format`]: numbers and
//!   units for people;
//! - [`browser`]: timers and visibility; [`host`] and its adapters ([`host_frame`],
//!   [`host_canvas`], [`host_pipedrive`]): the iframe's height, told to the CRM's page.

pub mod api;
pub mod browser;
pub mod components;
pub mod decode;
pub mod format;
#[cfg(feature = "gallery")]
pub mod gallery;
pub mod host;
pub mod host_canvas;
pub mod host_frame;
pub mod host_pipedrive;
pub mod screen;
pub mod session;

use wasm_bindgen::prelude::*;
use widget_api::HostAdapter;

/// Mounts the widget into `host`.
///
/// `host.dataset.crm` names the CRM that embedded us (`demo`, `salesforce`, `pipedrive`, `hubspot`),
/// `host.dataset.hostAdapter` how to talk to its page, and `host.dataset.hostOrigins` the
/// CRM origins we talk to (space separated). The signed context is `host.dataset.context`
/// when the worker put one there (a Salesforce canvas ticket), else the ticket in the page's
/// fragment (HubSpot's modal), else its `context` query parameter (CRMs that sign the
/// iframe URL), passed through untouched.
#[wasm_bindgen]
pub fn mount_widget(host: web_sys::HtmlElement) {
    console_error_panic_hook::set_once();
    let crm = host.get_attribute("data-crm").unwrap_or_default();
    let context = host
        .get_attribute("data-context")
        .filter(|context| !context.is_empty())
        .or_else(signed_context_from_page)
        .unwrap_or_default();
    // The host adapter speaks the CRM's protocol with the page around our iframe; the
    // worker names it on the embed page. An unknown one talks to nobody.
    let host_origins = host.get_attribute("data-host-origins").unwrap_or_default();
    let host_id = || host.get_attribute("data-host-id").unwrap_or_default();
    match HostAdapter::parse(&host.get_attribute("data-host-adapter").unwrap_or_default()) {
        HostAdapter::FrameHeight => {
            host_frame::report_height(&host, host_origins.split_whitespace().map(str::to_owned).collect());
        }
        HostAdapter::Canvas => host_canvas::autogrow(&host, host_origins.trim().to_owned(), host_id()),
        HostAdapter::Pipedrive => host_pipedrive::autoresize(&host, host_id()),
        HostAdapter::None => {}
    }
    // The session lives as long as the page: nothing ever ends it.
    session::Session::start(host, crm, context);
}

/// The context the page's URL carries: HubSpot's modal has its embed ticket in the
/// fragment (`#t=`), which no server, log or `Referer` sees, and which leaves the address
/// bar once read; other CRMs sign a `context` query parameter.
fn signed_context_from_page() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    if let Some(ticket) = location.hash().ok()?.strip_prefix("#t=").filter(|t| !t.is_empty()).map(str::to_owned) {
        if let (Ok(history), Ok(path)) = (window.history(), location.pathname()) {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
        }
        return Some(ticket);
    }
    let search = location.search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get("context")
}
