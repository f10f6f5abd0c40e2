//! The demo CRM's data and what changes: sign-ins, OAuth grants, app installations,
//! webhook subscriptions, deliveries and faults. In memory: the CRM starts afresh each run.

use super::Settings;
use crate::{aurora::Faults, kit::oauth::Grants};
use serde::Serialize;
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

/// A company using the CRM: the unit apps are installed for.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub name: String,
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Installs and configures apps.
    Admin,
    /// Works opportunities.
    Rep,
}

/// A person who signs in.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// Where the customer wants panels.
#[derive(Debug, Clone, PartialEq)]
pub enum Site {
    Address(String),
    Coordinates { latitude: f64, longitude: f64 },
}

/// A deal.
#[derive(Debug, Clone)]
pub struct Opportunity {
    pub id: String,
    pub account_id: String,
    pub owner_user_id: String,
    pub name: String,
    pub customer: String,
    pub site: Site,
    /// Custom fields apps write through the API (see [`CUSTOM_FIELDS`]).
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Its timeline: what apps logged on it, oldest first.
    pub activities: Vec<Activity>,
    /// Its stage (one of [`STAGES`]).
    pub stage: String,
    /// Its amount.
    pub amount: Option<f64>,
    /// Files apps attached: name and size.
    pub attachments: Vec<(String, usize)>,
}

/// A stage of the one pipeline: id, name, place, whether it closes the opportunity.
pub struct Stage {
    pub id: &'static str,
    pub label: &'static str,
    pub order: i64,
    pub closed: bool,
}

/// The demo CRM's pipeline, in order (a real CRM lets admins define these).
pub const STAGES: &[Stage] = &[
    Stage { id: "qualified", label: "Qualified", order: 1, closed: false },
    Stage { id: "site_visit", label: "Site visit", order: 2, closed: false },
    Stage { id: "proposal", label: "Proposal", order: 3, closed: false },
    Stage { id: "contract_signed", label: "Contract signed", order: 4, closed: false },
    Stage { id: "financing_approved", label: "Financing approved", order: 5, closed: false },
    Stage { id: "won", label: "Won", order: 6, closed: true },
    Stage { id: "lost", label: "Lost", order: 7, closed: true },
];

/// An entry an app logged on an opportunity's timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Activity {
    pub subject: String,
    pub body: String,
}

/// A custom field apps may write: its API name and its label on the opportunity page.
pub struct CustomField {
    pub name: &'static str,
    pub label: &'static str,
    /// Numbers only (else text).
    pub numeric: bool,
}

/// The opportunity fields the CRM offers apps (a real CRM lets admins define these).
pub const CUSTOM_FIELDS: &[CustomField] = &[
    CustomField { name: "aurora_system_size_kw", label: "Aurora system size (kW DC)", numeric: true },
    CustomField { name: "aurora_annual_production_kwh", label: "Aurora annual production (kWh)", numeric: true },
    CustomField { name: "aurora_offset_percent", label: "Aurora energy offset (%)", numeric: true },
    CustomField { name: "aurora_project_url", label: "Aurora project", numeric: false },
    CustomField { name: "aurora_system_price", label: "Aurora system price", numeric: true },
];

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub user_id: String,
    /// Echoed by this CRM's own forms.
    pub csrf: String,
}

/// Who installed our app, in which account: whom its grants are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installer {
    pub account_id: String,
    pub user_id: String,
}

/// An access token the CRM issued to our app.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub account_id: String,
    pub user_id: String,
    /// Unix milliseconds, on the CRM's clock.
    pub expires_ms: i64,
}

/// Our app, installed in an account.
#[derive(Debug, Clone, Serialize)]
pub struct Installation {
    pub installed_by: String,
    /// Unix seconds.
    pub installed_at: i64,
    pub scope: String,
}

/// An app's webhook subscription.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: String,
    pub account_id: String,
    pub event: String,
    pub target_url: String,
}

/// One webhook delivery attempt, for `/sandbox/deliveries`.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    pub delivery_id: String,
    pub event: String,
    pub account_id: String,
    pub attempt: u32,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// Everything that changes.
#[derive(Debug, Default)]
pub struct State {
    pub accounts: Vec<Account>,
    pub users: Vec<User>,
    pub opportunities: Vec<Opportunity>,
    /// Session cookie value -> session.
    pub sessions: HashMap<String, WebSession>,
    /// Our app's codes and refresh tokens. Refresh tokens do not expire; revoking the
    /// installation ends them.
    pub grants: Grants<Installer>,
    pub access_tokens: HashMap<String, AccessGrant>,
    /// Account -> our app's installation.
    pub installations: HashMap<String, Installation>,
    pub subscriptions: Vec<Subscription>,
    pub deliveries: Vec<DeliveryRecord>,
    pub faults: Faults,
    /// Answers to drop next, whatever the faults' shares (a test loses exactly these).
    pub drop_next_answers: u32,
    /// Requests to `/oauth/token`, counted as they arrive.
    pub token_requests: u32,
    /// Ids of opportunities created in the UI.
    pub next_opportunity: u32,
}

impl State {
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// An opportunity of `account_id` (another account's is "not found").
    pub fn opportunity_of(&self, account_id: &str, id: &str) -> Option<&Opportunity> {
        self.opportunities.iter().find(|o| o.id == id && o.account_id == account_id)
    }

    /// Removes our app from `account_id`: its tokens, codes and subscriptions go too.
    pub fn uninstall(&mut self, account_id: &str) {
        self.installations.remove(account_id);
        self.access_tokens.retain(|_, grant| grant.account_id != account_id);
        self.grants.forget(|installer| installer.account_id == account_id);
        self.subscriptions.retain(|s| s.account_id != account_id);
    }
}

/// The demo CRM: settings and shared state. Cheap to clone.
#[derive(Clone)]
pub struct Crm {
    /// How it behaves.
    pub settings: Arc<Settings>,
    /// For webhook deliveries.
    pub http: reqwest::Client,
    state: Arc<Mutex<State>>,
    /// The CRM's clock: access tokens expire on it.
    pub clock: crate::kit::Clock,
}

impl Crm {
    /// A CRM holding `state` (see `fixtures` for the one `Crm::new` starts with).
    pub(super) fn holding(settings: Settings, state: State) -> Self {
        Crm {
            settings: Arc::new(settings),
            http: reqwest::Client::new(),
            state: Arc::new(Mutex::new(state)),
            clock: crate::kit::Clock::default(),
        }
    }

    /// The state, locked. Never held across an `.await`.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How long an access token lives.
    pub fn access_token_lifetime(&self) -> Duration {
        Duration::from_secs(self.settings.access_token_ttl_seconds)
    }

    /// The redirect URI registered for our app.
    pub fn registered_redirect_uri(&self) -> String {
        format!("{}/install/demo/callback", self.settings.worker_url)
    }
}

/// A random token with a prefix (32 hex digits of randomness).
pub fn new_token(prefix: &str) -> String {
    crate::aurora::Sandbox::new_token(prefix)
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
