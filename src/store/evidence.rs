//! Evidence (佐证材料): the photos and files a contact sends about a task. The bytes are kept,
//! in the database or in a folder (named by their SHA-256 there), once per content: the same
//! bytes sent twice are kept once. Each message that brought evidence is one row, stored once
//! per update (its `inbox_seq`), for a task, the unit it is for and the period; `report_id` is
//! the report it was sent about, if there was one yet.

use super::audit;
use super::codes::narrow;
use super::error::Context;
use super::{Store, StoreError};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What was sent: a photo (an image the platform shows as such) or a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    Photo,
    File,
}

impl EvidenceKind {
    fn code(self) -> &'static str {
        match self {
            EvidenceKind::Photo => "photo",
            EvidenceKind::File => "file",
        }
    }

    fn parse(code: &str) -> EvidenceKind {
        match code {
            "photo" => EvidenceKind::Photo,
            _ => EvidenceKind::File,
        }
    }
}

/// Evidence to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    pub task_id: i64,
    /// The task's number and the unit's name, for the audit trail.
    pub task_number: u32,
    /// The task is an item (督办件): its number is 督-N.
    pub item: bool,
    pub unit_id: i64,
    pub unit_name: String,
    pub period: String,
    pub report_id: Option<i64>,
    pub user_id: i64,
    pub kind: EvidenceKind,
    pub file_name: String,
    /// The inbox's number of the update that brought it: kept once per update.
    pub inbox_seq: i64,
}

impl Evidence {
    /// How people name its task: `第8项`, `督-1`.
    pub fn task_label(&self) -> String {
        super::task_label(self.task_number, self.item)
    }
}

/// Evidence kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: i64,
    pub task_id: i64,
    pub task_number: u32,
    /// The task is an item (督办件): its number is 督-N.
    pub item: bool,
    pub unit_id: i64,
    pub unit: String,
    pub period: String,
    pub report_id: Option<i64>,
    pub user_id: i64,
    /// The sender's name while they are bound.
    pub user_name: Option<String>,
    pub kind: EvidenceKind,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub inbox_seq: i64,
    pub created_at: i64,
}

/// What keeping evidence came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// Kept now.
    New(Evidence),
    /// This update was kept before (handled again after a crash): nothing changed.
    Again(Evidence),
    /// The same bytes are already evidence of this task, unit and period: nothing changed.
    Duplicate(Evidence),
}

/// Which evidence to list.
#[derive(Debug, Clone, Copy)]
pub enum EvidenceOf {
    Task(i64),
    Notice(i64),
}

/// Where the bytes are kept: in the database, or in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keeping {
    Database,
    Folder(PathBuf),
}

const SELECT: &str = "SELECT e.id, e.task_id, t.number AS task_number, e.unit_id, u.name AS unit, \
    e.period, e.report_id, e.user_id, m.display_name AS user_name, e.kind, e.file_name, e.size, \
    e.sha256, e.inbox_seq, e.created_at, \
    (SELECT COUNT(*) FROM task_items i WHERE i.task_id = e.task_id) AS is_item \
    FROM evidence e JOIN tasks t ON t.id = e.task_id \
    JOIN units u ON u.id = e.unit_id LEFT JOIN members m ON m.user_id = e.user_id";

fn read(row: &AnyRow) -> Result<Evidence, StoreError> {
    const WHAT: &str = "read evidence";
    Ok(Evidence {
        id: row.try_get("id").context(WHAT)?,
        task_id: row.try_get("task_id").context(WHAT)?,
        task_number: narrow(row.try_get("task_number").context(WHAT)?, "number")?,
        item: row.try_get::<i64, _>("is_item").context(WHAT)? > 0,
        unit_id: row.try_get("unit_id").context(WHAT)?,
        unit: row.try_get("unit").context(WHAT)?,
        period: row.try_get("period").context(WHAT)?,
        report_id: row.try_get("report_id").context(WHAT)?,
        user_id: row.try_get("user_id").context(WHAT)?,
        user_name: row.try_get("user_name").context(WHAT)?,
        kind: EvidenceKind::parse(&row.try_get::<String, _>("kind").context(WHAT)?),
        file_name: row.try_get("file_name").context(WHAT)?,
        size: row.try_get("size").context(WHAT)?,
        sha256: row.try_get("sha256").context(WHAT)?,
        inbox_seq: row.try_get("inbox_seq").context(WHAT)?,
        created_at: row.try_get("created_at").context(WHAT)?,
    })
}

