//! `duban matrix`: the responsibility matrix as a table, as JSON, or as an Excel 分解表 that an
//! office corrects and imports again.

use super::{check_out_folder, io_reason, latest_notice, open_store, user_error};
use crate::config::Settings;
use crate::matrix::{LeaderRole, Matrix, Target, TargetKind, Task, UnitRole, breakdown_xlsx};
use crate::text::{table, truncate};
use crate::{out, outln};
use anyhow::Result;
use serde_json::{Value, json};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// 表格（终端查看）
    Table,
    /// JSON
    Json,
    /// Excel 分解表：改正后可用 duban import 重新导入
    Xlsx,
}

/// Which tasks to show; every filter given must match.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub task: Option<u32>,
    pub unit: Option<String>,
    pub leader: Option<String>,
}

impl Filter {
    fn is_empty(&self) -> bool {
        self.task.is_none() && self.unit.is_none() && self.leader.is_none()
    }

    fn matches(&self, t: &Task) -> bool {
        self.task.is_none_or(|n| t.number == n)
            && self.unit.as_ref().is_none_or(|u| {
                t.units.iter().any(|x| &x.name == u) || t.groups.iter().any(|g| &g.name == u)
            })
            && self
                .leader
                .as_ref()
                .is_none_or(|l| t.leaders.iter().any(|x| &x.name == l))
    }
}

pub async fn run(
    settings: &Settings,
    format: Format,
    filter: &Filter,
    out: Option<&Path>,
) -> Result<()> {
    check_request(format, filter, out)?;
    let store = open_store(&settings.database_url).await?;
    let notice_id = latest_notice(&store).await?;
    let matrix = store.load_matrix(notice_id).await?;
    store.close().await;
    let tasks: Vec<&Task> = matrix.tasks.iter().filter(|t| filter.matches(t)).collect();
    if tasks.is_empty() {
        return Err(user_error(no_match(filter)));
    }
    let bytes = match format {
        Format::Table => render_table(&matrix, &tasks).into_bytes(),
        Format::Json => {
            (serde_json::to_string_pretty(&to_json(&matrix, &tasks))? + "\n").into_bytes()
        }
        Format::Xlsx => breakdown_xlsx(&matrix)?,
    };
    match out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| {
                user_error(format!("无法写入 {}：{}", path.display(), io_reason(&e)))
            })?;
            outln!("{}", written(format, tasks.len(), path))?;
        }
        None => out!("{}", String::from_utf8_lossy(&bytes))?,
    }
    Ok(())
}

/// What the command line asks for is refused before the database is opened: an Excel file
/// to the terminal, a partial 分解表, a folder that does not exist.
fn check_request(format: Format, filter: &Filter, out: Option<&Path>) -> Result<()> {
    if format == Format::Xlsx {
        if !filter.is_empty() {
            return Err(user_error(
                "分解表导出全部任务，不能与 --task、--unit、--leader 同用：只含部分任务的表再导入时，其余任务会被当作已删除。",
            ));
        }
        if out.is_none() {
            return Err(user_error(
                "xlsx 是二进制文件，请用 --out 文件名 指定写到哪里，例如 duban matrix --format xlsx --out 分解表.xlsx",
            ));
        }
    }
    out.map_or(Ok(()), check_out_folder)
}

/// The line that says where the file went; for the 分解表, how to bring the corrections back.
fn written(format: Format, tasks: usize, path: &Path) -> String {
    let path = path.display();
    match format {
        Format::Xlsx => format!(
            "分解表（{tasks}项任务）已写入 {path}。在 Excel 中改正后，用 duban import {path} 导入改正后的版本。"
        ),
        Format::Table | Format::Json => format!("{tasks}项任务已写入 {path}"),
    }
}

fn no_match(f: &Filter) -> String {
    let mut parts = Vec::new();
    if let Some(n) = f.task {
        parts.push(format!("编号为{n}"));
    }
    if let Some(u) = &f.unit {
        parts.push(format!("单位“{u}”承办"));
    }
    if let Some(l) = &f.leader {
        parts.push(format!("领导“{l}”牵头"));
    }
    format!(
        "没有{}的任务。可用 duban units 查看单位名称，duban matrix 查看全部任务。",
        parts.join("且")
    )
}

