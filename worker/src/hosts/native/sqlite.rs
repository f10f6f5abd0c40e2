//! [`Database`] over a SQLite file (rusqlite, bundled SQLite). Statements run on tokio's
//! blocking pool behind one connection: SQLite serialises writers anyway, and one
//! connection keeps `ON CONFLICT` claims strictly ordered.

use crate::storage::{Database, Row, SqlValue, StorageError};
use async_trait::async_trait;
use rusqlite::{Connection, types::Value as Sql};
use std::{
    path::Path,
    sync::{Arc, Mutex},
};

/// A SQLite database file (or `:memory:`).
#[derive(Clone)]
pub struct SqliteDatabase {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteDatabase {
    /// Opens (creating if needed) the database at `path`, in WAL mode.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let connection =
            Connection::open(path).map_err(|e| StorageError::Backend(format!("{}: {e}", path.display())))?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
            .map_err(backend)?;
        Ok(SqliteDatabase { connection: Arc::new(Mutex::new(connection)) })
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StorageError> {
        let connection = Connection::open_in_memory().map_err(backend)?;
        Ok(SqliteDatabase { connection: Arc::new(Mutex::new(connection)) })
    }

    async fn with_connection<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let connection = self.connection.clone();
        tokio::task::spawn_blocking(move || {
            let connection = connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&connection)
        })
        .await
        .map_err(|e| StorageError::Backend(e.to_string()))?
    }
}

fn backend(error: rusqlite::Error) -> StorageError {
    StorageError::Backend(error.to_string())
}

fn to_sql(params: &[SqlValue]) -> Vec<Sql> {
    params
        .iter()
        .map(|p| match p {
            SqlValue::Null => Sql::Null,
            SqlValue::Integer(i) => Sql::Integer(*i),
            SqlValue::Real(r) => Sql::Real(*r),
            SqlValue::Text(t) => Sql::Text(t.clone()),
        })
        .collect()
}

#[async_trait]
impl Database for SqliteDatabase {
    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StorageError> {
        let (sql, params) = (sql.to_owned(), to_sql(params));
        self.with_connection(move |c| {
            c.execute(&sql, rusqlite::params_from_iter(params)).map(|n| n as u64).map_err(backend)
        })
        .await
    }

    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StorageError> {
        let (sql, params) = (sql.to_owned(), to_sql(params));
        self.with_connection(move |c| {
            let mut statement = c.prepare_cached(&sql).map_err(backend)?;
            let names: Vec<String> = statement.column_names().into_iter().map(str::to_owned).collect();
            let mut rows = statement.query(rusqlite::params_from_iter(params)).map_err(backend)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(backend)? {
                let mut map = Row::new();
                for (index, name) in names.iter().enumerate() {
                    let value = match row.get::<_, Sql>(index).map_err(backend)? {
                        Sql::Null => serde_json::Value::Null,
                        Sql::Integer(i) => i.into(),
                        Sql::Real(r) => r.into(),
                        Sql::Text(t) => t.into(),
                        Sql::Blob(_) => return Err(StorageError::Decode(format!("{name} is a blob"))),
                    };
                    map.insert(name.clone(), value);
                }
                out.push(map);
            }
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{installations, migrate};

    #[tokio::test]
    async fn migrations_apply_once_and_installations_round_trip() {
        let db = SqliteDatabase::in_memory().expect("db");
        assert_eq!(migrate(&db, 1).await.expect("migrate"), crate::storage::MIGRATIONS.len());
        assert_eq!(migrate(&db, 2).await.expect("migrate again"), 0, "idempotent");
        installations::upsert(&db, crate::ids::Crm::Demo, "acct-1", None, 10).await.expect("insert");
        installations::upsert(&db, crate::ids::Crm::Demo, "acct-1", Some("7e57a000-0000-4000-8000-000000000001"), 11)
            .await
            .expect("update");
        installations::install(
            &db,
            crate::ids::Crm::Demo,
            "acct-1",
            "user-admin",
            "sealed-tokens-value",
            "epoch-1",
            12,
        )
        .await
        .expect("install");
        let found = installations::find(&db, crate::ids::Crm::Demo, "acct-1").await.expect("find").expect("present");
        assert_eq!(
            found.aurora_tenant_id.as_deref(),
            Some("7e57a000-0000-4000-8000-000000000001"),
            "a reinstall keeps the tenant"
        );
        assert_eq!(found.installed_by.as_deref(), Some("user-admin"));
        assert!(!format!("{found:?}").contains("sealed-tokens-value"), "Debug hides the tokens");
        assert!(installations::remove(&db, crate::ids::Crm::Demo, "acct-1").await.expect("remove"));
        assert!(installations::find(&db, crate::ids::Crm::Demo, "acct-1").await.expect("find").is_none());
        assert!(installations::find(&db, crate::ids::Crm::Demo, "acct-2").await.expect("find").is_none());
    }
}
