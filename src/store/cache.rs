//! The tasks of the current notice, kept in memory. Every progress reply needs its task (text,
//! units for the permission check, targets for the figures); loading it takes four queries,
//! while the matrix changes only on import. The cache is checked against the notice's
//! revision, which an import that changes tasks or sections bumps in its own transaction, with
//! the one query that finding the current notice takes anyway — so an import by another process (`duban import`) is seen
//! by the next reply.

use super::error::Context;
use super::{Store, StoreError, TaskSelection, TaskView};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

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

impl Store {
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
