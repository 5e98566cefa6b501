//! The bulletin as a Word document (`.docx`), laid out like a 督查通报 on A4 (GB/T 9704
//! margins): the title in 方正小标宋简体, headings in 黑体, body in 仿宋_GB2312 (Word falls
//! back to a font it has when these are missing), then six sections: 总体情况, 已完成, 进度滞后
//! (table), 未按时反馈, 量化指标完成情况 (table), 单位排名 (table). An empty section says 无.

use super::sections::{amount, chinese_date, percent};
use crate::bulletin::{Bulletin, FigureStatus, LastReport, TaskStatus};
use crate::progress::Light;
use chrono::NaiveDate;
use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType, Table, TableAlignmentType, TableCell, TableRow, VAlignType, WidthType,
};
use std::io::Cursor;

const TITLE_FONT: &str = "方正小标宋简体";
const HEADING_FONT: &str = "黑体";
const BODY_FONT: &str = "仿宋_GB2312";
const LATIN_FONT: &str = "Times New Roman";

/// Sizes in half-points: 二号 22pt, 三号 16pt, 五号 10.5pt.
const TITLE_SIZE: usize = 44;
const BODY_SIZE: usize = 32;
const TABLE_SIZE: usize = 21;

/// A4 in twips, with the margins of GB/T 9704: 37 mm top, 35 mm bottom, 28 mm left, 26 mm
/// right.
const PAGE: (u32, u32) = (11906, 16838);
const MARGINS: PageMargin = PageMargin {
    top: 2098,
    left: 1587,
    bottom: 1984,
    right: 1474,
    header: 851,
    footer: 992,
    gutter: 0,
};
/// The text width, in twips.
const TEXT_WIDTH: usize = (PAGE.0 as i32 - MARGINS.left - MARGINS.right) as usize;

/// The bulletin as a `.docx` file.
pub fn docx(b: &Bulletin) -> anyhow::Result<Vec<u8>> {
    let mut doc = Docx::new()
        .page_size(PAGE.0, PAGE.1)
        .page_margin(MARGINS)
        .default_fonts(fonts(BODY_FONT))
        .default_size(BODY_SIZE);

    doc = doc
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().after(280))
                .add_run(text(&b.title, TITLE_FONT, TITLE_SIZE)),
        )
        .add_paragraph(centred(&format!("第{}期", b.number), 0))
        .add_paragraph(centred(
            &format!("{}\u{3000}\u{3000}{}", b.issuer, chinese_date(b.date)),
            280,
        ));

    doc = overview(doc, b);
    doc = completed(doc, b);
    doc = lagging(doc, b);
    doc = unreported(doc, b);
    doc = figures(doc, b);
    doc = ranking(doc, b);

    let mut out = Cursor::new(Vec::new());
    doc.pack(&mut out)?;
    Ok(out.into_inner())
}

/// 一、总体情况.
fn overview(doc: Docx, b: &Bulletin) -> Docx {
    let t = &b.totals;
    let mut lights = vec![
        format!("蓝灯{}项", t.blue),
        format!("黄灯{}项", t.yellow),
        format!("红灯{}项", t.red),
        format!("完成{}项", t.done),
    ];
    if t.unlabelled > 0 {
        lights.push(format!("未标注{}项", t.unlabelled));
    }
    let mut text = format!(
        "本期（{}）共督查任务{}项，已反馈{}项，未反馈{}项。已反馈任务中，{}。序时进度{}。",
        period_name(&b.period),
        t.tasks,
        t.reported,
        t.unreported,
        lights.join("、"),
        percent(b.expected_percent),
    );
    let disputed: Vec<u32> = b
        .tasks
        .iter()
        .filter(|t| t.disputed())
        .map(|t| t.number)
        .collect();
    if !disputed.is_empty() {
        text.push_str(&format!(
            "上报灯色与指标研判不一致的任务{}项（{}）。",
            disputed.len(),
            numbers(&disputed)
        ));
    }
    if let Some(changes) = &b.changes {
        let mut said = Vec::new();
        if !changes.completed.is_empty() {
            said.push(format!("新完成{}", numbers(&changes.completed)));
        }
        for (number, before, now) in &changes.worsened {
            said.push(format!(
                "第{number}项由{}灯转为{}灯",
                before.name(),
                now.name()
            ));
        }
        if !said.is_empty() {
            text.push_str(&format!("与上期相比，{}。", said.join("；")));
        }
    }
    doc.add_paragraph(heading("一、总体情况"))
        .add_paragraph(body(&text))
}