async fn one(
    conn: &mut AnyConnection,
    condition: &str,
    value: i64,
) -> Result<Option<Evidence>, StoreError> {
    let sql = format!("{SELECT} WHERE {condition} = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_optional(&mut *conn)
        .await
        .context("load evidence")?;
    row.as_ref().map(read).transpose()
}

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        write!(hex, "{byte:02x}").expect("writing to a string");
    }
    hex
}

/// Where a content is kept in `folder`: named by its hash, under its first two digits.
pub(super) fn path_in(folder: &Path, sha256: &str) -> PathBuf {
    folder.join(&sha256[..2]).join(sha256)
}

/// Writes `bytes` into `keeping`'s folder unless they are there; nothing when they are kept in
/// the database.
async fn keep_in(keeping: &Keeping, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
    match keeping {
        Keeping::Database => Ok(()),
        Keeping::Folder(folder) => {
            write_file(folder, sha256, bytes)
                .await
                .map_err(|source| StoreError::Io {
                    path: path_in(folder, sha256),
                    source,
                })
        }
    }
}

/// Writes `bytes` into `folder` unless they are there: to a new file first, renamed into
/// place, so that a crash never leaves half a file under the hash's name.
async fn write_file(folder: &Path, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = path_in(folder, sha256);
    if tokio::fs::try_exists(&path).await? {
        return Ok(());
    }
    let dir = path.parent().expect("a file in a folder");
    tokio::fs::create_dir_all(dir).await?;
    let partial = dir.join(format!("{sha256}.{}.partial", std::process::id()));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, &path).await
}

