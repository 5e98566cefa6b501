//! Importing a matrix: one transaction that makes the store say what the matrix says, and a
//! report of what changed.

use super::error::Context;
use super::notices::notice_key;
use super::tasks::Refs;
use super::{Backend, Store, StoreError, notices, targets, tasks, units, unix_now};
use crate::matrix::Matrix;
use std::collections::HashSet;

/// What an import did. Task numbers are sorted within each list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub notice_id: i64,
    /// The notice was new.
    pub created: bool,
    /// Numbers that were not stored before.
    pub added: Vec<u32>,
    /// Numbers no longer in the notice: retired, with their id and history kept.
    pub removed: Vec<u32>,
    /// Numbers whose content changed, or that were retired and came back; same id as before.
    pub changed: Vec<u32>,
    pub unchanged: usize,
}

impl ImportOutcome {
    /// True when the import found nothing new about the tasks.
    pub fn is_noop(&self) -> bool {
        !self.created && self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

impl Store {
    /// Stores the matrix in one transaction: all of it or, on any error, nothing.
    ///
    /// The notice is found by its document number, else its title. Re-importing the same matrix
    /// writes nothing. An import that changes tasks or sections bumps the notice's revision,
    /// which tells running bots to reload their copy of the tasks. For a new version: new numbers are added; a number whose content changed
    /// keeps its task id and gets its leaders, units, groups and targets replaced; numbers that
    /// are gone are retired (never deleted) and come back, as changed, if they return; unchanged
    /// tasks are not touched, except that a task that only moved gets its new line. Units and
    /// groups are upserted by name; a group's members are replaced only when the matrix lists
    /// members, so a group an admin filled in is never cleared. Sections and notice targets are
    /// replaced when they differ.
    pub async fn import_matrix(&self, m: &Matrix) -> Result<ImportOutcome, StoreError> {
        validate(m)?;
        let now = unix_now();
        let mut tx = self.begin_write().await?;
        let conn = &mut *tx;
        lock_imports(conn, self.backend).await?;
        let (notice_id, created) = notices::upsert(conn, &m.notice, now).await?;
        let sections_changed = notices::sync_sections(conn, notice_id, &m.sections).await?;
        let unit_ids = units::sync_units(conn, notice_id, &m.units).await?;
        let group_ids = units::sync_groups(conn, notice_id, &m.groups).await?;
        let leaders = Refs::load_leaders(conn).await?;
        let mut refs = Refs {
            units: &unit_ids,
            groups: &group_ids,
            leaders,
        };
        let mut diff = tasks::sync(conn, notice_id, &m.tasks, &mut refs, now).await?;
        targets::sync_notice_targets(conn, notice_id, &m.notice_targets).await?;
        // An admin's assignment of an unchanged task may name units the matrix does not.
        units::link_task_units_and_groups(conn, notice_id).await?;
        units::sync_members(conn, &m.groups, &group_ids, &unit_ids).await?;
        let tasks_changed =
            !(diff.added.is_empty() && diff.changed.is_empty() && diff.removed.is_empty());
        if created || sections_changed || tasks_changed {
            notices::bump_revision(conn, notice_id).await?;
        }
        tx.commit().await.context("commit the import")?;
        diff.added.sort_unstable();
        diff.changed.sort_unstable();
        tracing::debug!(
            notice_id,
            notice = notice_key(&m.notice),
            created,
            added = diff.added.len(),
            changed = diff.changed.len(),
            removed = diff.removed.len(),
            "imported a matrix"
        );
        Ok(ImportOutcome {
            notice_id,
            created,
            added: diff.added,
            removed: diff.removed,
            changed: diff.changed,
            unchanged: diff.unchanged,
        })
    }
}

/// Serializes imports: two at once must not interleave their reads and writes, or the second
/// compares against a state it never saw and leaves a mix of both versions. On SQLite the
/// write transaction holds the database's write lock from its start (`BEGIN IMMEDIATE`); on
/// PostgreSQL a transaction-scoped advisory lock, released by the commit or the rollback, makes
/// the other import wait before it reads anything.
pub(crate) async fn lock_imports(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(IMPORT_LOCK)
            .execute(conn)
            .await
            .context("wait for other imports")?;
    }
    Ok(())
}

/// The advisory lock key of imports ("duban" and 1, so that other users of the database can
/// tell it apart).
const IMPORT_LOCK: i64 = 0x6475_6261_6e00_0001;

/// The checks the schema cannot make in a way a person can read: every name a task or group
/// refers to is listed, and nothing is listed twice.
fn validate(m: &Matrix) -> Result<(), StoreError> {
    let mut problems = Vec::new();
    let units: HashSet<&str> = m.units.iter().map(|u| u.name.as_str()).collect();
    let groups: HashSet<&str> = m.groups.iter().map(|g| g.name.as_str()).collect();
    duplicates(
        m.units.iter().map(|u| u.name.as_str()),
        "单位",
        &mut problems,
    );
    duplicates(
        m.groups.iter().map(|g| g.name.as_str()),
        "单位组",
        &mut problems,
    );
    let mut numbers = HashSet::new();
    for task in &m.tasks {
        if !numbers.insert(task.number) {
            problems.push(format!("任务编号 {} 出现了不止一次", task.number));
        }
        for unit in task
            .units
            .iter()
            .filter(|u| !units.contains(u.name.as_str()))
        {
            problems.push(format!(
                "任务 {} 的承办单位“{}”不在单位列表中",
                task.number, unit.name
            ));
        }
        for group in task
            .groups
            .iter()
            .filter(|g| !groups.contains(g.name.as_str()))
        {
            problems.push(format!(
                "任务 {} 的单位组“{}”不在单位组列表中",
                task.number, group.name
            ));
        }
    }
    for group in &m.groups {
        for member in group.members.iter().filter(|u| !units.contains(u.as_str())) {
            problems.push(format!(
                "单位组“{}”的成员“{member}”不在单位列表中",
                group.name
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::InvalidMatrix { problems })
    }
}

fn duplicates<'a>(names: impl Iterator<Item = &'a str>, what: &str, problems: &mut Vec<String>) {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            problems.push(format!("{what}“{name}”出现了不止一次"));
        }
    }
}
