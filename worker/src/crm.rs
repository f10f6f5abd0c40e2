//! The CRM seam: what every CRM we integrate with does for the worker, behind one trait
//! ([`CrmIntegration`]), so that the rest of the worker never names a CRM.
//!
//! Adding a CRM is its module under `crm/`, its variant in [`Crm`] (`ids.rs`, the one list
//! of CRMs) and its arm in [`Crm::integration`].

pub mod demo;
pub mod embed;
pub mod embed_ticket;
pub mod http;
pub mod hubspot;
pub mod pipedrive;
pub mod salesforce;
pub mod tokens;

use crate::{
    AppState,
    crypto::CryptoError,
    environment::{ConfigError, Env},
    ids::UnknownCrm,
    storage::StorageError,
    storage::installations::Installation,
};
use ::http::HeaderMap;
use async_trait::async_trait;
use embed::{EmbedError, Opened, PageLoad, SettingsOpened};
use serde::{Deserialize, Serialize};
use tokens::OAuthTokens;
use widget_api::{HostAdapter, Opportunity};

pub use crate::ids::Crm;

impl Crm {
    /// What the worker calls to act in it: the one place a CRM's name meets its module.
    pub fn integration(self) -> &'static dyn CrmIntegration {
        match self {
            Crm::Demo => &demo::DemoCrm,
            Crm::Salesforce => &salesforce::Salesforce,
            Crm::Pipedrive => &pipedrive::Pipedrive,
            Crm::HubSpot => &hubspot::HubSpot,
        }
    }
}

/// What each CRM does for the worker. Implementations hold no state: what they need
/// (configuration, HTTP, storage) comes from the [`AppState`] of each call.
#[async_trait]
pub trait CrmIntegration: Send + Sync {
    /// Which CRM this is.
    fn crm(&self) -> Crm;

    /// Reads this CRM's settings from the environment (`crm/<name>/settings.rs`); `None`
    /// when the CRM is not configured on this worker.
    fn read_settings(&self, env: &Env<'_>) -> Result<Option<Box<dyn Settings>>, ConfigError>;

    /// Whether this worker is configured for the CRM (its settings are present).
    fn is_configured(&self, state: &AppState) -> bool {
        state.config.crms.is_configured(self.crm())
    }

    /// The widget's host adapter inside this CRM's page (how it talks to its frame).
    fn host_adapter(&self) -> HostAdapter;

    /// Verifies a page load at this CRM's embed door (`/embed/{crm}`, or a door of its own
    /// below it) and says what it opens; the Router composes the answer with where the
    /// opportunity stands. By default the page is a GET whose `context` query parameter is
    /// the context this CRM signed ([`Self::verify_context`], [`embed::url_signed_page`]).
    async fn open_embed(&self, state: &AppState, load: PageLoad<'_>) -> Result<Opened, EmbedError> {
        let context = self.verify_context(state, &embed::signed_in_url(&load, "context")?, load.now)?;
        Ok(embed::url_signed_page(self.frame_origins(state), context, embed::Surface::Panel))
    }

    /// Verifies a load of the app's settings inside this CRM's own settings surface, where it
    /// has one (Pipedrive's custom UI for app settings), and says who opened them: an admin
    /// of the account, as the CRM has it now. Elsewhere there is no such page.
    async fn open_settings(&self, _state: &AppState, _load: PageLoad<'_>) -> Result<SettingsOpened, EmbedError> {
        Err(EmbedError::NoSuchDoor)
    }

    /// A classic script every page in this CRM's frame must run first (the widget's and the
    /// one saying why it cannot open), where the CRM needs one: it runs before anything
    /// else on the page.
    fn frame_init_script(&self) -> Option<&'static str> {
        None
    }

    /// Origins allowed to frame the widget (`frame-ancestors`) and to receive its messages.
    fn frame_origins(&self, state: &AppState) -> Vec<String>;

