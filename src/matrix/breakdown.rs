//! The matrix as an Excel 分解表, for an office to correct what the parser misread and import
//! again: the layout the sheet reader ([`super::sheet`]) reads back into the same matrix.
//!
//! - row 1: the title, merged across the columns; row 2: the document number (the notice's
//!   identity: a changed number imports as another notice); when the notice states targets of
//!   its own (主要预期目标), a row with them;
//! - then the header, frozen — 序号 | 重点任务 | 牵头领导 | 责任领导 | 主办单位 | 协办单位 |
//!   完成时限;
//! - a section heading (一、…) merged across the columns, then a row per task;
//! - after the tasks, as an official document ends, the issuer and the date (落款).
//!
//! A group word (各镇街) is written as the notice wrote it, once, not as its members, so the
//! next import resolves it through the directory as the first did. Names keep their order
//! within a column; a host listed after a co-organizer comes back listed first, which the
//! store's fingerprint does not count as a change.

use super::model::{LeaderRole, Matrix, Task, UnitRole};
use super::targets::extract_targets;
use chrono::Datelike;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// The columns, with their widths in characters of the default font. The header words are
/// ones the sheet reader maps to the same fields.
const COLUMNS: [(&str, f64); 7] = [
    ("序号", 6.0),
    ("重点任务", 60.0),
    ("牵头领导", 12.0),
    ("责任领导", 12.0),
    ("主办单位", 24.0),
    ("协办单位", 36.0),
    ("完成时限", 14.0),
];
const LAST_COLUMN: u16 = COLUMNS.len() as u16 - 1;

/// The current tasks of `m` as an `.xlsx` 分解表.
pub fn breakdown_xlsx(m: &Matrix) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("分解表")?;
    let mut row = head(sheet, m)? + 1;
    let mut section = None;
    for task in &m.tasks {
        if task.section.is_some() && task.section != section {
            section = task.section;
            let heading = task
                .section
                .and_then(|s| m.sections.get(s as usize - 1))
                .map(|s| format!("{}{}", numbered(&s.label), s.title));
            if let Some(heading) = heading {
                merged(sheet, row, &heading, &section_format())?;
                row += 1;
            }
        }
        task_row(sheet, row, task)?;
        row += 1;
    }
    signature(sheet, row + 1, m)?;
    workbook.save_to_buffer()
}

/// The title, the document number, the notice's targets and the frozen header row, and the
/// page set-up; returns the header's row.
fn head(sheet: &mut Worksheet, m: &Matrix) -> Result<u32, XlsxError> {
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    merged(sheet, 0, &m.notice.title, &title)?;
    // About 50 characters of 16 points to a line of the merged row.
    let title_lines = m.notice.title.chars().count().div_ceil(50).max(1);
    sheet.set_row_height(0, 24.0 * title_lines as f64)?;
    let centre = Format::new().set_align(FormatAlign::Center);
    merged(
        sheet,
        1,
        m.notice.doc_number.as_deref().unwrap_or(""),
        &centre,
    )?;
    let mut header_row = 2;
    if let Some(line) = notice_targets_line(m) {
        merged(sheet, header_row, &line, &Format::new().set_text_wrap())?;
        sheet.set_row_height(header_row, merged_height(&line))?;
        header_row += 1;
    }
    let bold = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_border(FormatBorder::Thin);
    for (col, (name, width)) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(header_row, col, name, &bold)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(header_row + 1, 0)?;
    // Printed: A4 landscape, one page wide, the header on every page.
    sheet
        .set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_row, header_row)?;
    Ok(header_row)
}

/// The notice's own targets as the sentence the parser reads them from again: each clause a
/// target was read from, as its own sentence, with its deadline written before it when the
/// clause alone would not give it; `None` when the notice states none.
fn notice_targets_line(m: &Matrix) -> Option<String> {
    let year = m.notice.year;
    let mut sentences: Vec<String> = Vec::new();
    for same_clause in m.notice_targets.chunk_by(|a, b| a.source == b.source) {
        let clause = &same_clause[0].source;
        let dated = same_clause[0]
            .deadline
            .map(|d| format!("到{}年{}月，{clause}", d.year(), d.month()));
        let sentence = match dated {
            Some(dated)
                if extract_targets(clause, year) != same_clause
                    && extract_targets(&dated, year) == same_clause =>
            {
                dated
            }
            _ => clause.clone(),
        };
        sentences.push(sentence);
    }
    if sentences.is_empty() {
        return None;
    }
    let line = sentences.join("。") + "。";
    // The parser takes a notice's targets from the lines that speak of its 目标.
    Some(if line.contains("目标") {
        line
    } else {
        format!("主要预期目标。{line}")
    })
}

