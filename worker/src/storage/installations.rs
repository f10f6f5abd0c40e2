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
    /// How the tenant link was made; `None` with a tenant: before links needed proof.
    pub tenant_link: Option<TenantLink>,
    /// When the current tenant was linked (unix seconds; 0 for links older than the column).
    pub tenant_linked_at: Option<i64>,
    /// Changes on every install: admin sessions name it (see [`crate::admin_session`]).
    pub session_epoch: String,
    /// Where the admin chose to read an opportunity's site from (a key of the CRM's
    /// [`crate::crm::CrmIntegration::site_sources`]); `None`: the CRM's first.
    pub site_source: Option<String>,
    /// The CRM stage each step of the sale moves an opportunity to (`stages::StageMap` as
    /// JSON); `None`: stages are left alone.
    #[serde(default)]
    pub stage_map_json: Option<String>,
    /// Whether the design's price is written to the opportunity's own amount.
    #[serde(default, deserialize_with = "super::bool_from_integer")]
    pub write_amount: bool,
}

/// How an installation's tenant link was made, which decides whether it creates projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantLink {
    /// A user of the tenant proved it with a session token Aurora exchanged, while Aurora
    /// was seen refusing forged ones.
    Proven,
    /// The operator linked it (CLI), or approved a link.
    Operator,
    /// A code was redeemed while Aurora was not seen refusing forged session tokens: the
    /// exchange proved nothing, so the operator approves it first.
    AwaitingOperator,
}

impl TenantLink {
    /// Its text in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            TenantLink::Proven => "proven",
            TenantLink::Operator => "operator",
            TenantLink::AwaitingOperator => "awaiting_operator",
        }
    }

    /// Whether projects are created and designs shown through a link made this way (a
    /// link from before proof existed, `None`, is not).
    pub fn is_usable(link: Option<TenantLink>) -> bool {
        matches!(link, Some(TenantLink::Proven | TenantLink::Operator))
    }
}

/// The SQL condition, on `installations` as `alias`, of a usable link (see
/// [`TenantLink::is_usable`]).
pub fn usable_link_sql(alias: &str) -> String {
    format!("{alias}.tenant_link IN ('proven', 'operator')")
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
                       last_crm_webhook_at, last_error, last_error_at, tenant_verified_at, tenant_link, tenant_linked_at, session_epoch, site_source, \
                       stage_map_json, write_amount";

/// Whether `account_id`'s installation changed at or after `at` (unix seconds): installed
/// again, its tokens renewed, a setting saved (within the same second: taken as changed
/// after, so that nothing installed again is forgotten). False when there is none.
pub async fn changed_since(db: &dyn Database, crm: Crm, account_id: &str, at: i64) -> Result<bool, StorageError> {
    let rows = db
        .query(
            "SELECT 1 AS changed FROM installations WHERE crm = ?1 AND account_id = ?2 AND updated_at >= ?3",
            &[crm.as_str().into(), account_id.into(), at.into()],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// Adds an installation without CRM tokens, or relinks its tenant (the CLI's
/// `add-installation`, and tests): a link the operator made.
pub async fn upsert(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    aurora_tenant_id: Option<&str>,
    now: i64,
) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO installations (crm, account_id, aurora_tenant_id, tenant_link, tenant_linked_at, app_enabled, \
         created_at, updated_at) VALUES (?1, ?2, ?3, CASE WHEN ?3 IS NULL THEN NULL ELSE 'operator' END, ?4, 1, ?4, ?4) \
         ON CONFLICT (crm, account_id) DO UPDATE SET aurora_tenant_id = excluded.aurora_tenant_id, \
         tenant_link = excluded.tenant_link, tenant_verified_at = NULL, tenant_linked_at = excluded.updated_at, \
         updated_at = excluded.updated_at",
        &[crm.into(), account_id.into(), SqlValue::from(aurora_tenant_id), now.into()],
    )
    .await?;
    Ok(())
}

/// How the notice of an attempt to link this installation's tenant elsewhere begins: a
/// reinstall (which clears errors it fixes) keeps it, since reinstalling fixes nothing of it.
pub const TENANT_ATTEMPT_NOTICE: &str = "A user of Aurora tenant ";

/// Records an install through the CRM's OAuth: who installed it, the sealed tokens, and
/// a new session epoch (every earlier admin session ends). A reinstall keeps the tenant
/// link and settings, and clears the last error unless it is a tenant-link attempt's.
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
         last_error = CASE WHEN substr(last_error, 1, length(?7)) = ?7 THEN last_error END, \
         last_error_at = CASE WHEN substr(last_error, 1, length(?7)) = ?7 THEN last_error_at END, \
         updated_at = excluded.updated_at",
        &[
            crm.into(),
            account_id.into(),
            installed_by.into(),
            tokens_sealed.into(),
            session_epoch.into(),
            now.into(),
            TENANT_ATTEMPT_NOTICE.into(),
        ],
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

/// What became of [`link_tenant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linked {
    /// The tenant is linked to this installation now.
    Done,
    /// This installation does not exist.
    NotInstalled,
    /// Another installation holds the tenant: it stays there until that one releases it
    /// (or the operator moves it). That installation's admin is told of the attempt.
    HeldBy(PreviousLink),
}

