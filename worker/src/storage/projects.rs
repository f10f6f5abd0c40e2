//! The project record of each opportunity, and the claim that makes creation idempotent.

use super::{Database, SqlValue, StorageError, query_as};
use serde::Deserialize;

/// Which opportunity: the unit a project belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpportunityKey {
    /// The CRM.
    pub crm: String,
    /// The CRM account.
    pub account_id: String,
    /// The CRM's opportunity id.
    pub opportunity_id: String,
}

impl OpportunityKey {
    fn params(&self) -> [SqlValue; 3] {
        [self.crm.as_str().into(), self.account_id.as_str().into(), self.opportunity_id.as_str().into()]
    }

    /// What we send as Aurora's `external_provider_id`: unique across CRMs and accounts.
    pub fn external_provider_id(&self) -> String {
        format!("{}:{}:{}", self.crm, self.account_id, self.opportunity_id)
    }
}

/// A project record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProjectRecord {
    /// The tenant it is (being) created in.
    pub aurora_tenant_id: String,
    /// Our key in Aurora.
    pub external_provider_id: String,
    /// `creating`, `created` or `failed`.
    pub status: String,
    /// Aurora's project id, once created.
    pub aurora_project_id: Option<String>,
    /// Why it failed.
    pub error_code: Option<String>,
    /// For the rep.
    pub error_message: Option<String>,
    /// 1 when trying again may work.
    pub retryable: i64,
    /// When the current attempt started.
    pub claimed_at: i64,
}

/// Status values.
pub mod status {
    /// An attempt holds the claim.
    pub const CREATING: &str = "creating";
    /// Aurora has the project.
    pub const CREATED: &str = "created";
    /// The last attempt failed.
    pub const FAILED: &str = "failed";
}

const COLUMNS: &str = "aurora_tenant_id, external_provider_id, status, aurora_project_id, error_code, error_message, retryable, claimed_at";

/// The record of an opportunity, if any.
pub async fn find(db: &dyn Database, key: &OpportunityKey) -> Result<Option<ProjectRecord>, StorageError> {
    let sql = format!("SELECT {COLUMNS} FROM projects WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3");
    Ok(query_as(db, &sql, &key.params()).await?.into_iter().next())
}

/// Claims creation for `key`: true when this caller inserted the row and so must create
/// the project; false when a record already exists (one statement: atomic on SQLite and D1).
pub async fn claim(db: &dyn Database, key: &OpportunityKey, tenant: &str, now: i64) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "INSERT INTO projects (crm, account_id, opportunity_id, aurora_tenant_id, external_provider_id, status, \
             claimed_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'creating', ?6, ?6, ?6) \
             ON CONFLICT DO NOTHING",
            &[crm, account, opportunity, tenant.into(), key.external_provider_id().into(), now.into()],
        )
        .await?;
    Ok(changed == 1)
}

/// Takes over a record that is `failed`, or `creating` under a claim made at
/// `seen_claimed_at`: compare-and-set, so of several callers exactly one wins.
pub async fn take_over(
    db: &dyn Database,
    key: &OpportunityKey,
    seen_status: &str,
    seen_claimed_at: i64,
    now: i64,
) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "UPDATE projects SET status = 'creating', claimed_at = ?6, error_code = NULL, error_message = NULL, \
             retryable = 0, updated_at = ?6 \
             WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 AND status = ?4 AND claimed_at = ?5",
            &[crm, account, opportunity, seen_status.into(), seen_claimed_at.into(), now.into()],
        )
        .await?;
    Ok(changed == 1)
}

/// Backdates a `creating` claim whose attempt has ended (outcome unknown), so that a
/// takeover may reconcile it once `claimed_at` is older than the claim timeout. Only the
/// claim `claimed_at` still names: a newer attempt's claim is left alone.
pub async fn backdate_claim(
    db: &dyn Database,
    key: &OpportunityKey,
    claimed_at: i64,
    backdated_to: i64,
) -> Result<(), StorageError> {
    let [crm, account, opportunity] = key.params();
    db.execute(
        "UPDATE projects SET claimed_at = ?5 WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 \
         AND status = 'creating' AND claimed_at = ?4",
        &[crm, account, opportunity, claimed_at.into(), backdated_to.into()],
    )
    .await?;
    Ok(())
}

/// Records Aurora's project id.
pub async fn mark_created(
    db: &dyn Database,
    key: &OpportunityKey,
    aurora_project_id: &str,
    now: i64,
) -> Result<(), StorageError> {
    let [crm, account, opportunity] = key.params();
    db.execute(
        "UPDATE projects SET status = 'created', aurora_project_id = ?4, error_code = NULL, error_message = NULL, \
         retryable = 0, updated_at = ?5 WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3",
        &[crm, account, opportunity, aurora_project_id.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Records a failed attempt, releasing the claim.
pub async fn mark_failed(
    db: &dyn Database,
    key: &OpportunityKey,
    code: &str,
    message: &str,
    retryable: bool,
    now: i64,
) -> Result<(), StorageError> {
    let [crm, account, opportunity] = key.params();
    db.execute(
        "UPDATE projects SET status = 'failed', error_code = ?4, error_message = ?5, retryable = ?6, updated_at = ?7 \
         WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 AND status = 'creating'",
        &[crm, account, opportunity, code.into(), message.into(), retryable.into(), now.into()],
    )
    .await?;
    Ok(())
}
