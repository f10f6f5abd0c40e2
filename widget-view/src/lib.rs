//! The widget's screens, defined once as Leptos components and rendered by the worker: into
//! the embed page for the first paint (the rep reads it before any wasm has loaded), and
//! for each change the widget's poll brings. The widget's wasm carries no views; it puts
//! these renders on the page and acts on their buttons.
//!
//! - [`screen`]: what the widget shows ([`screen::Screen`]) and what its buttons ask for;
//! - [`components`]: one component per state and per part of the design summary;
//! - [`draw`]: which components make a screen, rendered to HTML;
//! - [`format`]: numbers, units and days in the rep's locale;
//! - [`words`]: the CRM's own nouns (opportunity or deal, its admin, its marketplace);
//! - `gallery` (feature `gallery`): every screen from fixtures, for screenshots.

pub mod components;
pub mod draw;
pub mod format;
#[cfg(feature = "gallery")]
pub mod gallery;
pub mod screen;
pub mod words;

pub use draw::{page_templates, render_html, screen_answer};
