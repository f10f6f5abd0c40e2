//! The Aurora Solar widget that lives inside a CRM's opportunity view.
//!
//! The worker renders every screen: the embed page arrives with the opportunity's screen
//! already on it (and the session it was rendered from inlined), and each change comes
//! from the worker rendered too. This crate's wasm loads after that first paint and brings
//! the page to life ([`mount_widget`]): the buttons' actions, following the screen, and
//! telling the CRM's page our height. It carries no views of its own.
//!
//! - [`session`]: take the page's session over, create, follow the screen;
//! - [`page`]: the root and the page's templates, focus and the status region;
//! - [`api`]: the worker's HTTP API, typed, read by [`decode`];
//! - [`browser`]: timers and visibility; [`host`] and its adapters ([`host_frame`],
//!   [`host_canvas`], [`host_pipedrive`]): the iframe's height, told to the CRM's page;
//!   [`renew`]: a new session through the CRM before the token ends.

pub mod api;
pub mod browser;
pub mod decode;
pub mod host;
pub mod host_canvas;
pub mod host_frame;
pub mod host_pipedrive;
pub mod page;
pub mod renew;
pub mod session;

use wasm_bindgen::prelude::*;
use widget_api::{HostAdapter, SessionKeys};

/// Takes over the widget's page: `host` holds the screen the worker rendered, and the page
/// the session it was rendered from (`<script type="application/json" id="aurora-session">`).
///
/// `host.dataset.hostAdapter` names how to talk to the CRM's page, `host.dataset.hostOrigins`
/// the CRM origins we talk to (space separated). The rendered screen stays (see
/// [`session::Session::start`]).
#[wasm_bindgen]
pub fn mount_widget(host: web_sys::HtmlElement) {
    console_error_panic_hook::set_once();
    // The host adapter speaks the CRM's protocol with the page around our iframe; the
    // worker names it on the embed page. An unknown one talks to nobody.
    let adapter = HostAdapter::parse(&host.get_attribute("data-host-adapter").unwrap_or_default());
    let origins: Vec<String> =
        host.get_attribute("data-host-origins").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    let id = host.get_attribute("data-host-id").unwrap_or_default();
    let whole_design = host.get_attribute("data-whole-design").filter(|modal| !modal.is_empty());
    match adapter {
        HostAdapter::FrameHeight => host_frame::report_height(&host, origins.clone()),
        HostAdapter::Canvas => {
            host_canvas::autogrow(&host, origins.first().cloned().unwrap_or_default(), id.clone());
        }
        HostAdapter::Pipedrive => {
            host_pipedrive::autoresize(&host, id.clone(), page::surface() == widget_api::Surface::Full)
        }
        HostAdapter::None => {}
    }
    let session = page_session();
    // The session lives as long as the page: nothing ever ends it.
    session::Session::start(host, session, renew::Host { adapter, origins, id, whole_design });
}

/// The session the page was rendered from, when it holds one that reads.
fn page_session() -> Option<SessionKeys> {
    let text = web_sys::window()?.document()?.get_element_by_id("aurora-session")?.text_content()?;
    let value = js_sys::JSON::parse(&text).ok()?;
    decode::decode(value).ok()
}
