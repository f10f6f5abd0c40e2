//! The Cloudflare Workers host: the same Router, built from the Worker's env per request.
//! Static files (the widget) are Workers static assets, served before the Worker runs.

mod d1;
mod fetch_transport;

use crate::{AppState, Config, router};
use crate::temporary_keys::TemporaryKeyCache;
use std::sync::{Arc, OnceLock};
use tower_service::Service;
use worker::{Context, Env, HttpRequest, event};

/// Background work after the response: `ctx.wait_until` keeps the isolate alive for it.
struct WaitUntil(worker::send::SendWrapper<Context>);

impl crate::Background for WaitUntil {
    fn spawn(&self, task: crate::BackgroundTask) {
        self.0.0.wait_until(task);
    }
}

#[event(fetch)]
async fn fetch(req: HttpRequest, env: Env, ctx: Context) -> worker::Result<axum::http::Response<axum::body::Body>> {
    console_error_panic_hook::set_once();
    // Settings are vars, secrets are secrets; both read by name through one lookup.
    let config = Config::from_lookup(|name| {
        env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
    })
    .map_err(|e| worker::Error::RustError(e.to_string()))?;
    // Migrations are applied with `wrangler d1 migrations apply` (the same files the native
    // host applies itself), never from a request.
    let db = d1::D1(env.d1("DB")?);
    let clock = Arc::new(|| worker::Date::now().as_millis() / 1000);
    // Requests of one isolate share the temporary keys it minted.
    static KEYS: OnceLock<Arc<TemporaryKeyCache>> = OnceLock::new();
    let keys = KEYS.get_or_init(Arc::default).clone();
    let background = Arc::new(WaitUntil(worker::send::SendWrapper(ctx)));
    let state = AppState::new(config, Arc::new(db), Arc::new(fetch_transport::FetchTransport), keys, background, clock);
    Ok(router(state).call(req).await?)
}
