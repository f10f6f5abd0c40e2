//! The widget inside a Pipedrive custom panel: the app extensions SDK's side of its
//! protocol, re-implemented with `web-sys` (no JS SDK in the page). Every command is
//! `parent.postMessage({payload: {command, args, type: "command"}, id}, "*", [port])` with
//! `id` the runtime id from the panel's URL and a fresh `MessageChannel`'s port, which the
//! host answers on (`{data}` or `{error}`). `initialize` comes first: the boot script
//! (`www/pipedrive-init.js`) posts it before the wasm is even requested, since Pipedrive
//! drops a panel whose SDK has not initialized within 10 seconds; this module then sends
//! `resize` (height only, 100..750 px) whenever the widget's height changes, and asks
//! `get_signed_token` for the panel token that renews the widget's session (a JWT "valid
//! for 5 minutes", the same one again while it is: pipedrive/app-extensions-sdk README,
//! "Get signed token"). (The boot script also listens to `user_settings_change`, so the
//! theme follows the user's as it changes.) Messages go to `*` as the SDK's do: they carry sizes and ask for a token, and
//! only the real host holds the port the answer comes back on.

use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, MessageChannel};

/// How long Pipedrive has to answer a command whose answer we wait for.
const ANSWER_TIMEOUT_MS: i32 = 10_000;

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
    if runtime_id.is_empty() {
        return;
    }
    crate::host::on_height_change(root, (MIN_HEIGHT_PX, MAX_HEIGHT_PX), move |parent, height| {
        let Ok(channel) = MessageChannel::new() else { return };
        let message = command(&runtime_id, "resize", &resize_args(height));
        let _ = parent.post_message_with_transfer(&message, "*", &js_sys::Array::of1(&channel.port2()));
    });
}

/// A panel token from Pipedrive (`get_signed_token`, answered `{data: {token}}` on the
/// port): a promise of it (a string), or of `null` when Pipedrive answers an error, or
/// `undefined` when nothing within 10 s.
pub fn signed_token(runtime_id: &str) -> Option<crate::browser::Answer> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten().filter(|parent| *parent != window)?;
    let channel = MessageChannel::new().ok()?;
    let port = channel.port1();
    let answer = crate::browser::Answer::listen(
        &port,
        ANSWER_TIMEOUT_MS,
        Box::new(|event| {
            let data = js_sys::Reflect::get(&event.data(), &"data".into()).ok()?;
            Some(js_sys::Reflect::get(&data, &"token".into()).unwrap_or(JsValue::NULL))
        }),
    );
    port.start();
    let message = command(runtime_id, "get_signed_token", &js_sys::Object::new());
    parent.post_message_with_transfer(&message, "*", &js_sys::Array::of1(&channel.port2())).ok()?;
    Some(answer)
}
