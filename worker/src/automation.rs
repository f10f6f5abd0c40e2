//! What the CRM's webhooks set off: with automatic creation on, a new opportunity gets
//! its Aurora project through the very path the rep's button takes
//! ([`crate::projects::create`]: claimed first, so never twice).

use crate::{
    AppState,
    crm::demo::webhook::CrmOpportunity,
    error::ApiError,
    installs::OPPORTUNITY_CREATED,
    projects,
    storage::{
        StorageError,
        crm_events::{self, CrmEvent},
        installations, opportunities,
        projects::OpportunityKey,
    },
    sweeper::retry_delay_seconds,
};
use widget_api::OpportunityState;

/// How processing one delivery ended.
enum Outcome {
    /// Nothing more to do (created, or nothing to create).
    Done,
    /// Done, but the admin should know why nothing happened.
    Refused(String),
    /// Try again later.
    Retry(String),
}

/// Processes one recorded delivery; records the outcome.
pub async fn process(state: &AppState, event: &CrmEvent) {
    let now = state.now() as i64;
    let db = state.db.as_ref();
    let outcome = match event.event.as_str() {
        OPPORTUNITY_CREATED => opportunity_created(state, event).await,
        other => Ok(Outcome::Refused(format!("unknown CRM event {other}"))),
    };
    let recorded = match outcome {
        Ok(Outcome::Done) => crm_events::mark_processed(db, &event.crm, &event.delivery_id, now).await,
        Ok(Outcome::Refused(reason)) => {
            tracing::info!(delivery = %event.delivery_id, %reason, "CRM event not acted on");
            let noted = installations::record_error(db, &event.crm, &event.account_id, &reason, now).await;
            match noted {
                Ok(_) => crm_events::mark_processed(db, &event.crm, &event.delivery_id, now).await,
                Err(error) => Err(error),
            }
        }
        Ok(Outcome::Retry(reason)) => {
            let at = now + retry_delay_seconds(event.attempts);
            tracing::warn!(delivery = %event.delivery_id, %reason, "CRM event will be retried");
            crm_events::mark_failed(db, &event.crm, &event.delivery_id, &reason, at).await
        }
        Err(error) => {
            let at = now + retry_delay_seconds(event.attempts);
            crm_events::mark_failed(db, &event.crm, &event.delivery_id, &error.to_string(), at).await
        }
    };
    if let Err(error) = recorded {
        tracing::error!(delivery = %event.delivery_id, %error, "could not record a CRM event's outcome");
    }
}

async fn opportunity_created(state: &AppState, event: &CrmEvent) -> Result<Outcome, StorageError> {
    let db = state.db.as_ref();
    let Some(installation) = installations::find(db, &event.crm, &event.account_id).await? else {
        return Ok(Outcome::Done);
    };
    if installation.auto_create == 0 {
        return Ok(Outcome::Done);
    }
    let crm_opportunity: CrmOpportunity =
        serde_json::from_str(&event.payload_json).map_err(|e| StorageError::Decode(e.to_string()))?;
    let opportunity = match crm_opportunity.to_opportunity() {
        Ok(opportunity) => opportunity,
        Err(error) => {
            return Ok(Outcome::Refused(format!(
                "Opportunity {} was not created in Aurora: {error}",
                crm_opportunity.id
            )));
        }
    };
    opportunities::record_seen(db, &event.crm, &event.account_id, &opportunity, state.now() as i64).await?;
    let key = OpportunityKey {
        crm: event.crm.clone(),
        account_id: event.account_id.clone(),
        opportunity_id: opportunity.id.clone(),
    };
    let refused = |message: String| {
        Ok(Outcome::Refused(format!("Opportunity {} was not created in Aurora: {message}", opportunity.id)))
    };
    match projects::create(state, &key).await {
        Ok(OpportunityState::Creating) => {
            Ok(Outcome::Retry("the project's creation has an unknown outcome; checking again".into()))
        }
        Ok(OpportunityState::CreateFailed { retryable: true, message, .. }) => Ok(Outcome::Retry(message)),
        Ok(OpportunityState::CreateFailed { message, .. }) => refused(message),
        Ok(_) => {
            tracing::info!(opportunity = %key.external_provider_id(), "Aurora project created automatically");
            Ok(Outcome::Done)
        }
        Err(ApiError::Storage(error)) => Err(error),
        Err(error @ ApiError::AuroraUnavailable(_)) => Ok(Outcome::Retry(error.to_string())),
        Err(error) => refused(error.to_string()),
    }
}

/// Processes every due CRM event once. Returns how many it looked at.
pub async fn sweep(state: &AppState, batch: i64) -> Result<usize, StorageError> {
    let due = crm_events::due(state.db.as_ref(), state.now() as i64, batch).await?;
    for event in &due {
        process(state, event).await;
    }
    Ok(due.len())
}
