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
use super::items::ITEMS_NOTICE_KEY;
use super::{Member, Store, StoreError, TaskRef, TaskSelection, TaskView};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// The revisions of the current notice, of the items and of the members at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The notice imported most recently and its revision; None before the first import.
    pub notice: Option<(i64, i64)>,
    /// The revision of the items (督办件), which each new item bumps; 0 before the first.
    pub items: i64,
    pub members: i64,
}

/// The current tasks of one revision of a notice, and the items (督办件) of one revision.
#[derive(Debug)]
pub struct CurrentTasks {
    pub notice_id: i64,
    revision: i64,
    items_revision: i64,
    tasks: Vec<TaskView>,
    items: Vec<TaskView>,
    by_number: HashMap<u32, usize>,
    by_item: HashMap<u32, usize>,
    /// Into `tasks`, then `items` (an index past the tasks).
    by_id: HashMap<i64, usize>,
}

impl CurrentTasks {
    fn new(
        notice_id: i64,
        (revision, items_revision): (i64, i64),
        tasks: Vec<TaskView>,
        items: Vec<TaskView>,
    ) -> Self {
        let by_number = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.number, i))
            .collect();
        let by_item = items
            .iter()
            .enumerate()
            .map(|(i, t)| (t.number, i))
            .collect();
        let by_id = tasks
            .iter()
            .chain(&items)
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        CurrentTasks {
            notice_id,
            revision,
            items_revision,
            tasks,
            items,
            by_number,
            by_item,
            by_id,
        }
    }

    /// Every current task of the notice, by number (not the items).
    pub fn all(&self) -> &[TaskView] {
        &self.tasks
    }

    /// Every item (督办件), by number.
    pub fn items(&self) -> &[TaskView] {
        &self.items
    }

    /// A current (not retired) task of the notice by its number.
    pub fn number(&self, number: u32) -> Option<&TaskView> {
        self.by_number.get(&number).map(|&i| &self.tasks[i])
    }

    /// An item by its number (1 for 督-1).
    pub fn item(&self, number: u32) -> Option<&TaskView> {
        self.by_item.get(&number).map(|&i| &self.items[i])
    }

    /// The task or item people named.
    pub fn get(&self, task: TaskRef) -> Option<&TaskView> {
        match task {
            TaskRef::Notice(n) => self.number(n),
            TaskRef::Item(n) => self.item(n),
        }
    }

    /// A current task or an item by its id; None for a retired task or one of another notice.
    pub fn id(&self, id: i64) -> Option<&TaskView> {
        self.by_id
            .get(&id)
            .map(|&i| match i.checked_sub(self.tasks.len()) {
                Some(item) => &self.items[item],
                None => &self.tasks[i],
            })
    }

    /// The current tasks of the notice and the items a unit hosts or co-organizes.
    pub fn of_unit(&self, unit_id: i64) -> impl Iterator<Item = &TaskView> {
        self.tasks
            .iter()
            .chain(&self.items)
            .filter(move |t| t.role_of(unit_id).is_some())
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
             (SELECT id FROM notices WHERE notice_key <> $1 ORDER BY id DESC LIMIT 1) \
             AS notice_id, \
             (SELECT CAST(revision AS BIGINT) FROM notices WHERE notice_key <> $1 \
             ORDER BY id DESC LIMIT 1) AS notice_revision, \
             (SELECT CAST(revision AS BIGINT) FROM notices WHERE notice_key = $1) \
             AS items_revision",
        )
        .bind(ITEMS_NOTICE_KEY)
        .fetch_one(&self.pool)
        .await
        .context(WHAT)?;
        let notice_id: Option<i64> = row.try_get("notice_id").context(WHAT)?;
        let revision: Option<i64> = row.try_get("notice_revision").context(WHAT)?;
        Ok(Seen {
            notice: notice_id.zip(revision),
            items: row
                .try_get::<Option<i64>, _>("items_revision")
                .context(WHAT)?
                .unwrap_or_default(),
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
        if let Some(seen) = seen
            && let Some((notice_id, revision)) = seen.notice
        {
            let held = self.task_cache.0.lock().await;
            if let Some(current) = held.as_ref()
                && current.notice_id == notice_id
                && current.revision >= revision
                && current.items_revision >= seen.items
            {
                return Ok(Some(current.clone()));
            }
        }
        self.current_tasks().await
    }

    /// Drops the tasks kept in memory: this process added an item.
    pub(super) async fn items_changed(&self) {
        *self.task_cache.0.lock().await = None;
    }

    /// The tasks of the notice imported most recently with the items, or None before the
    /// first import.
    pub async fn current_tasks(&self) -> Result<Option<Arc<CurrentTasks>>, StoreError> {
        const WHAT: &str = "find the current notice";
        let row = sqlx::query(
            "SELECT id, revision, \
             (SELECT CAST(revision AS BIGINT) FROM notices WHERE notice_key = $1) \
             AS items_revision FROM notices WHERE notice_key <> $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(ITEMS_NOTICE_KEY)
        .fetch_optional(&self.pool)
        .await
        .context(WHAT)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let notice_id: i64 = row.try_get("id").context(WHAT)?;
        let revision: i64 = row.try_get("revision").context(WHAT)?;
        let items_revision = row
            .try_get::<Option<i64>, _>("items_revision")
            .context(WHAT)?
            .unwrap_or_default();
        let revisions = (revision, items_revision);
        // One reload at a time: the replies that find the copy stale together wait for the
        // first one's reload instead of each loading the tasks again.
        let mut held = self.task_cache.0.lock().await;
        if let Some(current) = held.as_ref()
            && current.notice_id == notice_id
            && (current.revision, current.items_revision) == revisions
        {
            return Ok(Some(current.clone()));
        }
        // Read after the revision: what is loaded is at least as new as the revision it is
        // kept under, so an import in between only causes one more reload.
        let tasks = self.tasks(notice_id, TaskSelection::All).await?;
        let items = self.items().await?;
        let fresh = Arc::new(CurrentTasks::new(notice_id, revisions, tasks, items));
        *held = Some(fresh.clone());
        Ok(Some(fresh))
    }
}
