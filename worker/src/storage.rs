//! The storage seam: a tiny SQL executor that each host implements (SQLite natively, D1 on
//! Cloudflare), with every query written once, in plain SQLite, above it.
//!
//! Values are text, 64-bit-safe integers and reals only. D1 turns u64s into JS BigInts
//! and rejects them, so integers we store (unix seconds, flags) stay well inside i53.

pub mod aurora_checks;
pub mod aurora_events;
pub mod aurora_pacing;
pub mod crm_activities;
pub mod crm_events;
pub mod crm_journals;
pub mod crm_polls;
pub mod designs;
pub mod installations;
pub mod jobs;
pub mod late_projects;
pub mod one_time;
pub mod opportunities;
pub mod opportunity_views;
pub mod project_rechecks;
pub mod projects;
pub mod rate_limits;
pub mod sales;
pub mod session_tokens;
pub mod signed_documents;
pub mod stage_moves;
pub mod vendor_observations;
pub mod write_backs;

use async_trait::async_trait;
use serde::de::DeserializeOwned;

/// One bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// SQL NULL.
    Null,
    /// An integer (kept within +-2^53 so D1 can carry it as a JS number).
    Integer(i64),
    Real(f64),
    /// Text.
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        SqlValue::Text(value.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(value: String) -> Self {
        SqlValue::Text(value)
    }
}

impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        SqlValue::Integer(value)
    }
}

impl From<bool> for SqlValue {
    fn from(value: bool) -> Self {
        SqlValue::Integer(i64::from(value))
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(SqlValue::Null, Into::into)
    }
}

impl From<crate::ids::Crm> for SqlValue {
    fn from(value: crate::ids::Crm) -> Self {
        SqlValue::Text(value.as_str().to_owned())
    }
}

/// Reads a 0/1 column as a `bool` (SQLite and D1 have no boolean type).
pub fn bool_from_integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value: i64 = serde::Deserialize::deserialize(deserializer)?;
    Ok(value != 0)
}

/// A result row, column name -> value, as JSON (what D1 hands back natively).
pub type Row = serde_json::Map<String, serde_json::Value>;

/// Why storage failed. Never carries bound values (they may be secrets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The database refused or failed the statement.
    #[error("database error: {0}")]
    Backend(String),
    /// A row did not have the shape we expected.
    #[error("unexpected row shape: {0}")]
    Decode(String),
}

/// What a host provides: run a statement, or a query returning rows.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    /// Runs a statement; returns how many rows it changed.
    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StorageError>;
    /// Runs `statements` in order as one unit: all of them take effect or none does (an
    /// error in one undoes the others). Returns how many rows each changed. One commit for
    /// what belongs together (a webhook's record and what it brought), so a caller waits
    /// for one durable write, not one per statement.
    async fn execute_together(&self, statements: &[(&str, &[SqlValue])]) -> Result<Vec<u64>, StorageError>;
    /// Runs a query; returns its rows.
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StorageError>;
    /// A number that moves whenever a write may have changed the database, when the host
    /// can tell without asking it: what was read at generation `g` still holds while the
    /// generation is `g` (a write answered before a read began has moved it; a host may
    /// take a moment to notice writes from outside, as the native host's watcher does for
    /// other processes on its file). `None` when
    /// the host cannot tell (D1: any isolate anywhere may write), and every read asks.
    fn generation(&self) -> Option<u64> {
        None
    }
}

