//! The lifecycle columns every queue table shares (`worker/migrations/0005_jobs.sql`):
//! pending -> leased -> done | pending again at a later time | dead. The rules that decide
//! between them live in [`crate::jobs`]; this module only reads and writes the columns.
//!
//! Every outcome is recorded only while the row's `lease_id` still names the caller: a
//! lease that expired and was taken by someone else makes a late outcome a no-op.

use super::{Database, SqlValue, StorageError, query_as};
use serde::Deserialize;

/// One table of background work.
#[derive(Debug)]
pub struct Queue {
    /// The table.
    pub table: &'static str,
    /// The columns that identify one piece of work (all TEXT).
    pub key: &'static [&'static str],
    /// The column with the time the work was first recorded (for its age).
    pub enqueued_at: &'static str,
    /// How dead work is attributed to an installation on its health section.
    pub owner: Owner,
}

/// Whose work a queue holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Rows carry `crm` and `account_id`.
    Installation,
    /// Rows carry `aurora_tenant_id` (Aurora's events come per tenant).
    Tenant,
    /// Rows carry `crm` only: app-wide work of a CRM (its journal), every installation's concern.
    Crm,
}

/// The values of a queue's key columns, in order.
pub type JobKey = Vec<String>;

/// A lease just taken.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Leased {
    /// Leases taken so far, this one included.
    pub attempts: i64,
    /// When the work was first recorded.
    pub enqueued_at: i64,
}

/// Dead work of one queue for one installation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeadWork {
    /// How many pieces of work died.
    pub count: i64,
    /// Why the newest one died.
    pub last_error: Option<String>,
    /// When (unix seconds).
    pub last_dead_at: Option<i64>,
}