/// One row across all the columns: the title, a section heading, the signature.
fn merged(sheet: &mut Worksheet, row: u32, text: &str, format: &Format) -> Result<(), XlsxError> {
    sheet.merge_range(row, 0, row, LAST_COLUMN, text, format)?;
    Ok(())
}

/// The height of a merged row that shows all of `text`: the row is about 80 Chinese
/// characters wide, a line 15 points high.
fn merged_height(text: &str) -> f64 {
    let lines = text.chars().count().div_ceil(80).max(1);
    15.0 * lines as f64
}

fn section_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xF2F2F2))
        .set_border(FormatBorder::Thin)
}

/// A section's numbering as the reader takes it for a heading, and not for a task (tasks are
/// written `N、`): 二、 for 二, （1） for 1, ③ as it is.
fn numbered(label: &str) -> String {
    if label
        .chars()
        .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    {
        format!("（{label}）")
    } else if label.starts_with(|c: char| ('①'..='⑳').contains(&c)) {
        label.to_owned()
    } else {
        format!("{label}、")
    }
}

fn task_row(sheet: &mut Worksheet, row: u32, task: &Task) -> Result<(), XlsxError> {
    let text = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let centre = Format::new()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    sheet.write_number_with_format(row, 0, task.number, &centre)?;
    let (hosts, co) = unit_columns(task);
    let cells = [
        task.text.clone(),
        leaders(task, LeaderRole::Lead),
        leaders(task, LeaderRole::Responsible),
        hosts.join("、"),
        co.join("、"),
        deadline(task),
    ];
    for (col, value) in (1u16..).zip(&cells) {
        sheet.write_string_with_format(row, col, value, &text)?;
    }
    Ok(())
}

/// The 完成时限 column: the deadline as the notice wrote it, which reads back as the same date.
fn deadline(task: &Task) -> String {
    task.deadline
        .as_ref()
        .map(|d| d.text.clone())
        .unwrap_or_default()
}

