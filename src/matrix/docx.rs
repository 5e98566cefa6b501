//! Word (.docx) notices. The paragraphs of `word/document.xml` in document order (a table's
//! cells one paragraph each, as the flattened-table reader expects), runs joined — Word splits
//! text into runs anywhere, even inside a name — and headers and footers left out (they are
//! other parts of the package). The one thing the text loses is how a host unit is marked: in
//! 黑体 (the official layout's bold face, as the seed says: 黑体为主办单位) or in bold. A marked
//! run inside a responsibility field is written `**…**`, which the parser already reads as a
//! host; marks elsewhere (headings are 黑体 too, GB/T 9704) are dropped. When the notice says
//! which mark it means (黑体为主办单位, 加粗的为牵头单位), only that one counts.
//!
//! Pure: the file's bytes in, text out.

use super::docx_numbering::Numbering;
use super::fields::label_ends;
use super::notice::NoticeError;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// A zip archive (the start of every .docx and .xlsx).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// What a Word document says, as the notice parser reads text; `None` when `bytes` is a zip
/// archive that is not a Word document.
pub fn docx_text(bytes: &[u8]) -> Result<Option<String>, NoticeError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Err(unreadable());
    };
    let Some(document) = part(&mut archive, "word/document.xml")? else {
        return Ok(None);
    };
    let styles = match part(&mut archive, "word/styles.xml")? {
        Some(xml) => Styles::read(&xml).map_err(|_| unreadable())?,
        None => Styles::default(),
    };
    let mut numbering = match part(&mut archive, "word/numbering.xml")? {
        Some(xml) => Numbering::read(&xml).map_err(|_| unreadable())?,
        None => Numbering::default(),
    };
    let paragraphs = paragraphs(&document, &styles).map_err(|_| unreadable())?;
    let plain: String = paragraphs
        .iter()
        .flat_map(|p| p.runs.iter().map(|r| r.text.as_str()))
        .collect();
    let mark = Mark::meant_by(&plain);
    let mut text = String::with_capacity(plain.len() + paragraphs.len());
    for paragraph in &paragraphs {
        // The number Word draws for an automatically numbered paragraph, as if typed.
        if let Some((list, level)) = &paragraph.num
            && let Some(number) = numbering.next(list, *level)
        {
            text.push_str(&number);
        }
        text.push_str(&line(paragraph, mark));
        text.push('\n');
    }
    Ok(Some(text))
}

fn unreadable() -> NoticeError {
    NoticeError::single(
        0,
        "无法读取这个 Word 文件（.docx）：文件已损坏或不完整。请在 Word 或 WPS 中打开后重新保存为 .docx 再导入。",
    )
}

/// The text of one part of the package, if it is there.
fn part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, NoticeError> {
    let Ok(mut file) = archive.by_name(name) else {
        return Ok(None);
    };
    let mut xml = String::new();
    file.read_to_string(&mut xml).map_err(|_| unreadable())?;
    Ok(Some(xml))
}

/// How a run looks: its East Asian font and whether it is bold.
#[derive(Debug, Clone, Default, PartialEq)]
struct Look {
    font: Option<String>,
    bold: Option<bool>,
}

impl Look {
    /// `self`, with what it leaves open taken from `base`.
    fn over(&self, base: &Look) -> Look {
        Look {
            font: self.font.clone().or_else(|| base.font.clone()),
            bold: self.bold.or(base.bold),
        }
    }

    fn is_hei(&self) -> bool {
        self.font.as_deref().is_some_and(is_hei)
    }
}

/// 黑体 by any of its names: 黑体, SimHei, 方正黑体简体, 华文黑体 (STHeiti), Heiti SC …
fn is_hei(font: &str) -> bool {
    let lower = font.to_lowercase();
    font.contains("黑体") || lower.contains("simhei") || lower.contains("heiti")
}

/// The character and paragraph styles of `word/styles.xml` with what they inherit
/// (`w:basedOn`), and the document's defaults.
#[derive(Debug, Default)]
struct Styles {
    defaults: Look,
    styles: HashMap<String, (Look, Option<String>)>,
}

