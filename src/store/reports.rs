//! Progress reports: stored once per update, withdrawn or corrected by their contact, listed
//! by period, unit and task.

use super::audit;
use super::codes::{narrow, parse_code};
use super::error::Context;
use super::{Store, StoreError};
use crate::progress::Light;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Active,
    Withdrawn,
    /// Replaced by a correction.
    Corrected,
    /// Sent back (退回) by a supervisor or admin: no longer counted.
    Returned,
}

/// A figure of a report against one of the task's targets, in the target's unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFigure {
    /// The target's position among the task's targets.
    pub target_position: usize,
    pub metric: String,
    /// As written in the report (2.1万亩).
    pub text: String,
    pub value: f64,
    pub target_value: f64,
    /// The target's unit (万亩).
    pub unit: String,
}

/// A report to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub task_id: i64,
    /// The task's number and the unit's name, for the audit trail.
    pub task_number: u32,
    /// The task is an item (督办件): its number is 督-N.
    pub item: bool,
    pub unit_id: i64,
    pub unit_name: String,
    pub period: String,
    pub user_id: i64,
    pub light: Option<Light>,
    pub text: String,
    /// The inbox's number of the update that carried it: storing the same update twice
    /// stores one report.
    pub inbox_seq: i64,
    /// The report this one corrects.
    pub corrects: Option<i64>,
    pub figures: Vec<ReportFigure>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub id: i64,
    pub task_id: i64,
    pub task_number: u32,
    /// The task is an item (督办件): its number is 督-N.
    pub item: bool,
    pub unit_id: i64,
    pub unit: String,
    pub period: String,
    pub user_id: i64,
    /// The contact's name when they are still bound.
    pub user_name: Option<String>,
    pub light: Option<Light>,
    pub text: String,
    /// The inbox's number of the update that carried it.
    pub inbox_seq: i64,
    pub corrects: Option<i64>,
    pub state: ReportState,
    pub created_at: i64,
    pub changed_at: Option<i64>,
    pub figures: Vec<ReportFigure>,
    /// Who confirmed or returned it, and when; a returned report's reason.
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<i64>,
    pub review_note: Option<String>,
}

impl Report {
    /// How people name the report's task: `第8项`, `督-1`.
    pub fn task_label(&self) -> String {
        super::task_label(self.task_number, self.item)
    }

    /// The report's task, typed.
    pub fn task_ref(&self) -> super::TaskRef {
        match self.item {
            true => super::TaskRef::Item(self.task_number),
            false => super::TaskRef::Notice(self.task_number),
        }
    }

    /// Confirmed by a supervisor or admin (and not sent back).
    pub fn is_confirmed(&self) -> bool {
        self.state == ReportState::Active && self.reviewed_at.is_some()
    }
}

/// Which reports to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub notice_id: Option<i64>,
    pub period: Option<String>,
    pub unit_id: Option<i64>,
    pub task_id: Option<i64>,
    pub task_number: Option<u32>,
    /// Leave out withdrawn and corrected reports.
    pub active_only: bool,
}

/// What a withdrawal came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Withdrawal {
    Withdrawn(Report),
    /// Withdrawn or corrected before: nothing changed.
    NotActive(Report),
    NotFound,
}

const SELECT: &str = "SELECT r.id, r.task_id, t.number AS task_number, r.unit_id, u.name AS unit, \
    r.period, r.user_id, m.display_name AS user_name, r.light, r.text, r.inbox_seq, r.corrects, \
    r.state, r.created_at, r.changed_at, r.reviewed_by, r.reviewed_at, r.review_note, \
    (SELECT COUNT(*) FROM task_items i WHERE i.task_id = r.task_id) AS is_item \
    FROM reports r JOIN tasks t ON t.id = r.task_id \
    JOIN units u ON u.id = r.unit_id LEFT JOIN members m ON m.user_id = r.user_id";

