//! Reading a stored notice back as a [`Matrix`], and the other read-only views.

use super::codes::{deadline, narrow, parse_code};
use super::error::Context;
use super::{Store, StoreError, TaskRecord, UnitCounts, notices, targets, tasks, units};
use crate::matrix::{GroupRef, LeaderRef, Matrix, Task, UnitRef};
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::HashMap;

impl Store {
    /// The stored notice as a [`Matrix`]. For a matrix just imported this equals the import
    /// (with `warnings` empty), provided the matrix follows the order contract:
    ///
    /// - `tasks` are the current (not retired) tasks, ordered by number;
    /// - each task's leaders, units, groups and targets, the sections and the notice targets
    ///   keep the order they were imported in;
    /// - `units` and `groups` are sorted by name in `str` order (by code point, as
    ///   `Vec::<String>::sort` does — not by pinyin or a database collation), and each group's
    ///   members keep their stored order. A group an admin filled in comes back with its members
    ///   even where the matrix listed none.
    ///
    /// Floats and dates round-trip exactly.
    pub async fn load_matrix(&self, notice_id: i64) -> Result<Matrix, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        let conn = &mut *conn;
        Ok(Matrix {
            notice: notices::load_info(conn, notice_id).await?,
            sections: notices::load_sections(conn, notice_id).await?,
            tasks: load_tasks(conn, notice_id).await?,
            notice_targets: targets::load_notice_targets(conn, notice_id).await?,
            units: units::load_units(conn, notice_id).await?,
            groups: units::load_groups(conn, notice_id).await?,
            warnings: Vec::new(),
        })
    }

    /// Every unit with a current task in the notice, with how many it hosts (主办) and
    /// co-organizes (协办); most hosted first, then most co-organized, then by name.
    pub async fn unit_task_counts(&self, notice_id: i64) -> Result<Vec<UnitCounts>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        units::task_counts(&mut conn, notice_id).await
    }

    /// Every task row of the notice, retired ones included, ordered by number: the ids that
    /// progress reports refer to.
    pub async fn task_records(&self, notice_id: i64) -> Result<Vec<TaskRecord>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        tasks::records(&mut conn, notice_id).await
    }
}

async fn load_tasks(conn: &mut AnyConnection, notice_id: i64) -> Result<Vec<Task>, StoreError> {
    const WHAT: &str = "read a task";
    let rows = sqlx::query(
        "SELECT id, number, section_ordinal, text, line, deadline_text, deadline FROM tasks \
         WHERE notice_id = $1 AND retired = 0 ORDER BY number",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the tasks")?;
    let mut leaders = load_leaders(conn, notice_id).await?;
    let mut units = load_units(conn, notice_id).await?;
    let mut groups = load_groups(conn, notice_id).await?;
    let mut targets = targets::load_task_targets(conn, notice_id).await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id").context(WHAT)?;
            Ok(Task {
                number: narrow(row.try_get("number").context(WHAT)?, "number")?,
                section: row
                    .try_get::<Option<i64>, _>("section_ordinal")
                    .context(WHAT)?
                    .map(|s| narrow(s, "section"))
                    .transpose()?,
                text: row.try_get("text").context(WHAT)?,
                line: narrow(row.try_get("line").context(WHAT)?, "line")?,
                leaders: leaders.remove(&id).unwrap_or_default(),
                units: units.remove(&id).unwrap_or_default(),
                groups: groups.remove(&id).unwrap_or_default(),
                targets: targets.remove(&id).unwrap_or_default(),
                deadline: deadline(row)?,
            })
        })
        .collect()
}

async fn load_leaders(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<HashMap<i64, Vec<LeaderRef>>, StoreError> {
    const WHAT: &str = "read a leader of a task";
    let rows = sqlx::query(
        "SELECT x.task_id, l.name, x.role, x.title FROM task_leaders x \
         JOIN leaders l ON l.id = x.leader_id JOIN tasks t ON t.id = x.task_id \
         WHERE t.notice_id = $1 AND t.retired = 0 ORDER BY x.task_id, x.position",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the leaders of tasks")?;
    let mut by_task: HashMap<i64, Vec<LeaderRef>> = HashMap::new();
    for row in &rows {
        by_task
            .entry(row.try_get("task_id").context(WHAT)?)
            .or_default()
            .push(LeaderRef {
                name: row.try_get("name").context(WHAT)?,
                role: parse_code(&row.try_get::<String, _>("role").context(WHAT)?)?,
                title: row.try_get("title").context(WHAT)?,
            });
    }
    Ok(by_task)
}

async fn load_units(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<HashMap<i64, Vec<UnitRef>>, StoreError> {
    const WHAT: &str = "read a unit of a task";
    let rows = sqlx::query(
        "SELECT x.task_id, u.name, x.role, x.via FROM task_units x \
         JOIN units u ON u.id = x.unit_id JOIN tasks t ON t.id = x.task_id \
         WHERE t.notice_id = $1 AND t.retired = 0 ORDER BY x.task_id, x.position",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the units of tasks")?;
    let mut by_task: HashMap<i64, Vec<UnitRef>> = HashMap::new();
    for row in &rows {
        by_task
            .entry(row.try_get("task_id").context(WHAT)?)
            .or_default()
            .push(UnitRef {
                name: row.try_get("name").context(WHAT)?,
                role: parse_code(&row.try_get::<String, _>("role").context(WHAT)?)?,
                via: row.try_get("via").context(WHAT)?,
            });
    }
    Ok(by_task)
}

async fn load_groups(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<HashMap<i64, Vec<GroupRef>>, StoreError> {
    const WHAT: &str = "read a group of a task";
    let rows = sqlx::query(
        "SELECT x.task_id, g.name, x.role FROM task_groups x \
         JOIN unit_groups g ON g.id = x.group_id JOIN tasks t ON t.id = x.task_id \
         WHERE t.notice_id = $1 AND t.retired = 0 ORDER BY x.task_id, x.position",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the groups of tasks")?;
    let mut by_task: HashMap<i64, Vec<GroupRef>> = HashMap::new();
    for row in &rows {
        by_task
            .entry(row.try_get("task_id").context(WHAT)?)
            .or_default()
            .push(GroupRef {
                name: row.try_get("name").context(WHAT)?,
                role: parse_code(&row.try_get::<String, _>("role").context(WHAT)?)?,
            });
    }
    Ok(by_task)
}