    /// Verifies a context this CRM signs for the widget's page to carry (the demo CRM's
    /// `?context=`; also what `POST /v1/sessions` takes): signature, algorithm, freshness,
    /// and the opportunity's site. A CRM that proves itself on the page load instead
    /// (Salesforce's Canvas POST, Pipedrive's panel, HubSpot's card and its modal's
    /// one-time ticket) signs no such context: nothing is accepted in its name.
    fn verify_context(&self, _state: &AppState, _context: &str, _now: i64) -> Result<VerifiedContext, ContextError> {
        Err(ContextError::BadSignature)
    }

    /// Where an admin's browser goes to consent to the install, carrying `signed_state`.
    /// `code_challenge` is the install's PKCE S256 challenge (RFC 7636).
    fn authorize_url(&self, state: &AppState, signed_state: &str, code_challenge: &str) -> Result<String, AccessError>;

    /// The install's code exchange: `code` exchanged server-side with the PKCE
    /// `code_verifier`, once (a second exchange would find the code spent). The rest of the
    /// install is the same for every CRM ([`crate::installations::complete`]).
    async fn exchange_code(
        &self,
        state: &AppState,
        code: &str,
        code_verifier: &str,
        now: i64,
    ) -> Result<Exchanged, AccessError>;

    /// Who consented to the install with `tokens`, as the CRM says, and whether they may
    /// install (an admin, in the CRM's own terms).
    async fn consent(&self, state: &AppState, tokens: &OAuthTokens) -> Result<Consent, AccessError>;

    /// Gives `tokens` back to the CRM: those of an install that was refused, or of an
    /// installation being uninstalled.
    async fn give_back(&self, state: &AppState, tokens: &OAuthTokens) -> Result<(), AccessError>;

    /// Whether `user_id` is still an admin of the account, asked of the CRM with the
    /// installation's tokens (those of the admin who signed in last, whose session is the
    /// only one alive: see [`crate::admin_session`]).
    async fn still_admin(&self, state: &AppState, account_id: &str, user_id: &str) -> Result<bool, AccessError>;

    /// Starts hearing of the account's new opportunities (idempotent): subscribes the CRM's
    /// new-opportunity webhook to this worker, or starts its poll where the CRM has no such
    /// webhook (Salesforce), or nothing where the app's project declares it (HubSpot).
    async fn start_listening(&self, state: &AppState, account_id: &str) -> Result<(), AccessError>;

    /// Whether the worker will hear of the account's new opportunities (read live from the
    /// CRM where it keeps the subscription).
    async fn is_listening(&self, state: &AppState, account_id: &str) -> Result<bool, AccessError>;

    /// Gives the installation's authorization back to the CRM (uninstall).
    async fn revoke(&self, state: &AppState, installation: &Installation) -> Result<(), AccessError> {
        self.give_back(state, &tokens::open(state, installation)?).await
    }

    /// Reads an opportunity, with its site, from the CRM's API.
    async fn opportunity(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CrmOpportunity, AccessError>;

    /// Writes a design's figures to the opportunity (absolute values: a repeat is harmless).
    async fn write_figures(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        figures: &DesignFigures,
    ) -> Result<(), AccessError>;

    /// Writes an event of the sale to the opportunity's timeline, in the CRM's own form.
    async fn add_activity(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        activity: &SaleActivity,
    ) -> Result<(), AccessError>;

    /// Attaches a file to the opportunity, in the CRM's own way (a record's files).
    async fn attach_file(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        document: &Document,
    ) -> Result<(), AccessError>;

    /// The CRM's stages for opportunities, every pipeline's, each with its place in its
    /// pipeline and whether it closes the opportunity.
    async fn stages(&self, state: &AppState, account_id: &str) -> Result<Vec<crate::stages::CrmStage>, AccessError>;

    /// Where the opportunity is now: its stage, and whether it is closed besides.
    async fn opportunity_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<crate::stages::CurrentStage, AccessError>;

    /// Moves the opportunity to `stage` (decided forward by [`crate::stages::decide`]).
    async fn set_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        stage: &crate::stages::CrmStage,
    ) -> Result<(), AccessError>;

