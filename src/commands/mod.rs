//! What each CLI command does. `main.rs` parses the command line and calls one of these; they
//! print for a person (Chinese) and return an error whose message says what to do.

pub mod assign;
pub mod audit;
pub mod backup;
pub mod bulletin;
pub mod calendar;
#[cfg(feature = "devtools")]
pub mod demo;
pub mod evidence;
pub mod import;
pub mod inbox;
pub mod invite;
pub mod item;
pub mod matrix;
pub mod periods;
pub mod prune;
pub mod reports;
pub mod run;
pub mod schedule;
pub mod stdout;
pub mod units;

use crate::matrix::{Matrix, UnitDirectory, decode, parse_notice};
use crate::store::Store;
use anyhow::{Context, Result, bail};
use std::path::Path;

/// A mistake of the person running the command: printed as is, exit code 2, nothing changed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

pub fn user_error(message: impl Into<String>) -> anyhow::Error {
    UserError(message.into()).into()
}

pub async fn open_store(url: &str) -> Result<Store> {
    Store::connect(url)
        .await
        .with_context(|| format!("无法打开数据库 {}", redact(url)))
}

/// The database URL without a password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub fn load_directory(path: &Path) -> Result<UnitDirectory> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        user_error(format!(
            "无法读取单位名录 {}：{}。可用 --directory 指定名录文件。",
            path.display(),
            io_reason(&e)
        ))
    })?;
    UnitDirectory::from_toml(&text)
        .map_err(|e| user_error(format!("{}（文件 {}）", e, path.display())))
}

/// The largest notice duban reads: a notice of 10,000 tasks is about 3 MB of text, so a file
/// beyond this is not a notice (or is `/dev/zero`, or a pipe that never ends).
pub const MAX_NOTICE_BYTES: u64 = 50 * 1024 * 1024;

/// The unit directory of the settings. The directory is optional: when the setting is the
/// default and no file is there (duban run outside the project folder, an office without a
/// directory yet), the result is an empty directory and the path that was not found, for a
/// warning. A directory the settings name and that is missing is an error.
pub fn load_configured_directory(
    settings: &crate::config::Settings,
) -> Result<(UnitDirectory, Option<std::path::PathBuf>)> {
    let path = &settings.directory;
    let default = crate::config::Settings::default().directory;
    if *path == default && !path.exists() {
        return Ok((UnitDirectory::default(), Some(path.clone())));
    }
    Ok((load_directory(path)?, None))
}

/// Reads, decodes and parses a notice file (`-`: standard input). Every problem the file has
/// is a [`UserError`].
pub fn read_notice(path: &Path, dir: &UnitDirectory) -> Result<Matrix> {
    let bytes = read_limited(path).map_err(|e| {
        user_error(format!(
            "无法读取通知文件 {}：{}",
            shown_path(path),
            io_reason(&e)
        ))
    })?;
    if bytes.len() as u64 > MAX_NOTICE_BYTES {
        bail!(UserError(format!(
            "无法导入 {}：文件超过 {} MB，不像是一份通知，数据库未做任何修改。",
            shown_path(path),
            MAX_NOTICE_BYTES / 1024 / 1024
        )));
    }
    let parsed = decode(&bytes).and_then(|text| parse_notice(&text, dir));
    match parsed {
        Ok(matrix) => Ok(matrix),
        Err(err) => {
            let mut message = format!("无法导入 {}，数据库未做任何修改：", shown_path(path));
            for problem in &err.problems {
                message.push_str(&format!("\n  {problem}"));
            }
            bail!(UserError(message))
        }
    }
}

/// At most one byte more than [`MAX_NOTICE_BYTES`] of a file, or of standard input for `-`,
/// so that an endless source is noticed without being read to its end.
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_NOTICE_BYTES + 1)
            .read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?
            .take(MAX_NOTICE_BYTES + 1)
            .read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// A notice's path in messages; `-` is standard input.
fn shown_path(path: &Path) -> String {
    if path == Path::new("-") {
        "标准输入".into()
    } else {
        path.display().to_string()
    }
}

/// The folder `--out` names must exist: say which one when it does not.
pub(crate) fn check_out_folder(path: &Path) -> Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    if folder.is_dir() {
        Ok(())
    } else {
        Err(user_error(format!(
            "文件夹 {} 不存在：请先创建它，或让 --out 指向已有的文件夹。",
            folder.display()
        )))
    }
}

/// An I/O error in words a person reads (Chinese), for the kinds a command meets.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        std::io::ErrorKind::IsADirectory => "这是一个目录，不是文件".into(),
        std::io::ErrorKind::StorageFull => "磁盘已满".into(),
        std::io::ErrorKind::NotADirectory => "路径中有一段不是目录".into(),
        _ => e.to_string(),
    }
}

/// The notice the read commands show: the one imported last.
pub async fn latest_notice(store: &Store) -> Result<i64> {
    store.latest_notice_id().await?.ok_or_else(|| {
        user_error(
            "数据库中还没有任何通知。请先导入：duban import seeds/yanzhou-2022-task-notice.txt",
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden_in_database_urls() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            super::redact("sqlite://data/duban.db"),
            "sqlite://data/duban.db"
        );
    }
}
