//! The page a CRM puts in its iframe: `GET /embed/{crm}` (CRMs that sign a context into
//! the URL; Pipedrive's panel token is verified on the load) and `POST /embed/salesforce`
//! (Salesforce Canvas, which POSTs a signed request).

use super::SharedState;
use super::{Form, Path};
use crate::{
    crm::{ContextError, Crm, embed_ticket::OpenedEmbed, hubspot, pipedrive, salesforce},
    error::{ApiError, HtmlError},
};
use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;

/// The widget's host page. Static but for attribute values the worker chooses: a signed
/// context in the URL stays there and the widget reads it from there, so nothing from the
/// query is ever echoed into HTML.
const EMBED_PAGE: &str = include_str!("../../../www/embed.html");

/// The wasm, fetched as the page starts: a preload, for every CRM's page without a frame
/// init script. A CRM's init script (Pipedrive's) preloads the wasm itself once it has run:
/// a preload in the HTML would be found by the browser's preload scanner, and requested,
/// before any script ran.
const WASM_PRELOAD: &str = "<link rel=\"preload\" href=\"/widget/aurora_crm_widget_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n  ";

/// What the page tells the widget, each safe in a double-quoted attribute (checked by
/// whoever builds it: our constants, configured origins, a JWT, a filtered host id).
struct EmbedPage<'a> {
    crm: Crm,
    host_origins: &'a [String],
    frame_origins: &'a [String],
    context: &'a str,
    host_id: &'a str,
}

impl EmbedPage<'_> {
    fn into_response(self) -> Response {
        let frame_ancestors = self.frame_origins.join(" ");
        let csp = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
             frame-ancestors {frame_ancestors}"
        );
        let integration = self.crm.integration();
        let boot = match integration.frame_init_script() {
            Some(src) => format!("<script src=\"{src}\"></script>\n  "),
            None => WASM_PRELOAD.to_owned(),
        };
        let page = EMBED_PAGE
            .replace("{{CRM}}", self.crm.as_str())
            .replace("{{HOST_ADAPTER}}", integration.host_adapter())
            .replace("{{HOST_ORIGINS}}", &self.host_origins.join(" "))
            .replace("{{CONTEXT}}", self.context)
            .replace("{{HOST_ID}}", self.host_id)
            .replace("{{HOST_BOOT}}", &boot);
        (
            [
                (header::CONTENT_SECURITY_POLICY, csp),
                (header::REFERRER_POLICY, "no-referrer".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            Html(page),
        )
            .into_response()
    }
}

/// `GET /embed/{crm}?context=...`: the widget's host page, frameable only by the CRM's
/// origins, telling the widget which host adapter speaks to its frame. For Pipedrive the
/// page load carries the proof (`?token=`): verified here, it becomes an embed ticket.
///
/// A request that names no CRM of ours (or one this worker is not configured for), or a
/// malformed query, gets our JSON error; a Pipedrive load whose proof does not open the
/// widget gets a page saying why, which the rep sees in the panel.
pub async fn embed_page(
    State(state): State<SharedState>,
    Path(crm): Path<String>,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let crm = Crm::parse(&crm)?;
    // A CRM this worker has no settings for frames nowhere.
    if !crm.integration().is_configured(&state) {
        return Err(ContextError::UnknownCrm(crm.as_str().to_owned()).into());
    }
    if crm == Crm::Pipedrive {
        let axum::extract::Query(query) = axum::extract::Query::<pipedrive::PanelQuery>::try_from_uri(&uri)
            .map_err(|rejection| ApiError::InvalidQuery(rejection.body_text()))?;
        return Ok(match pipedrive::open_panel(&state, &query, state.now()).await {
            Ok(opened) => opened_page(crm, &opened),
            Err(error) => HtmlError::of_crm(Crm::Pipedrive)(error).into_response(),
        });
    }
    let origins = crm.integration().frame_origins(&state);
    Ok(EmbedPage { crm, host_origins: &origins, frame_origins: &origins, context: "", host_id: "" }.into_response())
}

fn opened_page(crm: Crm, opened: &OpenedEmbed) -> Response {
    EmbedPage {
        crm,
        host_origins: &opened.host_origins,
        frame_origins: &opened.frame_origins,
        context: &opened.ticket,
        host_id: &opened.host_id,
    }
    .into_response()
}

/// `POST /embed/hubspot/card`: the deal card's `hubspot.fetch`, verified as HubSpot signed
/// it; answers the card's status, figures and the widget's modal.
pub async fn hubspot_card(
    State(state): State<SharedState>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<super::Json<hubspot::card::CardAnswer>, ApiError> {
    let body = body.map_err(|_| ApiError::BodyTooLarge)?;
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path());
    Ok(super::Json(hubspot::card::answer(&state, path_and_query, &headers, &body, state.now()).await?))
}

/// The Canvas POST's form.
#[derive(Deserialize)]
pub struct CanvasPost {
    signed_request: String,
}

/// `POST /embed/salesforce` (form `signed_request`): verified and spent, the embed page
/// answered with an embed ticket for the widget's session. Never logged: the signed
/// request carries the user's Salesforce session.
pub async fn canvas(
    State(state): State<SharedState>,
    Path(crm): Path<String>,
    Form(post): Form<CanvasPost>,
) -> Result<Response, ApiError> {
    let crm = Crm::parse(&crm)?;
    if crm != Crm::Salesforce {
        return Err(ApiError::MethodNotAllowed);
    }
    Ok(match salesforce::open_canvas(&state, post.signed_request.trim(), state.now()).await {
        Ok(opened) => opened_page(crm, &opened),
        // The rep sees why in the canvas frame.
        Err(error) => HtmlError::of_crm(Crm::Salesforce)(error).into_response(),
    })
}
