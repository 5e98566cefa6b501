//! Items beyond the notice (督办件): a leader's written instruction, a decision of a meeting …
//! supervised like a notice task. An item is a task of one notice kept for items (created on
//! first use, never the current notice: see [`notices::latest_id`]); its number there is the item
//! number (督-1, 督-2 …). `task_items` (migration 0015) holds what only items have.

use super::assign::{AssignRefusal, resolve_units};
use super::codes::{code, date_text, narrow, parse_date};
use super::error::Context;
use super::import::lock_imports;
use super::{Store, StoreError, TaskSelection, TaskView, audit, notices, tasks};
use crate::matrix::LeaderRole;
use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The notice_key of the notice that holds the items.
pub(crate) const ITEMS_NOTICE_KEY: &str = "duban:items";
/// Its title.
const ITEMS_NOTICE_TITLE: &str = "督办件";
/// Where an item comes from when its creator does not say.
pub const DEFAULT_SOURCE: &str = "督办事项";

/// What only an item has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemInfo {
    /// The item number: 1 for 督-1.
    pub number: u32,
    /// 领导批示, 会议议定事项 …
    pub source: String,
    /// The day it is due.
    pub due: NaiveDate,
    /// Its host units' contacts are reminded every so many days from its creation; None: never.
    pub every_days: Option<u32>,
    /// Unix seconds.
    pub created_at: i64,
}

/// `督-1` for an item, `第8项` for a task of the notice.
pub fn task_label(number: u32, item: bool) -> String {
    if item {
        format!("督-{number}")
    } else {
        format!("第{number}项")
    }
}

/// A task as people name it: `8` (第8项) of the current notice, or an item `督-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskRef {
    Notice(u32),
    Item(u32),
}

impl TaskRef {
    /// `第8项` or `督-1`.
    pub fn label(self) -> String {
        match self {
            TaskRef::Notice(n) => task_label(n, false),
            TaskRef::Item(n) => task_label(n, true),
        }
    }

    /// `第8项任务` or `督办件督-1`.
    pub fn named(self) -> String {
        match self {
            TaskRef::Notice(n) => format!("第{n}项任务"),
            TaskRef::Item(n) => format!("督办件督-{n}"),
        }
    }

    /// As a command takes it: `8` or `督-1`.
    pub fn arg(self) -> String {
        match self {
            TaskRef::Notice(n) => n.to_string(),
            TaskRef::Item(n) => format!("督-{n}"),
        }
    }
}

/// An item as its creator asks for it: unit and group names as stored (or their aliases).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewItem {
    pub text: String,
    pub hosts: Vec<String>,
    pub co: Vec<String>,
    pub leader: Option<String>,
    pub due: NaiveDate,
    pub every_days: Option<u32>,
    pub source: String,
}

/// The item columns of a row of [`Store::tasks`]' query, None for a notice task.
pub(crate) fn read(row: &AnyRow, number: u32) -> Result<Option<ItemInfo>, StoreError> {
    const WHAT: &str = "read an item";
    let Some(source) = row
        .try_get::<Option<String>, _>("item_source")
        .context(WHAT)?
    else {
        return Ok(None);
    };
    let due = parse_date(row.try_get("item_due").context(WHAT)?)?
        .ok_or_else(|| StoreError::Corrupt("an item without a due date".into()))?;
    Ok(Some(ItemInfo {
        number,
        source,
        due,
        every_days: row
            .try_get::<Option<i64>, _>("item_every")
            .context(WHAT)?
            .map(|d| narrow(d, "every_days"))
            .transpose()?,
        created_at: row.try_get("item_created_at").context(WHAT)?,
    }))
}

/// The id of the items' notice, if an item was ever created.
pub(crate) async fn notice_id(conn: &mut AnyConnection) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT id FROM notices WHERE notice_key = $1")
        .bind(ITEMS_NOTICE_KEY)
        .fetch_optional(&mut *conn)
        .await
        .context("find the items")
}

