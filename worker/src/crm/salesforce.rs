//! Salesforce, through Canvas: the widget runs in a canvas app that our package's Aura
//! wrapper places on the Opportunity record page. Salesforce POSTs a signed request
//! ([`signed_request`]) to `/embed/salesforce`; the worker verifies it, spends it, reads
//! the Opportunity with the org's stored token, and answers the embed page with an
//! [`embed_ticket`]: the context the widget opens its session with (the signed request
//! itself, which holds the user's Salesforce session, never reaches the browser again). The org installs us through OAuth (web server flow, PKCE) with the
//! External Client App's consumer key ([`client`]). Salesforce has no signed webhooks:
//! new Opportunities are polled on the sweep (README: "Automatic projects in Salesforce").

pub mod client;
pub mod settings;
pub mod signed_request;

use super::tokens::OAuthTokens;
use super::{
    AccessError, Consent, ContextError, Crm, CrmDelivery, CrmError, CrmEventKind, CrmIntegration, CrmOpportunity,
    CrmWebhookError, DesignFigures, Exchanged, Settings, SiteSource, VerifiedContext,
    embed::{EmbedError, FramedPage, Opened, PageLoad},
    embed_ticket,
};
use crate::{
    AppState,
    crm::{Document, SaleActivity},
    environment::{ConfigError, Env},
    stages::{CrmStage, CurrentStage},
    storage::{crm_polls, installations},
};
use async_trait::async_trait;
use client::SalesforceClient;
use http::HeaderMap;
use secrecy::ExposeSecret;
use settings::SalesforceSettings;
use std::future::Future;
use widget_api::{HostAdapter, Location, Opportunity};

/// What the app asks of an org: the REST API, and a refresh token for background work
/// (write-back, polling) when nobody is on the page.
pub const SCOPES: &str = "api refresh_token";

/// The custom Opportunity fields the worker writes, without the package's namespace
/// prefix; `force-app/main/default/objects/Opportunity/fields/` defines each (a test checks).
pub mod fields {
    /// System size, kW DC (STC). Number(8, 2).
    pub const SYSTEM_SIZE_KW: &str = "Aurora_System_Size_kW__c";
    /// Annual production, kWh. Number(12, 0).
    pub const ANNUAL_PRODUCTION_KWH: &str = "Aurora_Annual_Production_kWh__c";
    /// Offset, %. Percent(5, 1).
    pub const OFFSET_PERCENT: &str = "Aurora_Offset_Percent__c";
    /// The project in Aurora. URL.
    pub const PROJECT_URL: &str = "Aurora_Project_URL__c";
    /// The design's status. Text(40).
    pub const DESIGN_STATUS: &str = "Aurora_Design_Status__c";
    /// The design's price. Currency(16, 2).
    pub const SYSTEM_PRICE: &str = "Aurora_System_Price__c";
    /// Every field the worker writes, for the package check.
    pub const ALL: [&str; 6] =
        [SYSTEM_SIZE_KW, ANNUAL_PRODUCTION_KWH, OFFSET_PERCENT, PROJECT_URL, DESIGN_STATUS, SYSTEM_PRICE];
}

/// Where an Opportunity's site can come from (it has no address of its own): its
/// Account's billing address (the default), its shipping address, or, for a Person
/// Account (a household), its mailing address.
pub const SITE_SOURCES: &[SiteSource] = &[
    SiteSource { key: "account_billing", label: "The Account's billing address" },
    SiteSource { key: "account_shipping", label: "The Account's shipping address" },
    SiteSource { key: "person_mailing", label: "The Person Account's mailing address" },
];

/// The Account's compound address prefix for a site source.
fn address_of(source: Option<&str>) -> &'static str {
    match source {
        Some("account_shipping") => "Shipping",
        Some("person_mailing") => "PersonMailing",
        _ => "Billing",
    }
}

/// What [`fields::DESIGN_STATUS`] says once the figures are written.
pub const DESIGN_READY: &str = "Design ready";

