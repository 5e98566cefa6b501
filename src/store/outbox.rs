//! The outbox: every scheduled message is first a row with a unique dedupe key, then a Telegram
//! message. Enqueueing a key again does nothing, so a scheduler that runs a fire time twice
//! (a restart, a retry) sends nothing twice; the sender marks a row sent with the message id,
//! and remembers the task the message is about so that a reply to it finds the task. A file
//! to send is stored once in `outbox_files`, keyed by its SHA-256, and the rows that send it
//! refer to it (`file_id`): a bulletin's three files for a hundred readers are three rows there.
//! A bulletin's deliveries to the group robots are outbox rows too (see
//! [`crate::bulletin::channels`]).

use super::error::Context;
use super::leases::{self, Fence};
use super::tasks::multi_row_insert;
use super::{Backend, Store, StoreError, WriteTx};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// A message to send, as the scheduler makes it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutMessage {
    /// Unique per message meant, e.g. `reminder:12:2022-03:1001:8`.
    pub key: String,
    pub chat_id: i64,
    pub is_group: bool,
    /// The message: `text` and `buttons` (a [`Keyboard`](crate::wording::Keyboard), which the
    /// sender draws in its platform's way), or other sendMessage parameters (`parse_mode`).
    pub payload: serde_json::Value,
    /// The task a reply to this message reports on.
    pub anchor_task: Option<i64>,
    /// A file to send (sendDocument) instead of a text; `payload` then holds the other
    /// parameters (caption …).
    pub file: Option<OutFile>,
}

/// A file the outbox sends as a document. Its bytes are stored once in `outbox_files`, however
/// many rows send them (every reader of a bulletin gets the same files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The file of a pending row: its name and where its bytes are ([`Store::outbox_file`]); they
/// are read when the row is sent, not with the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// The row of `outbox_files`.
    pub id: i64,
    pub name: String,
}

/// A pending row of the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub id: i64,
    pub key: String,
    pub chat_id: i64,
    pub is_group: bool,
    pub payload: String,
    pub anchor_task: Option<i64>,
    pub file: Option<FileRef>,
    pub attempts: i64,
}

/// A row of the outbox as `duban outbox` and the tests see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub key: String,
    pub chat_id: i64,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub message_id: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// Rows per INSERT: 9 parameters each, under SQLite's limit of 32,766 parameters.
const ROWS_PER_INSERT: usize = 500;

impl Store {
    /// Enqueues `messages`; keys already in the outbox are left as they are. Returns how many
    /// rows are new.
    pub async fn enqueue(&self, messages: &[OutMessage], now: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let added = insert(&mut tx, messages, now).await?;
        tx.commit().await.context("commit the outbox")?;
        Ok(added)
    }

    /// Enqueues the messages of the fire times up to `checked_at` and records that the
    /// scheduler has handled them, in one transaction: after a crash either both happened or
    /// neither, and enqueueing again is harmless anyway. With a `fence` (several instances), the
    /// transaction commits only while the scheduler's lease is still this instance's, so an
    /// instance that lost it records no progress the one that took it over has not made.
    pub async fn enqueue_scheduled(
        &self,
        messages: &[OutMessage],
        checked_at: i64,
        now: i64,
        fence: Option<&Fence>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(held) = fence {
            leases::fence(&mut tx, held).await?;
        }
        let added = insert(&mut tx, messages, now).await?;
        let updated = sqlx::query("UPDATE scheduler_state SET checked_at = $1 WHERE id = 1")
            .bind(checked_at)
            .execute(&mut *tx)
            .await
            .context("record the scheduler's progress")?
            .rows_affected();
        if updated == 0 {
            sqlx::query("INSERT INTO scheduler_state (id, checked_at) VALUES (1, $1)")
                .bind(checked_at)
                .execute(&mut *tx)
                .await
                .context("record the scheduler's progress")?;
        }
        tx.commit().await.context("commit the outbox")?;
        Ok(added)
    }

