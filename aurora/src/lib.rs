//! Aurora Solar's partner API as we use it: hosts, payload types, validation and a client.
//!
//! Everything here compiles for `wasm32-unknown-unknown` and native: the worker runs on
//! both, and the widget shares the design summary types.

pub mod hosts;
