//! Pipedrive: the widget is a custom panel in the deal's sidebar. Pipedrive loads the
//! panel's URL (`/embed/pipedrive`) with `token` (a JWT: [`panel_token`]), `userId`,
//! `companyId`, `selectedIds` (the deal), `id` (the SDK's runtime id) and `theme`; the
//! worker verifies the token on that load, checks the unsigned hints against it, reads the
//! deal with the company's own token and hands the widget an embed ticket. The company
//! installs us through OAuth ([`client`]); new deals arrive by webhooks v2 with HTTP Basic
//! credentials ([`webhook`]); Pipedrive says an uninstall with a `DELETE` to the callback.

pub mod client;
pub mod panel_token;
pub mod settings;
pub mod webhook;

use super::tokens::OAuthTokens;
use super::{
    AccessError, Consent, ContextError, Crm, CrmDelivery, CrmError, CrmIntegration, CrmOpportunity, CrmWebhookError,
    DesignFigures, Exchanged, Settings, SiteSource, VerifiedContext,
    embed::{EmbedError, FramedPage, Opened, PageLoad, SettingsOpened, Surface},
    embed_ticket,
};
use crate::{
    AppState,
    crm::{Document, SaleActivity},
    environment::{ConfigError, Env},
    stages::{CrmStage, CurrentStage},
    storage::installations,
};
use async_trait::async_trait;
use client::PipedriveClient;
use http::HeaderMap;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::Value;
use settings::PipedriveSettings;
use std::future::Future;
use widget_api::{HostAdapter, Location, Opportunity};

/// The deal fields the worker writes, by name (their keys differ per company and are
/// found by name, the fields created when missing), with their Pipedrive types.
pub const FIELDS: [(&str, &str); 5] = [
    ("Aurora system size (kW)", "double"),
    ("Aurora annual production (kWh)", "double"),
    ("Aurora offset (%)", "double"),
    ("Aurora project", "varchar"),
    ("Aurora system price", "double"),
];

/// Where a deal's site can come from: the organization's address (the default), the
/// contact person's postal address, or an address field on the deal itself.
pub const SITE_SOURCES: &[SiteSource] = &[
    SiteSource { key: "organization_address", label: "The deal's organization's address" },
    SiteSource { key: "person_address", label: "The deal's contact person's postal address" },
    SiteSource { key: "deal_address", label: "An address field on the deal" },
];

/// Refresh this long before the access token's expiry.
const REFRESH_MARGIN_SECONDS: i64 = 60;

/// Pipedrive behind the seam.
pub struct Pipedrive;

/// What Pipedrive puts in the panel's URL. All but `token` are unsigned hints.
#[derive(Debug, Deserialize)]
struct PanelQuery {
    #[serde(default)]
    token: String,
    #[serde(rename = "userId", default)]
    user_id: Option<String>,
    #[serde(rename = "companyId", default)]
    company_id: Option<String>,
    #[serde(rename = "selectedIds", default)]
    selected_ids: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    id: String,
    /// The user's Pipedrive theme, `dark` or `light`.
    #[serde(default)]
    theme: Option<String>,
    /// What the panel passed to the custom modal it opened (`open_modal`'s `data`, "passed
    /// as stringified JSON to iframe": app-extensions-sdk README, "Custom modal"; read as
    /// `JSON.parse(req.query.data)` in pipedrive/example-apps' custom-ui-app-docusign,
    /// server/routes/ui.js). Only the design's modal is opened with it.
    #[serde(default)]
    data: Option<String>,
}

/// What the panel passes to the modal showing the whole design: the deal. Unsigned, as
/// `selectedIds` is, and checked the same way.
#[derive(Debug, Deserialize)]
struct ModalData {
    deal: Value,
}

/// The user and company a custom UI extension's load names, verified: its token (the
/// extension's JWT secret, else the client secret: one secret serves every extension of
/// ours), and the unsigned hints beside it saying the same.
fn verified_claims(state: &AppState, query: &PanelQuery, now: i64) -> Result<panel_token::PanelClaims, EmbedError> {
    let config = settings(state).ok_or_else(|| ContextError::UnknownCrm(Crm::Pipedrive.as_str().into()))?;
    let claims = panel_token::verify(&query.token, config.jwt_secret.expose_secret().as_bytes(), now)?;
    let hint = |value: &Option<String>, expected: u64| {
        value.as_deref().is_none_or(|v| panel_token::id(&Value::String(v.to_owned())) == Some(expected))
    };
    if !hint(&query.user_id, claims.user_id) || !hint(&query.company_id, claims.company_id) {
        return Err(ContextError::BadSignature.into());
    }
    Ok(claims)
}

