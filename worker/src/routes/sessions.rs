use super::Json;
use crate::{
    AppState,
    crm::{self, ContextError},
    error::ApiError,
    storage::{installations, opportunities},
    widget_token,
};
use axum::extract::State;
use secrecy::ExposeSecret;
use widget_api::{SessionRequest, SessionResponse};

/// `POST /v1/sessions`: verifies the CRM's signed context with the CRM app's client
/// secret, checks the account installed the app, records the opportunity, and answers with a widget token and what the widget
/// needs for its first paint.
pub async fn create_session(
    State(state): State<AppState>,
    Json(request): Json<SessionRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let now = state.now();
    let context = match request.crm.as_str() {
        "demo" => {
            let Some(demo) = state.config.demo_crm.as_ref() else {
                return Err(ContextError::UnknownCrm("demo".into()).into());
            };
            let context =
                crm::demo::verify_demo_context(&request.context, demo.client_secret.expose_secret().as_bytes(), now)?;
            installations::find(state.db.as_ref(), "demo", &context.account_id)
                .await?
                .ok_or(ContextError::NotInstalled)?;
            context
        }
        other => return Err(ContextError::UnknownCrm(other.chars().take(40).collect()).into()),
    };
    opportunities::record_seen(state.db.as_ref(), &request.crm, &context.account_id, &context.opportunity, now as i64)
        .await?;
    let token = widget_token::mint(
        &request.crm,
        &context.account_id,
        &context.user_id,
        &context.opportunity.id,
        state.config.signing_secret.expose_secret().as_bytes(),
        now,
    );
    tracing::info!(account = %context.account_id, opportunity = %context.opportunity.id, "session opened");
    let key = crate::storage::projects::OpportunityKey {
        crm: request.crm.clone(),
        account_id: context.account_id.clone(),
        opportunity_id: context.opportunity.id.clone(),
    };
    let state = crate::projects::opportunity_state(&state, &key).await?;
    Ok(Json(SessionResponse {
        token,
        expires_in: widget_token::LIFETIME_SECONDS,
        opportunity: context.opportunity,
        state,
    }))
}
