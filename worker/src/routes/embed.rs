//! The doors a CRM's frame opens the widget through: `/embed/{crm}` (the widget's page)
//! and a CRM's own doors below it (`/embed/hubspot/card`), CRM-blind. The CRM's
//! integration verifies the load ([`CrmIntegration::open_embed`]: Salesforce's Canvas
//! POST, Pipedrive's panel JWT, HubSpot's signed card call); this module composes what it
//! opens with where the opportunity stands and answers the page or the card's JSON.
//!
//! [`CrmIntegration::open_embed`]: crate::crm::CrmIntegration::open_embed

use super::{Path, SharedState, sessions};
use crate::{
    AppState,
    crm::{
        ContextError, Crm, DesignFigures, VerifiedContext,
        embed::{FramedPage, Modal, Opened, PageLoad},
        embed_ticket,
    },
    error::{ApiError, HtmlError},
    ids::OpportunityKey,
    projects::{self, ProjectError},
    rendered_states::{self, Rendering},
    storage::{designs, opportunities},
};
use axum::{
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, Method, Uri, header},
    response::{Html, IntoResponse, Response},
};
use serde::Serialize;
use widget_api::{OpportunityState, ScreenAnswer};
use widget_view::format::Locale;

/// The widget's host page: the CRM's frame's settings, the screen the opportunity is on,
/// rendered, and the session it was rendered from (the widget takes over both).
const EMBED_PAGE: &str = include_str!("../../../www/embed.html");

/// `GET|POST /embed/{crm}`: the widget's page, as the CRM's integration opens it.
pub async fn page(
    State(state): State<SharedState>,
    Path(crm): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    open(&state, &crm, None, &method, &uri, &headers, body).await
}

/// `GET|POST /embed/{crm}/{door}`: a CRM's own door (HubSpot's card call).
pub async fn door(
    State(state): State<SharedState>,
    Path((crm, door)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    open(&state, &crm, Some(&door), &method, &uri, &headers, body).await
}

/// Hands the load to the CRM's integration and answers what it opened.
///
/// A request that names no CRM of ours (or one this worker is not configured for), or a
/// malformed one, gets our JSON error; a page load whose proof does not open the widget
/// gets a page saying why, which the rep sees in the frame; a card's call is JSON either way.
async fn open(
    state: &AppState,
    crm: &str,
    door: Option<&str>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let crm = Crm::parse(crm)?;
    let integration = crm.integration();
    // A CRM this worker has no settings for frames nowhere.
    if !integration.is_configured(state) {
        return Err(ContextError::UnknownCrm(crm.as_str().to_owned()).into());
    }
    let body = body.map_err(|_| ApiError::BodyTooLarge)?;
    let load = PageLoad {
        door,
        method,
        path_and_query: uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path()),
        headers,
        body: &body,
        now: state.now(),
    };
    // The widget renewing its session presents the CRM's fresh proof at the same door and
    // asks for the session itself, not the page (see `asks_for_session`).
    let session_only = door.is_none() && asks_for_session(headers);
    match integration.open_embed(state, load).await {
        Ok(Opened::Page(page)) if session_only => Ok(sessions::answer(sessions::open(state, crm, page.context).await?)),
        Ok(Opened::Page(page)) => Ok(embed_page(state, crm, page, headers).await),
        Ok(Opened::Card { context, modal, create }) => {
            Ok(super::Json(card(state, crm, context, modal, create).await?).into_response())
        }
        Err(error) if door.is_some() || session_only || error.is_malformed_request() => Err(error.into()),
        // The rep sees why in the frame.
        Err(error) => Ok(HtmlError::of_crm(crm)(error).into_response()),
    }
}

/// Whether a load at a page door asks for the widget's session as JSON (`Accept:
/// application/json`) rather than for the page: the widget renewing its session before its
/// token ends, with the proof its CRM gave it afresh (Salesforce's refreshed signed
/// request, Pipedrive's new panel token, the demo CRM's new context URL). The proof is
/// verified exactly as on a page load: one door, one check, two shapes of answer.
fn asks_for_session(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()).is_some_and(|accept| {
        accept.split(',').any(|kind| kind.split(';').next().unwrap_or_default().trim() == "application/json")
    })
}

