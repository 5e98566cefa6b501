//! Tasks and what each names: leaders, units, group words and targets. A task row keeps its id
//! for life (progress reports will point at it); a new version of the notice changes its
//! content, and a task the new version drops is retired, never deleted.

use super::codes::{code, date_text, int, narrow};
use super::error::Context;
use super::fingerprint::task_fingerprint;
use super::units::Ids;
use super::{Backend, StoreError, targets};
use crate::matrix::{Task, UnitRole};
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// A task row as stored, including retired ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub id: i64,
    pub number: u32,
    pub retired: bool,
    /// 1-based line of the task in the version of the notice last imported.
    pub line: usize,
    /// Hash of the task's content; see [`crate::store`]'s fingerprint module.
    pub fingerprint: String,
}

/// What a re-import did to the tasks, by number.
#[derive(Debug, Default)]
pub(crate) struct TaskDiff {
    pub added: Vec<u32>,
    pub removed: Vec<u32>,
    pub changed: Vec<u32>,
    pub unchanged: usize,
}

/// The ids the child rows of a task refer to.
pub(crate) struct Refs<'a> {
    pub units: &'a Ids,
    pub groups: &'a Ids,
    /// Loaded once per import, grown as new leaders appear.
    pub leaders: Ids,
}

impl Refs<'_> {
    pub(crate) async fn load_leaders(conn: &mut AnyConnection) -> Result<Ids, StoreError> {
        let rows = sqlx::query("SELECT id, name FROM leaders")
            .fetch_all(&mut *conn)
            .await
            .context("load the leaders")?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("name").context("read a leader")?,
                    r.try_get("id").context("read a leader")?,
                ))
            })
            .collect()
    }

    async fn leader_id(&mut self, conn: &mut AnyConnection, name: &str) -> Result<i64, StoreError> {
        if let Some(id) = self.leaders.get(name) {
            return Ok(*id);
        }
        let id = sqlx::query_scalar("INSERT INTO leaders (name) VALUES ($1) RETURNING id")
            .bind(name)
            .fetch_one(&mut *conn)
            .await
            .context("save a leader")?;
        self.leaders.insert(name.to_owned(), id);
        Ok(id)
    }
}

pub(crate) async fn records(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<Vec<TaskRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, number, retired, line, fingerprint FROM tasks WHERE notice_id = $1 \
         ORDER BY number",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the tasks")?;
    rows.iter()
        .map(|row| {
            Ok(TaskRecord {
                id: row.try_get("id").context("read a task")?,
                number: narrow(row.try_get("number").context("read a task")?, "number")?,
                retired: row.try_get::<i64, _>("retired").context("read a task")? != 0,
                line: narrow(row.try_get("line").context("read a task")?, "line")?,
                fingerprint: row.try_get("fingerprint").context("read a task")?,
            })
        })
        .collect()
}

/// Brings the notice's tasks in line with `tasks`: inserts new numbers, rewrites changed ones in
/// place (same id), retires the missing and leaves the unchanged alone (except for a moved line).
pub(crate) async fn sync(
    conn: &mut AnyConnection,
    notice_id: i64,
    tasks: &[Task],
    refs: &mut Refs<'_>,
    now: i64,
) -> Result<TaskDiff, StoreError> {
    let stored: HashMap<u32, TaskRecord> = records(conn, notice_id)
        .await?
        .into_iter()
        .map(|r| (r.number, r))
        .collect();
    let mut diff = TaskDiff::default();
    for task in tasks {
        let fingerprint = task_fingerprint(task);
        match stored.get(&task.number) {
            None => {
                let id = insert(conn, notice_id, task, &fingerprint, now).await?;
                insert_children(conn, notice_id, id, task, refs).await?;
                diff.added.push(task.number);
            }
            Some(old) if old.fingerprint == fingerprint && !old.retired => {
                if old.line != task.line {
                    sqlx::query("UPDATE tasks SET line = $2 WHERE id = $1")
                        .bind(old.id)
                        .bind(int(task.line))
                        .execute(&mut *conn)
                        .await
                        .context("update the line of a task")?;
                }
                diff.unchanged += 1;
            }
            Some(old) => {
                update(conn, old.id, task, &fingerprint, now).await?;
                if old.fingerprint != fingerprint {
                    delete_children(conn, old.id).await?;
                    insert_children(conn, notice_id, old.id, task, refs).await?;
                }
                diff.changed.push(task.number);
            }
        }
    }
    let present: HashSet<u32> = tasks.iter().map(|t| t.number).collect();
    let mut gone: Vec<&TaskRecord> = stored
        .values()
        .filter(|r| !r.retired && !present.contains(&r.number))
        .collect();
    gone.sort_by_key(|r| r.number);
    for record in gone {
        sqlx::query("UPDATE tasks SET retired = 1, updated_at = $2 WHERE id = $1")
            .bind(record.id)
            .bind(now)
            .execute(&mut *conn)
            .await
            .context("retire a task")?;
        diff.removed.push(record.number);
    }
    Ok(diff)
}

