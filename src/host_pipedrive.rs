//! The widget inside a Pipedrive custom panel: the app extensions SDK's side of its
//! protocol, re-implemented with `web-sys` (no JS SDK in the page). Every command is
//! `parent.postMessage({payload: {command, args, type: "command"}, id}, "*", [port])` with
//! `id` the runtime id from the panel's URL and a fresh `MessageChannel`'s port, which the
//! host answers on (`{data}` or `{error}`). `initialize` comes first: the boot script
//! (`www/pipedrive-init.js`) posts it before the wasm is even requested, since Pipedrive
//! drops a panel whose SDK has not initialized within 10 seconds; this module then sends
//! `resize` (height only, 100..750 px) whenever the widget's height changes. Messages go to
//! `*` as the SDK's do: they carry sizes, and only the real host holds the port's answers.

use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, MessageChannel, ResizeObserver};

/// This adapter's name, as the embed page gives it (`data-host-adapter`).
pub const ADAPTER: &str = "pipedrive";

/// A panel's height range (Pipedrive's documented limits).
pub const MIN_HEIGHT_PX: u32 = 100;
/// See [`MIN_HEIGHT_PX`].
pub const MAX_HEIGHT_PX: u32 = 750;

/// A command message, exactly as the host receives it.
pub fn command(runtime_id: &str, name: &str, args: &JsValue) -> js_sys::Object {
    let set = |object: &js_sys::Object, key: &str, value: &JsValue| {
        let _ = js_sys::Reflect::set(object, &key.into(), value);
    };
    let payload = js_sys::Object::new();
    set(&payload, "command", &name.into());
    set(&payload, "args", args);
    set(&payload, "type", &"command".into());
    let message = js_sys::Object::new();
    set(&message, "payload", &payload);
    set(&message, "id", &runtime_id.into());
    message
}

/// `resize`'s arguments for a widget `height` px tall, within the panel's limits.
pub fn resize_args(height: u32) -> js_sys::Object {
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"height".into(), &height.clamp(MIN_HEIGHT_PX, MAX_HEIGHT_PX).into());
    args
}

/// Sends `resize` with `root`'s height now and whenever it changes.
pub fn autoresize(root: &HtmlElement, runtime_id: String) {
    let Some(window) = web_sys::window() else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    if runtime_id.is_empty() || parent == window {
        return;
    }
    let observed = root.clone();
    let mut last_height = 0;
    let on_resize = Closure::<dyn FnMut()>::new(move || {
        let height = (observed.get_bounding_client_rect().height().ceil() as u32).clamp(MIN_HEIGHT_PX, MAX_HEIGHT_PX);
        if height == last_height {
            return;
        }
        last_height = height;
        let Ok(channel) = MessageChannel::new() else { return };
        let message = command(&runtime_id, "resize", &resize_args(height));
        let _ = parent.post_message_with_transfer(&message, "*", &js_sys::Array::of1(&channel.port2()));
    });
    if let Ok(observer) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        observer.observe(root);
    }
    // The observer lives as long as the page.
    on_resize.forget();
}
