//! The widget inside a Salesforce canvas frame: the Canvas SDK's side of its postMessage
//! protocol, for `resize` (so that Lightning sizes the frame to the widget: its default is
//! a fixed 900 px), `refresh` (`refreshSignedRequest`: the signed request that renews the
//! widget's session) and `repost` (Salesforce POSTs the canvas anew).
//!
//! What the SDK sends, and so what the parent expects: `parent.postMessage(
//! JSON.stringify(envelope), targetOrigin)` where the envelope is `{seq, src: "client",
//! clientVersion, parentVersion, body, targetModule: "Canvas"}`, `seq` cycling 1..101 and
//! `body` e.g. `{type: "resize", config: {client}, size: {height: "<n>px", width: ""}}`.
//! `client` here holds `instanceId` and `targetOrigin` only (and the string "null" as its
//! token where the SDK's `refresh` and `repost` send that): the OAuth token the SDK would
//! carry never reaches the browser (the worker keeps it). The parent answers `refresh`
//! with a JSON string `{type: "callback", seq, status, payload: {response}}`
//! (`forcedotcom/SalesforceCanvasJavascriptSDK` `js/canvas-all.js`: `postit`,
//! `refreshSignedRequest`, `repost`, and the `callback` module that matches `seq`).
//! Messages go to `targetOrigin` by name, never `*`, and answers count only from it. No
//! `alert`/`confirm`, cookies or storage: a canvas frame has none of them.

use std::cell::Cell;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// The Canvas SDK version whose protocol this speaks.
pub const CLIENT_VERSION: &str = "41.0";

/// Tallest frame Lightning's `force:canvasApp` allows by default (`maxHeight`).
pub const MAX_HEIGHT_PX: u32 = 2000;

/// How long the parent has to answer `refresh`.
const REFRESH_TIMEOUT_MS: i32 = 10_000;

thread_local! {
    /// The last `seq` sent: one sequence for every message, as the SDK keeps.
    static SEQ: Cell<u32> = const { Cell::new(0) };
}

fn next_seq() -> u32 {
    SEQ.with(|seq| {
        let next = seq.get() % 101 + 1;
        seq.set(next);
        next
    })
}

fn set(object: &js_sys::Object, key: &str, value: JsValue) {
    let _ = js_sys::Reflect::set(object, &key.into(), &value);
}

/// `body` with `type` and `config: {client}`, the client named by `instance_id` and
/// `target_origin` (and `oauthToken: "null"` when `with_null_token`, as `refresh` and
/// `repost` send it).
fn body(kind: &str, instance_id: &str, target_origin: &str, with_null_token: bool) -> js_sys::Object {
    let client = js_sys::Object::new();
    if with_null_token {
        set(&client, "oauthToken", "null".into());
    }
    set(&client, "instanceId", instance_id.into());
    set(&client, "targetOrigin", target_origin.into());
    let config = js_sys::Object::new();
    set(&config, "client", client.into());
    let body = js_sys::Object::new();
    set(&body, "type", kind.into());
    if with_null_token {
        set(&body, "accessToken", "null".into());
    }
    set(&body, "config", config.into());
    body
}

/// The JSON string of the envelope of `body`, numbered `seq`.
fn envelope(seq: u32, body: js_sys::Object) -> String {
    let envelope = js_sys::Object::new();
    set(&envelope, "seq", seq.into());
    set(&envelope, "src", "client".into());
    set(&envelope, "clientVersion", CLIENT_VERSION.into());
    set(&envelope, "parentVersion", JsValue::NULL);
    set(&envelope, "body", body.into());
    set(&envelope, "targetModule", "Canvas".into());
    js_sys::JSON::stringify(&envelope).map(String::from).unwrap_or_default()
}

/// The JSON string of a `resize` envelope, exactly as the parent receives it.
pub fn resize_message(seq: u32, instance_id: &str, target_origin: &str, height_px: u32) -> String {
    let body = body("resize", instance_id, target_origin, false);
    let size = js_sys::Object::new();
    set(&size, "height", format!("{height_px}px").into());
    set(&size, "width", "".into());
    set(&body, "size", size.into());
    envelope(seq, body)
}

/// Asks the parent for a signed request (`refreshSignedRequest`): Salesforce answers the
/// one the canvas was loaded with, or a new one. A promise of it (a string), or of `null`
/// when Salesforce answers no signed request, or `undefined` when nothing within 10 s
/// (see [`crate::browser::Answer`]).
pub fn refreshed_signed_request(target_origin: &str, instance_id: &str) -> Option<crate::browser::Answer> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten().filter(|parent| *parent != window)?;
    let seq = next_seq();
    let from = target_origin.to_owned();
    let answer = crate::browser::Answer::listen(
        &window,
        REFRESH_TIMEOUT_MS,
        Box::new(move |event| {
            if event.origin() != from {
                return None;
            }
            let parsed = js_sys::JSON::parse(&event.data().as_string()?).ok()?;
            let field = |value: &JsValue, key: &str| js_sys::Reflect::get(value, &key.into()).ok();
            let ours = field(&parsed, "type")?.as_string()? == "callback"
                && field(&parsed, "seq")?.as_f64()? == f64::from(seq);
            // Ours, answered: its payload's response when the status is 200, else null.
            ours.then(|| match field(&parsed, "status").and_then(|s| s.as_f64()) {
                Some(200.0) => field(&parsed, "payload").and_then(|p| field(&p, "response")).unwrap_or(JsValue::NULL),
                _ => JsValue::NULL,
            })
        }),
    );
    let message = envelope(seq, body("refresh", instance_id, target_origin, true));
    parent.post_message(&message.into(), target_origin).ok()?;
    Some(answer)
}

/// Asks Salesforce to POST the canvas anew with a fresh signed request (`repost(true)`):
/// the page reloads, opened afresh.
pub fn repost(target_origin: &str, instance_id: &str) {
    let Some(window) = web_sys::window() else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    let body = body("repost", instance_id, target_origin, true);
    set(&body, "refresh", true.into());
    let _ = parent.post_message(&envelope(next_seq(), body).into(), target_origin);
}

/// Sends a `resize` with `root`'s height to the canvas parent now and whenever it
/// changes (the SDK's autogrow, driven by a ResizeObserver instead of a 300 ms timer).
pub fn autogrow(root: &HtmlElement, target_origin: String, instance_id: String) {
    if target_origin.is_empty() {
        return;
    }
    crate::host::on_height_change(root, (1, MAX_HEIGHT_PX), move |parent, height| {
        let message = resize_message(next_seq(), &instance_id, &target_origin, height);
        let _ = parent.post_message(&message.into(), &target_origin);
    });
}
