//! The bulletin as a Word document (`.docx`), laid out like a 督查通报 on A4 (GB/T 9704
//! margins): the title in 方正小标宋简体, headings in 黑体, body in 仿宋_GB2312 (Word falls
//! back to a font it has when these are missing), tables in 五号.
//!
//! The wording is that of the text renderers ([`sections`]): the lines under the title, then
//! each section — as its table (and the notes after it) where it is a list of like rows, as
//! paragraphs otherwise; an empty section says 无. The lights are written as words only
//! (蓝, not 🔵蓝): offices print these files.
//!
//! A table lists at most [`WORD_ROWS`] rows and then says how many there are and that the
//! Excel file has them all: a bulletin is read by leaders, and a Word table of thousands of
//! rows is neither read nor quick to write (docx-rs takes several microseconds a cell).
//!
//! Formatting lives in named paragraph styles, not on each paragraph and run: the tables are
//! most of the file, and docx-rs writes every property of every cell.

use super::sections::{Section, Table as Rows, sections, subtitle};
use crate::bulletin::Bulletin;
use crate::progress::Light;
use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType, Style, StyleType, Table, TableAlignmentType, TableCell, TableLayoutType,
    TableRow, WidthType,
};
use std::borrow::Cow;
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

/// The rows a table lists at most; the Excel file has every task and unit.
pub const WORD_ROWS: usize = 1000;

/// The paragraph styles, by id.
const TITLE: &str = "DubanTitle";
const HEADING: &str = "DubanHeading";
const BODY: &str = "DubanBody";
const CENTRED: &str = "DubanCentred";
const CELL: &str = "DubanCell";
const CELL_CENTRED: &str = "DubanCellCentred";
const CELL_HEADER: &str = "DubanCellHeader";

/// The bulletin as a `.docx` file.
pub fn docx(b: &Bulletin) -> anyhow::Result<Vec<u8>> {
    let mut doc = styles(
        Docx::new()
            .page_size(PAGE.0, PAGE.1)
            .page_margin(MARGINS)
            .default_fonts(fonts(BODY_FONT))
            .default_size(BODY_SIZE),
    );
    doc = doc.add_paragraph(paragraph(&b.title, TITLE));
    for line in subtitle(b) {
        doc = doc.add_paragraph(paragraph(&line, CENTRED));
    }
    for section in sections(b) {
        doc = add_section(doc, &section);
    }
    let mut out = Cursor::new(Vec::new());
    doc.pack(&mut out)?;
    Ok(out.into_inner())
}

/// The styles the paragraphs name: body lines 28 pt apart as official documents set them,
/// indented two characters; headings in 黑体; table cells in 五号, left or centred; the header
/// row bold.
fn styles(doc: Docx) -> Docx {
    let spaced = |after: u32| {
        LineSpacing::new()
            .line_rule(LineSpacingType::Exact)
            .line(560)
            .after(after)
    };
    let indented =
        |style: Style| style.indent(None, Some(SpecialIndentType::FirstLine(640)), None, None);
    let paragraph_style = |id: &str, name: &str| Style::new(id, StyleType::Paragraph).name(name);
    doc.add_style(
        paragraph_style(TITLE, "通报标题")
            .fonts(fonts(TITLE_FONT))
            .size(TITLE_SIZE)
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().after(280)),
    )
    .add_style(
        paragraph_style(CENTRED, "通报居中")
            .align(AlignmentType::Center)
            .line_spacing(spaced(0)),
    )
    .add_style(indented(
        paragraph_style(HEADING, "通报标题一级")
            .fonts(fonts(HEADING_FONT))
            .line_spacing(spaced(0)),
    ))
    .add_style(indented(
        paragraph_style(BODY, "通报正文")
            .align(AlignmentType::Both)
            .line_spacing(spaced(0)),
    ))
    .add_style(paragraph_style(CELL, "通报表格").size(TABLE_SIZE))
    .add_style(
        paragraph_style(CELL_CENTRED, "通报表格居中")
            .size(TABLE_SIZE)
            .align(AlignmentType::Center),
    )
    .add_style(
        paragraph_style(CELL_HEADER, "通报表头")
            .size(TABLE_SIZE)
            .bold()
            .align(AlignmentType::Center),
    )
}

/// A section: its heading, then its table and notes, or its lines.
fn add_section(doc: Docx, section: &Section) -> Docx {
    let mut doc = doc.add_paragraph(paragraph(&section.title, HEADING).keep_next(true));
    let lines = match &section.table {
        Some(rows) => {
            doc = doc.add_table(table(rows));
            if rows.rows.len() > WORD_ROWS {
                doc = doc.add_paragraph(paragraph(
                    &format!(
                        "本表共{}行，限于篇幅仅列出前{WORD_ROWS}行，完整情况见同期 Excel 表格。",
                        rows.rows.len()
                    ),
                    BODY,
                ));
            }
            &section.notes
        }
        None => &section.lines,
    };
    for line in lines {
        doc = doc.add_paragraph(paragraph(line, BODY));
    }
    doc
}

/// A column's share of the text width (in parts of the row's total) and whether its cells
/// are centred: prose runs from the left, short values are centred.
fn column(header: &str) -> (usize, bool) {
    match header {
        "任务" => (36, false),
        "单位" | "主办单位" => (20, false),
        "指标" => (22, false),
        "情况" => (20, true),
        "牵头领导" | "上报" | "研判" | "完成" | "目标" | "完成率" | "完成时限" => {
            (12, true)
        }
        _ => (9, true),
    }
}

/// A bordered table of fixed column widths with a bold header row and the first
/// [`WORD_ROWS`] rows; rows are not split across pages.
fn table(rows: &Rows) -> Table {
    let columns: Vec<(usize, bool)> = rows.header.iter().map(|h| column(h)).collect();
    let parts: usize = columns.iter().map(|c| c.0).sum();
    let widths: Vec<usize> = columns.iter().map(|c| TEXT_WIDTH * c.0 / parts).collect();
    let cell = |text: &str, style: &str| TableCell::new().add_paragraph(paragraph(text, style));
    let header = TableRow::new(rows.header.iter().map(|h| cell(h, CELL_HEADER)).collect());
    let body = rows.rows.iter().take(WORD_ROWS).map(|row| {
        TableRow::new(
            row.iter()
                .zip(&columns)
                .map(|(text, (_, centred))| cell(text, if *centred { CELL_CENTRED } else { CELL }))
                .collect(),
        )
        .cant_split()
    });
    let all: Vec<TableRow> = std::iter::once(header.cant_split()).chain(body).collect();
    Table::new(all)
        .set_grid(widths)
        .layout(TableLayoutType::Fixed)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .align(TableAlignmentType::Center)
}

/// A paragraph of `style` holding `text` (without the lights' emoji).
fn paragraph(text: &str, style: &str) -> Paragraph {
    Paragraph::new()
        .style(style)
        .add_run(Run::new().add_text(plain(text)))
}

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
        .cs(LATIN_FONT)
}

/// The text without the lights' emoji: 🔵蓝 → 蓝.
fn plain(text: &str) -> Cow<'_, str> {
    let emoji = Light::ALL.map(Light::emoji);
    if !emoji.iter().any(|e| text.contains(e)) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for e in emoji {
        out = out.replace(e, "");
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lights_are_written_as_words() {
        assert_eq!(plain("🔵蓝2项，✅完成1项"), "蓝2项，完成1项");
        assert!(matches!(plain("区科技局"), Cow::Borrowed(_)));
    }
}
