//! The project record of each opportunity (`projects`), and the fenced claim that makes
//! creation idempotent: every claim or takeover gets the next `claim_token`, and only the
//! attempt holding the current token may record an outcome.

use super::{Database, SqlValue, StorageError, query_as};
use serde::Deserialize;

pub use crate::ids::OpportunityKey;

impl OpportunityKey {
    /// The key as the three leading parameters of a statement.
    pub fn params(&self) -> [SqlValue; 3] {
        [self.crm.into(), self.account_id.as_str().into(), self.opportunity_id.as_str().into()]
    }
}

/// Where creation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    /// An attempt holds the claim.
    Creating,
    /// Aurora has the project.
    Created,
    /// The last attempt failed.
    Failed,
}

impl ProjectStatus {
    fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Creating => "creating",
            ProjectStatus::Created => "created",
            ProjectStatus::Failed => "failed",
        }
    }
}

/// A project record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProjectRecord {
    /// The tenant it is (being) created in.
    pub aurora_tenant_id: String,
    /// Where creation stands.
    pub status: ProjectStatus,
    /// Aurora's project id, once created.
    pub aurora_project_id: Option<String>,
    /// Our error code, when failed.
    pub error_code: Option<String>,
    /// The reason for the rep, when failed.
    pub error_message: Option<String>,
    /// Whether trying again may work, when failed.
    #[serde(deserialize_with = "super::bool_from_integer")]
    pub retryable: bool,
    /// When the current attempt started or last renewed its claim.
    pub claimed_at: i64,
    /// The fencing token of the current claim.
    pub claim_token: i64,
}

/// A claim held by one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// Its fencing token.
    pub token: i64,
}

/// A failure to record.
pub struct Failure<'a> {
    /// Our error code.
    pub code: &'a str,
    /// The reason, for the rep.
    pub message: &'a str,
    /// Whether trying again may work.
    pub retryable: bool,
}

const COLUMNS: &str =
    "aurora_tenant_id, status, aurora_project_id, error_code, error_message, retryable, claimed_at, claim_token";

/// The record of an opportunity, if any.
pub async fn find(db: &dyn Database, key: &OpportunityKey) -> Result<Option<ProjectRecord>, StorageError> {
    let sql = format!("SELECT {COLUMNS} FROM projects WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3");
    Ok(query_as(db, &sql, &key.params()).await?.into_iter().next())
}

/// Claims creation for `key` when it has no record: the first claim (token 1) when this
/// caller inserted the row and so must create the project; `None` when a record already
/// exists (one statement: atomic on SQLite and D1).
pub async fn claim(
    db: &dyn Database,
    key: &OpportunityKey,
    tenant: &str,
    now: i64,
) -> Result<Option<Claim>, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "INSERT INTO projects (crm, account_id, opportunity_id, aurora_tenant_id, external_provider_id, status, \
             claimed_at, claim_token, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'creating', ?6, 1, ?6, ?6) \
             ON CONFLICT DO NOTHING",
            &[crm, account, opportunity, tenant.into(), key.external_provider_id().into(), now.into()],
        )
        .await?;
    Ok((changed == 1).then_some(Claim { token: 1 }))
}

/// Takes over the record last seen as `seen` (a failed attempt, or a stale claim): the
/// next fencing token, compare-and-set on the token seen, so of several callers exactly
/// one wins and the attempt that held the old token can no longer record anything.
/// The record follows the installation's tenant as it is now (`tenant`): an attempt after
/// a relink creates there, and its design must be found there.
pub async fn take_over(
    db: &dyn Database,
    key: &OpportunityKey,
    seen: &ProjectRecord,
    tenant: &str,
    now: i64,
) -> Result<Option<Claim>, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "UPDATE projects SET status = 'creating', claimed_at = ?6, claim_token = claim_token + 1, \
             error_code = NULL, error_message = NULL, retryable = 0, aurora_tenant_id = ?7, updated_at = ?6 \
             WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 AND status = ?4 AND claim_token = ?5",
            &[
                crm,
                account,
                opportunity,
                seen.status.as_str().into(),
                seen.claim_token.into(),
                now.into(),
                tenant.into(),
            ],
        )
        .await?;
    Ok((changed == 1).then_some(Claim { token: seen.claim_token + 1 }))
}

