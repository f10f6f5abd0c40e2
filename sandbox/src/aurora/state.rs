//! The sandbox's in-memory state.

use super::{faults::Faults, settings::Settings, variance::Variance};
use aurora_api::{DesignId, DesignSummary, HeaderAuthValue, JobId, PartnerWebhook, Project, ProjectId, TenantId};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

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

/// An agreement the sandbox sent.
#[derive(Debug, Clone)]
pub struct AgreementRecord {
    pub tenant: TenantId,
    pub project: ProjectId,
    pub design: DesignId,
    pub status: String,
    /// When it was sent first.
    pub created: chrono::DateTime<chrono::Utc>,
}

/// Where a design's loan stands with its lender: Aurora's status and the lender's word.
#[derive(Debug, Clone, Default)]
pub struct LenderRecord {
    pub status: Option<String>,
    pub provider_status: Option<String>,
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
    /// Aurora's variance in force.
    pub variance: Variance,
    /// Project creates so far (every third is answered 409 under variance).
    pub creates: u64,
    /// Requests answered 429 for the rate limit (injected faults not counted).
    pub rate_limited_answers: u64,
    /// Project listings answered (how often a create was looked up before being retried).
    pub project_listings: u64,
    /// Agreements sent for signature.
    pub agreements: HashMap<aurora_api::AgreementId, AgreementRecord>,
    /// Where each design's loan stands with its lender.
    pub lenders: HashMap<DesignId, LenderRecord>,
    /// Signed documents' download-link jobs: job id -> (agreement, when started).
    pub download_jobs: HashMap<String, (aurora_api::AgreementId, Instant)>,
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
        let mut state =
            State { faults: settings.faults.clone(), variance: settings.variance.clone(), ..State::default() };
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
