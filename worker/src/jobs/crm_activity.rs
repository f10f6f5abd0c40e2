//! The sale's events on the opportunity's timeline in its CRM: queued once per event
//! (`storage::crm_activities`), written in the CRM's own form (`CrmIntegration::
//! add_activity`), retried while the CRM fails and dead (shown on the admin's health
//! section) when it refuses. A CRM call that succeeded but whose answer was lost may be
//! sent again by the retry: a second entry on the timeline, never a lost one.

use super::{Kind, Outcome};
use crate::{
    AppState,
    crm::{AccessError, CrmError, SaleActivity},
    ids::OpportunityKey,
    storage::{StorageError, crm_activities},
};

/// The sale's events, as a CRM's timeline says them (figures in US English: the CRM shows
/// the text as written, to every user of the account).
pub mod said {
    use crate::crm::SaleActivity;
    use aurora_api::{Agreement, sale::LenderStage};
    use widget_api::{Change, DesignView, SoldDesign};
    use widget_view::{components, format};

    fn activity(subject: String, lines: Vec<String>, aurora_url: &str, at: i64) -> SaleActivity {
        SaleActivity { subject, lines, aurora_url: aurora_url.to_owned(), at }
    }

    /// A design's figures in one line, and its price in another.
    fn figures(design: &DesignView) -> Vec<String> {
        let production = design.production.as_ref();
        let parts: Vec<String> = [
            design.system_size_stc.map(format::kilowatts),
            production.and_then(|p| p.annual).map(|a| format!("{} per year", format::kilowatt_hours(a))),
            production.and_then(|p| p.offset_percent).map(|o| format!("{} offset", format::percent(o))),
        ]
        .into_iter()
        .flatten()
        .collect();
        let price = design
            .price
            .as_ref()
            .and_then(|p| Some(format!("Price {}", format::money(p.system_cost?, p.currency.as_deref()))));
        [(!parts.is_empty()).then(|| parts.join(" · ")), price].into_iter().flatten().collect()
    }

    /// A design is ready.
    pub fn design_ready(design: &DesignView, aurora_url: &str, at: i64) -> SaleActivity {
        activity("Aurora: design ready".into(), figures(design), aurora_url, at)
    }

    /// The design shown is not the one sold: a change order.
    pub fn drift(
        sold: &SoldDesign,
        changes: &[Change],
        currency: Option<&str>,
        aurora_url: &str,
        at: i64,
    ) -> SaleActivity {
        let mut lines = vec![format!("Sold on {}. What changed since:", format::date(&sold.sold_at))];
        lines.extend(changes.iter().map(|change| {
            let (what, moved) = components::change_words(change, currency);
            format!("{what}: {moved}")
        }));
        activity("Aurora: the design changed since it was sold".into(), lines, aurora_url, at)
    }

    /// An agreement's status changed (with the design as sold, once signed).
    pub fn agreement(agreement: &Agreement, sold: Option<&DesignView>, aurora_url: &str, at: i64) -> SaleActivity {
        let status = components::agreement_words(&agreement.status);
        let mut lines: Vec<String> = agreement.template_name.iter().map(|t| format!("Agreement: {t}")).collect();
        if let Some(sold) = sold {
            lines.extend(figures(sold));
        }
        activity(format!("Aurora: agreement {}", status.to_lowercase()), lines, aurora_url, at)
    }

    /// A lender's application moved.
    pub fn lender(
        stage: Option<LenderStage>,
        word: &str,
        provider: Option<&str>,
        aurora_url: &str,
        at: i64,
    ) -> SaleActivity {
        let status = stage.map_or_else(|| word.to_owned(), |s| components::lender_words(s).to_owned());
        let lender = provider.map(format::proper_name).map(|p| format!("Lender: {p}"));
        let lines = [lender, Some(format!("The lender says: {word}"))].into_iter().flatten().collect();
        activity(format!("Aurora: financing {}", status.to_lowercase()), lines, aurora_url, at)
    }

    /// The project reached a milestone.
    pub fn milestone(stage: &str, aurora_url: &str, at: i64) -> SaleActivity {
        activity(format!("Aurora: milestone {}", format::label(stage).to_lowercase()), Vec::new(), aurora_url, at)
    }
}

/// The opportunity's project in Aurora's web app (empty before it has one).
pub async fn project_url(state: &AppState, key: &OpportunityKey) -> Result<String, StorageError> {
    let project = crate::storage::projects::find(state.db(), key).await?.and_then(|p| p.aurora_project_id);
    Ok(project.map(|id| aurora_api::hosts::project_app_url(&state.config.aurora.base_url, &id)).unwrap_or_default())
}

/// What writing an activity is, for the admin.
const TIMELINE: &str = "Writing to the timeline of";

/// Queues `activity` (what happened: `activity_key`, unique per event) for the
/// opportunity's CRM and writes it now; nothing when the installation cannot write
/// (added from the command line, or its CRM not configured here) or the event's activity
/// was queued before.
pub async fn queue(
    state: &AppState,
    key: &OpportunityKey,
    activity_key: &str,
    activity: &SaleActivity,
) -> Result<(), StorageError> {
    if super::writing_installation(state, key).await?.is_none() {
        return Ok(());
    }
    let json = serde_json::to_string(activity).map_err(|e| StorageError::Decode(e.to_string()))?;
    if crm_activities::enqueue(state.db(), key, activity_key, &json, state.now()).await? {
        let mut job = key.job_key();
        job.push(activity_key.to_owned());
        // Already in the background: written now, retried by the sweep if that fails.
        Box::pin(super::run_now(state, Kind::CrmActivity, job)).await;
    }
    Ok(())
}

/// Writes the activity queued under `key` (`crm`, `account_id`, `opportunity_id`,
/// `activity_key`).
pub async fn run(state: &AppState, key: &[String]) -> Outcome {
    let (opportunity, activity_key) = match key.split_last() {
        Some((activity_key, opportunity)) => match OpportunityKey::from_job_key(opportunity) {
            Ok(opportunity) => (opportunity, activity_key),
            Err(why) => return Outcome::GiveUp(why),
        },
        None => return Outcome::GiveUp("an empty key".into()),
    };
    let queued = match crm_activities::find(state.db(), &opportunity, activity_key).await {
        Ok(Some(queued)) => queued,
        Ok(None) => return Outcome::GiveUp("the activity's record is gone".into()),
        Err(error) => return Outcome::Retry(error.to_string()),
    };
    let activity: SaleActivity = match serde_json::from_str(&queued.activity_json) {
        Ok(activity) => activity,
        Err(error) => return Outcome::GiveUp(format!("an unreadable activity: {error}")),
    };
    let integration = opportunity.crm.integration();
    match integration.add_activity(state, &opportunity.account_id, &opportunity.opportunity_id, &activity).await {
        Ok(()) => {
            tracing::info!(opportunity = %opportunity.external_provider_id(), activity = %activity_key, "activity written to the CRM");
            Outcome::Done
        }
        Err(error @ AccessError::Crm(CrmError::Refused { .. })) => {
            super::tell_admin(state, &opportunity, TIMELINE, &error).await;
            Outcome::GiveUp(error.to_string())
        }
        Err(error) => {
            if !error.is_transient() {
                super::tell_admin(state, &opportunity, TIMELINE, &error).await;
            }
            Outcome::Retry(error.to_string())
        }
    }
}
