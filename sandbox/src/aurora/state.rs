//! The sandbox's settings and in-memory state.

use super::{designer::DesignerSettings, faults::Faults};
use aurora_api::{
    ApplicationId, ApplicationKey, DesignId, DesignSummary, HeaderAuthValue, JobId, PartnerWebhook, Project, ProjectId,
    TenantId,
};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

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
    /// Webhook delivery timeout, as Aurora's 10 s.
    #[arg(long, default_value_t = 10.0)]
    pub webhook_timeout_seconds: f64,
    /// The simulated designer's knobs.
    #[command(flatten)]
    pub designer: DesignerSettings,
    /// Faults in force at start-up.
    #[command(flatten)]
    pub faults: Faults,
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

/// A temporary key the sandbox minted.
#[derive(Debug, Clone)]
pub struct TemporaryKeyRecord {
    pub tenant: TenantId,
    pub expires: Instant,
}

/// A session token the sandbox issued.
#[derive(Debug, Clone)]
pub struct SessionTokenRecord {
    pub tenant: TenantId,
    pub expires: Instant,
    pub used: bool,
}

/// A project and what the designer made of it.
#[derive(Debug, Clone)]
pub struct ProjectRecord {
    pub project: Project,
    pub designs: Vec<DesignId>,
}

/// A finished design.
#[derive(Debug, Clone)]
pub struct DesignRecord {
    pub tenant: TenantId,
    pub project: ProjectId,
    pub job: JobId,
    pub succeeded: bool,
    pub summary: DesignSummary,
}

/// One tenant.
#[derive(Debug, Default)]
pub struct Tenant {
    pub app_enabled: bool,
    pub projects: HashMap<ProjectId, ProjectRecord>,
    /// Creation order, for stable listings.
    pub project_order: Vec<ProjectId>,
}

/// One webhook delivery attempt, for `/sandbox/deliveries` and tests.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveryRecord {
    pub webhook_id: String,
    pub event: String,
    /// The rendered URL without its query (the query carries a session token).
    pub path: String,
    pub attempt: u32,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub auth_header_sent: bool,
}

/// Everything that changes.
#[derive(Debug, Default)]
pub struct State {
    pub tenants: HashMap<TenantId, Tenant>,
    pub designs: HashMap<DesignId, DesignRecord>,
    pub temporary_keys: HashMap<String, TemporaryKeyRecord>,
    pub session_tokens: HashMap<String, SessionTokenRecord>,
    pub webhooks: Vec<PartnerWebhook>,
    /// Request times per key (by a hash of the key, never the key itself).
    pub rate_windows: HashMap<u64, VecDeque<Instant>>,
    pub deliveries: Vec<DeliveryRecord>,
    pub faults: Faults,
}

/// The sandbox: settings and shared state. Cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    /// How it behaves.
    pub settings: Arc<Settings>,
    /// For webhook deliveries.
    pub http: reqwest::Client,
    state: Arc<Mutex<State>>,
}

impl Sandbox {
    /// A sandbox with its configured tenants, each with the app enabled.
    pub fn new(settings: Settings) -> Self {
        let mut state = State { faults: settings.faults.clone(), ..State::default() };
        for tenant in &settings.tenants {
            state.tenants.insert(*tenant, Tenant { app_enabled: true, ..Tenant::default() });
        }
        Sandbox { settings: Arc::new(settings), http: reqwest::Client::new(), state: Arc::new(Mutex::new(state)) }
    }

    /// The state, locked. Never held across an `.await`.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new random secret-looking token with a prefix.
    pub fn new_token(prefix: &str) -> String {
        let bytes: [u8; 16] = rand::random();
        format!("{prefix}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    /// Issues a session token for `tenant`, as Aurora does when a user acts.
    pub fn issue_session_token(&self, tenant: TenantId) -> String {
        let token = Self::new_token("st_sandbox_");
        let expires = Instant::now() + self.settings.scaled(Duration::from_secs(3600));
        self.state().session_tokens.insert(token.clone(), SessionTokenRecord { tenant, expires, used: false });
        token
    }

    /// The header-auth value of a subscription, for delivery.
    pub fn header_auth(webhook: &PartnerWebhook) -> Option<(String, HeaderAuthValue)> {
        Some((webhook.settings.header_auth_key.clone()?, webhook.settings.header_auth_value.clone()?))
    }
}
