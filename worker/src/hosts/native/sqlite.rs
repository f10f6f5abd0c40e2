//! [`Database`] over a SQLite file (rusqlite, bundled SQLite), in WAL mode.
//!
//! - **Writes** go to one writer thread that owns the only writing connection and commits
//!   whatever statements are waiting together (group commit): one `fsync` serves every
//!   webhook acknowledged in that moment, instead of one each, and durability stays
//!   `synchronous = FULL` (an acknowledged delivery survives a power cut). Each statement
//!   runs in its own savepoint, so one that fails takes nothing else with it, and they run
//!   in arrival order on one connection, which keeps `ON CONFLICT` claims strictly ordered.
//! - **Reads** run on a small pool of read-only connections beside the writer (WAL lets
//!   readers in while a write commits), on the calling thread when one is free; a read sees
//!   every write that had answered before it started.
//!
//! - **The generation** (see [`Database::generation`]) moves with every commit of the
//!   writer, before its writes are answered, and within [`WATCH_INTERVAL`] of a commit by
//!   another process on the same file (the CLI's `add-installation`), which a watcher
//!   thread notices with `PRAGMA data_version`.
//!
//! An in-memory database (tests) has one connection, which serves both.

use crate::storage::{Database, Row, SqlValue, StorageError};
use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, types::Value as Sql};
use std::{
    path::Path,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicU64, Ordering},
        mpsc,
    },
    time::Duration,
};
use tokio::sync::oneshot;

/// Read connections per file database: one per core of the machines this runs on, and a
/// spare for the sweeper.
const READERS: usize = 3;

/// Most statements one commit takes.
const MAX_GROUP: usize = 256;

/// How often the watcher looks for commits made by other processes.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(250);

/// One statement for the writer.
struct Statement {
    sql: String,
    params: Vec<Sql>,
    /// Whether its rows are wanted (`INSERT ... RETURNING` through `query`).
    returning: bool,
}

/// Statements for the writer that commit or fail together, and where their outcome goes.
struct Write {
    statements: Vec<Statement>,
    done: oneshot::Sender<Result<Vec<Written>, StorageError>>,
}

/// What a write gave: how many rows it changed, or the rows it returned.
enum Written {
    Changed(u64),
    Rows(Vec<Row>),
}

/// A SQLite database file (or `:memory:`). Cheap to clone.
#[derive(Clone)]
pub struct SqliteDatabase {
    writer: mpsc::Sender<Write>,
    /// File databases: read-only connections, each used by one read at a time. In-memory
    /// ones: the writer's own connection (a second would be another database).
    readers: Arc<Vec<Arc<Mutex<Connection>>>>,
    /// Moves whenever the database may have changed (see the module's comment).
    generation: Arc<AtomicU64>,
}

impl SqliteDatabase {
    /// Opens (creating if needed) the database at `path`, in WAL mode.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let named = |e: rusqlite::Error| StorageError::Backend(format!("{}: {e}", path.display()));
        let writer = Connection::open(path).map_err(named)?;
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; \
                 PRAGMA foreign_keys = ON;",
            )
            .map_err(backend)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
                )
                .map_err(named)?;
                reader.execute_batch("PRAGMA busy_timeout = 5000;").map_err(backend)?;
                Ok(Arc::new(Mutex::new(reader)))
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        let generation = Arc::new(AtomicU64::new(0));
        spawn_watcher(path, Arc::downgrade(&generation))?;
        Ok(SqliteDatabase {
            writer: spawn_writer(Arc::new(Mutex::new(writer)), generation.clone())?,
            readers: Arc::new(readers),
            generation,
        })
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StorageError> {
        let connection = Arc::new(Mutex::new(Connection::open_in_memory().map_err(backend)?));
        let generation = Arc::new(AtomicU64::new(0));
        Ok(SqliteDatabase {
            writer: spawn_writer(connection.clone(), generation.clone())?,
            readers: Arc::new(vec![connection]),
            generation,
        })
    }

    /// Hands statements to the writer and waits for their commit.
    async fn write(&self, statements: Vec<Statement>) -> Result<Vec<Written>, StorageError> {
        let stopped = || StorageError::Backend("the SQLite writer has stopped".into());
        let (done, outcome) = oneshot::channel();
        self.writer.send(Write { statements, done }).map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }

    /// Hands one statement to the writer and waits for its commit.
    async fn write_one(&self, sql: String, params: Vec<Sql>, returning: bool) -> Result<Written, StorageError> {
        let written = self.write(vec![Statement { sql, params, returning }]).await?;
        written.into_iter().next().ok_or_else(|| StorageError::Backend("the writer answered nothing".into()))
    }

    /// Runs `work` on a read connection: at once, on this thread, when one is free (our
    /// reads are indexed lookups of a few rows, microseconds, and hopping to another thread
    /// and back cost more than the read: the poll's profile was mostly context switches);
    /// else on the blocking pool, waiting for one.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        if let Some(free) = self.readers.iter().find_map(|r| r.try_lock().ok()) {
            return work(&free);
        }
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let guard = readers
                .iter()
                .find_map(|r| r.try_lock().ok())
                .unwrap_or_else(|| readers[0].lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
            work(&guard)
        })
        .await
        .map_err(|e| StorageError::Backend(e.to_string()))?
    }
}

