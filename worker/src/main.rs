//! The native host's binary. On wasm32 (Cloudflare) the library's `#[event(fetch)]` is the
//! entry point and this binary is empty.

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    aurora_crm_worker::hosts::native::main().await
}

#[cfg(target_arch = "wasm32")]
fn main() {}
