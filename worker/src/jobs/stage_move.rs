//! Moving an opportunity's stage in its CRM for a step of the sale, forward only
//! ([`crate::stages::decide`]): decided when it runs, against the stage the opportunity
//! has then and the CRM's stages then, so a person's move in between is respected.

use super::{Kind, Outcome};
use crate::{
    AppState,
    crm::{AccessError, CrmError},
    ids::OpportunityKey,
    stages::{Decision, SaleStep, StageMap, decide},
    storage::{StorageError, installations, stage_moves},
};

/// What moving a stage is, for the admin.
const STAGE: &str = "Moving the stage of";

/// Queues the move `step` asks of the opportunity, when its installation's admin mapped
/// `step` to a stage (and the installation can write to its CRM), and makes it now.
pub async fn queue(state: &AppState, key: &OpportunityKey, step: SaleStep) -> Result<(), StorageError> {
    let Some(installation) = super::writing_installation(state, key).await? else { return Ok(()) };
    if StageMap::read(installation.stage_map_json.as_deref()).stage_for(step).is_none() {
        return Ok(());
    }
    if stage_moves::enqueue(state.db(), key, step.as_str(), state.now()).await? {
        let mut job = key.job_key();
        job.push(step.as_str().to_owned());
        Box::pin(super::run_now(state, Kind::StageMove, job)).await;
    }
    Ok(())
}

/// Makes the move queued under `key` (`crm`, `account_id`, `opportunity_id`, `step`).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let Some((step, opportunity)) = key.split_last() else { return Outcome::GiveUp("an empty key".into()) };
    let (opportunity, step) = match (OpportunityKey::from_job_key(opportunity), SaleStep::parse(step)) {
        (Ok(opportunity), Some(step)) => (opportunity, step),
        (Err(why), _) => return Outcome::GiveUp(why),
        (_, None) => return Outcome::GiveUp(format!("no such step of a sale: {step}")),
    };
    let installation = match installations::find(state.db(), opportunity.crm, &opportunity.account_id).await {
        Ok(Some(installation)) => installation,
        Ok(None) => return Outcome::GiveUp("the installation is gone".into()),
        Err(error) => return Outcome::Retry(error.to_string()),
    };
    // The admin's choice as it is now (they may have changed it since).
    let map = StageMap::read(installation.stage_map_json.as_deref());
    let Some(target) = map.stage_for(step) else { return Outcome::Done };
    let crm = opportunity.crm.integration();
    let (account, id) = (opportunity.account_id.as_str(), opportunity.opportunity_id.as_str());
    let moved = async {
        let stages = crm.stages(state, account).await?;
        let current = crm.opportunity_stage(state, account, id).await?;
        let decision = decide(&stages, &current, target);
        if let Decision::Move(stage) = &decision {
            crm.set_stage(state, account, id, stage).await?;
        }
        Ok::<_, AccessError>((decision, current))
    };
    match moved.await {
        Ok((decision, current)) => {
            tracing::info!(opportunity = %opportunity.external_provider_id(), step = step.as_str(), from = %current.stage_id, ?decision, "stage");
            Outcome::Done
        }
        Err(error @ AccessError::Crm(CrmError::Refused { .. })) => {
            super::tell_admin(state, &opportunity, STAGE, &error).await;
            Outcome::GiveUp(error.to_string())
        }
        Err(error) => {
            if !error.is_transient() {
                super::tell_admin(state, &opportunity, STAGE, &error).await;
            }
            Outcome::Retry(error.to_string())
        }
    }
}
