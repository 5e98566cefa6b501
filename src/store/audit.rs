//! The audit trail: who did what, when. Every change of the chat loop writes its entry in the
//! same transaction as the change, so an entry exists exactly when the change does.

use super::error::Context;
use super::tasks::multi_row_insert;
use super::{Backend, Store, StoreError};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// One entry. `actor` is a Telegram user id, or `cli` / `config` for changes made outside chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

pub(crate) async fn record(
    conn: &mut AnyConnection,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .execute(&mut *conn)
    .await
    .context("write the audit trail")?;
    Ok(())
}

/// An entry to write with [`record_many`].
#[derive(Debug, Clone)]
pub(crate) struct AuditRow {
    pub at: i64,
    pub actor: String,
    pub action: &'static str,
    pub subject: String,
    pub detail: String,
}

/// Several entries in statements of many rows.
pub(crate) async fn record_many(
    conn: &mut AnyConnection,
    entries: &[AuditRow],
) -> Result<(), StoreError> {
    for chunk in entries.chunks(100) {
        let sql = multi_row_insert(
            Backend::of(conn),
            "audit (at, actor, action, subject, detail)",
            5,
            chunk.len(),
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            query = query
                .bind(e.at)
                .bind(&e.actor)
                .bind(e.action)
                .bind(&e.subject)
                .bind(&e.detail);
        }
        query
            .execute(&mut *conn)
            .await
            .context("write the audit trail")?;
    }
    Ok(())
}

impl Store {
    /// The entries at or after `since` (unix seconds), oldest first.
    pub async fn audit(&self, since: Option<i64>) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, subject, detail FROM audit WHERE at >= $1 ORDER BY id",
        )
        .bind(since.unwrap_or(i64::MIN))
        .fetch_all(&self.pool)
        .await
        .context("read the audit trail")?;
        rows.iter()
            .map(|row| {
                const WHAT: &str = "read an audit entry";
                Ok(AuditEntry {
                    id: row.try_get("id").context(WHAT)?,
                    at: row.try_get("at").context(WHAT)?,
                    actor: row.try_get("actor").context(WHAT)?,
                    action: row.try_get("action").context(WHAT)?,
                    subject: row.try_get("subject").context(WHAT)?,
                    detail: row.try_get("detail").context(WHAT)?,
                })
            })
            .collect()
    }
}