/// The items' notice, created when missing.
async fn notice_id_or_create(conn: &mut AnyConnection, now: i64) -> Result<i64, StoreError> {
    if let Some(id) = notice_id(conn).await? {
        return Ok(id);
    }
    sqlx::query_scalar(
        "INSERT INTO notices (notice_key, title, created_at, updated_at) \
         VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(ITEMS_NOTICE_KEY)
    .bind(ITEMS_NOTICE_TITLE)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .context("create the notice of the items")
}

async fn leader_id(conn: &mut AnyConnection, name: &str) -> Result<i64, StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM leaders WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .context("look up a leader")?;
    match found {
        Some(id) => Ok(id),
        None => sqlx::query_scalar("INSERT INTO leaders (name) VALUES ($1) RETURNING id")
            .bind(name)
            .fetch_one(&mut *conn)
            .await
            .context("save a leader"),
    }
}

impl Store {
    /// Creates an item, numbered after the last one, in one transaction with its units, its
    /// leader and its audit entry (as `actor`); bumps the items' revision so that running bots
    /// know it. Refused, with nothing stored, without a host or with a unit name unknown.
    pub async fn add_item(
        &self,
        item: &NewItem,
        actor: &str,
        now: i64,
    ) -> Result<Result<TaskView, AssignRefusal>, StoreError> {
        let mut tx = self.begin_write().await?;
        let (notice, task_id) = match insert(&mut tx, self.backend, item, actor, now).await? {
            Ok(ids) => ids,
            Err(refusal) => return Ok(Err(refusal)),
        };
        tx.commit().await.context("commit the item")?;
        self.item_added(notice, task_id).await.map(Ok)
    }

    async fn item_added(&self, notice: i64, task_id: i64) -> Result<TaskView, StoreError> {
        self.items_changed().await;
        let mut added = self.tasks(notice, TaskSelection::Id(task_id)).await?;
        added
            .pop()
            .ok_or_else(|| StoreError::Corrupt("the item just saved is missing".into()))
    }

    /// Whether the units an item names exist (for a preview): None, or why not.
    pub async fn check_item_units(
        &self,
        item: &NewItem,
    ) -> Result<Option<AssignRefusal>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        Ok(resolve_units(&mut conn, &item.hosts, &item.co).await?.err())
    }

    /// Keeps an item previewed in chat until its confirm button; returns the draft's id.
    pub async fn draft_item(
        &self,
        item: &NewItem,
        user_id: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let payload = serde_json::to_string(item)
            .map_err(|e| StoreError::Corrupt(format!("an item draft: {e}")))?;
        let mut tx = self.begin_write().await?;
        let id = sqlx::query_scalar(
            "INSERT INTO item_drafts (payload, user_id, created_at) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(payload)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .context("keep an item draft")?;
        tx.commit().await.context("keep an item draft")?;
        Ok(id)
    }

    /// Stores draft `id` as an item (as [`Store::add_item`]) and drops it, in one transaction;
    /// None when it was gone (confirmed or cancelled before). A refused draft is dropped too.
    pub async fn confirm_item_draft(
        &self,
        id: i64,
        actor: &str,
        now: i64,
    ) -> Result<Option<Result<TaskView, AssignRefusal>>, StoreError> {
        let mut tx = self.begin_write().await?;
        let payload: Option<String> =
            sqlx::query_scalar("DELETE FROM item_drafts WHERE id = $1 RETURNING payload")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .context("take an item draft")?;
        let Some(payload) = payload else {
            return Ok(None);
        };
        let item: NewItem = serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("an item draft: {e}")))?;
        let added = insert(&mut tx, self.backend, &item, actor, now).await?;
        tx.commit().await.context("commit the item")?;
        match added {
            Ok((notice, task_id)) => Ok(Some(Ok(self.item_added(notice, task_id).await?))),
            Err(refusal) => Ok(Some(Err(refusal))),
        }
    }

    /// Drops a draft (cancelled); false when it was gone already.
    pub async fn drop_item_draft(&self, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query("DELETE FROM item_drafts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("drop an item draft")?
            .rows_affected();
        tx.commit().await.context("drop an item draft")?;
        Ok(gone > 0)
    }

    /// Every item not retired, by number, each with its [`ItemInfo`].
    pub async fn items(&self) -> Result<Vec<TaskView>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        let Some(notice) = notice_id(&mut conn).await? else {
            return Ok(Vec::new());
        };
        drop(conn);
        self.tasks(notice, TaskSelection::All).await
    }

    /// The notice the items belong to, None before the first item.
    pub async fn items_notice_id(&self) -> Result<Option<i64>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        notice_id(&mut conn).await
    }
}

