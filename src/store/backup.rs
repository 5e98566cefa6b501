//! Backup and restore. A backup is a SQLite file: on SQLite `VACUUM INTO` writes one while the
//! service keeps writing (one read transaction, so the copy is of one moment, and WAL lets the
//! writers go on). A restore copies a backup's rows into an empty database of either backend,
//! table by table in foreign-key order, in one transaction, then moves each table's id
//! sequence past the ids copied: into SQLite it is a restore, into PostgreSQL also the way from
//! SQLite to PostgreSQL. A backup of an older schema is first copied aside and migrated, so
//! that its tables are this build's; one of a newer schema is refused.

use super::error::Context;
use super::tasks::multi_row_insert;
use super::{Backend, Store, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Tables a restore neither copies nor needs empty: `revisions` is a counter the migrations
/// seed and the triggers bump, not data; `leases` say which running instance does what (see
/// [`crate::cluster`]), nothing a restored database should inherit.
const NOT_DATA: &[&str] = &["revisions", "leases"];

/// Why a backup or a restore was not done; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupRefusal {
    /// `duban backup` on PostgreSQL: that is pg_dump's job.
    Postgres,
    /// The backup file exists already.
    Exists(PathBuf),
    /// The folder of the backup file does not exist.
    NoFolder(PathBuf),
    /// The path is not valid UTF-8 (SQLite takes the name as text).
    BadName(PathBuf),
    /// The file to restore is not there.
    Missing(PathBuf),
    /// Not a SQLite database, or not duban's (no migrations table).
    NotDuban(PathBuf),
    /// The file fails SQLite's integrity check.
    Damaged { path: PathBuf, problem: String },
    /// Made by a newer duban: its schema has migrations this build does not know.
    Newer { version: i64, known: i64 },
    /// The database to restore into has data: a table and its rows.
    NotEmpty { table: String, rows: i64 },
}

/// A backup file, as checked: its size, schema version and the rows of each table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    pub bytes: u64,
    pub version: i64,
    pub counts: Vec<(String, i64)>,
}

/// The tables of the schema, by name, without the migrations' own.
pub(super) async fn tables(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<Vec<String>, StoreError> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '_sqlx_migrations' ORDER BY table_name"
        }
    };
    sqlx::query_scalar(sql)
        .fetch_all(conn)
        .await
        .context("list the tables")
}

/// The rows of each table of the schema, by table name.
pub(super) async fn table_counts(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<Vec<(String, i64)>, StoreError> {
    let mut counts = Vec::new();
    for table in tables(conn, backend).await? {
        let sql = format!("SELECT COUNT(*) FROM \"{table}\"");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await
            .context("count the rows of a table")?;
        counts.push((table, n));
    }
    Ok(counts)
}

/// The newest migration this build knows.
fn known_version() -> i64 {
    Backend::Sqlite
        .migrator()
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Opens a SQLite file read-only, without migrating it.
async fn open_read_only(path: &Path) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", path.display());
    let options = AnyConnectOptions::from_str(&url)?;
    AnyPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
}

/// Checks that `path` is a whole duban backup and reads what it holds.
pub async fn inspect_backup(path: &Path) -> Result<Result<BackupInfo, BackupRefusal>, StoreError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(Err(BackupRefusal::Missing(path.to_owned())));
    };
    if !meta.is_file() {
        return Ok(Err(BackupRefusal::NotDuban(path.to_owned())));
    }
    if path.to_str().is_none() {
        return Ok(Err(BackupRefusal::BadName(path.to_owned())));
    }
    let not_duban = || Ok(Err(BackupRefusal::NotDuban(path.to_owned())));
    let Ok(pool) = open_read_only(path).await else {
        return not_duban();
    };
    let info = inspect(&pool, path, meta.len()).await;
    pool.close().await;
    info
}

