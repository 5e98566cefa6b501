//! Storing progress reports in group commits ([`GroupCommit`](super::group_commit::GroupCommit)).

use super::audit::{self, AuditRow};
use super::codes::{code, int};
use super::error::Context;
use super::group_commit::GroupCommit;
use super::tasks::multi_row_insert;
use super::{Backend, NewReport, Store, StoreError, WriteTx};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Rows per INSERT statement: well under both backends' limits on bound parameters.
const ROWS_PER_STATEMENT: usize = 100;

/// Reports waiting to be stored, each with the time it arrived.
pub(crate) type ReportQueue = GroupCommit<(NewReport, i64), Option<i64>>;

impl Store {
    /// Stores a report (with its figures, the correction it makes and its audit entry) in a
    /// group commit. Returns its id, or None when its update's report was stored before.
    pub(super) async fn insert_report(
        &self,
        report: &NewReport,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.report_queue
            .submit(
                (report.clone(), now),
                async || self.begin_write().await,
                async |tx, batch| self.store_batch(tx, &batch).await,
            )
            .await
    }

    /// One transaction for the whole batch (`tx`, begun before the batch was taken); if it
    /// fails, one per report, so that a report the database refuses fails alone.
    async fn store_batch(
        &self,
        tx: Result<WriteTx, StoreError>,
        batch: &[(NewReport, i64)],
    ) -> Vec<Result<Option<i64>, StoreError>> {
        let reports: Vec<(&NewReport, i64)> = batch.iter().map(|(r, now)| (r, *now)).collect();
        let failed = match tx {
            Ok(tx) => match insert_reports(tx, &reports).await {
                Ok(ids) => return ids.into_iter().map(Ok).collect(),
                Err(e) => e,
            },
            Err(e) => e,
        };
        if reports.len() == 1 {
            return vec![Err(failed)];
        }
        tracing::warn!(
            error = %failed,
            reports = reports.len(),
            "a group commit failed; storing its reports one by one"
        );
        let mut results = Vec::with_capacity(reports.len());
        for report in reports {
            let one = match self.begin_write().await {
                Ok(tx) => insert_reports(tx, &[report]).await.map(|ids| ids[0]),
                Err(e) => Err(e),
            };
            results.push(one);
        }
        results
    }
}

/// Stores `reports` in the transaction `tx` and commits it; for each, its new id, or None
/// when its update's report was stored before (or earlier in the same batch).
async fn insert_reports(
    mut tx: WriteTx,
    reports: &[(&NewReport, i64)],
) -> Result<Vec<Option<i64>>, StoreError> {
    let mut ids: HashMap<i64, i64> = HashMap::with_capacity(reports.len());
    for chunk in reports.chunks(ROWS_PER_STATEMENT) {
        insert_rows(&mut tx, chunk, &mut ids).await?;
    }
    // The first report of an update gets the id; a second one of the same update is a
    // redelivery and gets None.
    let mut claimed = std::collections::HashSet::with_capacity(reports.len());
    let outcome: Vec<Option<i64>> = reports
        .iter()
        .map(|(r, _)| {
            ids.get(&r.inbox_seq)
                .copied()
                .filter(|_| claimed.insert(r.inbox_seq))
        })
        .collect();
    let stored: Vec<(i64, &NewReport, i64)> = reports
        .iter()
        .zip(&outcome)
        .filter_map(|((r, now), id)| id.map(|id| (id, *r, *now)))
        .collect();
    insert_figures(&mut tx, &stored).await?;
    for (_, report, now) in &stored {
        if let Some(old) = report.corrects {
            sqlx::query(
                "UPDATE reports SET state = 'corrected', changed_at = $2 \
                 WHERE id = $1 AND state = 'active'",
            )
            .bind(old)
            .bind(*now)
            .execute(&mut *tx)
            .await
            .context("mark a corrected report")?;
        }
    }
    let entries: Vec<AuditRow> = stored
        .iter()
        .map(|(id, report, now)| audit_entry(*id, report, *now))
        .collect();
    audit::record_many(&mut tx, &entries).await?;
    for (_, report, now) in &stored {
        let task = (report.task_id, report.task_number);
        let actor = report.user_id.to_string();
        let period = &report.period;
        super::review::reported(&mut tx, task, report.unit_id, period, &actor, *now).await?;
    }
    tx.commit().await.context("commit reports")?;
    Ok(outcome)
}

/// The reports of `chunk`, in one statement; records the id of each new one by its update.
async fn insert_rows(
    conn: &mut AnyConnection,
    chunk: &[(&NewReport, i64)],
    ids: &mut HashMap<i64, i64>,
) -> Result<(), StoreError> {
    let sql = multi_row_insert(
        Backend::of(conn),
        "reports (task_id, unit_id, period, user_id, light, text, inbox_seq, corrects, \
         created_at)",
        9,
        chunk.len(),
    ) + " ON CONFLICT (inbox_seq) DO NOTHING RETURNING id, inbox_seq";
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (r, now) in chunk {
        query = query
            .bind(r.task_id)
            .bind(r.unit_id)
            .bind(&r.period)
            .bind(r.user_id)
            .bind(r.light.as_ref().map(code))
            .bind(&r.text)
            .bind(r.inbox_seq)
            .bind(r.corrects)
            .bind(*now);
    }
    for row in query.fetch_all(&mut *conn).await.context("save reports")? {
        const WHAT: &str = "read the id of a saved report";
        ids.insert(
            row.try_get("inbox_seq").context(WHAT)?,
            row.try_get("id").context(WHAT)?,
        );
    }
    Ok(())
}

/// The figures of the reports just stored, in statements of many rows.
async fn insert_figures(
    conn: &mut AnyConnection,
    stored: &[(i64, &NewReport, i64)],
) -> Result<(), StoreError> {
    let rows: Vec<(i64, usize, &super::ReportFigure)> = stored
        .iter()
        .flat_map(|(id, r, _)| r.figures.iter().enumerate().map(move |(p, f)| (*id, p, f)))
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = multi_row_insert(
            Backend::of(conn),
            "report_figures (report_id, position, target_position, metric, text, value, \
             target_value, unit)",
            8,
            chunk.len(),
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, position, f) in chunk {
            query = query
                .bind(*id)
                .bind(int(*position))
                .bind(int(f.target_position))
                .bind(&f.metric)
                .bind(&f.text)
                .bind(f.value)
                .bind(f.target_value)
                .bind(&f.unit);
        }
        query
            .execute(&mut *conn)
            .await
            .context("save the figures of reports")?;
    }
    Ok(())
}

/// The audit entry of a stored report: 报告 #id 第N项 单位 周期 灯 经平台, and its text.
fn audit_entry(id: i64, report: &NewReport, now: i64) -> AuditRow {
    let light = report.light.map(|l| l.name()).unwrap_or("未标注");
    let via = match super::platform_of(report.user_id) {
        super::Platform::Telegram => "Telegram",
        super::Platform::DingTalk => "钉钉",
    };
    let subject = format!(
        "报告 #{id} 第{}项 {} {} {light} 经{via}",
        report.task_number, report.unit_name, report.period
    );
    let (action, detail) = match report.corrects {
        Some(old) => ("correct", format!("更正报告 #{old}：{}", report.text)),
        None => ("report", report.text.clone()),
    };
    AuditRow {
        at: now,
        actor: report.user_id.to_string(),
        action,
        subject,
        detail,
    }
}
