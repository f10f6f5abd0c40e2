//! Where an opportunity stands with Aurora, and creating its project exactly once.
//!
//! Idempotency: the project row is claimed in storage BEFORE Aurora is called (one
//! atomic insert), so of any number of concurrent or repeated clicks exactly one calls
//! Aurora. An attempt whose outcome is unknown (timeout, dropped connection, 5xx) keeps
//! the claim; whoever takes over a stale claim first looks the project up by its
//! `external_provider_id`, so a worker restart mid-call cannot create a second project.

use crate::{
    AppState,
    error::ApiError,
    storage::{
        StorageError, installations, opportunities,
        projects::{self, OpportunityKey, ProjectRecord, status},
        webhooks as webhook_store,
    },
    webhooks::StoredSessionTokens,
    widget_token::WidgetClaims,
};
use aurora_api::{
    AuroraError, ProjectLocation, ProjectRequest, TenantId, hosts::project_app_url, validation::MAX_STRING_CHARS,
};
use widget_api::{DesignView, Location, OpportunityState};

/// A `creating` claim older than this belongs to an attempt that died. Longer than one
/// create call can take (10 s timeout, plus honouring a 429's Retry-After of up to 60 s).
pub const CLAIM_TIMEOUT_SECONDS: i64 = 120;

/// After an attempt ENDED with an unknown outcome and Aurora did not show the project
/// yet, how long until the next attempt may look again and create. The attempt is over,
/// so no request of ours is in flight; the wait gives Aurora's project listing time to
/// show a project the attempt may have created after all.
pub const RECHECK_AFTER_UNKNOWN_SECONDS: i64 = 30;

/// The opportunity a widget token is for.
pub fn key_of(claims: &WidgetClaims) -> OpportunityKey {
    OpportunityKey {
        crm: claims.crm.clone(),
        account_id: claims.account_id.clone(),
        opportunity_id: claims.opportunity_id.clone(),
    }
}

/// The tenant to create in, or the state that says why there is none.
async fn linked_tenant(state: &AppState, key: &OpportunityKey) -> Result<Result<TenantId, OpportunityState>, ApiError> {
    let installation = installations::find(state.db.as_ref(), &key.crm, &key.account_id)
        .await?
        .ok_or(crate::crm::ContextError::NotInstalled)?;
    let Some(tenant) = installation.aurora_tenant_id.as_deref().and_then(|t| TenantId::parse(t).ok()) else {
        return Ok(Err(OpportunityState::NotLinked));
    };
    if installation.app_enabled == 0 {
        return Ok(Err(OpportunityState::AppDisabled));
    }
    Ok(Ok(tenant))
}

async fn state_of(
    state: &AppState,
    key: &OpportunityKey,
    record: Option<&ProjectRecord>,
) -> Result<OpportunityState, ApiError> {
    Ok(match record {
        None => OpportunityState::NoProject,
        Some(r) if r.status == status::CREATED => {
            let project_id = r.aurora_project_id.clone().unwrap_or_default();
            let aurora_url = project_app_url(&state.config.aurora.base_url, &project_id);
            match webhook_store::find_design(state.db.as_ref(), key).await? {
                None => OpportunityState::AwaitingDesign { project_id, aurora_url },
                Some(design) if design.simulation_status == "succeeded" => OpportunityState::DesignReady {
                    design: Box::new(DesignView::from_summary(
                        &serde_json::from_str(&design.summary_json).map_err(|e| StorageError::Decode(e.to_string()))?,
                    )),
                    project_id,
                    aurora_url,
                },
                Some(design) => {
                    OpportunityState::SimulationFailed { project_id, aurora_url, design_id: design.aurora_design_id }
                }
            }
        }
        Some(r) if r.status == status::FAILED => OpportunityState::CreateFailed {
            code: r.error_code.clone().unwrap_or_default(),
            message: r.error_message.clone().unwrap_or_default(),
            retryable: r.retryable != 0,
        },
        Some(_) => OpportunityState::Creating,
    })
}

/// Where the opportunity stands now.
pub async fn opportunity_state(state: &AppState, key: &OpportunityKey) -> Result<OpportunityState, ApiError> {
    if let Err(unlinked) = linked_tenant(state, key).await? {
        return Ok(unlinked);
    }
    state_of(state, key, projects::find(state.db.as_ref(), key).await?.as_ref()).await
}