/// Renews a claim still held (`claimed_at = now`): false when it was taken over.
pub async fn renew(db: &dyn Database, key: &OpportunityKey, claim: Claim, now: i64) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "UPDATE projects SET claimed_at = ?5 WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 \
             AND status = 'creating' AND claim_token = ?4",
            &[crm, account, opportunity, claim.token.into(), now.into()],
        )
        .await?;
    Ok(changed == 1)
}

/// Backdates a claim whose attempt has ended with an unknown outcome, so that a takeover
/// may reconcile it once `claimed_at` is older than the claim timeout. Fenced.
pub async fn backdate(
    db: &dyn Database,
    key: &OpportunityKey,
    claim: Claim,
    backdated_to: i64,
) -> Result<bool, StorageError> {
    renew(db, key, claim, backdated_to).await
}

/// Records Aurora's project id under `claim`: false when the claim was taken over (the
/// caller then records the project as late, see [`super::late_projects`]).
pub async fn mark_created(
    db: &dyn Database,
    key: &OpportunityKey,
    claim: Claim,
    aurora_project_id: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "UPDATE projects SET status = 'created', aurora_project_id = ?5, error_code = NULL, error_message = NULL, \
             retryable = 0, updated_at = ?6 WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 \
             AND status = 'creating' AND claim_token = ?4",
            &[crm, account, opportunity, claim.token.into(), aurora_project_id.into(), now.into()],
        )
        .await?;
    Ok(changed == 1)
}

