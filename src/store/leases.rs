//! Leases: how several instances of duban on one database share the work. A lease is a name
//! held by one instance (its holder) until a time on the wall clock, in milliseconds; its
//! holder renews it before then, and another instance takes it only once it has expired. What
//! the names stand for is [`crate::cluster`]'s business.

use super::error::Context;
use super::tasks::multi_row_insert;
use super::{Backend, Store, StoreError, WriteTx};

/// Leases taken per statement.
const PER_STATEMENT: usize = 500;

/// The proof a lease is held, checked inside a transaction that must not commit without it
/// (the scheduler's checkpoint): see [`fence`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub name: String,
    pub holder: String,
    /// The lease is renewed until then by the transaction it guards.
    pub until_ms: i64,
}

impl Store {
    /// Takes the leases `names` for `holder` until `until_ms` where each is free, expired
    /// (held until before `now_ms`) or already `holder`'s; returns the names `holder` holds
    /// now, sorted.
    pub async fn leases_take(
        &self,
        names: &[String],
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        // Sorted, so that two instances taking overlapping sets lock their rows in the same
        // order (PostgreSQL would otherwise find a deadlock), and once each: one statement may
        // not update a row twice.
        let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut held = Vec::with_capacity(names.len());
        for chunk in names.chunks(PER_STATEMENT) {
            let backend = Backend::of(&tx);
            let now = backend.params(chunk.len() * 3 + 1, 1);
            let sql = multi_row_insert(backend, "leases (name, holder, until_ms)", 3, chunk.len())
                + " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
                   until_ms = excluded.until_ms WHERE leases.holder = excluded.holder OR \
                   leases.until_ms < "
                + &now
                + " RETURNING name";
            let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for name in chunk {
                query = query.bind(*name).bind(holder).bind(until_ms);
            }
            held.extend(
                query
                    .bind(now_ms)
                    .fetch_all(&mut *tx)
                    .await
                    .context("take leases")?,
            );
        }
        tx.commit().await.context("commit leases")?;
        held.sort_unstable();
        Ok(held)
    }

    /// Takes or renews the one lease `name`; true when `holder` holds it now.
    pub async fn lease_take(
        &self,
        name: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, StoreError> {
        let held = self
            .leases_take(&[name.to_owned()], holder, now_ms, until_ms)
            .await?;
        Ok(!held.is_empty())
    }

    /// Renews every lease of `holder` whose name starts with `prefix` (no `%` or `_` in it) until
    /// `until_ms`;
    /// returns their names, sorted. A lease another instance took meanwhile is not among them.
    pub async fn leases_renew(
        &self,
        holder: &str,
        prefix: &str,
        until_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut held: Vec<String> = sqlx::query_scalar(
            "UPDATE leases SET until_ms = $1 WHERE holder = $2 AND name LIKE $3 RETURNING name",
        )
        .bind(until_ms)
        .bind(holder)
        .bind(format!("{prefix}%"))
        .fetch_all(&mut *tx)
        .await
        .context("renew leases")?;
        tx.commit().await.context("commit leases")?;
        held.sort_unstable();
        Ok(held)
    }

    /// Gives up every lease of `holder` (a graceful stop): the others may take them at once.
    pub async fn leases_release(&self, holder: &str) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let released = sqlx::query("DELETE FROM leases WHERE holder = $1")
            .bind(holder)
            .execute(&mut *tx)
            .await
            .context("release leases")?
            .rows_affected();
        tx.commit().await.context("commit leases")?;
        Ok(released)
    }

    /// The leases whose name starts with `prefix` held at `now_ms`: (name, holder), sorted.
    pub async fn leases_held(
        &self,
        prefix: &str,
        now_ms: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query_as(
            "SELECT name, holder FROM leases WHERE name LIKE $1 AND until_ms >= $2 ORDER BY name",
        )
        .bind(format!("{prefix}%"))
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await
        .context("read leases")
    }
}

/// Renews the lease of `fence` inside `tx`, or fails with [`StoreError::LeaseLost`] when
/// another instance holds it: what `tx` would commit was planned by an instance that no longer
/// may, and the one that may plans it again.
pub(super) async fn fence(tx: &mut WriteTx, fence: &Fence) -> Result<(), StoreError> {
    let renewed = sqlx::query("UPDATE leases SET until_ms = $1 WHERE name = $2 AND holder = $3")
        .bind(fence.until_ms)
        .bind(&fence.name)
        .bind(&fence.holder)
        .execute(&mut **tx)
        .await
        .context("check a lease")?
        .rows_affected();
    if renewed == 0 {
        return Err(StoreError::LeaseLost(fence.name.clone()));
    }
    Ok(())
}
