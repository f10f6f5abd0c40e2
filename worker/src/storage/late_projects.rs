//! Projects a late attempt created after its claim had been taken over (`late_projects`):
//! Aurora may hold two projects for one opportunity. Recorded for reconciliation, never
//! written over the opportunity's project.

use super::{Database, SqlValue, StorageError};
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
