//! The bulletin's wording, once, for the text renderers (Telegram, Markdown, HTML): the heading
//! and six sections — 总体情况, 已完成, 进度滞后, 未按时反馈, 量化指标完成情况, 单位排名, and
//! 逾期未完成 after 进度滞后 when the notice gives tasks a 完成时限, and 已办结, 延期 and 退回
//! where the supervision cycle closed tasks, granted more time or sent reports back, and 督办件
//! where the office supervises items beyond the notice — plus the lead leaders' view. Each section has lines (for chat) and, where the content is a list
//! of like rows, a table (for documents).

use crate::bulletin::{Bulletin, FigureStatus, TaskStatus};
use crate::progress::Light;
use crate::wording::format_time;
use chrono::Datelike;

/// Task texts in lists are cut to this many characters.
const SHORT_TASK: usize = 30;

pub struct Section {
    /// Numbered in order (一、总体情况), but for the closing 附.
    pub title: String,
    /// The section as sentences, one per line.
    pub lines: Vec<String>,
    /// The same rows as a table, where the section is one.
    pub table: Option<Table>,
    /// Lines a document shows after the table (the chat lines hold them already).
    pub notes: Vec<String>,
}

pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// `2022年3月31日`.
pub fn chinese_date(date: chrono::NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// `2022-03` → 2022年3月; another label (2022-W09, 2022-Q1) as it is.
pub fn period_name(label: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{label}-01"), "%Y-%m-%d")
        .map_or_else(|_| label.to_owned(), |d| d.format("%Y年%-m月").to_string())
}

/// The lines under the title: number, issuer, date; period, due date and 序时进度.
pub fn subtitle(b: &Bulletin) -> Vec<String> {
    vec![
        format!("第{}期", b.number),
        format!("{}　　{}", b.issuer, chinese_date(b.date)),
        format!(
            "报告期 {}，{}截止；序时进度 {:.1}%",
            b.period,
            chinese_date(b.due),
            b.expected_percent
        ),
    ]
}

pub fn light_text(light: Option<Light>) -> String {
    match light {
        Some(l) => format!("{}{}", l.emoji(), l.name()),
        None => "—".into(),
    }
}

/// 上报 and 研判, both when they disagree.
pub fn lights(task: &TaskStatus) -> String {
    match (task.reported, task.derived) {
        (Some(r), Some(d)) if r != d => {
            format!("上报{}，研判{}", light_text(Some(r)), light_text(Some(d)))
        }
        (Some(r), _) => format!("上报{}", light_text(Some(r))),
        (None, Some(d)) => format!("研判{}", light_text(Some(d))),
        (None, None) => "未反馈".into(),
    }
}

pub fn figure_text(f: &FigureStatus) -> String {
    format!(
        "{} {}/{}（{}）",
        f.metric,
        amount(f.value, ""),
        amount(f.target, &f.unit),
        percent(f.percent)
    )
}

/// 58.3%.
pub fn percent(p: f64) -> String {
    format!("{p:.1}%")
}

/// A figure with its unit: 2.1万亩, 30家 (at most four decimals, no trailing zeros).
pub fn amount(value: f64, unit: &str) -> String {
    let mut s = format!("{value:.4}");
    if s.contains('.') {
        s.truncate(s.trim_end_matches('0').trim_end_matches('.').len());
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    format!("{s}{unit}")
}

fn short(text: &str) -> String {
    crate::wording::texts::short(text, SHORT_TASK)
}

fn none_if_empty(lines: &mut Vec<String>) {
    if lines.is_empty() {
        lines.push("无".into());
    }
}

/// The numerals of the sections, in order.
const NUMERALS: [&str; 12] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
];

pub fn sections(b: &Bulletin) -> Vec<Section> {
    let mut numbered = vec![overview(b), completed(b), lagging(b)];
    // Only a notice that gives its tasks a 完成时限 can have tasks past it.
    if b.tasks.iter().any(|t| t.deadline.is_some()) {
        numbered.push(overdue(b));
    }
    // The supervision cycle's sections, where it did something.
    if !b.cycle.closed.is_empty() {
        numbered.push(closed(b));
    }
    if !b.cycle.extended.is_empty() {
        numbered.push(extended(b));
    }
    if !b.cycle.returned.is_empty() {
        numbered.push(returned(b));
    }
    if !b.cycle.items.is_empty() {
        numbered.push(items(b));
    }
    numbered.extend([silent(b), figures(b), ranking(b)]);
    for (section, numeral) in numbered.iter_mut().zip(NUMERALS) {
        section.title = format!("{numeral}、{}", section.title);
    }
    numbered.push(leaders(b));
    numbered
}

/// `2022年6月底前`, or — for a task without one.
fn deadline_text(task: &TaskStatus) -> String {
    task.deadline.clone().unwrap_or_else(|| "—".into())
}

fn overview(b: &Bulletin) -> Section {
    let t = &b.totals;
    let mut counts = vec![
        format!("🔵蓝{}项", t.blue),
        format!("🟡黄{}项", t.yellow),
        format!("🔴红{}项", t.red),
        format!("✅完成{}项", t.done),
    ];
    if t.unlabelled > 0 {
        counts.push(format!("未标注{}项", t.unlabelled));
    }
    let mut lines = vec![format!(
        "共{}项任务，已反馈{}项，未反馈{}项。已反馈的任务中：{}。",
        t.tasks,
        t.reported,
        t.unreported,
        counts.join("，")
    )];
    if let Some(changes) = &b.changes {
        let mut said = Vec::new();
        if !changes.completed.is_empty() {
            let numbers: Vec<String> = changes
                .completed
                .iter()
                .map(|n| format!("第{n}项"))
                .collect();
            said.push(format!("新完成{}", numbers.join("、")));
        }
        if !changes.worsened.is_empty() {
            let worse: Vec<String> = changes
                .worsened
                .iter()
                .map(|(n, was, is)| format!("第{n}项（{}→{}）", was.name(), is.name()))
                .collect();
            said.push(format!("灯色转差{}", worse.join("、")));
        }
        if !said.is_empty() {
            lines.push(format!("较上期：{}。", said.join("；")));
        }
    }
    Section {
        title: "总体情况".into(),
        lines,
        table: None,
        notes: Vec::new(),
    }
}

fn completed(b: &Bulletin) -> Section {
    let mut lines: Vec<String> = b
        .tasks
        .iter()
        .filter(|t| t.light() == Some(Light::Done))
        .map(|t| format!("第{}项 {}（{}）", t.number, short(&t.text), t.hosts_text()))
        .collect();
    none_if_empty(&mut lines);
    Section {
        title: "已完成".into(),
        lines,
        table: None,
        notes: Vec::new(),
    }
}

fn lagging(b: &Bulletin) -> Section {
    let with_deadlines = b.tasks.iter().any(|t| t.deadline.is_some());
    let tasks: Vec<&TaskStatus> = b.tasks.iter().filter(|t| t.is_lagging()).collect();
    let mut lines: Vec<String> = tasks
        .iter()
        .map(|t| {
            format!(
                "第{}项 {}（主办：{}；牵头领导：{}）{}",
                t.number,
                short(&t.text),
                t.hosts_text(),
                t.lead_leaders.join("、"),
                lights(t)
            )
        })
        .collect();
    let rows = tasks
        .iter()
        .map(|t| {
            let mut row = vec![
                t.number.to_string(),
                short(&t.text),
                t.hosts_text(),
                t.lead_leaders.join("、"),
                light_text(t.reported),
                light_text(t.derived),
            ];
            if with_deadlines {
                row.push(deadline_text(t));
            }
            row
        })
        .collect::<Vec<_>>();
    let mut header = vec!["编号", "任务", "主办单位", "牵头领导", "上报", "研判"];
    if with_deadlines {
        header.push("完成时限");
    }
    let table = (!rows.is_empty()).then_some(Table { header, rows });
    none_if_empty(&mut lines);
    Section {
        title: "进度滞后".into(),
        lines,
        table,
        notes: Vec::new(),
    }
}

/// Tasks past their 完成时限 and not 完成, with the deadline and the light they stand at.
fn overdue(b: &Bulletin) -> Section {
    let tasks: Vec<&TaskStatus> = b.tasks.iter().filter(|t| t.overdue).collect();
    let mut lines: Vec<String> = tasks
        .iter()
        .map(|t| {
            format!(
                "第{}项 {}（主办：{}；完成时限：{}）{}",
                t.number,
                short(&t.text),
                t.hosts.join("、"),
                deadline_text(t),
                lights(t)
            )
        })
        .collect();
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            vec![
                t.number.to_string(),
                short(&t.text),
                t.hosts.join("、"),
                t.lead_leaders.join("、"),
                deadline_text(t),
                lights(t),
            ]
        })
        .collect();
    let table = (!rows.is_empty()).then(|| Table {
        header: vec!["编号", "任务", "主办单位", "牵头领导", "完成时限", "情况"],
        rows,
    });
    none_if_empty(&mut lines);
    Section {
        title: "逾期未完成".into(),
        lines,
        table,
        notes: Vec::new(),
    }
}