/// Salesforce behind the seam.
pub struct Salesforce;

/// A canvas load by GET: Salesforce sends no signed request, only `_sfdc_canvas_auth`, to
/// a user who has not approved the app when its policy lets users self-authorize ("If the
/// user hasn't approved the app … Salesforce performs a GET to the canvas app URL",
/// https://developer.salesforce.com/docs/atlas.en-us.194.0.platform_connect.meta/platform_connect/canvas_app_signed_req_authentication.htm).
#[derive(serde::Deserialize)]
struct CanvasGet {
    #[serde(rename = "_sfdc_canvas_auth")]
    user_approval: Option<String>,
}

/// What a rep reads when Salesforce has not pre-authorized them, with the admin's steps
/// (https://developer.salesforce.com/docs/platform/canvas-framework/guide/quick-start-config-who-can-access-canvas-app-eca.md).
const NOT_PRE_AUTHORIZED: &str = "Salesforce has not pre-authorized you for Aurora Solar, so it sent no signed \
request. Ask your Salesforce admin to open Setup > External Client App Manager > Aurora Solar for CRMs > Edit \
Policies, set Permitted Users to \"Admin approved users are pre-authorized\", and assign you the Aurora Solar User \
permission set; then reload this page.";

/// The Canvas POST's form.
#[derive(serde::Deserialize)]
struct CanvasPost {
    signed_request: String,
}

