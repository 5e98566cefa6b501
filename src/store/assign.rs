//! An admin's assignment of a task's units: `duban assign` and `/assign`, for a task the notice
//! left without units (待明确承办单位) or whose units it got wrong.
//!
//! The assignment replaces the task's units and group words and leaves its fingerprint alone:
//! a re-import of the same notice finds the task unchanged and keeps the assignment; a new
//! version that changes the task replaces its units with the notice's, as for any changed task.

use super::error::Context;
use super::import::lock_imports;
use super::{Store, StoreError, audit, notices, tasks, units};
use crate::matrix::{UnitRef, UnitRole};
use sqlx::{AnyConnection, Row};

/// What an admin asks for: the host units and the co-organizers, each a unit's or a group
/// word's name as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignRequest {
    pub number: u32,
    pub hosts: Vec<String>,
    pub co: Vec<String>,
}

impl AssignRequest {
    /// `/assign 12 区财政局 协办：区商务局、各镇街`: the task's number, then the hosts, then
    /// after 协办 (with or without a colon) the co-organizers; 主办： before the hosts may be
    /// written too. None when the text does not start with a task number.
    pub fn from_chat(args: &str) -> Option<AssignRequest> {
        let args = args.trim();
        let digits = args
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(args.len());
        let number = args[..digits].parse().ok()?;
        let rest = args[digits..].trim_start_matches(|c: char| c.is_whitespace() || c == '项');
        let (hosts, co) = match rest.find("协办") {
            Some(at) => (&rest[..at], &rest[at + "协办".len()..]),
            None => (rest, ""),
        };
        let strip = |text: &str, label: &str| {
            let text = text.trim();
            let text = text.strip_prefix(label).unwrap_or(text);
            text.trim_start_matches(['：', ':']).to_owned()
        };
        Some(AssignRequest {
            number,
            hosts: Self::names(&strip(hosts, "主办")),
            co: Self::names(&strip(co, "单位")),
        })
    }