/// A section that lists `items`, each as a line (chat) and as a table row (documents).
fn listed<T>(
    title: &str,
    header: Vec<&'static str>,
    items: &[T],
    line: impl Fn(&T) -> String,
    row: impl Fn(&T) -> Vec<String>,
) -> Section {
    Section {
        title: title.into(),
        lines: items.iter().map(line).collect(),
        table: Some(Table {
            header,
            rows: items.iter().map(row).collect(),
        }),
        notes: Vec::new(),
    }
}

/// 已办结: tasks reported done and confirmed, with the day.
fn closed(b: &Bulletin) -> Section {
    listed(
        "已办结",
        vec!["编号", "任务", "主办单位", "办结日期"],
        &b.cycle.closed,
        |t| {
            format!(
                "第{}项 {}（主办：{}）{}办结",
                t.number,
                short(&t.text),
                t.hosts.join("、"),
                chinese_date(t.on)
            )
        },
        |t| {
            vec![
                t.number.to_string(),
                short(&t.text),
                t.hosts.join("、"),
                chinese_date(t.on),
            ]
        },
    )
}

/// 延期: the extensions approved for the period.
fn extended(b: &Bulletin) -> Section {
    listed(
        "延期",
        vec!["编号", "任务", "单位", "延期至", "理由"],
        &b.cycle.extended,
        |x| {
            format!(
                "第{}项 {}（{}）延期至{}：{}",
                x.number,
                short(&x.text),
                x.unit,
                chinese_date(x.until),
                x.reason
            )
        },
        |x| {
            vec![
                x.number.to_string(),
                short(&x.text),
                x.unit.clone(),
                chinese_date(x.until),
                x.reason.clone(),
            ]
        },
    )
}