/// Records a failed attempt under `claim`, releasing it: false when it was taken over.
pub async fn mark_failed(
    db: &dyn Database,
    key: &OpportunityKey,
    claim: Claim,
    failure: &Failure<'_>,
    now: i64,
) -> Result<bool, StorageError> {
    let [crm, account, opportunity] = key.params();
    let changed = db
        .execute(
            "UPDATE projects SET status = 'failed', error_code = ?5, error_message = ?6, retryable = ?7, updated_at = ?8 \
             WHERE crm = ?1 AND account_id = ?2 AND opportunity_id = ?3 AND status = 'creating' AND claim_token = ?4",
            &[
                crm,
                account,
                opportunity,
                claim.token.into(),
                failure.code.into(),
                failure.message.into(),
                failure.retryable.into(),
                now.into(),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// The opportunity of a project we created in `tenant`: by Aurora's project id once we
/// recorded it; by our external id only while the record is still being created (Aurora
/// may know the project before we do). Only records of the installation that links the
/// tenant now, with a usable link, match: a tenant that moved to another account (whose
/// users could name a project after one of ours) maps nothing into the first.
pub async fn opportunity_of(
    db: &dyn Database,
    tenant: &str,
    aurora_project_id: &str,
    external_provider_id: Option<&str>,
) -> Result<Option<OpportunityKey>, StorageError> {
    let rows: Vec<OpportunityKey> = query_as(
        db,
        &format!(
            "SELECT p.crm, p.account_id, p.opportunity_id FROM projects p \
             JOIN installations i ON i.crm = p.crm AND i.account_id = p.account_id AND i.aurora_tenant_id = p.aurora_tenant_id \
             WHERE p.aurora_tenant_id = ?1 AND {} \
             AND (p.aurora_project_id = ?3 OR (p.aurora_project_id IS NULL AND p.status = 'creating' AND p.external_provider_id = ?2)) \
             LIMIT 1",
            super::installations::usable_link_sql("i")
        ),
        &[tenant.into(), SqlValue::from(external_provider_id), aurora_project_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::hosts::native::sqlite::SqliteDatabase;

    #[tokio::test]
    async fn only_the_current_claim_records_and_a_takeover_fences_the_old_one() {
        let db = SqliteDatabase::in_memory().expect("db");
        crate::storage::migrate(&db, 0).await.expect("migrate");
        let key =
            OpportunityKey { crm: crate::ids::Crm::Demo, account_id: "acct".into(), opportunity_id: "opp".into() };
        let first = claim(&db, &key, "tenant", 100).await.expect("claim").expect("first claim");
        assert_eq!(claim(&db, &key, "tenant", 101).await.expect("claim"), None, "a record exists");
        assert!(renew(&db, &key, first, 150).await.expect("renew"));
        let seen = find(&db, &key).await.expect("find").expect("record");
        assert_eq!((seen.status, seen.claimed_at, seen.claim_token), (ProjectStatus::Creating, 150, 1));

        let second = take_over(&db, &key, &seen, "tenant", 400).await.expect("take over").expect("won");
        assert_eq!(second.token, 2);
        assert_eq!(take_over(&db, &key, &seen, "tenant", 401).await.expect("take over"), None, "one winner");
        // The first attempt wakes up: it can neither renew nor record.
        assert!(!renew(&db, &key, first, 402).await.expect("renew"));
        assert!(!mark_created(&db, &key, first, "project-late", 403).await.expect("late"));
        let failure = Failure { code: "aurora_unavailable", message: "down", retryable: true };
        assert!(!mark_failed(&db, &key, first, &failure, 403).await.expect("late"));
        assert!(mark_created(&db, &key, second, "project-1", 404).await.expect("current"));
        let record = find(&db, &key).await.expect("find").expect("record");
        assert_eq!((record.status, record.aurora_project_id.as_deref()), (ProjectStatus::Created, Some("project-1")));
    }

    #[tokio::test]
    async fn records_follow_a_relink_and_designs_map_only_into_the_account_linked_now() {
        use crate::storage::installations::{self, TenantLink};
        let db = SqliteDatabase::in_memory().expect("db");
        crate::storage::migrate(&db, 0).await.expect("migrate");
        let crm = crate::ids::Crm::Demo;
        let key = OpportunityKey { crm, account_id: "acct".into(), opportunity_id: "opp".into() };
        let external = key.external_provider_id();
        installations::upsert(&db, crm, "acct", None, 1).await.expect("installed");
        installations::link_tenant(&db, crm, "acct", "t1", TenantLink::Proven, 1).await.expect("linked");

        // An attempt in T1 fails; the account relinks to T2; the retry creates in T2 and
        // the record says so.
        let first = claim(&db, &key, "t1", 10).await.expect("claim").expect("claimed");
        let failure = Failure { code: "aurora_unavailable", message: "down", retryable: true };
        assert!(mark_failed(&db, &key, first, &failure, 11).await.expect("failed"));
        installations::release_tenant(&db, crm, "acct", 12).await.expect("released");
        installations::link_tenant(&db, crm, "acct", "t2", TenantLink::Proven, 12).await.expect("relinked");
        let seen = find(&db, &key).await.expect("find").expect("record");
        let retry = take_over(&db, &key, &seen, "t2", 13).await.expect("take over").expect("won");
        assert_eq!(find(&db, &key).await.expect("find").expect("record").aurora_tenant_id, "t2");
        // While creating, Aurora's project is known by our external id; then by its own id.
        let of = |tenant: &'static str, project: &'static str, external: Option<String>| {
            let db = db.clone();
            async move { opportunity_of(&db, tenant, project, external.as_deref()).await.expect("lookup") }
        };
        assert_eq!(of("t2", "p-2", Some(external.clone())).await, Some(key.clone()));
        assert_eq!(of("t1", "p-2", Some(external.clone())).await, None, "the tenant it left");
        assert!(mark_created(&db, &key, retry, "p-2", 14).await.expect("created"));
        assert_eq!(of("t2", "p-2", None).await, Some(key.clone()));
        assert_eq!(of("t2", "p-other", Some(external.clone())).await, None, "another project named after ours");

        // T2 moves to another account: nothing of T2's maps into this one any more.
        installations::release_tenant(&db, crm, "acct", 15).await.expect("released");
        installations::upsert(&db, crm, "other", None, 15).await.expect("installed");
        installations::link_tenant(&db, crm, "other", "t2", TenantLink::Proven, 15).await.expect("linked");
        assert_eq!(of("t2", "p-2", Some(external)).await, None);
    }
}