/// Verifies a panel load and opens the widget for its deal.
async fn open_panel(state: &AppState, query: &PanelQuery, now: i64) -> Result<FramedPage, EmbedError> {
    let config = settings(state).ok_or_else(|| ContextError::UnknownCrm(Crm::Pipedrive.as_str().into()))?;
    let claims = verified_claims(state, query, now)?;
    if query.resource.as_deref().is_some_and(|r| r != "deal") {
        return Err(ContextError::Incomplete("the panel is not on a deal").into());
    }
    // The panel names its deal in `selectedIds`; the design's modal in the `data` the
    // panel opened it with. Pipedrive does not document whether a modal opened from a panel
    // gets `selectedIds` too: when it does, the two must agree.
    let selected = panel_token::id(&Value::String(query.selected_ids.clone()));
    let modal = match query.data.as_deref() {
        Some(data) => Some(
            serde_json::from_str::<ModalData>(data)
                .ok()
                .and_then(|data| panel_token::id(&data.deal))
                .ok_or(ContextError::Incomplete("the modal names no deal"))?,
        ),
        None => None,
    };
    let deal = match (selected, modal) {
        (Some(selected), Some(modal)) if selected != modal => {
            return Err(ContextError::Incomplete("the modal and its panel name different deals").into());
        }
        (_, Some(deal)) | (Some(deal), None) => deal,
        (None, None) => return Err(ContextError::Incomplete("the panel names no single deal").into()),
    };
    let company = claims.company_id.to_string();
    installations::find(state.db(), Crm::Pipedrive, &company).await?.ok_or(ContextError::NotInstalled)?;
    // The deal comes from the URL (`selectedIds`), which the token does not sign, and the
    // company's token reads every deal: the user must be one Pipedrive lets see it. A deal
    // they may not see is one that does not exist.
    let permitted =
        with_tokens(state, &company, |client, tokens| async move { client.permitted_users(&tokens, deal).await })
            .await?;
    if !permitted.contains(&claims.user_id) {
        return Err(EmbedError::NoSuchRecord);
    }
    let found = Pipedrive.opportunity(state, &company, &deal.to_string()).await?;
    let context = VerifiedContext {
        account_id: company,
        user_id: claims.user_id.to_string(),
        opportunity: Opportunity { id: found.id, name: found.name, location: found.site? },
    };
    Ok(FramedPage {
        context,
        // The SDK posts to `*` and is answered over the port it transfers (as Pipedrive's own does).
        host_origins: Vec::new(),
        frame_origins: config.frame_origins.clone(),
        host_id: embed_ticket::host_id(&query.id),
        theme: super::embed::Theme::from_param(query.theme.as_deref()),
        // The modal shows the whole design; the panel its summary when there is a modal.
        surface: match (&modal, &config.design_modal) {
            (Some(_), _) => Surface::Full,
            (None, Some(_)) => Surface::Summary,
            (None, None) => Surface::Panel,
        },
        whole_design: config.design_modal.clone().filter(|_| modal.is_none()),
    })
}

fn client(state: &AppState) -> Result<PipedriveClient, AccessError> {
    let config = settings(state).ok_or(AccessError::NotConfigured)?;
    Ok(PipedriveClient::new(state.http.clone(), config))
}

/// Runs `call` with a valid access token of `company`'s installation (see
/// [`super::tokens::with_fresh_tokens`]; Pipedrive may rotate the refresh token).
async fn with_tokens<T, F, Fut>(state: &AppState, company: &str, call: F) -> Result<T, AccessError>
where
    F: Fn(PipedriveClient, OAuthTokens) -> Fut,
    Fut: Future<Output = Result<T, CrmError>>,
{
    let client = client(state)?;
    let renew = |tokens: OAuthTokens| {
        let client = client.clone();
        async move { client.refresh(&tokens.refresh_token, state.now()).await }
    };
    super::tokens::with_fresh_tokens(state, Crm::Pipedrive, company, REFRESH_MARGIN_SECONDS, renew, |tokens| {
        call(client.clone(), tokens)
    })
    .await
}

fn deal_id(id: &str) -> Result<u64, AccessError> {
    panel_token::id(&Value::String(id.to_owned()))
        .ok_or_else(|| CrmError::Refused { status: 404, message: "not a Pipedrive deal id".into() }.into())
}

/// This worker's Pipedrive settings, when it has them.
pub fn settings(state: &AppState) -> Option<&PipedriveSettings> {
    state.config.crms.get(Crm::Pipedrive)
}

