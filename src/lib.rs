//! The Aurora Solar widget that lives inside a CRM's opportunity view.
//!
//! The worker's embed page arrives with the opportunity's screen already rendered (by the
//! same components, `widget_view`) and the session it was rendered from inlined. This
//! crate's wasm loads after that first paint and takes the page over ([`mount_widget`]):
//! the Create click, following the state, and telling the CRM's page our height.
//!
//! - [`session`]: the state machine (take the page's session over, create, follow);
//! - [`mount`]: the screens on the page (`widget_view`'s components, mounted);
//! - [`api`]: the worker's HTTP API, typed, read by [`decode`];
//! - [`browser`]: timers and visibility; [`host`] and its adapters ([`host_frame`],
//!   [`host_canvas`], [`host_pipedrive`]): the iframe's height, told to the CRM's page.

pub mod api;
pub mod browser;
pub mod decode;
#[cfg(feature = "gallery")]
pub mod gallery;
pub mod host;
pub mod host_canvas;
pub mod host_frame;
pub mod host_pipedrive;
pub mod mount;
pub mod renew;
pub mod session;

pub use widget_view::{components, format, screen};

use wasm_bindgen::prelude::*;
use widget_api::{HostAdapter, SessionResponse};

/// Takes over the widget's page: `host` holds the screen the worker rendered, and the page
/// the session it was rendered from (`<script type="application/json" id="aurora-session">`).
///
/// `host.dataset.hostAdapter` names how to talk to the CRM's page, `host.dataset.hostOrigins`
/// the CRM origins we talk to (space separated), `host.dataset.locale` the rep's locale
/// the worker rendered in. The rendered screen stays (see [`session::Session::start`]).
#[wasm_bindgen]
pub fn mount_widget(host: web_sys::HtmlElement) {
    console_error_panic_hook::set_once();
    format::use_locale(format::Locale::from_tag(&host.get_attribute("data-locale").unwrap_or_default()));
    widget_view::words::use_crm(widget_view::words::Crm::from_name(
        &host.get_attribute("data-crm").unwrap_or_default(),
    ));
    // The host adapter speaks the CRM's protocol with the page around our iframe; the
    // worker names it on the embed page. An unknown one talks to nobody.
    let adapter = HostAdapter::parse(&host.get_attribute("data-host-adapter").unwrap_or_default());
    let origins: Vec<String> =
        host.get_attribute("data-host-origins").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    let id = host.get_attribute("data-host-id").unwrap_or_default();
    match adapter {
        HostAdapter::FrameHeight => host_frame::report_height(&host, origins.clone()),
        HostAdapter::Canvas => {
            host_canvas::autogrow(&host, origins.first().cloned().unwrap_or_default(), id.clone());
        }
        HostAdapter::Pipedrive => host_pipedrive::autoresize(&host, id.clone()),
        HostAdapter::None => {}
    }
    let session = page_session();
    // The session lives as long as the page: nothing ever ends it.
    session::Session::start(host, session, renew::Host { adapter, origins, id });
}

/// The session the page was rendered from, when it holds one that reads.
fn page_session() -> Option<SessionResponse> {
    let text = web_sys::window()?.document()?.get_element_by_id("aurora-session")?.text_content()?;
    let value = js_sys::JSON::parse(&text).ok()?;
    decode::decode(value).ok()
}
