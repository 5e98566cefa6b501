//! The durable reference: the teloxide + sqlx bot a user of the same stack writes when no
//! reply may be lost. It mirrors the echo bot (a stock `Dispatcher`, one handler per message)
//! and stores each update in SQLite with one `INSERT`, committed before it answers.
//!
//! Its database is what a careful user opens: a pool of sqlx's default size, WAL (what
//! `sqlx-cli` creates and SQLite recommends for a server: a commit appends to the log and
//! syncs it once, where the default rollback journal writes, syncs and deletes a journal file
//! on every commit, and readers do not wait for the writer) and `synchronous = FULL` (sqlx's
//! default, written out: in WAL, NORMAL may roll the last commits back after a power cut,
//! which is exactly the loss this bot is written to avoid).

use super::{Spent, stock_bot_replies};
use anyhow::{Context, Result, bail};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::path::Path;
use teloxide::prelude::*;

type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Stores the update (its id, its chat and its JSON), then answers as the echo bot does. The
/// `INSERT` outside a transaction is its own transaction: `execute` returns once it is
/// committed and synced.
async fn store_then_answer(
    bot: Bot,
    pool: SqlitePool,
    update: Update,
    msg: Message,
) -> HandlerResult {
    sqlx::query("INSERT INTO updates (update_id, chat_id, body) VALUES (?, ?, ?)")
        .bind(i64::from(update.id.0))
        .bind(msg.chat.id.0)
        .bind(serde_json::to_string(&update)?)
        .execute(&pool)
        .await?;
    bot.send_message(msg.chat.id, msg.text().unwrap_or_default())
        .await?;
    Ok(())
}

pub(super) async fn durable_replies(
    scratch: &Path,
    chats: usize,
    per_chat: usize,
) -> Result<Spent> {
    let options = SqliteConnectOptions::new()
        .filename(scratch.join("chat-bench-durable.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePool::connect_with(options)
        .await
        .context("对照的落盘机器人无法打开数据库")?;
    sqlx::query(
        "CREATE TABLE updates (update_id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, \
         body TEXT NOT NULL)",
    )
    .execute(&pool)
    .await?;

    let handler = Update::filter_message().endpoint(store_then_answer);
    let elapsed = stock_bot_replies(
        handler,
        dptree::deps![pool.clone()],
        chats,
        per_chat,
        "落盘",
    )
    .await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM updates")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    let elapsed = elapsed?;
    if usize::try_from(stored).ok() != Some(chats * per_chat) {
        bail!(
            "测速出错：落盘机器人 {} 条更新存下了 {stored} 条",
            chats * per_chat
        );
    }
    Ok(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_durable_bot_stores_and_answers_every_update() {
        let scratch = tempfile::tempdir().unwrap();

        // Fails unless every update was answered and stored exactly once.
        durable_replies(scratch.path(), 3, 4).await.unwrap();
    }
}