impl Styles {
    fn read(xml: &str) -> Result<Styles, quick_xml::Error> {
        let mut styles = Styles::default();
        let mut reader = Reader::from_str(xml);
        // Inside w:docDefaults, or inside the w:style with this id.
        let mut in_defaults = false;
        let mut current: Option<(String, Look, Option<String>)> = None;
        loop {
            match reader.read_event()? {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    b"docDefaults" => in_defaults = true,
                    b"style" => {
                        current = attr(&e, b"styleId").map(|id| (id, Look::default(), None));
                    }
                    b"basedOn" => {
                        if let Some((_, _, based_on)) = &mut current {
                            *based_on = attr(&e, b"val");
                        }
                    }
                    _ => {
                        let look = match &mut current {
                            Some((_, look, _)) => look,
                            None if in_defaults => &mut styles.defaults,
                            None => continue,
                        };
                        read_look(&e, look);
                    }
                },
                Event::End(e) => match e.local_name().as_ref() {
                    b"docDefaults" => in_defaults = false,
                    b"style" => {
                        if let Some((id, look, based_on)) = current.take() {
                            styles.styles.insert(id, (look, based_on));
                        }
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(styles)
    }

    /// A style's look with everything it inherits, ending in the document's defaults.
    fn look(&self, id: Option<&str>) -> Look {
        let mut look = Look::default();
        let mut next = id.map(str::to_owned);
        // A chain of basedOn is short; the bound guards against a cycle in a broken file.
        for _ in 0..16 {
            let Some(style) = next.take().and_then(|id| self.styles.get(&id)) else {
                break;
            };
            look = look.over(&style.0);
            next = style.1.clone();
        }
        look.over(&self.defaults)
    }
}

/// `w:rFonts` (the East Asian font, else the ASCII one) and `w:b` of a run or style.
fn read_look(e: &BytesStart, look: &mut Look) {
    match e.local_name().as_ref() {
        b"rFonts" => {
            if let Some(font) = attr(e, b"eastAsia").or_else(|| attr(e, b"ascii")) {
                look.font = Some(font);
            }
        }
        b"b" => look.bold = Some(on_off(e)),
        _ => {}
    }
}

/// A `w:val` of an on/off property: absent, `1`, `true` or `on` is on.
fn on_off(e: &BytesStart) -> bool {
    !matches!(attr(e, b"val").as_deref(), Some("0" | "false" | "off"))
}

/// An attribute by its local name (`w:val` → `val`), unescaped.
pub(super) fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| {
            let raw = String::from_utf8_lossy(&a.value);
            quick_xml::escape::unescape(&raw)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| raw.into_owned())
        })
}

/// A run of text and how it looks, its styles resolved.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    text: String,
    look: Look,
}

/// A paragraph: its runs, and whether it is in a table cell.
#[derive(Debug, Clone, PartialEq)]
struct Paragraph {
    runs: Vec<Run>,
    in_cell: bool,
    /// Word's automatic numbering: the list (`w:numId`) and level (`w:ilvl`).
    num: Option<(String, u8)>,
}

