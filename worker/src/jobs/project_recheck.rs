//! Running one project recheck: the claim of an attempt that may have died, or that ended
//! with an unknown outcome, is resumed ([`crate::projects::resume`]: reconciled with
//! Aurora before anything is created again).

use super::Outcome;
use crate::{
    AppState,
    ids::{Crm, OpportunityKey},
    projects,
};
use widget_api::OpportunityState;

/// Rechecks the project of the opportunity `key` (`crm`, `account_id`, `opportunity_id`).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let [crm, account_id, opportunity_id] = key else {
        return Outcome::GiveUp(format!("not a project recheck key: {key:?}"));
    };
    let crm = match Crm::parse(crm) {
        Ok(crm) => crm,
        Err(error) => return Outcome::GiveUp(error.to_string()),
    };
    let key = OpportunityKey { crm, account_id: account_id.clone(), opportunity_id: opportunity_id.clone() };
    match projects::resume(state, &key).await {
        // An attempt still holds a live claim: look again later.
        Ok(OpportunityState::Creating) => Outcome::Retry("the project is still being created".into()),
        Ok(_) => Outcome::Done,
        Err(error) if error.is_transient() => Outcome::Retry(error.to_string()),
        Err(error) => Outcome::GiveUp(error.to_string()),
    }
}
