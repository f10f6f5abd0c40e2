//! How the sandbox behaves: every option is a CLI flag (see `sandbox --help`), and the
//! simulated designer's knobs among them.

use super::{faults::Faults, variance::Variance};
use aurora_api::{ApplicationId, ApplicationKey, TenantId};
use std::time::Duration;

/// How create_token treats a session token it is given (see [`Settings::session_token_check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SessionTokenCheck {
    /// Unknown, spent, expired and other tenants' tokens are refused (401).
    Strict,
    /// A token it never issued is ignored, as if none were given.
    IgnoresUnknown,
    /// A token of another tenant is accepted (and spent).
    AnyTenant,
}

/// How the sandbox behaves; every option is a CLI flag (see `sandbox --help`).
#[derive(Debug, Clone, clap::Args)]
#[group(id = "aurora_settings")]
#[command(next_help_heading = "Aurora sandbox")]
pub struct Settings {
    /// The partner application's id, as Aurora would issue it.
    #[arg(long, env = "AURORA_APPLICATION_ID", default_value = "5a2d8e1c-0000-4000-8000-00000000a991")]
    pub application_id: ApplicationId,
    /// The partner application's key (dev value: never a real one).
    #[arg(
        long,
        env = "AURORA_APPLICATION_KEY",
        default_value = "sandbox-application-key-not-a-secret",
        hide_env_values = true,
        value_parser = |key: &str| Ok::<_, String>(ApplicationKey::new(key))
    )]
    pub application_key: ApplicationKey,
    /// Tenants that exist and have our app enabled (repeat the flag for more).
    #[arg(long = "tenant", default_value = "7e57a000-0000-4000-8000-000000000001")]
    pub tenants: Vec<TenantId>,
    /// Divides Aurora's hour-scale durations (13 h keys, 1 h session tokens, the webhook
    /// retry schedule); 3600 makes an hour last a second.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Requests per minute per key before 429 (Aurora's default is 90).
    #[arg(long, default_value_t = 90)]
    pub rate_limit_per_minute: usize,
    /// Refuse create_token without a session token (Aurora's behaviour is undocumented;
    /// the default accepts both).
    #[arg(long)]
    pub strict_session_tokens: bool,
    /// Whether create_token checks a session token it is given. Aurora's docs say a
    /// session token is good for one exchange [doc], not that an unknown one, or one of
    /// another tenant, is refused: `strict` refuses both (the worker's link proof needs
    /// it), `ignores-unknown` treats a token it never issued as absent, `any-tenant`
    /// accepts a token of another tenant. The worker checks which at run time.
    #[arg(long, value_enum, default_value_t = SessionTokenCheck::Strict)]
    pub session_token_check: SessionTokenCheck,
    /// Refuse List Projects to temporary keys (403): whether Aurora lets a partner app list
    /// a tenant's projects is undocumented.
    #[arg(long)]
    pub forbid_project_listing: bool,
    /// Where the partner app opens when a tenant's user opens it from the Apps page (the
    /// app listing's launch URL; for us, the worker's `/connect/aurora`). Aurora embeds it
    /// with `aurora_tenant_id` and a fresh `aurora_session_token`. Without it, the Apps
    /// page has no "Open" button.
    #[arg(long, env = "AURORA_APP_URL")]
    pub app_url: Option<String>,
    /// Tenants whose plan lacks design pricing: Retrieve Design Pricing answers them 403
    /// ("not provisioned for this key"). Comma-separated tenant ids.
    #[arg(long, value_delimiter = ',')]
    pub unpriced_tenants: Vec<TenantId>,
    /// How a price's components are written: a list of `{name, value}` in order, or an
    /// object keyed by component. Aurora documents neither (its reference names the
    /// components and their order only).
    #[arg(long, value_enum, default_value_t = PricingBreakdown::List)]
    pub pricing_breakdown: PricingBreakdown,
    /// Tenants whose plan lacks the sale's endpoints (financings, agreements, web
    /// proposals): each answers them 403. Comma-separated tenant ids.
    #[arg(long, value_delimiter = ',')]
    pub tenants_without_sales: Vec<TenantId>,
    /// Refuse partner subscriptions to the sale's events (`agreement_status_changed`,
    /// `financier_contract_status_changed`, `milestone_created`) with 422. Aurora
    /// documents these events for tenant webhooks and does not list them for partner apps
    /// (https://partners.aurorasolar.com/docs/webhooks): whether a CRM app gets them is
    /// not said.
    #[arg(long)]
    pub refuse_sale_webhooks: bool,
    /// Webhook delivery timeout, as Aurora's 10 s.
    #[arg(long, default_value_t = 10.0)]
    pub webhook_timeout_seconds: f64,
    /// The simulated designer's knobs.
    #[command(flatten)]
    pub designer: DesignerSettings,
    /// Faults in force at start-up.
    #[command(flatten)]
    pub faults: Faults,
    /// Aurora's variance at start-up.
    #[command(flatten)]
    pub variance: Variance,
}

impl Settings {
    /// Aurora's real duration, compressed by `--time-scale`.
    pub fn scaled(&self, real: Duration) -> Duration {
        real.div_f64(self.time_scale.max(1e-6))
    }

    /// Checks the settings, with a message that says what to fix.
    pub fn validated(self) -> Result<Self, String> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err("--time-scale must be a positive number".into());
        }
        if self.rate_limit_per_minute == 0 {
            return Err("--rate-limit-per-minute must be at least 1".into());
        }
        self.designer.validate()?;
        self.faults.validate()?;
        Ok(self)
    }
}

/// How the sandbox writes a price's components (see `Settings::pricing_breakdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PricingBreakdown {
    /// `[{"name": "base_cost", "value": 18525.0}, ...]`, in Aurora's order.
    List,
    /// `{"base_cost": 18525.0, ...}`.
    Keyed,
}

/// The designer's knobs.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Simulated designer")]
pub struct DesignerSettings {
    /// How long after project creation the design and its simulation complete, ms.
    #[arg(long, default_value_t = 2000)]
    pub design_delay_ms: u64,
    /// Share of simulations that fail (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub simulation_failure_share: f64,
    /// Seed of the design generator: the same seed and project give the same design.
    #[arg(long, default_value_t = 42)]
    pub design_seed: u64,
}

impl DesignerSettings {
    /// Checks the knobs.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.simulation_failure_share) {
            return Err("--simulation-failure-share is a share between 0 and 1".into());
        }
        Ok(())
    }
}
