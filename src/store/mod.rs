//! All SQL. One portable schema and one set of queries for SQLite and PostgreSQL through sqlx's
//! Any driver: runtime queries with `$1` placeholders (SQLite accepts them), integers decoded as
//! `i64`, dates as `YYYY-MM-DD` text, timestamps as unix seconds, flags as 0/1. Only the DDL
//! differs (autoincrement), so there are two migration folders with the same file names, tables
//! and columns, picked by the URL's scheme.
//!
//! Helpers take a `&mut AnyConnection`; the public methods of [`Store`] own the transaction.

mod anchors;
mod assign;
mod audit;
mod backup;
mod bulletins;
mod cache;
mod codes;
mod error;
mod evidence;
mod extensions;
mod fingerprint;
mod group_commit;
mod health;
mod import;
mod inbox;
mod items;
mod leases;
mod load;
mod members;
mod migrations;
mod notices;
mod outbox;
mod platforms;
mod report_writes;
mod reports;
mod retention;
mod review;
mod schedules;
mod targets;
mod tasks;
mod units;
mod views;

pub use anchors::Anchor;
pub use assign::{AssignRefusal, AssignRequest, Assignment, summary as units_summary};
pub use audit::AuditEntry;
pub use backup::{BackupInfo, BackupRefusal, inspect_backup};
pub use cache::{CurrentTasks, Seen};
pub use error::StoreError;
pub use evidence::{Evidence, EvidenceKind, EvidenceOf, Keeping, Kept, NewEvidence, sha256_hex};
pub use extensions::{Decided, Extension, ExtensionState, NewExtension, Requested};
pub use group_commit::Activity;
pub use import::ImportOutcome;
pub use inbox::{InboxItem, InboxSeq, Incoming, Platform, UpdateKey};
pub use items::{DEFAULT_SOURCE as ITEM_SOURCE, ItemInfo, NewItem, TaskRef, task_label};
pub use leases::Fence;
pub use members::{InviteSpec, Member, Named, Redeemed, Role};
pub use outbox::{FileRef, OutFile, OutMessage, OutboxEntry, Outgoing};
pub use platforms::{DINGTALK_BASE, DingName, platform_of};
pub use reports::{NewReport, Report, ReportFigure, ReportFilter, ReportState, Withdrawal};
pub use retention::Pruned;
pub use review::{Reopened, Reviewed, TaskStatus, Verdict};
pub use schedules::{Effective, Origin, ScheduleChange, ScheduleDraft, ScheduleRow};
pub use tasks::TaskRecord;
pub use units::UnitCounts;
pub use views::{TaskSelection, TaskUnit, TaskView};

use error::Context;
use group_commit::GroupCommit;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, ConnectOptions, Transaction};
use sqlx::{AnyConnection, AnyPool};
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

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

    /// The backend a connection talks to.
    pub(crate) fn of(conn: &AnyConnection) -> Backend {
        match conn.backend_name() {
            "PostgreSQL" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// `count` bind parameters, comma-separated, numbered from `first` (1-based): `$3, $4` for
    /// PostgreSQL, `?, ?` for SQLite. SQLite looks a numbered parameter up by name, scanning
    /// the statement's names, when it parses the statement and again for every value sqlx
    /// binds: quadratic in a statement of many rows. Anonymous ones it numbers in order, so a
    /// statement must use them throughout and bind its values in the order they appear.
    pub(crate) fn params(self, first: usize, count: usize) -> String {
        let mut list = String::with_capacity(count * 5);
        for n in first..first + count {
            if n > first {
                list.push_str(", ");
            }
            match self {
                Backend::Sqlite => list.push('?'),
                Backend::Postgres => {
                    list.push('$');
                    list.push_str(&n.to_string());
                }
            }
        }
        list
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &migrations::SQLITE_MIGRATOR,
            Backend::Postgres => &migrations::POSTGRES_MIGRATOR,
        }
    }
}

