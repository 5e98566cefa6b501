//! Test helpers: a fresh, migrated database per test on each backend, hand-built matrices, and
//! ways to look at the raw tables.
//!
//! PostgreSQL: a throwaway database `duban_t_…` is created per test on the server at
//! `DUBAN_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) and
//! dropped at the end, also when the test panics. An unreachable server fails the test unless
//! `DUBAN_TEST_POSTGRES=skip`.

pub mod bulletin;
pub mod chat;
pub mod dingtalk;
pub mod inspect;
pub mod matrices;
pub mod matrix;
pub mod month;
pub mod robots;
pub mod seed;
pub mod stream_client;

use duban::store::Store;
use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs each `async fn name(db) { … }` as two tests, `name::sqlite` and `name::postgres`, each
/// on a fresh database that is removed afterwards.
macro_rules! on_both_backends {
    ($(async fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: &crate::support::TestDb) $body

            #[tokio::test]
            async fn sqlite() {
                let db = crate::support::TestDb::sqlite().await;
                run(&db).await;
                db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = crate::support::TestDb::postgres().await else { return };
                run(&db).await;
                db.finish().await;
            }
        }
    )*};
}
pub(crate) use on_both_backends;

/// A migrated database for one test, and what it takes to remove it.
pub struct TestDb {
    pub store: Store,
    /// The URL the store connected to, for a second connection that looks at raw tables.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<Throwaway>,
}

/// A database migrated only up to a version, as an older duban left it, for the tests of a
/// later migration: fill it through `raw()`, then `Store::connect(&url)` runs the rest.
pub struct OldDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<Throwaway>,
}

impl OldDb {
    pub async fn sqlite(version: i64) -> OldDb {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("duban.db").display()
        );
        let db = OldDb {
            url,
            _dir: Some(dir),
            postgres: None,
        };
        db.migrate(version, "sqlite").await;
        db
    }

    /// `None` only when the PostgreSQL tests are switched off.
    pub async fn postgres(version: i64) -> Option<OldDb> {
        let (throwaway, url) = Throwaway::create().await?;
        let db = OldDb {
            url,
            _dir: None,
            postgres: Some(throwaway),
        };
        db.migrate(version, "postgres").await;
        Some(db)
    }

    /// The migrations of `migrations/<folder>/` up to `version`, read by sqlx from the files.
    async fn migrate(&self, version: i64, folder: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder);
        let mut migrator = sqlx::migrate::Migrator::new(path)
            .await
            .expect("read the migrations");
        let older: Vec<_> = migrator
            .iter()
            .filter(|m| m.version <= version)
            .cloned()
            .collect();
        migrator.migrations = older.into();
        let mut conn = self.raw().await;
        migrator
            .run(&mut conn)
            .await
            .expect("migrate to the older version");
        conn.close().await.ok();
    }

    pub async fn raw(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("open the older database")
    }

    pub async fn finish(mut self) {
        if let Some(throwaway) = self.postgres.take() {
            throwaway.drop_database().await;
        }
    }
}

/// A database created on the PostgreSQL server for one test.
struct Throwaway {
    server_url: String,
    name: String,
}

impl TestDb {
    /// A new SQLite file in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());
        let store = Store::connect(&url)
            .await
            .expect("connect to a new SQLite database");
        TestDb {
            store,
            url,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A new database on the test PostgreSQL server; `None` only when the PostgreSQL tests are
    /// switched off with `DUBAN_TEST_POSTGRES=skip`.
    pub async fn postgres() -> Option<TestDb> {
        let (throwaway, url) = Throwaway::create().await?;
        let store = Store::connect(&url)
            .await
            .expect("connect to the new PostgreSQL database");
        Some(TestDb {
            store,
            url,
            _dir: None,
            postgres: Some(throwaway),
        })
    }

    pub fn backend(&self) -> duban::store::Backend {
        self.store.backend()
    }

    /// Closes the store and drops the PostgreSQL database.
    pub async fn finish(mut self) {
        self.store.close().await;
        if let Some(throwaway) = self.postgres.take() {
            throwaway.drop_database().await;
        }
    }
}

impl Drop for TestDb {
    /// After a panic `finish` did not run: drop the database.
    fn drop(&mut self) {
        if let Some(throwaway) = self.postgres.take() {
            throwaway.drop_blocking();
        }
    }
}

impl Drop for OldDb {
    fn drop(&mut self) {
        if let Some(throwaway) = self.postgres.take() {
            throwaway.drop_blocking();
        }
    }
}

impl Throwaway {
    /// A new, empty database on the test server and its URL; `None` only when the PostgreSQL
    /// tests are switched off.
    async fn create() -> Option<(Throwaway, String)> {
        let server_url = postgres_server_url()?;
        let name = unique_name();
        let mut admin = connect_admin(&server_url).await;
        let create = format!("CREATE DATABASE {name}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(create))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        admin.close().await.ok();
        let url = with_database(&server_url, &name);
        Some((Throwaway { server_url, name }, url))
    }

    /// Drops the database from a destructor (after a panic), which cannot await on the test's
    /// runtime: from a thread of its own.
    fn drop_blocking(self) {
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(self.drop_database());
            }
        })
        .join();
    }

    async fn drop_database(self) {
        let Ok(mut admin) = sqlx::PgConnection::connect(&self.server_url).await else {
            eprintln!(
                "could not reconnect to drop the test database {}",
                self.name
            );
            return;
        };
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
            .execute(&mut admin)
            .await
        {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
        admin.close().await.ok();
    }
}

/// The server URL, or `None` when PostgreSQL tests are switched off.
pub fn postgres_server_url() -> Option<String> {
    if std::env::var("DUBAN_TEST_POSTGRES").is_ok_and(|v| v == "skip") {
        eprintln!("DUBAN_TEST_POSTGRES=skip: not running this test on PostgreSQL");
        return None;
    }
    Some(std::env::var("DUBAN_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into()))
}

async fn connect_admin(server_url: &str) -> sqlx::PgConnection {
    let attempt = tokio::time::timeout(
        Duration::from_secs(10),
        sqlx::PgConnection::connect(server_url),
    );
    match attempt.await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => panic!("{}", unreachable_message(server_url, &e.to_string())),
        Err(_) => panic!(
            "{}",
            unreachable_message(server_url, "timed out after 10 s")
        ),
    }
}

fn unreachable_message(server_url: &str, cause: &str) -> String {
    format!(
        "cannot reach the test PostgreSQL server at {server_url}: {cause}\n\
         Start it (e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`),\n\
         point DUBAN_TEST_POSTGRES_URL at another server, or set DUBAN_TEST_POSTGRES=skip to run\n\
         the SQLite half only."
    )
}

/// `duban_t_<pid>_<counter>_<nanos>`: unique across the tests of a run and across parallel runs.
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("duban_t_{}_{n}_{nanos}", std::process::id())
}

/// The server URL with its database replaced by `database`.
fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{database}{query}", &base[..path_start])
}

#[test]
fn with_database_replaces_only_the_path() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    assert_eq!(
        with_database("postgresql://h/p?sslmode=disable", "x"),
        "postgresql://h/x?sslmode=disable"
    );
}
