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
use web_sys::HtmlElement;

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
    if target_origin.is_empty() {
        return;
    }
    let mut seq = 0;
    crate::host::on_height_change(root, (1, MAX_HEIGHT_PX), move |parent, height| {
        seq = seq % 101 + 1;
        let message = resize_message(seq, &instance_id, &target_origin, height);
        let _ = parent.post_message(&message.into(), &target_origin);
    });
}
