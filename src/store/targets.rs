//! Quantitative targets: a task's (`task_id` set) and the notice's own (`task_id` null).

use super::StoreError;
use super::codes::{code, date_text, int, parse_code, parse_date};
use super::error::Context;
use crate::matrix::Target;
use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    notice_id: i64,
    task_id: Option<i64>,
    targets: &[Target],
) -> Result<(), StoreError> {
    for (position, t) in targets.iter().enumerate() {
        sqlx::query(
            "INSERT INTO targets (notice_id, task_id, position, metric, value_text, value, unit, \
             normalized_value, normalized_unit, kind, deadline, source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(notice_id)
        .bind(task_id)
        .bind(int(position))
        .bind(&t.metric)
        .bind(&t.value_text)
        .bind(t.value)
        .bind(&t.unit)
        .bind(t.normalized_value)
        .bind(&t.normalized_unit)
        .bind(code(&t.kind))
        .bind(date_text(t.deadline))
        .bind(&t.source)
        .execute(&mut *conn)
        .await
        .context("save a target")?;
    }
    Ok(())
}

/// Replaces the notice's own targets when they differ.
pub(crate) async fn sync_notice_targets(
    conn: &mut AnyConnection,
    notice_id: i64,
    targets: &[Target],
) -> Result<(), StoreError> {
    if load_notice_targets(conn, notice_id).await? == targets {
        return Ok(());
    }
    sqlx::query("DELETE FROM targets WHERE notice_id = $1 AND task_id IS NULL")
        .bind(notice_id)
        .execute(&mut *conn)
        .await
        .context("replace the targets of a notice")?;
    insert(conn, notice_id, None, targets).await
}

pub(crate) async fn load_notice_targets(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<Vec<Target>, StoreError> {
    let rows = sqlx::query(
        "SELECT metric, value_text, value, unit, normalized_value, normalized_unit, kind, \
         deadline, source FROM targets WHERE notice_id = $1 AND task_id IS NULL ORDER BY position",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the targets of a notice")?;
    rows.iter().map(read).collect()
}

/// The targets of the notice's current tasks, by task id, each list in its original order.
pub(crate) async fn load_task_targets(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<HashMap<i64, Vec<Target>>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.task_id, g.metric, g.value_text, g.value, g.unit, g.normalized_value, \
         g.normalized_unit, g.kind, g.deadline, g.source \
         FROM targets g JOIN tasks t ON t.id = g.task_id \
         WHERE t.notice_id = $1 AND t.retired = 0 ORDER BY g.task_id, g.position",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the targets of tasks")?;
    let mut by_task: HashMap<i64, Vec<Target>> = HashMap::new();
    for row in &rows {
        let task_id: i64 = row.try_get("task_id").context("read a target")?;
        by_task.entry(task_id).or_default().push(read(row)?);
    }
    Ok(by_task)
}

pub(crate) fn read(row: &AnyRow) -> Result<Target, StoreError> {
    const WHAT: &str = "read a target";
    Ok(Target {
        metric: row.try_get("metric").context(WHAT)?,
        value_text: row.try_get("value_text").context(WHAT)?,
        value: row.try_get("value").context(WHAT)?,
        unit: row.try_get("unit").context(WHAT)?,
        normalized_value: row.try_get("normalized_value").context(WHAT)?,
        normalized_unit: row.try_get("normalized_unit").context(WHAT)?,
        kind: parse_code(&row.try_get::<String, _>("kind").context(WHAT)?)?,
        deadline: parse_date(row.try_get("deadline").context(WHAT)?)?,
        source: row.try_get("source").context(WHAT)?,
    })
}
