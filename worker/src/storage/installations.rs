//! Installations: a CRM account that installed the app, the CRM's OAuth tokens (sealed),
//! the Aurora tenant it is linked to, its settings, and its health.

use super::{Database, SqlValue, StorageError, query_as};
use crate::ids::Crm;
use serde::Deserialize;

/// One CRM account's installation. `Debug` leaves the sealed tokens out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct Installation {
    /// Which CRM.
    pub crm: Crm,
    /// The CRM's account (company) id.
    pub account_id: String,
    /// The linked Aurora tenant, once an admin linked it.
    pub aurora_tenant_id: Option<String>,
    /// False when the tenant disabled our app in Aurora.
    #[serde(deserialize_with = "super::bool_from_integer")]
    pub app_enabled: bool,
    /// Whether projects are created for every new opportunity.
    #[serde(deserialize_with = "super::bool_from_integer")]
    pub auto_create: bool,
    /// The CRM admin who installed it.
    pub installed_by: Option<String>,
    /// The CRM's OAuth tokens, sealed (see [`crate::crypto::Sealer`]).
    pub crm_tokens_sealed: Option<String>,
    /// When the CRM last sent us a webhook (unix seconds).
    pub last_crm_webhook_at: Option<i64>,
    /// The last thing that went wrong for this installation, for its admin.
    pub last_error: Option<String>,
    /// When (unix seconds).
    pub last_error_at: Option<i64>,
    /// When the tenant link was proven with Aurora (unix seconds); `None` for a link made
    /// without proof (before proof was needed, or by the operator's CLI).
    pub tenant_verified_at: Option<i64>,
    /// Changes on every install: admin sessions name it (see [`crate::admin_session`]).
    pub session_epoch: String,
    /// Where the admin chose to read an opportunity's site from (a key of the CRM's
    /// [`crate::crm::CrmIntegration::site_sources`]); `None`: the CRM's first.
    pub site_source: Option<String>,
}

impl std::fmt::Debug for Installation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installation")
            .field("crm", &self.crm)
            .field("account_id", &self.account_id)
            .field("aurora_tenant_id", &self.aurora_tenant_id)
            .field("app_enabled", &self.app_enabled)
            .field("auto_create", &self.auto_create)
            .finish_non_exhaustive()
    }
}

impl Installation {
    /// Where its sealed values belong (their AAD).
    pub fn seal_context(crm: Crm, account_id: &str) -> String {
        format!("installation/{}/{account_id}", crm.as_str())
    }
}

const COLUMNS: &str = "crm, account_id, aurora_tenant_id, app_enabled, auto_create, installed_by, crm_tokens_sealed, \
                       last_crm_webhook_at, last_error, last_error_at, tenant_verified_at, session_epoch, site_source";

/// Adds an installation without CRM tokens, or relinks its tenant (the CLI's
/// `add-installation`, and tests).
pub async fn upsert(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    aurora_tenant_id: Option<&str>,
    now: i64,
) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO installations (crm, account_id, aurora_tenant_id, app_enabled, created_at, updated_at) \
         VALUES (?1, ?2, ?3, 1, ?4, ?4) \
         ON CONFLICT (crm, account_id) DO UPDATE SET aurora_tenant_id = excluded.aurora_tenant_id, updated_at = excluded.updated_at",
        &[crm.into(), account_id.into(), SqlValue::from(aurora_tenant_id), now.into()],
    )
    .await?;
    Ok(())
}