async fn inspect(
    pool: &AnyPool,
    path: &Path,
    bytes: u64,
) -> Result<Result<BackupInfo, BackupRefusal>, StoreError> {
    // Not a database at all fails here ("file is not a database").
    let Ok(problems) = sqlx::query_scalar::<_, String>("PRAGMA quick_check")
        .fetch_all(pool)
        .await
    else {
        return Ok(Err(BackupRefusal::NotDuban(path.to_owned())));
    };
    if problems != ["ok"] {
        return Ok(Err(BackupRefusal::Damaged {
            path: path.to_owned(),
            problem: problems.join("；"),
        }));
    }
    let Ok(versions) = sqlx::query_scalar::<_, i64>(
        "SELECT version FROM _sqlx_migrations WHERE success = 1 ORDER BY version",
    )
    .fetch_all(pool)
    .await
    else {
        return Ok(Err(BackupRefusal::NotDuban(path.to_owned())));
    };
    let Some(&version) = versions.last() else {
        return Ok(Err(BackupRefusal::NotDuban(path.to_owned())));
    };
    let known = known_version();
    if version > known {
        return Ok(Err(BackupRefusal::Newer { version, known }));
    }
    let mut conn = pool.acquire().await.context("acquire a connection")?;
    let counts = table_counts(&mut conn, Backend::Sqlite).await?;
    Ok(Ok(BackupInfo {
        bytes,
        version,
        counts,
    }))
}

impl Store {
    /// Writes a consistent copy of a SQLite database to `file`, which must not exist, while
    /// the service keeps running; then checks the copy and returns what it holds.
    pub async fn backup_to(
        &self,
        file: &Path,
    ) -> Result<Result<BackupInfo, BackupRefusal>, StoreError> {
        if self.backend == Backend::Postgres {
            return Ok(Err(BackupRefusal::Postgres));
        }
        if file.exists() || file.is_symlink() {
            return Ok(Err(BackupRefusal::Exists(file.to_owned())));
        }
        let folder = match file.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Ok(Err(BackupRefusal::NoFolder(folder.to_owned())));
        }
        let Some(name) = file.to_str() else {
            return Ok(Err(BackupRefusal::BadName(file.to_owned())));
        };
        // A reader: it waits for no writer and no writer waits for it.
        sqlx::query("VACUUM INTO $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .context("write the backup")?;
        inspect_backup(file).await
    }

    /// Copies the backup `file` into this database, which must hold no data. Returns what
    /// was copied, per table.
    pub async fn restore_from(
        &self,
        file: &Path,
    ) -> Result<Result<BackupInfo, BackupRefusal>, StoreError> {
        let info = match inspect_backup(file).await? {
            Ok(info) => info,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Some(refusal) = self.not_empty().await? {
            return Ok(Err(refusal));
        }
        // An older schema is brought up to this build's in a copy; the backup stays as it is.
        let mut migrated = None;
        let source = if info.version < known_version() {
            let copy = Scratch::new();
            let pool = open_read_only(file).await.context("open the backup")?;
            sqlx::query("VACUUM INTO $1")
                .bind(copy.path.to_str().unwrap_or_default())
                .execute(&pool)
                .await
                .context("copy the backup aside")?;
            pool.close().await;
            let url = format!("sqlite://{}", copy.path.display());
            let store = Store::connect(&url).await?;
            let pool = store.pool.clone();
            migrated = Some((store, copy));
            pool
        } else {
            open_read_only(file).await.context("open the backup")?
        };
        let copied = self.copy_rows(&source).await;
        source.close().await;
        if let Some((store, copy)) = migrated {
            store.close().await;
            drop(copy);
        }
        copied?;
        Ok(Ok(info))
    }

    /// The first table with rows, if any: a restore goes only into an empty database.
    async fn not_empty(&self) -> Result<Option<BackupRefusal>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        for table in tables(&mut conn, self.backend).await? {
            if NOT_DATA.contains(&table.as_str()) {
                continue;
            }
            let sql = format!("SELECT COUNT(*) FROM \"{table}\"");
            let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *conn)
                .await
                .context("look for data")?;
            if rows > 0 {
                return Ok(Some(BackupRefusal::NotEmpty { table, rows }));
            }
        }
        Ok(None)
    }

    /// Copies every table of `source` (a SQLite database of this build's schema) into this
    /// one, in one transaction: all or nothing.
    async fn copy_rows(&self, source: &AnyPool) -> Result<(), StoreError> {
        let mut from = source.acquire().await.context("acquire a connection")?;
        let order = foreign_key_order(&mut from).await?;
        let mut tx = self.begin_write().await?;
        // Checked again inside the transaction: another process may have written meanwhile.
        for table in &order {
            let sql = format!("SELECT COUNT(*) FROM \"{table}\"");
            let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *tx)
                .await
                .context("look for data")?;
            if rows > 0 {
                return Err(StoreError::Corrupt(format!(
                    "the database got rows in {table} while it was being restored"
                )));
            }
        }
        for table in &order {
            let columns = target_columns(&mut tx, self.backend, table).await?;
            copy_table(&mut from, &mut tx, self.backend, table, &columns).await?;
        }
        reset_sequences(&mut from, &mut tx, self.backend, &order).await?;
        tx.commit().await.context("commit the restore")?;
        Ok(())
    }
}

