//! Bulletin numbers: a period's bulletin is 第N期, N given when it is first compiled.

use super::error::Context;
use super::{Store, StoreError};

impl Store {
    /// The number of `period`'s bulletin: the one it has, or the next free one.
    pub async fn bulletin_number(&self, period: &str, now: i64) -> Result<u32, StoreError> {
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT number FROM bulletins WHERE period = $1")
                .bind(period)
                .fetch_optional(&mut *tx)
                .await
                .context("read a bulletin number")?;
        let number = match existing {
            Some(number) => number,
            None => {
                let last: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM bulletins")
                    .fetch_one(&mut *tx)
                    .await
                    .context("read the last bulletin number")?;
                let number = last.unwrap_or(0) + 1;
                sqlx::query(
                    "INSERT INTO bulletins (number, period, created_at) VALUES ($1, $2, $3)",
                )
                .bind(number)
                .bind(period)
                .bind(now)
                .execute(&mut *tx)
                .await
                .context("number a bulletin")?;
                number
            }
        };
        tx.commit().await.context("commit a bulletin number")?;
        Ok(u32::try_from(number).unwrap_or(u32::MAX))
    }

    /// The period of bulletin `number`, if it was issued.
    pub async fn bulletin_period(&self, number: u32) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT period FROM bulletins WHERE number = $1")
            .bind(i64::from(number))
            .fetch_optional(&self.pool)
            .await
            .context("read a bulletin's period")
    }
}

impl Store {
    /// Who issued notice `notice_id` (济宁市兖州区人民政府), if the notice says.
    pub async fn notice_issuer(&self, notice_id: i64) -> Result<Option<String>, StoreError> {
        let issuer: Option<Option<String>> =
            sqlx::query_scalar("SELECT issuer FROM notices WHERE id = $1")
                .bind(notice_id)
                .fetch_optional(&self.pool)
                .await
                .context("read a notice's issuer")?;
        Ok(issuer.flatten())
    }
}