    /// Verifies a webhook delivery (signature, freshness) and reads what it reports.
    fn verify_webhook(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Vec<CrmDelivery>, CrmWebhookError>;

    /// The account a CRM's own uninstall call (Pipedrive's `DELETE` to the OAuth callback)
    /// names, once its credentials check. CRMs without one refuse.
    fn verify_uninstall(
        &self,
        _state: &AppState,
        _headers: &HeaderMap,
        _body: &[u8],
    ) -> Result<String, CrmWebhookError> {
        Err(CrmWebhookError::NotConfigured)
    }

    /// How this CRM decides which records a user may open in the widget, for the admin's
    /// health section.
    fn record_visibility(&self) -> &'static str;

    /// The colour of the CRM's primary buttons, for pages in its own settings surface (the
    /// widget's stylesheet has the same, per CRM); light and dark alike, on white text.
    fn primary_colour(&self) -> &'static str {
        "#0b63ce"
    }

    /// What the public setup guide (`/docs/{crm}`) says that only this CRM can: how it is
    /// installed, where the widget appears, which fields it writes, how it is removed.
    fn setup_guide(&self) -> SetupGuide;

    /// Whether each user installs the app for themself (the CRM shows the app only to users
    /// who installed it), once an admin has installed it for the account.
    fn installs_per_user(&self) -> bool {
        false
    }

    /// Where an opportunity's site may be read from, the default first; empty when the CRM
    /// leaves no choice. The admin picks one on the settings page.
    fn site_sources(&self) -> &'static [SiteSource] {
        &[]
    }

    /// Whether new opportunities are learnt by polling (a CRM without webhooks for them).
    fn polls_new_opportunities(&self) -> bool {
        false
    }

    /// The opportunities created since `cursor` (the CRM's own syntax), as deliveries, and
    /// the cursor to poll from next. Only called when [`Self::polls_new_opportunities`].
    async fn poll_new_opportunities(
        &self,
        _state: &AppState,
        _account_id: &str,
        cursor: &str,
    ) -> Result<(Vec<CrmDelivery>, String), AccessError> {
        Ok((Vec::new(), cursor.to_owned()))
    }

    /// Whether the CRM keeps an app-wide journal the worker reads (HubSpot's, for the
    /// portals that uninstalled us: it calls no one about those).
    fn reads_app_journal(&self) -> bool {
        false
    }

    /// What the app journal holds after `offset` (`None`: reading it for the first time,
    /// which starts from now). Only called when [`Self::reads_app_journal`].
    async fn read_app_journal(&self, _state: &AppState, _offset: Option<&str>) -> Result<JournalRead, AccessError> {
        Ok(JournalRead::default())
    }
}

/// What one reading of a CRM's app journal found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalRead {
    /// Accounts that uninstalled the app in the CRM, in the journal's order.
    pub uninstalled: Vec<Uninstalled>,
    /// Where the reading reached (to read on from), when it moved.
    pub offset: Option<String>,
}

/// An account that uninstalled the app in the CRM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uninstalled {
    /// The account.
    pub account_id: String,
    /// When (unix seconds): an installation changed since (installed again) stays.
    pub at: i64,
}

/// One CRM's settings, as its module reads them; each module downcasts its own.
pub trait Settings: std::any::Any + Send + Sync + std::fmt::Debug {}

impl<T: std::any::Any + Send + Sync + std::fmt::Debug> Settings for T {}

/// The settings of every CRM configured on this worker.
#[derive(Debug, Default)]
pub struct CrmSettings(Vec<(Crm, Box<dyn Settings>)>);

impl CrmSettings {
    /// Each CRM's settings, read by its integration.
    pub fn read(env: &Env<'_>) -> Result<Self, ConfigError> {
        let mut configured = Vec::new();
        for crm in Crm::ALL {
            if let Some(settings) = crm.integration().read_settings(env)? {
                configured.push((crm, settings));
            }
        }
        Ok(CrmSettings(configured))
    }