/// Links the Aurora tenant to this installation, made as `link` says, unless another
/// installation holds it: a tenant never moves silently. Relinking the
/// tenant this installation holds renews the link.
pub async fn link_tenant(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    tenant: &str,
    link: TenantLink,
    now: i64,
) -> Result<Linked, StorageError> {
    let verified_at = (link == TenantLink::Proven).then_some(now);
    let changed = db
        .execute(
            "UPDATE installations SET aurora_tenant_id = ?3, tenant_link = ?4, tenant_verified_at = ?5, \
             tenant_linked_at = CASE WHEN aurora_tenant_id = ?3 THEN tenant_linked_at ELSE ?6 END, \
             app_enabled = 1, updated_at = ?6 \
             WHERE crm = ?1 AND account_id = ?2 AND NOT EXISTS (SELECT 1 FROM installations o \
             WHERE o.aurora_tenant_id = ?3 AND NOT (o.crm = ?1 AND o.account_id = ?2))",
            &[
                crm.into(),
                account_id.into(),
                tenant.into(),
                link.as_str().into(),
                SqlValue::from(verified_at),
                now.into(),
            ],
        )
        .await?;
    if changed > 0 {
        return Ok(Linked::Done);
    }
    if find(db, crm, account_id).await?.is_none() {
        return Ok(Linked::NotInstalled);
    }
    let Some(holder) = tenant_holder(db, tenant, crm, account_id).await? else {
        // Released between the two statements: the caller may try again.
        return Ok(Linked::NotInstalled);
    };
    let notice = format!(
        "{TENANT_ATTEMPT_NOTICE}{tenant} tried to link it to another CRM account ({} {}). It stays linked to this \
         account. If the tenant should move, release it here (Release tenant); if not, tell your Aurora admin.",
        crm.as_str(),
        account_id
    );
    update(db, holder.crm, &holder.account_id, "last_error = ?3, last_error_at = ?4", vec![notice.into(), now.into()])
        .await?;
    Ok(Linked::HeldBy(holder))
}

/// Releases this installation's tenant (its admin's "Release tenant", or the operator's
/// `release-tenant`): it can then be linked elsewhere. Answers the tenant released.
pub async fn release_tenant(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    now: i64,
) -> Result<Option<String>, StorageError> {
    let set = "aurora_tenant_id = NULL, tenant_link = NULL, tenant_verified_at = NULL, tenant_linked_at = NULL";
    change_link(db, crm, account_id, set, now).await
}

/// The operator approves the link of this installation (awaiting approval, or from before
/// proof existed). Answers the tenant, if it has one.
pub async fn approve_link(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    now: i64,
) -> Result<Option<String>, StorageError> {
    change_link(db, crm, account_id, "tenant_link = 'operator'", now).await
}

/// Sets `set` on an installation that has a tenant; answers the tenant it had.
async fn change_link(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    set: &str,
    now: i64,
) -> Result<Option<String>, StorageError> {
    let Some(tenant) = find(db, crm, account_id).await?.and_then(|i| i.aurora_tenant_id) else { return Ok(None) };
    update(db, crm, account_id, &format!("{set}, updated_at = ?3"), vec![now.into()]).await?;
    Ok(Some(tenant))
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

/// Whether the design's price is written to the opportunity's own amount.
pub async fn set_write_amount(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    enabled: bool,
    now: i64,
) -> Result<bool, StorageError> {
    update(db, crm, account_id, "write_amount = ?3, updated_at = ?4", vec![enabled.into(), now.into()]).await
}

/// Keeps the admin's stage for each step of the sale (`stages::StageMap` as JSON).
pub async fn set_stage_map(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    stage_map_json: &str,
    now: i64,
) -> Result<bool, StorageError> {
    update(db, crm, account_id, "stage_map_json = ?3, updated_at = ?4", vec![stage_map_json.into(), now.into()]).await
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

/// Stores renewed tokens in place of `before` (sealed as read): false when the row holds
/// others by now (another process renewed first), which are then kept.
pub async fn replace_tokens(
    db: &dyn Database,
    crm: Crm,
    account_id: &str,
    before: &str,
    tokens_sealed: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let changed = db
        .execute(
            "UPDATE installations SET crm_tokens_sealed = ?4, updated_at = ?5 \
             WHERE crm = ?1 AND account_id = ?2 AND crm_tokens_sealed = ?3",
            &[crm.into(), account_id.into(), before.into(), tokens_sealed.into(), now.into()],
        )
        .await?;
    Ok(changed == 1)
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

/// Whether an installation links `tenant` with a usable link (see [`TenantLink::is_usable`]).
pub async fn is_linked(db: &dyn Database, tenant: &str) -> Result<bool, StorageError> {
    let rows = db
        .query(
            &format!(
                "SELECT 1 AS linked FROM installations i WHERE i.aurora_tenant_id = ?1 AND {} LIMIT 1",
                usable_link_sql("i")
            ),
            &[tenant.into()],
        )
        .await?;
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
    for table in ["crm_events", "write_backs", "crm_activities", "stage_moves", "signed_documents", "project_rechecks"]
    {
        let sql = format!("DELETE FROM {table} WHERE crm = ?1 AND account_id = ?2 AND done_at IS NULL");
        db.execute(&sql, &params).await?;
    }
    // Its poll, stopped or not: a reinstall starts a new one from then.
    db.execute("DELETE FROM crm_poll_cursors WHERE crm = ?1 AND account_id = ?2", &params).await?;
    Ok(db.execute("DELETE FROM installations WHERE crm = ?1 AND account_id = ?2", &params).await? > 0)
}
