//! The widget's screens on the page: each change of screen mounts its components afresh
//! into the widget's root (see `widget_view::draw` for which).
//!
//! Rather than the usual `{move || match screen.get() { ... }.into_any()}` over a signal:
//! type-erased views carry code to patch every screen into every other, and signals and
//! effects their machinery, which together made the widget half as large again. A screen
//! here is built once and never patched (nothing on it changes while it shows), so plain
//! mounting is all it needs.

use leptos::mount::mount_to;
use leptos::prelude::*;
use std::any::Any;
use widget_view::{
    Painter, draw,
    screen::{Actions, Screen},
};

/// A screen on the page; dropping it unmounts it (and disposes of what its components own).
pub struct MountedScreen(#[allow(dead_code)] Vec<Box<dyn Any>>);

/// Mounts the components for `screen` into `root`, after what `root` holds.
pub fn mount_screen(root: web_sys::HtmlElement, screen: Screen, actions: Actions) -> MountedScreen {
    let _ = root.class_list().add_1("aurora-widget");
    let mut mounted = Mounted { root, parts: Vec::with_capacity(2) };
    draw(screen, actions, &mut mounted);
    MountedScreen(mounted.parts)
}

/// Mounts each part into the root.
struct Mounted {
    root: web_sys::HtmlElement,
    parts: Vec<Box<dyn Any>>,
}

impl Painter for Mounted {
    fn paint<V: IntoView + 'static>(&mut self, part: impl FnOnce() -> V + 'static) {
        self.parts.push(Box::new(mount_to(self.root.clone(), part)));
    }
}