fn read(row: &AnyRow) -> Result<Report, StoreError> {
    const WHAT: &str = "read a report";
    Ok(Report {
        id: row.try_get("id").context(WHAT)?,
        task_id: row.try_get("task_id").context(WHAT)?,
        task_number: narrow(row.try_get("task_number").context(WHAT)?, "number")?,
        item: row.try_get::<i64, _>("is_item").context(WHAT)? > 0,
        unit_id: row.try_get("unit_id").context(WHAT)?,
        unit: row.try_get("unit").context(WHAT)?,
        period: row.try_get("period").context(WHAT)?,
        user_id: row.try_get("user_id").context(WHAT)?,
        user_name: row.try_get("user_name").context(WHAT)?,
        light: row
            .try_get::<Option<String>, _>("light")
            .context(WHAT)?
            .map(|l| parse_code(&l))
            .transpose()?,
        text: row.try_get("text").context(WHAT)?,
        inbox_seq: row.try_get("inbox_seq").context(WHAT)?,
        corrects: row.try_get("corrects").context(WHAT)?,
        state: parse_code(&row.try_get::<String, _>("state").context(WHAT)?)?,
        created_at: row.try_get("created_at").context(WHAT)?,
        changed_at: row.try_get("changed_at").context(WHAT)?,
        figures: Vec::new(),
        reviewed_by: row.try_get("reviewed_by").context(WHAT)?,
        reviewed_at: row.try_get("reviewed_at").context(WHAT)?,
        review_note: row.try_get("review_note").context(WHAT)?,
    })
}

pub(super) async fn load(
    conn: &mut AnyConnection,
    condition: &str,
    id: i64,
) -> Result<Option<Report>, StoreError> {
    load_where(conn, &format!("{condition} = $1"), &[id]).await
}

/// The first report (with its figures) that `condition` (and what follows it: an order, a
/// limit) selects, its parameters bound from `values`.
async fn load_where(
    conn: &mut AnyConnection,
    condition: &str,
    values: &[i64],
) -> Result<Option<Report>, StoreError> {
    let sql = format!("{SELECT} WHERE {condition}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for value in values {
        query = query.bind(*value);
    }
    let Some(row) = query
        .fetch_optional(&mut *conn)
        .await
        .context("load a report")?
    else {
        return Ok(None);
    };
    let mut reports = vec![read(&row)?];
    attach_figures(conn, &mut reports).await?;
    Ok(reports.pop())
}

