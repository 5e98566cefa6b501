//! `duban prune [--dry-run]`: removes the handled updates, sent messages and old message
//! anchors older than `retention_days` that nothing refers to, and the evidence folder's
//! orphan files; prints what went (or, dry, what would go) per table. `duban run` does the same
//! once a day.

use super::open_store;
use crate::clock::Clock;
use crate::config::Settings;
use crate::followup::retention::{Retention, parts, run_once};
use crate::text::table;
use crate::wording::format_time;
use crate::{out, outln};
use anyhow::Result;

pub async fn run(settings: &Settings, dry_run: bool) -> Result<()> {
    let store = open_store(&settings.database_url).await?;
    let retention = Retention::from(settings);
    let now = Clock::system().now();
    let pruned = run_once(&store, &retention, now, dry_run).await;
    store.close().await;
    let pruned = pruned?;
    let cutoff = format_time(retention.cutoff(now).timestamp());
    outln!(
        "保留期 {} 天（配置项 retention_days）：{cutoff} 之前的记录{}。",
        retention.days,
        if dry_run { "（试运行）" } else { "" }
    )?;
    let header = if dry_run { "将删除" } else { "已删除" };
    let rows: Vec<Vec<String>> = parts(&pruned)
        .iter()
        .map(|(part, n)| vec![(*part).to_owned(), n.to_string()])
        .collect();
    out!("{}", table(&["内容", header], &rows))?;
    if pruned.evidence_files > 0 {
        outln!("孤立文件共 {} 字节。", pruned.evidence_bytes)?;
    }
    let total = pruned.total();
    if dry_run {
        outln!("试运行：共将删除 {total} 条，数据库未做任何修改。")?;
    } else if total == 0 {
        outln!("没有需要删除的记录。")?;
    } else {
        outln!("共删除 {total} 条，已记入审计。")?;
    }
    outln!("报告、审计记录、佐证材料、延期申请、督办件和通报不会被删除，失败的更新和消息也保留。")?;
    Ok(())
}
