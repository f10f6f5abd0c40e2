//! HubSpot: a deal card (a React app card of our HubSpot project, `hubspot/` in this
//! repository) shows the deal's status and key figures and opens the widget in an iframe
//! modal. The card reaches the worker only through `hubspot.fetch`, signed by HubSpot
//! ([`signature`], checked in [`card`]); the modal's page gets an embed ticket in its
//! fragment. Portals install through OAuth v3 ([`client`]); new deals arrive by webhooks
//! signed the same way ([`webhook`]), declared once for the app in the project.

pub mod card;
pub mod client;
pub mod settings;
pub mod signature;
pub mod webhook;

use super::tokens::OAuthTokens;
use super::{
    AccessError, Consent, ContextError, Crm, CrmDelivery, CrmError, CrmIntegration, CrmOpportunity, CrmWebhookError,
    DesignFigures, Exchanged, JournalRead, Settings, SiteSource, Uninstalled,
    embed::{self, EmbedError, Opened, PageLoad, SettingsOpened},
    embed_ticket,
};
use crate::{
    AppState,
    crm::{Document, SaleActivity},
    environment::{ConfigError, Env},
    stages::{CrmStage, CurrentStage},
    storage::installations::{self, Installation},
};
use async_trait::async_trait;
use client::{HubSpotClient, PropertyKind};
use http::HeaderMap;
use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use settings::HubSpotSettings;
use std::future::Future;
use widget_api::{HostAdapter, Location};

/// The deal properties the worker writes (created in the portal when missing), with their
/// labels and kinds; the names are [`DesignFigures`]'s.
pub const PROPERTIES: [(&str, &str, PropertyKind); 5] = [
    ("aurora_system_size_kw", "Aurora system size (kW)", PropertyKind::Number),
    ("aurora_annual_production_kwh", "Aurora annual production (kWh)", PropertyKind::Number),
    ("aurora_offset_percent", "Aurora offset (%)", PropertyKind::Number),
    ("aurora_project_url", "Aurora project", PropertyKind::Text),
    ("aurora_system_price", "Aurora system price", PropertyKind::Number),
];

/// Where a deal's site can come from: deals have no address of their own.
pub const SITE_SOURCES: &[SiteSource] = &[
    SiteSource { key: "company_address", label: "The deal's company's address" },
    SiteSource { key: "contact_address", label: "The deal's contact's address" },
];

/// Refresh this long before the access token's expiry (they live 30 minutes).
const REFRESH_MARGIN_SECONDS: i64 = 120;

/// HubSpot behind the seam.
pub struct HubSpot;

/// How many journal entries one reading takes at most (the rest wait for the next).
const JOURNAL_ENTRIES_PER_READING: usize = 20;

fn client(state: &AppState) -> Result<HubSpotClient, AccessError> {
    let config = settings(state).ok_or(AccessError::NotConfigured)?;
    Ok(HubSpotClient::new(state.http.clone(), config))
}

/// Runs `call` with a valid access token of `portal`'s installation (see
/// [`super::tokens::with_fresh_tokens`]).
async fn with_tokens<T, F, Fut>(state: &AppState, portal: &str, call: F) -> Result<T, AccessError>
where
    F: Fn(HubSpotClient, OAuthTokens) -> Fut,
    Fut: Future<Output = Result<T, CrmError>>,
{
    let client = client(state)?;
    let renew = |tokens: OAuthTokens| {
        let client = client.clone();
        async move { client.refresh(&tokens.refresh_token, state.now()).await }
    };
    super::tokens::with_fresh_tokens(state, Crm::HubSpot, portal, REFRESH_MARGIN_SECONDS, renew, |tokens| {
        call(client.clone(), tokens)
    })
    .await
}

/// A HubSpot object id: digits only (it goes in a path).
fn object_id(id: &str) -> Result<&str, AccessError> {
    if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(CrmError::Refused { status: 404, message: "not a HubSpot deal id".into() }.into())
    }
}

/// The figures as HubSpot's property values: strings, empty for what the design lacks.
fn property_values(figures: &DesignFigures) -> Value {
    let number = |value: Option<String>| Value::String(value.unwrap_or_default());
    let mut properties = Map::new();
    properties.insert(PROPERTIES[0].0.into(), number(figures.aurora_system_size_kw.map(|v| v.to_string())));
    properties.insert(PROPERTIES[1].0.into(), number(figures.aurora_annual_production_kwh.map(|v| v.to_string())));
    properties.insert(PROPERTIES[2].0.into(), number(figures.aurora_offset_percent.map(|v| v.to_string())));
    properties.insert(PROPERTIES[3].0.into(), Value::String(figures.aurora_project_url.clone()));
    properties.insert(PROPERTIES[4].0.into(), number(figures.aurora_system_price.map(|v| v.to_string())));
    if let Some(amount) = figures.deal_amount {
        // The deal's own `amount` (a default deal property).
        properties.insert("amount".into(), Value::String(amount.to_string()));
    }
    Value::Object(properties)
}