    /// Up to when the scheduler has handled fire times; `None` before its first run.
    pub async fn scheduler_checked_at(&self) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT checked_at FROM scheduler_state WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .context("read the scheduler's progress")
    }

    /// Pending rows with an id above `after`, oldest first.
    pub async fn outbox_pending(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Outgoing>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, dedupe_key, chat_id, is_group, payload, anchor_task, file_name, file_id, \
             attempts FROM outbox WHERE state = 'pending' AND id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("load the outbox")?;
        rows.iter()
            .map(|row| {
                const WHAT: &str = "read an outbox row";
                Ok(Outgoing {
                    id: row.try_get("id").context(WHAT)?,
                    key: row.try_get("dedupe_key").context(WHAT)?,
                    chat_id: row.try_get("chat_id").context(WHAT)?,
                    is_group: row.try_get::<i64, _>("is_group").context(WHAT)? != 0,
                    payload: row.try_get("payload").context(WHAT)?,
                    anchor_task: row.try_get("anchor_task").context(WHAT)?,
                    file: match row.try_get::<Option<i64>, _>("file_id").context(WHAT)? {
                        Some(id) => Some(FileRef {
                            id,
                            name: row
                                .try_get::<Option<String>, _>("file_name")
                                .context(WHAT)?
                                .unwrap_or_default(),
                        }),
                        None => None,
                    },
                    attempts: row.try_get("attempts").context(WHAT)?,
                })
            })
            .collect()
    }

    /// The bytes of a file of the outbox; `None` if there is no such file.
    pub async fn outbox_file(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT bytes FROM outbox_files WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("read a file of the outbox")
    }

    /// Marks rows sent with the Telegram message id each got, and remembers the task of those
    /// that are about one, in one transaction.
    pub async fn outbox_sent(&self, sent: &[(Outgoing, i32)], now: i64) -> Result<(), StoreError> {
        if sent.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for (row, message_id) in sent {
            sqlx::query(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, message_id = $1, \
                 sent_at = $2 WHERE id = $3",
            )
            .bind(i64::from(*message_id))
            .bind(now)
            .bind(row.id)
            .execute(&mut *tx)
            .await
            .context("mark a message sent")?;
            if let Some(task_id) = row.anchor_task {
                sqlx::query(
                    "INSERT INTO bot_messages (chat_id, message_id, kind, task_id, created_at) \
                     VALUES ($1, $2, 'task', $3, $4) ON CONFLICT (chat_id, message_id) DO NOTHING",
                )
                .bind(row.chat_id)
                .bind(i64::from(*message_id))
                .bind(task_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .context("remember what a message is about")?;
            }
        }
        tx.commit().await.context("commit sent messages")?;
        Ok(())
    }

    /// Records a failed attempt; `give_up` marks the row failed for good.
    pub async fn outbox_attempt_failed(
        &self,
        id: i64,
        error: &str,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let state = if give_up { "failed" } else { "pending" };
        let mut writer = self.writer().await?;
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, state = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(state)
        .bind(id)
        .execute(&mut *writer)
        .await
        .context("record a failed send")?;
        Ok(())
    }

    /// The outbox, newest last; `state` narrows to pending, sent or failed.
    pub async fn outbox(&self, state: Option<&str>) -> Result<Vec<OutboxEntry>, StoreError> {
        let filter = if state.is_some() {
            "WHERE state = $1"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, dedupe_key, chat_id, state, attempts, last_error, message_id, created_at, \
             sent_at FROM outbox {filter} ORDER BY id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(state) = state {
            query = query.bind(state);
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("load the outbox")?;
        rows.iter()
            .map(|row| {
                const WHAT: &str = "read an outbox row";
                Ok(OutboxEntry {
                    id: row.try_get("id").context(WHAT)?,
                    key: row.try_get("dedupe_key").context(WHAT)?,
                    chat_id: row.try_get("chat_id").context(WHAT)?,
                    state: row.try_get("state").context(WHAT)?,
                    attempts: row.try_get("attempts").context(WHAT)?,
                    last_error: row.try_get("last_error").context(WHAT)?,
                    message_id: row.try_get("message_id").context(WHAT)?,
                    created_at: row.try_get("created_at").context(WHAT)?,
                    sent_at: row.try_get("sent_at").context(WHAT)?,
                })
            })
            .collect()
    }
}

pub(super) async fn insert(
    tx: &mut WriteTx,
    messages: &[OutMessage],
    now: i64,
) -> Result<u64, StoreError> {
    let files = store_files(tx, messages, now).await?;
    let mut added = 0;
    for chunk in messages.chunks(ROWS_PER_INSERT) {
        let sql = multi_row_insert(
            Backend::of(tx),
            "outbox (dedupe_key, chat_id, is_group, payload, anchor_task, file_name, file_id, \
             created_at, state)",
            9,
            chunk.len(),
        ) + " ON CONFLICT (dedupe_key) DO NOTHING";
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            // None for a key already in the outbox: its row is not added anyway.
            let file_id = m
                .file
                .as_ref()
                .and_then(|f| files.get(&digest(&f.bytes)).copied());
            query = query
                .bind(m.key.as_str())
                .bind(m.chat_id)
                .bind(i64::from(m.is_group))
                .bind(m.payload.to_string())
                .bind(m.anchor_task)
                .bind(m.file.as_ref().map(|f| f.name.as_str()))
                .bind(file_id)
                .bind(now)
                .bind("pending");
        }
        added += query
            .execute(&mut **tx)
            .await
            .context("enqueue messages")?
            .rows_affected();
    }
    Ok(added)
}

/// The lowercase hex SHA-256 of `bytes`: a file's key in `outbox_files`.
fn digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores each distinct file of `messages` once (a file stored before is found by its digest);
/// returns digest → row of `outbox_files`. The files of messages whose key is in the outbox
/// already are not stored: their rows are not added (a bulletin issued again, whose Excel file
/// differs by the time it was made, leaves no file behind).
async fn store_files(
    tx: &mut WriteTx,
    messages: &[OutMessage],
    now: i64,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut ids = HashMap::new();
    let with_files: Vec<&OutMessage> = messages.iter().filter(|m| m.file.is_some()).collect();
    let mut known = HashSet::new();
    for chunk in with_files.chunks(ROWS_PER_INSERT) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT dedupe_key FROM outbox WHERE dedupe_key IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            query = query.bind(m.key.as_str());
        }
        known.extend(
            query
                .fetch_all(&mut **tx)
                .await
                .context("look up messages enqueued before")?,
        );
    }
    for m in with_files {
        let Some(file) = &m.file else { continue };
        if known.contains(&m.key) {
            continue;
        }
        let sha256 = digest(&file.bytes);
        if ids.contains_key(&sha256) {
            continue;
        }
        sqlx::query(
            "INSERT INTO outbox_files (sha256, bytes, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256.as_str())
        .bind(file.bytes.as_slice())
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("store a file of the outbox")?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM outbox_files WHERE sha256 = $1")
            .bind(sha256.as_str())
            .fetch_one(&mut **tx)
            .await
            .context("store a file of the outbox")?;
        ids.insert(sha256, id);
    }
    Ok(ids)
}
