//! What every host adapter does the same way: watch the widget's height and tell the page
//! around the frame when it changes, within the frame's limits. Each adapter
//! ([`crate::host_frame`], [`crate::host_canvas`], [`crate::host_pipedrive`]) only says how
//! its CRM wants to be told; which one runs is the embed page's [`widget_api::HostAdapter`].

use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ResizeObserver, Window};

/// Calls `send(parent, height)` with `root`'s height, kept within `min..=max` px, now and
/// whenever it changes, for as long as the page lives. Does nothing when the widget is not
/// framed (opened on its own: nobody to tell).
pub fn on_height_change(root: &HtmlElement, (min, max): (u32, u32), mut send: impl FnMut(&Window, u32) + 'static) {
    let Some(window) = web_sys::window() else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    if parent == window {
        return;
    }
    let observed = root.clone();
    let mut last_height = 0;
    let on_resize = Closure::<dyn FnMut()>::new(move || {
        let height = (observed.get_bounding_client_rect().height().ceil() as u32).clamp(min, max);
        if height != last_height {
            last_height = height;
            send(&parent, height);
        }
    });
    if let Ok(observer) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        observer.observe(root);
    }
    // The observer lives as long as the page.
    on_resize.forget();
}
