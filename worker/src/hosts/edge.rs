//! The Cloudflare Workers host: the same Router, built from the Worker's env per request,
//! and the same sweeper, run by a Cron Trigger. Static files (the widget) are Workers
//! static assets, served before the Worker runs.

mod d1;
mod fetch_transport;

use crate::{AppState, Caches, Config, router};
use std::sync::{Arc, OnceLock};
use tower_service::Service;
use worker::{Context, Env, HttpRequest, ScheduleContext, ScheduledEvent, event};

/// Background work after the response (or the cron run): `wait_until` keeps the isolate
/// alive for it.
enum WaitUntil {
    Request(worker::send::SendWrapper<Context>),
    Schedule(worker::send::SendWrapper<ScheduleContext>),
}

impl crate::Background for WaitUntil {
    fn spawn(&self, task: crate::BackgroundTask) {
        match self {
            WaitUntil::Request(ctx) => ctx.0.wait_until(task),
            WaitUntil::Schedule(ctx) => ctx.0.wait_until(task),
        }
    }
}

#[event(fetch)]
async fn fetch(req: HttpRequest, env: Env, ctx: Context) -> worker::Result<axum::http::Response<axum::body::Body>> {
    console_error_panic_hook::set_once();
    let state = state(&env, WaitUntil::Request(worker::send::SendWrapper(ctx)))?;
    Ok(router(state).call(req).await?)
}

/// The Cron Trigger (`[triggers] crons` in wrangler.toml): the sweeper the native host runs
/// on a timer runs due background work here (see `jobs`).
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, ctx: ScheduleContext) {
    console_error_panic_hook::set_once();
    let state = match state(&env, WaitUntil::Schedule(worker::send::SendWrapper(ctx))) {
        Ok(state) => state,
        Err(error) => return worker::console_error!("sweeper not started: {error}"),
    };
    match worker::send::SendFuture::new(crate::jobs::sweep(&state)).await {
        0 => {}
        n => worker::console_log!("sweep ran {n} piece(s) of background work"),
    }
}

/// The Router's state from the Worker's env.
fn state(env: &Env, background: WaitUntil) -> worker::Result<AppState> {
    // Settings are vars, secrets are secrets; both read by name through one lookup.
    let config = Config::from_lookup(|name| {
        env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
    })
    .map_err(|e| worker::Error::RustError(e.to_string()))?;
    // Migrations are applied with `wrangler d1 migrations apply` (the same files the native
    // host applies itself), never from a request.
    let db = d1::D1(env.d1("DB")?);
    let clock = Arc::new(|| worker::Date::now().as_millis() / 1000);
    // Requests of one isolate share the temporary keys it minted and the states it rendered.
    static CACHES: OnceLock<Arc<Caches>> = OnceLock::new();
    let caches = CACHES.get_or_init(Arc::default).clone();
    Ok(AppState::new(
        config,
        Arc::new(db),
        Arc::new(fetch_transport::FetchTransport),
        caches,
        Arc::new(background),
        clock,
    ))
}
