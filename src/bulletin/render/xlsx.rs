//! The bulletin as an Excel workbook (`.xlsx`) for offices that sort and filter: sheet 任务
//! with one row per task (lights, latest report, figures, the lowest completion rate as a
//! number, the report's time in Beijing time, the 完成时限 — shaded, with 逾期未完成, for a task
//! past it, and the evidence its units sent this period: how many files, and their names), and
//! sheet 单位排名 with the units' outcomes.
//! Both have a bold frozen header row and an autofilter.

use super::sections::figure_text;
use crate::bulletin::{Bulletin, TaskStatus};
use crate::progress::Light;
use crate::wording::texts;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// The columns of sheet 任务, with their widths (in characters of the default font).
const TASK_COLUMNS: [(&str, f64); 13] = [
    ("编号", 6.0),
    ("任务", 40.0),
    ("牵头领导", 12.0),
    ("主办单位", 18.0),
    ("协办单位", 18.0),
    ("上报灯", 8.0),
    ("研判灯", 8.0),
    ("最近报告", 36.0),
    ("指标完成情况", 36.0),
    ("完成率", 9.0),
    ("报告时间", 17.0),
    ("完成时限", 20.0),
    ("佐证材料", 30.0),
];

const UNIT_COLUMNS: [(&str, f64); 8] = [
    ("名次", 6.0),
    ("单位", 24.0),
    ("主办任务", 10.0),
    ("按时反馈", 10.0),
    ("逾期", 8.0),
    ("未反馈", 8.0),
    ("已完成", 8.0),
    ("滞后", 8.0),
];

