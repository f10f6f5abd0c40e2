//! `/v1/opportunities/{id}`: the widget's view of its one opportunity, and its create button.

use super::SharedState;
use super::{Json, Path, Query, WidgetSession};
use crate::{
    error::ApiError,
    projects,
    rendered_states::{self, Rendering},
};
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use widget_api::OpportunityState;
use widget_view::words::Surface;

/// A token opens exactly one opportunity: the path must name it.
fn check_opportunity(session: &WidgetSession, id: &str) -> Result<(), ApiError> {
    if session.0.opportunity_id == id { Ok(()) } else { Err(ApiError::WrongOpportunity) }
}

/// `GET /v1/opportunities/{id}`: the opportunity's state as JSON, for API clients, with an
/// ETag; 304 when `If-None-Match` still matches.
pub async fn state(
    State(state): State<SharedState>,
    session: WidgetSession,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    rendered(&state, &session, &id, Rendering::State, &headers).await
}

/// `GET /v1/opportunities/{id}/screen?surface=`: what the widget polls, the opportunity's
/// screen rendered in the rep's locale (their browser's `Accept-Language`, as on the page
/// load), the CRM's words and for the room its page has (`surface`, as the page named it),
/// with an ETag; 304 when the widget's `If-None-Match` still matches.
pub async fn screen(
    State(state): State<SharedState>,
    session: WidgetSession,
    Path(id): Path<String>,
    Query(query): Query<ScreenQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let locale = widget_view::format::Locale::from_tag(&super::embed::rep_locale(&headers));
    let surface = Surface::parse(query.surface.as_deref().unwrap_or_default());
    rendered(&state, &session, &id, Rendering::Screen { locale, surface }, &headers).await
}

/// The screen's query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ScreenQuery {
    /// `panel`, `summary` or `full`: a panel for anything else.
    #[serde(default)]
    surface: Option<String>,
}

/// `rendering` of the session's opportunity, rendered once per version (see
/// `rendered_states`), or 304.
async fn rendered(
    state: &crate::AppState,
    session: &WidgetSession,
    id: &str,
    rendering: Rendering,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    check_opportunity(session, id)?;
    let current = rendered_states::current(state, &projects::key_of(&session.0), rendering).await?;
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    // The screen is in the rep's locale, which their browser names on each request.
    let vary = (header::VARY, HeaderValue::from_static("Accept-Language"));
    if headers.get(header::IF_NONE_MATCH).is_some_and(|tags| current.matches(tags.as_bytes())) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, current.etag), cache, vary]).into_response());
    }
    Ok((
        [
            (header::ETAG, current.etag),
            cache,
            vary,
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ],
        current.body,
    )
        .into_response())
}

/// `POST /v1/opportunities/{id}/project`: creates the Aurora project, once. 200 with the
/// state once it exists, 202 while it is being created.
pub async fn create_project(
    State(state): State<SharedState>,
    session: WidgetSession,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<OpportunityState>), ApiError> {
    check_opportunity(&session, &id)?;
    let result = projects::create(&state, &projects::key_of(&session.0)).await?;
    let status = if result == OpportunityState::Creating { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(result)))
}
