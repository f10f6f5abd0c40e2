//! The two hosts that run the Router. Platform code lives here and only here.

#[cfg(target_arch = "wasm32")]
pub mod edge;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
