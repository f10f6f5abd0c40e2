//! `POST /v1/sessions`: a widget session for a CRM's signed context, for a widget that
//! brings one itself; and [`open`], which every session goes through, the embed page's too
//! (it opens its session while rendering, and inlines the answer).

use super::Json;
use super::SharedState;
use crate::{
    AppState,
    crm::{ContextError, Crm, VerifiedContext},
    error::ApiError,
    ids::OpportunityKey,
    projects,
    storage::{installations, opportunities},
    widget_token,
};
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use widget_api::{SessionRequest, SessionResponse};

pub async fn create_session(
    State(state): State<SharedState>,
    Json(request): Json<SessionRequest>,
) -> Result<Response, ApiError> {
    let crm = Crm::parse(&request.crm)?;
    let integration = crm.integration();
    if !integration.is_configured(&state) {
        return Err(ContextError::UnknownCrm(crm.as_str().into()).into());
    }
    let context = integration.verify_context(&state, &request.context, state.now())?;
    Ok(answer(open(&state, crm, context).await?))
}

/// A session as JSON, never stored by a cache on the way: it holds a bearer token.
pub fn answer(session: SessionResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Json(session)).into_response()
}

/// Opens the widget's session for a context its CRM verified: the account must have
/// installed the app; the opportunity is recorded as the CRM vouched for it; the answer is
/// a widget token and where the opportunity stands. The embed page opens its session here
/// too, and inlines the answer into the page it renders.
pub async fn open(state: &AppState, crm: Crm, context: VerifiedContext) -> Result<SessionResponse, ApiError> {
    let now = state.now();
    installations::find(state.db(), crm, &context.account_id).await?.ok_or(ContextError::NotInstalled)?;
    opportunities::record_seen(state.db(), crm, &context.account_id, &context.opportunity, now).await?;
    let key = state.widget_token_key();
    let token = widget_token::mint(crm, &context.account_id, &context.user_id, &context.opportunity.id, &key, now);
    tracing::info!(account = %context.account_id, opportunity = %context.opportunity.id, "session opened");
    let key = OpportunityKey { crm, account_id: context.account_id, opportunity_id: context.opportunity.id.clone() };
    let opportunity_state = projects::opportunity_state(state, &key).await?;
    Ok(SessionResponse {
        token,
        expires_in: widget_token::LIFETIME_SECONDS.unsigned_abs(),
        opportunity: context.opportunity,
        state: opportunity_state,
    })
}
