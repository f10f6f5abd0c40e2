//! The widget inside a Salesforce canvas frame: the Canvas SDK's side of its postMessage
//! protocol, for `resize` only, so that Lightning sizes the frame to the widget (its
//! default is a fixed 900 px).
//!
//! What the SDK sends, and so what the parent expects: `parent.postMessage(
//! JSON.stringify(envelope), targetOrigin)` where the envelope is `{seq, src: "client",
//! clientVersion, parentVersion, body: {type: "resize", config: {client}, size: {height:
//! "<n>px", width: ""}}, targetModule: "Canvas"}`, `seq` cycling 1..101. `client` here holds
//! `instanceId` and `targetOrigin` only: the OAuth token the SDK would carry never reaches
//! the browser (the worker keeps it). Messages go to `targetOrigin` by name, never `*`.
//! No `alert`/`confirm`, cookies or storage: a canvas frame has none of them.

use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ResizeObserver};

/// This adapter's name, as the embed page gives it (`data-host-adapter`).
pub const ADAPTER: &str = "canvas";

/// The Canvas SDK version whose protocol this speaks.
pub const CLIENT_VERSION: &str = "41.0";

/// Tallest frame Lightning's `force:canvasApp` allows by default (`maxHeight`).
pub const MAX_HEIGHT_PX: u32 = 2000;

/// The JSON string of a `resize` envelope, exactly as the parent receives it.
pub fn resize_message(seq: u32, instance_id: &str, target_origin: &str, height_px: u32) -> String {
    let set = |object: &js_sys::Object, key: &str, value: JsValue| {
        let _ = js_sys::Reflect::set(object, &key.into(), &value);
    };
    let client = js_sys::Object::new();
    set(&client, "instanceId", instance_id.into());
    set(&client, "targetOrigin", target_origin.into());
    let config = js_sys::Object::new();
    set(&config, "client", client.into());
    let size = js_sys::Object::new();
    set(&size, "height", format!("{height_px}px").into());
    set(&size, "width", "".into());
    let body = js_sys::Object::new();
    set(&body, "type", "resize".into());
    set(&body, "config", config.into());
    set(&body, "size", size.into());
    let envelope = js_sys::Object::new();
    set(&envelope, "seq", seq.into());
    set(&envelope, "src", "client".into());
    set(&envelope, "clientVersion", CLIENT_VERSION.into());
    set(&envelope, "parentVersion", JsValue::NULL);
    set(&envelope, "body", body.into());
    set(&envelope, "targetModule", "Canvas".into());
    js_sys::JSON::stringify(&envelope).map(String::from).unwrap_or_default()
}

/// Sends a `resize` with `root`'s height to the canvas parent now and whenever it
/// changes (the SDK's autogrow, driven by a ResizeObserver instead of a 300 ms timer).
pub fn autogrow(root: &HtmlElement, target_origin: String, instance_id: String) {
    let Some(window) = web_sys::window() else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    if target_origin.is_empty() || parent == window {
        return;
    }
    let observed = root.clone();
    let (mut last_height, mut seq) = (0, 0);
    let on_resize = Closure::<dyn FnMut()>::new(move || {
        let height = (observed.get_bounding_client_rect().height().ceil() as u32).clamp(1, MAX_HEIGHT_PX);
        if height == last_height {
            return;
        }
        last_height = height;
        seq = seq % 101 + 1;
        let message = resize_message(seq, &instance_id, &target_origin, height);
        let _ = parent.post_message(&message.into(), &target_origin);
    });
    if let Ok(observer) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        observer.observe(root);
    }
    // The observer lives as long as the page.
    on_resize.forget();
}
