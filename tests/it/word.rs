//! Notices as Word files (.docx): the seed as the office holds it (hosts in 黑体, runs split at
//! random places), and Word files made here whose hosts are marked by font or by weight.

use crate::support::matrix::{SEED, assert_units, co, host, qinghe_dir, seed_dir, task};
use duban::matrix::{Matrix, UnitRole, decode, parse_notice};
use std::io::{Cursor, Write};

const SEED_DOCX: &[u8] = include_bytes!("../../seeds/yanzhou-2022-task-notice.docx");

fn parse_docx(bytes: &[u8]) -> Matrix {
    let text = decode(bytes).expect("a Word file is read");
    parse_notice(&text, &seed_dir()).expect("the notice parses")
}

/// The matrix without the line numbers, which count paragraphs in a Word file.
fn without_lines(mut m: Matrix) -> Matrix {
    for task in &mut m.tasks {
        task.line = 0;
    }
    for section in &mut m.sections {
        section.line = 0;
    }
    m.warnings.iter_mut().for_each(|w| w.line = 0);
    m
}

#[test]
fn the_seed_as_a_word_file_imports_into_the_same_matrix_as_the_text() {
    let from_text = without_lines(parse_notice(SEED, &seed_dir()).unwrap());

    let from_word = without_lines(parse_docx(SEED_DOCX));

    assert_eq!(from_word.notice, from_text.notice);
    assert_eq!(from_word.sections, from_text.sections);
    assert_eq!(from_word.units, from_text.units);
    assert_eq!(from_word.groups, from_text.groups);
    assert_eq!(from_word.notice_targets, from_text.notice_targets);
    assert_eq!(from_word.tasks.len(), 71);
    for (word, text) in from_word.tasks.iter().zip(&from_text.tasks) {
        assert_eq!(word, text, "task {}", text.number);
    }
}

// ------------------------------------------------------------------ Word files made here

/// A run: its text, its East Asian font, whether it is bold.
type R<'a> = (&'a str, &'a str, bool);

const SONG: &str = "仿宋_GB2312";
const HEI: &str = "黑体";

/// A block of the document: a paragraph of runs, or a table of rows of cells of runs.
enum Block<'a> {
    P(Vec<R<'a>>),
    Table(Vec<Vec<Vec<R<'a>>>>),
}

fn p<'a>(runs: &[R<'a>]) -> Block<'a> {
    Block::P(runs.to_vec())
}

fn plain(text: &str) -> Block<'_> {
    Block::P(vec![(text, SONG, false)])
}

fn runs_xml(runs: &[R]) -> String {
    let mut xml = String::from("<w:p>");
    for (text, font, bold) in runs {
        let b = if *bold { "<w:b/>" } else { "" };
        xml.push_str(&format!(
            r#"<w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>{b}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>"#
        ));
    }
    xml.push_str("</w:p>");
    xml
}