    /// Whether `crm` is configured.
    pub fn is_configured(&self, crm: Crm) -> bool {
        self.0.iter().any(|(configured, _)| *configured == crm)
    }

    /// `crm`'s settings, as the type its module reads them into.
    pub fn get<T: Settings>(&self, crm: Crm) -> Option<&T> {
        self.0.iter().find(|(configured, _)| *configured == crm).and_then(|(_, settings)| {
            let settings: &dyn std::any::Any = settings.as_ref();
            settings.downcast_ref::<T>()
        })
    }
}

/// Notes that real traffic showed `observation` of `crm` (keys and shapes, never values),
/// for the admin's health section: where a vendor leaves a behaviour undocumented, or
/// changed it, a first real install says within minutes which reading was right. Best
/// effort: a failure to note it never fails the request. Each observation is written at
/// most once a minute per process (isolate): page loads, some unauthenticated, would
/// otherwise each cost a write.
pub async fn observe(state: &AppState, crm: Crm, observation: &'static str) {
    if !state.caches.observations.due(crm, observation, state.now()) {
        return;
    }
    let noted = crate::storage::vendor_observations::record(state.db(), crm.as_str(), observation, state.now()).await;
    if let Err(error) = noted {
        tracing::warn!(crm = crm.as_str(), %error, "could not note what the CRM showed");
    }
}

/// When this process last noted each observation (see [`observe`]).
#[derive(Default)]
pub struct Observed(std::sync::Mutex<std::collections::HashMap<(Crm, &'static str), i64>>);

impl Observed {
    /// How often an observation is written again, seconds.
    const EVERY: i64 = 60;

    /// Whether `observation` is due to be written at `now` (and marks it written).
    fn due(&self, crm: Crm, observation: &'static str, now: i64) -> bool {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let written = last.get(&(crm, observation)).is_some_and(|at| now - at < Self::EVERY);
        if !written {
            last.insert((crm, observation), now);
        }
        !written
    }
}

/// A CRM module's settings, boxed for [`CrmSettings`].
pub fn boxed<T: Settings>(settings: Option<T>) -> Option<Box<dyn Settings>> {
    settings.map(|settings| Box::new(settings) as Box<dyn Settings>)
}

/// The sources in the order the admin put them (`stored`: their keys, comma separated;
/// one key from before sources were ordered reads as that one first), then those not
/// named, in the CRM's order: every record takes the first source that has an address, so
/// records of both kinds in one CRM (a business Account and a Person Account) all open.
pub fn site_order(sources: &'static [SiteSource], stored: Option<&str>) -> Vec<&'static SiteSource> {
    let named = stored.unwrap_or_default().split(',').filter_map(|key| sources.iter().find(|s| s.key == key.trim()));
    let mut order: Vec<&'static SiteSource> = Vec::new();
    for source in named.chain(sources.iter()) {
        if !order.iter().any(|s| s.key == source.key) {
            order.push(source);
        }
    }
    order
}

/// What a record without any address says, for the rep.
pub const NO_SITE: &str = "the record has no address in any of the places the app's settings list";

/// A place an opportunity's site can be read from, as the admin chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteSource {
    /// Stored and posted (`account_billing`).
    pub key: &'static str,
    /// For the admin (`The Account's billing address`).
    pub label: &'static str,
}

/// One CRM's part of the public setup guide, in its own menus' words. Steps are plain
/// text (the page escapes them).
#[derive(Debug, Clone, Copy)]
pub struct SetupGuide {
    /// How the app is installed, and by whom.
    pub install: &'static [&'static str],
    /// Where the widget appears on a record, and how it gets there.
    pub place: &'static [&'static str],
    /// The record's fields the app writes the design's figures to.
    pub fields_written: &'static str,
    /// How the app is removed in the CRM (the worker is told, or the admin uses Uninstall
    /// on the settings page first).
    pub uninstall: &'static [&'static str],
}

