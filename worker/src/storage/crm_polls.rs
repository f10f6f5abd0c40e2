//! The polls of CRMs without new-opportunity webhooks (Salesforce), one per installation
//! (`crm_poll_cursors`): where each has read up to, and its place in the lifecycle every
//! queue shares ([`super::jobs`]). A poll is recurring work: done for now, it is due again
//! a poll interval later.

use super::{
    Database, StorageError,
    jobs::{Owner, Queue},
    query_as,
};
use crate::ids::Crm;
use serde::Deserialize;

/// The polls' queue: one row per installation.
pub const QUEUE: Queue = Queue {
    table: "crm_poll_cursors",
    key: &["crm", "account_id"],
    enqueued_at: "started_at",
    owner: Owner::Installation,
};

/// Polls `account_id` from `cursor` on, starting now: nothing created before it is read,
/// whatever an earlier poll had reached (an install, or automatic projects switched on,
/// starts afresh: opportunities created meanwhile get no project by surprise). A poll
/// that had died starts again too.
pub async fn start(db: &dyn Database, crm: Crm, account_id: &str, cursor: &str, now: i64) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO crm_poll_cursors (crm, account_id, cursor, started_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT (crm, account_id) DO UPDATE SET cursor = excluded.cursor, polled_at = NULL, \
           started_at = excluded.started_at, next_attempt_at = excluded.next_attempt_at, attempts = 0, \
           done_at = NULL, dead_at = NULL, last_error = NULL",
        &[crm.as_str().into(), account_id.into(), cursor.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Whether `account_id` is polled: its poll was started and has not died (one stopped
/// because automatic projects are off starts again when they are switched on).
pub async fn is_started(db: &dyn Database, crm: Crm, account_id: &str) -> Result<bool, StorageError> {
    let rows = db
        .query(
            "SELECT 1 AS started FROM crm_poll_cursors WHERE crm = ?1 AND account_id = ?2 AND dead_at IS NULL",
            &[crm.as_str().into(), account_id.into()],
        )
        .await?;
    Ok(!rows.is_empty())
}

#[derive(Deserialize)]
struct Cursor {
    cursor: String,
}

/// Where `account_id`'s poll has read up to.
pub async fn cursor(db: &dyn Database, crm: Crm, account_id: &str) -> Result<Option<String>, StorageError> {
    let found: Vec<Cursor> = query_as(
        db,
        "SELECT cursor FROM crm_poll_cursors WHERE crm = ?1 AND account_id = ?2",
        &[crm.as_str().into(), account_id.into()],
    )
    .await?;
    Ok(found.into_iter().next().map(|c| c.cursor))
}

/// Records a poll: read up to `cursor`, at `now`.
pub async fn advance(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    cursor: &str,
    now: i64,
) -> Result<(), StorageError> {
    db.execute(
        "UPDATE crm_poll_cursors SET cursor = ?3, polled_at = ?4 WHERE crm = ?1 AND account_id = ?2",
        &[crm.as_str().into(), account_id.into(), cursor.into(), now.into()],
    )
    .await?;
    Ok(())
}
