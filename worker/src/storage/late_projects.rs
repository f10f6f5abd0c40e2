//! Projects a late attempt created after its claim had been taken over (`late_projects`):
//! Aurora may hold two projects for one opportunity. Recorded for reconciliation, never
//! written over the opportunity's project.

use super::{Database, SqlValue, StorageError, query_as};
use crate::ids::OpportunityKey;

/// Records `aurora_project_id` of `key`'s late attempt (once).
pub async fn record(
    db: &dyn Database,
    key: &OpportunityKey,
    tenant: &str,
    aurora_project_id: &str,
    now: i64,
) -> Result<(), StorageError> {
    let [crm, account, opportunity] = key.params();
    db.execute(
        "INSERT INTO late_projects (aurora_tenant_id, aurora_project_id, crm, account_id, opportunity_id, recorded_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        &[SqlValue::from(tenant), aurora_project_id.into(), crm, account, opportunity, now.into()],
    )
    .await?;
    Ok(())
}

/// A project to reconcile: the opportunity, and the second project Aurora holds for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LateProject {
    /// The opportunity.
    pub opportunity_id: String,
    /// The project the late attempt created (the opportunity shows the other one).
    pub aurora_project_id: String,
}

/// The newest late projects of one installation (at most `limit`).
pub async fn of_installation(
    db: &dyn Database,
    crm: crate::ids::Crm,
    account_id: &str,
    limit: i64,
) -> Result<Vec<LateProject>, StorageError> {
    query_as(
        db,
        "SELECT opportunity_id, aurora_project_id FROM late_projects WHERE crm = ?1 AND account_id = ?2 \
         ORDER BY recorded_at DESC LIMIT ?3",
        &[crm.into(), account_id.into(), limit.into()],
    )
    .await
}