impl Store {
    /// The evidence an update brought, if it was kept.
    pub async fn evidence_of_update(&self, inbox_seq: i64) -> Result<Option<Evidence>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        one(&mut conn, "e.inbox_seq", inbox_seq).await
    }

    /// Evidence by its number.
    pub async fn evidence(&self, id: i64) -> Result<Option<Evidence>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        one(&mut conn, "e.id", id).await
    }

    /// Keeps `bytes` as evidence: once per update, and the same bytes once per task, unit and
    /// period; the content once in all (in the database or `keeping`'s folder).
    pub async fn keep_evidence(
        &self,
        new: &NewEvidence,
        bytes: &[u8],
        keeping: &Keeping,
        now: i64,
    ) -> Result<Kept, StoreError> {
        let sha256 = sha256_hex(bytes);
        keep_in(keeping, &sha256, bytes).await?;
        let mut tx = self.begin_write().await?;
        if let Some(kept) = one(&mut tx, "e.inbox_seq", new.inbox_seq).await? {
            return Ok(Kept::Again(kept));
        }
        let same = format!(
            "{SELECT} WHERE e.task_id = $1 AND e.unit_id = $2 AND e.period = $3 AND e.sha256 = $4"
        );
        if let Some(row) = sqlx::query(sqlx::AssertSqlSafe(same))
            .bind(new.task_id)
            .bind(new.unit_id)
            .bind(&new.period)
            .bind(&sha256)
            .fetch_optional(&mut *tx)
            .await
            .context("look for the same evidence")?
        {
            return Ok(Kept::Duplicate(read(&row)?));
        }
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let stored: Option<&[u8]> = match keeping {
            Keeping::Database => Some(bytes),
            Keeping::Folder(_) => None,
        };
        sqlx::query(
            "INSERT INTO evidence_files (sha256, size, bytes, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha256)
        .bind(size)
        .bind(stored)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("keep the bytes of evidence")?;
        // Kept in a folder before, and now in the database (the setting changed): the database
        // keeps them too, so that they never depend on a folder that may be gone.
        if stored.is_some() {
            sqlx::query("UPDATE evidence_files SET bytes = $2 WHERE sha256 = $1 AND bytes IS NULL")
                .bind(&sha256)
                .bind(bytes)
                .execute(&mut *tx)
                .await
                .context("keep the bytes of evidence")?;
        }
        let id: i64 = sqlx::query(
            "INSERT INTO evidence (task_id, unit_id, period, report_id, user_id, kind, file_name, \
             size, sha256, inbox_seq, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(new.task_id)
        .bind(new.unit_id)
        .bind(&new.period)
        .bind(new.report_id)
        .bind(new.user_id)
        .bind(new.kind.code())
        .bind(&new.file_name)
        .bind(size)
        .bind(&sha256)
        .bind(new.inbox_seq)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .context("store evidence")?
        .try_get("id")
        .context("read the id of evidence")?;
        let subject = format!(
            "佐证 #{id} 第{}项 {} {}",
            new.task_number, new.unit_name, new.period
        );
        let detail = format!("{}（{size} 字节，SHA-256 {sha256}）", new.file_name);
        audit::record(
            &mut tx,
            now,
            &new.user_id.to_string(),
            "evidence",
            &subject,
            &detail,
        )
        .await?;
        tx.commit().await.context("commit evidence")?;
        // A prune may have taken an orphan file of these bytes away after `write_file` found it
        // there (see `Store::prune_evidence_folder`): now that a row refers to it, put it back.
        keep_in(keeping, &sha256, bytes).await?;
        Ok(Kept::New(Evidence {
            id,
            task_id: new.task_id,
            task_number: new.task_number,
            item: new.item,
            unit_id: new.unit_id,
            unit: new.unit_name.clone(),
            period: new.period.clone(),
            report_id: new.report_id,
            user_id: new.user_id,
            user_name: None,
            kind: new.kind,
            file_name: new.file_name.clone(),
            size,
            sha256,
            inbox_seq: new.inbox_seq,
            created_at: now,
        }))
    }

    /// The evidence of a task or of a notice's tasks, oldest first.
    pub async fn evidence_list(&self, of: EvidenceOf) -> Result<Vec<Evidence>, StoreError> {
        let (condition, value) = match of {
            EvidenceOf::Task(id) => ("e.task_id", id),
            EvidenceOf::Notice(id) => ("t.notice_id", id),
        };
        let sql = format!("{SELECT} WHERE {condition} = $1 ORDER BY e.created_at, e.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_all(&self.pool)
            .await
            .context("list evidence")?;
        rows.iter().map(read).collect()
    }

    /// The bytes of kept evidence, from the database or from `keeping`'s folder.
    pub async fn evidence_bytes(
        &self,
        evidence: &Evidence,
        keeping: &Keeping,
    ) -> Result<Vec<u8>, StoreError> {
        let row = sqlx::query("SELECT bytes FROM evidence_files WHERE sha256 = $1")
            .bind(&evidence.sha256)
            .fetch_optional(&self.pool)
            .await
            .context("load the bytes of evidence")?;
        let stored: Option<Vec<u8>> = match &row {
            Some(row) => row.try_get("bytes").context("read the bytes of evidence")?,
            None => None,
        };
        if let Some(bytes) = stored {
            return Ok(bytes);
        }
        let Keeping::Folder(folder) = keeping else {
            return Err(StoreError::Corrupt(format!(
                "the bytes of evidence #{} are in no folder and not in the database",
                evidence.id
            )));
        };
        let path = path_in(folder, &evidence.sha256);
        tokio::fs::read(&path)
            .await
            .map_err(|source| StoreError::Io { path, source })
    }
}
