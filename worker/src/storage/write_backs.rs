//! Figures waiting to be written to CRM opportunities (an outbox: pending until the CRM
//! accepted them; the newest design replaces what is still pending).

use super::{Database, StorageError, projects::OpportunityKey, query_as};
use serde::Deserialize;

/// One pending write.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WriteBack {
    /// The CRM.
    pub crm: String,
    /// The CRM account.
    pub account_id: String,
    /// The opportunity to write to.
    pub opportunity_id: String,
    /// The design the figures come from.
    pub aurora_design_id: String,
    /// The fields, as the CRM's API takes them (a JSON object).
    pub fields_json: String,
    /// Attempts so far.
    pub attempts: i64,
}

impl WriteBack {
    /// The opportunity it is for.
    pub fn key(&self) -> OpportunityKey {
        OpportunityKey {
            crm: self.crm.clone(),
            account_id: self.account_id.clone(),
            opportunity_id: self.opportunity_id.clone(),
        }
    }
}

/// Queues `write` (replacing what is still queued for its opportunity).
pub async fn enqueue(db: &dyn Database, write: &WriteBack, now: i64) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO write_backs (crm, account_id, opportunity_id, aurora_design_id, fields_json, created_at, next_attempt_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
         ON CONFLICT (crm, account_id, opportunity_id) DO UPDATE SET aurora_design_id = excluded.aurora_design_id, \
         fields_json = excluded.fields_json, created_at = excluded.created_at, done_at = NULL, attempts = 0, \
         next_attempt_at = excluded.next_attempt_at, last_error = NULL",
        &[
            write.crm.as_str().into(),
            write.account_id.as_str().into(),
            write.opportunity_id.as_str().into(),
            write.aurora_design_id.as_str().into(),
            write.fields_json.as_str().into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Pending writes whose next attempt is due.
pub async fn due(db: &dyn Database, now: i64, limit: i64) -> Result<Vec<WriteBack>, StorageError> {
    query_as(
        db,
        "SELECT crm, account_id, opportunity_id, aurora_design_id, fields_json, attempts FROM write_backs \
         WHERE done_at IS NULL AND next_attempt_at <= ?1 ORDER BY created_at LIMIT ?2",
        &[now.into(), limit.into()],
    )
    .await
}

/// Updates the row of `write` (only while it still holds the same design: a newer design
/// queued meanwhile is left alone). `set` uses `?5` onwards for `values`.
async fn update(
    db: &dyn Database,
    write: &WriteBack,
    set: &str,
    values: Vec<super::SqlValue>,
) -> Result<(), StorageError> {
    let mut params: Vec<super::SqlValue> = vec![
        write.crm.as_str().into(),
        write.account_id.as_str().into(),
        write.opportunity_id.as_str().into(),
        write.aurora_design_id.as_str().into(),
    ];
    params.extend(values);
    db.execute(
        &format!("UPDATE write_backs SET {set} WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 AND aurora_design_id = ?4"),
        &params,
    )
    .await?;
    Ok(())
}

/// Marks the write of `design_id` done.
pub async fn mark_done(db: &dyn Database, write: &WriteBack, now: i64) -> Result<(), StorageError> {
    update(db, write, "done_at = ?5, attempts = attempts + 1, last_error = NULL", vec![now.into()]).await
}

/// Gives up on a write the CRM refused for good (the opportunity is gone, a field was
/// refused): recorded with the reason, no longer retried.
pub async fn abandon(db: &dyn Database, write: &WriteBack, error: &str, now: i64) -> Result<(), StorageError> {
    update(db, write, "done_at = ?5, attempts = attempts + 1, last_error = ?6", vec![now.into(), error.into()]).await
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    db: &dyn Database,
    write: &WriteBack,
    error: &str,
    next_attempt_at: i64,
) -> Result<(), StorageError> {
    update(
        db,
        write,
        "attempts = attempts + 1, last_error = ?5, next_attempt_at = ?6",
        vec![error.into(), next_attempt_at.into()],
    )
    .await
}