/// The widget's page for `crm`, opened for the context verified on the load: its session
/// opened here (so the widget asks for nothing before its first paint), and the screen the
/// opportunity is on rendered by the widget's own components, in the rep's locale. The
/// wasm loads after the page has painted and takes the screen over (`www/embed.js`).
async fn embed_page(state: &AppState, crm: Crm, page: FramedPage, headers: &HeaderMap) -> Response {
    let session = match sessions::admit(state, crm, page.context).await {
        Ok(session) => session,
        Err(error) => return HtmlError::of_crm(crm)(error).into_response(),
    };
    let locale = Locale::from_tag(&rep_locale(headers));
    // The screen exactly as the widget's poll answers it (and kept for that poll), with
    // its ETag on the page: the widget's first poll is a 304.
    let surface = page.surface;
    let rendered = match rendered_states::current(state, &session.key, Rendering::Screen { locale, surface }).await {
        Ok(rendered) => rendered,
        Err(error) => return HtmlError::of_crm(crm)(error).into_response(),
    };
    let screen: ScreenAnswer = match serde_json::from_slice(&rendered.body) {
        Ok(screen) => screen,
        Err(error) => {
            return HtmlError::of_crm(crm)(crate::storage::StorageError::Decode(error.to_string())).into_response();
        }
    };
    let words = widget_view::words::Crm::from_name(crm.as_str());
    let templates = widget_view::words::with_crm(words, || {
        widget_view::words::with_surface(surface, || widget_view::page_templates(session.opportunity.clone(), locale))
    });
    let screen_etag = rendered.etag;
    let frame_ancestors = page.frame_origins.join(" ");
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {frame_ancestors}"
    );
    let integration = crm.integration();
    let boot = integration.frame_init_script().map(|src| format!("<script src=\"{src}\"></script>\n  "));
    // Attribute values are safe in double quotes (our constants, configured origins, a
    // filtered host id); the screen and templates are the renderer's escaped
    // HTML; the session is JSON that cannot close its script element. The session holds
    // what the widget keeps (`widget_api::SessionKeys`): the state is on the screen.
    let keys = serde_json::json!({
        "token": session.token,
        "expires_in": crate::widget_token::LIFETIME_SECONDS.unsigned_abs(),
        "opportunity": { "id": session.opportunity.id },
    });
    let session_json = keys.to_string().replace('<', "\\u003c");
    // The CRM's name of its surface for the whole design is the admin's (Developer Hub).
    let whole_design = html_escape::encode_double_quoted_attribute(page.whole_design.as_deref().unwrap_or_default());
    let html = fill(
        EMBED_PAGE,
        &[
            ("CRM", crm.as_str()),
            ("THEME", page.theme.as_str()),
            ("SURFACE", surface.as_str()),
            ("WHOLE_DESIGN", &whole_design),
            ("HOST_ADAPTER", integration.host_adapter().as_str()),
            ("HOST_ORIGINS", &page.host_origins.join(" ")),
            ("HOST_ID", &page.host_id),
            ("HOST_BOOT", boot.as_deref().unwrap_or_default()),
            ("SCREEN", &screen.html),
            ("SCREEN_ETAG", screen_etag.to_str().unwrap_or_default()),
            ("PENDING", if screen.pending { "true" } else { "false" }),
            ("TEMPLATES", &templates),
            ("SESSION", &session_json),
        ],
    );
    (
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::VARY, "Accept, Accept-Language".to_owned()),
        ],
        Html(html),
    )
        .into_response()
}

/// `template` with each `{{NAME}}` replaced by its value, in one pass: a value is never
/// read again for placeholders (an opportunity named `{{SESSION}}` stays its name).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after
            .find("}}")
            .and_then(|end| values.iter().find(|(name, _)| *name == &after[..end]).map(|v| (end, v.1)))
        {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The rep's locale, as their browser asks for pages (`Accept-Language`'s first tag): the
/// locale `Intl` would use in the same browser. Kept to what a BCP 47 tag is made of.
pub(super) fn rep_locale(headers: &HeaderMap) -> String {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .map(|tag| tag.split(';').next().unwrap_or_default().trim())
        .unwrap_or_default();
    let tag: String = first.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(35).collect();
    if tag.is_empty() { "en-US".to_owned() } else { tag }
}

