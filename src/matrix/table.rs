//! Tables flattened to one cell per paragraph (what copying a Word table into a text file gives):
//! a header row of cells (序号 / 重点任务 / 责任领导 / 牵头单位 …), then each row's cells. Rows
//! are rewritten as a numbered line plus `label：value` lines, so the rest of the parser sees the
//! same shape as a notice written in prose.

use super::fields::column_label;
use super::lines::{Line, clean, numbering};
use super::numerals::arabic_number;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Column {
    Number,
    Task,
    Field(&'static str),
    Ignored,
}

pub(super) fn column(cell: &str) -> Option<Column> {
    match cell {
        "序号" | "编号" => Some(Column::Number),
        "工作任务" | "重点任务" | "任务内容" | "目标任务" | "具体任务" | "工作内容"
        | "主要任务" | "任务" | "工作事项" | "任务目标" => Some(Column::Task),
        "进度安排" | "工作措施" => Some(Column::Ignored),
        _ => column_label(cell).map(Column::Field),
    }
}

/// Rewrites every flattened table in `lines`; lines outside tables pass through unchanged.
pub fn unflatten(lines: Vec<Line>) -> Vec<Line> {
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        match header_at(&lines, i) {
            Some((columns, next)) => i = rows(&lines, next, &columns, &mut out),
            None => {
                out.push(lines[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// The columns of a header row starting at `start` (blank lines between cells allowed), and the
/// index after it. A header needs a 序号 column, a task column and at least one field column.
fn header_at(lines: &[Line], start: usize) -> Option<(Vec<Column>, usize)> {
    let mut columns = Vec::new();
    let mut i = start;
    while i < lines.len() {
        let cell = clean(&lines[i].text);
        if !cell.is_empty() {
            match column(cell) {
                Some(c) => columns.push(c),
                None => break,
            }
        } else if columns.is_empty() {
            return None;
        }
        i += 1;
    }
    let has = |want: fn(&Column) -> bool| columns.iter().any(want);
    (columns.first() == Some(&Column::Number)
        && has(|c| *c == Column::Task)
        && has(|c| matches!(c, Column::Field(_))))
    .then_some((columns, i))
}

/// Reads rows until the table ends; returns the index of the first line after it.
fn rows(lines: &[Line], mut i: usize, columns: &[Column], out: &mut Vec<Line>) -> usize {
    let cells_per_row = columns.len() - 1;
    while i < lines.len() {
        let cell = clean(&lines[i].text);
        if cell.is_empty() {
            i += 1;
            continue;
        }
        let Some(number) = arabic_number(cell) else {
            // A section heading spanning the table (二、…) or the end of the table.
            if numbering(cell).is_some() && cell.chars().count() <= 60 {
                out.push(lines[i].clone());
                i += 1;
                continue;
            }
            return i;
        };
        let row_line = lines[i].no;
        i += 1;
        let mut cells = Vec::new();
        while cells.len() < cells_per_row && i < lines.len() {
            let cell = clean(&lines[i].text);
            if cell.is_empty() {
                i += 1;
                continue;
            }
            if arabic_number(cell).is_some() {
                break;
            }
            cells.push(&lines[i]);
            i += 1;
        }
        for (column, cell) in columns[1..].iter().zip(cells) {
            let text = clean(&cell.text);
            let text = match column {
                Column::Task => format!("{number}、{text}"),
                Column::Field(label) => format!("{label}：{text}"),
                Column::Number | Column::Ignored => continue,
            };
            out.push(Line {
                no: if matches!(column, Column::Task) {
                    row_line
                } else {
                    cell.no
                },
                text,
            });
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines()
            .enumerate()
            .map(|(i, t)| Line {
                no: i + 1,
                text: t.to_string(),
            })
            .collect()
    }

    #[test]
    fn a_flattened_table_becomes_numbered_tasks_with_field_lines() {
        let input = "序号\n重点任务\n责任领导\n牵头单位\n配合单位\n一、工业\n1\n新增企业30家\n张三\n县工信局\n各镇\n2\n建设道路5公里\n李四\n县交通局\n县财政局\n抄送：县委";
        let out = unflatten(lines(input));
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "一、工业",
                "1、新增企业30家",
                "责任领导：张三",
                "牵头单位：县工信局",
                "配合单位：各镇",
                "2、建设道路5公里",
                "责任领导：李四",
                "牵头单位：县交通局",
                "配合单位：县财政局",
                "抄送：县委"
            ]
        );
        assert_eq!(out[1].no, 7);
        assert_eq!(out[2].no, 9);
    }

    #[test]
    fn text_without_a_header_row_passes_through() {
        let input = lines("序号\n说明文字\n1\n2");
        assert_eq!(unflatten(input.clone()), input);
    }
}