async fn insert(
    conn: &mut AnyConnection,
    notice_id: i64,
    task: &Task,
    fingerprint: &str,
    now: i64,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO tasks (notice_id, number, section_ordinal, text, line, fingerprint, retired, \
         created_at, updated_at, deadline_text, deadline) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $8, $9) RETURNING id",
    )
    .bind(notice_id)
    .bind(i64::from(task.number))
    .bind(task.section.map(i64::from))
    .bind(&task.text)
    .bind(int(task.line))
    .bind(fingerprint)
    .bind(now)
    .bind(task.deadline.as_ref().map(|d| d.text.as_str()))
    .bind(date_text(task.deadline.as_ref().and_then(|d| d.date)))
    .fetch_one(&mut *conn)
    .await
    .context("save a task")
}

async fn update(
    conn: &mut AnyConnection,
    id: i64,
    task: &Task,
    fingerprint: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tasks SET section_ordinal = $2, text = $3, line = $4, fingerprint = $5, \
         retired = 0, updated_at = $6, deadline_text = $7, deadline = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(task.section.map(i64::from))
    .bind(&task.text)
    .bind(int(task.line))
    .bind(fingerprint)
    .bind(now)
    .bind(task.deadline.as_ref().map(|d| d.text.as_str()))
    .bind(date_text(task.deadline.as_ref().and_then(|d| d.date)))
    .execute(&mut *conn)
    .await
    .context("update a task")?;
    Ok(())
}

async fn delete_children(conn: &mut AnyConnection, task_id: i64) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM task_leaders WHERE task_id = $1",
        "DELETE FROM task_units WHERE task_id = $1",
        "DELETE FROM task_groups WHERE task_id = $1",
        "DELETE FROM targets WHERE task_id = $1",
    ] {
        sqlx::query(sql)
            .bind(task_id)
            .execute(&mut *conn)
            .await
            .context("replace the leaders, units, groups and targets of a task")?;
    }
    Ok(())
}

async fn insert_children(
    conn: &mut AnyConnection,
    notice_id: i64,
    task_id: i64,
    task: &Task,
    refs: &mut Refs<'_>,
) -> Result<(), StoreError> {
    for (position, leader) in task.leaders.iter().enumerate() {
        let leader_id = refs.leader_id(conn, &leader.name).await?;
        sqlx::query(
            "INSERT INTO task_leaders (task_id, leader_id, role, position, title) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(task_id)
        .bind(leader_id)
        .bind(code(&leader.role))
        .bind(int(position))
        .bind(leader.title.as_deref())
        .execute(&mut *conn)
        .await
        .context("save a leader of a task")?;
    }
    let units: Vec<UnitRow<'_>> = task
        .units
        .iter()
        .map(|u| (refs.units[&u.name], u.role, u.via.as_deref()))
        .collect();
    insert_units(conn, task_id, &units).await?;
    let groups: Vec<(i64, UnitRole)> = task
        .groups
        .iter()
        .map(|g| (refs.groups[&g.name], g.role))
        .collect();
    insert_groups(conn, task_id, &groups).await?;
    targets::insert(conn, notice_id, Some(task_id), &task.targets).await
}

/// A `task_units` row: the unit's id, its role, the group word it came from.
pub(crate) type UnitRow<'a> = (i64, UnitRole, Option<&'a str>);

/// Saves a task's units, in the order given.
pub(crate) async fn insert_units(
    conn: &mut AnyConnection,
    task_id: i64,
    units: &[UnitRow<'_>],
) -> Result<(), StoreError> {
    if units.is_empty() {
        return Ok(());
    }
    // One statement for all of a task's units: 区直各部门 alone expands to 44 rows.
    let sql = multi_row_insert(
        Backend::of(conn),
        "task_units (task_id, unit_id, role, via, position)",
        5,
        units.len(),
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (position, (unit_id, role, via)) in units.iter().enumerate() {
        query = query
            .bind(task_id)
            .bind(*unit_id)
            .bind(code(role))
            .bind(*via)
            .bind(int(position));
    }
    query
        .execute(&mut *conn)
        .await
        .context("save the units of a task")?;
    Ok(())
}

/// Saves a task's group words (by id, with their role), in the order given.
pub(crate) async fn insert_groups(
    conn: &mut AnyConnection,
    task_id: i64,
    groups: &[(i64, UnitRole)],
) -> Result<(), StoreError> {
    for (position, (group_id, role)) in groups.iter().enumerate() {
        sqlx::query(
            "INSERT INTO task_groups (task_id, group_id, role, position) VALUES ($1, $2, $3, $4)",
        )
        .bind(task_id)
        .bind(*group_id)
        .bind(code(role))
        .bind(int(position))
        .execute(&mut *conn)
        .await
        .context("save a group of a task")?;
    }
    Ok(())
}

/// `INSERT INTO {table_and_columns} VALUES (…), (…)` for `rows` rows of `columns` values:
/// one round trip instead of one per row, with `backend`'s parameters (see
/// [`Backend::params`]).
pub(crate) fn multi_row_insert(
    backend: Backend,
    table_and_columns: &str,
    columns: usize,
    rows: usize,
) -> String {
    let mut sql = format!("INSERT INTO {table_and_columns} VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&backend.params(row * columns + 1, columns));
        sql.push(')');
    }
    sql
}
