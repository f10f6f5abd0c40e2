//! Tells the CRM page around our iframe how tall the widget is, so it can size the frame
//! with no inner scrollbar.
//!
//! The message goes to each CRM origin the worker allows to frame us, by name: never `*`,
//! so no other page that happens to frame the widget learns anything from it. The browser
//! delivers it only to the origin the parent actually has.

use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ResizeObserver};

/// This adapter's name, as the embed page gives it (`data-host-adapter`): CRMs that size
/// our iframe from these messages (the demo CRM).
pub const ADAPTER: &str = "frame-height";

/// The message's `type`: `{ "type": "aurora-widget:height", "height": 412 }`.
pub const HEIGHT_MESSAGE: &str = "aurora-widget:height";

/// Reports `root`'s height to the parent now and whenever it changes.
pub fn report_height(root: &HtmlElement, host_origins: Vec<String>) {
    let Some(window) = web_sys::window() else { return };
    // Not framed (opened on its own): nobody to tell.
    let Ok(Some(parent)) = window.parent() else { return };
    if host_origins.is_empty() || parent == window {
        return;
    }
    let observed = root.clone();
    let mut last_height = 0;
    let on_resize = Closure::<dyn FnMut()>::new(move || {
        let height = observed.get_bounding_client_rect().height().ceil() as u32;
        if height == last_height {
            return;
        }
        last_height = height;
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &HEIGHT_MESSAGE.into());
        let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
        for origin in &host_origins {
            let _ = parent.post_message(&message, origin);
        }
    });
    if let Ok(observer) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        observer.observe(root);
    }
    // The observer lives as long as the page.
    on_resize.forget();
}
