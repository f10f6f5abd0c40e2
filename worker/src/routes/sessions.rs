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

/// Opens the widget's session for a context its CRM verified ([`admit`]), answered with
/// where the opportunity stands: what a widget that brings its own context, or renews its
/// session, receives.
pub async fn open(state: &AppState, crm: Crm, context: VerifiedContext) -> Result<SessionResponse, ApiError> {
    let admitted = admit(state, crm, context).await?;
    let opportunity_state = projects::opportunity_state(state, &admitted.key).await?;
    Ok(SessionResponse {
        token: admitted.token,
        expires_in: widget_token::LIFETIME_SECONDS.unsigned_abs(),
        opportunity: admitted.opportunity,
        state: opportunity_state,
    })
}

/// A session admitted: its widget token, for the opportunity under `key`.
pub struct Admitted {
    /// The widget token.
    pub token: String,
    /// The opportunity, as the CRM vouched for it.
    pub opportunity: widget_api::Opportunity,
    /// Where its rows are.
    pub key: OpportunityKey,
}

/// Admits a context its CRM verified: the account must have installed the app; the
/// opportunity is recorded as the CRM vouched for it; a widget token is minted. The embed
/// page admits its session here and renders the opportunity's screen itself.
pub async fn admit(state: &AppState, crm: Crm, context: VerifiedContext) -> Result<Admitted, ApiError> {
    let now = state.now();
    installations::find(state.db(), crm, &context.account_id).await?.ok_or(ContextError::NotInstalled)?;
    opportunities::record_seen(state.db(), crm, &context.account_id, &context.opportunity, now).await?;
    let secret = state.widget_token_key();
    let token = widget_token::mint(crm, &context.account_id, &context.user_id, &context.opportunity.id, &secret, now);
    tracing::info!(account = %context.account_id, opportunity = %context.opportunity.id, "session opened");
    let key = OpportunityKey { crm, account_id: context.account_id, opportunity_id: context.opportunity.id.clone() };
    Ok(Admitted { token, opportunity: context.opportunity, key })
}