/// The document's paragraphs in order, a table's row by row and cell by cell.
fn paragraphs(xml: &str, styles: &Styles) -> Result<Vec<Paragraph>, quick_xml::Error> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(xml);
    let mut runs: Vec<Run> = Vec::new();
    // How deep in table cells (a table may hold a table).
    let mut cells = 0usize;
    // The paragraph's style, the run's own look and style, and whether we are in w:rPr
    // (a run's properties) or w:t (its text).
    let mut paragraph_style: Option<String> = None;
    let mut run_look = Look::default();
    let mut run_style: Option<String> = None;
    let (mut in_run_props, mut in_text, mut in_run) = (false, false, false);
    let mut text = String::new();
    let mut num: (Option<String>, u8) = (None, 0);
    loop {
        match reader.read_event()? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"p" => {
                    runs.clear();
                    paragraph_style = None;
                    num = (None, 0);
                }
                b"tc" => cells += 1,
                b"r" => {
                    in_run = true;
                    run_look = Look::default();
                    run_style = None;
                    text.clear();
                }
                b"rPr" if in_run => in_run_props = true,
                b"t" if in_run => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"pStyle" => paragraph_style = attr(&e, b"val"),
                b"numId" if !in_run => num.0 = attr(&e, b"val"),
                b"ilvl" if !in_run => {
                    num.1 = attr(&e, b"val").and_then(|v| v.parse().ok()).unwrap_or(0)
                }
                b"rStyle" if in_run_props => run_style = attr(&e, b"val"),
                b"tab" if in_run => text.push(' '),
                b"br" | b"cr" if in_run => text.push('\n'),
                _ if in_run_props => read_look(&e, &mut run_look),
                _ => {}
            },
            Event::Text(t) if in_text => text.push_str(&t.decode().unwrap_or_default()),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    text.push_str(match r.decode().unwrap_or_default().as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"rPr" => in_run_props = false,
                b"r" if in_run => {
                    in_run = false;
                    let inherited = styles
                        .look(run_style.as_deref())
                        .over(&styles.look(paragraph_style.as_deref()));
                    runs.push(Run {
                        text: std::mem::take(&mut text),
                        look: run_look.over(&inherited),
                    });
                }
                b"p" => out.push(Paragraph {
                    runs: std::mem::take(&mut runs),
                    in_cell: cells > 0,
                    num: num.0.take().map(|id| (id, num.1)),
                }),
                b"tc" => cells = cells.saturating_sub(1),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Which mark says "host": what the notice's own note names, else either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Hei,
    Bold,
    Either,
}

impl Mark {
    /// 黑体为主办单位, 以黑体标注的为牵头单位 → 黑体; 加粗的为牵头单位, 粗体为主办单位 → bold.
    fn meant_by(text: &str) -> Mark {
        let names = |words: &[&str]| {
            words.iter().any(|word| {
                text.match_indices(word).any(|(i, _)| {
                    let after: String = text[i + word.len()..].chars().take(8).collect();
                    after.contains("主办") || after.contains("牵头")
                })
            })
        };
        if names(&["黑体"]) {
            Mark::Hei
        } else if names(&["加粗", "粗体"]) {
            Mark::Bold
        } else {
            Mark::Either
        }
    }

    fn marks(self, look: &Look) -> bool {
        let bold = look.bold == Some(true);
        match self {
            Mark::Hei => look.is_hei(),
            Mark::Bold => bold,
            Mark::Either => look.is_hei() || bold,
        }
    }
}

/// A paragraph as a line: its runs joined, the marked names after a field label (牵头单位：…)
/// wrapped in `**`, each on its own (`**甲**、**乙**`). A table cell has no label (its column
/// has): there a mark counts where it sets some names of the cell apart from the others, not
/// where it covers the whole cell (a header row in 黑体).
fn line(paragraph: &Paragraph, mark: Mark) -> String {
    let runs = &paragraph.runs;
    let plain: String = runs.iter().map(|r| r.text.as_str()).collect();
    let first_label = label_ends(&plain).next();
    let from = match first_label {
        Some(end) => end,
        None if paragraph.in_cell => {
            let named = runs.iter().filter(|r| r.text.chars().any(is_name));
            let (marked, unmarked): (Vec<&Run>, Vec<&Run>) =
                named.partition(|r| mark.marks(&r.look));
            if marked.is_empty() || unmarked.is_empty() {
                return plain;
            }
            0
        }
        None => return plain,
    };
    let mut out = String::with_capacity(plain.len() + 8);
    let mut at = 0;
    let mut open = false;
    for run in runs {
        let marked = mark.marks(&run.look);
        for c in run.text.chars() {
            // A mark covers names, not the punctuation and spaces between them.
            let wanted = marked && is_name(c) && at >= from;
            if wanted != open {
                out.push_str("**");
                open = wanted;
            }
            out.push(c);
            at += c.len_utf8();
        }
    }
    if open {
        out.push_str("**");
    }
    out
}

