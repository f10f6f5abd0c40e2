//! Signed agreements waiting to be attached to their opportunities in their CRMs
//! (`signed_documents`): one per opportunity and agreement, run by [`crate::jobs`].

use super::{
    Database, SqlValue, StorageError,
    jobs::{Owner, Queue},
    query_as,
};
use crate::ids::OpportunityKey;
use serde::Deserialize;

/// The queue's lifecycle columns (see [`super::jobs`]).
pub const QUEUE: Queue = Queue {
    table: "signed_documents",
    key: &["crm", "account_id", "opportunity_id", "agreement_id"],
    enqueued_at: "created_at",
    owner: Owner::Installation,
};

/// A signed agreement to attach.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignedDocument {
    /// The tenant the agreement is in.
    pub aurora_tenant_id: String,
    /// Aurora's download-link job, once started.
    pub aurora_job_id: Option<String>,
}

/// Queues `agreement`'s document for `key`, due at once; false when it was queued before.
pub async fn enqueue(
    db: &dyn Database,
    key: &OpportunityKey,
    agreement_id: &str,
    tenant: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "INSERT INTO signed_documents (crm, account_id, opportunity_id, agreement_id, aurora_tenant_id, created_at, \
             next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING",
            &[crm, account, opportunity, agreement_id.into(), tenant.into(), now.into()],
        )
        .await?;
    Ok(changed == 1)
}

const WHERE_KEY: &str = "WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 AND agreement_id = ?4";

/// The document queued for `key` and `agreement_id`.
pub async fn find(
    db: &dyn Database,
    key: &OpportunityKey,
    agreement_id: &str,
) -> Result<Option<SignedDocument>, StorageError> {
    let [crm, account, opportunity] = key.params();
    let rows = query_as(
        db,
        &format!("SELECT aurora_tenant_id, aurora_job_id FROM signed_documents {WHERE_KEY}"),
        &[crm, account, opportunity, agreement_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}

/// Keeps (or, with `None`, forgets) the download-link job under way.
pub async fn set_job(
    db: &dyn Database,
    key: &OpportunityKey,
    agreement_id: &str,
    job: Option<&str>,
) -> Result<(), StorageError> {
    let [crm, account, opportunity] = key.params();
    db.execute(
        &format!("UPDATE signed_documents SET aurora_job_id = ?5 {WHERE_KEY}"),
        &[crm, account, opportunity, agreement_id.into(), SqlValue::from(job)],
    )
    .await?;
    Ok(())
}
