//! Schedules admins changed, from chat or the CLI: an office-wide expression of a kind (over the
//! config's) or a unit's own, and pauses. Each change writes its audit entry in the same
//! transaction.

use super::audit;
use super::error::Context;
use super::{Named, Store, StoreError};
use crate::schedule::{Kind, Plan};
use sqlx::{AnyConnection, Row};

/// A schedule in effect.
#[derive(Debug, Clone)]
pub struct Effective {
    pub kind: Kind,
    /// `None`: the office-wide schedule of the kind; else a unit's own.
    pub unit: Option<Named>,
    pub plan: Plan,
    pub paused: bool,
    /// Where the expression comes from.
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The config file (or its environment variable).
    Config,
    /// Changed by an admin (chat or CLI).
    Changed,
}

/// A changed schedule: `unit_id` is `None` for the office-wide one of the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRow {
    pub kind: Kind,
    pub unit: Option<Named>,
    /// `None`: the inherited expression still applies (a row that only pauses).
    pub expression: Option<String>,
    pub paused: bool,
    pub changed_by: String,
    pub changed_at: i64,
}

/// What to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleChange {
    Set(String),
    Pause,
    Resume,
}

impl Store {
    /// Every changed schedule.
    pub async fn schedule_rows(&self) -> Result<Vec<ScheduleRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.kind, s.unit_id, u.name AS unit_name, s.expression, s.paused, \
             s.changed_by, s.changed_at FROM schedules s LEFT JOIN units u ON u.id = s.unit_id \
             ORDER BY s.kind, u.name",
        )
        .fetch_all(&self.pool)
        .await
        .context("load the schedules")?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            const WHAT: &str = "read a schedule";
            let code: String = row.try_get("kind").context(WHAT)?;
            let Some(kind) = Kind::parse(&code) else {
                continue;
            };
            let id: i64 = row.try_get("unit_id").context(WHAT)?;
            let name: Option<String> = row.try_get("unit_name").context(WHAT)?;
            out.push(ScheduleRow {
                kind,
                unit: name.filter(|_| id != 0).map(|name| Named { id, name }),
                expression: row.try_get("expression").context(WHAT)?,
                paused: row.try_get::<i64, _>("paused").context(WHAT)? != 0,
                changed_by: row.try_get("changed_by").context(WHAT)?,
                changed_at: row.try_get("changed_at").context(WHAT)?,
            });
        }
        Ok(out)
    }

    /// Applies a change to the schedule of `kind` (a unit's own when `unit` is given: id and
    /// name, the name for the audit trail) and records it.
    pub async fn change_schedule(
        &self,
        kind: Kind,
        unit: Option<(i64, &str)>,
        change: &ScheduleChange,
        actor: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        apply(&mut tx, kind, unit, change, actor, now).await?;
        tx.commit().await.context("commit a schedule change")?;
        Ok(())
    }
}

async fn apply(
    conn: &mut AnyConnection,
    kind: Kind,
    unit: Option<(i64, &str)>,
    change: &ScheduleChange,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let unit_id = unit.map_or(0, |(id, _)| id);
    sqlx::query(
        "INSERT INTO schedules (kind, unit_id, expression, paused, changed_by, changed_at) \
         VALUES ($1, $2, NULL, 0, $3, $4) ON CONFLICT (kind, unit_id) DO NOTHING",
    )
    .bind(kind.code())
    .bind(unit_id)
    .bind(actor)
    .bind(now)
    .execute(&mut *conn)
    .await
    .context("change a schedule")?;
    let (query, action, detail) = match change {
        ScheduleChange::Set(expression) => (
            sqlx::query(
                "UPDATE schedules SET expression = $1, changed_by = $2, changed_at = $3 \
                 WHERE kind = $4 AND unit_id = $5",
            )
            .bind(expression.as_str()),
            "schedule_set",
            expression.as_str(),
        ),
        ScheduleChange::Pause | ScheduleChange::Resume => {
            let paused = i64::from(*change == ScheduleChange::Pause);
            let action = if paused == 1 {
                "schedule_pause"
            } else {
                "schedule_resume"
            };
            (
                sqlx::query(
                    "UPDATE schedules SET paused = $1, changed_by = $2, changed_at = $3 \
                     WHERE kind = $4 AND unit_id = $5",
                )
                .bind(paused),
                action,
                "",
            )
        }
    };
    query
        .bind(actor)
        .bind(now)
        .bind(kind.code())
        .bind(unit_id)
        .execute(&mut *conn)
        .await
        .context("change a schedule")?;
    let subject = match unit {
        Some((_, name)) => format!("{}:{name}", kind.code()),
        None => kind.code().to_owned(),
    };
    audit::record(conn, now, actor, action, &subject, detail).await?;
    Ok(())
}

