//! Tables flattened to one cell per paragraph (what copying a Word table into a text file gives):
//! a header row of cells (序号 / 重点任务 / 责任领导 / 牵头单位 …), then each row's cells. Rows
//! are rewritten as a numbered line plus `label：value` lines, so the rest of the parser sees the
//! same shape as a notice written in prose.

use super::fields::column_label;
use super::lines::{Line, clean, numbering};
use super::numerals::arabic_number;
use regex::Regex;
use std::sync::LazyLock;

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

/// Rewrites every table in `lines` — flattened to one cell per line, or a row per line with
/// its cells set apart (`| a | b |`, tabs, runs of spaces) — into the shape of a notice in
/// prose; lines outside tables pass through unchanged.
pub fn unflatten(lines: Vec<Line>) -> Vec<Line> {
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let header = [Split::Cells, Split::Words].into_iter().find_map(|split| {
            let columns = split
                .row(&lines[i].text)
                .and_then(|row| header_columns(&row))?;
            // Split by single spaces, every word of the line must be a header word.
            let whole = split == Split::Cells || columns.iter().all(Option::is_some);
            whole.then_some((split, columns))
        });
        if let Some((split, columns)) = header {
            out.push(lines[i].clone());
            i = row_lines(&lines, i + 1, split, &columns, &mut out);
            continue;
        }
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

/// The cells of a line written as a table row — `| a | b |` (a Markdown table or a copied
/// web table), cells separated by tabs, or by runs of two or more spaces — when it has two
/// or more. A Markdown separator row (`| --- | --- |`) has no cells.
pub(super) fn cells(text: &str) -> Option<Vec<String>> {
    static SPACES: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[ \u{3000}]{2,}").expect("cell separator"));
    let trimmed = text.trim();
    // A cell of `---` or `:--:` marks a Markdown separator row.
    let separator = |cell: &str| !cell.is_empty() && cell.chars().all(|c| "-:： ".contains(c));
    let cells: Vec<String> = if trimmed.starts_with(['|', '｜']) {
        trimmed
            .trim_matches(['|', '｜'])
            .split(['|', '｜'])
            .map(str::trim)
            .filter(|cell| !separator(cell))
            .map(str::to_owned)
            .collect()
    } else if text.contains('\t') {
        text.split('\t').map(|c| c.trim().to_owned()).collect()
    } else if SPACES.is_match(trimmed) {
        SPACES.split(trimmed).map(|c| c.trim().to_owned()).collect()
    } else {
        // Most lines of a notice: prose, no cells.
        return None;
    };
    (cells.len() >= 2).then_some(cells)
}

/// How the cells of a table's rows are set apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Split {
    /// By [`cells`]: `|`, tabs, runs of spaces.
    Cells,
    /// By single spaces (cells run together but for one space, as a web table copied as text
    /// gives them): recognised only when the header row splits into header words this way.
    Words,
}

impl Split {
    fn row(self, text: &str) -> Option<Vec<String>> {
        match self {
            Split::Cells => cells(text),
            Split::Words => {
                let words: Vec<String> = text
                    .split(super::lines::is_space)
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect();
                (words.len() >= 2).then_some(words)
            }
        }
    }
}

/// A row split by single spaces has more cells than columns when its task text holds spaces:
/// the surplus joins the task column.
fn fit(columns: &[Option<Column>], mut row: Vec<String>) -> Vec<String> {
    let task = columns.iter().position(|c| *c == Some(Column::Task));
    if let Some(task) = task.filter(|_| row.len() > columns.len()) {
        let surplus = row.len() - columns.len();
        let text = row
            .drain(task..=task + surplus)
            .collect::<Vec<_>>()
            .join(" ");
        row.insert(task, text);
    }
    row
}

