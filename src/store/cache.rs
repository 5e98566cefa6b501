//! What every update needs and what rarely changes, kept in memory: the tasks of the current
//! notice (every progress reply needs its task: text, units for the permission check, targets
//! for the figures; loading it takes four queries) and the members (every update needs its
//! sender's role).
//!
//! Both are checked against revisions kept in the database: a notice's `revision`, which an
//! import that changes tasks or sections bumps in its own transaction, and the 'members'
//! revision, which triggers bump on every change to `members` (migration 0006). A change made
//! by another process (`duban import`) is therefore seen too. [`Seen`] is what one query reads
//! of both: the chat loop reads it once per batch of updates taken from the inbox and handles
//! each update of the batch against it — an update sees every change committed before it was
//! stored, without a query of its own. Changes this process makes drop the copies at once.

use super::error::Context;
use super::{Member, Store, StoreError, TaskSelection, TaskView};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// The revisions of the current notice and of the members at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The notice imported most recently and its revision; None before the first import.
    pub notice: Option<(i64, i64)>,
    pub members: i64,
}

/// The current tasks of one revision of a notice.
#[derive(Debug)]
pub struct CurrentTasks {
    pub notice_id: i64,
    revision: i64,
    tasks: Vec<TaskView>,
    by_number: HashMap<u32, usize>,
    by_id: HashMap<i64, usize>,
}

impl CurrentTasks {
    fn new(notice_id: i64, revision: i64, tasks: Vec<TaskView>) -> Self {
        let by_number = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.number, i))
            .collect();
        let by_id = tasks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        CurrentTasks {
            notice_id,
            revision,
            tasks,
            by_number,
            by_id,
        }
    }

    /// Every current task, by number.
    pub fn all(&self) -> &[TaskView] {
        &self.tasks
    }

    /// A current (not retired) task by its number.
    pub fn number(&self, number: u32) -> Option<&TaskView> {
        self.by_number.get(&number).map(|&i| &self.tasks[i])
    }

    /// A current task by its id; None for a retired task or one of another notice.
    pub fn id(&self, id: i64) -> Option<&TaskView> {
        self.by_id.get(&id).map(|&i| &self.tasks[i])
    }
}

/// The process's copy; shared by every clone of a [`Store`].
#[derive(Debug, Default)]
pub(crate) struct TaskCache(Mutex<Option<Arc<CurrentTasks>>>);

/// The members looked up so far (None: not a member), valid for `revision` and later.
#[derive(Debug, Default)]
pub(crate) struct MemberCache {
    revision: i64,
    /// Bumped whenever the entries are dropped: a lookup that began before does not put
    /// what it read into the fresh copy.
    generation: u64,
    entries: HashMap<i64, Option<Member>>,
}

impl Store {
    /// The revisions of the current notice and of the members, in one query.
    pub async fn seen(&self) -> Result<Seen, StoreError> {
        const WHAT: &str = "read the revisions";
        let row = sqlx::query(
            "SELECT (SELECT CAST(value AS BIGINT) FROM revisions WHERE name = 'members') \
             AS members, \
             (SELECT id FROM notices ORDER BY id DESC LIMIT 1) AS notice_id, \
             (SELECT CAST(revision AS BIGINT) FROM notices ORDER BY id DESC LIMIT 1) \
             AS notice_revision",
        )
        .fetch_one(&self.pool)
        .await
        .context(WHAT)?;
        let notice_id: Option<i64> = row.try_get("notice_id").context(WHAT)?;
        let revision: Option<i64> = row.try_get("notice_revision").context(WHAT)?;
        Ok(Seen {
            notice: notice_id.zip(revision),
            members: row
                .try_get::<Option<i64>, _>("members")
                .context(WHAT)?
                .unwrap_or_default(),
        })
    }

    /// The member `user_id` is, from memory when the copy is at least as new as `seen`
    /// (a revision read by [`Store::seen`]); with None, from the database.
    pub async fn member_as_of(
        &self,
        user_id: i64,
        seen: Option<i64>,
    ) -> Result<Option<Member>, StoreError> {
        let Some(seen) = seen else {
            return self.member(user_id).await;
        };
        let generation = {
            let mut cache = self.member_cache.lock().expect("member cache lock");
            if seen > cache.revision {
                cache.entries.clear();
                cache.revision = seen;
                cache.generation += 1;
            }
            if let Some(member) = cache.entries.get(&user_id) {
                return Ok(member.clone());
            }
            cache.generation
        };
        // Read after `seen` was: what is read is at least as new as the revision it is kept
        // under.
        let member = self.member(user_id).await?;
        let mut cache = self.member_cache.lock().expect("member cache lock");
        if cache.generation == generation {
            cache.entries.insert(user_id, member.clone());
        }
        Ok(member)
    }

    /// Drops the members kept in memory: this process changed one.
    pub(super) fn members_changed(&self) {
        let mut cache = self.member_cache.lock().expect("member cache lock");
        cache.entries.clear();
        cache.generation += 1;
    }

    /// The tasks of the current notice: from memory without a query when the copy is of the
    /// notice and revision of `seen` (or newer); otherwise as [`Store::current_tasks`].
    pub async fn current_tasks_as_of(
        &self,
        seen: Option<Seen>,
    ) -> Result<Option<Arc<CurrentTasks>>, StoreError> {
        if let Some((notice_id, revision)) = seen.and_then(|s| s.notice) {
            let held = self.task_cache.0.lock().await;
            if let Some(current) = held.as_ref()
                && current.notice_id == notice_id
                && current.revision >= revision
            {
                return Ok(Some(current.clone()));
            }
        }
        self.current_tasks().await
    }

    /// The tasks of the notice imported most recently, or None before the first import.
    pub async fn current_tasks(&self) -> Result<Option<Arc<CurrentTasks>>, StoreError> {
        let row = sqlx::query("SELECT id, revision FROM notices ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .context("find the current notice")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let notice_id: i64 = row.try_get("id").context("read the current notice")?;
        let revision: i64 = row.try_get("revision").context("read the current notice")?;
        // One reload at a time: the replies that find the copy stale together wait for the
        // first one's reload instead of each loading the tasks again.
        let mut held = self.task_cache.0.lock().await;
        if let Some(current) = held.as_ref()
            && current.notice_id == notice_id
            && current.revision == revision
        {
            return Ok(Some(current.clone()));
        }
        // Read after the revision: what is loaded is at least as new as the revision it is
        // kept under, so an import in between only causes one more reload.
        let tasks = self.tasks(notice_id, TaskSelection::All).await?;
        let fresh = Arc::new(CurrentTasks::new(notice_id, revision, tasks));
        *held = Some(fresh.clone());
        Ok(Some(fresh))
    }
}
