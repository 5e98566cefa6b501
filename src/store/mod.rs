//! All SQL. One portable schema and one set of queries for SQLite and PostgreSQL through sqlx's
//! Any driver: runtime queries with `$1` placeholders (SQLite accepts them), integers decoded as
//! `i64`, dates as `YYYY-MM-DD` text, timestamps as unix seconds, flags as 0/1. Only the DDL
//! differs (autoincrement), so there are two migration folders with the same file names, tables
//! and columns, picked by the URL's scheme.
//!
//! Helpers take a `&mut AnyConnection`; the public methods of [`Store`] own the transaction.

mod anchors;
mod audit;
mod bulletins;
mod cache;
mod codes;
mod error;
mod fingerprint;
mod group_commit;
mod import;
mod inbox;
mod load;
mod members;
mod notices;
mod outbox;
mod report_writes;
mod reports;
mod schedules;
mod targets;
mod tasks;
mod units;
mod views;

pub use anchors::Anchor;
pub use audit::AuditEntry;
pub use cache::{CurrentTasks, Seen};
pub use error::StoreError;
pub use import::ImportOutcome;
pub use inbox::{InboxItem, Incoming};
pub use members::{InviteSpec, Member, Named, Redeemed, Role};
pub use outbox::{OutFile, OutMessage, OutboxEntry, Outgoing};
pub use reports::{NewReport, Report, ReportFigure, ReportFilter, ReportState, Withdrawal};
pub use schedules::{ScheduleChange, ScheduleDraft, ScheduleRow};
pub use tasks::TaskRecord;
pub use units::UnitCounts;
pub use views::{TaskSelection, TaskUnit, TaskView};

use error::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{Any, ConnectOptions, Transaction};
use sqlx::{AnyConnection, AnyPool};
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long a SQLite connection waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// The database behind a [`Store`], chosen by the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite:…` is SQLite; `postgres://…` and `postgresql://…` are PostgreSQL.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// The database: a pool of connections and the backend they talk to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time. Writers of this process queue here, in order, instead
    /// of spinning in SQLite's busy handler (which sleeps in steps of milliseconds).
    write_turn: Arc<Mutex<()>>,
    /// The current notice's tasks, for the chat loop.
    task_cache: Arc<cache::TaskCache>,
    member_cache: Arc<std::sync::Mutex<cache::MemberCache>>,
    /// Reports and bot messages waiting for their group commit.
    report_queue: Arc<report_writes::ReportQueue>,
    anchor_queue: Arc<anchors::AnchorQueue>,
}

/// A write transaction; on SQLite it holds the process's write turn until it ends.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Store {
    /// Connects and runs the migrations. A SQLite file and its parent directory are created on
    /// first use (unless the URL sets its own `mode=`); SQLite connections use WAL, enforce
    /// foreign keys and wait for a busy database. A PostgreSQL database must already exist.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_file(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let pool = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlite_pragmas(conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .context("connect to the database")?;
        backend
            .migrator()
            .run(&pool)
            .await
            .map_err(StoreError::Migrate)?;
        Ok(Store {
            pool,
            backend,
            write_turn: Arc::new(Mutex::new(())),
            task_cache: Arc::default(),
            member_cache: Arc::default(),
            report_queue: Arc::default(),
            anchor_queue: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The notice imported most recently (the highest id), if any.
    pub async fn latest_notice_id(&self) -> Result<Option<i64>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        notices::latest_id(&mut conn).await
    }

    /// Waits for the connections to close.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that will write. SQLite takes the write lock at once, so that a
    /// transaction that reads first cannot fail later on upgrading its lock (`SQLITE_BUSY`
    /// would not wait for the busy timeout there).
    /// The write turn for a single statement (autocommit) on SQLite; nothing on PostgreSQL.
    async fn write_turn(&self) -> Option<OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_turn.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let (tx, turn) = match self.backend {
            Backend::Sqlite => {
                let turn = self.write_turn.clone().lock_owned().await;
                (self.pool.begin_with("BEGIN IMMEDIATE").await, Some(turn))
            }
            Backend::Postgres => (self.pool.begin().await, None),
        };
        Ok(WriteTx {
            tx: tx.context("begin a transaction")?,
            _turn: turn,
        })
    }
}

async fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    // The driver's defaults already do the first two; set them here so the schema's
    // assumptions do not hang on a default of a library.
    let busy = format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}");
    sqlx::query(sqlx::AssertSqlSafe(busy))
        .execute(&mut *conn)
        .await?;
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
    // In WAL mode NORMAL loses nothing when the process dies; after a power loss the last
    // commits may roll back. The inbox, where an update is acknowledged, commits with FULL
    // (see `inbox_put`), and everything else is derived from it and redone if lost.
    sqlx::query("PRAGMA synchronous = NORMAL")
        .execute(&mut *conn)
        .await?;
    // WAL is a property of the file; switching needs an exclusive lock, so only the first
    // connection to a new file does it.
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await?;
    if !mode.eq_ignore_ascii_case("wal") {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Creates the parent directory of a SQLite file and asks SQLite to create the file
/// (`mode=rwc`) unless the URL chooses a mode itself. In-memory databases pass through.
fn prepare_sqlite_file(url: &str) -> Result<String, StoreError> {
    if url.contains(":memory:") || url.contains("mode=") {
        return Ok(url.to_owned());
    }
    // Parse the way the Any driver will, so the directory made is the one SQLite opens.
    let any =
        sqlx::any::AnyConnectOptions::from_str(url).map_err(|_| StoreError::UnsupportedUrl)?;
    let options = sqlx::sqlite::SqliteConnectOptions::from_url(&any.database_url)
        .map_err(|_| StoreError::UnsupportedUrl)?;
    let path: PathBuf = options.get_filename().to_owned();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{separator}mode=rwc"))
}

/// Seconds since the Unix epoch, for `created_at` / `updated_at`.
fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_picks_the_backend() {
        assert_eq!(
            Backend::from_url("sqlite://data/duban.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }

    #[test]
    fn a_sqlite_url_gets_mode_rwc_unless_it_sets_a_mode() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/duban.db");
        let url = format!("sqlite://{}", file.display());

        let prepared = prepare_sqlite_file(&url).unwrap();

        assert_eq!(prepared, format!("{url}?mode=rwc"));
        assert!(dir.path().join("a/b").is_dir());
        assert_eq!(
            prepare_sqlite_file("sqlite:x.db?mode=ro").unwrap(),
            "sqlite:x.db?mode=ro"
        );
        assert_eq!(
            prepare_sqlite_file("sqlite::memory:").unwrap(),
            "sqlite::memory:"
        );
    }
}
