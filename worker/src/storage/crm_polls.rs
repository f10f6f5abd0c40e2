//! Where the poll of a CRM without new-opportunity webhooks (Salesforce) has read up to,
//! per installation (`crm_poll_cursors`).

use super::{Database, StorageError};
use crate::ids::Crm;

/// Polls `account_id` from `cursor` on: nothing created before it is read, whatever an
/// earlier poll had reached (an install, or automatic projects switched on, starts afresh:
/// opportunities created meanwhile get no project by surprise).
pub async fn start(db: &dyn Database, crm: Crm, account_id: &str, cursor: &str) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO crm_poll_cursors (crm, account_id, cursor) VALUES (?1, ?2, ?3) \
         ON CONFLICT (crm, account_id) DO UPDATE SET cursor = excluded.cursor, polled_at = NULL",
        &[crm.as_str().into(), account_id.into(), cursor.into()],
    )
    .await?;
    Ok(())
}

/// Whether `account_id` is polled.
pub async fn is_started(db: &dyn Database, crm: Crm, account_id: &str) -> Result<bool, StorageError> {
    let rows = db
        .query(
            "SELECT 1 AS started FROM crm_poll_cursors WHERE crm = ?1 AND account_id = ?2",
            &[crm.as_str().into(), account_id.into()],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// The installations of `crm` to poll now: automatic projects on, authorized, last polled
/// before `polled_before`. (account id, cursor), longest waiting first.
pub async fn due(
    db: &dyn Database,
    crm: Crm,
    polled_before: i64,
    limit: i64,
) -> Result<Vec<(String, String)>, StorageError> {
    let rows = db
        .query(
            "SELECT c.account_id, c.cursor FROM crm_poll_cursors c \
             JOIN installations i ON i.crm = c.crm AND i.account_id = c.account_id \
             WHERE c.crm = ?1 AND i.auto_create = 1 AND i.crm_tokens_sealed IS NOT NULL \
               AND (c.polled_at IS NULL OR c.polled_at < ?2) \
             ORDER BY COALESCE(c.polled_at, 0) LIMIT ?3",
            &[crm.as_str().into(), polled_before.into(), limit.into()],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let account = row.get("account_id")?.as_str()?.to_owned();
            let cursor = row.get("cursor")?.as_str()?.to_owned();
            Some((account, cursor))
        })
        .collect())
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
