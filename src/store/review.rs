//! Reviewing reports and the state of tasks (src/progress/state.rs): a supervisor or admin
//! confirms a report or sends it back; a host unit's ✅ report confirmed closes its task; an
//! admin reopens a closed task. Each use case changes the report, the task's state, the audit
//! trail and the outbox (the notice to the people concerned) in one transaction, so that a
//! crash leaves either all of it or none, and the notice goes out once.

use super::audit;
use super::codes::{code, parse_code};
use super::error::Context;
use super::reports::{Report, ReportState, describe, load};
use super::{OutMessage, Store, StoreError};
use crate::progress::{HostReport, Light, TaskState};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// What a reviewer decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 确认
    Confirm,
    /// 退回, with the reason the contact is told.
    Return { reason: String },
}

/// The state of a task in a period, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskStatus {
    pub state: TaskState,
    /// When it became so; None for a task never reported (待反馈 from the start).
    pub since: Option<i64>,
    /// The period its row belongs to: a task closed in March is still closed in April.
    pub period: Option<String>,
}

impl TaskStatus {
    const WAITING: TaskStatus = TaskStatus {
        state: TaskState::Waiting,
        since: None,
        period: None,
    };
}

/// What a review came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Reviewed {
    /// Reviewed now (`fresh`), or the same review found done before (a redelivered update):
    /// the report as it is now, and the task's state after it.
    Done {
        report: Report,
        state: TaskState,
        fresh: bool,
    },
    /// Withdrawn, corrected or reviewed otherwise before: nothing changed.
    NotReviewable(Report),
    NotFound,
}

/// What reopening came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reopened {
    /// The task's state now.
    Done(TaskState),
    NotClosed(TaskState),
}

/// The state of `task_id` in `period`: its row there, else 已办结 when its latest earlier row
/// says so, else 待反馈.
pub(super) async fn status(
    conn: &mut AnyConnection,
    task_id: i64,
    period: &str,
) -> Result<TaskStatus, StoreError> {
    let row = sqlx::query(
        "SELECT period, state, changed_at FROM task_states WHERE task_id = $1 AND period <= $2 \
         ORDER BY period DESC LIMIT 1",
    )
    .bind(task_id)
    .bind(period)
    .fetch_optional(&mut *conn)
    .await
    .context("read a task's state")?;
    let Some(row) = row else {
        return Ok(TaskStatus::WAITING);
    };
    effective(&row, period)
}

fn effective(row: &sqlx::any::AnyRow, period: &str) -> Result<TaskStatus, StoreError> {
    const WHAT: &str = "read a task's state";
    let at: String = row.try_get("period").context(WHAT)?;
    let state: TaskState = parse_code(&row.try_get::<String, _>("state").context(WHAT)?)?;
    if at == period || state == TaskState::Closed {
        Ok(TaskStatus {
            state,
            since: Some(row.try_get("changed_at").context(WHAT)?),
            period: Some(at),
        })
    } else {
        Ok(TaskStatus::WAITING)
    }
}

/// The state the period's reports of the task's host units give.
async fn derived(
    conn: &mut AnyConnection,
    task_id: i64,
    period: &str,
) -> Result<TaskState, StoreError> {
    let rows = sqlx::query(
        "SELECT r.state, r.reviewed_at FROM reports r WHERE r.task_id = $1 AND r.period = $2 \
         AND r.state IN ('active', 'returned') AND EXISTS (SELECT 1 FROM task_units tu \
         WHERE tu.task_id = r.task_id AND tu.unit_id = r.unit_id AND tu.role = 'host')",
    )
    .bind(task_id)
    .bind(period)
    .fetch_all(&mut *conn)
    .await
    .context("read the host reports of a task")?;
    let mut reports = Vec::with_capacity(rows.len());
    for row in &rows {
        const WHAT: &str = "read a host report";
        let state: String = row.try_get("state").context(WHAT)?;
        let reviewed: Option<i64> = row.try_get("reviewed_at").context(WHAT)?;
        reports.push(match (state.as_str(), reviewed) {
            ("returned", _) => HostReport::Returned,
            (_, Some(_)) => HostReport::Confirmed,
            (_, None) => HostReport::Unreviewed,
        });
    }
    Ok(TaskState::derive(&reports))
}