/// This worker's HubSpot settings, when it has them.
pub fn settings(state: &AppState) -> Option<&HubSpotSettings> {
    state.config.crms.get(Crm::HubSpot)
}

#[async_trait]
impl CrmIntegration for HubSpot {
    fn crm(&self) -> Crm {
        Crm::HubSpot
    }

    fn read_settings(&self, env: &Env<'_>) -> Result<Option<Box<dyn Settings>>, ConfigError> {
        Ok(super::boxed(HubSpotSettings::from_env(env)?))
    }

    fn record_visibility(&self) -> &'static str {
        "HubSpot offers no way to ask whether a user may see a deal: whoever can open the card on a deal can open that deal in the widget. Keep deals private in HubSpot itself."
    }

    fn setup_guide(&self) -> super::SetupGuide {
        // https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/app-cards/overview
        super::SetupGuide {
            install: &[
                "A Super Admin of the HubSpot account opens the HubSpot App Marketplace, finds Aurora Solar and chooses Install.",
                "HubSpot shows what the app may do (read and write deals, read companies and contacts for the site's address, read users to check the Super Admin): choose Connect app.",
                "The app's settings open: link your Aurora tenant there (below). Later, Super Admins find them in HubSpot, under Marketplace, Connected apps, Aurora Solar, Settings.",
            ],
            place: &[
                "The Aurora Solar card appears on each deal's record. Admins can move it in the deal record's customization, like HubSpot's own cards.",
                "The card shows where the deal stands with Aurora and its key figures; its button opens the full design in a HubSpot window.",
            ],
            fields_written: "The deal properties Aurora system size (kW), Aurora annual production (kWh), Aurora offset (%), Aurora project and Aurora system price, which the app creates on install.",
            uninstall: &[
                "In HubSpot, open Settings, then Integrations, then Connected Apps, and uninstall Aurora Solar: HubSpot tells the app, which removes the account's installation.",
                "Or, in the app's settings, choose Uninstall and confirm.",
            ],
        }
    }

    fn host_adapter(&self) -> HostAdapter {
        // None is needed: the modal's size is fixed when the card opens it, and HubSpot
        // documents no messages to it.
        HostAdapter::None
    }

    /// `/embed/hubspot/card` is the card's signed call ([`card::open`]); `/embed/hubspot`
    /// the modal's page, whose query carries the ticket the card's answer minted (`?t=`),
    /// spent on this load: a copied or reloaded modal URL opens nothing.
    async fn open_embed(&self, state: &AppState, load: PageLoad<'_>) -> Result<Opened, EmbedError> {
        match load.door {
            Some(card::DOOR) if load.method == http::Method::POST => card::open(state, &load).await,
            Some(card::DOOR) => Err(EmbedError::MethodNotAllowed),
            _ => {
                let ticket = embed::signed_in_url(&load, "t")?;
                let context = embed_ticket::redeem(state, Crm::HubSpot, &ticket, load.now).await?;
                Ok(embed::url_signed_page(self.frame_origins(state), context, embed::Surface::Full))
            }
        }
    }

    fn frame_origins(&self, state: &AppState) -> Vec<String> {
        settings(state).map(|c| c.frame_origins.clone()).unwrap_or_default()
    }

    /// The app's settings page in HubSpot (a `settings` UI extension, under Connected apps:
    /// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensions/extension-points/create-a-settings-page)
    /// calls the worker through `hubspot.fetch`, each call signed and spent once as the
    /// card's are; its user must be a Super Admin of the portal, as HubSpot has it now.
    async fn open_settings(&self, state: &AppState, load: PageLoad<'_>) -> Result<SettingsOpened, EmbedError> {
        if load.method != http::Method::POST {
            return Err(EmbedError::MethodNotAllowed);
        }
        let caller = card::verified_caller(state, &load).await?;
        let portal = caller.portal_id;
        installations::find(state.db(), Crm::HubSpot, &portal).await?.ok_or(ContextError::NotInstalled)?;
        let user_id = caller.user_id;
        let (user, info) = with_tokens(state, &portal, |client, tokens| {
            let user_id = user_id.clone();
            async move { Ok((client.user(&tokens, &user_id).await?, client.introspect(&tokens.access_token).await?)) }
        })
        .await?;
        if user.id != user_id || !user.super_admin {
            return Err(EmbedError::NotTheAdmin);
        }
        Ok(SettingsOpened {
            account_name: if info.hub_domain.is_empty() { format!("HubSpot portal {portal}") } else { info.hub_domain },
            account_id: portal,
            user_name: if user.email.is_empty() { user_id.clone() } else { user.email },
            user_id,
        })
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

    /// The token's introspection names the portal and the user; only Super Admins install.
    async fn consent(&self, state: &AppState, tokens: &OAuthTokens) -> Result<Consent, AccessError> {
        let client = client(state)?;
        let info = client.introspect(&tokens.access_token).await?;
        if !info.active {
            return Err(CrmError::Unauthorized.into());
        }
        let user = client.user(tokens, &info.user_id.to_string()).await?;
        let portal = info.hub_id.to_string();
        Ok(Consent {
            may_install: user.super_admin,
            account_name: if info.hub_domain.is_empty() { format!("HubSpot portal {portal}") } else { info.hub_domain },
            account_id: portal,
            user_id: info.user_id.to_string(),
            user_name: if user.email.is_empty() { info.user } else { user.email },
        })
    }

    async fn give_back(&self, state: &AppState, tokens: &OAuthTokens) -> Result<(), AccessError> {
        Ok(client(state)?.revoke(&tokens.refresh_token).await?)
    }

    async fn still_admin(&self, state: &AppState, account_id: &str, user_id: &str) -> Result<bool, AccessError> {
        let user_id = object_id(user_id)?.to_owned();
        let user = with_tokens(state, account_id, |client, tokens| {
            let user_id = user_id.clone();
            async move { client.user(&tokens, &user_id).await }
        })
        .await?;
        Ok(user.id == user_id && user.super_admin)
    }

    /// New deals come by the app's webhook subscriptions, declared once in the project
    /// (`webhooks-hsmeta.json`) for every portal that installs it. What HubSpot calls no one
    /// about, a portal uninstalling us, comes in the app's journal, read from the first
    /// install on (see [`Self::read_app_journal`]).
    async fn start_listening(&self, state: &AppState, _account_id: &str) -> Result<(), AccessError> {
        Ok(crate::storage::crm_journals::start(state.db(), Crm::HubSpot, state.now()).await?)
    }

    fn reads_app_journal(&self) -> bool {
        true
    }

    /// The Webhooks Journal, with the app's client credentials token: the first reading
    /// subscribes the app to its `APP_UNINSTALL` events and starts from the latest entry
    /// (from the earliest when the journal is still empty); later ones read the entries after
    /// the offset reached, at most [`JOURNAL_ENTRIES_PER_READING`] at a time, each entry's file
    /// for its uninstalls.
    async fn read_app_journal(&self, state: &AppState, offset: Option<&str>) -> Result<JournalRead, AccessError> {
        let client = client(state)?;
        let token = client.app_token().await?;
        let Some(mut reached) = offset.map(str::to_owned) else {
            client.subscribe_to_uninstalls(&token).await?;
            let latest = client.journal_entry(&token, None).await?;
            return Ok(JournalRead {
                uninstalled: Vec::new(),
                offset: Some(latest.map(|entry| entry.current_offset).unwrap_or_default()),
            });
        };
        let mut read = JournalRead::default();
        for _ in 0..JOURNAL_ENTRIES_PER_READING {
            let entry = match client.journal_entry(&token, Some(&reached)).await {
                Ok(Some(entry)) => entry,
                Ok(None) => break,
                // The offset is past the journal's 3 days ("Fails with a `404` if the
                // offset has expired or doesn't exist"): on from the earliest entry kept.
                Err(CrmError::Refused { status: 404, .. }) if !reached.is_empty() => {
                    reached.clear();
                    read.offset = Some(String::new());
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            let file = client.journal_file(&entry).await?;
            let uninstalls = file.uninstalls(state.now());
            read.uninstalled.extend(uninstalls.into_iter().map(|(account_id, at)| Uninstalled { account_id, at }));
            if !reached.is_empty() && entry.current_offset == reached {
                break;
            }
            reached = entry.current_offset;
            read.offset = Some(reached.clone());
        }
        Ok(read)
    }

    async fn is_listening(&self, state: &AppState, _account_id: &str) -> Result<bool, AccessError> {
        Ok(self.is_configured(state))
    }

    /// Uninstalls the app from the portal (its card and webhooks go with it), then gives the
    /// refresh token back; a portal that uninstalled us in HubSpot already refuses both.
    async fn revoke(&self, state: &AppState, installation: &Installation) -> Result<(), AccessError> {
        let portal = installation.account_id.as_str();
        with_tokens(state, portal, |client, tokens| async move { client.uninstall(&tokens).await }).await?;
        let tokens: OAuthTokens = super::tokens::open(state, installation)?;
        match client(state)?.revoke(&tokens.refresh_token).await {
            // The uninstall ended the grant already.
            Ok(()) | Err(CrmError::InvalidGrant | CrmError::Refused { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    async fn opportunity(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CrmOpportunity, AccessError> {
        let id = object_id(opportunity_id)?.to_owned();
        let installation =
            installations::find(state.db(), Crm::HubSpot, account_id).await?.ok_or(AccessError::NotAuthorized)?;
        let kinds: Vec<&'static str> = super::site_order(SITE_SOURCES, installation.site_source.as_deref())
            .iter()
            .map(|source| if source.key == "contact_address" { "contacts" } else { "companies" })
            .collect();
        // Each source in the admin's order, until one has an address.
        let (deal, address) = with_tokens(state, account_id, |client, tokens| {
            let (id, kinds) = (id.clone(), kinds.clone());
            async move {
                let deal = client.deal(&tokens, &id).await?;
                for kind in kinds {
                    if let Some(other) = deal.first_associated(kind)
                        && let Some(address) = client.address_of(&tokens, kind, &other).await?.address_line()
                    {
                        return Ok((deal, Some(address)));
                    }
                }
                Ok((deal, None))
            }
        })
        .await?;
        let site = address
            .map(|property_address| Location::Address { property_address })
            .ok_or(ContextError::Incomplete(super::NO_SITE));
        let name = deal.property("dealname").unwrap_or_default().to_owned();
        Ok(CrmOpportunity { id: deal.id, name, site })
    }

    async fn write_figures(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        figures: &DesignFigures,
    ) -> Result<(), AccessError> {
        let id = object_id(opportunity_id)?.to_owned();
        let properties = property_values(figures);
        with_tokens(state, account_id, |client, tokens| {
            let (id, properties) = (id.clone(), properties.clone());
            async move {
                match client.update_deal(&tokens, &id, properties.clone()).await {
                    // The portal lacks our properties: created once, then written.
                    Err(error) if client::is_missing_property(&error) => {
                        for (name, label, kind) in PROPERTIES {
                            client.create_deal_property(&tokens, name, label, kind).await?;
                        }
                        client.update_deal(&tokens, &id, properties).await
                    }
                    other => other,
                }
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
        let id = object_id(opportunity_id)?.to_owned();
        let html = activity.html();
        with_tokens(state, account_id, |client, tokens| {
            let (id, html) = (id.clone(), html.clone());
            async move { client.log_note(&tokens, &id, &html, activity.at.saturating_mul(1000)).await }
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
        // HubSpot attaches files to notes: the file is uploaded (private), then a note on
        // the deal carries it.
        let id = object_id(opportunity_id)?.to_owned();
        let html = format!("<p><b>{}</b></p>", html_escape::encode_text(&document.title));
        let at = state.now().saturating_mul(1000);
        with_tokens(state, account_id, |client, tokens| {
            let (id, html) = (id.clone(), html.clone());
            async move {
                let file = client
                    .upload_file(&tokens, &document.file_name, &document.content_type, document.bytes.clone())
                    .await?;
                client.log_note_with_files(&tokens, &id, &html, &[file], at).await
            }
        })
        .await
    }

    async fn stages(&self, state: &AppState, account_id: &str) -> Result<Vec<CrmStage>, AccessError> {
        let pipelines =
            with_tokens(state, account_id, |client, tokens| async move { client.deal_pipelines(&tokens).await })
                .await?;
        Ok(pipelines
            .into_iter()
            .flat_map(|pipeline| {
                pipeline
                    .stages
                    .iter()
                    .map(move |stage| CrmStage {
                        id: stage.id.clone(),
                        label: stage.label.clone(),
                        pipeline: pipeline.id.clone(),
                        pipeline_label: pipeline.label.clone(),
                        order: stage.display_order,
                        closed: stage.is_closed(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect())
    }

    async fn opportunity_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CurrentStage, AccessError> {
        let id = object_id(opportunity_id)?.to_owned();
        let deal = with_tokens(state, account_id, |client, tokens| {
            let id = id.clone();
            async move { client.deal_stage(&tokens, &id).await }
        })
        .await?;
        let stage_id = deal.properties.get("dealstage").and_then(Value::as_str).unwrap_or_default().to_owned();
        Ok(CurrentStage { stage_id, closed: false })
    }

    async fn set_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        stage: &CrmStage,
    ) -> Result<(), AccessError> {
        let id = object_id(opportunity_id)?.to_owned();
        let properties = serde_json::json!({ "dealstage": stage.id });
        with_tokens(state, account_id, |client, tokens| {
            let (id, properties) = (id.clone(), properties.clone());
            async move { client.update_deal(&tokens, &id, properties).await }
        })
        .await
    }

    fn verify_webhook(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Vec<CrmDelivery>, CrmWebhookError> {
        let config = settings(state).ok_or(CrmWebhookError::NotConfigured)?;
        let secret = config.client_secret.expose_secret().as_bytes();
        webhook::verify(secret, &config.webhook_url(), headers, body, now.saturating_mul(1000))
    }

    fn site_sources(&self) -> &'static [SiteSource] {
        SITE_SOURCES
    }
}
