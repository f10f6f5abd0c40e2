//! The little the widget needs from the browser beyond the DOM: timers, page visibility,
//! the clock, and messages from the page around the frame.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{EventTarget, MessageEvent, VisibilityState};

/// The browser's clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// What accepts a message, answering the value it means (see [`Answer::listen`]).
pub type Reader = Box<dyn Fn(&MessageEvent) -> Option<JsValue>>;

/// The first message a target (the window, or a port) receives that a reader accepts, as
/// the reader answers it: [`Answer::promise`] resolves to it, or to `undefined` when none
/// came in time. The listener goes when the `Answer` is dropped. (A promise rather than an
/// `async fn`: each caller stays one `JsFuture` away from the answer, which keeps the
/// wasm small.)
pub struct Answer {
    /// Resolves to the answer.
    pub promise: Promise,
    target: EventTarget,
    listener: Option<Closure<dyn Fn(MessageEvent)>>,
}

impl Answer {
    /// Listens on `target` for `timeout_ms`; `read` accepts a message by answering a value.
    pub fn listen(target: &EventTarget, timeout_ms: i32, read: Reader) -> Self {
        let mut read = Some(read);
        let mut listener = None;
        let promise = Promise::new(&mut |resolve, _reject| {
            let Some(read) = read.take() else { return };
            let done = resolve.clone();
            let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(value) = read(&event) {
                    let _ = done.call1(&JsValue::NULL, &value);
                }
            });
            let _ = target.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, timeout_ms);
            }
            listener = Some(on_message);
        });
        Answer { promise, target: target.clone(), listener }
    }

    /// The answer, as a string; `None` for anything else (none came, or a refusal).
    pub async fn text(self) -> Option<String> {
        JsFuture::from(self.promise.clone()).await.ok()?.as_string()
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.take() {
            let _ = self.target.remove_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        }
    }
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

/// Whether the rep can see the page: its tab is in front, the window not minimized, and
/// the CRM has not collapsed the frame (`<html data-host-hidden>`, which the CRM's boot
/// script sets and clears, saying so with a `hostvisibilitychange` event on the document:
/// `www/pipedrive-init.js`).
pub fn page_is_visible() -> bool {
    web_sys::window().and_then(|w| w.document()).is_none_or(|d| {
        d.visibility_state() == VisibilityState::Visible
            && d.document_element().is_none_or(|root| !root.has_attribute("data-host-hidden"))
    })
}

/// Resolves once the page is visible: at once if it is.
pub async fn page_visible() {
    while !page_is_visible() {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let promise = Promise::new(&mut |resolve, _reject| {
            let options = web_sys::AddEventListenerOptions::new();
            options.set_once(true);
            for event in ["visibilitychange", "hostvisibilitychange"] {
                let _ =
                    document.add_event_listener_with_callback_and_add_event_listener_options(event, &resolve, &options);
            }
        });
        let _ = JsFuture::from(promise).await;
    }
}