/// An opportunity context whose signature, algorithm and expiry were checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedContext {
    /// The CRM account (company) the rep belongs to: the unit of isolation.
    pub account_id: String,
    /// The rep.
    pub user_id: String,
    /// The opportunity the rep has open.
    pub opportunity: Opportunity,
}

/// An opportunity as a CRM's API reads it: its site may be missing.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmOpportunity {
    /// The CRM's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its site, or why it has none we can use.
    pub site: Result<widget_api::Location, ContextError>,
}

/// A verified webhook delivery, as the worker records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmDelivery {
    /// The CRM's delivery id: the same for its retries, so a repeat does nothing.
    pub delivery_id: String,
    /// The account it happened in.
    pub account_id: String,
    /// What happened.
    pub event: CrmEventKind,
    /// The delivery's object as the CRM sent it (JSON), for the record.
    pub payload_json: String,
}

/// What a CRM webhook reports, in the worker's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CrmEventKind {
    /// A new opportunity: with automatic projects on, it gets its Aurora project.
    OpportunityCreated {
        /// The CRM's opportunity id.
        opportunity_id: String,
    },
    /// Anything else the CRM sends; recorded, acted on by nobody.
    Other {
        /// The CRM's event name.
        name: String,
    },
}

/// What an install's code exchange gave: the tokens, and whom the CRM's token answer says
/// they are for, when it says (checked against who the CRM then says consented).
#[derive(Debug)]
pub struct Exchanged {
    /// The tokens.
    pub tokens: OAuthTokens,
    /// The account the token answer names, if it names one.
    pub account_id: Option<String>,
    /// The user the token answer names, if it names one.
    pub user_id: Option<String>,
}

impl Exchanged {
    /// Whether `consent` is for whom the exchange named (nothing named: anyone).
    pub fn names(&self, consent: &Consent) -> bool {
        self.account_id.as_ref().is_none_or(|account| *account == consent.account_id)
            && self.user_id.as_ref().is_none_or(|user| *user == consent.user_id)
    }
}

/// Who consented to an install, as the CRM says with its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// The account (company, org, portal) id.
    pub account_id: String,
    /// Its name, for the settings page.
    pub account_name: String,
    /// The user who consented.
    pub user_id: String,
    /// Their name, for the settings page.
    pub user_name: String,
    /// Whether they may install the app (an admin, as the CRM defines one).
    pub may_install: bool,
}

/// Who installed the app, and the CRM's tokens sealed for storage.
#[derive(Debug)]
pub struct InstalledAccount {
    /// The account (company) id.
    pub account_id: String,
    /// Its name, for the settings page.
    pub account_name: String,
    /// The admin who consented.
    pub user_id: String,
    /// Their name, for the settings page.
    pub user_name: String,
    /// The CRM's tokens, sealed (see [`crate::crypto::Sealer`]).
    pub tokens_sealed: String,
}

/// The figures of a ready design that CRMs store on the opportunity. Serialized with the
/// names the demo CRM's fields carry; each CRM maps them to its own properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignFigures {
    /// System size, kW DC (STC), two decimals.
    pub aurora_system_size_kw: Option<f64>,
    /// Annual production, kWh, whole.
    pub aurora_annual_production_kwh: Option<i64>,
    /// Share of consumption the system offsets, %, one decimal.
    pub aurora_offset_percent: Option<f64>,
    /// The project in Aurora's web app.
    pub aurora_project_url: String,
    /// The design's price (storage included), in the tenant's currency, to the cent; none
    /// where the tenant's plan provides no pricing. (Written after the others were: a
    /// write-back queued before it reads as none.)
    #[serde(default)]
    pub aurora_system_price: Option<f64>,
    /// The opportunity's own amount, when its installation's admin chose to have it written:
    /// the design's price, or once sold the price it was sold at. Each CRM writes it to its
    /// own amount field (Salesforce's `Amount`, HubSpot's `amount`, Pipedrive's `value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal_amount: Option<f64>,
}