/// 二、已完成.
fn completed(doc: Docx, b: &Bulletin) -> Docx {
    let done: Vec<&TaskStatus> = b
        .tasks
        .iter()
        .filter(|t| t.light() == Some(Light::Done))
        .collect();
    let mut doc = doc.add_paragraph(heading("二、已完成"));
    if done.is_empty() {
        return doc.add_paragraph(body("无"));
    }
    for (i, task) in done.iter().enumerate() {
        let mut line = format!(
            "{}. 第{}项：{}主办单位：{}。",
            i + 1,
            task.number,
            with_stop(&task.text),
            task.hosts.join("、")
        );
        if let Some(report) = &task.last_report {
            line.push_str(&format!("{}反馈：{}", report.unit, with_stop(&report.text)));
        }
        doc = doc.add_paragraph(body(&line));
    }
    doc
}

/// 三、进度滞后: the tasks [`TaskStatus::is_lagging`] (by the light reported or the figures).
fn lagging(doc: Docx, b: &Bulletin) -> Docx {
    let doc = doc.add_paragraph(heading("三、进度滞后"));
    let rows: Vec<Vec<String>> = b
        .tasks
        .iter()
        .filter(|t| t.is_lagging())
        .map(|t| {
            let derived = match t.derived {
                Some(d) if t.disputed() => format!("{}（不一致）", d.name()),
                Some(d) => d.name().to_owned(),
                None => "—".to_owned(),
            };
            vec![
                t.number.to_string(),
                t.text.clone(),
                t.hosts.join("、"),
                t.lead_leaders.join("、"),
                t.reported.map_or("—", Light::name).to_owned(),
                derived,
            ]
        })
        .collect();
    let columns = [
        Column("序号", 8, true),
        Column("任务", 36, false),
        Column("主办单位", 18, true),
        Column("牵头领导", 12, true),
        Column("上报", 8, true),
        Column("研判", 18, true),
    ];
    table(doc, &columns, rows)
}

/// 四、未按时反馈: host units without a report, and reports after the due date.
fn unreported(doc: Docx, b: &Bulletin) -> Docx {
    let mut doc = doc.add_paragraph(heading("四、未按时反馈"));
    let silent: Vec<&TaskStatus> = b
        .tasks
        .iter()
        .filter(|t| !t.silent_hosts.is_empty())
        .collect();
    let late: Vec<(&TaskStatus, &LastReport)> = b
        .tasks
        .iter()
        .filter_map(|t| t.last_report.as_ref().filter(|r| r.late).map(|r| (t, r)))
        .collect();
    if silent.is_empty() && late.is_empty() {
        return doc.add_paragraph(body("无"));
    }
    if !silent.is_empty() {
        doc = doc.add_paragraph(body(&format!(
            "（一）截至{}，以下任务未反馈进展：",
            chinese_date(b.date)
        )));
        for (i, task) in silent.iter().enumerate() {
            let mut line = format!(
                "{}. 第{}项：{}未反馈单位：{}",
                i + 1,
                task.number,
                with_stop(&task.text),
                task.silent_hosts.join("、")
            );
            if let Some(report) = &task.last_report {
                line.push_str(&format!("（{}已反馈）", report.unit));
            }
            line.push('。');
            doc = doc.add_paragraph(body(&line));
        }
    }
    if !late.is_empty() {
        let label = if silent.is_empty() {
            "（一）"
        } else {
            "（二）"
        };
        doc = doc.add_paragraph(body(&format!(
            "{label}以下任务在{}反馈截止后才反馈：",
            chinese_date(b.due)
        )));
        for (i, (task, report)) in late.iter().enumerate() {
            doc = doc.add_paragraph(body(&format!(
                "{}. 第{}项：{}{}于{}反馈。",
                i + 1,
                task.number,
                with_stop(&task.text),
                report.unit,
                crate::bot::format_time(report.at)
            )));
        }
    }
    doc
}

/// 五、量化指标完成情况: the latest figure of each target reported on.
fn figures(doc: Docx, b: &Bulletin) -> Docx {
    let doc = doc.add_paragraph(heading("五、量化指标完成情况"));
    let rows: Vec<Vec<String>> = b
        .tasks
        .iter()
        .flat_map(|t| t.figures.iter().map(move |f| (t, f)))
        .map(|(t, f): (&TaskStatus, &FigureStatus)| {
            vec![
                format!("{}. {}", t.number, t.text),
                f.metric.clone(),
                amount(f.value, &f.unit),
                amount(f.target, &f.unit),
                percent(f.percent),
            ]
        })
        .collect();
    let columns = [
        Column("任务", 38, false),
        Column("指标", 22, true),
        Column("完成", 14, true),
        Column("目标", 14, true),
        Column("完成率", 12, true),
    ];
    table(doc, &columns, rows)
}

