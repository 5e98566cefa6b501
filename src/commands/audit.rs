//! `duban audit`: who did what, when.

use super::{open_store, user_error};
use crate::clock::{Clock, office_offset};
use crate::config::Settings;
use crate::conversation::invites;
use crate::text::table;
use crate::wording::format_time;
use crate::{out, outln};
use anyhow::Result;
use chrono::NaiveDate;

pub async fn run(settings: &Settings, since: Option<&str>) -> Result<()> {
    let since = since.map(parse_since).transpose()?;
    let store = open_store(&settings.database_url).await?;
    let entries = store.audit(since).await?;
    store.close().await;
    if entries.is_empty() {
        outln!("没有审计记录。")?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                format_time(e.at),
                e.actor.clone(),
                e.action.clone(),
                e.subject.clone(),
                crate::wording::texts::short(&e.detail, 40),
            ]
        })
        .collect();
    out!(
        "{}",
        table(&["时间", "操作者", "动作", "对象", "详情"], &rows)
    )?;
    outln!("共 {} 条。", entries.len())?;
    Ok(())
}

/// `2022-03-01` (Beijing time, start of day) or a duration back from now (`7d`, `12h`).
fn parse_since(text: &str) -> Result<i64> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let start = date
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(office_offset()).single())
            .map(|t| t.timestamp());
        if let Some(start) = start {
            return Ok(start);
        }
    }
    if let Some(seconds) = invites::parse_duration(text) {
        return Ok(Clock::system().unix() - seconds);
    }
    Err(user_error(format!(
        "--since “{text}”无效：请写日期（2022-03-01）或时长（7d、12h）"
    )))
}
