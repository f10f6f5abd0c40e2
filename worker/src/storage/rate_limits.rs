//! Fixed-window rate limits kept in storage (`rate_limits`), so that every Workers isolate
//! counts against the same limit: link attempts per installation, connects from Aurora.

use super::{Database, StorageError};

/// Windows older than this are forgotten (longer than any limit's window).
pub const FORGET_AFTER_SECONDS: i64 = 24 * 3600;

/// A limit: at most `hits` per `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// How many in one window.
    pub hits: i64,
    /// The window's length.
    pub window_seconds: i64,
}

/// Counts one hit on `key` at `now`; `Some(seconds)` to wait when the limit is reached
/// (the hit is then not counted), `None` when it is within the limit.
pub async fn hit(db: &dyn Database, key: &str, limit: Limit, now: i64) -> Result<Option<i64>, StorageError> {
    let window_start = now - now.rem_euclid(limit.window_seconds.max(1));
    // Keys are per client and per tenant: windows a day old are dropped as new ones start.
    db.execute("DELETE FROM rate_limits WHERE window_start < ?1", &[(now - FORGET_AFTER_SECONDS).into()]).await?;
    // One statement: a new window starts at 1; within the window, count up to the limit.
    let counted = db
        .execute(
            "INSERT INTO rate_limits (key, window_start, hits) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END, \
               window_start = excluded.window_start \
             WHERE rate_limits.window_start <> excluded.window_start OR rate_limits.hits < ?3",
            &[key.into(), window_start.into(), limit.hits.into()],
        )
        .await?;
    Ok((counted == 0).then(|| window_start + limit.window_seconds - now))
}
