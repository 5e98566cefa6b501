//! Units, groups and their members (shared by all notices, keyed by name), the links that say
//! which of them a notice's matrix lists, and the per-unit task counts.

use super::StoreError;
use super::codes::{code, int, parse_code};
use super::error::Context;
use crate::matrix::{GroupInfo, UnitInfo, UnitKind, UnitRole};
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

/// Name → id of the units or groups an import refers to.
pub(crate) type Ids = HashMap<String, i64>;

/// How many of a notice's current tasks a unit hosts (主办) and co-organizes (协办).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCounts {
    pub name: String,
    pub kind: UnitKind,
    pub host: i64,
    pub co: i64,
}

/// Upserts the units by name (updating a changed kind) and links them to the notice.
pub(crate) async fn sync_units(
    conn: &mut AnyConnection,
    notice_id: i64,
    units: &[UnitInfo],
) -> Result<Ids, StoreError> {
    let rows = sqlx::query("SELECT id, name, kind FROM units")
        .fetch_all(&mut *conn)
        .await
        .context("load the units")?;
    let mut stored = HashMap::new();
    for row in &rows {
        let name: String = row.try_get("name").context("read a unit")?;
        let id: i64 = row.try_get("id").context("read a unit")?;
        let kind: String = row.try_get("kind").context("read a unit")?;
        stored.insert(name, (id, kind));
    }
    let mut ids = Ids::new();
    for unit in units {
        let kind = code(&unit.kind);
        let id = match stored.get(&unit.name) {
            Some((id, stored_kind)) if *stored_kind == kind => *id,
            Some((id, _)) => {
                sqlx::query("UPDATE units SET kind = $2 WHERE id = $1")
                    .bind(*id)
                    .bind(&kind)
                    .execute(&mut *conn)
                    .await
                    .context("update the kind of a unit")?;
                *id
            }
            None => {
                sqlx::query_scalar("INSERT INTO units (name, kind) VALUES ($1, $2) RETURNING id")
                    .bind(&unit.name)
                    .bind(&kind)
                    .fetch_one(&mut *conn)
                    .await
                    .context("save a unit")?
            }
        };
        ids.insert(unit.name.clone(), id);
        if !unit.aliases.is_empty() {
            sync_aliases(conn, id, &unit.aliases).await?;
        }
    }
    let wanted = ids.values().copied().collect();
    sync_links(conn, LinkTable::Units, notice_id, wanted).await?;
    Ok(ids)
}

/// Makes `aliases` the other names of unit `id`; an alias another unit had moves to this one.
async fn sync_aliases(
    conn: &mut AnyConnection,
    id: i64,
    aliases: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM unit_aliases WHERE unit_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context("replace the aliases of a unit")?;
    for alias in aliases {
        sqlx::query(
            "INSERT INTO unit_aliases (name, unit_id) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET unit_id = excluded.unit_id",
        )
        .bind(alias)
        .bind(id)
        .execute(&mut *conn)
        .await
        .context("save an alias of a unit")?;
    }
    Ok(())
}

/// Inserts missing groups by name and links them to the notice. Members are synced apart
/// (see [`sync_members`]).
pub(crate) async fn sync_groups(
    conn: &mut AnyConnection,
    notice_id: i64,
    groups: &[GroupInfo],
) -> Result<Ids, StoreError> {
    let rows = sqlx::query("SELECT id, name FROM unit_groups")
        .fetch_all(&mut *conn)
        .await
        .context("load the groups")?;
    let mut stored = Ids::new();
    for row in &rows {
        stored.insert(
            row.try_get("name").context("read a group")?,
            row.try_get("id").context("read a group")?,
        );
    }
    let mut ids = Ids::new();
    for group in groups {
        let id = match stored.get(&group.name) {
            Some(id) => *id,
            None => sqlx::query_scalar("INSERT INTO unit_groups (name) VALUES ($1) RETURNING id")
                .bind(&group.name)
                .fetch_one(&mut *conn)
                .await
                .context("save a group")?,
        };
        ids.insert(group.name.clone(), id);
    }
    let wanted = ids.values().copied().collect();
    sync_links(conn, LinkTable::Groups, notice_id, wanted).await?;
    Ok(ids)
}

