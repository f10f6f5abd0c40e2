//! The design shown for each opportunity (`designs`): the newest simulation wins, whatever
//! the order Aurora's webhooks arrived in.

use super::{Database, StorageError, query_as};
use crate::ids::OpportunityKey;
use serde::Deserialize;

/// How a design's performance simulation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimulationStatus {
    /// The figures are there.
    Succeeded,
    /// The designer has to fix something in Aurora.
    Failed,
}

impl SimulationStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SimulationStatus::Succeeded => "succeeded",
            SimulationStatus::Failed => "failed",
        }
    }

    /// Aurora's webhook `status`, when it is one of ours.
    pub fn parse(status: &str) -> Option<Self> {
        match status {
            "succeeded" => Some(SimulationStatus::Succeeded),
            "failed" => Some(SimulationStatus::Failed),
            _ => None,
        }
    }
}

/// A stored design.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DesignRecord {
    /// Aurora's design id.
    pub aurora_design_id: String,
    /// How its simulation ended.
    pub simulation_status: SimulationStatus,
    /// `aurora_api::DesignSummary` as JSON.
    pub summary_json: String,
    /// The order of simulations (unix milliseconds), and the design's date when Aurora's
    /// summary had none.
    pub designed_at_ms: i64,
}

/// A design to store for an opportunity.
pub struct NewDesign<'a> {
    /// Aurora's design id.
    pub design_id: &'a str,
    /// How its simulation ended.
    pub simulation_status: SimulationStatus,
    /// The order of simulations: the design's `created_at` as unix milliseconds (or when
    /// we received it, when Aurora did not date it).
    pub designed_at_ms: i64,
    /// `aurora_api::DesignSummary` as JSON.
    pub summary_json: &'a str,
}

/// Stores a design for an opportunity unless a newer simulation is already stored: the
/// newest `designed_at_ms` wins; an equal one (the same design re-read) replaces.
pub async fn store(
    db: &dyn Database,
    key: &OpportunityKey,
    design: &NewDesign<'_>,
    now: i64,
) -> Result<bool, StorageError> {
    let changed = db
        .execute(
            "INSERT INTO designs (crm, account_id, opportunity_id, aurora_design_id, simulation_status, designed_at_ms, \
             summary_json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (crm, account_id, opportunity_id) DO UPDATE SET aurora_design_id = excluded.aurora_design_id, \
             simulation_status = excluded.simulation_status, designed_at_ms = excluded.designed_at_ms, \
             summary_json = excluded.summary_json, updated_at = excluded.updated_at \
             WHERE excluded.designed_at_ms >= designs.designed_at_ms",
            &[
                key.crm.as_str().into(),
                key.account_id.as_str().into(),
                key.opportunity_id.as_str().into(),
                design.design_id.into(),
                design.simulation_status.as_str().into(),
                design.designed_at_ms.into(),
                design.summary_json.into(),
                now.into(),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// The design shown for an opportunity, if any.
pub async fn find(db: &dyn Database, key: &OpportunityKey) -> Result<Option<DesignRecord>, StorageError> {
    let rows: Vec<DesignRecord> = query_as(
        db,
        "SELECT aurora_design_id, simulation_status, summary_json, designed_at_ms FROM designs \
         WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3",
        &[key.crm.as_str().into(), key.account_id.as_str().into(), key.opportunity_id.as_str().into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}
