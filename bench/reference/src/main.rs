//! `hello-world ADDR`: axum's hello-world, the ceiling a request through axum and tokio
//! has on this machine. `cargo xtask bench` reports the worker's figures as ratios to it,
//! measured in the same run, so a noisy machine moves both alike.

use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, Router::new().route("/", get(|| async { "Hello, World!" }))).await
}