    /// Names separated by 、，,；; or spaces.
    pub fn names(text: &str) -> Vec<String> {
        text.split(|c: char| "、，,；;".contains(c) || c.is_whitespace())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Why an assignment was not made (nothing changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignRefusal {
    /// No host unit was named.
    NoHost,
    /// The notice has no current task of this number.
    NoSuchTask(u32),
    /// Names that are neither a unit nor a group word, each with up to five units whose
    /// names contain it.
    Unknown(Vec<(String, Vec<String>)>),
}

/// A task's units before and after an assignment, as [`UnitRef`]s and group words by role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub number: u32,
    pub before: Vec<UnitRef>,
    pub after: Vec<UnitRef>,
    pub groups_before: Vec<(String, UnitRole)>,
    pub groups_after: Vec<(String, UnitRole)>,
}

/// A name resolved: a unit, or a group word with its members.
enum Named {
    Unit(i64),
    Group(i64, Vec<(i64, String)>),
}

impl Store {
    /// Sets the units of task `request.number` of notice `notice_id` in one transaction: the
    /// named units and the members of the named group words (noted as coming from the group),
    /// hosts first; a unit named twice keeps its first role. Audited as `actor`; bumps the
    /// notice's revision, so that running bots reload the task.
    pub async fn assign_units(
        &self,
        notice_id: i64,
        request: &AssignRequest,
        actor: &str,
        now: i64,
    ) -> Result<Result<Assignment, AssignRefusal>, StoreError> {
        if request.hosts.is_empty() {
            return Ok(Err(AssignRefusal::NoHost));
        }
        let mut tx = self.begin_write().await?;
        let conn = &mut *tx;
        lock_imports(conn, self.backend).await?;
        let Some(task_id) = task_id(conn, notice_id, request.number).await? else {
            return Ok(Err(AssignRefusal::NoSuchTask(request.number)));
        };
        let (rows, groups) = match resolve_units(conn, &request.hosts, &request.co).await? {
            Ok(resolved) => resolved,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let (before, groups_before) = current(conn, task_id).await?;
        replace(conn, task_id, &rows, &groups).await?;
        units::link_task_units_and_groups(conn, notice_id).await?;
        let (after, groups_after) = current(conn, task_id).await?;
        let assignment = Assignment {
            number: request.number,
            before,
            after,
            groups_before,
            groups_after,
        };
        audit::record(
            conn,
            now,
            actor,
            "assign",
            &format!("task {}", request.number),
            &assignment.detail(),
        )
        .await?;
        notices::bump_revision(conn, notice_id).await?;
        tx.commit().await.context("commit the assignment")?;
        Ok(Ok(assignment))
    }
}

impl Store {
    /// Numbers of the notice's current tasks without any unit or group word (待明确承办单位).
    pub async fn unassigned_tasks(&self, notice_id: i64) -> Result<Vec<u32>, StoreError> {
        let numbers: Vec<i64> = sqlx::query_scalar(
            "SELECT t.number FROM tasks t WHERE t.notice_id = $1 AND t.retired = 0 \
             AND NOT EXISTS (SELECT 1 FROM task_units x WHERE x.task_id = t.id) \
             AND NOT EXISTS (SELECT 1 FROM task_groups g WHERE g.task_id = t.id) \
             ORDER BY t.number",
        )
        .bind(notice_id)
        .fetch_all(&self.pool)
        .await
        .context("find the tasks without units")?;
        numbers
            .into_iter()
            .map(|n| super::codes::narrow(n, "number"))
            .collect()
    }
}

impl Assignment {
    /// `主办：A、B；协办：C、各镇街` of the units after, and of those before when there were any.
    pub fn detail(&self) -> String {
        let after = summary(&self.after, &self.groups_after);
        if self.before.is_empty() && self.groups_before.is_empty() {
            return format!("{after}（原：待明确承办单位）");
        }
        format!(
            "{after}（原：{}）",
            summary(&self.before, &self.groups_before)
        )
    }
}

/// The units by role, each group word once in place of its members.
pub fn summary(units: &[UnitRef], groups: &[(String, UnitRole)]) -> String {
    let names = |role: UnitRole| {
        let mut names: Vec<&str> = units
            .iter()
            .filter(|u| u.role == role && u.via.is_none())
            .map(|u| u.name.as_str())
            .collect();
        names.extend(
            groups
                .iter()
                .filter(|(_, r)| *r == role)
                .map(|(g, _)| g.as_str()),
        );
        names.join("、")
    };
    let (hosts, co) = (names(UnitRole::Host), names(UnitRole::Co));
    match (hosts.is_empty(), co.is_empty()) {
        (true, true) => crate::matrix::UNASSIGNED.to_owned(),
        (_, true) => format!("主办：{hosts}"),
        (true, false) => format!("协办：{co}"),
        (false, false) => format!("主办：{hosts}；协办：{co}"),
    }
}

async fn task_id(
    conn: &mut AnyConnection,
    notice_id: i64,
    number: u32,
) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT id FROM tasks WHERE notice_id = $1 AND number = $2 AND retired = 0")
        .bind(notice_id)
        .bind(i64::from(number))
        .fetch_optional(&mut *conn)
        .await
        .context("find the task to assign")
}

/// The task_units and task_groups rows of the hosts and co-organizers named (units, their
/// aliases, group words), or why not: no host, or names unknown (with suggestions).
pub(crate) async fn resolve_units(
    conn: &mut AnyConnection,
    hosts: &[String],
    co: &[String],
) -> Result<Result<(Vec<Chosen>, Vec<(i64, UnitRole)>), AssignRefusal>, StoreError> {
    if hosts.is_empty() {
        return Ok(Err(AssignRefusal::NoHost));
    }
    let mut wanted = Vec::new();
    let mut unknown = Vec::new();
    for (names, role) in [(hosts, UnitRole::Host), (co, UnitRole::Co)] {
        for name in names {
            match resolve(conn, name).await? {
                Some(named) => wanted.push((name.as_str(), role, named)),
                None => unknown.push((name.clone(), suggestions(conn, name).await?)),
            }
        }
    }
    if !unknown.is_empty() {
        return Ok(Err(AssignRefusal::Unknown(unknown)));
    }
    Ok(Ok(rows_of(&wanted)))
}

async fn resolve(conn: &mut AnyConnection, name: &str) -> Result<Option<Named>, StoreError> {
    let unit: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM units WHERE name = $1 \
         UNION SELECT unit_id FROM unit_aliases WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await
    .context("look up a unit")?;
    if let Some(id) = unit {
        return Ok(Some(Named::Unit(id)));
    }
    let group: Option<i64> = sqlx::query_scalar("SELECT id FROM unit_groups WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .context("look up a group")?;
    let Some(group_id) = group else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT u.id, u.name FROM unit_group_members m JOIN units u ON u.id = m.unit_id \
         WHERE m.group_id = $1 ORDER BY m.position",
    )
    .bind(group_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the members of a group")?;
    let members = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id").context("read a member")?,
                r.try_get("name").context("read a member")?,
            ))
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Some(Named::Group(group_id, members)))
}

async fn suggestions(conn: &mut AnyConnection, name: &str) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar("SELECT name FROM units WHERE name LIKE $1 ORDER BY name LIMIT 5")
        .bind(format!("%{}%", name.replace(['%', '_'], "")))
        .fetch_all(&mut *conn)
        .await
        .context("look up units")
}

