//! `POST /v1/sessions`: the widget's first request. The CRM's signed context is verified by
//! its CRM's integration, the account must have installed the app, the opportunity is
//! recorded as the CRM vouched for it, and the answer carries a widget token and
//! everything the widget needs for its first paint.

use super::Json;
use super::SharedState;
use crate::{
    crm::{ContextError, Crm},
    error::ApiError,
    ids::OpportunityKey,
    projects,
    storage::{installations, opportunities},
    widget_token,
};
use axum::extract::State;
use widget_api::{SessionRequest, SessionResponse};

pub async fn create_session(
    State(state): State<SharedState>,
    Json(request): Json<SessionRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let now = state.now();
    let crm = Crm::parse(&request.crm)?;
    let integration = crm.integration();
    if !integration.is_configured(&state) {
        return Err(ContextError::UnknownCrm(crm.as_str().into()).into());
    }
    let context = integration.verify_context(&state, &request.context, now)?;
    installations::find(state.db(), crm, &context.account_id).await?.ok_or(ContextError::NotInstalled)?;
    opportunities::record_seen(state.db(), crm, &context.account_id, &context.opportunity, now).await?;
    let key = state.widget_token_key();
    let token = widget_token::mint(crm, &context.account_id, &context.user_id, &context.opportunity.id, &key, now);
    tracing::info!(account = %context.account_id, opportunity = %context.opportunity.id, "session opened");
    let key = OpportunityKey { crm, account_id: context.account_id, opportunity_id: context.opportunity.id.clone() };
    let opportunity_state = projects::opportunity_state(&state, &key).await?;
    Ok(Json(SessionResponse {
        token,
        expires_in: widget_token::LIFETIME_SECONDS.unsigned_abs(),
        opportunity: context.opportunity,
        state: opportunity_state,
    }))
}
