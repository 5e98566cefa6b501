//! `duban import FILE`: parse a notice and store its matrix in one transaction.

use super::{load_configured_directory, load_directory, open_store, read_notice};
use crate::config::Settings;
use crate::matrix::Matrix;
use crate::store::ImportOutcome;
use crate::{out, outln};
use anyhow::Result;
use std::collections::BTreeSet;
use std::path::Path;

pub async fn run(
    settings: &Settings,
    file: &Path,
    directory: Option<&Path>,
    dry_run: bool,
) -> Result<()> {
    let (dir, missing) = match directory {
        Some(path) => (load_directory(path)?, None),
        None => load_configured_directory(settings)?,
    };
    let matrix = read_notice(file, &dir)?;
    if let Some(path) = missing {
        outln!(
            "提示：没有找到单位名录 {}，“各镇街”等分组作为待补充成员的分组导入；可用 --directory 指定名录。",
            path.display()
        )?;
    }
    if dry_run {
        // The whole matrix as a table, to review what was read before anything is stored.
        let tasks: Vec<&crate::matrix::Task> = matrix.tasks.iter().collect();
        out!("{}", super::matrix::render_table(&matrix, &tasks))?;
        out!("{}", summary(&matrix))?;
        let unassigned: Vec<u32> = matrix
            .tasks
            .iter()
            .filter(|t| t.is_unassigned())
            .map(|t| t.number)
            .collect();
        out!("{}", unassigned_text(&unassigned))?;
        outln!("（试运行：未写入数据库）")?;
        return Ok(());
    }
    // Stored before anything is printed, so that a reader who stops reading early
    // (`duban import FILE | head -3`) does not stop the import.
    let store = open_store(&settings.database_url).await?;
    let outcome = store.import_matrix(&matrix).await;
    // As stored: a task an admin assigned and the notice left unchanged is no longer listed.
    let unassigned = match &outcome {
        Ok(o) => store.unassigned_tasks(o.notice_id).await,
        Err(_) => Ok(Vec::new()),
    };
    store.close().await;
    out!("{}", summary(&matrix))?;
    out!("{}", outcome_text(&outcome?))?;
    out!("{}", unassigned_text(&unassigned?))?;
    Ok(())
}

/// The tasks no unit is reminded of, for the admin to assign; empty when there are none.
pub fn unassigned_text(numbers: &[u32]) -> String {
    if numbers.is_empty() {
        return String::new();
    }
    let list: Vec<String> = numbers.iter().map(|n| format!("第{n}项")).collect();
    format!(
        "{}（{}项，明确前不发提醒）：{}\n  用 duban assign 任务编号 --host 单位 [--co 单位] 指定。\n",
        crate::matrix::UNASSIGNED,
        numbers.len(),
        list.join("、")
    )
}

/// What the notice holds, as the importer reads it.
pub fn summary(m: &Matrix) -> String {
    let leaders: BTreeSet<&str> = m
        .tasks
        .iter()
        .flat_map(|t| &t.leaders)
        .map(|l| l.name.as_str())
        .collect();
    let units: BTreeSet<&str> = m
        .tasks
        .iter()
        .flat_map(|t| &t.units)
        .map(|u| u.name.as_str())
        .collect();
    let targets: usize = m.tasks.iter().map(|t| t.targets.len()).sum();
    let n = &m.notice;
    let mut out = format!("《{}》", n.title);
    if let Some(doc) = &n.doc_number {
        out.push_str(&format!("（{doc}）"));
    }
    if let Some(issuer) = &n.issuer {
        out.push_str(&format!(" {issuer}"));
    }
    if let Some(date) = n.date {
        out.push_str(&format!(" {}", date.format("%Y年%-m月%-d日")));
    }
    out.push('\n');
    out.push_str(&format!(
        "  {}个部分，{}项任务，{}位领导，{}个承办单位，{}个任务指标，{}个全局指标\n",
        m.sections.len(),
        m.tasks.len(),
        leaders.len(),
        units.len(),
        targets,
        m.notice_targets.len()
    ));
    let unresolved: Vec<String> = m
        .groups
        .iter()
        .filter(|g| g.members.is_empty())
        .filter_map(|g| {
            let count = m
                .tasks
                .iter()
                .filter(|t| t.groups.iter().any(|r| r.name == g.name))
                .count();
            (count > 0).then(|| format!("{}（{}项任务）", g.name, count))
        })
        .collect();
    if !unresolved.is_empty() {
        out.push_str(&format!("  待补充成员的分组：{}\n", unresolved.join("、")));
    }
    for warning in &m.warnings {
        out.push_str(&format!("  提示：{warning}\n"));
    }
    out
}

pub fn outcome_text(o: &ImportOutcome) -> String {
    let list = |numbers: &[u32]| {
        numbers
            .iter()
            .map(|n| format!("第{n}项"))
            .collect::<Vec<_>>()
            .join("、")
    };
    if o.created {
        return format!("已导入数据库（通知编号 {}）。\n", o.notice_id);
    }
    if o.added.is_empty() && o.changed.is_empty() && o.removed.is_empty() {
        return "与已导入的版本相同，数据库未做任何修改。\n".to_string();
    }
    let mut out = format!(
        "已更新已导入的通知（通知编号 {}），已收集的进展全部保留：\n",
        o.notice_id
    );
    for (what, numbers) in [
        ("新增", &o.added),
        ("修改", &o.changed),
        ("移除", &o.removed),
    ] {
        if !numbers.is_empty() {
            out.push_str(&format!("  {what}{}项：{}\n", numbers.len(), list(numbers)));
        }
    }
    out.push_str(&format!("  未变{}项\n", o.unchanged));
    out
}
