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

/// A panel's height limits.
pub const PANEL_LIMITS: (u32, u32) = (MIN_HEIGHT_PX, MAX_HEIGHT_PX);

/// A custom modal's: at least 120 px; at most the browser's height ("limited to the user's
/// browser dimensions": app-extensions-sdk README, "Resize"), which Pipedrive enforces, so
/// ours is taller than any screen.
pub const MODAL_LIMITS: (u32, u32) = (120, 4_000);

/// How long a custom modal may stay open and still be answered for (an hour).
const MODAL_OPEN_MS: i32 = 3_600_000;

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

/// `resize`'s arguments for a widget `height` px tall, within its surface's `(min, max)`.
pub fn resize_args(height: u32, (min, max): (u32, u32)) -> js_sys::Object {
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"height".into(), &height.clamp(min, max).into());
    args
}

/// Sends `resize` with `root`'s height now and whenever it changes, within a panel's
/// limits, or a custom modal's (`in_modal`).
pub fn autoresize(root: &HtmlElement, runtime_id: String, in_modal: bool) {
    if runtime_id.is_empty() {
        return;
    }
    let limits = if in_modal { MODAL_LIMITS } else { PANEL_LIMITS };
    crate::host::on_height_change(root, limits, move |parent, height| {
        post(parent, &runtime_id, "resize", &resize_args(height, limits));
    });
}

/// The page around the frame, when there is one.
fn parent() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    window.parent().ok().flatten().filter(|parent| *parent != window)
}

/// Sends the command `name` with `args` to `parent` over a port of its own (the SDK's
/// protocol: each command has one), and answers the port its answer comes back on.
fn post(parent: &web_sys::Window, runtime_id: &str, name: &str, args: &JsValue) -> Option<web_sys::MessagePort> {
    let channel = MessageChannel::new().ok()?;
    let message = command(runtime_id, name, args);
    parent.post_message_with_transfer(&message, "*", &js_sys::Array::of1(&channel.port2())).ok()?;
    Some(channel.port1())
}

/// Sends the command `name` with `args` over a port of its own, and listens there for
/// `timeout_ms`: `read` makes the answer. `None` outside a frame.
fn ask(
    runtime_id: &str,
    name: &str,
    args: &JsValue,
    timeout_ms: i32,
    read: crate::browser::Reader,
) -> Option<crate::browser::Answer> {
    let port = post(&parent()?, runtime_id, name, args)?;
    let answer = crate::browser::Answer::listen(&port, timeout_ms, read);
    port.start();
    Some(answer)
}

/// A panel token from Pipedrive (`get_signed_token`, answered `{data: {token}}` on the
/// port): a promise of it (a string), or of `null` when Pipedrive answers an error, or
/// `undefined` when nothing within 10 s.
pub fn signed_token(runtime_id: &str) -> Option<crate::browser::Answer> {
    let read: crate::browser::Reader = Box::new(|event| {
        let data = js_sys::Reflect::get(&event.data(), &"data".into()).ok()?;
        Some(js_sys::Reflect::get(&data, &"token".into()).unwrap_or(JsValue::NULL))
    });
    ask(runtime_id, "get_signed_token", &js_sys::Object::new(), ANSWER_TIMEOUT_MS, read)
}

/// Opens the custom modal `modal` (its id or name in Developer Hub) for `deal`:
/// `open_modal {type: "custom_modal", action_id, data: {deal}}`, whose `data` reaches the
/// modal's page as `?data=<JSON>` (app-extensions-sdk README, "Custom modal"). A promise
/// of `""` once Pipedrive answers that the modal closed, or of Pipedrive's refusal (an
/// unknown modal, say).
pub fn open_modal(runtime_id: &str, modal: &str, deal: &str) -> Option<crate::browser::Answer> {
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&data, &"deal".into(), &deal.into());
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"type".into(), &"custom_modal".into());
    let _ = js_sys::Reflect::set(&args, &"action_id".into(), &modal.into());
    let _ = js_sys::Reflect::set(&args, &"data".into(), &data);
    let read: crate::browser::Reader = Box::new(|event| {
        let error = js_sys::Reflect::get(&event.data(), &"error".into()).ok().filter(JsValue::is_truthy);
        Some(error.map_or_else(|| JsValue::from_str(""), |e| e.as_string().unwrap_or_default().into()))
    });
    ask(runtime_id, "open_modal", &args, MODAL_OPEN_MS, read)
}

/// Shows `message` in Pipedrive's own snackbar (`show_snackbar {message}`: its feedback
/// for a finished action, app-extensions-sdk README, "Show snackbar").
pub fn show_snackbar(runtime_id: &str, message: &str) {
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"message".into(), &message.into());
    if let Some(parent) = parent() {
        post(&parent, runtime_id, "show_snackbar", &args);
    }
}
