//! Faults the sandbox injects on purpose, switchable at runtime (`PUT /sandbox/faults`)
//! and from the command line: 429s, 5xx, slow answers, dropped connections, and webhook
//! deliveries that come twice, out of order, or without their auth header.

use super::aurora_error;
use axum::{
    body::Body,
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Shares are probabilities from 0 to 1, drawn per request (or per delivery).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(default, deny_unknown_fields)]
#[command(next_help_heading = "Faults (also switchable at runtime: PUT /sandbox/faults)")]
pub struct Faults {
    /// Share of API requests answered 429 with `Retry-After: 1`.
    #[arg(long = "fault-429", default_value_t = 0.0)]
    pub rate_limited: f64,
    /// Share of API requests answered 503.
    #[arg(long = "fault-5xx", default_value_t = 0.0)]
    pub server_error: f64,
    /// Share of API requests delayed by `slow_ms` before being handled.
    #[arg(long = "fault-slow", default_value_t = 0.0)]
    pub slow: f64,
    /// How long a slow request waits, milliseconds.
    #[arg(long = "fault-slow-ms", default_value_t = 3000)]
    pub slow_ms: u64,
    /// The other reading of a slow request whose caller gave up: Aurora abandons it and
    /// never acts. Aurora documents neither; by default a slow request runs to its end, as
    /// a server's handler does whether or not anyone is left to read the answer.
    #[arg(long = "fault-slow-abandoned")]
    pub slow_abandoned: bool,
    /// Share of API requests whose connection drops AFTER the request was handled (the
    /// caller cannot know whether it took effect).
    #[arg(long = "fault-drop", default_value_t = 0.0)]
    pub dropped: f64,
    /// Share of webhook deliveries sent twice.
    #[arg(long = "fault-duplicate-webhooks", default_value_t = 0.0)]
    pub duplicate_webhooks: f64,
    /// How many copies a duplicated delivery comes in (at least 2).
    #[arg(long = "fault-duplicate-copies", default_value_t = 2)]
    pub duplicate_copies: u32,
    /// Hold each webhook delivery for a random 0..N ms, so later events can overtake it.
    #[arg(long = "fault-webhook-jitter-ms", default_value_t = 0)]
    pub webhook_jitter_ms: u64,
    /// Share of webhook deliveries sent without the configured auth header.
    #[arg(long = "fault-skip-webhook-auth", default_value_t = 0.0)]
    pub skip_webhook_auth: f64,
}

impl Faults {
    /// Checks that every share is a probability.
    pub fn validate(&self) -> Result<(), String> {
        for (name, share) in [
            ("rate_limited (--fault-429)", self.rate_limited),
            ("server_error (--fault-5xx)", self.server_error),
            ("slow (--fault-slow)", self.slow),
            ("dropped (--fault-drop)", self.dropped),
            ("duplicate_webhooks", self.duplicate_webhooks),
            ("skip_webhook_auth", self.skip_webhook_auth),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("{name} is {share}: a share is between 0 and 1"));
            }
        }
        Ok(())
    }

    /// True with probability `share`.
    pub fn draw(share: f64) -> bool {
        share > 0.0 && rand::rng().random_bool(share.min(1.0))
    }
}

/// Applies `faults` to one request (the demo CRM's API uses the same faults). An injected
/// 429 asks for one second, written `retry_after` (`1`, or `1.0` as Aurora may).
pub async fn apply(faults: &Faults, retry_after: &'static str, request: Request, next: Next) -> Response {
    if Faults::draw(faults.rate_limited) {
        let mut response = aurora_error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded (injected)");
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static(retry_after));
        return response;
    }
    if Faults::draw(faults.server_error) {
        return aurora_error(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable (injected)");
    }
    let slow = Faults::draw(faults.slow);
    let response = if slow && faults.slow_abandoned {
        // Runs in the request's own future: a caller that leaves drops it, unhandled.
        tokio::time::sleep(Duration::from_millis(faults.slow_ms)).await;
        next.run(request).await
    } else if slow {
        // A slow Aurora still acts when the caller has given up waiting: the request runs
        // to its end on a task of its own, as a real server's would, whether or not anyone
        // is left to read the answer (a timed-out create leaves a project behind).
        let delay = Duration::from_millis(faults.slow_ms);
        let handled = tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            next.run(request).await
        });
        match handled.await {
            Ok(response) => response,
            Err(_) => aurora_error(StatusCode::INTERNAL_SERVER_ERROR, "the request's task failed"),
        }
    } else {
        next.run(request).await
    };
    if Faults::draw(faults.dropped) {
        // The handler ran; now the body fails mid-stream, so hyper aborts the connection
        // and the client sees a dropped connection with no answer.
        let (parts, _) = response.into_parts();
        let failing = futures_util::stream::once(async {
            Err::<axum::body::Bytes, _>(std::io::Error::other("dropped (injected)"))
        });
        return Response::from_parts(parts, Body::from_stream(failing));
    }
    response
}