/// Moves the task to `to` in `period` (a row there), with its audit entry; nothing when it is
/// there already. Returns the state it was in.
async fn set(
    conn: &mut AnyConnection,
    task: (i64, u32),
    period: &str,
    to: TaskState,
    actor: &str,
    now: i64,
) -> Result<TaskState, StoreError> {
    let (task_id, number) = task;
    let from = status(conn, task_id, period).await?.state;
    if from == to {
        return Ok(from);
    }
    debug_assert!(from.may_become(to), "{from:?} → {to:?}");
    write(conn, task_id, period, to, actor, now).await?;
    audit::record(
        conn,
        now,
        actor,
        "state",
        &format!("第{number}项 {period}"),
        &format!("{} → {}", from.name(), to.name()),
    )
    .await?;
    Ok(from)
}

/// The task's row of `period` says `state`.
async fn write(
    conn: &mut AnyConnection,
    task_id: i64,
    period: &str,
    state: TaskState,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO task_states (task_id, period, state, changed_at, changed_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (task_id, period) DO UPDATE \
         SET state = excluded.state, changed_at = excluded.changed_at, \
         changed_by = excluded.changed_by",
    )
    .bind(task_id)
    .bind(period)
    .bind(code(&state))
    .bind(now)
    .bind(actor)
    .execute(&mut *conn)
    .await
    .context("change a task's state")?;
    Ok(())
}

/// After a report was stored (or a correction): a host unit's new report, not reviewed yet,
/// makes its task 已反馈 whatever the other reports say (see [`TaskState::derive`]), unless it
/// is closed. Two point lookups, no scan of the task's reports: this runs for every report in
/// the group commit.
pub(super) async fn reported(
    conn: &mut AnyConnection,
    task: (i64, u32),
    unit_id: i64,
    period: &str,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    if !is_host(conn, task.0, unit_id).await? {
        return Ok(());
    }
    let from = status(conn, task.0, period).await?.state;
    if from.is_open() && from != TaskState::Reported {
        set(conn, task, period, TaskState::Reported, actor, now).await?;
    }
    Ok(())
}

/// After a report was withdrawn or reviewed: the task's state as its host
/// reports give it, unless it is closed (only reopening ends that).
pub(super) async fn refresh(
    conn: &mut AnyConnection,
    task: (i64, u32),
    period: &str,
    actor: &str,
    now: i64,
) -> Result<TaskState, StoreError> {
    let now_state = status(conn, task.0, period).await?.state;
    if now_state == TaskState::Closed {
        return Ok(now_state);
    }
    let to = derived(conn, task.0, period).await?;
    set(conn, task, period, to, actor, now).await?;
    Ok(to)
}

async fn is_host(conn: &mut AnyConnection, task_id: i64, unit_id: i64) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM task_units WHERE task_id = $1 AND unit_id = $2 AND role = 'host'",
    )
    .bind(task_id)
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await
    .context("check a host unit")?;
    Ok(row.is_some())
}

impl Store {
    /// Reviews report `id` as `reviewer`: confirms it (a host unit's ✅ report confirmed closes
    /// its task) or sends it back. `notices` words what the people concerned are told, given the
    /// report as reviewed and the task's state after it; it goes into the outbox in the same
    /// transaction.
    pub async fn review_report(
        &self,
        id: i64,
        verdict: &Verdict,
        reviewer: i64,
        notices: &(dyn Fn(&Report, TaskState) -> Vec<OutMessage> + Sync),
        now: i64,
    ) -> Result<Reviewed, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(report) = load(&mut tx, "r.id", id).await? else {
            return Ok(Reviewed::NotFound);
        };
        if let Some(done) = already(&report, verdict, reviewer) {
            let state = status(&mut tx, report.task_id, &report.period).await?.state;
            return Ok(if done {
                Reviewed::Done {
                    report,
                    state,
                    fresh: false,
                }
            } else {
                Reviewed::NotReviewable(report)
            });
        }
        let (state, note) = match verdict {
            Verdict::Confirm => ("active", None),
            Verdict::Return { reason } => ("returned", Some(reason.as_str())),
        };
        sqlx::query(
            "UPDATE reports SET state = $2, reviewed_by = $3, reviewed_at = $4, \
             review_note = $5, changed_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(state)
        .bind(reviewer)
        .bind(now)
        .bind(note)
        .execute(&mut *tx)
        .await
        .context("review a report")?;
        let actor = reviewer.to_string();
        let (action, detail) = match verdict {
            Verdict::Confirm => ("confirm", String::new()),
            Verdict::Return { reason } => ("return", reason.clone()),
        };
        audit::record(&mut tx, now, &actor, action, &describe(&report), &detail).await?;
        let task = (report.task_id, report.task_number);
        let closes = *verdict == Verdict::Confirm
            && report.light == Some(Light::Done)
            && is_host(&mut tx, report.task_id, report.unit_id).await?;
        let mut after = refresh(&mut tx, task, &report.period, &actor, now).await?;
        if closes && after.is_open() {
            set(
                &mut tx,
                task,
                &report.period,
                TaskState::Closed,
                &actor,
                now,
            )
            .await?;
            after = TaskState::Closed;
        }
        let report = Report {
            state: parse_code(state)?,
            reviewed_by: Some(reviewer),
            reviewed_at: Some(now),
            review_note: note.map(str::to_owned),
            changed_at: Some(now),
            ..report
        };
        super::outbox::insert(&mut tx, &notices(&report, after), now).await?;
        tx.commit().await.context("commit a review")?;
        Ok(Reviewed::Done {
            report,
            state: after,
            fresh: true,
        })
    }

