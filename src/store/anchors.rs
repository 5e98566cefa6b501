//! Bot messages that a reply or a button press refers to: a task card, the prompt for a text
//! after a light button, the prompt for a correction, the receipt of a stored report.

use super::codes::{code, parse_code};
use super::error::Context;
use super::group_commit::GroupCommit;
use super::tasks::multi_row_insert;
use super::{Backend, Store, StoreError};
use crate::progress::Light;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// A message about one task: a reply to it reports on that task.
    Task { task_id: i64 },
    /// Asked `user_id` for a text after they pressed a light button on a task.
    Prompt {
        task_id: i64,
        light: Light,
        user_id: i64,
    },
    /// Asked `user_id` for the corrected text of a report.
    Correction { report_id: i64, user_id: i64 },
    /// Confirmed a stored report.
    Receipt { report_id: i64 },
    /// Asked reviewer `user_id` why report `report_id` goes back (退回).
    ReturnReason { report_id: i64, user_id: i64 },
}

impl Anchor {
    /// The person a prompt asks for a text, if this is a prompt.
    pub fn asks(&self) -> Option<i64> {
        match self {
            Anchor::Prompt { user_id, .. }
            | Anchor::Correction { user_id, .. }
            | Anchor::ReturnReason { user_id, .. } => Some(*user_id),
            Anchor::Task { .. } | Anchor::Receipt { .. } => None,
        }
    }
}

/// A bot message to remember: chat, message id, what it is about, when.
type Remembered = (i64, i32, Anchor, i64);

/// Messages waiting to be remembered in a group commit.
pub(crate) type AnchorQueue = GroupCommit<Remembered, ()>;

impl Store {
    /// Remembers what a message the bot sent is about. Remembering the same message again
    /// (a retried update) keeps the first record. Messages sent at about the same time are
    /// remembered together, in one statement.
    pub async fn remember_message(
        &self,
        chat_id: i64,
        message_id: i32,
        anchor: &Anchor,
        now: i64,
    ) -> Result<(), StoreError> {
        let item = (chat_id, message_id, anchor.clone(), now);
        self.anchor_queue
            .submit(
                item,
                async || self.writer().await,
                async |writer, batch| {
                    let failed = match writer {
                        Ok(mut writer) => match insert_anchors(&mut writer, &batch).await {
                            Ok(()) => return batch.iter().map(|_| Ok(())).collect(),
                            Err(e) => e,
                        },
                        Err(e) => e,
                    };
                    if batch.len() == 1 {
                        return vec![Err(failed)];
                    }
                    // One by one, so that a message the database refuses fails alone.
                    let mut results = Vec::with_capacity(batch.len());
                    for one in batch.chunks(1) {
                        results.push(match self.writer().await {
                            Ok(mut writer) => insert_anchors(&mut writer, one).await,
                            Err(e) => Err(e),
                        });
                    }
                    results
                },
            )
            .await
    }

    /// What a message of the bot is about, if it is about anything.
    pub async fn anchor(
        &self,
        chat_id: i64,
        message_id: i32,
    ) -> Result<Option<Anchor>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT kind, task_id, light, report_id, user_id FROM bot_messages \
             WHERE chat_id = $1 AND message_id = $2",
        )
        .bind(chat_id)
        .bind(i64::from(message_id))
        .fetch_optional(&self.pool)
        .await
        .context("look up a bot message")?
        else {
            return Ok(None);
        };
        const WHAT: &str = "read a bot message";
        let kind: String = row.try_get("kind").context(WHAT)?;
        let task_id: Option<i64> = row.try_get("task_id").context(WHAT)?;
        let report_id: Option<i64> = row.try_get("report_id").context(WHAT)?;
        let user_id: Option<i64> = row.try_get("user_id").context(WHAT)?;
        let light: Option<String> = row.try_get("light").context(WHAT)?;
        let corrupt = || StoreError::Corrupt(format!("incomplete bot message of kind {kind:?}"));
        let anchor = match kind.as_str() {
            "task" => Anchor::Task {
                task_id: task_id.ok_or_else(corrupt)?,
            },
            "prompt" => Anchor::Prompt {
                task_id: task_id.ok_or_else(corrupt)?,
                light: parse_code(&light.ok_or_else(corrupt)?)?,
                user_id: user_id.ok_or_else(corrupt)?,
            },
            "correction" => Anchor::Correction {
                report_id: report_id.ok_or_else(corrupt)?,
                user_id: user_id.ok_or_else(corrupt)?,
            },
            "receipt" => Anchor::Receipt {
                report_id: report_id.ok_or_else(corrupt)?,
            },
            "return" => Anchor::ReturnReason {
                report_id: report_id.ok_or_else(corrupt)?,
                user_id: user_id.ok_or_else(corrupt)?,
            },
            _ => return Err(corrupt()),
        };
        Ok(Some(anchor))
    }
}

/// Stores bot messages, a statement per hundred; on the writer `conn`.
async fn insert_anchors(conn: &mut AnyConnection, batch: &[Remembered]) -> Result<(), StoreError> {
    for chunk in batch.chunks(100) {
        let sql = multi_row_insert(
            Backend::of(conn),
            "bot_messages (chat_id, message_id, kind, task_id, light, report_id, user_id, \
             created_at)",
            8,
            chunk.len(),
        ) + " ON CONFLICT (chat_id, message_id) DO NOTHING";
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (chat_id, message_id, anchor, now) in chunk {
            let (kind, task_id, light, report_id, user_id) = columns(anchor);
            query = query
                .bind(*chat_id)
                .bind(i64::from(*message_id))
                .bind(kind)
                .bind(task_id)
                .bind(light)
                .bind(report_id)
                .bind(user_id)
                .bind(*now);
        }
        query
            .execute(&mut *conn)
            .await
            .context("remember bot messages")?;
    }
    Ok(())
}

/// An anchor's columns: kind, task, light, report, user.
type Columns = (
    &'static str,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

fn columns(anchor: &Anchor) -> Columns {
    match anchor {
        Anchor::Task { task_id } => ("task", Some(*task_id), None, None, None),
        Anchor::Prompt {
            task_id,
            light,
            user_id,
        } => (
            "prompt",
            Some(*task_id),
            Some(code(light)),
            None,
            Some(*user_id),
        ),
        Anchor::Correction { report_id, user_id } => {
            ("correction", None, None, Some(*report_id), Some(*user_id))
        }
        Anchor::Receipt { report_id } => ("receipt", None, None, Some(*report_id), None),
        Anchor::ReturnReason { report_id, user_id } => {
            ("return", None, None, Some(*report_id), Some(*user_id))
        }
    }
}
