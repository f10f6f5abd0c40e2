//! `/v1/opportunities/{id}`: the widget's view of its one opportunity, and its create button.

use super::SharedState;
use super::{Json, Path, WidgetSession};
use crate::{error::ApiError, projects, rendered_states};
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use widget_api::OpportunityState;

/// A token opens exactly one opportunity: the path must name it.
fn check_opportunity(session: &WidgetSession, id: &str) -> Result<(), ApiError> {
    if session.0.opportunity_id == id { Ok(()) } else { Err(ApiError::WrongOpportunity) }
}

/// `GET /v1/opportunities/{id}`: the opportunity's state, with an ETag; 304 when the
/// widget's `If-None-Match` still matches. Rendered once per version (see `rendered_states`).
pub async fn state(
    State(state): State<SharedState>,
    session: WidgetSession,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_opportunity(&session, &id)?;
    let current = rendered_states::current(&state, &projects::key_of(&session.0)).await?;
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if headers.get(header::IF_NONE_MATCH).is_some_and(|tags| current.matches(tags.as_bytes())) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, current.etag), cache]).into_response());
    }
    Ok((
        [(header::ETAG, current.etag), cache, (header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
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
