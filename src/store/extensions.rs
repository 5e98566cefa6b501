//! Extensions (延期申请): a contact of a task's host unit asks for more time in a period; an
//! admin approves or refuses. Asking and deciding each change the request, the audit trail and
//! the outbox (the admins' request with its buttons, the contact's answer) in one transaction.

use super::audit;
use super::error::Context;
use super::{OutMessage, Store, StoreError};
use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionState {
    Pending,
    Approved,
    Refused,
}

impl ExtensionState {
    fn code(self) -> &'static str {
        match self {
            ExtensionState::Pending => "pending",
            ExtensionState::Approved => "approved",
            ExtensionState::Refused => "refused",
        }
    }

    fn parse(code: &str) -> Result<Self, StoreError> {
        Ok(match code {
            "pending" => ExtensionState::Pending,
            "approved" => ExtensionState::Approved,
            "refused" => ExtensionState::Refused,
            other => return Err(StoreError::Corrupt(format!("extension state {other:?}"))),
        })
    }
}

/// A request for more time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub id: i64,
    pub task_id: i64,
    pub task_number: u32,
    /// The task is an item (督办件): its number is 督-N.
    pub item: bool,
    pub unit_id: i64,
    pub unit: String,
    pub period: String,
    /// The new due date asked for.
    pub until: NaiveDate,
    pub reason: String,
    pub state: ExtensionState,
    pub requested_by: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    /// Why it was refused, when the admin said.
    pub decision_note: Option<String>,
    pub created_at: i64,
}

impl Extension {
    /// How people name its task: `第8项`, `督-1`.
    pub fn task_label(&self) -> String {
        super::task_label(self.task_number, self.item)
    }
}

/// A request to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExtension {
    pub task_id: i64,
    pub task_number: u32,
    pub item: bool,
    pub unit_id: i64,
    pub unit: String,
    pub period: String,
    pub until: NaiveDate,
    pub reason: String,
    pub requested_by: i64,
    /// The update that carried it: the same update twice stores one request.
    pub inbox_seq: i64,
}

/// What asking came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// Stored now (`fresh`) or by this update before.
    Done { extension: Extension, fresh: bool },
    /// The unit already waits for an answer on this task this period.
    AlreadyPending(Extension),
}

/// What deciding came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Decided now (`fresh`), or found decided just so by the same admin (a redelivery).
    Done {
        extension: Extension,
        fresh: bool,
    },
    /// Decided otherwise before.
    AlreadyDecided(Extension),
    NotFound,
}

const SELECT: &str = "SELECT e.id, e.task_id, t.number AS task_number, e.unit_id, \
    u.name AS unit, e.period, e.until_date, e.reason, e.state, e.requested_by, e.decided_by, \
    e.decided_at, e.decision_note, e.created_at, \
    (SELECT COUNT(*) FROM task_items i WHERE i.task_id = e.task_id) AS is_item FROM extensions e \
    JOIN tasks t ON t.id = e.task_id JOIN units u ON u.id = e.unit_id";

fn read(row: &AnyRow) -> Result<Extension, StoreError> {
    const WHAT: &str = "read an extension";
    let until: String = row.try_get("until_date").context(WHAT)?;
    Ok(Extension {
        id: row.try_get("id").context(WHAT)?,
        task_id: row.try_get("task_id").context(WHAT)?,
        task_number: super::codes::narrow(row.try_get("task_number").context(WHAT)?, "number")?,
        item: row.try_get::<i64, _>("is_item").context(WHAT)? > 0,
        unit_id: row.try_get("unit_id").context(WHAT)?,
        unit: row.try_get("unit").context(WHAT)?,
        period: row.try_get("period").context(WHAT)?,
        until: NaiveDate::parse_from_str(&until, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt(format!("extension date {until:?}")))?,
        reason: row.try_get("reason").context(WHAT)?,
        state: ExtensionState::parse(&row.try_get::<String, _>("state").context(WHAT)?)?,
        requested_by: row.try_get("requested_by").context(WHAT)?,
        decided_by: row.try_get("decided_by").context(WHAT)?,
        decided_at: row.try_get("decided_at").context(WHAT)?,
        decision_note: row.try_get("decision_note").context(WHAT)?,
        created_at: row.try_get("created_at").context(WHAT)?,
    })
}

