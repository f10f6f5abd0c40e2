//! Tells the CRM page around our iframe how tall the widget is, so it can size the frame
//! with no inner scrollbar.
//!
//! The message goes to each CRM origin the worker allows to frame us, by name: never `*`,
//! so no other page that happens to frame the widget learns anything from it. The browser
//! delivers it only to the origin the parent actually has.

use web_sys::HtmlElement;

/// The message's `type`: `{ "type": "aurora-widget:height", "height": 412 }`.
pub const HEIGHT_MESSAGE: &str = "aurora-widget:height";

/// Reports `root`'s height to the parent now and whenever it changes.
pub fn report_height(root: &HtmlElement, host_origins: Vec<String>) {
    if host_origins.is_empty() {
        return;
    }
    crate::host::on_height_change(root, (0, u32::MAX), move |parent, height| {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &HEIGHT_MESSAGE.into());
        let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
        for origin in &host_origins {
            let _ = parent.post_message(&message, origin);
        }
    });
}