fn leaders(task: &Task, role: LeaderRole) -> String {
    task.leaders
        .iter()
        .filter(|l| l.role == role)
        .map(|l| match &l.title {
            // 张三（副区长）: the form the importer reads back as the name and its title.
            Some(title) => format!("{}（{title}）", l.name),
            None => l.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The names of the 主办单位 and 协办单位 columns, in the order the notice listed them: units
/// named directly, and each group word once in place of the units it stands for (a group
/// without members where it stands among the task's groups).
fn unit_columns(task: &Task) -> (Vec<&str>, Vec<&str>) {
    let mut names: Vec<(&str, UnitRole)> = Vec::new();
    // How many of the task's groups are written so far.
    let mut written = 0;
    for unit in &task.units {
        match &unit.via {
            None => names.push((&unit.name, unit.role)),
            Some(via) => match task.groups.iter().position(|g| g.name == *via) {
                Some(at) if at >= written => {
                    names.extend(
                        task.groups[written..=at]
                            .iter()
                            .map(|g| (g.name.as_str(), g.role)),
                    );
                    written = at + 1;
                }
                Some(_) => {}
                // A unit whose group the task does not list: named, so that it is not lost.
                None => names.push((&unit.name, unit.role)),
            },
        }
    }
    names.extend(
        task.groups[written..]
            .iter()
            .map(|g| (g.name.as_str(), g.role)),
    );
    let of = |role| {
        names
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(n, _)| *n)
            .collect()
    };
    (of(UnitRole::Host), of(UnitRole::Co))
}

/// The issuer and the date below the tasks, right-aligned, as a document is signed.
fn signature(sheet: &mut Worksheet, row: u32, m: &Matrix) -> Result<(), XlsxError> {
    let right = Format::new().set_align(FormatAlign::Right);
    let date = m
        .notice
        .date
        .map(|d| d.format("%Y年%-m月%-d日").to_string());
    for (row, line) in (row..).zip([m.notice.issuer.clone(), date].into_iter().flatten()) {
        merged(sheet, row, &line, &right)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{UnitDirectory, decode, parse_notice};

    const SEED: &str = include_str!("../../seeds/yanzhou-2022-task-notice.txt");
    const SEED_UNITS: &str = include_str!("../../seeds/yanzhou-units.toml");

    /// The matrix without line numbers (rows of the sheet, lines of the text) and warnings.
    fn without_lines(mut m: Matrix) -> Matrix {
        m.tasks.iter_mut().for_each(|t| t.line = 0);
        m.sections.iter_mut().for_each(|s| s.line = 0);
        m.warnings.clear();
        m
    }

    fn round_trip(m: &Matrix, dir: &UnitDirectory) -> Matrix {
        let bytes = breakdown_xlsx(m).unwrap();
        let text = decode(&bytes).unwrap();
        parse_notice(&text, dir).unwrap()
    }

    #[test]
    fn the_seed_reads_back_from_its_breakdown_sheet_as_it_was() {
        let dir = UnitDirectory::from_toml(SEED_UNITS).unwrap();
        let seed = parse_notice(SEED, &dir).unwrap();

        let again = round_trip(&seed, &dir);

        assert_eq!(again.notice, seed.notice);
        assert_eq!(without_lines(again), without_lines(seed));
    }

    #[test]
    fn group_words_are_written_once_where_the_notice_listed_them() {
        let dir = UnitDirectory::from_toml(SEED_UNITS).unwrap();
        let seed = parse_notice(SEED, &dir).unwrap();
        let task7 = seed.tasks.iter().find(|t| t.number == 7).unwrap();

        let (hosts, co) = unit_columns(task7);

        assert_eq!(hosts, ["区发展改革局"]);
        assert_eq!(co, ["区财政局", "区直各部门", "工业园区", "各镇街"]);
    }

    #[test]
    fn a_notice_without_number_issuer_or_date_reads_back_without_them() {
        let text = "某某县2023年重点工作任务分解表\n一、营商环境\n1.推进政务服务标准化。（牵头领导：李明；主办单位：县行政审批服务局；协办单位：县民政局、各镇街）\n";
        let m = parse_notice(text, &UnitDirectory::default()).unwrap();
        assert_eq!(m.notice.doc_number, None);
        assert_eq!(m.notice.issuer, None);

        let again = round_trip(&m, &UnitDirectory::default());

        assert_eq!(without_lines(again), without_lines(m));
    }

    #[test]
    fn a_task_written_over_several_lines_reads_back_whole() {
        let text = "关于印发重点工作任务的通知\n（一）项目建设\n1.推进项目建设，\n年内完成投资10亿元。（牵头领导：张三。承办单位：区商务局、区财政局）\n2.优化营商环境。（承办单位：区行政审批服务局）\n（二）营商环境\n3.推进政务服务标准化。（责任领导：李四；主办单位：区行政审批服务局）\n";
        let m = parse_notice(text, &UnitDirectory::default()).unwrap();
        assert!(m.tasks[0].text.contains('\n'), "{:?}", m.tasks[0].text);

        let again = round_trip(&m, &UnitDirectory::default());

        assert_eq!(without_lines(again), without_lines(m));
    }

    #[test]
    fn the_notices_own_targets_read_back_with_their_deadlines() {
        let text = "某某县人民政府关于印发2023年重点工作任务的通知\n主要目标：到2025年，全县地区生产总值达到500亿元，年内新增市场主体2000户。\n1.推进项目建设。（牵头领导：张三。承办单位：县商务局）\n";
        let m = parse_notice(text, &UnitDirectory::default()).unwrap();
        let deadlines: Vec<_> = m.notice_targets.iter().map(|t| t.deadline).collect();
        assert_eq!(
            deadlines,
            [
                chrono::NaiveDate::from_ymd_opt(2025, 12, 31),
                chrono::NaiveDate::from_ymd_opt(2023, 12, 31)
            ]
        );

        let again = round_trip(&m, &UnitDirectory::default());

        assert_eq!(again.notice_targets, m.notice_targets);
        assert_eq!(again.notice, m.notice);
    }

    #[test]
    fn section_numbering_stays_apart_from_the_tasks() {
        assert_eq!(numbered("二"), "二、");
        assert_eq!(numbered("3"), "（3）");
        assert_eq!(numbered("③"), "③");
    }
}
