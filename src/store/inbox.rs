//! The inbox: every update a chat platform delivered, stored before the platform is told it
//! arrived, and worked off from here, in the order of its own number (`seq`). An update stored
//! twice (a platform redelivers what was not confirmed) is kept once: a redelivery has the same
//! id and the same date (see [`UpdateKey`]).

use super::error::Context;
use super::tasks::multi_row_insert;
use super::{Backend, Durability, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The chat platforms duban talks on; the inbox keeps whose each update is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Platform {
    Telegram,
    DingTalk,
}

impl Platform {
    /// The platform's name in the database.
    pub fn code(self) -> &'static str {
        match self {
            Platform::Telegram => "telegram",
            Platform::DingTalk => "dingtalk",
        }
    }

    pub fn from_code(code: &str) -> Option<Platform> {
        [Platform::Telegram, Platform::DingTalk]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// An update's identity: Telegram's update id with the date the update carries (of its message,
/// its edit, the message under a pressed button, a member change; 0 for kinds without one).
/// A redelivery has both the same. The id alone is not enough: Telegram chooses the next id at
/// random after a week without updates, and a Bot API server that restarts counts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UpdateKey {
    pub id: i64,
    pub date: i64,
}

/// The inbox's own number of an update, in the order updates arrived: what a report refers to,
/// so that it is stored once per update whatever id Telegram gave it. The processor hands it to
/// the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct InboxSeq(pub i64);

/// An update as the inbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxItem {
    pub seq: i64,
    pub platform: Platform,
    pub update_id: i64,
    pub update_date: i64,
    /// The update's JSON as Telegram sent it.
    pub payload: String,
    /// The chat it came from, when it has one: updates of one chat are handled in order.
    pub chat_id: Option<i64>,
    /// pending, done or failed.
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub received_at: i64,
}

impl InboxItem {
    pub fn key(&self) -> UpdateKey {
        UpdateKey {
            id: self.update_id,
            date: self.update_date,
        }
    }
}

/// An update to store: its id and date, its chat and its JSON.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub platform: Platform,
    pub update_id: i64,
    pub update_date: i64,
    pub chat_id: Option<i64>,
    pub payload: String,
}

impl Incoming {
    pub fn key(&self) -> UpdateKey {
        UpdateKey {
            id: self.update_id,
            date: self.update_date,
        }
    }
}

const COLUMNS: &str = "seq, platform, update_id, update_date, payload, chat_id, state, attempts, last_error, \
     received_at FROM inbox";

fn read(row: &AnyRow) -> Result<InboxItem, StoreError> {
    const WHAT: &str = "read an inbox row";
    Ok(InboxItem {
        seq: row.try_get("seq").context(WHAT)?,
        platform: {
            let code: String = row.try_get("platform").context(WHAT)?;
            Platform::from_code(&code).ok_or_else(|| {
                StoreError::Corrupt(format!("an inbox row of an unknown platform: {code}"))
            })?
        },
        update_id: row.try_get("update_id").context(WHAT)?,
        update_date: row.try_get("update_date").context(WHAT)?,
        payload: row.try_get("payload").context(WHAT)?,
        chat_id: row.try_get("chat_id").context(WHAT)?,
        state: row.try_get("state").context(WHAT)?,
        attempts: row.try_get("attempts").context(WHAT)?,
        last_error: row.try_get("last_error").context(WHAT)?,
        received_at: row.try_get("received_at").context(WHAT)?,
    })
}

/// Stores a batch of updates, many rows a statement; returns those that were new, each with
/// its number in the inbox, sorted by key.
pub(super) async fn insert_updates(
    conn: &mut AnyConnection,
    batch: &[Incoming],
    now: i64,
) -> Result<Vec<(UpdateKey, i64)>, StoreError> {
    let mut fresh = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(100) {
        let sql = multi_row_insert(
            Backend::of(conn),
            "inbox (platform, update_id, update_date, payload, chat_id, next_attempt_at, \
             received_at)",
            7,
            chunk.len(),
        ) + " ON CONFLICT (update_id, update_date) DO NOTHING \
              RETURNING update_id, update_date, seq";
        let mut query = sqlx::query_as::<_, (i64, i64, i64)>(sqlx::AssertSqlSafe(sql));
        for update in chunk {
            query = query
                .bind(update.platform.code())
                .bind(update.update_id)
                .bind(update.update_date)
                .bind(&update.payload)
                .bind(update.chat_id)
                .bind(now)
                .bind(now);
        }
        let stored = query.fetch_all(&mut *conn).await.context("store updates")?;
        fresh.extend(
            stored
                .into_iter()
                .map(|(id, date, seq)| (UpdateKey { id, date }, seq)),
        );
    }
    // RETURNING gives no order.
    fresh.sort_unstable();
    fresh.dedup_by_key(|(key, _)| *key);
    Ok(fresh)
}