impl DesignFigures {
    /// The figures of `summary` and its price, with its project's Aurora link.
    pub fn of(
        summary: &aurora_api::DesignSummary,
        price: Option<&aurora_api::DesignPricing>,
        aurora_url: &str,
    ) -> Self {
        fn rounded(value: f64, decimals: i32) -> f64 {
            let scale = 10f64.powi(decimals);
            (value * scale).round() / scale
        }
        let production = summary.energy_production.as_ref();
        DesignFigures {
            aurora_system_size_kw: summary.system_size_stc.map(|size| rounded(size.kilowatts(), 2)),
            aurora_annual_production_kwh: production.and_then(|p| p.annual).map(|annual| annual.0.round() as i64),
            aurora_offset_percent: production.and_then(|p| p.offset_percent()).map(|o| rounded(o, 1)),
            aurora_project_url: aurora_url.to_owned(),
            aurora_system_price: price.and_then(|price| price.system_cost).map(|cost| rounded(cost, 2)),
            deal_amount: None,
        }
    }
}

/// An event of the sale for the opportunity's timeline in its CRM (a Salesforce Task, a
/// HubSpot note, a Pipedrive note, the demo CRM's activity): what happened, the figures,
/// and the link to the design in Aurora.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleActivity {
    /// What happened, in a line: "Aurora: agreement signed".
    pub subject: String,
    /// The detail, one line each (figures, what changed).
    pub lines: Vec<String>,
    /// The project in Aurora's web app.
    pub aurora_url: String,
    /// When it happened, unix seconds.
    pub at: i64,
}

impl SaleActivity {
    /// As plain text: the subject's detail and the link, one per line.
    pub fn text(&self) -> String {
        let mut text = self.lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str("Open in Aurora: ");
        text.push_str(&self.aurora_url);
        text
    }

    /// As HTML (HubSpot's and Pipedrive's notes take HTML): the subject in bold, each line
    /// a paragraph, the link; every value escaped.
    pub fn html(&self) -> String {
        use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};
        let mut html = format!("<p><b>{}</b></p>", text(&self.subject));
        for line in &self.lines {
            html.push_str(&format!("<p>{}</p>", text(line)));
        }
        html.push_str(&format!("<p><a href=\"{}\">Open in Aurora</a></p>", attribute(&self.aurora_url)));
        html
    }
}

/// A file to attach to an opportunity (the signed agreement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its file name, e.g. `Signed agreement - Rivera residence.pdf`.
    pub file_name: String,
    /// Its title where a CRM shows one beside the name.
    pub title: String,
    /// `application/pdf`.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why a signed context was refused. Deliberately coarse towards the browser: a
/// forger learns nothing from which check failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ContextError {
    /// The CRM named in the request is not one we integrate with (or not configured here).
    #[error("unknown CRM `{0}`")]
    UnknownCrm(String),
    /// The page was opened without the CRM's signed context (not from a record's frame).
    #[error("this page was opened without the CRM's signed context: open it from a record in your CRM")]
    Missing,
    /// Bad signature, wrong algorithm, malformed token.
    #[error("the CRM context is not validly signed")]
    BadSignature,
    /// The context's `exp` is in the past (beyond the allowed clock skew).
    #[error("the CRM context has expired: reload the opportunity page")]
    Expired,
    /// The CRM account has no installation of our app.
    #[error("this CRM account has not installed the Aurora Solar app: ask your CRM admin to install it")]
    NotInstalled,
    /// Signed correctly but missing what we need (e.g. neither address nor coordinates).
    #[error("the CRM context is incomplete: {0}")]
    Incomplete(&'static str),
}

impl From<UnknownCrm> for ContextError {
    fn from(UnknownCrm(name): UnknownCrm) -> Self {
        ContextError::UnknownCrm(name)
    }
}