/// 六、单位排名: by outcomes, as aggregated.
fn ranking(doc: Docx, b: &Bulletin) -> Docx {
    let doc = doc.add_paragraph(heading("六、单位排名"));
    let rows: Vec<Vec<String>> = b
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            vec![
                (i + 1).to_string(),
                u.name.clone(),
                u.hosted.to_string(),
                u.on_time.to_string(),
                u.late.to_string(),
                u.silent.to_string(),
                u.completed.to_string(),
                u.lagging.to_string(),
            ]
        })
        .collect();
    let columns = [
        Column("名次", 8, true),
        Column("单位", 20, true),
        Column("主办任务", 12, true),
        Column("按时反馈", 12, true),
        Column("逾期", 12, true),
        Column("未反馈", 12, true),
        Column("已完成", 12, true),
        Column("滞后", 12, true),
    ];
    table(doc, &columns, rows)
}

/// A table column: its header, its share of the text width in percent, and whether its
/// cells are centred (short values) or run from the left (text).
struct Column(&'static str, usize, bool);

/// A bordered table with a bold centred header row; `无` when there are no rows.
fn table(doc: Docx, columns: &[Column], rows: Vec<Vec<String>>) -> Docx {
    if rows.is_empty() {
        return doc.add_paragraph(body("无"));
    }
    let widths: Vec<usize> = columns.iter().map(|c| TEXT_WIDTH * c.1 / 100).collect();
    let cell = |text: &str, width: usize, centre: bool, bold: bool| {
        // The document default fonts apply; a font per cell would only grow the XML.
        let mut run = Run::new().add_text(text).size(TABLE_SIZE);
        if bold {
            run = run.bold();
        }
        let align = if centre {
            AlignmentType::Center
        } else {
            AlignmentType::Left
        };
        TableCell::new()
            .width(width, WidthType::Dxa)
            .vertical_align(VAlignType::Center)
            .add_paragraph(Paragraph::new().align(align).add_run(run))
    };
    let header = TableRow::new(
        columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| cell(c.0, *w, true, true))
            .collect(),
    );
    let body_rows = rows.iter().map(|row| {
        TableRow::new(
            row.iter()
                .zip(columns.iter().zip(&widths))
                .map(|(text, (c, w))| cell(text, *w, c.2, false))
                .collect(),
        )
        .cant_split()
    });
    let all: Vec<TableRow> = std::iter::once(header.cant_split())
        .chain(body_rows)
        .collect();
    doc.add_table(
        Table::new(all)
            .set_grid(widths)
            .width(TEXT_WIDTH, WidthType::Dxa)
            .align(TableAlignmentType::Center),
    )
}

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
        .cs(LATIN_FONT)
}

fn text(s: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(s).fonts(fonts(font)).size(size)
}

/// Body lines 28 pt apart, as official documents set them.
fn spaced(lines_after: u32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(560)
        .after(lines_after)
}

fn heading(s: &str) -> Paragraph {
    Paragraph::new()
        .line_spacing(spaced(0))
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .keep_next(true)
        .add_run(text(s, HEADING_FONT, BODY_SIZE))
}

fn body(s: &str) -> Paragraph {
    Paragraph::new()
        .line_spacing(spaced(0))
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .add_run(text(s, BODY_FONT, BODY_SIZE))
}

fn centred(s: &str, after: u32) -> Paragraph {
    Paragraph::new()
        .line_spacing(spaced(after))
        .align(AlignmentType::Center)
        .add_run(text(s, BODY_FONT, BODY_SIZE))
}

/// `2022-03` → 2022年3月; another label as it is.
fn period_name(label: &str) -> String {
    NaiveDate::parse_from_str(&format!("{label}-01"), "%Y-%m-%d")
        .map_or_else(|_| label.to_owned(), |d| d.format("%Y年%-m月").to_string())
}

/// 第1、3项.
fn numbers(ns: &[u32]) -> String {
    let list: Vec<String> = ns.iter().map(u32::to_string).collect();
    format!("第{}项", list.join("、"))
}

/// The text ending in a full stop, so another sentence can follow.
fn with_stop(s: &str) -> String {
    let s = s.trim_end();
    if s.ends_with(['。', '！', '？', '；', '.']) {
        s.to_owned()
    } else {
        format!("{s}。")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_in_chinese() {
        assert_eq!(period_name("2022-03"), "2022年3月");
        assert_eq!(period_name("第一季度"), "第一季度");
        assert_eq!(
            chinese_date(NaiveDate::from_ymd_opt(2022, 3, 31).unwrap()),
            "2022年3月31日"
        );
        assert_eq!(numbers(&[1, 3]), "第1、3项");
        assert_eq!(with_stop("推进城乡公交一体化"), "推进城乡公交一体化。");
        assert_eq!(with_stop("新增30家。"), "新增30家。");
    }
}
