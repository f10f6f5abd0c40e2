//! One-time values, kept as hashes (the values themselves are never stored): the codes that
//! link an Aurora tenant to a CRM installation (`tenant_link_codes`, as their caller's
//! keyed digest: a code has 40 bits, which an unkeyed hash would give back to a database
//! reader in minutes), the nonces of installs whose callback was taken (`install_nonces`),
//! and the signed requests already exchanged for a session (`spent_signed_requests`).

use super::{Database, StorageError};
use sha2::{Digest, Sha256};

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Stores a code, by its keyed `digest`, for `tenant`, good until `expires_at`.
pub async fn store_link_code(
    db: &dyn Database,
    digest: &str,
    tenant: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StorageError> {
    // Expired codes open nothing: dropped as new ones are made.
    db.execute("DELETE FROM tenant_link_codes WHERE expires_at < ?1", &[now.into()]).await?;
    db.execute(
        "INSERT INTO tenant_link_codes (code_hash, aurora_tenant_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        &[digest.into(), tenant.into(), now.into(), expires_at.into()],
    )
    .await?;
    Ok(())
}

/// Uses up the code whose keyed digest is `digest`: its tenant, if the code exists, is
/// unused and has not expired. A code is redeemed once, however many requests race for it.
pub async fn redeem_link_code(db: &dyn Database, digest: &str, now: i64) -> Result<Option<String>, StorageError> {
    let code_hash = digest;
    let used = db
        .execute(
            "UPDATE tenant_link_codes SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            &[code_hash.into(), now.into()],
        )
        .await?;
    if used == 0 {
        return Ok(None);
    }
    let rows =
        db.query("SELECT aurora_tenant_id FROM tenant_link_codes WHERE code_hash = ?1", &[code_hash.into()]).await?;
    Ok(rows.first().and_then(|row| row.get("aurora_tenant_id")).and_then(|t| t.as_str()).map(str::to_owned))
}

/// Records that the install carrying `nonce` completed; false when it had already (a
/// replayed callback). Nonces spent more than `state_lifetime` seconds ago are dropped:
/// their install states have expired, so they could not be replayed anyway.
pub async fn spend_install_nonce(
    db: &dyn Database,
    nonce: &str,
    now: i64,
    state_lifetime: i64,
) -> Result<bool, StorageError> {
    db.execute("DELETE FROM install_nonces WHERE used_at < ?1", &[now.saturating_sub(state_lifetime).into()]).await?;
    let recorded = db
        .execute(
            "INSERT INTO install_nonces (nonce_hash, used_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &[hash(nonce).into(), now.into()],
        )
        .await?;
    Ok(recorded == 1)
}

/// How long a spent signed request is remembered (and refused again).
pub const SIGNED_REQUEST_MEMORY_SECONDS: i64 = 10 * 60;

/// Records that the signed request with `signature` opened a session; false when one
/// did within [`SIGNED_REQUEST_MEMORY_SECONDS`] (a replay). Older entries are dropped.
pub async fn spend_signed_request(db: &dyn Database, signature: &str, now: i64) -> Result<bool, StorageError> {
    db.execute(
        "DELETE FROM spent_signed_requests WHERE spent_at < ?1",
        &[now.saturating_sub(SIGNED_REQUEST_MEMORY_SECONDS).into()],
    )
    .await?;
    let recorded = db
        .execute(
            "INSERT INTO spent_signed_requests (signature_hash, spent_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &[hash(signature).into(), now.into()],
        )
        .await?;
    Ok(recorded == 1)
}
