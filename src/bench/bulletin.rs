//! The bulletin at scale: 10,000 tasks hosted by 500 units, with a report of every host for
//! each of 12 monthly periods; aggregating one period (against the one before) and rendering it
//! as Telegram text, Markdown, Word, Excel and the chart.

use crate::bulletin::render::{docx, files, markdown, png, text, xlsx};
use crate::bulletin::{Heading, PeriodData, Thresholds, aggregate};
use crate::matrix::{LeaderRef, LeaderRole, Target, TargetKind, UnitRole};
use crate::progress::Light;
use crate::store::{Report, ReportFigure, ReportState, TaskUnit, TaskView};
use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use std::time::{Duration, Instant};

pub struct Scale {
    pub tasks: usize,
    pub units: usize,
    pub periods: usize,
}

pub const FULL: Scale = Scale {
    tasks: 10_000,
    units: 500,
    periods: 12,
};

/// Times for one period's bulletin: aggregation, and aggregation plus every renderer.
pub struct Timing {
    pub reports: usize,
    pub aggregate: Duration,
    /// Aggregation, the Telegram text and Markdown, then the three files as the bot and the
    /// scheduler render them ([`files`]: the Word file on a thread of its own).
    pub total: Duration,
    /// Each renderer alone, timed again after the total: Telegram text and Markdown, Word,
    /// Excel, the chart.
    pub text: Duration,
    pub docx: Duration,
    pub xlsx: Duration,
    pub png: Duration,
}

impl std::fmt::Display for Timing {
    /// The bench's line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| format!("{:>8.2} ms", d.as_secs_f64() * 1e3);
        write!(
            f,
            "通报：10,000项任务×500个单位×12期（{}条报告）汇总 {}，汇总+渲染（文字、Markdown、Word、Excel、图表） {}   目标 < 1 s\n    \
             单独渲染：文字和 Markdown {}，Word {}，Excel {}，图表 {}",
            self.reports,
            ms(self.aggregate),
            ms(self.total),
            ms(self.text),
            ms(self.docx),
            ms(self.xlsx),
            ms(self.png),
        )
    }
}

/// The tasks fall into ten sections of the notice, in order.
const SECTION_NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn tasks(scale: &Scale) -> Vec<TaskView> {
    (0..scale.tasks)
        .map(|i| TaskView {
            id: i as i64 + 1,
            number: i as u32 + 1,
            text: format!(
                "第{}项重点任务：推进重点项目建设，完成年度投资目标。",
                i + 1
            ),
            section: Some(format!(
                "{}、聚力推进第{}批重点任务，在高质量发展上求突破",
                SECTION_NUMERALS[i * SECTION_NUMERALS.len() / scale.tasks],
                i * SECTION_NUMERALS.len() / scale.tasks + 1
            )),
            leaders: vec![LeaderRef {
                name: format!("领导{}", i % 40),
                role: LeaderRole::Lead,
                title: None,
            }],
            units: vec![
                TaskUnit {
                    unit_id: (i % scale.units) as i64 + 1,
                    name: format!("单位{}", i % scale.units),
                    role: UnitRole::Host,
                },
                TaskUnit {
                    unit_id: ((i + 1) % scale.units) as i64 + 1,
                    name: format!("单位{}", (i + 1) % scale.units),
                    role: UnitRole::Co,
                },
            ],
            targets: vec![Target {
                metric: "投资".into(),
                value_text: "10亿元".into(),
                value: 10.0,
                unit: "亿元".into(),
                normalized_value: 1e9,
                normalized_unit: "元".into(),
                kind: TargetKind::AtLeast,
                deadline: NaiveDate::from_ymd_opt(2022, 12, 31),
                source: "完成投资10亿元".into(),
            }],
            deadline: None,
            item: None,
        })
        .collect()
}

fn reports(tasks: &[TaskView], periods: usize) -> Vec<Vec<Report>> {
    let lights = [Light::Blue, Light::Yellow, Light::Red, Light::Done];
    (0..periods)
        .map(|p| {
            tasks
                .iter()
                .enumerate()
                .map(|(i, task)| {
                    let id = (p * tasks.len() + i) as i64 + 1;
                    let value = (p as f64 + 1.0) * 0.8;
                    Report {
                        id,
                        task_id: task.id,
                        task_number: task.number,
                        item: false,
                        unit_id: task.units[0].unit_id,
                        unit: task.units[0].name.clone(),
                        period: format!("2022-{:02}", p + 1),
                        user_id: 1,
                        user_name: None,
                        light: Some(lights[(i + p) % 4]),
                        text: format!("已完成投资{value:.1}亿元"),
                        inbox_seq: id,
                        corrects: None,
                        state: ReportState::Active,
                        created_at: 1_640_966_400 + (p as i64 * 30 + 20) * 86_400,
                        changed_at: None,
                        reviewed_by: None,
                        reviewed_at: None,
                        review_note: None,
                        figures: vec![ReportFigure {
                            target_position: 0,
                            metric: "投资".into(),
                            text: format!("{value:.1}亿元"),
                            value,
                            target_value: 10.0,
                            unit: "亿元".into(),
                        }],
                    }
                })
                .collect()
        })
        .collect()
}

/// Builds the data (not timed), then times the December bulletin.
pub fn bulletin(scale: &Scale) -> Result<Timing> {
    let tasks = tasks(scale);
    let all = reports(&tasks, scale.periods);
    let last = scale.periods - 1;
    let month = |p: usize| NaiveDate::from_ymd_opt(2022, p as u32 + 1, 1).expect("a month");
    let label = |p: usize| format!("2022-{:02}", p + 1);
    let (now_label, before_label) = (label(last), label(last.saturating_sub(1)));
    let end = |p: usize| {
        month(p)
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .expect("a month end")
    };
    let due = |p: usize| month(p).with_day0(24).expect("the 25th");
    let start = Instant::now();
    let now = PeriodData {
        label: &now_label,
        end: end(last),
        due: due(last),
        tasks: &tasks,
        reports: &all[last],
    };
    let before = PeriodData {
        label: &before_label,
        end: end(last.saturating_sub(1)),
        due: due(last.saturating_sub(1)),
        tasks: &tasks,
        reports: &all[last.saturating_sub(1)],
    };
    let heading = Heading {
        number: 12,
        title: "政府工作报告重点任务落实情况督查通报".into(),
        issuer: "区政府督查室".into(),
        date: end(last),
    };
    let b = aggregate(heading, &now, Some(&before), Thresholds::default());
    let aggregated = start.elapsed();
    let messages = text::telegram(&b);
    let md = markdown::markdown(&b);
    let rendered = files(&b)?;
    let total = start.elapsed();
    anyhow::ensure!(
        !messages.is_empty() && !md.is_empty() && rendered.iter().all(|f| !f.bytes.is_empty()),
        "a renderer gave nothing"
    );

    let text_time = timed(|| {
        text::telegram(&b);
        markdown::markdown(&b);
        Ok(())
    })?;
    Ok(Timing {
        reports: all.iter().map(Vec::len).sum(),
        aggregate: aggregated,
        total,
        text: text_time,
        docx: timed(|| docx::docx(&b).map(drop))?,
        xlsx: timed(|| xlsx::xlsx(&b).map(drop))?,
        png: timed(|| png::png(&b).map(drop))?,
    })
}

fn timed(f: impl FnOnce() -> Result<()>) -> Result<Duration> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}
