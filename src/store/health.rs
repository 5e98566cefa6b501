//! What the health check and the metrics of `duban run --http` read from the database.

use super::error::Context;
use super::{Backend, DINGTALK_BASE, Platform, Store, StoreError};
use sqlx::Row;
use std::time::Duration;

impl Store {
    /// `SELECT 1`, given at most `timeout` (to get a connection and the answer): whether the
    /// database answers.
    pub async fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        let query = sqlx::query_scalar::<_, i64>("SELECT CAST(1 AS BIGINT)").fetch_one(&self.pool);
        match tokio::time::timeout(timeout, query).await {
            Ok(answer) => answer.map(drop).context("ask the database"),
            Err(_) => Err(sqlx::Error::PoolTimedOut).context("ask the database in time"),
        }
    }

    /// Pending outbox rows by the platform of their chat and their kind (the dedupe key up to
    /// its first `:`), sorted.
    pub async fn outbox_pending_counts(&self) -> Result<Vec<(Platform, String, i64)>, StoreError> {
        let kind = match self.backend {
            Backend::Sqlite => {
                "CASE WHEN instr(dedupe_key, ':') > 0 \
                 THEN substr(dedupe_key, 1, instr(dedupe_key, ':') - 1) ELSE dedupe_key END"
            }
            Backend::Postgres => "split_part(dedupe_key, ':', 1)",
        };
        let sql = format!(
            "SELECT CASE WHEN chat_id >= $1 THEN 'dingtalk' ELSE 'telegram' END AS platform, \
             {kind} AS kind, COUNT(*) AS n FROM outbox WHERE state = 'pending' \
             GROUP BY 1, 2 ORDER BY 1, 2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(DINGTALK_BASE)
            .fetch_all(&self.pool)
            .await
            .context("count the pending outbox rows")?;
        rows.iter()
            .map(|row| {
                const WHAT: &str = "read a count of pending outbox rows";
                let platform: String = row.try_get("platform").context(WHAT)?;
                Ok((
                    Platform::from_code(&platform)
                        .ok_or_else(|| StoreError::Corrupt(format!("platform {platform}")))?,
                    row.try_get("kind").context(WHAT)?,
                    row.try_get("n").context(WHAT)?,
                ))
            })
            .collect()
    }
}
