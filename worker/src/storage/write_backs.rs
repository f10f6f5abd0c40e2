//! Figures waiting to be written to CRM opportunities (`write_backs`): one row per
//! opportunity, the newest design replacing what is still pending, run by [`crate::jobs`].

use super::{
    Database, StorageError,
    jobs::{Owner, Queue},
    query_as,
};
use crate::ids::OpportunityKey;
use serde::Deserialize;

/// The queue's lifecycle columns (see [`super::jobs`]).
pub const QUEUE: Queue = Queue {
    table: "write_backs",
    key: &["crm", "account_id", "opportunity_id"],
    enqueued_at: "created_at",
    owner: Owner::Installation,
};

/// The figures of one design for one opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WriteBack {
    /// The opportunity to write to.
    #[serde(flatten)]
    pub key: OpportunityKey,
    /// The design the figures come from.
    pub aurora_design_id: String,
    /// The fields, as the CRM's API takes them (a JSON object).
    pub fields_json: String,
}

/// Queues `write`, due at once, replacing what is still queued for its opportunity (and
/// voiding the lease of a delivery of older figures under way).
pub async fn enqueue(db: &dyn Database, write: &WriteBack, now: i64) -> Result<(), StorageError> {
    let [crm, account, opportunity] = write.key.params();
    db.execute(
        "INSERT INTO write_backs (crm, account_id, opportunity_id, aurora_design_id, fields_json, created_at, \
         next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
         ON CONFLICT (crm, account_id, opportunity_id) DO UPDATE SET aurora_design_id = excluded.aurora_design_id, \
         fields_json = excluded.fields_json, created_at = excluded.created_at, done_at = NULL, dead_at = NULL, \
         attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL, lease_id = NULL, \
         lease_expires_at = NULL",
        &[
            crm,
            account,
            opportunity,
            write.aurora_design_id.as_str().into(),
            write.fields_json.as_str().into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

/// The write queued for `key`.
pub async fn find(db: &dyn Database, key: &OpportunityKey) -> Result<Option<WriteBack>, StorageError> {
    let rows = query_as(
        db,
        "SELECT crm, account_id, opportunity_id, aurora_design_id, fields_json FROM write_backs \
         WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3",
        &key.params(),
    )
    .await?;
    Ok(rows.into_iter().next())
}
