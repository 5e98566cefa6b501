//! Excel 分解表 (.xlsx, and the older .xls): a title, a header row found by its words (序号,
//! 工作任务, 牵头领导, 主办单位, 协办单位 …), then a row per task; a row whose only filled cell is
//! the first (a row merged across the columns) is a section heading. Each row becomes one line,
//! a task row the line a notice in prose would have — `N、task（label：value；…）` with the
//! filled field columns — so the parser reads a sheet like any other notice, and a message's
//! line number is the sheet's row number. Read with calamine.
//!
//! Pure: the file's bytes in, text out.

use super::notice::NoticeError;
use super::table::{header_columns, joined, row_line};
use calamine::{Data, Reader};
use std::io::Cursor;

/// The first sheet of a workbook that has a header row, as notice text; `None` when `bytes`
/// is no workbook.
///
/// calamine can panic on a damaged file (an arithmetic overflow on a corrupt cell reference,
/// found by the property tests): a file an office sends is untrusted input, so a panic inside
/// the reader is caught and answered as a broken file.
pub fn sheet_text(bytes: &[u8]) -> Result<Option<String>, NoticeError> {
    std::panic::catch_unwind(|| read_sheet(bytes)).unwrap_or_else(|_| {
        Err(NoticeError::single(
            0,
            "无法读取这个 Excel 文件：文件已损坏或不完整。请在 Excel 或 WPS 中打开后重新保存为 .xlsx 再导入。",
        ))
    })
}

fn read_sheet(bytes: &[u8]) -> Result<Option<String>, NoticeError> {
    let Ok(mut workbook) = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) else {
        return Ok(None);
    };
    let mut first = None;
    for range in workbook.worksheets().into_iter().map(|(_, range)| range) {
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|row| row.iter().map(cell).collect())
            .collect();
        if let Some(text) = table_text(&rows) {
            return Ok(Some(text));
        }
        first.get_or_insert(rows);
    }
    // No header row anywhere: the first sheet's rows as lines, for the parser to judge.
    Ok(Some(
        first
            .unwrap_or_default()
            .iter()
            .map(|row| joined(row))
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
    ))
}

/// A cell as text: numbers as written (序号 1, not 1.0), a date cell (a 完成时限 column) as
/// 2022年6月30日 rather than the day number Excel stores.
fn cell(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(text) => text.trim().to_owned(),
        Data::DateTime(date) if date.is_datetime() => {
            let (year, month, day, ..) = date.to_ymd_hms_milli();
            format!("{year}年{month}月{day}日")
        }
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string().trim().to_owned(),
    }
}

/// The rows as notice text, when a header row is among them.
fn table_text(rows: &[Vec<String>]) -> Option<String> {
    let (header, columns) = rows
        .iter()
        .enumerate()
        .find_map(|(i, row)| header_columns(row).map(|columns| (i, columns)))?;
    // One line per row, the header's too, so that line numbers are row numbers.
    let mut out: Vec<String> = rows[..=header].iter().map(|row| joined(row)).collect();
    out.extend(rows[header + 1..].iter().map(|row| row_line(&columns, row)));
    Some(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn a_sheet_becomes_the_lines_of_a_notice() {
        let sheet = rows(&[
            &["某某县2023年重点工作任务分解表", "", "", ""],
            &["序号", "工作任务", "牵头领导", "主办单位", "协办单位"],
            &["一、优化营商环境", "", "", "", ""],
            &["1", "推进政务服务标准化。", "李明", "县行政审批服务局", ""],
            &[
                "2",
                "优化审批流程。",
                "",
                "县发展和改革局",
                "县民政局、各镇街",
            ],
            &["", "", "", "", ""],
        ]);

        assert_eq!(
            table_text(&sheet).unwrap(),
            "某某县2023年重点工作任务分解表\n序号 工作任务 牵头领导 主办单位 协办单位\n一、优化营商环境\n\
             1、推进政务服务标准化。（牵头领导：李明；牵头单位：县行政审批服务局）\n\
             2、优化审批流程。（牵头单位：县发展和改革局；配合单位：县民政局、各镇街）\n\n"
        );
    }

    #[test]
    fn without_a_header_row_it_is_no_table() {
        assert_eq!(table_text(&rows(&[&["序号", "名称"], &["1", "甲"]])), None);
    }
}