/// The rows after a header row, each rewritten by [`row_line`], until a line that is no row;
/// returns the index of that line.
fn row_lines(
    lines: &[Line],
    mut i: usize,
    split: Split,
    columns: &[Option<Column>],
    out: &mut Vec<Line>,
) -> usize {
    while i < lines.len() {
        let text = &lines[i].text;
        let row = if text.trim().is_empty() {
            Vec::new()
        } else {
            match split.row(text) {
                // A heading alone on its line inside the table.
                Some(row)
                    if split == Split::Words
                        && numbering(clean(text)).is_some()
                        && arabic_number(&row[0]).is_none() =>
                {
                    vec![clean(text).to_owned()]
                }
                Some(row) if split == Split::Words => fit(columns, row),
                Some(row) => row,
                // A Markdown separator row, or a heading alone on its line inside the table.
                None if text.trim().starts_with(['|', '｜']) => Vec::new(),
                None if numbering(clean(text)).is_some() => vec![clean(text).to_owned()],
                None => return i,
            }
        };
        out.push(Line {
            no: lines[i].no,
            text: row_line(columns, &row),
        });
        i += 1;
    }
    i
}

/// The columns of a header row of cells: a 序号 column, a task column and at least one field
/// column, found by their words; `None` for any other row.
pub(super) fn header_columns(row: &[String]) -> Option<Vec<Option<Column>>> {
    let columns: Vec<Option<Column>> = row.iter().map(|c| column(c)).collect();
    let has = |want: fn(&Column) -> bool| columns.iter().flatten().any(want);
    (has(|c| *c == Column::Number)
        && has(|c| *c == Column::Task)
        && has(|c| matches!(c, Column::Field(_))))
    .then_some(columns)
}

/// The filled cells of a row, joined by a space.
pub(super) fn joined(row: &[String]) -> String {
    row.iter()
        .filter(|c| !c.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A row of a table under `columns` as one line of a notice in prose: a task row (a number in
/// the 序号 column) as `N、task（label：value；…）` with its filled field columns; a row whose
/// only filled cell is the first (a section heading merged across the columns) as that cell;
/// an empty row as an empty line; any other row as its cells joined.
pub(super) fn row_line(columns: &[Option<Column>], row: &[String]) -> String {
    let filled: Vec<usize> = (0..row.len()).filter(|&i| !row[i].is_empty()).collect();
    match filled.as_slice() {
        [] => return String::new(),
        [0] => return row[0].clone(),
        _ => {}
    }
    let number = columns
        .iter()
        .position(|c| *c == Some(Column::Number))
        .and_then(|i| row.get(i))
        .filter(|n| arabic_number(n).is_some());
    let Some(number) = number else {
        return joined(row);
    };
    let mut task = String::new();
    let mut fields = Vec::new();
    for (column, value) in columns.iter().zip(row) {
        match column {
            Some(Column::Task) => task.clone_from(value),
            Some(Column::Field(label)) if !value.is_empty() => {
                fields.push(format!("{label}：{value}"))
            }
            _ => {}
        }
    }
    // A numbered row under a header is a task even when its field cells are empty (a unit left
    // to be decided, or a task an office left unassigned in an exported 分解表): an empty unit
    // field keeps it a task, imported as 待明确承办单位.
    if fields.is_empty() {
        fields.push("责任单位：".to_owned());
    }
    format!("{number}、{task}（{}）", fields.join("；"))
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
    fn a_table_whose_cells_are_set_apart_by_single_spaces_is_read_by_column() {
        let input = "序号 重点任务 牵头领导 牵头单位 配合单位\n一、工业\n1 新增企业 30家 张三 县工信局 各镇\n2 建设道路5公里 李四 县交通局 县财政局\n\n抄送：县委";
        let out = unflatten(lines(input));
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "序号 重点任务 牵头领导 牵头单位 配合单位",
                "一、工业",
                "1、新增企业 30家（牵头领导：张三；牵头单位：县工信局；配合单位：各镇）",
                "2、建设道路5公里（牵头领导：李四；牵头单位：县交通局；配合单位：县财政局）",
                "",
                "抄送：县委"
            ]
        );
    }

    #[test]
    fn a_numbered_row_with_empty_field_cells_stays_a_task_without_units() {
        let columns =
            header_columns(&["序号".into(), "重点任务".into(), "牵头单位".into()]).unwrap();
        let row = ["7".to_owned(), "建设道路5公里".to_owned(), String::new()];
        assert_eq!(row_line(&columns, &row), "7、建设道路5公里（责任单位：）");
    }

    #[test]
    fn text_without_a_header_row_passes_through() {
        let input = lines("序号\n说明文字\n1\n2");
        assert_eq!(unflatten(input.clone()), input);
    }
}
