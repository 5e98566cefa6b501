//! The `notices` and `sections` tables.

use super::StoreError;
use super::codes::{date_text, int, narrow, parse_date};
use super::error::Context;
use crate::matrix::{NoticeInfo, Section};
use sqlx::AnyConnection;
use sqlx::Row;

/// A notice is the same notice again when it has the same document number or, without one,
/// the same title.
pub(crate) fn notice_key(info: &NoticeInfo) -> &str {
    info.doc_number.as_deref().unwrap_or(&info.title)
}

/// Finds the notice by its key, inserting it or updating its fields when they differ.
/// Returns its id and whether it was created.
pub(crate) async fn upsert(
    conn: &mut AnyConnection,
    info: &NoticeInfo,
    now: i64,
) -> Result<(i64, bool), StoreError> {
    let key = notice_key(info);
    let found = sqlx::query("SELECT id FROM notices WHERE notice_key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await
        .context("look up the notice")?;
    let Some(row) = found else {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notices \
             (notice_key, title, issuer, doc_number, issued_on, year, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(key)
        .bind(&info.title)
        .bind(info.issuer.as_deref())
        .bind(info.doc_number.as_deref())
        .bind(date_text(info.date))
        .bind(info.year.map(i64::from))
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .context("save the notice")?;
        return Ok((id, true));
    };
    let id: i64 = row.try_get("id").context("read the notice id")?;
    if load_info(conn, id).await? != *info {
        sqlx::query(
            "UPDATE notices SET title = $2, issuer = $3, doc_number = $4, issued_on = $5, \
             year = $6, updated_at = $7 WHERE id = $1",
        )
        .bind(id)
        .bind(&info.title)
        .bind(info.issuer.as_deref())
        .bind(info.doc_number.as_deref())
        .bind(date_text(info.date))
        .bind(info.year.map(i64::from))
        .bind(now)
        .execute(&mut *conn)
        .await
        .context("update the notice")?;
    }
    Ok((id, false))
}

pub(crate) async fn load_info(conn: &mut AnyConnection, id: i64) -> Result<NoticeInfo, StoreError> {
    let row =
        sqlx::query("SELECT title, issuer, doc_number, issued_on, year FROM notices WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .context("load the notice")?
            .ok_or(StoreError::NoticeNotFound(id))?;
    Ok(NoticeInfo {
        title: row.try_get("title").context("read the notice")?,
        issuer: row.try_get("issuer").context("read the notice")?,
        doc_number: row.try_get("doc_number").context("read the notice")?,
        date: parse_date(row.try_get("issued_on").context("read the notice")?)?,
        year: row
            .try_get::<Option<i64>, _>("year")
            .context("read the notice")?
            .map(|y| narrow(y, "year"))
            .transpose()?,
    })
}

/// The notice imported most recently: never the notice of the items (督办件).
pub(crate) async fn latest_id(conn: &mut AnyConnection) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT MAX(id) FROM notices WHERE notice_key <> $1")
        .bind(super::items::ITEMS_NOTICE_KEY)
        .fetch_one(&mut *conn)
        .await
        .context("find the latest notice")
}

/// Marks the notice's tasks as changed: see [`Store::current_tasks`](super::Store::current_tasks).
pub(crate) async fn bump_revision(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE notices SET revision = revision + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context("count the import")?;
    Ok(())
}

/// Replaces the notice's sections when they differ (and says whether they did). Tasks refer to
/// sections by ordinal, so nothing else has to follow.
pub(crate) async fn sync_sections(
    conn: &mut AnyConnection,
    notice_id: i64,
    sections: &[Section],
) -> Result<bool, StoreError> {
    if load_sections(conn, notice_id).await? == sections {
        return Ok(false);
    }
    sqlx::query("DELETE FROM sections WHERE notice_id = $1")
        .bind(notice_id)
        .execute(&mut *conn)
        .await
        .context("replace the sections")?;
    for section in sections {
        sqlx::query(
            "INSERT INTO sections (notice_id, ordinal, label, title, line) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(notice_id)
        .bind(i64::from(section.ordinal))
        .bind(&section.label)
        .bind(&section.title)
        .bind(int(section.line))
        .execute(&mut *conn)
        .await
        .context("save a section")?;
    }
    Ok(true)
}

pub(crate) async fn load_sections(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> Result<Vec<Section>, StoreError> {
    let rows = sqlx::query(
        "SELECT ordinal, label, title, line FROM sections WHERE notice_id = $1 ORDER BY ordinal",
    )
    .bind(notice_id)
    .fetch_all(&mut *conn)
    .await
    .context("load the sections")?;
    rows.iter()
        .map(|row| {
            Ok(Section {
                ordinal: narrow(row.try_get("ordinal").context("read a section")?, "ordinal")?,
                label: row.try_get("label").context("read a section")?,
                title: row.try_get("title").context("read a section")?,
                line: narrow(row.try_get("line").context("read a section")?, "line")?,
            })
        })
        .collect()
}