impl Store {
    /// Stores a batch of updates in one transaction; returns those that were new, each with its
    /// number in the inbox, sorted by key (a redelivered update is not stored again, not
    /// returned, and logged).
    pub async fn inbox_put(
        &self,
        batch: &[Incoming],
        now: i64,
    ) -> Result<Vec<(UpdateKey, i64)>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // The commit Telegram is told about: synced to disk.
        let mut tx = self.begin_write_as(Durability::Synced).await?;
        let fresh = insert_updates(&mut tx, batch, now).await?;
        tx.commit().await.context("commit a batch of updates")?;
        for update in batch {
            if fresh
                .binary_search_by_key(&update.key(), |(key, _)| *key)
                .is_err()
            {
                tracing::info!(
                    update_id = update.update_id,
                    update_date = update.update_date,
                    "a redelivered update, stored before: dropped as a duplicate"
                );
            }
        }
        Ok(fresh)
    }

    /// Pending updates of every platform whose time has come, oldest first.
    pub async fn inbox_due(&self, now: i64, limit: i64) -> Result<Vec<InboxItem>, StoreError> {
        self.inbox_due_after(None, now, i64::MIN, limit).await
    }

    /// Pending updates of `platform` (of every platform when None) numbered above `after`
    /// whose time has come, oldest first: a page of a scan.
    pub async fn inbox_due_after(
        &self,
        platform: Option<Platform>,
        now: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<InboxItem>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} WHERE state = 'pending' AND next_attempt_at <= $1 \
             AND seq > $2 AND ($4 IS NULL OR platform = $4) ORDER BY seq LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(after)
            .bind(limit)
            .bind(platform.map(Platform::code))
            .fetch_all(&self.pool)
            .await
            .context("load due updates")?;
        rows.iter().map(read).collect()
    }

    /// One update by its number in the inbox, whatever its state.
    pub async fn inbox_item(&self, seq: i64) -> Result<Option<InboxItem>, StoreError> {
        let sql = format!("SELECT {COLUMNS} WHERE seq = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(seq)
            .fetch_optional(&self.pool)
            .await
            .context("load an update")?
            .as_ref()
            .map(read)
            .transpose()
    }

    /// The updates stored with Telegram's `update_id`, oldest first: one, or several when
    /// Telegram gave a later update the same id (see [`UpdateKey`]).
    pub async fn inbox_with_update_id(&self, update_id: i64) -> Result<Vec<InboxItem>, StoreError> {
        let sql = format!("SELECT {COLUMNS} WHERE update_id = $1 ORDER BY seq");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(update_id)
            .fetch_all(&self.pool)
            .await
            .context("load updates by id")?;
        rows.iter().map(read).collect()
    }

    /// Updates that failed for good, newest first.
    pub async fn inbox_failed(&self) -> Result<Vec<InboxItem>, StoreError> {
        let sql = format!("SELECT {COLUMNS} WHERE state = 'failed' ORDER BY seq DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .context("load failed updates")?;
        rows.iter().map(read).collect()
    }

    /// How many updates are in each state.
    pub async fn inbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT state, COUNT(*) AS n FROM inbox GROUP BY state ORDER BY state")
                .fetch_all(&self.pool)
                .await
                .context("count updates")?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("state").context("read a count")?,
                    row.try_get("n").context("read a count")?,
                ))
            })
            .collect()
    }

    /// Marks updates handled (by their numbers in the inbox), in one transaction.
    pub async fn inbox_done(&self, seqs: &[i64], now: i64) -> Result<(), StoreError> {
        if seqs.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        // Bound, not written into the SQL: the statements of a few sizes are prepared once.
        for chunk in seqs.chunks(100) {
            let sql = format!(
                "UPDATE inbox SET state = 'done', attempts = attempts + 1, handled_at = {} \
                 WHERE seq IN ({})",
                self.backend.params(1, 1),
                self.backend.params(2, chunk.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *tx).await.context("mark updates done")?;
        }
        tx.commit().await.context("commit updates done")?;
        Ok(())
    }

    /// Records a failed attempt. Below `max_attempts` the update is tried again at `retry_at`;
    /// at the bound it is marked failed. Returns true when it was marked failed.
    pub async fn inbox_attempt_failed(
        &self,
        seq: i64,
        error: &str,
        retry_at: i64,
        max_attempts: u32,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let attempts: i64 = sqlx::query_scalar(
            "UPDATE inbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 \
             WHERE seq = $1 RETURNING attempts",
        )
        .bind(seq)
        .bind(error)
        .bind(retry_at)
        .fetch_one(&mut *tx)
        .await
        .context("record a failed attempt")?;
        let failed = attempts >= i64::from(max_attempts);
        if failed {
            sqlx::query("UPDATE inbox SET state = 'failed' WHERE seq = $1")
                .bind(seq)
                .execute(&mut *tx)
                .await
                .context("mark an update failed")?;
        }
        tx.commit().await.context("commit a failed attempt")?;
        Ok(failed)
    }
}