/// The matrix as a table; a 完成时限 column when any of `tasks` has one (most notices give
/// none, and an empty column would only take width).
pub fn render_table(m: &Matrix, tasks: &[&Task]) -> String {
    let with_deadlines = tasks.iter().any(|t| t.deadline.is_some());
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            let section = t
                .section
                .and_then(|s| m.sections.get(s as usize - 1))
                .map_or("", |s| &s.label);
            let leaders: Vec<String> = t
                .leaders
                .iter()
                .map(|l| {
                    let name = match &l.title {
                        Some(title) => format!("{}（{title}）", l.name),
                        None => l.name.clone(),
                    };
                    match l.role {
                        LeaderRole::Lead => name,
                        LeaderRole::Responsible => format!("{name}(责任)"),
                    }
                })
                .collect();
            let mut hosts: Vec<&str> = t
                .units
                .iter()
                .filter(|u| u.role == UnitRole::Host)
                .map(|u| u.name.as_str())
                .collect();
            if t.is_unassigned() {
                hosts.push(crate::matrix::UNASSIGNED);
            }
            let mut co: Vec<String> = t
                .units
                .iter()
                .filter(|u| u.role == UnitRole::Co && u.via.is_none())
                .map(|u| u.name.clone())
                .collect();
            co.extend(t.groups.iter().filter(|g| g.role == UnitRole::Co).map(|g| {
                let n = t
                    .units
                    .iter()
                    .filter(|u| u.via.as_deref() == Some(g.name.as_str()))
                    .count();
                if n == 0 {
                    format!("{}(待补充)", g.name)
                } else {
                    format!("{}({n})", g.name)
                }
            }));
            let targets: Vec<String> = t.targets.iter().map(target_short).collect();
            let mut row = vec![
                t.number.to_string(),
                section.to_string(),
                truncate(&t.text, 30),
                truncate(&leaders.join("、"), 20),
                truncate(&hosts.join("、"), 24),
                truncate(&co.join("、"), 36),
                truncate(&targets.join("；"), 30),
            ];
            if with_deadlines {
                row.push(truncate(t.deadline.as_ref().map_or("", |d| &d.text), 16));
            }
            row
        })
        .collect();
    let mut out = format!(
        "《{}》{}\n",
        m.notice.title,
        m.notice.doc_number.as_deref().unwrap_or("")
    );
    let mut header = vec!["编号", "部分", "任务", "领导", "主办", "协办", "指标"];
    if with_deadlines {
        header.push("完成时限");
    }
    out.push_str(&table(&header, &rows));
    out.push_str(&format!("共{}项任务\n", tasks.len()));
    out
}

/// A target as a leader reads it: 高新技术企业 新增30家.
pub fn target_short(t: &Target) -> String {
    let verb = match t.kind {
        TargetKind::AtLeast => "≥",
        TargetKind::AtMost => "≤",
        TargetKind::IncreaseBy => "新增",
        TargetKind::GrowthRate => "增长",
        TargetKind::ReductionRate => "压减",
        TargetKind::Count => "",
    };
    format!("{}{}{}", t.metric, verb, t.value_text)
}

/// The JSON that `--format json` prints (documented in the README).
pub fn to_json(m: &Matrix, tasks: &[&Task]) -> Value {
    let n = &m.notice;
    let section_title = |s: Option<u32>| {
        s.and_then(|s| m.sections.get(s as usize - 1))
            .map(|s| format!("{}、{}", s.label, s.title))
    };
    json!({
        "notice": {
            "title": n.title,
            "issuer": n.issuer,
            "doc_number": n.doc_number,
            "date": n.date,
            "targets": m.notice_targets,
        },
        "tasks": tasks.iter().map(|t| json!({
            "number": t.number,
            "section": section_title(t.section),
            "text": t.text,
            "leaders": t.leaders,
            "units": t.units,
            "groups": t.groups.iter().map(|g| json!({
                "name": g.name,
                "role": g.role,
                "resolved": m.groups.iter().any(|x| x.name == g.name && !x.members.is_empty()),
            })).collect::<Vec<_>>(),
            "targets": t.targets,
            "deadline": t.deadline,
        })).collect::<Vec<_>>(),
    })
}
