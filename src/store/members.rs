//! Who is who: members bound to a role, the invites that bind them, and the group chats an
//! admin registered. Invite codes are never stored; only their SHA-256 is.

use super::audit;
use super::codes::{code, parse_code};
use super::error::Context;
use super::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 联络员: reports for one unit.
    Contact,
    /// 督查: reads everything, writes nothing; may be linked to a leader of the matrix.
    Supervisor,
    /// 管理员: may do everything.
    Admin,
}

/// A row of a named table (a unit, a leader): its id and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user_id: i64,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<Named>,
    pub leader: Option<Named>,
    pub bound_at: i64,
}

/// What an invite binds its user to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteSpec {
    pub role: Role,
    pub unit: Option<Named>,
    pub leader: Option<Named>,
    pub expires_at: i64,
    /// A Telegram user id, or `cli`.
    pub created_by: String,
}

/// What `/start <code>` came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// Bound now, or already by this very code (a redelivered `/start`).
    Bound(Member),
    Unknown,
    Expired,
    Used,
}

const MEMBER_COLUMNS: &str = "m.user_id, m.display_name, m.role, m.bound_at, \
    m.unit_id, u.name AS unit_name, m.leader_id, l.name AS leader_name \
    FROM members m LEFT JOIN units u ON u.id = m.unit_id LEFT JOIN leaders l ON l.id = m.leader_id";

fn read_member(row: &AnyRow) -> Result<Member, StoreError> {
    const WHAT: &str = "read a member";
    let named = |id: &str, name: &str| -> Result<Option<Named>, StoreError> {
        let id: Option<i64> = row.try_get(id).context(WHAT)?;
        let name: Option<String> = row.try_get(name).context(WHAT)?;
        Ok(id.zip(name).map(|(id, name)| Named { id, name }))
    };
    Ok(Member {
        user_id: row.try_get("user_id").context(WHAT)?,
        display_name: row.try_get("display_name").context(WHAT)?,
        role: parse_code(&row.try_get::<String, _>("role").context(WHAT)?)?,
        unit: named("unit_id", "unit_name")?,
        leader: named("leader_id", "leader_name")?,
        bound_at: row.try_get("bound_at").context(WHAT)?,
    })
}