async fn one(
    conn: &mut AnyConnection,
    condition: &str,
    id: i64,
) -> Result<Option<Extension>, StoreError> {
    let sql = format!("{SELECT} WHERE {condition} = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .context("load an extension")?
        .as_ref()
        .map(read)
        .transpose()
}

fn describe(e: &Extension) -> String {
    format!(
        "延期 #{} 第{}项 {} {} 至 {}",
        e.id, e.task_number, e.unit, e.period, e.until
    )
}

/// Audits the change (actor, action, detail), enqueues what `notices` words and commits.
async fn finish(
    mut tx: super::WriteTx,
    extension: Extension,
    (actor, action, detail): (&str, &str, &str),
    notices: &(dyn Fn(&Extension) -> Vec<OutMessage> + Sync),
    now: i64,
) -> Result<Extension, StoreError> {
    audit::record(&mut tx, now, actor, action, &describe(&extension), detail).await?;
    super::outbox::insert(&mut tx, &notices(&extension), now).await?;
    tx.commit().await.context("commit an extension")?;
    Ok(extension)
}

impl Store {
    /// Stores a request (once per update) with the admins' notices `notices` words for it.
    pub async fn request_extension(
        &self,
        new: &NewExtension,
        notices: &(dyn Fn(&Extension) -> Vec<OutMessage> + Sync),
        now: i64,
    ) -> Result<Requested, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(extension) = one(&mut tx, "e.inbox_seq", new.inbox_seq).await? {
            return Ok(Requested::Done {
                extension,
                fresh: false,
            });
        }
        let pending = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE e.task_id = $1 AND e.unit_id = $2 AND e.period = $3 \
             AND e.state = 'pending'"
        )))
        .bind(new.task_id)
        .bind(new.unit_id)
        .bind(&new.period)
        .fetch_optional(&mut *tx)
        .await
        .context("look for a pending extension")?;
        if let Some(row) = pending {
            return Ok(Requested::AlreadyPending(read(&row)?));
        }
        let row = sqlx::query(
            "INSERT INTO extensions (task_id, unit_id, period, until_date, reason, state, \
             requested_by, inbox_seq, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, \
             $7, $8) RETURNING id",
        )
        .bind(new.task_id)
        .bind(new.unit_id)
        .bind(&new.period)
        .bind(new.until.format("%Y-%m-%d").to_string())
        .bind(&new.reason)
        .bind(new.requested_by)
        .bind(new.inbox_seq)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .context("store an extension")?;
        let extension = Extension {
            id: row.try_get("id").context("read the id of an extension")?,
            task_id: new.task_id,
            task_number: new.task_number,
            item: new.item,
            unit_id: new.unit_id,
            unit: new.unit.clone(),
            period: new.period.clone(),
            until: new.until,
            reason: new.reason.clone(),
            state: ExtensionState::Pending,
            requested_by: new.requested_by,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            created_at: now,
        };
        let actor = new.requested_by.to_string();
        let extension =
            finish(tx, extension, (&actor, "extend", &new.reason), notices, now).await?;
        Ok(Requested::Done {
            extension,
            fresh: true,
        })
    }

    /// Approves or refuses request `id` as admin `by`, with the requester's notice.
    pub async fn decide_extension(
        &self,
        id: i64,
        approve: bool,
        by: i64,
        note: Option<&str>,
        notices: &(dyn Fn(&Extension) -> Vec<OutMessage> + Sync),
        now: i64,
    ) -> Result<Decided, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(extension) = one(&mut tx, "e.id", id).await? else {
            return Ok(Decided::NotFound);
        };
        let to = if approve {
            ExtensionState::Approved
        } else {
            ExtensionState::Refused
        };
        if extension.state != ExtensionState::Pending {
            let same = extension.state == to && extension.decided_by == Some(by);
            return Ok(if same {
                Decided::Done {
                    extension,
                    fresh: false,
                }
            } else {
                Decided::AlreadyDecided(extension)
            });
        }
        sqlx::query(
            "UPDATE extensions SET state = $2, decided_by = $3, decided_at = $4, \
             decision_note = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(to.code())
        .bind(by)
        .bind(now)
        .bind(note)
        .execute(&mut *tx)
        .await
        .context("decide an extension")?;
        let extension = Extension {
            state: to,
            decided_by: Some(by),
            decided_at: Some(now),
            decision_note: note.map(str::to_owned),
            ..extension
        };
        let action = if approve { "approve" } else { "refuse" };
        let by = by.to_string();
        let detail = note.unwrap_or_default();
        let extension = finish(tx, extension, (&by, action, detail), notices, now).await?;
        Ok(Decided::Done {
            extension,
            fresh: true,
        })
    }

    /// The period's requests, oldest first; only the approved ones with `approved_only`.
    pub async fn extensions(
        &self,
        period: &str,
        approved_only: bool,
    ) -> Result<Vec<Extension>, StoreError> {
        let state = if approved_only {
            " AND e.state = 'approved'"
        } else {
            ""
        };
        let sql = format!("{SELECT} WHERE e.period = $1{state} ORDER BY e.created_at, e.id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(period)
            .fetch_all(&self.pool)
            .await
            .context("list extensions")?
            .iter()
            .map(read)
            .collect()
    }
}