/// Aurora's project request for the opportunity, validated: a bad address or coordinate is
/// a 422 naming the field, before anything is claimed or sent.
async fn project_request(state: &AppState, key: &OpportunityKey) -> Result<ProjectRequest, ApiError> {
    let opportunity = opportunities::find(state.db.as_ref(), &key.crm, &key.account_id, &key.opportunity_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let location = match opportunity.location()? {
        Location::Address { property_address } => ProjectLocation::address(&property_address)?,
        Location::Coordinates { latitude, longitude } => ProjectLocation::coordinates(latitude, longitude)?,
    };
    // A long CRM name is cut rather than refused: the rep cannot fix it from here.
    let name: String = opportunity.name.chars().take(MAX_STRING_CHARS).collect();
    Ok(ProjectRequest::builder(location)
        .name(Some(&name))?
        .external_provider_id(Some(&key.external_provider_id()))?
        .build())
}

/// Creates the opportunity's Aurora project, once. Answers the resulting state.
pub async fn create(state: &AppState, key: &OpportunityKey) -> Result<OpportunityState, ApiError> {
    let tenant = match linked_tenant(state, key).await? {
        Ok(tenant) => tenant,
        Err(OpportunityState::AppDisabled) => return Err(ApiError::AppDisabled),
        Err(_) => return Err(ApiError::NotLinked),
    };
    let request = project_request(state, key).await?;
    let now = state.now() as i64;
    let db = state.db.as_ref();
    let reconcile = match projects::find(db, key).await? {
        None if projects::claim(db, key, &tenant.to_string(), now).await? => false,
        // Lost the race for a new claim: someone else is creating it.
        None => return state_of(state, key, projects::find(db, key).await?.as_ref()).await,
        Some(record) if record.status == status::CREATED => return state_of(state, key, Some(&record)).await,
        Some(record) if record.status == status::FAILED => {
            if !projects::take_over(db, key, status::FAILED, record.claimed_at, now).await? {
                return state_of(state, key, projects::find(db, key).await?.as_ref()).await;
            }
            // A failed attempt may still have reached Aurora (e.g. a 5xx after creating).
            true
        }
        Some(record) => {
            let stale = now - record.claimed_at > CLAIM_TIMEOUT_SECONDS;
            if !stale || !projects::take_over(db, key, status::CREATING, record.claimed_at, now).await? {
                return Ok(OpportunityState::Creating);
            }
            true
        }
    };
    attempt(state, key, tenant, &request, reconcile, now).await?;
    state_of(state, key, projects::find(db, key).await?.as_ref()).await
}

/// One attempt under our claim. Leaves the record created, failed, or (outcome unknown)
/// still claimed for a later takeover to reconcile.
async fn attempt(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
    request: &ProjectRequest,
    reconcile: bool,
    claimed_at: i64,
) -> Result<(), ApiError> {
    let db = state.db.as_ref();
    let now = state.now() as i64;
    if reconcile {
        match find_in_aurora(state, key, tenant).await {
            Ok(Some(project_id)) => return Ok(projects::mark_created(db, key, &project_id, now).await?),
            Ok(None) => {}
            Err(error) => {
                projects::mark_failed(db, key, "aurora_unavailable", &error.to_string(), true, now).await?;
                return Err(ApiError::AuroraUnavailable(error.to_string()));
            }
        }
    }
    let created = state
        .keys
        .with_key(&state.aurora, &StoredSessionTokens(state), tenant, now, |bearer| {
            let (aurora, request) = (state.aurora.clone(), request.clone());
            async move { aurora.create_project(&bearer, tenant, &request).await }
        })
        .await;
    match created {
        Ok(project) => {
            tracing::info!(%tenant, project = %project.id, external = %key.external_provider_id(), "Aurora project created");
            projects::mark_created(db, key, &project.id.to_string(), now).await?;
            Ok(())
        }
        Err(AuroraError::OutcomeUnknown(reason)) => {
            tracing::warn!(%tenant, external = %key.external_provider_id(), %reason, "project creation outcome unknown; reconciling");
            if let Ok(Some(project_id)) = find_in_aurora(state, key, tenant).await {
                projects::mark_created(db, key, &project_id, now).await?;
                return Ok(());
            }
            // Not visible (yet): keep the claim, backdated so that the next attempt (a
            // click, or the sweeper) looks it up again before creating, without waiting
            // the whole claim timeout meant for attempts still running.
            let backdated = state.now() as i64 - CLAIM_TIMEOUT_SECONDS + RECHECK_AFTER_UNKNOWN_SECONDS;
            projects::backdate_claim(db, key, claimed_at, backdated).await?;
            Ok(())
        }
        Err(error @ (AuroraError::Unprocessable(_) | AuroraError::BadRequest(_))) => {
            let message = format!("Aurora refused the project: {}", error.messages().join("; "));
            projects::mark_failed(db, key, "aurora_rejected", &message, false, now).await?;
            Err(ApiError::AuroraRejected(message))
        }
        Err(error) => {
            projects::mark_failed(db, key, "aurora_unavailable", &error.to_string(), true, now).await?;
            Err(ApiError::AuroraUnavailable(error.to_string()))
        }
    }
}

/// The project Aurora has for our `external_provider_id`, if any.
async fn find_in_aurora(
    state: &AppState,
    key: &OpportunityKey,
    tenant: TenantId,
) -> Result<Option<String>, AuroraError> {
    let external = key.external_provider_id();
    let found = state
        .keys
        .with_key(&state.aurora, &StoredSessionTokens(state), tenant, state.now() as i64, |bearer| {
            let (aurora, external) = (state.aurora.clone(), external.clone());
            async move { aurora.find_projects(&bearer, tenant, &external).await }
        })
        .await?;
    Ok(found
        .into_iter()
        .find(|p| p.external_provider_id.as_deref() == Some(external.as_str()))
        .map(|p| p.id.to_string()))
}