/// Runs a query and reads each row into `T`.
pub async fn query_as<T: DeserializeOwned>(
    db: &dyn Database,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<T>, StorageError> {
    db.query(sql, params)
        .await?
        .into_iter()
        .map(|row| {
            serde_json::from_value(serde_json::Value::Object(row)).map_err(|e| StorageError::Decode(e.to_string()))
        })
        .collect()
}

/// The schema, in order: the files of `worker/migrations/`, shared with `wrangler d1 migrations`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_installations_and_opportunities.sql",
        include_str!("../migrations/0001_installations_and_opportunities.sql"),
    ),
    ("0002_projects.sql", include_str!("../migrations/0002_projects.sql")),
    ("0003_webhooks_and_designs.sql", include_str!("../migrations/0003_webhooks_and_designs.sql")),
    ("0004_crm_installs.sql", include_str!("../migrations/0004_crm_installs.sql")),
    ("0005_jobs.sql", include_str!("../migrations/0005_jobs.sql")),
    ("0006_simulation_order.sql", include_str!("../migrations/0006_simulation_order.sql")),
    ("0007_tenant_link_proof.sql", include_str!("../migrations/0007_tenant_link_proof.sql")),
    ("0008_install_nonces.sql", include_str!("../migrations/0008_install_nonces.sql")),
    ("0009_aurora_pacing.sql", include_str!("../migrations/0009_aurora_pacing.sql")),
    ("0010_salesforce.sql", include_str!("../migrations/0010_salesforce.sql")),
    ("0011_crm_polls_as_jobs.sql", include_str!("../migrations/0011_crm_polls_as_jobs.sql")),
    ("0012_vendor_observations.sql", include_str!("../migrations/0012_vendor_observations.sql")),
    ("0013_tenant_link_trust.sql", include_str!("../migrations/0013_tenant_link_trust.sql")),
    ("0014_tenant_linked_at.sql", include_str!("../migrations/0014_tenant_linked_at.sql")),
    ("0015_crm_journals.sql", include_str!("../migrations/0015_crm_journals.sql")),
    ("0016_design_pricing.sql", include_str!("../migrations/0016_design_pricing.sql")),
    ("0017_sales.sql", include_str!("../migrations/0017_sales.sql")),
    ("0018_crm_activities.sql", include_str!("../migrations/0018_crm_activities.sql")),
    ("0019_stage_moves.sql", include_str!("../migrations/0019_stage_moves.sql")),
    ("0020_deal_amount.sql", include_str!("../migrations/0020_deal_amount.sql")),
    ("0021_signed_documents.sql", include_str!("../migrations/0021_signed_documents.sql")),
];

/// Applies the migrations not applied yet, recording them in `d1_migrations` as wrangler
/// does, so a database is in the same state whichever tool migrated it.
pub async fn migrate(db: &dyn Database, now: i64) -> Result<usize, StorageError> {
    db.execute(
        "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TEXT NOT NULL)",
        &[],
    )
    .await?;
    let mut applied = 0;
    for (name, sql) in MIGRATIONS {
        let done = db.query("SELECT 1 AS done FROM d1_migrations WHERE name = ?1", &[(*name).into()]).await?;
        if !done.is_empty() {
            continue;
        }
        for statement in split_statements(sql) {
            db.execute(&statement, &[]).await?;
        }
        db.execute(
            "INSERT INTO d1_migrations (name, applied_at) VALUES (?1, ?2)",
            &[(*name).into(), now.to_string().into()],
        )
        .await?;
        applied += 1;
    }
    Ok(applied)
}

/// Splits a migration file into statements: comments dropped, split on `;` at line ends.
/// (Our migrations hold no triggers or string literals with semicolons.)
fn split_statements(sql: &str) -> Vec<String> {
    let without_comments: String =
        sql.lines().map(|line| line.split("--").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    without_comments.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_without_comments() {
        let sql = "-- a comment; with a semicolon\nCREATE TABLE a (x TEXT); -- trailing\n\nCREATE INDEX b ON a (x);\n";
        assert_eq!(split_statements(sql), vec!["CREATE TABLE a (x TEXT)", "CREATE INDEX b ON a (x)"]);
        for (name, sql) in MIGRATIONS {
            assert!(
                split_statements(sql)
                    .iter()
                    .all(|s| ["CREATE", "ALTER", "DROP", "UPDATE", "DELETE"].iter().any(|verb| s.starts_with(verb))),
                "{name}"
            );
        }
    }
}