impl Queue {
    /// `k1 = ?1 AND k2 = ?2 ...`: the key columns bound first, in order.
    fn key_clause(&self) -> String {
        self.key
            .iter()
            .enumerate()
            .map(|(i, column)| format!("{column} = ?{}", i + 1))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The key's values as parameters, followed by `rest` (numbered from `key.len() + 1`).
    fn params(&self, key: &[String], rest: impl IntoIterator<Item = SqlValue>) -> Result<Vec<SqlValue>, StorageError> {
        if key.len() != self.key.len() {
            return Err(StorageError::Decode(format!(
                "{}: a key of {} values for {} columns",
                self.table,
                key.len(),
                self.key.len()
            )));
        }
        Ok(key.iter().map(|v| SqlValue::from(v.as_str())).chain(rest).collect())
    }

    /// `?n` for the `i`-th parameter after the key (0-based).
    fn after_key(&self, i: usize) -> String {
        format!("?{}", self.key.len() + 1 + i)
    }
}

/// Work that may be taken at `now` (pending, due, not under a live lease), oldest due first.
pub async fn due(db: &dyn Database, queue: &Queue, now: i64, limit: i64) -> Result<Vec<JobKey>, StorageError> {
    let sql = format!(
        "SELECT {key} FROM {table} WHERE done_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ?1 \
         AND (lease_expires_at IS NULL OR lease_expires_at <= ?1) ORDER BY next_attempt_at LIMIT ?2",
        key = queue.key.join(", "),
        table = queue.table,
    );
    let rows = db.query(&sql, &[now.into(), limit.into()]).await?;
    rows.into_iter()
        .map(|row| {
            queue
                .key
                .iter()
                .map(|column| match row.get(*column) {
                    Some(serde_json::Value::String(value)) => Ok(value.clone()),
                    other => Err(StorageError::Decode(format!("{}.{column} is {other:?}, not text", queue.table))),
                })
                .collect()
        })
        .collect()
}

/// Takes a lease on `key` until `expires_at` when the work may be taken at `now`
/// (compare-and-set: of several takers exactly one wins). Counts as an attempt.
pub async fn lease(
    db: &dyn Database,
    queue: &Queue,
    key: &[String],
    lease_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<Option<Leased>, StorageError> {
    let (lease, expiry, at) = (queue.after_key(0), queue.after_key(1), queue.after_key(2));
    let sql = format!(
        "UPDATE {table} SET lease_id = {lease}, lease_expires_at = {expiry}, attempts = attempts + 1 \
         WHERE {key} AND done_at IS NULL AND dead_at IS NULL AND next_attempt_at <= {at} \
         AND (lease_expires_at IS NULL OR lease_expires_at <= {at})",
        table = queue.table,
        key = queue.key_clause(),
    );
    let params = queue.params(key, [lease_id.into(), expires_at.into(), now.into()])?;
    if db.execute(&sql, &params).await? != 1 {
        return Ok(None);
    }
    let sql = format!(
        "SELECT attempts, {enqueued} AS enqueued_at FROM {table} WHERE {key} AND lease_id = {lease}",
        enqueued = queue.enqueued_at,
        table = queue.table,
        key = queue.key_clause(),
    );
    Ok(query_as(db, &sql, &queue.params(key, [lease_id.into()])?).await?.into_iter().next())
}

/// Sets `set` (which numbers its values after the key and the lease id) on the leased row.
async fn settle(
    db: &dyn Database,
    queue: &Queue,
    key: &[String],
    lease_id: &str,
    set: &str,
    values: Vec<SqlValue>,
) -> Result<bool, StorageError> {
    let sql = format!(
        "UPDATE {table} SET {set}, lease_id = NULL, lease_expires_at = NULL WHERE {key} AND lease_id = {lease}",
        table = queue.table,
        key = queue.key_clause(),
        lease = queue.after_key(0),
    );
    let params = queue.params(key, std::iter::once(SqlValue::from(lease_id)).chain(values))?;
    Ok(db.execute(&sql, &params).await? == 1)
}

/// Extends the lease `lease_id` holds to `expires_at`, while its runner is still at work.
/// False when the lease is no longer ours.
pub async fn extend_lease(
    db: &dyn Database,
    queue: &Queue,
    key: &[String],
    lease_id: &str,
    expires_at: i64,
) -> Result<bool, StorageError> {
    let sql = format!(
        "UPDATE {table} SET lease_expires_at = {expiry} WHERE {key} AND lease_id = {lease} AND done_at IS NULL \
         AND dead_at IS NULL",
        table = queue.table,
        key = queue.key_clause(),
        lease = queue.after_key(0),
        expiry = queue.after_key(1),
    );
    let params = queue.params(key, [SqlValue::from(lease_id), expires_at.into()])?;
    Ok(db.execute(&sql, &params).await? == 1)
}

/// Records the leased work done. False when the lease was no longer ours.
pub async fn done(
    db: &dyn Database,
    queue: &Queue,
    key: &[String],
    lease_id: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let set = format!("done_at = {}, last_error = NULL", queue.after_key(1));
    settle(db, queue, key, lease_id, &set, vec![now.into()]).await
}

/// Recurring work done for now: pending again, due at `at`, its attempts counted afresh
/// from `now` (a run of failures is what kills it, not its total).
pub async fn again_at(
    db: &dyn Database,
    queue: &Queue,
    key: &[String],
    lease_id: &str,
    at: i64,
    now: i64,
) -> Result<bool, StorageError> {
    let set = format!(
        "last_error = NULL, attempts = 0, next_attempt_at = {}, {} = {}",
        queue.after_key(1),
        queue.enqueued_at,
        queue.after_key(2)
    );
    settle(db, queue, key, lease_id, &set, vec![at.into(), now.into()]).await
}

/// Returns the leased work to pending, due at `at`, with why it failed.
pub async fn retry_at(
    db: &dyn Database,
    queue: &Queue,
    key: &[String],
    lease_id: &str,
    error: &str,
    at: i64,
) -> Result<bool, StorageError> {
    let set = format!("last_error = {}, next_attempt_at = {}", queue.after_key(1), queue.after_key(2));
    settle(db, queue, key, lease_id, &set, vec![error.into(), at.into()]).await
}

/// Records the leased work dead: kept, with why, and never taken again.
pub async fn dead(
    db: &dyn Database,
    queue: &Queue,
    key: &[String],
    lease_id: &str,
    error: &str,
    now: i64,
) -> Result<bool, StorageError> {
    let set = format!("last_error = {}, dead_at = {}", queue.after_key(1), queue.after_key(2));
    settle(db, queue, key, lease_id, &set, vec![error.into(), now.into()]).await
}

/// Voids every lease of the queue. Only for a host that owns its database alone (the
/// native binary at start-up): every lease in it belongs to a run that has ended.
pub async fn release_leases(db: &dyn Database, queue: &Queue) -> Result<u64, StorageError> {
    let sql = format!(
        "UPDATE {table} SET lease_id = NULL, lease_expires_at = NULL WHERE lease_id IS NOT NULL",
        table = queue.table
    );
    db.execute(&sql, &[]).await
}

/// Dead work of the installation `crm`/`account_id` (or, for Aurora's events, of its
/// linked `tenant`, since it was linked: a previous owner's work is not its to see), with
/// the newest reason.
pub async fn dead_work(
    db: &dyn Database,
    queue: &Queue,
    crm: crate::ids::Crm,
    account_id: &str,
    tenant: Option<(&str, i64)>,
) -> Result<DeadWork, StorageError> {
    let since = format!("aurora_tenant_id = ?1 AND {} >= ?2", queue.enqueued_at);
    let (owned, params): (&str, Vec<SqlValue>) = match queue.owner {
        Owner::Installation => ("crm = ?1 AND account_id = ?2", vec![crm.into(), account_id.into()]),
        Owner::Crm => ("crm = ?1", vec![crm.into()]),
        Owner::Tenant => match tenant {
            Some((tenant, linked_at)) => (since.as_str(), vec![tenant.into(), linked_at.into()]),
            None => return Ok(DeadWork { count: 0, last_error: None, last_dead_at: None }),
        },
    };
    let sql = format!(
        "SELECT COUNT(*) AS count, \
         (SELECT last_error FROM {table} WHERE {owned} AND dead_at IS NOT NULL ORDER BY dead_at DESC LIMIT 1) AS last_error, \
         MAX(dead_at) AS last_dead_at FROM {table} WHERE {owned} AND dead_at IS NOT NULL",
        table = queue.table,
    );
    query_as(db, &sql, &params)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StorageError::Decode(format!("{}: no count row", queue.table)))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::hosts::native::sqlite::SqliteDatabase;

    const QUEUE: Queue =
        Queue { table: "work", key: &["a", "b"], enqueued_at: "created_at", owner: Owner::Installation };

    async fn db_with_work(now: i64) -> SqliteDatabase {
        let db = SqliteDatabase::in_memory().expect("db");
        db.execute(
            "CREATE TABLE work (a TEXT, b TEXT, crm TEXT, account_id TEXT, created_at INTEGER, attempts INTEGER \
             NOT NULL DEFAULT 0, next_attempt_at INTEGER, lease_id TEXT, lease_expires_at INTEGER, done_at INTEGER, \
             dead_at INTEGER, last_error TEXT, PRIMARY KEY (a, b))",
            &[],
        )
        .await
        .expect("table");
        for (a, b) in [("x", "1"), ("y", "2")] {
            db.execute(
                "INSERT INTO work (a, b, crm, account_id, created_at, next_attempt_at) VALUES (?1, ?2, 'demo', 'acct', ?3, ?3)",
                &[a.into(), b.into(), now.into()],
            )
            .await
            .expect("insert");
        }
        db
    }

    fn key(a: &str, b: &str) -> JobKey {
        vec![a.to_owned(), b.to_owned()]
    }

    #[tokio::test]
    async fn leased_work_is_skipped_until_its_lease_expires_and_then_taken_over() {
        let db = db_with_work(100).await;
        assert_eq!(due(&db, &QUEUE, 100, 10).await.expect("due").len(), 2);
        let first = lease(&db, &QUEUE, &key("x", "1"), "lease-1", 100, 220).await.expect("lease");
        assert_eq!(first, Some(Leased { attempts: 1, enqueued_at: 100 }));
        // Leased and not expired: not due, and nobody else can take it.
        assert_eq!(due(&db, &QUEUE, 150, 10).await.expect("due"), vec![key("y", "2")]);
        assert_eq!(lease(&db, &QUEUE, &key("x", "1"), "lease-2", 150, 270).await.expect("lease"), None);
        // Expired: due again, and taken over by a new lease, counted as another attempt.
        assert_eq!(due(&db, &QUEUE, 220, 10).await.expect("due").len(), 2);
        let second = lease(&db, &QUEUE, &key("x", "1"), "lease-2", 220, 340).await.expect("lease");
        assert_eq!(second.map(|l| l.attempts), Some(2));
        // The first holder's late outcome changes nothing; the new holder's is recorded.
        assert!(!done(&db, &QUEUE, &key("x", "1"), "lease-1", 230).await.expect("late"));
        assert!(done(&db, &QUEUE, &key("x", "1"), "lease-2", 231).await.expect("done"));
        assert_eq!(due(&db, &QUEUE, 10_000, 10).await.expect("due"), vec![key("y", "2")]);
    }

    #[tokio::test]
    async fn retried_work_waits_for_its_time_and_dead_work_is_counted_never_taken() {
        let db = db_with_work(100).await;
        lease(&db, &QUEUE, &key("x", "1"), "l1", 100, 220).await.expect("lease");
        assert!(retry_at(&db, &QUEUE, &key("x", "1"), "l1", "CRM down", 150).await.expect("retry"));
        assert_eq!(due(&db, &QUEUE, 149, 10).await.expect("due"), vec![key("y", "2")]);
        assert_eq!(due(&db, &QUEUE, 150, 10).await.expect("due").len(), 2);
        lease(&db, &QUEUE, &key("x", "1"), "l2", 150, 270).await.expect("lease");
        assert!(dead(&db, &QUEUE, &key("x", "1"), "l2", "opportunity deleted", 160).await.expect("dead"));
        assert_eq!(due(&db, &QUEUE, 10_000, 10).await.expect("due"), vec![key("y", "2")]);
        let found = dead_work(&db, &QUEUE, crate::ids::Crm::Demo, "acct", None).await.expect("dead work");
        assert_eq!(
            found,
            DeadWork { count: 1, last_error: Some("opportunity deleted".into()), last_dead_at: Some(160) }
        );
        assert_eq!(dead_work(&db, &QUEUE, crate::ids::Crm::Demo, "other", None).await.expect("none").count, 0);
    }

    #[tokio::test]
    async fn recurring_work_done_for_now_is_due_again_later_with_its_attempts_counted_afresh() {
        let db = db_with_work(100).await;
        for (lease_id, now) in [("l1", 100), ("l2", 110)] {
            lease(&db, &QUEUE, &key("x", "1"), lease_id, now, now + 120).await.expect("lease");
            assert!(retry_at(&db, &QUEUE, &key("x", "1"), lease_id, "CRM down", now + 10).await.expect("retry"));
        }
        let third = lease(&db, &QUEUE, &key("x", "1"), "l3", 120, 240).await.expect("lease");
        assert_eq!(third, Some(Leased { attempts: 3, enqueued_at: 100 }));
        // It worked: due again at 150, a fresh run of attempts from 120.
        assert!(again_at(&db, &QUEUE, &key("x", "1"), "l3", 150, 120).await.expect("again"));
        assert_eq!(due(&db, &QUEUE, 149, 10).await.expect("due"), vec![key("y", "2")]);
        let next = lease(&db, &QUEUE, &key("x", "1"), "l4", 150, 270).await.expect("lease");
        assert_eq!(next, Some(Leased { attempts: 1, enqueued_at: 120 }));
        // A late "again" of a lost lease changes nothing.
        assert!(!again_at(&db, &QUEUE, &key("x", "1"), "l3", 999, 999).await.expect("late"));
    }

    #[tokio::test]
    async fn a_key_of_the_wrong_length_is_an_error_not_a_query() {
        let db = db_with_work(100).await;
        let error = lease(&db, &QUEUE, &["x".to_owned()], "l", 100, 200).await.expect_err("refused");
        assert!(matches!(error, StorageError::Decode(_)), "{error}");
    }

    #[tokio::test]
    async fn released_leases_are_due_again_at_once() {
        let db = db_with_work(100).await;
        lease(&db, &QUEUE, &key("x", "1"), "l1", 100, 220).await.expect("lease");
        assert_eq!(release_leases(&db, &QUEUE).await.expect("release"), 1);
        assert_eq!(due(&db, &QUEUE, 100, 10).await.expect("due").len(), 2);
    }
}
