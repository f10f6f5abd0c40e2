use super::Json;
use crate::{AppState, crm, error::ApiError};
use axum::extract::State;
use secrecy::ExposeSecret;
use widget_api::{SessionRequest, SessionResponse};

/// `POST /v1/sessions`: verifies the CRM's signed context and answers with what the
/// widget needs for its first paint.
pub async fn create_session(
    State(state): State<AppState>,
    Json(request): Json<SessionRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let context = match request.crm.as_str() {
        "demo" => crm::demo::verify_demo_context(
            &request.context,
            state.config.demo_crm_shared_secret.expose_secret().as_bytes(),
            state.now(),
        )?,
        other => return Err(crm::ContextError::UnknownCrm(other.chars().take(40).collect()).into()),
    };
    tracing::info!(account = %context.account_id, opportunity = %context.opportunity.id, "session opened");
    Ok(Json(SessionResponse { opportunity: context.opportunity }))
}
