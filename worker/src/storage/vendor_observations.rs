//! `vendor_observations`: what real traffic has shown of each CRM's behaviour, when first
//! and last (see `crate::crm::observe`).

use super::{Database, StorageError};
use serde::Deserialize;

/// One behaviour seen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Observation {
    pub observation: String,
    /// Unix seconds.
    pub first_seen: i64,
    pub last_seen: i64,
}

/// Notes that `crm` showed `observation` at `now`.
pub async fn record(db: &dyn Database, crm: &str, observation: &str, now: i64) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO vendor_observations (crm, observation, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3) \
         ON CONFLICT (crm, observation) DO UPDATE SET last_seen = MAX(vendor_observations.last_seen, ?3)",
        &[crm.into(), observation.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// What `crm` has shown, most recent first.
pub async fn of_crm(db: &dyn Database, crm: &str) -> Result<Vec<Observation>, StorageError> {
    super::query_as(
        db,
        "SELECT observation, first_seen, last_seen FROM vendor_observations WHERE crm = ?1 \
         ORDER BY last_seen DESC, observation LIMIT 50",
        &[crm.into()],
    )
    .await
}
