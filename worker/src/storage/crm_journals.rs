//! A CRM's app-wide journal (`crm_journals`): where reading it has reached, and its place in
//! the lifecycle every queue shares ([`super::jobs`]). Reading it is recurring work: done
//! for now, it is due again a poll interval later.

use super::{
    Database, StorageError,
    jobs::{Owner, Queue},
    query_as,
};
use crate::ids::Crm;
use serde::Deserialize;

/// The journals' queue: one row per CRM.
pub const QUEUE: Queue = Queue { table: "crm_journals", key: &["crm"], enqueued_at: "started_at", owner: Owner::Crm };

/// Starts reading `crm`'s journal, unless it is read already; one whose reading died starts
/// again, from where it had reached.
pub async fn start(db: &dyn Database, crm: Crm, now: i64) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO crm_journals (crm, started_at, next_attempt_at) VALUES (?1, ?2, ?2) \
         ON CONFLICT (crm) DO UPDATE SET started_at = excluded.started_at, next_attempt_at = excluded.next_attempt_at, \
           attempts = 0, done_at = NULL, dead_at = NULL, last_error = NULL \
         WHERE crm_journals.dead_at IS NOT NULL OR crm_journals.done_at IS NOT NULL",
        &[crm.as_str().into(), now.into()],
    )
    .await?;
    Ok(())
}

#[derive(Deserialize)]
struct Offset {
    journal_offset: Option<String>,
}

/// Where reading `crm`'s journal has reached: `None` before its first reading.
pub async fn offset(db: &dyn Database, crm: Crm) -> Result<Option<String>, StorageError> {
    let found: Vec<Offset> =
        query_as(db, "SELECT journal_offset FROM crm_journals WHERE crm = ?1", &[crm.as_str().into()]).await?;
    Ok(found.into_iter().next().and_then(|o| o.journal_offset))
}

/// Records a reading: up to `offset`, at `now`.
pub async fn advance(db: &dyn Database, crm: Crm, offset: &str, now: i64) -> Result<(), StorageError> {
    db.execute(
        "UPDATE crm_journals SET journal_offset = ?2, polled_at = ?3 WHERE crm = ?1",
        &[crm.as_str().into(), offset.into(), now.into()],
    )
    .await?;
    Ok(())
}