/// The bulletin as an `.xlsx` file.
pub fn xlsx(b: &Bulletin) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    tasks_sheet(workbook.add_worksheet(), b)?;
    units_sheet(workbook.add_worksheet(), b)?;
    let c = &b.cycle;
    if !(c.closed.is_empty()
        && c.extended.is_empty()
        && c.returned.is_empty()
        && c.items.is_empty())
    {
        cycle_sheet(workbook.add_worksheet(), b)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// 办结·延期·退回: a row for each task closed, extension approved and report sent back, and
/// each 督办件 with its state.
const CYCLE_COLUMNS: [(&str, f64); 6] = [
    ("类别", 8.0),
    ("编号", 6.0),
    ("任务或报告", 40.0),
    ("单位", 18.0),
    ("日期", 14.0),
    ("说明", 40.0),
];

fn cycle_sheet(sheet: &mut Worksheet, b: &Bulletin) -> Result<(), XlsxError> {
    use super::sections::chinese_date;
    sheet.set_name("办结·延期·退回")?;
    header(sheet, &CYCLE_COLUMNS)?;
    let cell = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let c = &b.cycle;
    let closed = c.closed.iter().map(|t| {
        let row = [
            t.text.clone(),
            t.hosts.join("、"),
            chinese_date(t.on),
            String::new(),
        ];
        ("已办结", t.number, row)
    });
    let extended = c.extended.iter().map(|x| {
        let row = [
            x.text.clone(),
            x.unit.clone(),
            chinese_date(x.until),
            format!("延期至{}：{}", chinese_date(x.until), x.reason),
        ];
        ("延期", x.number, row)
    });
    let returned = c.returned.iter().map(|x| {
        let again = if x.answered {
            "已重新报送"
        } else {
            "未重新报送"
        };
        let row = [
            format!("报告 #{}", x.report_id),
            x.unit.clone(),
            chinese_date(x.on),
            format!("{}（{again}）", x.reason),
        ];
        ("退回", x.number, row)
    });
    let items = c.items.iter().map(|x| {
        let reported = x
            .reported_on
            .map(|on| format!("{}，{}报送", light_name(x.light), chinese_date(on)))
            .unwrap_or_else(|| "本期未报送".to_owned());
        let row = [
            x.text.clone(),
            x.hosts.join("、"),
            chinese_date(x.due),
            format!("{}；{}；{reported}", x.source, x.state),
        ];
        ("督办件", x.label.clone(), row)
    });
    let numbered =
        |(kind, number, row): (&'static str, u32, [String; 4])| (kind, number.to_string(), row);
    let rows: Vec<_> = closed
        .map(numbered)
        .chain(extended.map(numbered))
        .chain(returned.map(numbered))
        .chain(items)
        .collect();
    for (row, (kind, number, cells)) in (1u32..).zip(&rows) {
        sheet.write_string_with_format(row, 0, *kind, &cell)?;
        sheet.write_string_with_format(row, 1, number, &cell)?;
        for (col, value) in (2u16..).zip(cells) {
            sheet.write_string_with_format(row, col, value, &cell)?;
        }
    }
    let last = u32::try_from(rows.len()).unwrap_or(u32::MAX - 1);
    sheet.autofilter(0, 0, last.max(1), (CYCLE_COLUMNS.len() - 1) as u16)?;
    Ok(())
}

fn tasks_sheet(sheet: &mut Worksheet, b: &Bulletin) -> Result<(), XlsxError> {
    sheet.set_name("任务")?;
    header(sheet, &TASK_COLUMNS)?;
    let text = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let centre = Format::new()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    let rate = Format::new()
        .set_num_format("0.0\"%\"")
        .set_border(FormatBorder::Thin);
    for (row, task) in (1u32..).zip(&b.tasks) {
        sheet.write_number_with_format(row, 0, task.number, &centre)?;
        let cells = [
            (1, task.text.clone()),
            (2, task.lead_leaders.join("、")),
            (3, task.hosts_text()),
            (4, task.co_organizers.join("、")),
            (7, latest_report(task)),
            (8, figures_text(task)),
            (12, texts::evidence_cell(&task.evidence)),
        ];
        for (col, value) in &cells {
            sheet.write_string_with_format(row, *col, value, &text)?;
        }
        sheet.write_string_with_format(row, 5, light_name(task.reported), &light(task.reported))?;
        let mut derived = light(task.derived);
        if task.disputed() {
            derived = derived.set_bold();
        }
        sheet.write_string_with_format(row, 6, light_name(task.derived), &derived)?;
        match lowest_percent(task) {
            Some(p) => sheet.write_number_with_format(row, 9, p, &rate)?,
            None => sheet.write_blank(row, 9, &rate)?,
        };
        match &task.last_report {
            Some(r) => sheet.write_string_with_format(
                row,
                10,
                crate::wording::format_time(r.at),
                &centre,
            )?,
            None => sheet.write_blank(row, 10, &centre)?,
        };
        match (&task.deadline, task.overdue) {
            (Some(d), true) => sheet.write_string_with_format(
                row,
                11,
                format!("{d}（逾期未完成）"),
                &centre.clone().set_background_color(Color::RGB(0xF4B0A8)),
            )?,
            (Some(d), false) => sheet.write_string_with_format(row, 11, d, &centre)?,
            (None, _) => sheet.write_blank(row, 11, &centre)?,
        };
    }
    let last = u32::try_from(b.tasks.len()).unwrap_or(u32::MAX - 1);
    sheet.autofilter(0, 0, last.max(1), (TASK_COLUMNS.len() - 1) as u16)?;
    Ok(())
}

fn units_sheet(sheet: &mut Worksheet, b: &Bulletin) -> Result<(), XlsxError> {
    sheet.set_name("单位排名")?;
    header(sheet, &UNIT_COLUMNS)?;
    let cell = Format::new().set_border(FormatBorder::Thin);
    for (row, unit) in (1u32..).zip(&b.units) {
        sheet.write_number_with_format(row, 0, row, &cell)?;
        sheet.write_string_with_format(row, 1, &unit.name, &cell)?;
        let counts = [
            unit.hosted,
            unit.on_time,
            unit.late,
            unit.silent,
            unit.completed,
            unit.lagging,
        ];
        for (col, n) in (2u16..).zip(counts) {
            sheet.write_number_with_format(row, col, n as f64, &cell)?;
        }
    }
    let last = u32::try_from(b.units.len()).unwrap_or(u32::MAX - 1);
    sheet.autofilter(0, 0, last.max(1), (UNIT_COLUMNS.len() - 1) as u16)?;
    Ok(())
}

/// A bold, shaded, frozen header row, the columns' widths, and the page set-up.
fn header(sheet: &mut Worksheet, columns: &[(&str, f64)]) -> Result<(), XlsxError> {
    let bold = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_border(FormatBorder::Thin);
    for (col, (name, width)) in (0u16..).zip(columns) {
        sheet.write_string_with_format(0, col, *name, &bold)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    // Printed: A4 landscape, one page wide, the header on every page.
    sheet
        .set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

fn light_name(light: Option<Light>) -> &'static str {
    light.map_or("", Light::name)
}

/// A light's cell, filled in its colour.
fn light(light: Option<Light>) -> Format {
    let format = Format::new()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin);
    match light {
        Some(Light::Blue) => format.set_background_color(Color::RGB(0xBDD7EE)),
        Some(Light::Yellow) => format.set_background_color(Color::RGB(0xFFE699)),
        Some(Light::Red) => format.set_background_color(Color::RGB(0xF4B0A8)),
        Some(Light::Done) => format.set_background_color(Color::RGB(0xC6EFCE)),
        None => format,
    }
}

/// The latest host report's text, with its unit when the task has several hosts.
fn latest_report(task: &TaskStatus) -> String {
    match &task.last_report {
        Some(r) if task.hosts.len() > 1 => format!("{}：{}", r.unit, r.text),
        Some(r) => r.text.clone(),
        None => String::new(),
    }
}

/// 高标准农田建设 2.1/3.6万亩（58.3%）, several joined by ；.
fn figures_text(task: &TaskStatus) -> String {
    task.figures
        .iter()
        .map(figure_text)
        .collect::<Vec<_>>()
        .join("；")
}

/// The lowest completion rate among the task's figures, in percent.
fn lowest_percent(task: &TaskStatus) -> Option<f64> {
    task.figures.iter().map(|f| f.percent).reduce(f64::min)
}
