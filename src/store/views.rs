//! The tasks as the bot shows them: one task with its leaders, units (with ids, for
//! permission checks) and targets; the tasks of a unit or of a leader.

use super::codes::{deadline, narrow, parse_code};
use super::error::Context;
use super::items::{ItemInfo, TaskRef, task_label};
use super::{Store, StoreError};
use crate::matrix::{Deadline, LeaderRef, Target, UnitRole};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    pub id: i64,
    pub number: u32,
    pub text: String,
    /// The heading of the notice's section the task is in (`二、聚力制造强区建设，…`), if any.
    pub section: Option<String>,
    pub leaders: Vec<LeaderRef>,
    pub units: Vec<TaskUnit>,
    pub targets: Vec<Target>,
    /// 完成时限, when the notice gives one.
    pub deadline: Option<Deadline>,
    /// What only an item beyond the notice (督办件) has; None for a task of a notice.
    pub item: Option<ItemInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskUnit {
    pub unit_id: i64,
    pub name: String,
    pub role: UnitRole,
}

impl TaskView {
    /// The role of a unit in this task, if it has one.
    pub fn role_of(&self, unit_id: i64) -> Option<UnitRole> {
        self.units
            .iter()
            .find(|u| u.unit_id == unit_id)
            .map(|u| u.role)
    }

    /// How people name the task: `第8项`, or `督-1` for an item.
    pub fn label(&self) -> String {
        task_label(self.number, self.item.is_some())
    }

    /// How people name the task, typed.
    pub fn task_ref(&self) -> TaskRef {
        match self.item {
            Some(_) => TaskRef::Item(self.number),
            None => TaskRef::Notice(self.number),
        }
    }

    pub fn hosts(&self) -> impl Iterator<Item = &TaskUnit> {
        self.units.iter().filter(|u| u.role == UnitRole::Host)
    }
}

/// Which current tasks of a notice to load.
#[derive(Debug, Clone, Copy)]
pub enum TaskSelection<'a> {
    All,
    Number(u32),
    Id(i64),
    /// The tasks a unit hosts or co-organizes.
    Unit(i64),
    /// The tasks a leader leads or is responsible for.
    Leader(i64),
    Numbers(&'a [u32]),
}

