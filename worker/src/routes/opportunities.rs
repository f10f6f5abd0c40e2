//! `/v1/opportunities/{id}`: the widget's view of its one opportunity, and its create button.

use super::{Json, Path, WidgetSession};
use crate::{AppState, error::ApiError, projects};
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use widget_api::OpportunityState;

/// A token opens exactly one opportunity: the path must name it.
fn check_opportunity(session: &WidgetSession, id: &str) -> Result<(), ApiError> {
    if session.0.opportunity_id == id { Ok(()) } else { Err(ApiError::WrongOpportunity) }
}

/// A strong ETag of the state's JSON, so unchanged polls cost a 304 and no body.
fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..12]))
}

/// `GET /v1/opportunities/{id}`: the opportunity's state, with an ETag; 304 when the
/// widget's `If-None-Match` still matches.
pub async fn state(
    State(state): State<AppState>,
    session: WidgetSession,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_opportunity(&session, &id)?;
    let current = projects::opportunity_state(&state, &projects::key_of(&session.0)).await?;
    let body = serde_json::to_vec(&current).unwrap_or_default();
    let etag = etag_of(&body);
    let etag_header = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_header), cache]).into_response());
    }
    Ok((
        [(header::ETAG, etag_header), cache, (header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response())
}

/// `POST /v1/opportunities/{id}/project`: creates the Aurora project, once. 200 with the
/// state once it exists, 202 while it is being created.
pub async fn create_project(
    State(state): State<AppState>,
    session: WidgetSession,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<OpportunityState>), ApiError> {
    check_opportunity(&session, &id)?;
    let result = projects::create(&state, &projects::key_of(&session.0)).await?;
    let status = if result == OpportunityState::Creating { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(result)))
}