/// A .docx holding `blocks` (only `word/document.xml`: all duban reads besides the styles).
fn docx(blocks: &[Block]) -> Vec<u8> {
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::P(runs) => body.push_str(&runs_xml(runs)),
            Block::Table(rows) => {
                body.push_str("<w:tbl>");
                for row in rows {
                    body.push_str("<w:tr>");
                    for cell in row {
                        body.push_str(&format!("<w:tc>{}</w:tc>", runs_xml(cell)));
                    }
                    body.push_str("</w:tr>");
                }
                body.push_str("</w:tbl>");
            }
        }
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(document.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn head<'a>() -> Vec<Block<'a>> {
    vec![
        plain("青禾县人民政府"),
        plain("关于分解落实2023年重点工作任务的通知"),
        p(&[("一、优化营商环境", HEI, false)]),
    ]
}

fn parse_qinghe(blocks: Vec<Block>) -> Matrix {
    let text = decode(&docx(&blocks)).expect("a Word file is read");
    parse_notice(&text, &qinghe_dir()).expect("the notice parses")
}

#[test]
fn a_host_in_heiti_is_the_host_wherever_it_is_listed() {
    let mut blocks = head();
    blocks.push(p(&[
        (
            "1.推进政务服务标准化。（牵头领导：李明；承办单位：县发展和改革局、",
            SONG,
            false,
        ),
        ("县行政", HEI, false),
        ("审批服务局", HEI, false),
        ("）", SONG, false),
    ]));

    let m = parse_qinghe(blocks);

    assert_units(
        task(&m, 1),
        &[host("县行政审批服务局"), co("县发展和改革局")],
    );
    assert_eq!(
        m.sections[0].title, "优化营商环境",
        "the 黑体 heading is a heading"
    );
}

#[test]
fn a_bold_host_counts_where_the_notice_says_bold_marks_hosts() {
    // The note names bold; the 黑体 unit is not a host here, the bold one is.
    let mut blocks = head();
    blocks.insert(2, plain("（加粗的为牵头单位）"));
    blocks.push(p(&[
        ("1.推进政务服务标准化。（承办单位：", SONG, false),
        ("县财政局", HEI, false),
        ("、", SONG, false),
        ("县民政局", SONG, true),
        ("）", SONG, false),
    ]));

    let m = parse_qinghe(blocks);

    assert_units(task(&m, 1), &[host("县民政局"), co("县财政局")]);
}

#[test]
fn a_word_table_is_read_by_its_columns_with_its_hosts_marked() {
    let cell = |text| vec![(text, SONG, false)];
    let header = |text| vec![(text, HEI, true)];
    let mut blocks = head();
    blocks.push(Block::Table(vec![
        vec![
            header("序号"),
            header("工作任务"),
            header("责任领导"),
            header("责任单位"),
        ],
        vec![
            cell("1"),
            cell("推进政务服务标准化。"),
            cell("李明"),
            vec![
                ("县发展和改革局、", SONG, false),
                ("县行政审批服务局", HEI, false),
            ],
        ],
        vec![
            cell("2"),
            cell("优化审批流程。"),
            cell("张华"),
            cell("县民政局、县财政局"),
        ],
    ]));

    let m = parse_qinghe(blocks);

    assert_eq!(m.tasks.len(), 2);
    assert_eq!(task(&m, 1).text, "推进政务服务标准化。");
    assert_units(
        task(&m, 1),
        &[host("县行政审批服务局"), co("县发展和改革局")],
    );
    assert_units(task(&m, 2), &[host("县民政局"), co("县财政局")]);
    assert_eq!(
        task(&m, 2)
            .units
            .iter()
            .filter(|u| u.role == UnitRole::Host)
            .count(),
        1
    );
}

#[test]
fn a_broken_word_file_is_refused_in_chinese() {
    let mut bytes = SEED_DOCX.to_vec();
    bytes.truncate(bytes.len() / 2);

    let err = decode(&bytes).unwrap_err();

    assert!(err.to_string().contains("无法读取这个 Word 文件"), "{err}");
}

#[test]
fn a_word_file_cut_off_anywhere_or_with_bytes_changed_never_panics() {
    for end in (0..SEED_DOCX.len()).step_by(491) {
        let _ = decode(&SEED_DOCX[..end]);
    }
    for at in (8..SEED_DOCX.len()).step_by(977) {
        let mut bytes = SEED_DOCX.to_vec();
        bytes[at] ^= 0x5A;
        let _ = decode(&bytes);
    }
}

/// A paragraph numbered by Word: list `num`, level `ilvl`, plain text.
fn numbered(num: u32, ilvl: u32, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num}"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#
    )
}

#[test]
fn a_task_list_numbered_by_word_reads_as_if_its_numbers_were_typed() {
    // Word draws 一、 for the headings and 1. 2. … under each, restarting, from numbering.xml.
    let body = [
        runs_xml(&[("青禾县人民政府", SONG, false)]),
        runs_xml(&[("关于分解落实2023年重点工作任务的通知", SONG, false)]),
        numbered(3, 0, "优化营商环境"),
        numbered(3, 1, "推进政务服务标准化。（牵头单位：县行政审批服务局）"),
        numbered(
            3,
            1,
            "优化审批流程。（牵头单位：县财政局；配合单位：县民政局）",
        ),
        numbered(3, 0, "办好民生实事"),
        numbered(3, 1, "改造老旧小区12个。（牵头单位：县住房和城乡建设局）"),
    ]
    .concat();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let numbering = r#"<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
        <w:abstractNum w:abstractNumId="7">
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
          <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
        </w:abstractNum>
        <w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>
      </w:numbering>"#;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, xml) in [
        ("word/document.xml", document.as_str()),
        ("word/numbering.xml", numbering),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();

    let text = decode(&bytes).expect("a Word file is read");
    let m = parse_notice(&text, &qinghe_dir()).expect("the notice parses");

    assert!(
        text.contains("一、优化营商环境\n1.推进政务服务标准化"),
        "{text}"
    );
    assert_eq!(m.sections.len(), 2);
    assert_eq!(m.tasks.len(), 3);
    // Numbering that restarts under each heading is renumbered through the document.
    assert_eq!(task(&m, 3).text, "改造老旧小区12个。");
    assert_units(task(&m, 3), &[host("县住房和城乡建设局")]);
    assert_units(task(&m, 2), &[host("县财政局"), co("县民政局")]);
}
