//! Opportunities as their CRM last vouched for them.

use super::{Database, StorageError};
use widget_api::Opportunity;

/// Records the opportunity of a verified context (name and location may have changed in
/// the CRM since the last visit; the newest signed context wins).
pub async fn record_seen(
    db: &dyn Database,
    crm: crate::ids::Crm,
    account_id: &str,
    opportunity: &Opportunity,
    now: i64,
) -> Result<(), StorageError> {
    let location = serde_json::to_string(&opportunity.location).map_err(|e| StorageError::Decode(e.to_string()))?;
    // Every page load comes here: a row that already says the same is left alone, so that
    // opening the widget costs a read, not a durable write (and leaves the storage's
    // generation, which every open widget's poll is answered from, where it was).
    let seen = OpportunityRecord { name: opportunity.name.clone(), location_json: location.clone() };
    if find(db, crm, account_id, &opportunity.id).await?.as_ref() == Some(&seen) {
        return Ok(());
    }
    db.execute(
        "INSERT INTO opportunities (crm, account_id, opportunity_id, name, location_json, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (crm, account_id, opportunity_id) DO UPDATE SET name = excluded.name, \
         location_json = excluded.location_json, updated_at = excluded.updated_at",
        &[
            crm.into(),
            account_id.into(),
            opportunity.id.as_str().into(),
            opportunity.name.as_str().into(),
            location.into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

/// An opportunity as last seen.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct OpportunityRecord {
    /// Its name in the CRM.
    pub name: String,
    /// `widget_api::Location` as JSON.
    pub location_json: String,
}

impl OpportunityRecord {
    /// The location, as the CRM vouched for it.
    pub fn location(&self) -> Result<widget_api::Location, StorageError> {
        serde_json::from_str(&self.location_json).map_err(|e| StorageError::Decode(e.to_string()))
    }
}

/// The opportunity's last verified name and location.
pub async fn find(
    db: &dyn Database,
    crm: crate::ids::Crm,
    account_id: &str,
    opportunity_id: &str,
) -> Result<Option<OpportunityRecord>, StorageError> {
    let rows: Vec<OpportunityRecord> = super::query_as(
        db,
        "SELECT name, location_json FROM opportunities WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3",
        &[crm.into(), account_id.into(), opportunity_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}