/// A change typed in chat, waiting for its confirm button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleDraft {
    pub id: i64,
    pub kind: Kind,
    pub unit: Option<Named>,
    pub expression: String,
    pub user_id: i64,
}

impl Store {
    /// Keeps a previewed change until its confirm button is pressed; returns its id.
    pub async fn draft_schedule(
        &self,
        kind: Kind,
        unit: Option<&Named>,
        expression: &str,
        user_id: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut writer = self.writer().await?;
        sqlx::query_scalar(
            "INSERT INTO schedule_drafts (kind, unit_id, expression, user_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(kind.code())
        .bind(unit.map_or(0, |u| u.id))
        .bind(expression)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *writer)
        .await
        .context("keep a schedule draft")
    }

    /// The draft `id`, if it is still waiting.
    pub async fn schedule_draft(&self, id: i64) -> Result<Option<ScheduleDraft>, StoreError> {
        let row = sqlx::query(
            "SELECT d.id, d.kind, d.unit_id, u.name AS unit_name, d.expression, d.user_id \
             FROM schedule_drafts d LEFT JOIN units u ON u.id = d.unit_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .context("load a schedule draft")?;
        let Some(row) = row else {
            return Ok(None);
        };
        const WHAT: &str = "read a schedule draft";
        let code: String = row.try_get("kind").context(WHAT)?;
        let unit_id: i64 = row.try_get("unit_id").context(WHAT)?;
        let name: Option<String> = row.try_get("unit_name").context(WHAT)?;
        Ok(Kind::parse(&code).map(|kind| ScheduleDraft {
            id,
            kind,
            unit: name
                .filter(|_| unit_id != 0)
                .map(|name| Named { id: unit_id, name }),
            expression: row.try_get("expression").unwrap_or_default(),
            user_id: row.try_get("user_id").unwrap_or_default(),
        }))
    }

    /// Applies draft `id` as `actor` and drops it, in one transaction; `None` when it was gone
    /// already (a second press of the button).
    pub async fn confirm_schedule_draft(
        &self,
        id: i64,
        actor: &str,
        now: i64,
    ) -> Result<Option<ScheduleDraft>, StoreError> {
        let Some(draft) = self.schedule_draft(id).await? else {
            return Ok(None);
        };
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query("DELETE FROM schedule_drafts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("drop a schedule draft")?
            .rows_affected();
        if gone == 0 {
            return Ok(None);
        }
        let unit = draft.unit.as_ref().map(|u| (u.id, u.name.as_str()));
        let change = ScheduleChange::Set(draft.expression.clone());
        apply(&mut tx, draft.kind, unit, &change, actor, now).await?;
        tx.commit().await.context("commit a schedule change")?;
        Ok(Some(draft))
    }

    /// Drops a draft (cancelled). Returns false when it was gone already (a second
    /// press of the button).
    pub async fn drop_schedule_draft(&self, id: i64) -> Result<bool, StoreError> {
        let mut writer = self.writer().await?;
        let gone = sqlx::query("DELETE FROM schedule_drafts WHERE id = $1")
            .bind(id)
            .execute(&mut *writer)
            .await
            .context("drop a schedule draft")?
            .rows_affected();
        Ok(gone > 0)
    }
}
