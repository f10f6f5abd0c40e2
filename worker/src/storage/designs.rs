//! The design shown for each opportunity (`designs`): the simulation that finished last
//! wins, whichever design it was of and whatever order the work ran in.

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
    /// When the design was made (unix milliseconds): Aurora's `created_at`, or when its
    /// simulation's webhook arrived when Aurora did not date it.
    pub designed_at_ms: i64,
    /// `aurora_api::DesignPricing` as JSON, where the tenant's plan provides prices.
    pub pricing_json: Option<String>,
}

impl DesignRecord {
    /// The design as the widget shows it: figures and price (its sale is added beside).
    pub fn view(&self) -> Result<widget_api::DesignView, StorageError> {
        let decode = |e: serde_json::Error| StorageError::Decode(e.to_string());
        let summary = serde_json::from_str(&self.summary_json).map_err(decode)?;
        let at = aurora_api::Timestamp::iso8601(
            chrono::DateTime::from_timestamp_millis(self.designed_at_ms).unwrap_or_default(),
        );
        let price = self.pricing_json.as_deref().map(serde_json::from_str).transpose().map_err(decode)?;
        Ok(widget_api::DesignView { price, ..widget_api::DesignView::from_summary(&summary, &at) })
    }
}

/// A design to store for an opportunity.
pub struct NewDesign<'a> {
    /// Aurora's design id.
    pub design_id: &'a str,
    /// How its simulation ended.
    pub simulation_status: SimulationStatus,
    /// When the design was made, unix milliseconds (see [`DesignRecord::designed_at_ms`]).
    pub designed_at_ms: i64,
    /// The order simulations finished in: the arrival of the delivery that reported it
    /// ([`super::aurora_events::RecordedEvent::arrival`]).
    pub simulation_order: i64,
    /// `aurora_api::DesignSummary` as JSON.
    pub summary_json: &'a str,
    /// `aurora_api::DesignPricing` as JSON, when Aurora priced it for this tenant.
    pub pricing_json: Option<&'a str>,
}

/// Stores a design for an opportunity unless a simulation that finished later is already
/// stored; the same simulation processed again replaces (it is the same design).
pub async fn store(
    db: &dyn Database,
    key: &OpportunityKey,
    design: &NewDesign<'_>,
    now: i64,
) -> Result<bool, StorageError> {
    let changed = db
        .execute(
            "INSERT INTO designs (crm, account_id, opportunity_id, aurora_design_id, simulation_status, designed_at_ms, \
             summary_json, updated_at, simulation_order, pricing_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT (crm, account_id, opportunity_id) DO UPDATE SET aurora_design_id = excluded.aurora_design_id, \
             simulation_status = excluded.simulation_status, designed_at_ms = excluded.designed_at_ms, \
             summary_json = excluded.summary_json, updated_at = excluded.updated_at, \
             simulation_order = excluded.simulation_order, pricing_json = excluded.pricing_json \
             WHERE excluded.simulation_order >= designs.simulation_order",
            &[
                key.crm.as_str().into(),
                key.account_id.as_str().into(),
                key.opportunity_id.as_str().into(),
                design.design_id.into(),
                design.simulation_status.as_str().into(),
                design.designed_at_ms.into(),
                design.summary_json.into(),
                now.into(),
                design.simulation_order.into(),
                design.pricing_json.into(),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// The design shown for an opportunity, if any.
pub async fn find(db: &dyn Database, key: &OpportunityKey) -> Result<Option<DesignRecord>, StorageError> {
    let rows: Vec<DesignRecord> = query_as(
        db,
        "SELECT aurora_design_id, simulation_status, summary_json, designed_at_ms, pricing_json FROM designs \
         WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3",
        &[key.crm.as_str().into(), key.account_id.as_str().into(), key.opportunity_id.as_str().into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}