/// The database: a pool of connections and the backend they talk to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The SQLite database's file (None for PostgreSQL and in-memory databases).
    file: Option<Arc<PathBuf>>,
    /// SQLite has one writer at a time. Writers of this process queue here, in order, instead
    /// of spinning in SQLite's busy handler (which sleeps in steps of milliseconds), and
    /// write with the one connection kept for it.
    writer: Arc<Mutex<SqliteWriter>>,
    /// The current notice's tasks, for the chat loop.
    task_cache: Arc<cache::TaskCache>,
    member_cache: Arc<std::sync::Mutex<cache::MemberCache>>,
    /// Reports and bot messages waiting for their group commit.
    report_queue: Arc<report_writes::ReportQueue>,
    anchor_queue: Arc<anchors::AnchorQueue>,
    /// The handlers that may still bring writes to a group commit.
    activity: Arc<Activity>,
}

/// The connection SQLite writes go through, kept out of the pool: a pooled connection is
/// pinged by sqlx on every acquire and every release, two round trips to SQLite's worker
/// thread per statement that this one saves.
#[derive(Debug, Default)]
pub(crate) struct SqliteWriter {
    conn: Option<PoolConnection<Any>>,
    /// A transaction was begun and not ended (its [`WriteTx`] was dropped where it could not
    /// roll back): the next writer rolls it back first.
    open: bool,
    /// The connection may be at `synchronous = FULL`: set (or being set) for a write that must
    /// reach the disk, and not yet set back to the NORMAL of every connection. Raised before
    /// the pragma is sent, so that a writer cancelled half-way leaves it raised and the next
    /// ordinary writer sets NORMAL again.
    full_sync: bool,
}

/// How a SQLite write transaction reaches the disk. Connections use `synchronous = NORMAL`:
/// in WAL mode nothing is lost when the process dies, but the last commits may roll back
/// after a power cut. What duban confirms to others (an update to Telegram) commits
/// [`Durability::Synced`] (`FULL`). PostgreSQL commits are synced either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    Normal,
    Synced,
}

impl SqliteWriter {
    /// The connection, taken from the pool on first use and kept, synced as `durability`
    /// asks; an unfinished transaction of an earlier writer is rolled back first.
    async fn connection(
        &mut self,
        pool: &AnyPool,
        durability: Durability,
    ) -> Result<&mut AnyConnection, StoreError> {
        self.roll_back_unfinished().await?;
        if self.conn.is_none() {
            self.conn = Some(pool.acquire().await.context("acquire a connection")?);
            // A new connection starts at NORMAL (`sqlite_pragmas`).
            self.full_sync = false;
        }
        let conn = self.conn.as_mut().expect("just connected");
        match (durability, self.full_sync) {
            (Durability::Synced, false) => {
                self.full_sync = true;
                sqlx::query("PRAGMA synchronous = FULL")
                    .execute(&mut **conn)
                    .await
                    .context("sync the next commit to disk")?;
            }
            (Durability::Normal, true) => {
                sqlx::query("PRAGMA synchronous = NORMAL")
                    .execute(&mut **conn)
                    .await
                    .context("restore the connection's sync mode")?;
                self.full_sync = false;
            }
            _ => {}
        }
        Ok(&mut **conn)
    }

    async fn roll_back_unfinished(&mut self) -> Result<(), StoreError> {
        if self.open
            && let Some(conn) = &mut self.conn
        {
            sqlx::query("ROLLBACK")
                .execute(&mut **conn)
                .await
                .context("roll back an unfinished write")?;
        }
        self.open = false;
        Ok(())
    }
}

/// The right to write: on SQLite the process's write turn and its writer connection, on
/// PostgreSQL a connection of the pool.
pub(crate) enum Writer {
    Sqlite(OwnedMutexGuard<SqliteWriter>),
    Postgres(PoolConnection<Any>),
}

