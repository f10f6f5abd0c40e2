//! The little the widget needs from the browser beyond the DOM: timers, page visibility,
//! the clock, messages from the page around the frame, and reloading the page.

use js_sys::Promise;
use std::{cell::RefCell, rc::Rc};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{EventTarget, MessageEvent, VisibilityState};

/// The browser's clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The first message `target` (the window, or a port) receives that `read` accepts, as
/// `read` answers it; `None` when none came within `timeout_ms`. The listener goes when
/// this ends. (One type of answer, a `JsValue`: one copy of this in the wasm.)
pub async fn next_message(
    target: &EventTarget,
    timeout_ms: i32,
    read: Box<dyn Fn(&MessageEvent) -> Option<JsValue>>,
) -> Option<JsValue> {
    let found: Rc<RefCell<Option<JsValue>>> = Rc::default();
    let mut read = Some(read);
    let mut listener = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        let (Some(read), found) = (read.take(), found.clone()) else { return };
        let done = resolve.clone();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            if found.borrow().is_none()
                && let Some(value) = read(&event)
            {
                *found.borrow_mut() = Some(value);
                let _ = done.call0(&JsValue::NULL);
            }
        });
        let _ = target.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, timeout_ms);
        }
        listener = Some(on_message);
    });
    let _ = JsFuture::from(promise).await;
    if let Some(listener) = listener {
        let _ = target.remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    }
    found.take()
}

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
