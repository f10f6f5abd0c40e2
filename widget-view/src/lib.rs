//! The widget's screens, defined once as Leptos components and drawn on both sides of the
//! wire: the worker renders the screen an opportunity is on into the embed page's HTML (the
//! rep reads it before any wasm has loaded), and the widget mounts the same components in
//! the browser when the screen changes.
//!
//! - [`screen`]: what the widget shows ([`screen::Screen`]) and what its buttons ask for;
//! - [`components`]: one component per state and per part of the design summary;
//! - [`draw`]: which components make a screen, for either side ([`draw::Painter`]);
//! - [`format`]: numbers, units and days in the rep's locale, the same on both sides;
//! - [`words`]: the CRM's own nouns (opportunity or deal, its admin, its marketplace);
//! - `gallery` (feature `gallery`): every screen from fixtures, for screenshots and for
//!   holding the two sides' renders of each screen together.

pub mod components;
pub mod draw;
pub mod format;
#[cfg(feature = "gallery")]
pub mod gallery;
pub mod screen;
pub mod words;

#[cfg(feature = "ssr")]
pub use draw::render_html;
pub use draw::{Painter, draw};