impl Store {
    /// The current tasks of `notice_id` that `selection` picks, by number. A task asked for by
    /// id is found even when retired (a reply may refer to an old task message).
    pub async fn tasks(
        &self,
        notice_id: i64,
        selection: TaskSelection<'_>,
    ) -> Result<Vec<TaskView>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        let base = "SELECT t.id, t.number, t.text, t.deadline_text, t.deadline, \
                    s.label AS section_label, s.title AS section_title, \
                    i.source AS item_source, i.due_date AS item_due, i.every_days AS item_every, \
                    i.created_at AS item_created_at FROM tasks t \
                    LEFT JOIN sections s \
                    ON s.notice_id = t.notice_id AND s.ordinal = t.section_ordinal \
                    LEFT JOIN task_items i ON i.task_id = t.id";
        let current = "t.notice_id = $1 AND t.retired = 0";
        let sql = match selection {
            TaskSelection::All => format!("{base} WHERE {current}"),
            TaskSelection::Number(_) => format!("{base} WHERE {current} AND t.number = $2"),
            TaskSelection::Id(_) => format!("{base} WHERE t.notice_id = $1 AND t.id = $2"),
            TaskSelection::Unit(_) => format!(
                "{base} WHERE {current} AND t.id IN \
                 (SELECT task_id FROM task_units WHERE unit_id = $2)"
            ),
            TaskSelection::Leader(_) => format!(
                "{base} WHERE {current} AND t.id IN \
                 (SELECT task_id FROM task_leaders WHERE leader_id = $2)"
            ),
            TaskSelection::Numbers(numbers) => {
                let list = numbers
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("{base} WHERE {current} AND t.number IN ({list})")
            }
        };
        let sql = format!("{sql} ORDER BY t.number");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(notice_id);
        match selection {
            TaskSelection::Number(n) => query = query.bind(i64::from(n)),
            TaskSelection::Id(id) | TaskSelection::Unit(id) | TaskSelection::Leader(id) => {
                query = query.bind(id)
            }
            TaskSelection::All | TaskSelection::Numbers(_) => {}
        }
        if matches!(selection, TaskSelection::Numbers([])) {
            return Ok(Vec::new());
        }
        let rows = query.fetch_all(&mut *conn).await.context("load tasks")?;
        let mut tasks = Vec::with_capacity(rows.len());
        for row in &rows {
            const WHAT: &str = "read a task";
            let number = narrow(row.try_get("number").context(WHAT)?, "number")?;
            tasks.push(TaskView {
                id: row.try_get("id").context(WHAT)?,
                number,
                text: row.try_get("text").context(WHAT)?,
                section: match (
                    row.try_get::<Option<String>, _>("section_label")
                        .context(WHAT)?,
                    row.try_get::<Option<String>, _>("section_title")
                        .context(WHAT)?,
                ) {
                    (Some(label), Some(title)) => Some(format!("{label}、{title}")),
                    _ => None,
                },
                leaders: Vec::new(),
                units: Vec::new(),
                targets: Vec::new(),
                deadline: deadline(row)?,
                item: super::items::read(row, number)?,
            });
        }
        fill(&mut conn, &mut tasks).await?;
        Ok(tasks)
    }

    /// The current task numbered `number`, if any.
    pub async fn task(&self, notice_id: i64, number: u32) -> Result<Option<TaskView>, StoreError> {
        Ok(self
            .tasks(notice_id, TaskSelection::Number(number))
            .await?
            .pop())
    }

    /// Which notice a task belongs to.
    pub async fn notice_of_task(&self, task_id: i64) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT notice_id FROM tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(&self.pool)
            .await
            .context("look up a task")
    }
}

/// Loads the leaders, units and targets of `tasks` with one query each.
async fn fill(conn: &mut AnyConnection, tasks: &mut [TaskView]) -> Result<(), StoreError> {
    if tasks.is_empty() {
        return Ok(());
    }
    let ids = tasks
        .iter()
        .map(|t| t.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let index: HashMap<i64, usize> = tasks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();

    let sql = format!(
        "SELECT x.task_id, l.name, x.role FROM task_leaders x JOIN leaders l ON l.id = x.leader_id \
         WHERE x.task_id IN ({ids}) ORDER BY x.task_id, x.position"
    );
    for row in sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .context("load the leaders of tasks")?
    {
        const WHAT: &str = "read a leader of a task";
        let task = index[&row.try_get::<i64, _>("task_id").context(WHAT)?];
        tasks[task].leaders.push(LeaderRef {
            name: row.try_get("name").context(WHAT)?,
            role: parse_code(&row.try_get::<String, _>("role").context(WHAT)?)?,
            title: None,
        });
    }

    let sql = format!(
        "SELECT x.task_id, x.unit_id, u.name, x.role FROM task_units x \
         JOIN units u ON u.id = x.unit_id WHERE x.task_id IN ({ids}) ORDER BY x.task_id, x.position"
    );
    for row in sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .context("load the units of tasks")?
    {
        const WHAT: &str = "read a unit of a task";
        let task = index[&row.try_get::<i64, _>("task_id").context(WHAT)?];
        tasks[task].units.push(TaskUnit {
            unit_id: row.try_get("unit_id").context(WHAT)?,
            name: row.try_get("name").context(WHAT)?,
            role: parse_code(&row.try_get::<String, _>("role").context(WHAT)?)?,
        });
    }

    let sql = format!(
        "SELECT task_id, metric, value_text, value, unit, normalized_value, normalized_unit, \
         kind, deadline, source FROM targets WHERE task_id IN ({ids}) ORDER BY task_id, position"
    );
    for row in sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .context("load the targets of tasks")?
    {
        let task = index[&row.try_get::<i64, _>("task_id").context("read a target")?];
        tasks[task].targets.push(super::targets::read(&row)?);
    }
    Ok(())
}