/// Verifies a Canvas POST's `signed_request` and opens the widget for it: spent once,
/// the org installed, the placement an Opportunity, the Opportunity read with the org's
/// token.
async fn open_canvas(state: &AppState, signed_request: &str, now: i64) -> Result<FramedPage, EmbedError> {
    let config = settings(state).ok_or_else(|| ContextError::UnknownCrm(Crm::Salesforce.as_str().into()))?;
    let verified = signed_request::verify_with_mac(signed_request, config.consumer_secret.expose_secret().as_bytes())
        .map_err(|_| ContextError::BadSignature)?;
    let request = verified.request;
    // Remembered by its MAC, not its text: a copy re-encoded (the other base64 alphabet, no
    // padding) is the same request. Salesforce may present the same request again: "Your
    // app can ask Salesforce to resend the signed request that was used when your app was
    // loaded or to send a new signed request" (`refreshSignedRequest`, `repost`:
    // https://developer.salesforce.com/docs/platform/canvas-framework/guide/canvas-app-refresh-signed-request.md),
    // and `issuedAt` is no clock. So a request seen before opens the widget again only when
    // Salesforce confirms below that the session it carries still lives, for this user
    // and org: whoever holds such a request holds that session anyway.
    let spent = format!("salesforce-mac:{}", hex::encode(verified.mac));
    let seen_before = !crate::storage::one_time::spend_signed_request(state.db(), &spent, now).await?;
    super::observe(
        state,
        Crm::Salesforce,
        if seen_before {
            "canvas: the same signed request again within 10 minutes (a reload, or a refresh that resent it)"
        } else {
            "canvas: a signed request by POST"
        },
    )
    .await;
    let org = request.context.organization.organization_id.clone();
    let user = request.context.user.user_id.clone();
    installations::find(state.db(), Crm::Salesforce, &org).await?.ok_or(ContextError::NotInstalled)?;
    let opportunity_id =
        request.opportunity_id().ok_or(ContextError::Incomplete("the app is not on an Opportunity record page"))?;
    // A signed request never expires, but the user's session it carries does (and ends
    // when the user is deactivated): Salesforce must still accept it, as this user of this
    // org, or the request is stale (a copy kept from earlier, or a leaked one).
    let session = request.client.oauth_token.clone();
    let carries_session = session.is_some();
    if session.is_none() {
        super::observe(state, Crm::Salesforce, "canvas: a signed request without client.oauthToken").await;
    }
    // The record id comes from the page's Aura component, which runs in the user's browser:
    // Salesforce signs whatever it passes. The org's token reads any record, so the user's
    // own access is asked first; a record they may not see is one that does not exist.
    let access = with_tokens(state, &org, |client, tokens| {
        let (user, record, org, session) = (user.clone(), opportunity_id.clone(), org.clone(), session.clone());
        async move {
            if let Some(session) = session {
                let theirs = OAuthTokens {
                    access_token: session,
                    refresh_token: String::new(),
                    expires_at: None,
                    api_base: tokens.api_base.clone(),
                };
                match client.user_info(&theirs).await {
                    Ok(info) if same_id(&info.user_id, &user) && same_id(&info.organization_id, &org) => {}
                    Ok(_) | Err(CrmError::Unauthorized) => return Ok(Access::SessionEnded),
                    // Refused otherwise (a scope the org's app lacks, say): this session's
                    // liveness cannot be asked; the request is taken as before, and said.
                    Err(CrmError::Refused { .. }) => {
                        let may = client.user_may_read(&tokens, &user, &record).await?;
                        return Ok(Access::Unchecked(may));
                    }
                    Err(other) => return Err(other),
                }
            }
            client.user_may_read(&tokens, &user, &record).await.map(Access::Live)
        }
    })
    .await?;
    // Seen before, and Salesforce did not confirm that its session lives: a replay.
    let confirmed_live = carries_session && matches!(access, Access::Live(_));
    if seen_before && !confirmed_live && !matches!(access, Access::SessionEnded) {
        return Err(EmbedError::Replayed);
    }
    let may_read = match access {
        Access::Live(may) => may,
        Access::Unchecked(may) => {
            super::observe(state, Crm::Salesforce, "canvas: userinfo refused the session a signed request carries")
                .await;
            may
        }
        Access::SessionEnded => {
            super::observe(
                state,
                Crm::Salesforce,
                "canvas: a signed request whose session Salesforce no longer accepts",
            )
            .await;
            return Err(ContextError::Expired.into());
        }
    };
    if !may_read {
        return Err(EmbedError::NoSuchRecord);
    }
    let found = Salesforce.opportunity(state, &org, &opportunity_id).await?;
    let location = found.site?;
    let context = VerifiedContext {
        account_id: org,
        user_id: user,
        opportunity: Opportunity { id: found.id, name: found.name, location },
    };
    let target_origin = request
        .client
        .target_origin
        .as_deref()
        .and_then(signed_request::origin_of)
        .ok_or(ContextError::Incomplete("the signed request names no target origin"))?;
    let mut frame_origins = config.frame_origins.clone();
    frame_origins.extend(request.host_origins().into_iter().filter(|o| !config.frame_origins.contains(o)));
    Ok(FramedPage {
        context,
        host_origins: vec![target_origin],
        frame_origins,
        host_id: embed_ticket::host_id(request.client.instance_id.as_deref().unwrap_or_default()),
        theme: super::embed::Theme::Light,
        surface: super::embed::Surface::Panel,
        whole_design: None,
    })
}

/// What Salesforce says of a canvas request's user and record.
enum Access {
    /// The session it carries is alive (or it carries none, observed apart); whether the
    /// user may read the record.
    Live(bool),
    /// Its liveness could not be asked (userinfo refused other than as expired); whether
    /// the user may read the record.
    Unchecked(bool),
    /// Salesforce no longer accepts the session, or it is another user's or org's.
    SessionEnded,
}

/// Whether two Salesforce ids name the same record: the 18-character form adds a
/// case-insensitive suffix to the 15-character one.
fn same_id(a: &str, b: &str) -> bool {
    a == b || a.get(..15).is_some_and(|short| b.get(..15) == Some(short))
}

/// The org's client.
fn client(state: &AppState) -> Result<SalesforceClient, AccessError> {
    let config = settings(state).ok_or(AccessError::NotConfigured)?;
    Ok(SalesforceClient::new(state.http.clone(), config))
}