/// What a column holds, as this database declares it: what to read from the backup and
/// what to bind (PostgreSQL wants a NULL of the column's type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Real,
    Text,
    Blob,
}

impl Kind {
    fn of(declared: &str) -> Kind {
        let declared = declared.to_ascii_lowercase();
        if declared.contains("int") {
            Kind::Integer
        } else if declared.contains("real") || declared.contains("double") {
            Kind::Real
        } else if declared.contains("blob") || declared.contains("bytea") {
            Kind::Blob
        } else {
            Kind::Text
        }
    }
}

/// A table's columns in this database, with their kinds, and whether it has an identity
/// column (PostgreSQL: an insert with its values must say OVERRIDING SYSTEM VALUE).
struct Columns {
    names: Vec<(String, Kind)>,
    identity: bool,
}

async fn target_columns(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<Columns, StoreError> {
    const WHAT: &str = "read a table's columns";
    match backend {
        Backend::Sqlite => {
            let rows = sqlx::query("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&mut *conn)
                .await
                .context(WHAT)?;
            let names = rows
                .iter()
                .map(|row| {
                    let name: String = row.try_get("name")?;
                    let declared: String = row.try_get("type")?;
                    Ok((name, Kind::of(&declared)))
                })
                .collect::<Result<_, sqlx::Error>>()
                .context(WHAT)?;
            Ok(Columns {
                names,
                identity: false,
            })
        }
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT column_name::text AS name, data_type::text AS type, \
                 is_identity::text AS identity FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *conn)
            .await
            .context(WHAT)?;
            let mut identity = false;
            let mut names = Vec::with_capacity(rows.len());
            for row in &rows {
                let name: String = row.try_get("name").context(WHAT)?;
                let declared: String = row.try_get("type").context(WHAT)?;
                let is: String = row.try_get("identity").context(WHAT)?;
                identity |= is == "YES";
                names.push((name, Kind::of(&declared)));
            }
            Ok(Columns { names, identity })
        }
    }
}

/// The tables of a SQLite database, each after those its foreign keys name (alphabetical
/// where the keys leave a choice); a table's keys to itself are satisfied by copying in
/// rowid order.
async fn foreign_key_order(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let names: Vec<String> = tables(conn, Backend::Sqlite)
        .await?
        .into_iter()
        .filter(|t| !NOT_DATA.contains(&t.as_str()))
        .collect();
    let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for table in &names {
        let referenced: Vec<String> =
            sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list($1)")
                .bind(table)
                .fetch_all(&mut *conn)
                .await
                .context("read a table's foreign keys")?;
        needs.insert(
            table.clone(),
            referenced.into_iter().filter(|r| r != table).collect(),
        );
    }
    let mut order: Vec<String> = Vec::with_capacity(names.len());
    while order.len() < names.len() {
        let next = names
            .iter()
            .find(|t| !order.contains(t) && needs[t.as_str()].iter().all(|n| order.contains(n)));
        match next {
            Some(table) => order.push(table.clone()),
            None => {
                return Err(StoreError::Corrupt(
                    "the backup's foreign keys go round in a circle".into(),
                ));
            }
        }
    }
    Ok(order)
}

/// Rows read and written at a time; fewer for tables with files in them.
const PAGE: i64 = 200;
const PAGE_WITH_FILES: i64 = 8;

