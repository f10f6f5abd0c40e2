//! Aurora's variance: answers in the other shapes its public record allows (see
//! `aurora/CONTRACT.md`), so that tests meet what a real tenant may send rather than what
//! our own client would write. Off by default; `--variance`, or at runtime
//! `PUT /sandbox/variance {"enabled": true}`. When on:
//!
//! - the partner webhooks list comes as `{"webhooks": [...]}`;
//! - subscribing `app_status_changed` is refused (422), as it may be for a CRM app;
//! - design summaries carry no `created_at`;
//! - simulation job ids are not UUIDs (`job_...`), and an `in-progress` delivery precedes
//!   each simulation's end;
//! - `Retry-After` on a 429 is fractional seconds (`0.5`);
//! - every third project create is processed and then answered 409 ("in progress");
//! - List Projects ignores the `external_provider_id` filter.

use serde::{Deserialize, Serialize};

/// Whether the sandbox plays Aurora's variance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(default, deny_unknown_fields)]
#[command(next_help_heading = "Aurora's variance (also switchable at runtime: PUT /sandbox/variance)")]
pub struct Variance {
    /// Answer in the other shapes Aurora's public record allows (see `sandbox --help`'s
    /// source: sandbox/src/aurora/variance.rs).
    #[arg(long = "variance")]
    pub enabled: bool,
}