/// Runs `call` with the org's tokens (see [`super::tokens::with_fresh_tokens`]): Salesforce
/// states no lifetime for them, so they are renewed when it refuses them (its session
/// expired), and the call is made once more.
async fn with_tokens<T, F, Fut>(state: &AppState, org: &str, call: F) -> Result<T, AccessError>
where
    F: Fn(SalesforceClient, OAuthTokens) -> Fut,
    Fut: Future<Output = Result<T, CrmError>>,
{
    let client = client(state)?;
    let renew = |tokens: OAuthTokens| {
        let client = client.clone();
        async move { client.refresh(&tokens).await }
    };
    super::tokens::with_fresh_tokens(state, Crm::Salesforce, org, 0, renew, |tokens| call(client.clone(), tokens)).await
}

/// A SOQL datetime literal (UTC) for `seconds` since the epoch.
fn soql_datetime(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `CreatedDate` as Salesforce writes it (`2026-11-30T21:00:00.000+0000`) as a SOQL literal.
fn soql_datetime_of(created: &str) -> Option<String> {
    let parsed = chrono::DateTime::parse_from_str(created, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(created))
        .ok()?;
    Some(soql_datetime(parsed.timestamp()))
}

/// This worker's Salesforce settings, when it has them.
pub fn settings(state: &AppState) -> Option<&SalesforceSettings> {
    state.config.crms.get(Crm::Salesforce)
}

#[async_trait]
impl CrmIntegration for Salesforce {
    fn crm(&self) -> Crm {
        Crm::Salesforce
    }

    fn read_settings(&self, env: &Env<'_>) -> Result<Option<Box<dyn Settings>>, ConfigError> {
        Ok(super::boxed(SalesforceSettings::from_env(env)?))
    }

    fn record_visibility(&self) -> &'static str {
        "Salesforce's sharing: before a record opens, the worker asks Salesforce whether that user may read it (UserRecordAccess)."
    }

    fn setup_guide(&self) -> super::SetupGuide {
        // https://developer.salesforce.com/docs/atlas.en-us.platform_connect.meta/platform_connect/canvas_framework_intro.htm
        super::SetupGuide {
            install: &[
                "A Salesforce admin installs the Aurora Solar package from AppExchange into the org.",
                "The admin assigns the permission set Aurora Solar User to the users who create projects, and pre-authorizes them for the app.",
                "The admin then chooses Get It Now on the listing again (or opens the app's install link from the listing) and allows the app to use Salesforce on the org's behalf: the app's settings open.",
                "In the settings, link your Aurora tenant (below).",
            ],
            place: &[
                "Open an Opportunity, choose the gear and Edit Page, and drag the Aurora Solar component onto the page in Lightning App Builder. Save and activate.",
                "It shows in a card titled Aurora Solar, like the page's other components.",
            ],
            fields_written: "The Opportunity fields Aurora System Size (kW), Aurora Annual Production (kWh), Aurora Offset (%), Aurora Project URL, Aurora Design Status and Aurora System Price, installed with the package.",
            uninstall: &[
                "In the app's settings, choose Uninstall and confirm: the app forgets the org and ends its access.",
                "Then, in Salesforce Setup, open Installed Packages and uninstall Aurora Solar. The Opportunity fields go with the package.",
            ],
        }
    }

    fn host_adapter(&self) -> HostAdapter {
        // The Canvas SDK's postMessage protocol.
        HostAdapter::Canvas
    }

    /// Canvas POSTs a signed request (form `signed_request`) to the canvas URL: verified
    /// and spent here. Never logged: it carries the user's Salesforce session.
    async fn open_embed(&self, state: &AppState, load: PageLoad<'_>) -> Result<Opened, EmbedError> {
        if load.is_page_get() && load.query_as::<CanvasGet>().is_ok_and(|get| get.user_approval.is_some()) {
            super::observe(state, Crm::Salesforce, "canvas: a GET with _sfdc_canvas_auth (a rep not pre-authorized)")
                .await;
            return Err(EmbedError::UserNotAuthorized(NOT_PRE_AUTHORIZED.into()));
        }
        if load.door.is_some() || load.method != http::Method::POST {
            return Err(if load.is_page_get() { ContextError::Missing.into() } else { load.refusal() });
        }
        let post: CanvasPost = load.form()?;
        Ok(Opened::Page(open_canvas(state, post.signed_request.trim(), load.now).await?))
    }

    fn frame_origins(&self, state: &AppState) -> Vec<String> {
        settings(state).map(|c| c.frame_origins.clone()).unwrap_or_default()
    }

    fn authorize_url(&self, state: &AppState, signed_state: &str, code_challenge: &str) -> Result<String, AccessError> {
        Ok(client(state)?.authorize_url(signed_state, SCOPES, code_challenge))
    }

    async fn exchange_code(
        &self,
        state: &AppState,
        code: &str,
        code_verifier: &str,
        _now: i64,
    ) -> Result<Exchanged, AccessError> {
        let (tokens, identity) = client(state)?.exchange_code(code, code_verifier).await?;
        Ok(Exchanged { tokens, account_id: Some(identity.organization_id), user_id: Some(identity.user_id) })
    }

    /// An admin is a user with Modify All Data.
    async fn consent(&self, state: &AppState, tokens: &OAuthTokens) -> Result<Consent, AccessError> {
        let client = client(state)?;
        let me = client.user_info(tokens).await?;
        Ok(Consent {
            may_install: client.is_admin(tokens).await?,
            account_name: client.organization_name(tokens).await?,
            account_id: me.organization_id,
            user_id: me.user_id,
            user_name: me.name,
        })
    }

    async fn give_back(&self, state: &AppState, tokens: &OAuthTokens) -> Result<(), AccessError> {
        Ok(client(state)?.revoke(&tokens.refresh_token).await?)
    }

    async fn still_admin(&self, state: &AppState, account_id: &str, user_id: &str) -> Result<bool, AccessError> {
        with_tokens(state, account_id, |client, tokens| async move {
            let me = client.user_info(&tokens).await?;
            Ok(me.organization_id == account_id && me.user_id == user_id && client.is_admin(&tokens).await?)
        })
        .await
    }

    /// Salesforce has no signed webhook for new records: the org is polled, from now on
    /// (called at install and when automatic projects are switched on).
    async fn start_listening(&self, state: &AppState, account_id: &str) -> Result<(), AccessError> {
        let now = state.now();
        crm_polls::start(state.db(), Crm::Salesforce, account_id, &soql_datetime(now), now).await?;
        Ok(())
    }

    async fn is_listening(&self, state: &AppState, account_id: &str) -> Result<bool, AccessError> {
        Ok(crm_polls::is_started(state.db(), Crm::Salesforce, account_id).await?)
    }

    async fn opportunity(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CrmOpportunity, AccessError> {
        if !signed_request::is_record_id(opportunity_id, "006") {
            return Err(CrmError::Refused { status: 404, message: "not an Opportunity id".into() }.into());
        }
        let installation =
            installations::find(state.db(), Crm::Salesforce, account_id).await?.ok_or(AccessError::NotAuthorized)?;
        // Each source in the admin's order, until one has an address (or coordinates).
        let mut first = None;
        for source in super::site_order(SITE_SOURCES, installation.site_source.as_deref()) {
            let prefix = address_of(Some(source.key));
            let id = opportunity_id.to_owned();
            let read = with_tokens(state, account_id, |client, tokens| {
                let id = id.clone();
                async move { client.opportunity(&tokens, &id, prefix).await }
            })
            .await;
            let found = match read {
                // An org without Person Accounts has no `PersonMailing` fields.
                Err(AccessError::Crm(CrmError::Refused { status: 400, .. })) if prefix == "PersonMailing" => continue,
                read => {
                    read?.ok_or_else(|| CrmError::Refused { status: 404, message: "no such Opportunity".into() })?
                }
            };
            let account = found.account.as_ref().map(|a| client::AccountAddress::read(a, prefix)).unwrap_or_default();
            let site = match (account.one_line(), account.latitude, account.longitude) {
                (Some(address), _, _) => Some(Location::Address { property_address: address }),
                (None, Some(latitude), Some(longitude)) => Some(Location::Coordinates { latitude, longitude }),
                _ => None,
            };
            if let Some(site) = site {
                return Ok(CrmOpportunity { id: found.id, name: found.name, site: Ok(site) });
            }
            first.get_or_insert((found.id, found.name));
        }
        let (id, name) =
            first.ok_or_else(|| CrmError::Refused { status: 404, message: "no such Opportunity".into() })?;
        Ok(CrmOpportunity { id, name, site: Err(ContextError::Incomplete(super::NO_SITE)) })
    }

    async fn write_figures(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        figures: &DesignFigures,
    ) -> Result<(), AccessError> {
        let prefix = &settings(state).ok_or(AccessError::NotConfigured)?.field_prefix;
        let body = serde_json::json!({
            format!("{prefix}{}", fields::SYSTEM_SIZE_KW): figures.aurora_system_size_kw,
            format!("{prefix}{}", fields::ANNUAL_PRODUCTION_KWH): figures.aurora_annual_production_kwh,
            format!("{prefix}{}", fields::OFFSET_PERCENT): figures.aurora_offset_percent,
            format!("{prefix}{}", fields::PROJECT_URL): figures.aurora_project_url,
            format!("{prefix}{}", fields::DESIGN_STATUS): DESIGN_READY,
            format!("{prefix}{}", fields::SYSTEM_PRICE): figures.aurora_system_price,
        });
        let mut body = body;
        if let (Some(amount), Some(fields)) = (figures.deal_amount, body.as_object_mut()) {
            // The Opportunity's own Amount (a standard Currency field).
            fields.insert("Amount".into(), amount.into());
        }
        let id = opportunity_id.to_owned();
        with_tokens(state, account_id, |client, tokens| {
            let (body, id) = (body.clone(), id.clone());
            async move { client.update_opportunity(&tokens, &id, &body).await }
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
        let (id, description) = (opportunity_id.to_owned(), activity.text());
        let date = chrono::DateTime::from_timestamp(activity.at, 0).unwrap_or_default().format("%Y-%m-%d").to_string();
        with_tokens(state, account_id, |client, tokens| {
            let (id, subject, description, date) =
                (id.clone(), activity.subject.clone(), description.clone(), date.clone());
            async move { client.log_task(&tokens, &id, &subject, &description, &date).await }
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
        let id = opportunity_id.to_owned();
        with_tokens(state, account_id, |client, tokens| {
            let id = id.clone();
            async move { client.upload_file(&tokens, &id, &document.title, &document.file_name, &document.bytes).await }
        })
        .await
    }

    async fn stages(&self, state: &AppState, account_id: &str) -> Result<Vec<CrmStage>, AccessError> {
        let stages =
            with_tokens(state, account_id, |client, tokens| async move { client.stages(&tokens).await }).await?;
        Ok(stages
            .into_iter()
            .map(|stage| CrmStage {
                id: stage.api_name,
                label: stage.label,
                // Sales processes pick among the org's stages per record type; one list here.
                pipeline: "opportunity".into(),
                pipeline_label: "Opportunity stages".into(),
                order: stage.sort_order.unwrap_or(i64::MAX),
                closed: stage.is_closed,
            })
            .collect())
    }

    async fn opportunity_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
    ) -> Result<CurrentStage, AccessError> {
        let id = opportunity_id.to_owned();
        let stage = with_tokens(state, account_id, |client, tokens| {
            let id = id.clone();
            async move { client.opportunity_stage(&tokens, &id).await }
        })
        .await?;
        Ok(CurrentStage { stage_id: stage.unwrap_or_default(), closed: false })
    }

    async fn set_stage(
        &self,
        state: &AppState,
        account_id: &str,
        opportunity_id: &str,
        stage: &CrmStage,
    ) -> Result<(), AccessError> {
        let (id, body) = (opportunity_id.to_owned(), serde_json::json!({ "StageName": stage.id }));
        with_tokens(state, account_id, |client, tokens| {
            let (id, body) = (id.clone(), body.clone());
            async move { client.update_opportunity(&tokens, &id, &body).await }
        })
        .await
    }

    fn verify_webhook(
        &self,
        _state: &AppState,
        _headers: &HeaderMap,
        _body: &[u8],
        _now: i64,
    ) -> Result<Vec<CrmDelivery>, CrmWebhookError> {
        // Nothing from Salesforce is trusted at this door: new Opportunities are polled.
        Err(CrmWebhookError::NotConfigured)
    }

    fn polls_new_opportunities(&self) -> bool {
        true
    }

    fn site_sources(&self) -> &'static [SiteSource] {
        SITE_SOURCES
    }

    async fn poll_new_opportunities(
        &self,
        state: &AppState,
        account_id: &str,
        cursor: &str,
    ) -> Result<(Vec<CrmDelivery>, String), AccessError> {
        // The cursor is the second last read and the last id read within it: a second
        // holding more than a page (a bulk import) is read page by page by id, never
        // pinned. A cursor from before ids were kept reads its whole second again.
        let (at, after_id) = cursor.split_once('/').unwrap_or((cursor, ""));
        let (at, after_id) = (at.to_owned(), after_id.to_owned());
        let (found, next) = with_tokens(state, account_id, |client, tokens| {
            let (at, after_id) = (at.clone(), after_id.clone());
            async move {
                let same_second = client.opportunities_created_at(&tokens, &at, &after_id).await?;
                if same_second.len() >= client::POLL_PAGE {
                    let last = same_second.last().map(|o| o.id.clone()).unwrap_or_default();
                    return Ok((same_second, format!("{at}/{last}")));
                }
                let later = client.opportunities_created_after(&tokens, &at).await?;
                // Later seconds start from their first id: the newest second may hold more
                // than this page showed of it, and reading it again costs only duplicates.
                let newest = later.iter().filter_map(|o| soql_datetime_of(&o.created_date)).max();
                let next = match (newest, same_second.last()) {
                    (Some(newest), _) => newest,
                    (None, Some(last)) => format!("{at}/{}", last.id),
                    (None, None) if after_id.is_empty() => at.clone(),
                    (None, None) => format!("{at}/{after_id}"),
                };
                Ok((same_second.into_iter().chain(later).collect::<Vec<_>>(), next))
            }
        })
        .await?;
        let mut deliveries = Vec::new();
        for opportunity in found {
            if !signed_request::is_record_id(&opportunity.id, "006") {
                continue;
            }
            deliveries.push(CrmDelivery {
                // The same Opportunity seen by two polls is one delivery.
                delivery_id: format!("opportunity-created:{}", opportunity.id),
                account_id: account_id.to_owned(),
                payload_json: serde_json::json!({ "Id": opportunity.id, "CreatedDate": opportunity.created_date })
                    .to_string(),
                event: CrmEventKind::OpportunityCreated { opportunity_id: opportunity.id },
            });
        }
        Ok((deliveries, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_dates_become_soql_literals() {
        assert_eq!(soql_datetime_of("2026-11-30T21:00:05.000+0000").as_deref(), Some("2026-11-30T21:00:05Z"));
        assert_eq!(soql_datetime_of("2026-11-30T22:00:05.000+0100").as_deref(), Some("2026-11-30T21:00:05Z"));
        assert_eq!(soql_datetime_of("2026-11-30T21:00:05Z").as_deref(), Some("2026-11-30T21:00:05Z"));
        assert_eq!(soql_datetime_of("yesterday"), None);
        assert_eq!(soql_datetime(1_796_072_405), "2026-11-30T21:00:05Z");
    }
}
