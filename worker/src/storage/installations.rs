//! Installations: a CRM account that installed the app, its signing secret, and the Aurora
//! tenant it is linked to.

use super::{Database, SqlValue, StorageError, query_as};
use serde::Deserialize;

/// One CRM account's installation. `Debug` leaves the shared secret out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct Installation {
    /// Which CRM (`demo`, ...).
    pub crm: String,
    /// The CRM's account (company) id.
    pub account_id: String,
    /// The secret the CRM signs this account's contexts with.
    pub shared_secret: String,
    /// The linked Aurora tenant, once an admin linked it.
    pub aurora_tenant_id: Option<String>,
    /// 0 when the tenant disabled our app in Aurora.
    pub app_enabled: i64,
}

impl std::fmt::Debug for Installation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installation")
            .field("crm", &self.crm)
            .field("account_id", &self.account_id)
            .field("aurora_tenant_id", &self.aurora_tenant_id)
            .field("app_enabled", &self.app_enabled)
            .finish_non_exhaustive()
    }
}

/// Adds an installation, or replaces its secret and tenant when it exists.
pub async fn upsert(
    db: &dyn Database,
    crm: &str,
    account_id: &str,
    shared_secret: &str,
    aurora_tenant_id: Option<&str>,
    now: i64,
) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO installations (crm, account_id, shared_secret, aurora_tenant_id, app_enabled, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5) \
         ON CONFLICT (crm, account_id) DO UPDATE SET shared_secret = excluded.shared_secret, \
         aurora_tenant_id = excluded.aurora_tenant_id, updated_at = excluded.updated_at",
        &[crm.into(), account_id.into(), shared_secret.into(), SqlValue::from(aurora_tenant_id), now.into()],
    )
    .await?;
    Ok(())
}

/// The installation of one CRM account, if any.
pub async fn find(db: &dyn Database, crm: &str, account_id: &str) -> Result<Option<Installation>, StorageError> {
    let rows: Vec<Installation> = query_as(
        db,
        "SELECT crm, account_id, shared_secret, aurora_tenant_id, app_enabled FROM installations \
         WHERE crm = ?1 AND account_id = ?2",
        &[crm.into(), account_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}