/// Starts the writer thread over `connection`; it ends when every sender is gone.
fn spawn_writer(
    connection: Arc<Mutex<Connection>>,
    generation: Arc<AtomicU64>,
) -> Result<mpsc::Sender<Write>, StorageError> {
    let (sender, receiver) = mpsc::channel::<Write>();
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            while let Ok(first) = receiver.recv() {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match receiver.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let connection = connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                commit_group(&connection, group, &generation);
            }
        })
        .map_err(|e| StorageError::Backend(format!("cannot start the SQLite writer: {e}")))?;
    Ok(sender)
}

/// Runs `group` in one transaction, each write in its own savepoint, and answers each
/// once the transaction committed (or with the commit's error). Every statement, the
/// savepoints' too, is prepared once and kept: this one thread is every write's way in.
fn commit_group(connection: &Connection, group: Vec<Write>, generation: &AtomicU64) {
    let plain = |sql: &str| -> Result<(), StorageError> {
        connection.prepare_cached(sql).and_then(|mut statement| statement.execute([])).map(drop).map_err(backend)
    };
    if let Err(error) = plain("BEGIN IMMEDIATE") {
        for write in group {
            let _ = write.done.send(Err(error.clone()));
        }
        return;
    }
    let mut outcomes = Vec::with_capacity(group.len());
    for write in group {
        let run = |statement: &Statement| -> Result<Written, StorageError> {
            let params = rusqlite::params_from_iter(statement.params.iter());
            let mut prepared = connection.prepare_cached(&statement.sql).map_err(backend)?;
            if statement.returning {
                Ok(Written::Rows(rows_of(&mut prepared, params)?))
            } else {
                Ok(Written::Changed(prepared.execute(params).map_err(backend)? as u64))
            }
        };
        let outcome = plain("SAVEPOINT write").and_then(|()| match write.statements.iter().map(run).collect() {
            Ok(written) => plain("RELEASE write").map(|()| written),
            Err(error) => {
                let _ = plain("ROLLBACK TO write").and_then(|()| plain("RELEASE write"));
                Err(error)
            }
        });
        outcomes.push((write.done, outcome));
    }
    let committed = plain("COMMIT");
    if committed.is_err() {
        let _ = plain("ROLLBACK");
    }
    // Before anyone hears of the writes: a read after an answered write must not take a
    // view kept from before it.
    generation.fetch_add(1, Ordering::Release);
    for (done, outcome) in outcomes {
        let _ = done.send(match &committed {
            Ok(()) => outcome,
            Err(error) => Err(error.clone()),
        });
    }
}

/// Starts the watcher of commits by other processes: `PRAGMA data_version` changes when
/// another connection committed (our own writer's commits move it too: a harmless extra
/// step). It ends once the database is dropped.
fn spawn_watcher(path: &Path, generation: Weak<AtomicU64>) -> Result<(), StorageError> {
    let watcher = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| StorageError::Backend(format!("{}: {e}", path.display())))?;
    let data_version = move || watcher.query_row("PRAGMA data_version", [], |row| row.get::<_, i64>(0)).ok();
    let mut seen = data_version();
    std::thread::Builder::new()
        .name("sqlite-watcher".into())
        .spawn(move || {
            loop {
                std::thread::sleep(WATCH_INTERVAL);
                let Some(generation) = generation.upgrade() else { return };
                let now = data_version();
                if now != seen {
                    seen = now;
                    generation.fetch_add(1, Ordering::Release);
                }
            }
        })
        .map_err(|e| StorageError::Backend(format!("cannot start the SQLite watcher: {e}")))?;
    Ok(())
}