/// 退回: the reports sent back, why, and whether the unit has reported again.
fn returned(b: &Bulletin) -> Section {
    let again = |answered: bool| {
        if answered {
            "已重新报送"
        } else {
            "未重新报送"
        }
    };
    listed(
        "退回",
        vec!["编号", "单位", "报告", "退回日期", "理由", "重新报送"],
        &b.cycle.returned,
        |x| {
            format!(
                "第{}项 {} 报告 #{}（{}退回：{}）{}",
                x.number,
                x.unit,
                x.report_id,
                chinese_date(x.on),
                x.reason,
                again(x.answered)
            )
        },
        |x| {
            vec![
                x.number.to_string(),
                x.unit.clone(),
                format!("#{}", x.report_id),
                chinese_date(x.on),
                x.reason.clone(),
                again(x.answered).to_owned(),
            ]
        },
    )
}

/// 督办件: the items beyond the notice, each with its state and latest report.
fn items(b: &Bulletin) -> Section {
    let reported = |x: &crate::bulletin::Item| match x.reported_on {
        Some(on) => format!("{}，{}报送", light_text(x.light), chinese_date(on)),
        None => "本期未报送".to_owned(),
    };
    listed(
        "督办件",
        vec![
            "编号",
            "事项",
            "来源",
            "主办单位",
            "办理时限",
            "状态",
            "本期报送",
        ],
        &b.cycle.items,
        |x| {
            format!(
                "{} {}（{}；主办：{}；{}前）{}；{}",
                x.label,
                short(&x.text),
                x.source,
                x.hosts.join("、"),
                chinese_date(x.due),
                x.state,
                reported(x)
            )
        },
        |x| {
            vec![
                x.label.clone(),
                short(&x.text),
                x.source.clone(),
                x.hosts.join("、"),
                chinese_date(x.due),
                x.state.clone(),
                reported(x),
            ]
        },
    )
}

