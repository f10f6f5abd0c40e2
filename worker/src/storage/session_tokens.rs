//! The newest session token Aurora gave us per tenant (`session_tokens`): good for one
//! `create_token` within the hour.

use super::{Database, StorageError, query_as};
use serde::Deserialize;

/// Holds the newest session token of a tenant (replacing an older one).
pub async fn hold(db: &dyn Database, tenant: &str, token: &str, now: i64) -> Result<(), StorageError> {
    db.execute(
        "INSERT INTO session_tokens (aurora_tenant_id, session_token, received_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (aurora_tenant_id) DO UPDATE SET session_token = excluded.session_token, \
         received_at = excluded.received_at",
        &[tenant.into(), token.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// Takes the tenant's held session token if it is younger than `max_age` seconds; it is
/// deleted either way (a session token is good for one exchange).
pub async fn take(db: &dyn Database, tenant: &str, now: i64, max_age: i64) -> Result<Option<String>, StorageError> {
    #[derive(Deserialize)]
    struct Held {
        session_token: String,
        received_at: i64,
    }
    let held: Vec<Held> = query_as(
        db,
        "SELECT session_token, received_at FROM session_tokens WHERE aurora_tenant_id = ?1",
        &[tenant.into()],
    )
    .await?;
    let Some(held) = held.into_iter().next() else { return Ok(None) };
    // Delete exactly what we read, so a newer token that just arrived is kept.
    let taken = db
        .execute(
            "DELETE FROM session_tokens WHERE aurora_tenant_id = ?1 AND session_token = ?2",
            &[tenant.into(), held.session_token.as_str().into()],
        )
        .await?;
    Ok((taken == 1 && now - held.received_at < max_age).then_some(held.session_token))
}