fn backend(error: impl std::fmt::Display) -> StorageError {
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
        Ok(changed(self.write_one(sql.to_owned(), to_sql(params), false).await?))
    }

    async fn execute_together(&self, statements: &[(&str, &[SqlValue])]) -> Result<Vec<u64>, StorageError> {
        let statements = statements
            .iter()
            .map(|(sql, params)| Statement { sql: (*sql).to_owned(), params: to_sql(params), returning: false })
            .collect();
        Ok(self.write(statements).await?.into_iter().map(changed).collect())
    }

    fn generation(&self) -> Option<u64> {
        Some(self.generation.load(Ordering::Acquire))
    }

    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StorageError> {
        let (sql, params) = (sql.to_owned(), to_sql(params));
        let (read_sql, read_params) = (sql.clone(), params.clone());
        let read = self
            .read(move |c| {
                let mut statement = c.prepare_cached(&read_sql).map_err(backend)?;
                // A statement that writes (`INSERT ... RETURNING`) belongs to the writer.
                if !statement.readonly() {
                    return Ok(None);
                }
                rows_of(&mut statement, rusqlite::params_from_iter(read_params)).map(Some)
            })
            .await?;
        match read {
            Some(rows) => Ok(rows),
            None => match self.write_one(sql, params, true).await? {
                Written::Rows(rows) => Ok(rows),
                Written::Changed(_) => Ok(Vec::new()),
            },
        }
    }
}

fn changed(written: Written) -> u64 {
    match written {
        Written::Changed(changed) => changed,
        Written::Rows(rows) => rows.len() as u64,
    }
}