/// A character of a name, not the punctuation or space between names.
fn is_name(c: char) -> bool {
    !(c.is_whitespace() || "、，,；;：:（）()【】[]。".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prose(runs: &[Run]) -> Paragraph {
        Paragraph {
            runs: runs.to_vec(),
            in_cell: false,
            num: None,
        }
    }

    fn run(text: &str, font: &str, bold: bool) -> Run {
        Run {
            text: text.into(),
            look: Look {
                font: Some(font.into()),
                bold: Some(bold),
            },
        }
    }

    #[test]
    fn a_host_in_heiti_is_marked_only_inside_a_field() {
        let runs = [
            run("二、聚力制造强区建设", "黑体", false),
            run("（牵头领导：张三；承办单位：", "仿宋_GB2312", false),
            run("区科", "黑体", false),
            run("技局", "SimHei", false),
            run("、区发改局）", "仿宋_GB2312", false),
        ];

        assert_eq!(
            line(&prose(&runs), Mark::Either),
            "二、聚力制造强区建设（牵头领导：张三；承办单位：**区科技局**、区发改局）"
        );
        assert_eq!(
            line(&prose(&runs[..1]), Mark::Either),
            "二、聚力制造强区建设"
        );
    }

    #[test]
    fn two_marked_hosts_in_a_row_are_marked_each() {
        let runs = [
            run("承办单位：", "仿宋_GB2312", false),
            run("区科技局、区财政局", "黑体", false),
            run("，区发改局", "仿宋_GB2312", false),
        ];

        assert_eq!(
            line(&prose(&runs), Mark::Either),
            "承办单位：**区科技局**、**区财政局**，区发改局"
        );
    }

    #[test]
    fn in_a_table_cell_a_mark_counts_where_it_sets_names_apart() {
        let cell = |runs: &[Run]| Paragraph {
            runs: runs.to_vec(),
            in_cell: true,
            num: None,
        };
        let units = [
            run("县发展和改革局、", "仿宋_GB2312", false),
            run("县行政审批服务局", "黑体", false),
        ];
        let header = [run("责任单位", "黑体", true)];

        assert_eq!(
            line(&cell(&units), Mark::Either),
            "县发展和改革局、**县行政审批服务局**"
        );
        assert_eq!(line(&cell(&header), Mark::Either), "责任单位");
    }

    #[test]
    fn the_notice_says_which_mark_is_meant() {
        assert_eq!(Mark::meant_by("（黑体为主办单位）"), Mark::Hei);
        assert_eq!(Mark::meant_by("加粗的为牵头单位"), Mark::Bold);
        assert_eq!(Mark::meant_by("一、总体要求"), Mark::Either);
        let bold_only = [
            run("承办单位：", "仿宋_GB2312", false),
            run("区科技局", "仿宋_GB2312", true),
            run("、区财政局", "黑体", false),
        ];
        assert_eq!(
            line(&prose(&bold_only), Mark::Bold),
            "承办单位：**区科技局**、区财政局"
        );
        assert_eq!(
            line(&prose(&bold_only), Mark::Hei),
            "承办单位：区科技局、**区财政局**"
        );
    }

    #[test]
    fn styles_are_inherited_and_runs_override_them() {
        let styles = Styles::read(
            r#"<w:styles xmlns:w="w"><w:docDefaults><w:rPrDefault><w:rPr>
            <w:rFonts w:eastAsia="仿宋_GB2312"/></w:rPr></w:rPrDefault></w:docDefaults>
            <w:style w:styleId="Host"><w:basedOn w:val="Strong"/></w:style>
            <w:style w:styleId="Strong"><w:rPr><w:rFonts w:eastAsia="黑体"/><w:b/></w:rPr></w:style>
            </w:styles>"#,
        )
        .unwrap();

        assert!(styles.look(Some("Host")).is_hei());
        assert_eq!(styles.look(Some("Host")).bold, Some(true));
        assert!(!styles.look(None).is_hei());
        assert_eq!(styles.look(None).font.as_deref(), Some("仿宋_GB2312"));
    }
}
