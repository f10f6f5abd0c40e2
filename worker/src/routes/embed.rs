//! The doors a CRM's frame opens the widget through: `/embed/{crm}` (the widget's page)
//! and a CRM's own doors below it (`/embed/hubspot/card`), CRM-blind. The CRM's
//! integration verifies the load ([`CrmIntegration::open_embed`]: Salesforce's Canvas
//! POST, Pipedrive's panel JWT, HubSpot's signed card call); this module composes what it
//! opens with where the opportunity stands and answers the page or the card's JSON.
//!
//! [`CrmIntegration::open_embed`]: crate::crm::CrmIntegration::open_embed

use super::{Path, SharedState};
use crate::{
    AppState,
    crm::{
        ContextError, Crm, DesignFigures, VerifiedContext,
        embed::{FramedPage, Modal, Opened, PageLoad},
        embed_ticket,
    },
    error::{ApiError, HtmlError},
    ids::OpportunityKey,
    projects,
    storage::designs,
};
use axum::{
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, Method, Uri, header},
    response::{Html, IntoResponse, Response},
};
use serde::Serialize;
use widget_api::OpportunityState;

/// The widget's host page. Static but for attribute values the worker chooses: a signed
/// context in the URL stays there and the widget reads it from there, so nothing from the
/// query is ever echoed into HTML.
const EMBED_PAGE: &str = include_str!("../../../www/embed.html");

/// The wasm, fetched as the page starts: a preload, for every CRM's page without a frame
/// init script. A CRM's init script (Pipedrive's) preloads the wasm itself once it has run:
/// a preload in the HTML would be found by the browser's preload scanner, and requested,
/// before any script ran.
const WASM_PRELOAD: &str = "<link rel=\"preload\" href=\"/widget/aurora_crm_widget_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n  ";

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
    match integration.open_embed(state, load).await {
        Ok(Opened::Page(page)) => Ok(embed_page(state, crm, page)),
        Ok(Opened::Card { context, modal }) => Ok(super::Json(card(state, crm, context, modal).await?).into_response()),
        Err(error) if door.is_some() || error.is_malformed_request() => Err(error.into()),
        // The rep sees why in the frame.
        Err(error) => Ok(HtmlError::of_crm(crm)(error).into_response()),
    }
}

/// The widget's page for `crm`, with an embed ticket for a context verified on the load.
fn embed_page(state: &AppState, crm: Crm, page: FramedPage) -> Response {
    let frame_ancestors = page.frame_origins.join(" ");
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {frame_ancestors}"
    );
    let integration = crm.integration();
    let boot = match integration.frame_init_script() {
        Some(src) => format!("<script src=\"{src}\"></script>\n  "),
        None => WASM_PRELOAD.to_owned(),
    };
    // Each value is safe in a double-quoted attribute: our constants, configured origins,
    // a JWT, a filtered host id.
    let ticket = page.context.map(|context| embed_ticket::mint(state, crm, context, state.now())).unwrap_or_default();
    let html = EMBED_PAGE
        .replace("{{CRM}}", crm.as_str())
        .replace("{{HOST_ADAPTER}}", integration.host_adapter().as_str())
        .replace("{{HOST_ORIGINS}}", &page.host_origins.join(" "))
        .replace("{{CONTEXT}}", &ticket)
        .replace("{{HOST_ID}}", &page.host_id)
        .replace("{{HOST_BOOT}}", &boot);
    (
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Html(html),
    )
        .into_response()
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
    /// The widget in a modal (HubSpot: `actions.openIframeModal(widget)`).
    pub widget: ModalPayload,
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
    /// The widget's page, the ticket in its fragment.
    pub uri: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// The modal's title.
    pub title: String,
}

/// A card's answer: where the verified opportunity stands, its figures when its design is
/// ready, and the modal with an embed ticket in the page's fragment (`#t=`, which the
/// widget reads and drops from the address).
async fn card(state: &AppState, crm: Crm, context: VerifiedContext, modal: Modal) -> Result<CardAnswer, ApiError> {
    let key =
        OpportunityKey { crm, account_id: context.account_id.clone(), opportunity_id: context.opportunity.id.clone() };
    let current = projects::opportunity_state(state, &key).await?;
    let figures = match &current {
        OpportunityState::DesignReady { aurora_url, .. } => designs::find(state.db(), &key)
            .await?
            .and_then(|design| serde_json::from_str::<aurora_api::DesignSummary>(&design.summary_json).ok())
            .map(|summary| DesignFigures::of(&summary, aurora_url)),
        _ => None,
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
        widget: ModalPayload {
            uri: format!("{}#t={ticket}", modal.page_url),
            width: modal.width,
            height: modal.height,
            title: modal.title,
        },
    })
}
