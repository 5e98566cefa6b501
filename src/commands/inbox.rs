//! `duban inbox`: how many updates are pending, done and failed; `--failed` lists the failed
//! ones with their error, for an admin to look into.

use super::open_store;
use crate::config::Settings;
use crate::text::table;
use crate::wording::format_time;
use crate::{out, outln};
use anyhow::Result;

pub async fn run(settings: &Settings, failed: bool) -> Result<()> {
    let store = open_store(&settings.database_url).await?;
    if failed {
        let items = store.inbox_failed().await?;
        store.close().await;
        if items.is_empty() {
            outln!("没有处理失败的消息。")?;
            return Ok(());
        }
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|i| {
                vec![
                    i.update_id.to_string(),
                    format_time(i.received_at),
                    i.chat_id.map(|c| c.to_string()).unwrap_or_default(),
                    i.attempts.to_string(),
                    crate::wording::texts::short(i.last_error.as_deref().unwrap_or(""), 60),
                    summary(&i.payload),
                ]
            })
            .collect();
        out!(
            "{}",
            table(&["更新", "收到", "会话", "尝试", "错误", "内容"], &rows)
        )?;
        outln!("共 {} 条处理失败。", items.len())?;
        return Ok(());
    }
    let counts = store.inbox_counts().await?;
    store.close().await;
    if counts.is_empty() {
        outln!("收件箱为空：还没有收到任何更新。")?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(state, n)| vec![state_name(state).to_owned(), n.to_string()])
        .collect();
    out!("{}", table(&["状态", "条数"], &rows))?;
    Ok(())
}

fn state_name(state: &str) -> &str {
    match state {
        "pending" => "待处理",
        "done" => "已处理",
        "failed" => "失败",
        other => other,
    }
}

/// The text or button data of a stored update, shortened.
fn summary(payload: &str) -> String {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(payload) else {
        return String::new();
    };
    let text = ["message", "edited_message"]
        .iter()
        .find_map(|k| value[k]["text"].as_str())
        .or_else(|| value["callback_query"]["data"].as_str())
        .unwrap_or("");
    crate::wording::texts::short(text, 40)
}
