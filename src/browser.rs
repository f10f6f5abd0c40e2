//! The little the widget needs from the browser beyond the DOM: timers, page visibility
//! and reloading the page.

use js_sys::Promise;
use wasm_bindgen_futures::JsFuture;
use web_sys::VisibilityState;

/// Waits `milliseconds` (a `setTimeout`).
pub async fn sleep(milliseconds: u32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let ms = i32::try_from(milliseconds).unwrap_or(i32::MAX);
            // Without a window there is no timer; the promise then never resolves, as a
            // page without a window never runs again either.
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Whether the rep can see the page (its tab is in front, the window not minimized).
pub fn page_is_visible() -> bool {
    web_sys::window().and_then(|w| w.document()).is_none_or(|d| d.visibility_state() == VisibilityState::Visible)
}

/// Resolves once the page is visible: at once if it is.
pub async fn page_visible() {
    while !page_is_visible() {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let promise = Promise::new(&mut |resolve, _reject| {
            let options = web_sys::AddEventListenerOptions::new();
            options.set_once(true);
            let _ = document.add_event_listener_with_callback_and_add_event_listener_options(
                "visibilitychange",
                &resolve,
                &options,
            );
        });
        let _ = JsFuture::from(promise).await;
    }
}

/// Loads the page anew: the CRM's frame vouches for the rep again.
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
