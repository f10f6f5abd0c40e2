//! Every screen of the widget from fixtures, for screenshots (feature `gallery`, never in
//! the shipped widget). `cargo xtask test` builds it into `target/widget-gallery/`; the e2e
//! suite opens `gallery.html?screen=<name>` at 360 and 720 px, light and dark, and holds
//! each beside the worker's render of the same screen (`widget_view::gallery`).

use crate::{mount::mount_screen, screen::Actions};
use wasm_bindgen::prelude::*;
use widget_view::gallery::{SCREENS, screen};

/// The screens' names, space-separated, for the screenshot test to walk through.
#[wasm_bindgen]
pub fn gallery_screens() -> String {
    SCREENS.join(" ")
}

/// Mounts the screen called `name` into `host`; false when there is no such screen.
#[wasm_bindgen]
pub fn mount_gallery(host: web_sys::HtmlElement, name: &str) -> bool {
    let Some(screen) = screen(name) else { return false };
    // The page shows this one screen for as long as it is open.
    std::mem::forget(mount_screen(host, screen, Actions::none()));
    true
}