/// One value of a row, as read from the backup.
enum Value {
    Integer(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

async fn copy_table(
    from: &mut AnyConnection,
    to: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &Columns,
) -> Result<(), StoreError> {
    const WHAT: &str = "copy a table";
    let list: Vec<String> = columns
        .names
        .iter()
        .map(|(name, _)| format!("\"{name}\""))
        .collect();
    let list = list.join(", ");
    let page = if columns.names.iter().any(|(_, k)| *k == Kind::Blob) {
        PAGE_WITH_FILES
    } else {
        PAGE
    };
    let select = format!(
        "SELECT rowid AS duban_rowid, {list} FROM \"{table}\" WHERE rowid > $1 \
         ORDER BY rowid LIMIT {page}"
    );
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(sqlx::AssertSqlSafe(select.clone()))
            .bind(after)
            .fetch_all(&mut *from)
            .await
            .context(WHAT)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get("duban_rowid").context(WHAT)?;
        let mut values = Vec::with_capacity(rows.len() * columns.names.len());
        for row in &rows {
            for (i, (_, kind)) in columns.names.iter().enumerate() {
                let i = i + 1;
                values.push(match kind {
                    Kind::Integer => Value::Integer(row.try_get(i).context(WHAT)?),
                    Kind::Real => Value::Real(row.try_get(i).context(WHAT)?),
                    Kind::Text => Value::Text(row.try_get(i).context(WHAT)?),
                    Kind::Blob => Value::Blob(row.try_get(i).context(WHAT)?),
                });
            }
        }
        let mut insert = multi_row_insert(
            backend,
            &format!("\"{table}\" ({list})"),
            columns.names.len(),
            rows.len(),
        );
        if columns.identity {
            insert = insert.replacen(" VALUES ", " OVERRIDING SYSTEM VALUE VALUES ", 1);
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert));
        for value in values {
            query = match value {
                Value::Integer(v) => query.bind(v),
                Value::Real(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
                Value::Blob(v) => query.bind(v),
            };
        }
        query.execute(&mut *to).await.context(WHAT)?;
    }
}

/// Moves each table's id sequence past what the backup's had given out (a pruned row's id is
/// not given again, as it was not in the original).
async fn reset_sequences(
    from: &mut AnyConnection,
    to: &mut AnyConnection,
    backend: Backend,
    tables: &[String],
) -> Result<(), StoreError> {
    const WHAT: &str = "reset the id sequences";
    let given: Vec<(String, i64)> = sqlx::query_as("SELECT name, seq FROM sqlite_sequence")
        .fetch_all(&mut *from)
        .await
        .context(WHAT)?;
    match backend {
        Backend::Sqlite => {
            for (table, seq) in given.iter().filter(|(t, _)| tables.contains(t)) {
                let updated =
                    sqlx::query("UPDATE sqlite_sequence SET seq = $2 WHERE name = $1 AND seq < $2")
                        .bind(table)
                        .bind(*seq)
                        .execute(&mut *to)
                        .await
                        .context(WHAT)?
                        .rows_affected();
                if updated == 0 {
                    sqlx::query(
                        "INSERT INTO sqlite_sequence (name, seq) SELECT $1, $2 \
                         WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = $1)",
                    )
                    .bind(table)
                    .bind(*seq)
                    .execute(&mut *to)
                    .await
                    .context(WHAT)?;
                }
            }
        }
        Backend::Postgres => {
            let given: BTreeMap<String, i64> = given.into_iter().collect();
            for table in tables {
                let sequences: Vec<(String, String)> = sqlx::query_as(
                    "SELECT column_name::text, pg_get_serial_sequence($1, column_name)::text \
                     FROM information_schema.columns WHERE table_schema = current_schema() \
                     AND table_name = $1 AND pg_get_serial_sequence($1, column_name) IS NOT NULL",
                )
                .bind(table)
                .fetch_all(&mut *to)
                .await
                .context(WHAT)?;
                for (column, sequence) in sequences {
                    let sql = format!("SELECT COALESCE(MAX(\"{column}\"), 0) FROM \"{table}\"");
                    let max: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(&mut *to)
                        .await
                        .context(WHAT)?;
                    let next = max.max(given.get(table).copied().unwrap_or(0));
                    // setval(…, n, true): the next value is n + 1; an empty table starts at 1.
                    sqlx::query("SELECT setval($1::regclass, $2, $3)::text")
                        .bind(&sequence)
                        .bind(next.max(1))
                        .bind(next > 0)
                        .fetch_one(&mut *to)
                        .await
                        .context(WHAT)?;
                }
            }
        }
    }
    Ok(())
}

/// A file for the migrated copy of an older backup, removed (with SQLite's files beside it)
/// when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("duban-restore-{}-{nanos}.db", std::process::id());
        Scratch {
            path: std::env::temp_dir().join(name),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", ".migrate-lock"] {
            let mut name = self.path.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}
