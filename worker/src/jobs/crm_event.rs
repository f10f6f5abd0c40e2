//! Running one of a CRM's events. With automatic projects on, a new opportunity is read
//! from the CRM's API (the event carries its id; the site comes from the CRM itself) and
//! gets its Aurora project through the very path the rep's button takes
//! ([`crate::projects::create`]: claimed first, so never twice).

use super::Outcome;
use crate::{
    AppState,
    crm::{Crm, CrmEventKind},
    ids::OpportunityKey,
    projects::{self, ProjectError},
    storage::{crm_events, installations, opportunities},
};
use widget_api::{Opportunity, OpportunityState};

/// What became of a verified delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded, and its work started.
    Fresh,
    /// Seen before (the CRM's retry, or a second poll): nothing more.
    Duplicate,
    /// The account has no installation (any more): ignored.
    NotInstalled,
}

/// Records a verified delivery (a webhook's, or a poll's) and starts its work: a delivery
/// id seen before does nothing. "Acknowledged means never lost": the record is written
/// before anyone is told it was received.
pub async fn record_delivery(
    state: &AppState,
    crm: Crm,
    delivery: crate::crm::CrmDelivery,
    now: i64,
) -> Result<Recorded, crate::storage::StorageError> {
    let db = state.db();
    if installations::find(db, crm, &delivery.account_id).await?.is_none() {
        return Ok(Recorded::NotInstalled);
    }
    let event = crm_events::CrmEvent {
        crm,
        // Scoped by the account: a CRM's delivery ids are unique at best per account
        // (HubSpot's eventId is not even that; a Pipedrive company's admins can read its
        // webhook password and post any id), so one account's delivery never passes for
        // another's repeat.
        delivery_id: format!("{}/{}", delivery.account_id, delivery.delivery_id),
        account_id: delivery.account_id,
        // A tagged enum of strings: serializing it cannot fail.
        event: serde_json::to_string(&delivery.event).unwrap_or_default(),
        payload_json: delivery.payload_json,
    };
    let fresh = crm_events::record(db, &event, now).await?;
    installations::record_crm_webhook(db, crm, &event.account_id, now).await?;
    if !fresh {
        tracing::info!(delivery = %event.delivery_id, "CRM delivery seen before; ignored");
        return Ok(Recorded::Duplicate);
    }
    super::spawn(state, super::Kind::CrmEvent, event.job_key());
    Ok(Recorded::Fresh)
}

/// Runs the delivery recorded under `key` (`crm`, `delivery_id`).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let [crm, delivery_id] = key else { return Outcome::GiveUp(format!("not a CRM event key: {key:?}")) };
    let event = match crm_events::find(state.db(), crm, delivery_id).await {
        Ok(Some(event)) => event,
        Ok(None) => return Outcome::GiveUp("the delivery's record is gone".into()),
        Err(error) => return Outcome::Retry(error.to_string()),
    };
    match serde_json::from_str::<CrmEventKind>(&event.event) {
        Ok(CrmEventKind::OpportunityCreated { opportunity_id }) => {
            opportunity_created(state, event.crm, &event.account_id, &opportunity_id).await
        }
        Ok(CrmEventKind::Other { .. }) => Outcome::Done,
        Err(error) => Outcome::GiveUp(format!("unreadable event: {error}")),
    }
}

/// Tells the installation's admin why nothing happened (the event itself is done).
async fn refused(state: &AppState, crm: Crm, account_id: &str, reason: String) -> Outcome {
    tracing::info!(account = account_id, %reason, "CRM event not acted on");
    match installations::record_error(state.db(), crm, account_id, &reason, state.now()).await {
        Ok(_) => Outcome::Done,
        Err(error) => Outcome::Retry(error.to_string()),
    }
}

async fn opportunity_created(state: &AppState, crm: Crm, account_id: &str, opportunity_id: &str) -> Outcome {
    match installations::find(state.db(), crm, account_id).await {
        Ok(Some(installation)) if installation.auto_create => {}
        Ok(_) => return Outcome::Done,
        Err(error) => return Outcome::Retry(error.to_string()),
    }
    let not_created =
        |why: &dyn std::fmt::Display| format!("Opportunity {opportunity_id} was not created in Aurora: {why}");
    let read = match crm.integration().opportunity(state, account_id, opportunity_id).await {
        Ok(read) => read,
        Err(error) if error.is_transient() => return Outcome::Retry(error.to_string()),
        Err(error) => return refused(state, crm, account_id, not_created(&error)).await,
    };
    let opportunity = match read.site {
        Ok(location) => Opportunity { id: read.id, name: read.name, location },
        Err(error) => return refused(state, crm, account_id, not_created(&error)).await,
    };
    if let Err(error) = opportunities::record_seen(state.db(), crm, account_id, &opportunity, state.now()).await {
        return Outcome::Retry(error.to_string());
    }
    let key = OpportunityKey { crm, account_id: account_id.to_owned(), opportunity_id: opportunity.id.clone() };
    match projects::create(state, &key).await {
        // Under way: its claim has a recheck of its own (see `project_recheck`).
        Ok(OpportunityState::Creating) => Outcome::Done,
        // Only a person can tell whether the earlier attempt created it (see `projects`).
        Ok(OpportunityState::CreateFailed { code, message, .. }) if code == projects::RECONCILE_FORBIDDEN => {
            refused(state, crm, account_id, not_created(&message)).await
        }
        Ok(OpportunityState::CreateFailed { retryable: true, message, .. }) => Outcome::Retry(message),
        Ok(OpportunityState::CreateFailed { message, .. }) => {
            refused(state, crm, account_id, not_created(&message)).await
        }
        Ok(_) => {
            tracing::info!(opportunity = %key.external_provider_id(), "Aurora project created automatically");
            Outcome::Done
        }
        Err(error @ (ProjectError::Unavailable(_) | ProjectError::Storage(_))) => Outcome::Retry(error.to_string()),
        Err(error) => refused(state, crm, account_id, not_created(&error)).await,
    }
}