    /// Reopens a closed task in `period`, as `actor` (a user id, or `cli`), with the reason;
    /// its state becomes what its reports give. `notices` words what the host units' contacts
    /// are told, given the state after.
    pub async fn reopen_task(
        &self,
        task: (i64, u32),
        period: &str,
        actor: &str,
        reason: &str,
        notices: &(dyn Fn(TaskState) -> Vec<OutMessage> + Sync),
        now: i64,
    ) -> Result<Reopened, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = status(&mut tx, task.0, period).await?.state;
        if before != TaskState::Closed {
            return Ok(Reopened::NotClosed(before));
        }
        let to = derived(&mut tx, task.0, period).await?;
        // Reopened into a period with the same reports as when it closed: the reports say
        // 已确认; the task waits for a new report all the same.
        let to = if to == TaskState::Confirmed {
            TaskState::Reported
        } else {
            to
        };
        write(&mut tx, task.0, period, to, actor, now).await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "reopen",
            &format!("第{}项 {period}", task.1),
            &format!("{} → {}：{reason}", before.name(), to.name()),
        )
        .await?;
        super::outbox::insert(&mut tx, &notices(to), now).await?;
        tx.commit().await.context("commit a reopening")?;
        Ok(Reopened::Done(to))
    }

    /// The state of a task in `period`.
    pub async fn task_state(&self, task_id: i64, period: &str) -> Result<TaskStatus, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        status(&mut conn, task_id, period).await
    }

    /// The state in `period` of every task that has one other than 待反馈 from the start, by
    /// task id (a task missing is 待反馈).
    pub async fn task_states(&self, period: &str) -> Result<HashMap<i64, TaskStatus>, StoreError> {
        let rows = sqlx::query(
            "SELECT task_id, period, state, changed_at FROM task_states WHERE period <= $1 \
             ORDER BY task_id, period",
        )
        .bind(period)
        .fetch_all(&self.pool)
        .await
        .context("read the states of tasks")?;
        let mut states = HashMap::new();
        for row in &rows {
            let task: i64 = row.try_get("task_id").context("read a task's state")?;
            // Ordered by period: the last row of a task is its latest.
            states.insert(task, effective(row, period)?);
        }
        states.retain(|_, s| s.period.is_some());
        Ok(states)
    }

    /// Active reports no supervisor or admin has reviewed yet, oldest first.
    pub async fn unreviewed_reports(&self, limit: i64) -> Result<Vec<Report>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        super::reports::list(
            &mut conn,
            "WHERE r.state = 'active' AND r.reviewed_at IS NULL",
            &format!("ORDER BY r.created_at, r.id LIMIT {limit}"),
        )
        .await
    }

    /// How many active reports wait for review.
    pub async fn unreviewed_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM reports WHERE state = 'active' AND reviewed_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .context("count the reports waiting for review")?;
        row.try_get("n")
            .context("read the count of reports waiting")
    }
}

/// Whether `report` was reviewed before: Some(true) when just so (the same verdict by the same
/// reviewer: a redelivered update), Some(false) when otherwise or when it is no longer active;
/// None when it waits for review.
fn already(report: &Report, verdict: &Verdict, reviewer: i64) -> Option<bool> {
    let same = |state: ReportState| report.state == state && report.reviewed_by == Some(reviewer);
    match (report.state, report.reviewed_at, verdict) {
        (ReportState::Active, None, _) => None,
        (_, _, Verdict::Confirm) => Some(same(ReportState::Active) && report.reviewed_at.is_some()),
        (_, _, Verdict::Return { .. }) => Some(same(ReportState::Returned)),
    }
}