/// Runs `statement` and reads its rows as the storage seam hands them on (JSON values).
fn rows_of(statement: &mut rusqlite::Statement<'_>, params: impl rusqlite::Params) -> Result<Vec<Row>, StorageError> {
    let names: Vec<String> = statement.column_names().into_iter().map(str::to_owned).collect();
    let mut rows = statement.query(params).map_err(backend)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{installations, migrate};

    /// A fresh database file of its own for a test: its folder, and the file's path.
    fn fresh_file(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("sqlite-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join(format!("{name}.sqlite3"));
        let _ = std::fs::remove_file(&path);
        (dir, path)
    }

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

    /// The generation moves with each of our writes before it is answered, with another
    /// process's commit within a few watch intervals, and not at all while nothing is written.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_generation_moves_with_every_write_ours_at_once_another_processs_soon() {
        let (dir, path) = fresh_file("generation");
        let db = SqliteDatabase::open(&path).expect("open");
        let before = db.generation().expect("a file database has a generation");
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)", &[]).await.expect("create");
        let ours = db.generation().expect("generation");
        assert!(ours > before, "moved before our write was answered");
        // Our own commit reaches the watcher too; let it settle.
        tokio::time::sleep(WATCH_INTERVAL * 3).await;
        let settled = db.generation().expect("generation");
        tokio::time::sleep(WATCH_INTERVAL * 3).await;
        assert_eq!(db.generation(), Some(settled), "nothing written, nothing moves");
        let other_process = Connection::open(&path).expect("another connection");
        other_process.execute("INSERT INTO t (id) VALUES (1)", []).expect("insert");
        let deadline = std::time::Instant::now() + WATCH_INTERVAL * 8;
        while db.generation() == Some(settled) {
            assert!(std::time::Instant::now() < deadline, "another process's commit went unnoticed");
            tokio::time::sleep(WATCH_INTERVAL / 5).await;
        }
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A statement that writes and returns rows (`INSERT ... RETURNING`, how Aurora's
    /// pacing reserves a slot) runs on the writer, not on a read-only reader: on a file
    /// database, pacing must hand out slots one after the other.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_that_return_rows_go_to_the_writer_and_pacing_works_on_a_file() {
        use crate::aurora_pacing::{RateLimit, Slot, reserve};
        let (dir, path) = fresh_file("returning");
        let db = SqliteDatabase::open(&path).expect("open");
        migrate(&db, 1).await.expect("migrate");
        let now_ms = 1_000_000;
        let mut waits = Vec::new();
        let mut refused = Vec::new();
        for _ in 0..40 {
            match reserve(&db, "key", RateLimit::AURORA, now_ms).await.expect("an answer") {
                Slot::After(wait, _) => waits.push(wait.as_millis()),
                Slot::Full(booked) => refused.push(booked),
            }
        }
        // A burst of three at once, then one every 60 s / 87.
        assert_eq!(waits[..5], [0, 0, 0, 690, 1380]);
        // ... up to the ceiling; past it, nothing is reserved and the call fails at once.
        assert!(*waits.last().expect("slots") <= u128::from(RateLimit::AURORA.ceiling_ms), "{waits:?}");
        assert_eq!((waits.len(), refused.len()), (31, 9), "{waits:?}");
        let rows = db.query("SELECT tat_ms FROM aurora_pacing WHERE key_hash = 'key'", &[]).await.expect("read");
        assert_eq!(rows[0]["tat_ms"], now_ms + 31 * 690, "on disk, read back from a reader; refusals book nothing");
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Many writers at once share commits, each statement keeps its own outcome (a failing
    /// one takes nothing else with it), and every write is on disk once answered: a fresh
    /// connection (another process, after a crash) sees them all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_commit_together_each_with_its_own_outcome() {
        let (dir, path) = fresh_file("group");
        let db = SqliteDatabase::open(&path).expect("open");
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)", &[]).await.expect("create");
        let writes: Vec<_> = (0..200i64)
            .map(|i| {
                let db = db.clone();
                // Every tenth inserts NULL into a NOT NULL column: refused, alone.
                let value: SqlValue = if i % 10 == 0 { SqlValue::Null } else { format!("v{i}").into() };
                tokio::spawn(
                    async move { db.execute("INSERT INTO t (id, v) VALUES (?1, ?2)", &[i.into(), value]).await },
                )
            })
            .collect();
        let mut refused = 0;
        for write in writes {
            match write.await.expect("joined") {
                Ok(changed) => assert_eq!(changed, 1),
                Err(_) => refused += 1,
            }
        }
        assert_eq!(refused, 20);
        let rows = db.query("SELECT COUNT(*) AS n FROM t", &[]).await.expect("count");
        assert_eq!(rows[0]["n"], 180, "read after the writes answered");
        let fresh = Connection::open(&path).expect("another connection");
        let n: i64 = fresh.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).expect("count");
        assert_eq!(n, 180);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Statements executed together take effect together or not at all, beside other
    /// writes of the same group, and a statement sees what the one before it changed.
    #[tokio::test]
    async fn statements_executed_together_commit_or_fail_as_one() {
        let db = SqliteDatabase::in_memory().expect("db");
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)", &[]).await.expect("create");
        let insert = "INSERT INTO t (id, v) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
        let after_a_change = "INSERT INTO t (id, v) SELECT ?1, ?2 WHERE changes() = 1";
        let (one, two, three): ([SqlValue; 2], [SqlValue; 2], [SqlValue; 2]) =
            ([1.into(), "a".into()], [2.into(), "b".into()], [3.into(), SqlValue::Null]);
        let together = |first: &[SqlValue; 2], second: &[SqlValue; 2]| {
            let db = db.clone();
            let statements = [(insert.to_owned(), first.to_vec()), (after_a_change.to_owned(), second.to_vec())];
            async move {
                let borrowed: Vec<(&str, &[SqlValue])> = statements.iter().map(|(s, p)| (s.as_str(), &p[..])).collect();
                db.execute_together(&borrowed).await
            }
        };
        assert_eq!(together(&one, &two).await.expect("both"), vec![1, 1]);
        // The first changes nothing now: the second, conditional on it, does not run.
        let four: [SqlValue; 2] = [4.into(), "d".into()];
        assert_eq!(together(&one, &four).await.expect("neither"), vec![0, 0]);
        // The second fails (NULL into NOT NULL): the first is undone with it.
        let five: [SqlValue; 2] = [5.into(), "e".into()];
        assert!(together(&five, &three).await.is_err());
        let ids = db.query("SELECT id FROM t ORDER BY id", &[]).await.expect("rows");
        let ids: Vec<i64> = ids.iter().filter_map(|r| r["id"].as_i64()).collect();
        assert_eq!(ids, [1, 2]);
    }
}