/// Replaces a group's stored members with the matrix's when the matrix lists members and they
/// differ. An empty list never clears a group: an admin may have filled it in.
pub(crate) async fn sync_members(
    conn: &mut AnyConnection,
    groups: &[GroupInfo],
    group_ids: &Ids,
    unit_ids: &Ids,
) -> Result<(), StoreError> {
    for group in groups.iter().filter(|g| !g.members.is_empty()) {
        let group_id = group_ids[&group.name];
        if load_members(conn, group_id).await? == group.members {
            continue;
        }
        sqlx::query("DELETE FROM unit_group_members WHERE group_id = $1")
            .bind(group_id)
            .execute(&mut *conn)
            .await
            .context("replace the members of a group")?;
        for (position, member) in group.members.iter().enumerate() {
            sqlx::query(
                "INSERT INTO unit_group_members (group_id, unit_id, position) VALUES ($1, $2, $3)",
            )
            .bind(group_id)
            .bind(unit_ids[member])
            .bind(int(position))
            .execute(&mut *conn)
            .await
            .context("save a member of a group")?;
        }
    }
    Ok(())
}

async fn load_members(conn: &mut AnyConnection, group_id: i64) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar(
        "SELECT u.name FROM unit_group_members m JOIN units u ON u.id = m.unit_id \
         WHERE m.group_id = $1 ORDER BY m.position",
    )
    .bind(group_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the members of a group")
}