impl Deref for Writer {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Writer::Sqlite(writer) => writer.conn.as_ref().expect("the writer is connected"),
            Writer::Postgres(conn) => conn,
        }
    }
}

impl DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Writer::Sqlite(writer) => writer.conn.as_mut().expect("the writer is connected"),
            Writer::Postgres(conn) => conn,
        }
    }
}

/// A write transaction; on SQLite it holds the process's write turn until it ends. Dropped
/// without a commit, it rolls back.
pub(crate) enum WriteTx {
    /// `None` once ended.
    Sqlite(Option<OwnedMutexGuard<SqliteWriter>>),
    Postgres(Option<Transaction<'static, Any>>),
}

impl WriteTx {
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        match &mut self {
            WriteTx::Sqlite(writer) => {
                let mut writer = writer.take().expect("a transaction ends once");
                let conn = writer.conn.as_mut().expect("the writer is connected");
                let committed = sqlx::query("COMMIT").execute(&mut **conn).await;
                if committed.is_ok() {
                    writer.open = false;
                } else {
                    // Still open (SQLite keeps a transaction whose COMMIT failed).
                    let _ = writer.roll_back_unfinished().await;
                }
                committed.map(|_| ())
            }
            WriteTx::Postgres(tx) => tx.take().expect("a transaction ends once").commit().await,
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // Roll back at once, still holding the turn, so that SQLite's write lock is not kept
        // until this process writes again; without a runtime the next writer does it. A
        // PostgreSQL transaction rolls itself back.
        if let WriteTx::Sqlite(writer) = self
            && let Some(mut writer) = writer.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                if let Err(e) = writer.roll_back_unfinished().await {
                    tracing::error!(error = %e, "could not roll back a write");
                }
            });
        }
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        let conn = match self {
            WriteTx::Sqlite(writer) => writer.as_ref().and_then(|w| w.conn.as_deref()),
            WriteTx::Postgres(tx) => tx.as_deref(),
        };
        conn.expect("a transaction in progress")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        let conn = match self {
            WriteTx::Sqlite(writer) => writer.as_mut().and_then(|w| w.conn.as_deref_mut()),
            WriteTx::Postgres(tx) => tx.as_deref_mut(),
        };
        conn.expect("a transaction in progress")
    }
}

