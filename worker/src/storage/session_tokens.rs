//! The newest session token Aurora gave us per tenant (`session_tokens`): good for one
//! `create_token` within the hour. Rows hold them sealed by the caller
//! (`temporary_keys::seal_session_token`): a session token is also what proves a user of
//! the tenant to `/connect/aurora`, so whoever reads the database must not find usable
//! ones there.

use super::{Database, StorageError, query_as};
use serde::Deserialize;

/// Holds the newest session token of a tenant: `?1` the tenant, `?2` the token sealed,
/// `?3` now (replacing an older one).
const HOLD: &str = "INSERT INTO session_tokens (aurora_tenant_id, session_token, received_at) VALUES (?1, ?2, ?3) \
     ON CONFLICT (aurora_tenant_id) DO UPDATE SET session_token = excluded.session_token, \
     received_at = excluded.received_at";

/// [`HOLD`], only when the statement run just before it (in the same
/// [`Database::execute_together`]) changed a row: a token held only with what it came with.
pub(super) const HOLD_AFTER_A_CHANGE: &str = "INSERT INTO session_tokens (aurora_tenant_id, session_token, \
     received_at) SELECT ?1, ?2, ?3 WHERE changes() = 1 \
     ON CONFLICT (aurora_tenant_id) DO UPDATE SET session_token = excluded.session_token, \
     received_at = excluded.received_at";

/// Holds the newest session token of a tenant, `sealed` (replacing an older one).
pub async fn hold(db: &dyn Database, tenant: &str, sealed: &str, now: i64) -> Result<(), StorageError> {
    db.execute(HOLD, &[tenant.into(), sealed.into(), now.into()]).await?;
    Ok(())
}

#[derive(Deserialize)]
struct Held {
    aurora_tenant_id: String,
    session_token: String,
    received_at: i64,
}

/// Takes the tenant's held session token (sealed) if it is younger than `max_age`
/// seconds; it is deleted either way (a session token is good for one exchange).
pub async fn take(db: &dyn Database, tenant: &str, now: i64, max_age: i64) -> Result<Option<String>, StorageError> {
    let held: Vec<Held> = query_as(
        db,
        "SELECT aurora_tenant_id, session_token, received_at FROM session_tokens WHERE aurora_tenant_id = ?1",
        &[tenant.into()],
    )
    .await?;
    Ok(take_held(db, held, now, max_age).await?.map(|(_, sealed)| sealed))
}

/// Takes a held session token (sealed) of a tenant other than `tenant`, younger than
/// `max_age` seconds, with its tenant: what the worker tries on `tenant` to see whether
/// Aurora binds session tokens to their tenant.
pub async fn take_of_another_tenant(
    db: &dyn Database,
    tenant: &str,
    now: i64,
    max_age: i64,
) -> Result<Option<(String, String)>, StorageError> {
    let held: Vec<Held> = query_as(
        db,
        "SELECT aurora_tenant_id, session_token, received_at FROM session_tokens \
         WHERE aurora_tenant_id <> ?1 AND received_at > ?2 ORDER BY received_at DESC LIMIT 1",
        &[tenant.into(), (now - max_age).into()],
    )
    .await?;
    take_held(db, held, now, max_age).await
}

async fn take_held(
    db: &dyn Database,
    held: Vec<Held>,
    now: i64,
    max_age: i64,
) -> Result<Option<(String, String)>, StorageError> {
    let Some(held) = held.into_iter().next() else { return Ok(None) };
    // Delete exactly what we read, so a newer token that just arrived is kept.
    let taken = db
        .execute(
            "DELETE FROM session_tokens WHERE aurora_tenant_id = ?1 AND session_token = ?2",
            &[held.aurora_tenant_id.as_str().into(), held.session_token.as_str().into()],
        )
        .await?;
    Ok((taken == 1 && now - held.received_at < max_age).then_some((held.aurora_tenant_id, held.session_token)))
}
