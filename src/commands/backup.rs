//! `duban backup FILE` and `duban restore FILE`. A backup is a SQLite file written while the
//! service runs (SQLite only; PostgreSQL is backed up with pg_dump). A restore copies a backup
//! into the configured database, SQLite or PostgreSQL, which must hold no data.

use super::{open_store, redact, user_error};
use crate::config::Settings;
use crate::store::{Backend, BackupInfo, BackupRefusal};
use crate::text::table;
use crate::{out, outln};
use anyhow::Result;
use std::path::Path;

pub async fn backup(settings: &Settings, file: &Path) -> Result<()> {
    // Said before connecting: opening a database also migrates it.
    if Backend::from_url(&settings.database_url).ok() == Some(Backend::Postgres) {
        return Err(user_error(refused(&BackupRefusal::Postgres)));
    }
    let store = open_store(&settings.database_url).await?;
    let done = store.backup_to(file).await;
    store.close().await;
    let info = done?.map_err(|r| user_error(refused(&r)))?;
    outln!(
        "已备份到 {}（{}，数据库版本 {}），完整性检查通过。",
        file.display(),
        size(info.bytes),
        info.version
    )?;
    print_counts(&info)
}

pub async fn restore(settings: &Settings, file: &Path) -> Result<()> {
    // The file is checked before the database is opened (and, new, created).
    if let Err(refusal) = crate::store::inspect_backup(file).await? {
        return Err(user_error(refused(&refusal)));
    }
    let store = open_store(&settings.database_url).await?;
    let done = store.restore_from(file).await;
    store.close().await;
    let info = done?.map_err(|r| user_error(refused(&r)))?;
    outln!(
        "已把备份 {}（数据库版本 {}）恢复到 {}：",
        file.display(),
        info.version,
        redact(&settings.database_url)
    )?;
    print_counts(&info)
}

fn print_counts(info: &BackupInfo) -> Result<()> {
    let rows: Vec<Vec<String>> = info
        .counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(table, n)| vec![table.clone(), n.to_string()])
        .collect();
    out!("{}", table(&["表", "行数"], &rows))?;
    let total: i64 = info.counts.iter().map(|(_, n)| n).sum();
    outln!("共 {} 张表有数据，{total} 行。", rows.len())?;
    Ok(())
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

/// Why nothing was done, for the person at the command line.
pub fn refused(refusal: &BackupRefusal) -> String {
    match refusal {
        BackupRefusal::Postgres => "duban backup 只备份 SQLite 数据库。PostgreSQL 请用 pg_dump 备份\
            （例如 pg_dump -U postgres -Fc duban > duban.dump），用 pg_restore 恢复到新建的空数据库；\
            详见 docs/operations.md 的 Backup and restore 一节。"
            .into(),
        BackupRefusal::Exists(path) => format!(
            "备份文件 {} 已存在：请换一个文件名，或先移走它（备份不覆盖已有文件）。",
            path.display()
        ),
        BackupRefusal::NoFolder(folder) => {
            format!("文件夹 {} 不存在：请先创建它。", folder.display())
        }
        BackupRefusal::BadName(path) => format!(
            "文件名 {} 含有无法识别的字符，请换一个文件名。",
            path.display()
        ),
        BackupRefusal::Missing(path) => {
            format!("找不到备份文件 {}，数据库未做任何修改。", path.display())
        }
        BackupRefusal::NotDuban(path) => format!(
            "{} 不是 duban 的备份（不是 SQLite 数据库，或其中没有 duban 的迁移记录），数据库未做任何修改。",
            path.display()
        ),
        BackupRefusal::Damaged { path, problem } => format!(
            "备份文件 {} 已损坏（SQLite 完整性检查：{problem}），不能用来恢复，数据库未做任何修改。",
            path.display()
        ),
        BackupRefusal::Newer { version, known } => format!(
            "这份备份来自更新版本的 duban（数据库版本 {version}，本程序只认识到 {known}）：\
             请用新版本的 duban 恢复，数据库未做任何修改。"
        ),
        BackupRefusal::NotEmpty { table, rows } => format!(
            "目标数据库不是空的（表 {table} 有 {rows} 行）：恢复只写入没有数据的数据库。\
             请让 database_url 指向一个新的数据库（SQLite：一个新的文件；PostgreSQL：用 createdb \
             新建一个），数据库未做任何修改。"
        ),
    }
}