async fn member_in(conn: &mut AnyConnection, user_id: i64) -> Result<Option<Member>, StoreError> {
    let sql = format!("SELECT {MEMBER_COLUMNS} WHERE m.user_id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await
        .context("load a member")?
        .as_ref()
        .map(read_member)
        .transpose()
}

/// How an audit entry names a member: `张三(123) 联络员 区发改局`.
fn describe(member: &Member) -> String {
    let mut text = format!("{}({})", member.display_name, member.user_id);
    match member.role {
        Role::Contact => text.push_str(" 联络员"),
        Role::Supervisor => text.push_str(" 督查"),
        Role::Admin => text.push_str(" 管理员"),
    }
    for named in [&member.unit, &member.leader].into_iter().flatten() {
        text.push(' ');
        text.push_str(&named.name);
    }
    text
}

impl Store {
    pub async fn member(&self, user_id: i64) -> Result<Option<Member>, StoreError> {
        let mut conn = self.pool.acquire().await.context("acquire a connection")?;
        member_in(&mut conn, user_id).await
    }

    /// Every member, or those of one unit; by unit, then by time of binding.
    pub async fn members(&self, unit_id: Option<i64>) -> Result<Vec<Member>, StoreError> {
        let filter = if unit_id.is_some() {
            "WHERE m.unit_id = $1"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} {filter} ORDER BY m.role, u.name, m.bound_at, m.user_id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(unit_id) = unit_id {
            query = query.bind(unit_id);
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("load the members")?;
        rows.iter().map(read_member).collect()
    }

    /// A unit by its exact name.
    /// A unit by its exact name or one of its aliases (区乡村振兴局 → 区农业农村局).
    pub async fn unit_named(&self, name: &str) -> Result<Option<Named>, StoreError> {
        if let Some(unit) = named_in(&self.pool, "units", name).await? {
            return Ok(Some(unit));
        }
        let row = sqlx::query(
            "SELECT u.id, u.name FROM unit_aliases a JOIN units u ON u.id = a.unit_id \
             WHERE a.name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .context("look up an alias")?;
        row.map(|row| {
            Ok(Named {
                id: row.try_get("id").context("read an alias")?,
                name: row.try_get("name").context("read an alias")?,
            })
        })
        .transpose()
    }

    /// A leader by their exact name.
    pub async fn leader_named(&self, name: &str) -> Result<Option<Named>, StoreError> {
        named_in(&self.pool, "leaders", name).await
    }

    /// Names of units containing `fragment`, for suggestions after a typo; at most `limit`.
    pub async fn units_like(&self, fragment: &str, limit: i64) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT name FROM units WHERE name LIKE $1 ORDER BY name LIMIT $2")
            .bind(format!("%{}%", fragment.replace(['%', '_'], "")))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .context("look up units")
    }

    /// Stores an invite under the hash of its code.
    pub async fn create_invite(
        &self,
        code_hash: &str,
        spec: &InviteSpec,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO invites (code_hash, role, unit_id, leader_id, created_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(code_hash)
        .bind(code(&spec.role))
        .bind(spec.unit.as_ref().map(|u| u.id))
        .bind(spec.leader.as_ref().map(|l| l.id))
        .bind(&spec.created_by)
        .bind(now)
        .bind(spec.expires_at)
        .fetch_one(&mut *tx)
        .await
        .context("save an invite")?;
        let subject = [&spec.unit, &spec.leader]
            .into_iter()
            .flatten()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let detail = format!("{} 邀请 #{id}", code(&spec.role));
        audit::record(&mut tx, now, &spec.created_by, "invite", &subject, &detail).await?;
        tx.commit().await.context("commit an invite")?;
        Ok(id)
    }

    /// Binds `user_id` by the invite whose code hashes to `code_hash`: single use, before it
    /// expires. A user bound already gets the new role instead of the old one.
    pub async fn redeem_invite(
        &self,
        code_hash: &str,
        user_id: i64,
        display_name: &str,
        now: i64,
    ) -> Result<Redeemed, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT id, role, unit_id, leader_id, expires_at, used_by FROM invites \
             WHERE code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(&mut *tx)
        .await
        .context("look up an invite")?;
        let Some(row) = row else {
            return Ok(Redeemed::Unknown);
        };
        const WHAT: &str = "read an invite";
        let invite_id: i64 = row.try_get("id").context(WHAT)?;
        let used_by: Option<i64> = row.try_get("used_by").context(WHAT)?;
        match used_by {
            Some(user) if user == user_id => {
                if let Some(member) = member_in(&mut tx, user_id).await? {
                    return Ok(Redeemed::Bound(member));
                }
                return Ok(Redeemed::Used);
            }
            Some(_) => return Ok(Redeemed::Used),
            None => {}
        }
        if row.try_get::<i64, _>("expires_at").context(WHAT)? <= now {
            return Ok(Redeemed::Expired);
        }
        let previous = member_in(&mut tx, user_id).await?;
        sqlx::query("UPDATE invites SET used_by = $2, used_at = $3 WHERE id = $1")
            .bind(invite_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("use an invite")?;
        sqlx::query("DELETE FROM members WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .context("replace a binding")?;
        sqlx::query(
            "INSERT INTO members (user_id, display_name, role, unit_id, leader_id, invite_id, \
             bound_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user_id)
        .bind(display_name)
        .bind(row.try_get::<String, _>("role").context(WHAT)?)
        .bind(row.try_get::<Option<i64>, _>("unit_id").context(WHAT)?)
        .bind(row.try_get::<Option<i64>, _>("leader_id").context(WHAT)?)
        .bind(invite_id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("bind a member")?;
        let member = member_in(&mut tx, user_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a member just bound is missing".into()))?;
        let actor = user_id.to_string();
        if let Some(previous) = previous {
            audit::record(
                &mut tx,
                now,
                &actor,
                "unbind",
                &describe(&previous),
                "改用新邀请",
            )
            .await?;
        }
        let detail = format!("邀请 #{invite_id}");
        audit::record(&mut tx, now, &actor, "bind", &describe(&member), &detail).await?;
        tx.commit().await.context("commit a binding")?;
        self.members_changed();
        Ok(Redeemed::Bound(member))
    }

    /// Removes the binding of `user_id` (their own /unbind, or an admin's /remove); returns
    /// the member that was removed.
    pub async fn unbind(
        &self,
        user_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<Option<Member>, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(member) = member_in(&mut tx, user_id).await? else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM members WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .context("unbind a member")?;
        let action = if actor == user_id.to_string() {
            "unbind"
        } else {
            "remove"
        };
        audit::record(&mut tx, now, actor, action, &describe(&member), "").await?;
        tx.commit().await.context("commit an unbinding")?;
        self.members_changed();
        Ok(Some(member))
    }

    /// Registers (or, with `on` false, unregisters) a group chat where task data may be shown.
    /// Returns whether anything changed.
    pub async fn register_group(
        &self,
        chat_id: i64,
        title: &str,
        on: bool,
        by: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let changed = if on {
            sqlx::query(
                "INSERT INTO group_chats (chat_id, title, registered_by, registered_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (chat_id) DO NOTHING",
            )
            .bind(chat_id)
            .bind(title)
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("register a group chat")?
            .rows_affected()
        } else {
            sqlx::query("DELETE FROM group_chats WHERE chat_id = $1")
                .bind(chat_id)
                .execute(&mut *tx)
                .await
                .context("unregister a group chat")?
                .rows_affected()
        };
        if changed > 0 {
            let action = if on {
                "register_group"
            } else {
                "unregister_group"
            };
            let subject = format!("{title}({chat_id})");
            audit::record(&mut tx, now, &by.to_string(), action, &subject, "").await?;
        }
        tx.commit().await.context("commit a group registration")?;
        Ok(changed > 0)
    }

    pub async fn group_registered(&self, chat_id: i64) -> Result<bool, StoreError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT chat_id FROM group_chats WHERE chat_id = $1")
                .bind(chat_id)
                .fetch_optional(&self.pool)
                .await
                .context("look up a group chat")?;
        Ok(found.is_some())
    }
}

async fn named_in(
    pool: &sqlx::AnyPool,
    table: &'static str,
    name: &str,
) -> Result<Option<Named>, StoreError> {
    let sql = format!("SELECT id, name FROM {table} WHERE name = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .fetch_optional(pool)
        .await
        .context("look up a name")?;
    row.map(|row| {
        Ok(Named {
            id: row.try_get("id").context("read a name")?,
            name: row.try_get("name").context("read a name")?,
        })
    })
    .transpose()
}