/// Inserts an item in the open transaction: its task, units, leader, audit entry and the items'
/// revision; (the items' notice, the task's id), or why not (nothing written).
async fn insert(
    conn: &mut AnyConnection,
    backend: super::Backend,
    item: &NewItem,
    actor: &str,
    now: i64,
) -> Result<Result<(i64, i64), AssignRefusal>, StoreError> {
    lock_imports(conn, backend).await?;
    let (units, groups) = match resolve_units(conn, &item.hosts, &item.co).await? {
        Ok(resolved) => resolved,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let notice = notice_id_or_create(conn, now).await?;
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(number) FROM tasks WHERE notice_id = $1")
            .bind(notice)
            .fetch_one(&mut *conn)
            .await
            .context("number the item")?;
    let number = last.unwrap_or(0) + 1;
    let due = item.due.format("%Y-%m-%d").to_string();
    let task_id: i64 = sqlx::query_scalar(
        "INSERT INTO tasks (notice_id, number, text, line, fingerprint, created_at, \
                 updated_at, deadline_text, deadline) \
                 VALUES ($1, $2, $3, 0, $4, $5, $5, $6, $7) RETURNING id",
    )
    .bind(notice)
    .bind(number)
    .bind(&item.text)
    .bind(format!("item:{number}"))
    .bind(now)
    .bind(format!("{}前", item.due.format("%Y年%-m月%-d日")))
    .bind(date_text(Some(item.due)))
    .fetch_one(&mut *conn)
    .await
    .context("save the item")?;
    sqlx::query(
        "INSERT INTO task_items (task_id, source, due_date, every_days, created_by, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(task_id)
    .bind(&item.source)
    .bind(&due)
    .bind(item.every_days.map(i64::from))
    .bind(actor)
    .bind(now)
    .execute(&mut *conn)
    .await
    .context("save the item")?;
    let rows: Vec<tasks::UnitRow<'_>> = units
        .iter()
        .map(|(unit_id, role, via)| (*unit_id, *role, via.as_deref()))
        .collect();
    tasks::insert_units(conn, task_id, &rows).await?;
    tasks::insert_groups(conn, task_id, &groups).await?;
    if let Some(name) = &item.leader {
        let leader = leader_id(conn, name).await?;
        sqlx::query(
            "INSERT INTO task_leaders (task_id, leader_id, role, position) \
                     VALUES ($1, $2, $3, 0)",
        )
        .bind(task_id)
        .bind(leader)
        .bind(code(&LeaderRole::Lead))
        .execute(&mut *conn)
        .await
        .context("save the leader of the item")?;
    }
    super::units::link_task_units_and_groups(conn, notice).await?;
    let label = task_label(narrow(number, "number")?, true);
    let hosts = item.hosts.join("、");
    let co = if item.co.is_empty() {
        String::new()
    } else {
        format!("；协办：{}", item.co.join("、"))
    };
    let every = item
        .every_days
        .map(|d| format!("；每{d}天提醒"))
        .unwrap_or_default();
    audit::record(
        conn,
        now,
        actor,
        "item add",
        &label,
        &format!(
            "{}：{}（主办：{hosts}{co}；{due}前{every}）",
            item.source, item.text
        ),
    )
    .await?;
    notices::bump_revision(conn, notice).await?;
    Ok(Ok((notice, task_id)))
}