fn silent(b: &Bulletin) -> Section {
    // One task per line: a long list must split between messages, not be cut.
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for t in b.tasks.iter().filter(|t| !t.silent_hosts.is_empty()) {
        let units = t.silent_hosts.join("、");
        lines.push(format!(
            "第{}项 {}：{}未反馈",
            t.number,
            short(&t.text),
            units
        ));
        rows.push(vec![
            t.number.to_string(),
            short(&t.text),
            units,
            "未反馈".into(),
        ]);
    }
    for t in &b.tasks {
        if let Some(r) = t.last_report.as_ref().filter(|r| r.late) {
            let when = format_time(r.at);
            lines.push(format!(
                "第{}项 {}：{}逾期反馈（{when}）",
                t.number,
                short(&t.text),
                r.unit
            ));
            rows.push(vec![
                t.number.to_string(),
                short(&t.text),
                r.unit.clone(),
                format!("逾期（{when}）"),
            ]);
        }
    }
    let units: Vec<String> = b
        .units
        .iter()
        .filter(|u| u.silent > 0)
        .map(|u| format!("{}{}项", u.name, u.silent))
        .collect();
    let notes: Vec<String> = (!units.is_empty())
        .then(|| format!("未反馈单位：{}。", units.join("，")))
        .into_iter()
        .collect();
    lines.extend(notes.iter().cloned());
    let table = (!rows.is_empty()).then(|| Table {
        header: vec!["编号", "任务", "单位", "情况"],
        rows,
    });
    none_if_empty(&mut lines);
    Section {
        title: "未按时反馈".into(),
        lines,
        table,
        notes,
    }
}

fn figures(b: &Bulletin) -> Section {
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for t in &b.tasks {
        for f in &t.figures {
            lines.push(format!("第{}项 {}", t.number, figure_text(f)));
            rows.push(vec![
                t.number.to_string(),
                f.metric.clone(),
                amount(f.value, &f.unit),
                amount(f.target, &f.unit),
                percent(f.percent),
            ]);
        }
    }
    let table = (!rows.is_empty()).then(|| Table {
        header: vec!["编号", "指标", "完成", "目标", "完成率"],
        rows,
    });
    none_if_empty(&mut lines);
    Section {
        title: "量化指标完成情况".into(),
        lines,
        table,
        notes: Vec::new(),
    }
}

fn ranking(b: &Bulletin) -> Section {
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for (i, u) in b.units.iter().enumerate() {
        lines.push(format!(
            "{}. {}：主办{}项，按时反馈{}项，逾期{}项，未反馈{}项，完成{}项，滞后{}项",
            i + 1,
            u.name,
            u.hosted,
            u.on_time,
            u.late,
            u.silent,
            u.completed,
            u.lagging
        ));
        rows.push(vec![
            (i + 1).to_string(),
            u.name.clone(),
            u.hosted.to_string(),
            u.on_time.to_string(),
            u.late.to_string(),
            u.silent.to_string(),
            u.completed.to_string(),
            u.lagging.to_string(),
        ]);
    }
    let table = (!rows.is_empty()).then(|| Table {
        header: vec![
            "名次",
            "单位",
            "主办",
            "按时反馈",
            "逾期",
            "未反馈",
            "完成",
            "滞后",
        ],
        rows,
    });
    none_if_empty(&mut lines);
    Section {
        title: "单位排名".into(),
        lines,
        table,
        notes: Vec::new(),
    }
}

fn leaders(b: &Bulletin) -> Section {
    let list = |numbers: &[u32]| {
        if numbers.is_empty() {
            "无".to_owned()
        } else {
            numbers
                .iter()
                .map(|n| format!("第{n}项"))
                .collect::<Vec<_>>()
                .join("、")
        }
    };
    let mut lines: Vec<String> = b
        .leaders
        .iter()
        .map(|l| {
            format!(
                "{}：牵头{}项；滞后 {}；未反馈 {}；已完成 {}",
                l.name,
                l.tasks.len(),
                list(&l.lagging),
                list(&l.unreported),
                list(&l.completed)
            )
        })
        .collect();
    none_if_empty(&mut lines);
    Section {
        title: "附：牵头领导任务情况".into(),
        lines,
        table: None,
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_drop_trailing_zeros() {
        assert_eq!(amount(2.1, "万亩"), "2.1万亩");
        assert_eq!(amount(30.0, "家"), "30家");
        assert_eq!(amount(0.1 + 0.2, ""), "0.3");
        assert_eq!(amount(1.5e9, "元"), "1500000000元");
        assert_eq!(percent(2.1 / 3.6 * 100.0), "58.3%");
    }
}