#[async_trait]
impl CrmIntegration for Pipedrive {
    fn crm(&self) -> Crm {
        Crm::Pipedrive
    }

    fn read_settings(&self, env: &Env<'_>) -> Result<Option<Box<dyn Settings>>, ConfigError> {
        Ok(super::boxed(PipedriveSettings::from_env(env)?))
    }

    /// "Custom UI extensions are visible only to users who have installed the app"
    /// (https://pipedrive.readme.io/docs/custom-ui-extensions): reps install too.
    fn installs_per_user(&self) -> bool {
        true
    }

    /// Pipedrive's primary action is green ("a green action button":
    /// https://pipedrive.readme.io/docs/app-extensions-panels), a shade that keeps white
    /// text at 4.5:1 (as `www/widget.css`).
    fn primary_colour(&self) -> &'static str {
        "#017a3a"
    }

    fn record_visibility(&self) -> &'static str {
        "Pipedrive's visibility: before a deal opens, the worker asks Pipedrive whether that user may see it (List permitted users)."
    }

    fn setup_guide(&self) -> super::SetupGuide {
        // https://pipedrive.readme.io/docs/custom-ui-extensions-panels
        super::SetupGuide {
            install: &[
                "An admin of the Pipedrive company installs Aurora Solar from the Pipedrive Marketplace first, and allows what Pipedrive asks (deals, contacts, and admin access to create the app's five deal fields and its webhook).",
                "The app's settings open: link your Aurora tenant there (below). Later, the admin finds them in Pipedrive, under Tools and apps, Marketplace apps, the app's Settings.",
                "Each rep then installs Aurora Solar from the Pipedrive Marketplace too: Pipedrive shows an app's panel only to users who installed it. A rep's install changes nothing of the company's settings.",
            ],
            place: &[
                "The Aurora Solar panel appears in the sidebar of each deal's page. Like any panel, a user can move, collapse or hide it.",
                "The panel shows the design's summary; View design opens the whole design in a Pipedrive window over the deal.",
            ],
            fields_written: "The deal fields Aurora system size (kW), Aurora annual production (kWh), Aurora offset (%), Aurora project and Aurora system price, which the app creates when they are missing.",
            uninstall: &[
                "In Pipedrive, open Tools and apps, then Marketplace apps, and uninstall Aurora Solar: Pipedrive tells the app, which removes the company's installation.",
                "Or, in the app's settings, choose Uninstall and confirm.",
            ],
        }
    }

    fn host_adapter(&self) -> HostAdapter {
        // The app extensions SDK's protocol.
        HostAdapter::Pipedrive
    }

    /// The panel's load carries the proof (`?token=`): verified here, it opens the widget.
    async fn open_embed(&self, state: &AppState, load: PageLoad<'_>) -> Result<Opened, EmbedError> {
        if !load.is_page_get() {
            return Err(load.refusal());
        }
        let query: PanelQuery = load.query_as()?;
        Ok(Opened::Page(open_panel(state, &query, load.now).await?))
    }

    /// The settings' custom UI ("an iframe embedded in a surface that gives users easy access
    /// to user settings for your app", opened from Tools and apps > Marketplace apps:
    /// https://pipedrive.readme.io/docs/custom-ui-extensions-app-settings) loads with the
    /// panel's query and token. The settings are the admin's who installed the app, as on
    /// a tab of their own (`still_admin`): any other user reads whose they are.
    async fn open_settings(&self, state: &AppState, load: PageLoad<'_>) -> Result<SettingsOpened, EmbedError> {
        if !load.is_page_get() {
            return Err(load.refusal());
        }
        let query: PanelQuery = load.query_as()?;
        let claims = verified_claims(state, &query, load.now)?;
        let company = claims.company_id.to_string();
        installations::find(state.db(), Crm::Pipedrive, &company).await?.ok_or(ContextError::NotInstalled)?;
        let me = with_tokens(state, &company, |client, tokens| async move { client.me(&tokens).await }).await?;
        if me.id != claims.user_id || !me.is_admin() {
            return Err(EmbedError::NotTheAdmin);
        }
        Ok(SettingsOpened {
            account_id: company,
            account_name: me.company_name,
            user_id: me.id.to_string(),
            user_name: me.name,
        })
    }

    /// Pipedrive hides a panel whose SDK has not said `initialize` within 10 s: the script
    /// says it before anything else loads (see `www/pipedrive-init.js`).
    fn frame_init_script(&self) -> Option<&'static str> {
        Some("/widget/pipedrive-init.js")
    }

    fn frame_origins(&self, state: &AppState) -> Vec<String> {
        settings(state).map(|c| c.frame_origins.clone()).unwrap_or_default()
    }

    fn authorize_url(&self, state: &AppState, signed_state: &str, code_challenge: &str) -> Result<String, AccessError> {
        Ok(client(state)?.authorize_url(signed_state, code_challenge))
    }

    async fn exchange_code(
        &self,
        state: &AppState,
        code: &str,
        code_verifier: &str,
        now: i64,
    ) -> Result<Exchanged, AccessError> {
        let tokens = client(state)?.exchange_code(code, code_verifier, now).await?;
        Ok(Exchanged { tokens, account_id: None, user_id: None })
    }

    async fn consent(&self, state: &AppState, tokens: &OAuthTokens) -> Result<Consent, AccessError> {
        let me = client(state)?.me(tokens).await?;
        Ok(Consent {
            may_install: me.is_admin(),
            account_id: me.company_id.to_string(),
            account_name: me.company_name,
            user_id: me.id.to_string(),
            user_name: me.name,
        })
    }

    async fn give_back(&self, state: &AppState, tokens: &OAuthTokens) -> Result<(), AccessError> {
        Ok(client(state)?.revoke(&tokens.refresh_token).await?)
    }

    async fn still_admin(&self, state: &AppState, account_id: &str, user_id: &str) -> Result<bool, AccessError> {
        let me = with_tokens(state, account_id, |client, tokens| async move { client.me(&tokens).await }).await?;
        Ok(me.company_id.to_string() == account_id && me.id.to_string() == user_id && me.is_admin())
    }

    async fn start_listening(&self, state: &AppState, account_id: &str) -> Result<(), AccessError> {
        if self.is_listening(state, account_id).await? {
            return Ok(());
        }
        let (url, password) = webhook_credentials(state, account_id)?;
        with_tokens(state, account_id, |client, tokens| {
            let (url, password) = (url.clone(), password.clone());
            async move { client.subscribe(&tokens, &url, webhook::USER, &password).await }
        })
        .await
    }

    async fn is_listening(&self, state: &AppState, account_id: &str) -> Result<bool, AccessError> {
        let (url, password) = webhook_credentials(state, account_id)?;
        let hooks =
            with_tokens(state, account_id, |client, tokens| async move { client.webhooks(&tokens).await }).await?;
        // `create` (v2); `added`, v1's word, on hooks made before v2 or by hand. A hook
        // whose password is no longer ours (the worker's secret changed) delivers nothing
        // we accept: it is as good as missing.
        Ok(hooks.iter().any(|h| {
            h.subscription_url == url
                && h.http_auth_password.as_deref().is_none_or(|given| given == password)
                && matches!(h.event_action.as_str(), "added" | "create" | "*")
                && matches!(h.event_object.as_str(), "deal" | "*")
        }))
    }

    async fn opportunity(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CrmOpportunity, AccessError> {
        let id = deal_id(opportunity_id)?;
        let installation =
            installations::find(state.db(), Crm::Pipedrive, account_id).await?.ok_or(AccessError::NotAuthorized)?;
        let order: Vec<&'static str> = super::site_order(SITE_SOURCES, installation.site_source.as_deref())
            .iter()
            .map(|source| source.key)
            .collect();
        // Each source in the admin's order, until one has an address.
        let (deal, address) = with_tokens(state, account_id, |client, tokens| {
            let order = order.clone();
            async move {
                let deal = client.deal(&tokens, id).await?;
                for source in order {
                    let address = match (source, deal.org_id, deal.person_id) {
                        ("person_address", _, Some(person)) => client.person_address(&tokens, person).await?,
                        ("deal_address", _, _) => {
                            let fields = client.deal_fields(&tokens).await?;
                            let key = fields.iter().find(|f| f.field_type == "address").map(|f| f.key.clone());
                            key.and_then(|k| deal.custom_fields.get(&k).cloned()).unwrap_or(Value::Null)
                        }
                        ("organization_address", Some(org), _) => client.organization_address(&tokens, org).await?,
                        _ => Value::Null,
                    };
                    if let Some(line) = client::address_line(&address) {
                        return Ok((deal, Some(line)));
                    }
                }
                Ok((deal, None))
            }
        })
        .await?;
        let site = address
            .map(|property_address| Location::Address { property_address })
            .ok_or(ContextError::Incomplete(super::NO_SITE));
        Ok(CrmOpportunity { id: deal.id.to_string(), name: deal.title, site })
    }

    async fn write_figures(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        figures: &DesignFigures,
    ) -> Result<(), AccessError> {
        let id = deal_id(opportunity_id)?;
        let values = [
            figures.aurora_system_size_kw.map(Value::from).unwrap_or(Value::Null),
            figures.aurora_annual_production_kwh.map(Value::from).unwrap_or(Value::Null),
            figures.aurora_offset_percent.map(Value::from).unwrap_or(Value::Null),
            Value::from(figures.aurora_project_url.clone()),
            figures.aurora_system_price.map(Value::from).unwrap_or(Value::Null),
        ];
        let amount = figures.deal_amount;
        with_tokens(state, account_id, |client, tokens| {
            let values = values.clone();
            async move {
                let existing = client.deal_fields(&tokens).await?;
                let mut custom_fields = serde_json::Map::new();
                for ((name, field_type), value) in FIELDS.iter().zip(values) {
                    let key = match existing.iter().find(|f| f.name == *name) {
                        Some(field) => field.key.clone(),
                        None => client.create_deal_field(&tokens, name, field_type).await?.key,
                    };
                    custom_fields.insert(key, value);
                }
                client.update_deal(&tokens, id, Value::Object(custom_fields), amount).await
            }
        })
        .await
    }

    async fn add_activity(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        activity: &SaleActivity,
    ) -> Result<(), AccessError> {
        let id = deal_id(opportunity_id)?;
        let html = activity.html();
        with_tokens(state, account_id, |client, tokens| {
            let html = html.clone();
            async move { client.add_note(&tokens, id, &html).await }
        })
        .await
    }

    async fn attach_file(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        document: &Document,
    ) -> Result<(), AccessError> {
        let id = deal_id(opportunity_id)?;
        with_tokens(state, account_id, |client, tokens| async move {
            client.add_file(&tokens, id, &document.file_name, &document.content_type, document.bytes.clone()).await
        })
        .await
    }

    async fn stages(&self, state: &AppState, account_id: &str) -> Result<Vec<CrmStage>, AccessError> {
        let (stages, pipelines) = with_tokens(state, account_id, |client, tokens| async move {
            Ok((client.stages(&tokens).await?, client.pipelines(&tokens).await?))
        })
        .await?;
        Ok(stages
            .into_iter()
            .map(|stage| CrmStage {
                id: stage.id.to_string(),
                label: stage.name,
                pipeline: stage.pipeline_id.to_string(),
                pipeline_label: pipelines
                    .iter()
                    .find(|p| p.id == stage.pipeline_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                order: stage.order_nr,
                // Pipedrive closes a deal by its status (won, lost), not by a stage.
                closed: false,
            })
            .collect())
    }

    async fn opportunity_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CurrentStage, AccessError> {
        let id = deal_id(opportunity_id)?;
        let deal =
            with_tokens(state, account_id, |client, tokens| async move { client.deal(&tokens, id).await }).await?;
        Ok(CurrentStage {
            stage_id: deal.stage_id.map(|s| s.to_string()).unwrap_or_default(),
            closed: deal.status.as_deref().is_some_and(|s| s != "open"),
        })
    }

    async fn set_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        stage: &CrmStage,
    ) -> Result<(), AccessError> {
        let id = deal_id(opportunity_id)?;
        let stage_id: u64 = stage.id.parse().map_err(|_| CrmError::Decode(format!("stage id `{}`", stage.id)))?;
        with_tokens(state, account_id, |client, tokens| async move { client.set_stage(&tokens, id, stage_id).await })
            .await
    }

    fn verify_webhook(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        body: &[u8],
        _now: i64,
    ) -> Result<Vec<CrmDelivery>, CrmWebhookError> {
        if !self.is_configured(state) {
            return Err(CrmWebhookError::NotConfigured);
        }
        let master = state.config.signing_secret.expose_secret().as_bytes();
        Ok(vec![webhook::verify(master, headers, body)?])
    }

    fn verify_uninstall(&self, state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<String, CrmWebhookError> {
        let config = settings(state).ok_or(CrmWebhookError::NotConfigured)?;
        webhook::verify_uninstall(&config.client_id, config.client_secret.expose_secret(), headers, body)
    }

    fn site_sources(&self) -> &'static [SiteSource] {
        SITE_SOURCES
    }
}

/// Where a company's webhooks go, and their Basic password.
fn webhook_credentials(state: &AppState, company: &str) -> Result<(String, String), AccessError> {
    let config = settings(state).ok_or(AccessError::NotConfigured)?;
    let company_id = panel_token::id(&Value::String(company.to_owned())).ok_or(AccessError::NotAuthorized)?;
    let master = state.config.signing_secret.expose_secret().as_bytes();
    Ok((config.webhook_url(), webhook::password(master, company_id)))
}