impl Store {
    /// Connects and runs the migrations. A SQLite file and its parent directory are created on
    /// first use (unless the URL sets its own `mode=`); SQLite connections use WAL, enforce
    /// foreign keys and wait for a busy database. A PostgreSQL database must already exist.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let (url, file) = match backend {
            Backend::Sqlite => prepare_sqlite_file(url)?,
            Backend::Postgres => (url.to_owned(), None),
        };
        let pool = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            // A SQLite connection is a file handle that cannot drop; sqlx would ping it
            // through its worker thread on every acquire.
            .test_before_acquire(backend == Backend::Postgres)
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
        // sqlx serializes migrations on PostgreSQL with an advisory lock, on SQLite not at all:
        // two processes starting on a fresh file would both apply the first migration.
        let lock = match &file {
            Some(path) => MigrationLock::acquire(path).await,
            None => None,
        };
        backend
            .migrator()
            .run(&pool)
            .await
            .map_err(StoreError::Migrate)?;
        drop(lock);
        let activity = Arc::new(Activity::default());
        Ok(Store {
            pool,
            backend,
            file: file.map(Arc::new),
            writer: Arc::default(),
            task_cache: Arc::default(),
            member_cache: Arc::default(),
            report_queue: Arc::new(GroupCommit::new(activity.clone())),
            anchor_queue: Arc::new(GroupCommit::new(activity.clone())),
            activity,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite database's file; None for PostgreSQL and in-memory databases.
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        self.file.as_deref().map(PathBuf::as_path)
    }

    /// The notice imported most recently (the highest id), if any.
    pub async fn latest_notice_id(&self) -> Result<Option<i64>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        notices::latest_id(&mut conn).await
    }

    /// Waits for the connections to close, the writer's among them (after the writes that
    /// hold it).
    pub async fn close(&self) {
        {
            let mut writer = self.writer.lock().await;
            if let Err(e) = writer.roll_back_unfinished().await {
                tracing::warn!(error = %e, "closing: could not roll back a write");
            }
            writer.conn = None;
        }
        self.pool.close().await;
    }

    /// Counts the handlers of updates, so that group commits can wait for them (see
    /// [`Activity`]).
    pub fn activity(&self) -> &Arc<Activity> {
        &self.activity
    }

    /// The right to write a statement or two without a transaction: on SQLite the write
    /// turn and its connection, on PostgreSQL a connection of the pool.
    async fn writer(&self) -> Result<Writer, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let mut writer = self.writer.clone().lock_owned().await;
                writer.connection(&self.pool, Durability::Normal).await?;
                Writer::Sqlite(writer)
            }
            Backend::Postgres => {
                Writer::Postgres(self.pool.acquire().await.context("acquire a connection")?)
            }
        })
    }

    /// Begins a transaction that will write. SQLite takes the write lock at once, so that a
    /// transaction that reads first cannot fail later on upgrading its lock (`SQLITE_BUSY`
    /// would not wait for the busy timeout there).
    async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        self.begin_write_as(Durability::Normal).await
    }

    /// [`Store::begin_write`], committing as `durability` asks on SQLite.
    async fn begin_write_as(&self, durability: Durability) -> Result<WriteTx, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let mut writer = self.writer.clone().lock_owned().await;
                let conn = writer.connection(&self.pool, durability).await?;
                if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(conn).await {
                    // Perhaps the connection broke: the pool tests it, the next writer
                    // takes another.
                    writer.conn = None;
                    return Err(e).context("begin a transaction");
                }
                writer.open = true;
                Ok(WriteTx::Sqlite(Some(writer)))
            }
            Backend::Postgres => Ok(WriteTx::Postgres(Some(
                self.pool.begin().await.context("begin a transaction")?,
            ))),
        }
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
    // See `Durability`: the inbox, where an update is acknowledged, commits with FULL, and
    // everything else is derived from it and redone if lost.
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
fn prepare_sqlite_file(url: &str) -> Result<(String, Option<PathBuf>), StoreError> {
    if url.contains(":memory:") || url.contains("mode=") {
        return Ok((url.to_owned(), None));
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
    Ok((format!("{url}{separator}mode=rwc"), Some(path)))
}

/// An exclusive lock (`flock`) on `<database>.migrate-lock` beside a SQLite file, held while
/// this process migrates it: a second process starting at the same moment waits, then finds
/// the migrations applied. The file stays (removing it would race with a waiting process).
/// Where it cannot be made (a folder the user may read but not write), the migrations run
/// unlocked, as before: a database that needs none is still opened.
struct MigrationLock {
    _held: std::fs::File,
}

impl MigrationLock {
    async fn acquire(database: &std::path::Path) -> Option<MigrationLock> {
        let mut name = database.as_os_str().to_owned();
        name.push(".migrate-lock");
        let path = PathBuf::from(name);
        let locked = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(MigrationLock { _held: file })
        })
        .await
        .expect("the lock task does not panic");
        match locked {
            Ok(lock) => Some(lock),
            Err(e) => {
                tracing::warn!(error = %e, "no lock file beside the database: migrating unlocked");
                None
            }
        }
    }
}