/// Records an install through the CRM's OAuth: who installed it, the sealed tokens, and
/// a new session epoch (every earlier admin session ends). A reinstall keeps the tenant
/// link and settings.
pub async fn install(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    installed_by: &str,
    tokens_sealed: &str,
    session_epoch: &str,
    now: i64,
) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO installations (crm, account_id, app_enabled, installed_by, crm_tokens_sealed, session_epoch, \
         created_at, updated_at) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?6) \
         ON CONFLICT (crm, account_id) DO UPDATE SET installed_by = excluded.installed_by, \
         crm_tokens_sealed = excluded.crm_tokens_sealed, session_epoch = excluded.session_epoch, \
         last_error = NULL, last_error_at = NULL, updated_at = excluded.updated_at",
        &[crm.into(), account_id.into(), installed_by.into(), tokens_sealed.into(), session_epoch.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// The installation of one CRM account, if any.
pub async fn find(db: &dyn Database, crm: Crm, account_id: &str) -> Result<Option<Installation>, StorageError> {
    let rows: Vec<Installation> = query_as(
        db,
        &format!("SELECT {COLUMNS} FROM installations WHERE crm = ?1 AND account_id = ?2"),
        &[crm.into(), account_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}

async fn update(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    set: &str,
    values: Vec<SqlValue>,
) -> Result<bool, StorageError> {
    let mut params: Vec<SqlValue> = vec![crm.into(), account_id.into()];
    params.extend(values);
    let changed =
        db.execute(&format!("UPDATE installations SET {set} WHERE crm = ?1 AND account_id = ?2"), &params).await?;
    Ok(changed > 0)
}

/// Where a tenant was linked before it moved (see [`link_tenant`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PreviousLink {
    /// That installation's CRM.
    pub crm: Crm,
    /// Its account.
    pub account_id: String,
}

/// The installation other than `crm`/`account_id` that `tenant` is linked to, if any
/// (one tenant, one installation).
pub async fn tenant_holder(
    db: &dyn Database,
    tenant: &str,
    crm: Crm,
    account_id: &str,
) -> Result<Option<PreviousLink>, StorageError> {
    let holders: Vec<PreviousLink> = query_as(
        db,
        "SELECT crm, account_id FROM installations WHERE aurora_tenant_id = ?1 AND NOT (crm = ?2 AND account_id = ?3)",
        &[tenant.into(), crm.into(), account_id.into()],
    )
    .await?;
    Ok(holders.into_iter().next())
}

/// Links the Aurora tenant, proven with Aurora by the caller, to this installation only:
/// an installation that had it loses it and is told why on its health section. `Ok(None)`
/// when this installation does not exist; otherwise where the tenant was before, if
/// elsewhere.
pub async fn link_tenant(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    tenant: &str,
    now: i64,
) -> Result<Option<Option<PreviousLink>>, StorageError> {
    if find(db, crm, account_id).await?.is_none() {
        return Ok(None);
    }
    let previous = tenant_holder(db, tenant, crm, account_id).await?;
    if let Some(other) = &previous {
        let notice = format!(
            "Aurora tenant {tenant} was linked to another CRM account ({} {}) by a user of that tenant, with proof \
             from Aurora. If this was not expected, ask your Aurora admin, then link again with a code from Aurora.",
            crm.as_str(),
            account_id
        );
        update(
            db,
            other.crm,
            &other.account_id,
            "aurora_tenant_id = NULL, tenant_verified_at = NULL, last_error = ?3, last_error_at = ?4, updated_at = ?4",
            vec![notice.into(), now.into()],
        )
        .await?;
    }
    let linked = update(
        db,
        crm,
        account_id,
        "aurora_tenant_id = ?3, tenant_verified_at = ?4, app_enabled = 1, updated_at = ?4",
        vec![tenant.into(), now.into()],
    )
    .await?;
    Ok(linked.then_some(previous))
}

/// Turns automatic project creation on or off.
pub async fn set_auto_create(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    enabled: bool,
    now: i64,
) -> Result<bool, StorageError> {
    update(db, crm, account_id, "auto_create = ?3, updated_at = ?4", vec![enabled.into(), now.into()]).await
}

/// Chooses where an opportunity's site is read from (a key the CRM offers).
pub async fn set_site_source(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    source: &str,
    now: i64,
) -> Result<bool, StorageError> {
    update(db, crm, account_id, "site_source = ?3, updated_at = ?4", vec![source.into(), now.into()]).await
}

/// Replaces the sealed CRM tokens (after a refresh).
pub async fn store_tokens(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    tokens_sealed: &str,
    now: i64,
) -> Result<bool, StorageError> {
    update(db, crm, account_id, "crm_tokens_sealed = ?3, updated_at = ?4", vec![tokens_sealed.into(), now.into()]).await
}

/// Notes that the CRM sent a webhook.
pub async fn record_crm_webhook(db: &dyn Database, crm: Crm, account_id: &str, now: i64) -> Result<bool, StorageError> {
    update(db, crm, account_id, "last_crm_webhook_at = ?3", vec![now.into()]).await
}

/// Notes what went wrong, for the admin's settings page.
pub async fn record_error(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    error: &str,
    now: i64,
) -> Result<bool, StorageError> {
    update(db, crm, account_id, "last_error = ?3, last_error_at = ?4", vec![error.into(), now.into()]).await
}

/// Whether any installation links `tenant`.
pub async fn is_linked(db: &dyn Database, tenant: &str) -> Result<bool, StorageError> {
    let rows =
        db.query("SELECT 1 AS linked FROM installations WHERE aurora_tenant_id = ?1 LIMIT 1", &[tenant.into()]).await?;
    Ok(!rows.is_empty())
}

/// Records the tenant's app status on every installation linked to it.
pub async fn set_app_enabled(db: &dyn Database, tenant: &str, enabled: bool, now: i64) -> Result<u64, StorageError> {
    db.execute(
        "UPDATE installations SET app_enabled = ?2, updated_at = ?3 WHERE aurora_tenant_id = ?1",
        &[tenant.into(), enabled.into(), now.into()],
    )
    .await
}

/// Uninstalls: the installation, its tokens and its pending CRM work are deleted (work
/// for an installation that no longer exists can never be done). The opportunities'
/// projects and designs stay, for a reinstall.
pub async fn remove(db: &dyn Database, crm: Crm, account_id: &str) -> Result<bool, StorageError> {
    let params = [SqlValue::from(crm), SqlValue::from(account_id)];
    for table in ["crm_events", "write_backs", "project_rechecks"] {
        let sql = format!("DELETE FROM {table} WHERE crm = ?1 AND account_id = ?2 AND done_at IS NULL");
        db.execute(&sql, &params).await?;
    }
    // Its poll, stopped or not: a reinstall starts a new one from then.
    db.execute("DELETE FROM crm_poll_cursors WHERE crm = ?1 AND account_id = ?2", &params).await?;
    Ok(db.execute("DELETE FROM installations WHERE crm = ?1 AND account_id = ?2", &params).await? > 0)
}