async fn attach_figures(
    conn: &mut AnyConnection,
    reports: &mut [Report],
) -> Result<(), StoreError> {
    if reports.is_empty() {
        return Ok(());
    }
    let ids = reports
        .iter()
        .map(|r| r.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let index: HashMap<i64, usize> = reports.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let sql = format!(
        "SELECT report_id, target_position, metric, text, value, target_value, unit \
         FROM report_figures WHERE report_id IN ({ids}) ORDER BY report_id, position"
    );
    for row in sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .context("load the figures of reports")?
    {
        const WHAT: &str = "read a figure";
        let report = index[&row.try_get::<i64, _>("report_id").context(WHAT)?];
        reports[report].figures.push(ReportFigure {
            target_position: narrow(row.try_get("target_position").context(WHAT)?, "position")?,
            metric: row.try_get("metric").context(WHAT)?,
            text: row.try_get("text").context(WHAT)?,
            value: row.try_get("value").context(WHAT)?,
            target_value: row.try_get("target_value").context(WHAT)?,
            unit: row.try_get("unit").context(WHAT)?,
        });
    }
    Ok(())
}

/// `报告 #3 第8项 区科技局 2022-03 黄`: how the audit trail names a report.
pub(super) fn describe(report: &Report) -> String {
    let light = report.light.map(|l| l.name()).unwrap_or("未标注");
    format!(
        "报告 #{} 第{}项 {} {} {}",
        report.id, report.task_number, report.unit, report.period, light
    )
}

impl Store {
    /// Stores a report (and, for a correction, marks the corrected one). Idempotent per
    /// update: a second call with the same `inbox_seq` stores nothing and returns the report
    /// stored the first time, with `false`.
    pub async fn store_report(
        &self,
        report: &NewReport,
        now: i64,
    ) -> Result<(Report, bool), StoreError> {
        match self.insert_report(report, now).await? {
            Some(id) => {
                let stored = Report {
                    id,
                    task_id: report.task_id,
                    task_number: report.task_number,
                    item: report.item,
                    unit_id: report.unit_id,
                    unit: report.unit_name.clone(),
                    period: report.period.clone(),
                    user_id: report.user_id,
                    user_name: None,
                    light: report.light,
                    text: report.text.clone(),
                    inbox_seq: report.inbox_seq,
                    corrects: report.corrects,
                    state: ReportState::Active,
                    created_at: now,
                    changed_at: None,
                    figures: report.figures.clone(),
                    reviewed_by: None,
                    reviewed_at: None,
                    review_note: None,
                };
                Ok((stored, true))
            }
            None => {
                let mut conn = self.pool.acquire().await.context("acquire a connection")?;
                let stored = load(&mut conn, "r.inbox_seq", report.inbox_seq)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("a stored report is missing".into()))?;
                Ok((stored, false))
            }
        }
    }

    pub async fn report(&self, id: i64) -> Result<Option<Report>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        load(&mut conn, "r.id", id).await
    }

    /// The latest active report `user_id` stored at `since` or later: what evidence sent
    /// within the edit window after a report belongs to.
    pub async fn latest_report_of(
        &self,
        user_id: i64,
        since: i64,
    ) -> Result<Option<Report>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        load_where(
            &mut conn,
            "r.user_id = $1 AND r.created_at >= $2 AND r.state = 'active' \
             ORDER BY r.created_at DESC, r.id DESC LIMIT 1",
            &[user_id, since],
        )
        .await
    }

    /// Withdraws an active report.
    pub async fn withdraw_report(
        &self,
        id: i64,
        actor: i64,
        now: i64,
    ) -> Result<Withdrawal, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(report) = load(&mut tx, "r.id", id).await? else {
            return Ok(Withdrawal::NotFound);
        };
        if report.state != ReportState::Active {
            return Ok(Withdrawal::NotActive(report));
        }
        sqlx::query("UPDATE reports SET state = 'withdrawn', changed_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("withdraw a report")?;
        let actor = actor.to_string();
        audit::record(&mut tx, now, &actor, "withdraw", &describe(&report), "").await?;
        let task = (report.task_id, report.task_number);
        super::review::refresh(&mut tx, task, &report.period, &actor, now).await?;
        tx.commit().await.context("commit a withdrawal")?;
        Ok(Withdrawal::Withdrawn(Report {
            state: ReportState::Withdrawn,
            changed_at: Some(now),
            ..report
        }))
    }

    /// Per period of the notice: (period, active reports, tasks reported on, units reporting),
    /// by period.
    pub async fn period_counts(
        &self,
        notice_id: i64,
    ) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.period, COUNT(*) AS reports, COUNT(DISTINCT r.task_id) AS tasks, \
             COUNT(DISTINCT r.unit_id) AS units FROM reports r JOIN tasks t ON t.id = r.task_id \
             WHERE t.notice_id = $1 AND r.state = 'active' GROUP BY r.period ORDER BY r.period",
        )
        .bind(notice_id)
        .fetch_all(&self.pool)
        .await
        .context("count reports by period")?;
        rows.iter()
            .map(|row| {
                const WHAT: &str = "read a period count";
                Ok((
                    row.try_get("period").context(WHAT)?,
                    row.try_get("reports").context(WHAT)?,
                    row.try_get("tasks").context(WHAT)?,
                    row.try_get("units").context(WHAT)?,
                ))
            })
            .collect()
    }

    /// Reports that match `filter`, oldest first.
    pub async fn reports(&self, filter: &ReportFilter) -> Result<Vec<Report>, StoreError> {
        let mut conditions = Vec::new();
        let mut numbers = Vec::new();
        let mut texts = Vec::new();
        for (column, value) in [
            ("t.notice_id", filter.notice_id),
            ("r.unit_id", filter.unit_id),
            ("r.task_id", filter.task_id),
            ("t.number", filter.task_number.map(i64::from)),
        ] {
            if let Some(value) = value {
                numbers.push(value);
                conditions.push(format!("{column} = ${}", numbers.len()));
            }
        }
        if let Some(period) = &filter.period {
            texts.push(period.clone());
            conditions.push(format!("r.period = ${}", numbers.len() + texts.len()));
        }
        if filter.active_only {
            conditions.push("r.state = 'active'".into());
        }
        let filter_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!("{SELECT} {filter_sql} ORDER BY r.created_at, r.id");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for n in numbers {
            query = query.bind(n);
        }
        for t in texts {
            query = query.bind(t);
        }
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        let rows = query.fetch_all(&mut *conn).await.context("list reports")?;
        let mut reports = rows.iter().map(read).collect::<Result<Vec<_>, _>>()?;
        attach_figures(&mut conn, &mut reports).await?;
        Ok(reports)
    }
}

/// The reports `condition` (a fixed `WHERE …` without parameters) selects, in `order`.
pub(super) async fn list(
    conn: &mut AnyConnection,
    condition: &str,
    order: &str,
) -> Result<Vec<Report>, StoreError> {
    let sql = format!("{SELECT} {condition} {order}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .context("list reports")?;
    let mut reports = rows.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    attach_figures(conn, &mut reports).await?;
    Ok(reports)
}

impl Store {}
