//! Running one project recheck: the claim of an attempt that may have died, or that ended
//! with an unknown outcome, is resumed ([`crate::projects::resume`]: reconciled with
//! Aurora before anything is created again).

use super::Outcome;
use crate::{AppState, ids::OpportunityKey, projects};
use widget_api::OpportunityState;

/// Rechecks the project of the opportunity `key` (`crm`, `account_id`, `opportunity_id`).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let key = match OpportunityKey::from_job_key(key) {
        Ok(key) => key,
        Err(why) => return Outcome::GiveUp(why),
    };
    match projects::resume(state, &key).await {
        // An attempt still holds a live claim: look again later.
        Ok(OpportunityState::Creating) => Outcome::Retry("the project is still being created".into()),
        Ok(_) => Outcome::Done,
        Err(error) if error.is_transient() => Outcome::Retry(error.to_string()),
        Err(error) => Outcome::GiveUp(error.to_string()),
    }
}
