//! `aurora_pacing`: each Aurora key's schedule (a GCRA's theoretical arrival time), shared
//! by every process and isolate that calls Aurora with the key (see `crate::aurora_pacing`).

use super::{Database, StorageError};

/// Moves `key_hash`'s schedule on by `interval_ms` from `now_ms` (or from where it stands,
/// when later), unless that would take it past `max_tat_ms`, in one statement. Answers
/// where it stands now when the slot was reserved, `None` when it was not (nothing is
/// reserved then).
pub async fn advance(
    db: &dyn Database,
    key_hash: &str,
    now_ms: i64,
    interval_ms: i64,
    max_tat_ms: i64,
) -> Result<Option<i64>, StorageError> {
    let rows = db
        .query(
            "INSERT INTO aurora_pacing (key_hash, tat_ms) VALUES (?1, ?2 + ?3) \
             ON CONFLICT (key_hash) DO UPDATE SET tat_ms = MAX(aurora_pacing.tat_ms, ?2) + ?3 \
             WHERE MAX(aurora_pacing.tat_ms, ?2) + ?3 <= ?4 \
             RETURNING tat_ms",
            &[key_hash.into(), now_ms.into(), interval_ms.into(), max_tat_ms.into()],
        )
        .await?;
    Ok(rows.first().and_then(|row| row.get("tat_ms")).and_then(serde_json::Value::as_i64))
}

/// Where `key_hash`'s schedule stands, if it has one.
pub async fn standing(db: &dyn Database, key_hash: &str) -> Result<Option<i64>, StorageError> {
    let rows = db.query("SELECT tat_ms FROM aurora_pacing WHERE key_hash = ?1", &[key_hash.into()]).await?;
    Ok(rows.first().and_then(|row| row.get("tat_ms")).and_then(serde_json::Value::as_i64))
}

/// Gives back the slot that moved `key_hash`'s schedule to `tat_ms`, if nothing was
/// reserved after it (a slot in the middle is left: later calls already wait for theirs).
pub async fn give_back(db: &dyn Database, key_hash: &str, tat_ms: i64, interval_ms: i64) -> Result<bool, StorageError> {
    let changed = db
        .execute(
            "UPDATE aurora_pacing SET tat_ms = tat_ms - ?3 WHERE key_hash = ?1 AND tat_ms = ?2",
            &[key_hash.into(), tat_ms.into(), interval_ms.into()],
        )
        .await?;
    Ok(changed == 1)
}