/// Seconds since the Unix epoch, for `created_at` / `updated_at`.
fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::inbox::insert_updates;
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
    fn each_backend_gets_its_own_bind_parameters() {
        assert_eq!(Backend::Postgres.params(3, 2), "$3, $4");
        assert_eq!(Backend::Sqlite.params(3, 2), "?, ?");
        assert_eq!(Backend::Sqlite.params(1, 0), "");
        assert_eq!(
            tasks::multi_row_insert(Backend::Postgres, "t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            tasks::multi_row_insert(Backend::Sqlite, "t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }

    #[test]
    fn a_sqlite_url_gets_mode_rwc_unless_it_sets_a_mode() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/duban.db");
        let url = format!("sqlite://{}", file.display());

        let prepared = prepare_sqlite_file(&url).unwrap();

        assert_eq!(prepared, (format!("{url}?mode=rwc"), Some(file)));
        assert!(dir.path().join("a/b").is_dir());
        assert_eq!(
            prepare_sqlite_file("sqlite:x.db?mode=ro").unwrap(),
            ("sqlite:x.db?mode=ro".to_owned(), None)
        );
        assert_eq!(
            prepare_sqlite_file("sqlite::memory:").unwrap(),
            ("sqlite::memory:".to_owned(), None)
        );
    }

    fn update(id: i64) -> Incoming {
        Incoming {
            platform: Platform::Telegram,
            update_id: id,
            update_date: 0,
            chat_id: Some(1),
            payload: "{}".into(),
        }
    }

    #[tokio::test]
    async fn a_write_dropped_half_way_rolls_back_and_frees_the_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());
        let this = Store::connect(&url).await.unwrap();
        let other_process = Store::connect(&url).await.unwrap();

        {
            let mut tx = this.begin_write().await.unwrap();
            insert_updates(&mut tx, &[update(1)], 0).await.unwrap();
            // Dropped here without a commit, as on an error or a cancelled handler.
        }
        // Another process gets SQLite's write lock (it would give up after the busy timeout
        // if the dropped transaction still held it), and this one writes again.
        other_process.inbox_put(&[update(2)], 0).await.unwrap();
        this.inbox_put(&[update(3)], 0).await.unwrap();

        let ids: Vec<i64> = this
            .inbox_due(0, 10)
            .await
            .unwrap()
            .iter()
            .map(|item| item.update_id)
            .collect();
        assert_eq!(ids, [2, 3]);
        this.close().await;
        other_process.close().await;
    }

    /// The writer connection's `synchronous`: 1 is NORMAL, 2 is FULL.
    async fn sync_mode(conn: &mut AnyConnection) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn only_a_synced_write_commits_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());
        let store = Store::connect(&url).await.unwrap();

        let mut tx = store.begin_write_as(Durability::Synced).await.unwrap();
        assert_eq!(sync_mode(&mut tx).await, 2);
        insert_updates(&mut tx, &[update(1)], 0).await.unwrap();
        tx.commit().await.unwrap();
        // The next ordinary write is back at NORMAL, in or out of a transaction.
        assert_eq!(sync_mode(&mut store.writer().await.unwrap()).await, 1);
        store.inbox_put(&[update(2)], 0).await.unwrap();
        assert_eq!(sync_mode(&mut store.begin_write().await.unwrap()).await, 1);

        // A synced write cancelled after its pragma, before it began: the next ordinary
        // write still gets NORMAL.
        {
            let mut writer = store.writer.clone().lock_owned().await;
            writer
                .connection(&store.pool, Durability::Synced)
                .await
                .unwrap();
        }
        assert_eq!(sync_mode(&mut store.writer().await.unwrap()).await, 1);
        assert_eq!(store.inbox_due(0, 10).await.unwrap().len(), 2);
        store.close().await;
    }

    #[tokio::test]
    async fn closing_returns_the_writer_connection_to_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.inbox_put(&[update(1)], 0).await.unwrap();
        // `close` waits for every connection; it would wait forever for one kept aside.
        let closed = tokio::time::timeout(Duration::from_secs(60), store.close()).await;
        assert!(
            closed.is_ok(),
            "close kept waiting for the writer's connection"
        );
        assert!(store.pool.is_closed());
    }
}