/// Links to the notice every unit and group word its current tasks name and it does not list
/// yet: those an admin assigned (`duban assign`) beyond the notice's own.
pub(crate) async fn link_task_units_and_groups(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<(), StoreError> {
    for sql in [
        "INSERT INTO notice_units (notice_id, unit_id) SELECT DISTINCT t.notice_id, x.unit_id \
         FROM task_units x JOIN tasks t ON t.id = x.task_id \
         WHERE t.notice_id = $1 AND t.retired = 0 AND NOT EXISTS \
         (SELECT 1 FROM notice_units n WHERE n.notice_id = $1 AND n.unit_id = x.unit_id)",
        "INSERT INTO notice_groups (notice_id, group_id) SELECT DISTINCT t.notice_id, x.group_id \
         FROM task_groups x JOIN tasks t ON t.id = x.task_id \
         WHERE t.notice_id = $1 AND t.retired = 0 AND NOT EXISTS \
         (SELECT 1 FROM notice_groups n WHERE n.notice_id = $1 AND n.group_id = x.group_id)",
    ] {
        sqlx::query(sql)
            .bind(notice_id)
            .execute(&mut *conn)
            .await
            .context("link the assigned units of a notice")?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum LinkTable {
    Units,
    Groups,
}

/// Makes the notice's links equal `wanted`, touching only the links that change.
async fn sync_links(
    conn: &mut AnyConnection,
    table: LinkTable,
    notice_id: i64,
    wanted: BTreeSet<i64>,
) -> Result<(), StoreError> {
    let (select, insert, delete) = match table {
        LinkTable::Units => (
            "SELECT unit_id FROM notice_units WHERE notice_id = $1",
            "INSERT INTO notice_units (notice_id, unit_id) VALUES ($1, $2)",
            "DELETE FROM notice_units WHERE notice_id = $1 AND unit_id = $2",
        ),
        LinkTable::Groups => (
            "SELECT group_id FROM notice_groups WHERE notice_id = $1",
            "INSERT INTO notice_groups (notice_id, group_id) VALUES ($1, $2)",
            "DELETE FROM notice_groups WHERE notice_id = $1 AND group_id = $2",
        ),
    };
    let stored: BTreeSet<i64> = sqlx::query_scalar(select)
        .bind(notice_id)
        .fetch_all(&mut *conn)
        .await
        .context("load the units or groups of a notice")?
        .into_iter()
        .collect();
    for id in wanted.difference(&stored) {
        sqlx::query(insert)
            .bind(notice_id)
            .bind(*id)
            .execute(&mut *conn)
            .await
            .context("link a unit or group to a notice")?;
    }
    for id in stored.difference(&wanted) {
        sqlx::query(delete)
            .bind(notice_id)
            .bind(*id)
            .execute(&mut *conn)
            .await
            .context("unlink a unit or group from a notice")?;
    }
    Ok(())
}

/// The notice's units, sorted by name (`str` order, i.e. by code point).
pub(crate) async fn load_units(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<Vec<UnitInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.name, u.kind FROM notice_units n JOIN units u ON u.id = n.unit_id \
         WHERE n.notice_id = $1",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the units of a notice")?;
    let mut units = rows
        .iter()
        .map(|row| {
            Ok(UnitInfo {
                name: row.try_get("name").context("read a unit")?,
                kind: parse_code(&row.try_get::<String, _>("kind").context("read a unit")?)?,
                aliases: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let aliases = sqlx::query(
        "SELECT a.name, u.name AS unit FROM unit_aliases a JOIN units u ON u.id = a.unit_id \
         JOIN notice_units n ON n.unit_id = u.id WHERE n.notice_id = $1",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the aliases of units")?;
    for row in &aliases {
        let unit: String = row.try_get("unit").context("read an alias")?;
        if let Some(info) = units.iter_mut().find(|u| u.name == unit) {
            info.aliases
                .push(row.try_get("name").context("read an alias")?);
        }
    }
    // Sorted here, not in SQL: the two databases collate Chinese differently.
    units.sort_by(|a, b| a.name.cmp(&b.name));
    units.iter_mut().for_each(|u| u.aliases.sort());
    Ok(units)
}

/// The notice's groups sorted by name, each with its members in stored order.
pub(crate) async fn load_groups(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<Vec<GroupInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.id, g.name FROM notice_groups n JOIN unit_groups g ON g.id = n.group_id \
         WHERE n.notice_id = $1",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the groups of a notice")?;
    let mut groups = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id").context("read a group")?;
        let name: String = row.try_get("name").context("read a group")?;
        groups.push(GroupInfo {
            name,
            members: load_members(conn, id).await?,
        });
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(groups)
}

/// Host and co-organizer counts of every unit that has a current task in the notice.
pub(crate) async fn task_counts(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<Vec<UnitCounts>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.name, u.kind, \
         COUNT(DISTINCT CASE WHEN tu.role = $2 THEN tu.task_id END) AS host, \
         COUNT(DISTINCT CASE WHEN tu.role = $3 THEN tu.task_id END) AS co \
         FROM task_units tu \
         JOIN tasks t ON t.id = tu.task_id \
         JOIN units u ON u.id = tu.unit_id \
         WHERE t.notice_id = $1 AND t.retired = 0 \
         GROUP BY u.id, u.name, u.kind",
    )
    .bind(notice_id)
    .bind(code(&UnitRole::Host))
    .bind(code(&UnitRole::Co))
    .fetch_all(&mut *conn)
    .await
    .context("count the tasks of each unit")?;
    let mut counts = rows
        .iter()
        .map(|row| {
            Ok(UnitCounts {
                name: row.try_get("name").context("read unit counts")?,
                kind: parse_code(
                    &row.try_get::<String, _>("kind")
                        .context("read unit counts")?,
                )?,
                host: row.try_get("host").context("read unit counts")?,
                co: row.try_get("co").context("read unit counts")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    counts.sort_by(|a, b| {
        b.host
            .cmp(&a.host)
            .then(b.co.cmp(&a.co))
            .then(a.name.cmp(&b.name))
    });
    Ok(counts)
}