/// What a card on the CRM's record page shows, and the modal it opens.
#[derive(Debug, Serialize, PartialEq)]
pub struct CardAnswer {
    /// The opportunity, as the CRM has it.
    pub deal: CardDeal,
    /// Where it stands with Aurora: the widget's state name (`design_ready`, `no_project`, ...).
    pub status: String,
    /// The key figures of a ready design.
    pub figures: Option<DesignFigures>,
    /// The design changed in Aurora after its simulation: the figures may be out of date.
    pub outdated: bool,
    /// Where the sale stands, in the rep's words.
    pub sale: CardSale,
    /// The widget in a modal (HubSpot: `actions.openIframeModal(widget)`).
    pub widget: ModalPayload,
}

/// The sale after the design, as a card says it: the agreement's status, the chosen
/// financing's lender, and what changed since the design was sold (one line each).
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct CardSale {
    /// "Signed", "Sent for signature", ...
    pub agreement: Option<String>,
    /// "Approved", "With the lender", ...
    pub financing: Option<String>,
    /// "System size: 8 kW → 7.2 kW", ...
    pub changed_since_sold: Vec<String>,
}

impl CardSale {
    fn of(sale: &widget_api::SaleView, currency: Option<&str>) -> Self {
        use widget_view::components::{agreement_words, change_words, lender_words};
        CardSale {
            agreement: sale.agreement.as_ref().map(|a| agreement_words(&a.status)),
            financing: sale.lender_news().map(|s| lender_words(s).to_owned()),
            changed_since_sold: sale
                .drift
                .iter()
                .map(|change| {
                    let (what, moved) = change_words(change, currency);
                    format!("{what}: {moved}")
                })
                .collect(),
        }
    }
}

/// The opportunity a card is on.
#[derive(Debug, Serialize, PartialEq)]
pub struct CardDeal {
    /// The CRM's id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A modal's payload, as `@hubspot/ui-extensions`' `openIframeModal` types it.
#[derive(Debug, Serialize, PartialEq)]
pub struct ModalPayload {
    /// The widget's page, the ticket in its query.
    pub uri: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// The modal's title.
    pub title: String,
}

/// A card's answer: where the verified opportunity stands, its figures when its design is
/// ready, and the modal with an embed ticket in the page's query (`?t=`, spent when the
/// modal's page loads).
async fn card(
    state: &AppState,
    crm: Crm,
    context: VerifiedContext,
    modal: Modal,
    create: bool,
) -> Result<CardAnswer, ApiError> {
    let key =
        OpportunityKey { crm, account_id: context.account_id.clone(), opportunity_id: context.opportunity.id.clone() };
    if create {
        // As the widget's button does: the opportunity as the CRM vouched for it now, then
        // its project, once. A refusal that is a state of the deal (not linked, turned off)
        // is answered as that state; anything else as our error.
        opportunities::record_seen(state.db(), crm, &context.account_id, &context.opportunity, state.now()).await?;
        match projects::create(state, &key).await {
            Ok(_) | Err(ProjectError::NotLinked | ProjectError::AppDisabled) => {}
            Err(error) => return Err(error.into()),
        }
    }
    let current = projects::opportunity_state(state, &key).await?;
    let outdated = matches!(&current, OpportunityState::DesignReady { design, .. }
        if design.production.as_ref().is_some_and(|production| !production.up_to_date));
    let figures = match &current {
        OpportunityState::DesignReady { aurora_url, design, .. } => designs::find(state.db(), &key)
            .await?
            .and_then(|stored| serde_json::from_str::<aurora_api::DesignSummary>(&stored.summary_json).ok())
            .map(|summary| DesignFigures::of(&summary, design.price.as_ref(), aurora_url)),
        _ => None,
    };
    let sale = match &current {
        // Figures in the card's words are the rep's locale's; these few are US English, as
        // the card's other words are.
        OpportunityState::DesignReady { design, .. } => {
            CardSale::of(&design.sale, design.price.as_ref().and_then(|p| p.currency.as_deref()))
        }
        _ => CardSale::default(),
    };
    // The state's wire name, as the widget reads it.
    let status = serde_json::to_value(&current)
        .ok()
        .and_then(|value| value.get("state").and_then(|name| name.as_str().map(str::to_owned)))
        .unwrap_or_default();
    let deal = CardDeal { id: context.opportunity.id.clone(), name: context.opportunity.name.clone() };
    let ticket = embed_ticket::mint(state, crm, context, state.now());
    Ok(CardAnswer {
        deal,
        status,
        figures,
        outdated,
        sale,
        widget: ModalPayload {
            uri: format!("{}?t={ticket}", modal.page_url),
            width: modal.width,
            height: modal.height,
            title: modal.title,
        },
    })
}