/// A task_units row: unit id, role, the group word it came from.
pub(crate) type Chosen = (i64, UnitRole, Option<String>);

/// The rows for the names asked for: each unit once, in the order named, with the first role
/// it was named in; each group word once.
fn rows_of(wanted: &[(&str, UnitRole, Named)]) -> (Vec<Chosen>, Vec<(i64, UnitRole)>) {
    let mut rows: Vec<Chosen> = Vec::new();
    let mut groups: Vec<(i64, UnitRole)> = Vec::new();
    // Units named directly first: a unit named and also reached through a group is named.
    for (_, role, named) in wanted {
        if let Named::Unit(id) = named
            && !rows.iter().any(|(u, _, _)| u == id)
        {
            rows.push((*id, *role, None));
        }
    }
    for (name, role, named) in wanted {
        let Named::Group(group_id, members) = named else {
            continue;
        };
        if groups.iter().any(|(g, _)| g == group_id) {
            continue;
        }
        groups.push((*group_id, *role));
        for (id, _) in members {
            if !rows.iter().any(|(u, _, _)| u == id) {
                rows.push((*id, *role, Some((*name).to_owned())));
            }
        }
    }
    // Hosts before co-organizers, as a notice lists them.
    rows.sort_by_key(|(_, role, _)| *role == UnitRole::Co);
    (rows, groups)
}

async fn replace(
    conn: &mut AnyConnection,
    task_id: i64,
    rows: &[Chosen],
    groups: &[(i64, UnitRole)],
) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM task_units WHERE task_id = $1",
        "DELETE FROM task_groups WHERE task_id = $1",
    ] {
        sqlx::query(sql)
            .bind(task_id)
            .execute(&mut *conn)
            .await
            .context("replace the units of a task")?;
    }
    let units: Vec<tasks::UnitRow<'_>> = rows
        .iter()
        .map(|(unit_id, role, via)| (*unit_id, *role, via.as_deref()))
        .collect();
    tasks::insert_units(conn, task_id, &units).await?;
    tasks::insert_groups(conn, task_id, groups).await
}

/// The task's units and group words as stored.
async fn current(
    conn: &mut AnyConnection,
    task_id: i64,
) -> Result<(Vec<UnitRef>, Vec<(String, UnitRole)>), StoreError> {
    const WHAT: &str = "read the units of a task";
    let rows = sqlx::query(
        "SELECT u.name, x.role, x.via FROM task_units x JOIN units u ON u.id = x.unit_id \
         WHERE x.task_id = $1 ORDER BY x.position",
    )
    .bind(task_id)
    .fetch_all(&mut *conn)
    .await
    .context(WHAT)?;
    let units = rows
        .iter()
        .map(|r| {
            Ok(UnitRef {
                name: r.try_get("name").context(WHAT)?,
                role: super::codes::parse_code(&r.try_get::<String, _>("role").context(WHAT)?)?,
                via: r.try_get("via").context(WHAT)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let rows = sqlx::query(
        "SELECT g.name, x.role FROM task_groups x JOIN unit_groups g ON g.id = x.group_id \
         WHERE x.task_id = $1 ORDER BY x.position",
    )
    .bind(task_id)
    .fetch_all(&mut *conn)
    .await
    .context(WHAT)?;
    let groups = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("name").context(WHAT)?,
                super::codes::parse_code(&r.try_get::<String, _>("role").context(WHAT)?)?,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((units, groups))
}

#[cfg(test)]
mod tests {
    use super::AssignRequest;

    fn request(number: u32, hosts: &[&str], co: &[&str]) -> AssignRequest {
        AssignRequest {
            number,
            hosts: hosts.iter().map(|s| s.to_string()).collect(),
            co: co.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn an_assignment_is_typed_as_number_hosts_and_after_xieban_the_co_organizers() {
        assert_eq!(
            AssignRequest::from_chat("12 区财政局 协办：区商务局、各镇街"),
            Some(request(12, &["区财政局"], &["区商务局", "各镇街"]))
        );
        assert_eq!(
            AssignRequest::from_chat(" 3 主办：区财政局，区科技局 协办单位:区商务局 "),
            Some(request(3, &["区财政局", "区科技局"], &["区商务局"]))
        );
        assert_eq!(
            AssignRequest::from_chat("7项 区财政局"),
            Some(request(7, &["区财政局"], &[]))
        );
        assert_eq!(
            AssignRequest::from_chat("5 协办 区商务局"),
            Some(request(5, &[], &["区商务局"]))
        );
        assert_eq!(AssignRequest::from_chat("区财政局"), None);
        assert_eq!(AssignRequest::from_chat(""), None);
    }
}
