//! What Aurora answered when the worker tried one of its undocumented rules
//! (`aurora_checks`): the latest answer per check, and when it was seen.

use super::{Database, StorageError, query_as};
use serde::Deserialize;

/// One check's latest answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CheckRecord {
    /// Which check (see [`crate::tenant_links::session_rules`]).
    pub check_name: String,
    /// `refused` or `accepted`.
    pub outcome: String,
    /// What Aurora answered, for the operator (status and Aurora's words; never a secret).
    pub detail: String,
    /// When (unix seconds).
    pub checked_at: i64,
}

/// Records `outcome` as the latest answer of `check`.
pub async fn record(db: &dyn Database, check: &str, outcome: &str, detail: &str, now: i64) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO aurora_checks (check_name, outcome, detail, checked_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (check_name) DO UPDATE SET outcome = excluded.outcome, detail = excluded.detail, \
         checked_at = excluded.checked_at",
        &[check.into(), outcome.into(), detail.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Every check's latest answer.
pub async fn all(db: &dyn Database) -> Result<Vec<CheckRecord>, StorageError> {
    query_as(db, "SELECT check_name, outcome, detail, checked_at FROM aurora_checks ORDER BY check_name", &[]).await
}
