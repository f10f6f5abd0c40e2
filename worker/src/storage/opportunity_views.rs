//! Everything an opportunity's state is made of, read in ONE query: its installation's
//! link, its project, its design and whether a CRM event is about to create its project.
//! The widget polls this every few seconds; one statement is one read transaction (three
//! were three, each taking SQLite's WAL locks: most of the poll's time on the native host).

use super::{
    Database, SqlValue, StorageError,
    designs::{DesignRecord, SimulationStatus},
    projects::ProjectStatus,
    query_as,
};
use crate::ids::OpportunityKey;
use serde::Deserialize;

/// The rows behind an opportunity's state, as read. Equal views render equal states.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OpportunityView {
    /// The installation's Aurora tenant, once an admin linked one.
    pub aurora_tenant_id: Option<String>,
    /// How the link was made (only some create projects and show designs).
    pub tenant_link: Option<super::installations::TenantLink>,
    /// Whether the tenant has our app enabled (Aurora's `app_status_changed`).
    #[serde(deserialize_with = "super::bool_from_integer")]
    pub app_enabled: bool,
    /// The project record's status, if there is a record.
    pub project_status: Option<ProjectStatus>,
    /// Aurora's project id, once created.
    pub aurora_project_id: Option<String>,
    /// Our error code, when creation failed.
    pub error_code: Option<String>,
    /// The reason for the rep, when creation failed.
    pub error_message: Option<String>,
    /// Whether trying again may work, when creation failed.
    #[serde(deserialize_with = "super::bool_from_integer")]
    pub retryable: bool,
    /// With no project record: whether the CRM's "opportunity created" event is still to
    /// be run (automatic projects), so the project is on its way.
    #[serde(deserialize_with = "super::bool_from_integer")]
    pub creation_pending: bool,
    aurora_design_id: Option<String>,
    simulation_status: Option<SimulationStatus>,
    summary_json: Option<String>,
    designed_at_ms: Option<i64>,
    pricing_json: Option<String>,
    agreement_json: Option<String>,
    financings_json: Option<String>,
    web_proposal_url: Option<String>,
    milestones_json: Option<String>,
    sold_json: Option<String>,
    /// The opportunity as its CRM last vouched for it (every session records it).
    opportunity_name: Option<String>,
    opportunity_location_json: Option<String>,
}

impl OpportunityView {
    /// The opportunity called `id`, as its CRM last vouched for it; `None` before any
    /// session recorded it.
    pub fn opportunity(&self, id: &str) -> Option<widget_api::Opportunity> {
        Some(widget_api::Opportunity {
            id: id.to_owned(),
            name: self.opportunity_name.clone()?,
            location: serde_json::from_str(self.opportunity_location_json.as_deref()?).ok()?,
        })
    }

    /// The sale after the design, as reported so far (empty before anything was).
    pub fn sale(&self) -> super::sales::SaleRecord {
        super::sales::SaleRecord {
            agreement_json: self.agreement_json.clone(),
            financings_json: self.financings_json.clone(),
            financings_design_id: None,
            web_proposal_url: self.web_proposal_url.clone(),
            milestones_json: self.milestones_json.clone().unwrap_or_else(|| "[]".to_owned()),
            sold_json: self.sold_json.clone(),
        }
    }

    /// The design shown for the opportunity, if any.
    pub fn design(&self) -> Option<DesignRecord> {
        Some(DesignRecord {
            aurora_design_id: self.aurora_design_id.clone()?,
            simulation_status: self.simulation_status?,
            summary_json: self.summary_json.clone()?,
            designed_at_ms: self.designed_at_ms?,
            pricing_json: self.pricing_json.clone(),
        })
    }
}

/// The view of `key`; `None` when its CRM account has not installed the app.
/// `created_event` is the CRM event that would create its project, as recorded.
pub async fn find(
    db: &dyn Database,
    key: &OpportunityKey,
    created_event: &str,
) -> Result<Option<OpportunityView>, StorageError> {
    let [crm, account, opportunity] = key.params();
    let params: [SqlValue; 4] = [crm, account, opportunity, created_event.into()];
    let rows = query_as(
        db,
        "SELECT i.aurora_tenant_id, i.tenant_link, i.app_enabled, \
         p.status AS project_status, p.aurora_project_id, p.error_code, p.error_message, \
         COALESCE(p.retryable, 0) AS retryable, \
         CASE WHEN p.status IS NULL THEN EXISTS (SELECT 1 FROM crm_events e WHERE e.crm = ?1 \
         AND e.account_id = ?2 AND e.event = ?4 AND e.done_at IS NULL AND e.dead_at IS NULL) \
         ELSE 0 END AS creation_pending, \
         d.aurora_design_id, d.simulation_status, d.summary_json, d.designed_at_ms, d.pricing_json, \
         s.agreement_json, s.financings_json, s.web_proposal_url, s.milestones_json, s.sold_json, \
         o.name AS opportunity_name, o.location_json AS opportunity_location_json \
         FROM installations i \
         LEFT JOIN projects p ON p.crm = ?1 AND p.account_id = ?2 AND p.opportunity_id = ?3 \
         LEFT JOIN designs d ON d.crm = ?1 AND d.account_id = ?2 AND d.opportunity_id = ?3 \
         LEFT JOIN sales s ON s.crm = ?1 AND s.account_id = ?2 AND s.opportunity_id = ?3 \
         LEFT JOIN opportunities o ON o.crm = ?1 AND o.account_id = ?2 AND o.opportunity_id = ?3 \
         WHERE i.crm = ?1 AND i.account_id = ?2",
        &params,
    )
    .await?;
    Ok(rows.into_iter().next())
}