/// Why a CRM call failed. Never carries a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrmError {
    /// The CRM no longer accepts our token (expired, revoked, app uninstalled in the CRM).
    #[error("the CRM did not accept our authorization: reinstall the app from the CRM's marketplace")]
    Unauthorized,
    /// The install code was used, expired, or is not for us.
    #[error("the CRM refused the install code (used or expired): start the install again")]
    InvalidGrant,
    /// The CRM refused the request.
    #[error("the CRM refused the request ({status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The CRM's message.
        message: String,
    },
    /// The CRM could not be reached or kept failing; trying later may work.
    #[error("the CRM is not answering ({0})")]
    Unavailable(String),
    /// The CRM's answer was not what it documents.
    #[error("unexpected answer from the CRM: {0}")]
    Decode(String),
}

impl CrmError {
    /// Whether a later attempt may succeed without anyone acting.
    pub fn is_transient(&self) -> bool {
        matches!(self, CrmError::Unavailable(_))
    }
}

/// Why we could not act in the CRM for an installation.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The worker has no settings for this CRM.
    #[error("this CRM is not configured on this worker")]
    NotConfigured,
    /// The account has no installation, or one without CRM authorization.
    #[error("the app has no CRM authorization for this account: install it from the CRM's marketplace")]
    NotAuthorized,
    /// The CRM refused or failed.
    #[error(transparent)]
    Crm(#[from] CrmError),
    /// The sealed tokens could not be opened.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl AccessError {
    /// Whether a later attempt may succeed without anyone acting.
    pub fn is_transient(&self) -> bool {
        match self {
            AccessError::Crm(error) => error.is_transient(),
            AccessError::Storage(_) => true,
            _ => false,
        }
    }
}

/// Why an install's OAuth completion was refused.
#[derive(Debug, thiserror::Error)]
pub enum InstallRefusal {
    /// The consenting user is not an admin of the account (named).
    #[error("only an admin of {0} can install the app or change its settings")]
    NotAdmin(String),
    /// The CRM refused or failed.
    #[error(transparent)]
    Access(#[from] AccessError),
}

/// Why a CRM webhook delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrmWebhookError {
    /// The worker has no settings for this CRM.
    #[error("this CRM is not configured on this worker")]
    NotConfigured,
    /// A header we need is missing or malformed.
    #[error("missing or malformed {0} header")]
    MissingHeader(&'static str),
    /// The timestamp is too far from our clock (a replay, or a clock far off).
    #[error("the delivery's timestamp is more than 5 minutes from now")]
    Stale,
    /// The signature does not match the body.
    #[error("the delivery's signature does not match")]
    BadSignature,
    /// The body is not the documented event.
    #[error("invalid CRM webhook body: {0}")]
    InvalidBody(String),
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_observation_is_written_at_most_once_a_minute() {
        let observed = super::Observed::default();
        let crm = super::Crm::HubSpot;
        assert!(observed.due(crm, "a", 1_000));
        assert!(!observed.due(crm, "a", 1_059), "again within the minute");
        assert!(observed.due(crm, "b", 1_059), "another observation");
        assert!(observed.due(crm, "a", 1_060), "a minute on");
    }

    #[test]
    fn sites_are_tried_in_the_admins_order_then_the_rest() {
        use super::{SiteSource, site_order};
        const SOURCES: &[SiteSource] = &[
            SiteSource { key: "a", label: "A" },
            SiteSource { key: "b", label: "B" },
            SiteSource { key: "c", label: "C" },
        ];
        let keys = |stored| site_order(SOURCES, stored).iter().map(|s| s.key).collect::<Vec<_>>();
        assert_eq!(keys(None), ["a", "b", "c"]);
        assert_eq!(keys(Some("c")), ["c", "a", "b"], "one key from before: first, then the rest");
        assert_eq!(keys(Some("b,c,a")), ["b", "c", "a"]);
        assert_eq!(keys(Some("x, c ,c")), ["c", "a", "b"], "unknown and repeated keys count once or not at all");
    }

    use super::*;

    #[test]
    fn every_crm_has_its_own_integration() {
        for crm in Crm::ALL {
            assert_eq!(crm.integration().crm(), crm);
        }
    }
}
