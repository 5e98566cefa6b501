//! The bulletin as Word and Excel files and as a chart, read back: the `.docx` unzipped and its
//! `word/document.xml` searched, the `.xlsx` read cell by cell with calamine, the `.png`
//! decoded and its pixels counted by colour.

use crate::support::bulletin::{all_done, bulletin, march_alone, with_deadlines};
use calamine::{Data, Range, Reader, Xlsx};
use duban::bulletin::Bulletin;
use duban::bulletin::render::docx::{WORD_ROWS, docx};
use duban::bulletin::render::png::{self, Status, png};
use duban::bulletin::render::xlsx::xlsx;
use std::io::{Cursor, Read};

/// `word/document.xml` of a `.docx` file.
fn document_xml(file: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(file)).expect("a zip archive");
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("UTF-8 XML");
    xml
}

/// The document's paragraphs as plain text, one a line (table cells are paragraphs too).
fn paragraphs(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    for para in xml.split("</w:p>") {
        let mut text = String::new();
        let mut rest = para;
        while let Some(start) = rest.find("<w:t") {
            let after = &rest[start..];
            // <w:t> or <w:t xml:space="preserve">, not <w:tbl>, <w:tc>, <w:tr>...
            let Some(close) = after.find('>') else { break };
            let tag = &after[..close];
            rest = &after[close + 1..];
            if tag != "<w:t" && !tag.starts_with("<w:t ") {
                continue;
            }
            let end = rest.find("</w:t>").unwrap_or(rest.len());
            text.push_str(&rest[..end]);
            rest = &rest[end..];
        }
        if !text.is_empty() {
            out.push(text);
        }
    }
    out
}

/// The paragraphs from `heading` up to the next section heading (一、… or 附：…).
fn section<'a>(paragraphs: &'a [String], heading: &str) -> &'a [String] {
    let is_heading = |p: &str| {
        let mut chars = p.chars();
        let numbered = chars
            .next()
            .is_some_and(|c| "一二三四五六七八九十".contains(c))
            && chars.next() == Some('、');
        numbered || p.starts_with("附：")
    };
    let start = paragraphs
        .iter()
        .position(|p| p == heading)
        .unwrap_or_else(|| panic!("no heading {heading} in {paragraphs:#?}"));
    let end = paragraphs[start + 1..]
        .iter()
        .position(|p| is_heading(p))
        .map_or(paragraphs.len(), |i| start + 1 + i);
    &paragraphs[start + 1..end]
}

fn workbook(file: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(file)).expect("an xlsx workbook")
}

fn cell(range: &Range<Data>, row: usize, col: usize) -> Data {
    range.get((row, col)).cloned().unwrap_or(Data::Empty)
}

fn text(range: &Range<Data>, row: usize, col: usize) -> String {
    match cell(range, row, col) {
        Data::String(s) => s,
        Data::Empty => String::new(),
        other => panic!("cell ({row}, {col}) is {other:?}, not text"),
    }
}

/// The bulletin of a period in which nobody reported.
fn silent_bulletin() -> Bulletin {
    march_alone(&[])
}

/// A part of the `.docx` archive as text.
fn part(file: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(file)).expect("a zip archive");
    let mut xml = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("no {name}"))
        .read_to_string(&mut xml)
        .expect("UTF-8 XML");
    xml
}

#[test]
fn the_docx_has_the_heading_and_every_section_in_the_shared_wording() {
    let b = bulletin();
    let file = docx(&b).unwrap();
    let paras = paragraphs(&document_xml(&file));

    assert_eq!(
        paras[..4],
        [
            "兖州区政府工作报告重点任务督查通报",
            "第3期",
            "兖州区人民政府督查室\u{3000}\u{3000}2022年3月31日",
            "报告期 2022-03，2022年3月25日截止；序时进度 24.7%"
        ]
    );
    for heading in [
        "一、总体情况",
        "二、已完成",
        "三、进度滞后",
        "四、未按时反馈",
        "五、量化指标完成情况",
        "六、单位排名",
        "附：牵头领导任务情况",
    ] {
        assert!(paras.iter().any(|p| p == heading), "no {heading}");
    }
    // The fonts of a 督查通报, in the styles the paragraphs name.
    let styles = part(&file, "word/styles.xml");
    for font in ["仿宋_GB2312", "方正小标宋简体", "黑体"] {
        assert!(styles.contains(font), "{font} in the styles");
    }

    // The sentences are those of the Markdown, with the lights as words.
    assert_eq!(
        section(&paras, "一、总体情况"),
        [
            "共6项任务，已反馈5项，未反馈1项。已反馈的任务中：蓝2项，黄1项，红1项，完成1项。",
            "较上期：新完成第1项；灯色转差第2项（蓝→黄）。"
        ]
    );
    assert_eq!(
        section(&paras, "二、已完成"),
        ["第1项 建设区级科技创新平台，完善孵化器功能。（区科技局）"]
    );
    assert_eq!(
        section(&paras, "附：牵头领导任务情况"),
        [
            "张伟：牵头2项；滞后 第3项；未反馈 无；已完成 第1项",
            "李娜：牵头2项；滞后 第2项；未反馈 无；已完成 无",
            "王强：牵头2项；滞后 第6项；未反馈 第4项；已完成 无"
        ]
    );
    assert!(paras.iter().all(|p| !p.contains('🔵')), "{paras:#?}");
}

#[test]
fn the_docx_tables_are_the_markdown_tables() {
    let paras = paragraphs(&document_xml(&docx(&bulletin()).unwrap()));

    // 编号/任务/主办单位/牵头领导/上报/研判: the header, then tasks 2, 3 and 6.
    let lagging = section(&paras, "三、进度滞后");
    assert_eq!(
        lagging[..6],
        ["编号", "任务", "主办单位", "牵头领导", "上报", "研判"]
    );
    assert_eq!(
        lagging[6..12],
        [
            "2",
            "完成高标准农田建设3.6万亩。",
            "区财政局",
            "李娜",
            "黄",
            "蓝"
        ]
    );
    assert_eq!(lagging[12..18][4..], ["蓝", "黄"]);
    assert_eq!(lagging[18..24][4..], ["红", "—"]);
    assert_eq!(lagging.len(), 24);

    // Silent hosts and late reports, then the note naming the silent units.
    let silent = section(&paras, "四、未按时反馈");
    assert_eq!(silent[..4], ["编号", "任务", "单位", "情况"]);
    assert_eq!(
        silent[4..8],
        ["4", "改造老旧小区22个。", "区住建局", "未反馈"]
    );
    assert_eq!(
        silent[8..12],
        ["6", "推进城乡公交一体化。", "区住建局", "未反馈"]
    );
    assert_eq!(
        silent[12..16],
        [
            "5",
            "争取专项债券资金。",
            "区财政局",
            "逾期（2022-03-28 10:00）"
        ]
    );
    assert_eq!(silent[16..], ["未反馈单位：区住建局2项。"]);

    let figures = section(&paras, "五、量化指标完成情况");
    assert_eq!(figures[..5], ["编号", "指标", "完成", "目标", "完成率"]);
    assert_eq!(
        figures[5..10],
        ["2", "高标准农田建设", "2.1万亩", "3.6万亩", "58.3%"]
    );
    assert_eq!(figures[10..15][2..], ["2家", "30家", "6.7%"]);
    assert_eq!(figures.len(), 15);

    let ranking = section(&paras, "六、单位排名");
    assert_eq!(
        ranking[..8],
        [
            "名次",
            "单位",
            "主办",
            "按时反馈",
            "逾期",
            "未反馈",
            "完成",
            "滞后"
        ]
    );
    assert_eq!(ranking.len(), 8 * 5, "a header and four host units");
    assert_eq!(ranking[9], "区科技局", "{ranking:#?}");
}

#[test]
fn a_long_word_table_lists_its_first_rows_and_points_to_the_excel_file() {
    let mut b = bulletin();
    // Task 2 (黄, with a figure) again and again: WORD_ROWS + 5 lagging tasks in all.
    for i in 0..WORD_ROWS as u32 + 2 {
        let mut task = b.tasks[1].clone();
        task.number = 1000 + i;
        b.tasks.push(task);
    }
    let note = |rows: usize| {
        format!("本表共{rows}行，限于篇幅仅列出前{WORD_ROWS}行，完整情况见同期 Excel 表格。")
    };
    let paras = paragraphs(&document_xml(&docx(&b).unwrap()));
    let lagging = section(&paras, "三、进度滞后");
    assert_eq!(lagging.len(), 6 * (1 + WORD_ROWS) + 1);
    // The header, then tasks 2, 3, 6 and 1000 to 1996: the last row shown.
    assert_eq!(
        lagging[6 * WORD_ROWS..6 * WORD_ROWS + 2],
        ["1996", "完成高标准农田建设3.6万亩。"]
    );
    assert_eq!(lagging.last().unwrap(), &note(WORD_ROWS + 5));
    let figures = section(&paras, "五、量化指标完成情况");
    assert_eq!(figures.len(), 5 * (1 + WORD_ROWS) + 1);
    assert_eq!(figures.last().unwrap(), &note(WORD_ROWS + 4));
    // A table within the limit says nothing more.
    assert_eq!(section(&paras, "六、单位排名").len(), 8 * 5);

    // The Excel file has every task.
    let mut book = workbook(xlsx(&b).unwrap());
    assert_eq!(
        book.worksheet_range("任务").unwrap().height(),
        1 + b.tasks.len()
    );
}

/// What the notice, the directory and a report may hold that each format would otherwise read
/// as markup: a script, HTML tags, Markdown emphasis and links, an entity, a formula. The task
/// text fits the 30 characters the bulletin's sections show of a task.
const MARKUP: [&str; 4] = [
    "<script>x</script>**粗**[链](y)",
    "<i>李娜</i>",
    "区<x>局",
    "=1+1 & <b>完成</b> `码` &amp;",
];

/// The March bulletin with markup in task 2's text, its lead leader, its host unit (also in
/// the ranking) and its last report; task 2 is lagging, so it shows in every section.
fn with_markup() -> Bulletin {
    let mut b = bulletin();
    let task = b.tasks.iter_mut().find(|t| t.number == 2).unwrap();
    task.text = MARKUP[0].into();
    task.lead_leaders = vec![MARKUP[1].into()];
    task.hosts = vec![MARKUP[2].into()];
    let report = task.last_report.as_mut().expect("task 2 was reported");
    report.unit = MARKUP[2].into();
    report.text = MARKUP[3].into();
    for leader in b.leaders.iter_mut().filter(|l| l.tasks.contains(&2)) {
        leader.name = MARKUP[1].into();
    }
    for unit in b.units.iter_mut().filter(|u| u.name == "区财政局") {
        unit.name = MARKUP[2].into();
    }
    b
}

#[test]
fn markup_from_the_notice_and_reports_stays_text_in_every_format() {
    use duban::bulletin::render::{markdown, text};
    let b = with_markup();
    let raw_tags = ["<script", "<i>", "<x>", "<b>"];

    // Telegram HTML, the page and Word's XML all escape with entities: the same three forms,
    // and none of the raw tags (Telegram's own <b> marks its titles).
    let escaped = |format: &str, text: &str, tags: &[&str]| {
        for form in [
            "&lt;script&gt;x&lt;/script&gt;",
            "&lt;i&gt;李娜&lt;/i&gt;",
            "区&lt;x&gt;局",
        ] {
            assert!(text.contains(form), "{format}: {form} missing in\n{text}");
        }
        assert!(
            !tags.iter().any(|t| text.contains(t)),
            "{format}: a raw tag in\n{text}"
        );
    };

    escaped("Telegram", &text::telegram(&b).join("\n"), &raw_tags[..3]);

    let md = markdown::markdown(&b);
    assert!(
        md.contains(r"\<script\>x\</script\>\*\*粗\*\*\[链\](y)"),
        "{md}"
    );
    assert!(md.contains(r"\<i\>李娜\</i\>"), "{md}");
    assert!(md.contains(r"区\<x\>局"), "{md}");
    let unescaped = md
        .match_indices(['<', '*', '['])
        .find(|(i, _)| !md[..*i].ends_with('\\'));
    assert_eq!(unescaped, None, "markup characters are escaped:\n{md}");

    let page = markdown::html(&b);
    let body = &page[page.find("<body>").unwrap()..];
    assert!(
        body.contains("&lt;script&gt;x&lt;/script&gt;**粗**[链](y)"),
        "{body}"
    );
    escaped("HTML", body, &raw_tags);
    assert!(
        !body.contains("<a ") && !body.contains("<strong>"),
        "{body}"
    );

    escaped("Word", &document_xml(&docx(&b).unwrap()), &raw_tags);

    let mut book = workbook(xlsx(&b).unwrap());
    let sheet = book.worksheet_range("任务").unwrap();
    let row = (1..sheet.height())
        .find(|&r| text(&sheet, r, 1) == MARKUP[0])
        .expect("task 2's text as written, as text");
    assert_eq!(text(&sheet, row, 2), MARKUP[1]);
    assert_eq!(text(&sheet, row, 3), MARKUP[2]);
    assert!(
        text(&sheet, row, 7).contains(MARKUP[3]),
        "the report as text, not a formula"
    );
    assert!(
        book.worksheet_formula("任务")
            .unwrap()
            .used_cells()
            .next()
            .is_none(),
        "no formula"
    );
}

#[test]
fn the_docx_escapes_markup_in_task_text() {
    let mut b = bulletin();
    b.tasks[0].text = "A&B <建设> \"平台\"".into();
    let xml = document_xml(&docx(&b).unwrap());
    assert!(xml.contains("A&amp;B &lt;建设&gt;"), "task text escaped");
    assert!(!xml.contains("A&B"));
}

#[test]
fn the_xlsx_has_a_task_sheet_and_a_ranking_sheet() {
    let b = bulletin();
    let mut book = workbook(xlsx(&b).unwrap());
    assert_eq!(book.sheet_names(), ["任务", "单位排名"]);

    let sheet = book.worksheet_range("任务").unwrap();
    let header: Vec<String> = (0..13).map(|c| text(&sheet, 0, c)).collect();
    assert_eq!(
        header,
        [
            "编号",
            "任务",
            "牵头领导",
            "主办单位",
            "协办单位",
            "上报灯",
            "研判灯",
            "最近报告",
            "指标完成情况",
            "完成率",
            "报告时间",
            "完成时限",
            "佐证材料"
        ]
    );
    assert_eq!(sheet.height(), 7, "a header and six tasks");
    for (row, number) in (1..=6).zip(1..) {
        assert_eq!(cell(&sheet, row, 0), Data::Float(f64::from(number)));
    }

    // Task 2: reported 黄, figures say 蓝.
    assert_eq!(text(&sheet, 2, 1), "完成高标准农田建设3.6万亩。");
    assert_eq!(text(&sheet, 2, 2), "李娜");
    assert_eq!(text(&sheet, 2, 3), "区财政局");
    assert_eq!(text(&sheet, 2, 4), "区农业农村局");
    assert_eq!(text(&sheet, 2, 5), "黄");
    assert_eq!(text(&sheet, 2, 6), "蓝");
    assert_eq!(text(&sheet, 2, 7), "受天气影响，已完成2.1万亩");
    assert_eq!(text(&sheet, 2, 8), "高标准农田建设 2.1/3.6万亩（58.3%）");
    match cell(&sheet, 2, 9) {
        Data::Float(p) => assert!((p - 2.1 / 3.6 * 100.0).abs() < 1e-9, "{p}"),
        other => panic!("完成率 is {other:?}"),
    }
    assert_eq!(text(&sheet, 2, 10), "2022-03-22 10:00");

    // Task 4: no report, so no light, no time, no rate.
    assert_eq!(text(&sheet, 4, 5), "");
    assert_eq!(text(&sheet, 4, 10), "");
    assert_eq!(cell(&sheet, 4, 9), Data::Empty);
    // Task 1 has no figures: no rate either.
    assert_eq!(cell(&sheet, 1, 9), Data::Empty);
    // Task 6 has two hosts: the report says whose it is.
    assert_eq!(text(&sheet, 6, 7), "区交通局：线路招标未完成");

    let ranking = book.worksheet_range("单位排名").unwrap();
    assert_eq!(text(&ranking, 0, 1), "单位");
    assert_eq!(ranking.height(), 1 + b.units.len());
    for (row, unit) in (1..).zip(&b.units) {
        assert_eq!(text(&ranking, row, 1), unit.name);
        assert_eq!(cell(&ranking, row, 2), Data::Float(unit.hosted as f64));
        assert_eq!(cell(&ranking, row, 5), Data::Float(unit.silent as f64));
    }
}

#[test]
fn a_period_without_reports_renders_both_files() {
    let b = silent_bulletin();
    assert_eq!(b.totals.reported, 0);

    let paras = paragraphs(&document_xml(&docx(&b).unwrap()));
    assert_eq!(section(&paras, "二、已完成"), ["无"]);
    assert_eq!(section(&paras, "三、进度滞后"), ["无"]);
    assert_eq!(section(&paras, "五、量化指标完成情况"), ["无"]);
    // Every task without a report, one row each (a header of 4 cells, then 4 per task), and
    // the note naming the silent units.
    let silent = section(&paras, "四、未按时反馈");
    assert_eq!(silent.len(), 4 + 4 * 6 + 1, "{silent:#?}");
    assert!(silent.iter().all(|p| !p.starts_with("逾期")), "{silent:#?}");

    let mut book = workbook(xlsx(&b).unwrap());
    let sheet = book.worksheet_range("任务").unwrap();
    assert_eq!(sheet.height(), 7);
    for row in 1..=6 {
        assert_eq!(text(&sheet, row, 5), "");
        assert_eq!(text(&sheet, row, 6), "");
        assert_eq!(cell(&sheet, row, 9), Data::Empty);
        assert_eq!(text(&sheet, row, 10), "");
    }
}

#[test]
fn an_empty_bulletin_says_nothing_to_report() {
    let mut b = silent_bulletin();
    b.tasks.clear();
    b.units.clear();
    b.leaders.clear();
    b.totals = Default::default();

    let paras = paragraphs(&document_xml(&docx(&b).unwrap()));
    for heading in [
        "二、已完成",
        "三、进度滞后",
        "四、未按时反馈",
        "五、量化指标完成情况",
        "六、单位排名",
    ] {
        assert_eq!(section(&paras, heading), ["无"], "{heading}");
    }
    let mut book = workbook(xlsx(&b).unwrap());
    assert_eq!(book.worksheet_range("任务").unwrap().height(), 1);
    // The chart: both panels say 无 in one row's height, no bar anywhere.
    let (_, height, pixels) = decode_png(&png(&b).unwrap());
    assert_eq!(height, png::height(&b));
    assert_eq!(height, 210 + 2 * (56 + 40 + 88) + 56);
    for status in Status::ALL {
        assert_eq!(painted(&pixels, status), 0, "{status:?}");
    }
}

/// A decoded `.png`: width, height and RGB pixels.
fn decode_png(file: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = ::png::Decoder::new(Cursor::new(file));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG pixels");
    assert_eq!(
        (info.color_type, info.bit_depth),
        (::png::ColorType::Rgb, ::png::BitDepth::Eight)
    );
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

/// How many pixels have exactly the fill of `status`.
fn painted(pixels: &[[u8; 3]], status: Status) -> usize {
    let c = status.colour();
    pixels.iter().filter(|p| **p == [c.0, c.1, c.2]).count()
}

/// More than a legend swatch (22 × 22 pixels) of a colour: a bar of it is drawn.
const A_BAR: usize = 1000;

#[test]
fn the_png_decodes_at_its_size() {
    let b = bulletin();
    let (width, height, pixels) = decode_png(&png(&b).unwrap());
    assert_eq!(width, png::WIDTH);
    assert_eq!(height, png::height(&b));
    // Header, 3 sections and 4 host units, footer: the height follows the rows only.
    assert_eq!(height, 210 + (56 + 3 * 40 + 88) + (56 + 4 * 40 + 88) + 56);
    assert_eq!(pixels.len(), (width * height) as usize);
    // Rendering twice gives the same picture.
    assert_eq!(png(&b).unwrap(), png(&b).unwrap());
}

#[test]
fn the_png_paints_the_lights_the_tasks_have_and_no_other() {
    // The fixture: 蓝 tasks 3 and 5, 黄 2, 红 6, 完成 1, 未报送 4; no report without a light.
    let (_, _, pixels) = decode_png(&png(&bulletin()).unwrap());
    for status in [
        Status::Blue,
        Status::Yellow,
        Status::Red,
        Status::Done,
        Status::Silent,
    ] {
        let n = painted(&pixels, status);
        assert!(n > A_BAR, "{status:?}: {n} pixels");
    }
    assert_eq!(painted(&pixels, Status::Unlabelled), 0);

    // Every task complete: green only, not even the legend's swatches of the others.
    let done = march_alone(&all_done());
    let (_, _, pixels) = decode_png(&png(&done).unwrap());
    assert!(painted(&pixels, Status::Done) > A_BAR);
    for status in [
        Status::Blue,
        Status::Yellow,
        Status::Red,
        Status::Unlabelled,
        Status::Silent,
    ] {
        assert_eq!(painted(&pixels, status), 0, "{status:?}");
    }

    // Nobody reported: grey only.
    let (_, _, pixels) = decode_png(&png(&silent_bulletin()).unwrap());
    assert!(painted(&pixels, Status::Silent) > A_BAR);
    assert_eq!(painted(&pixels, Status::Blue), 0);
}

#[test]
fn the_png_shows_at_most_twenty_units_and_any_text() {
    let mut b = bulletin();
    let base = png::height(&b);
    // 40 more tasks, each hosted by a unit of its own with a long name, some unknown to the
    // embedded font (emoji, a hanzi outside GB2312, one outside the BMP).
    for i in 0..40u32 {
        let mut task = b.tasks[(i % 6) as usize].clone();
        task.number = 100 + i;
        task.hosts = vec![format!(
            "第{i}个单位😀龘𠀀（加挂某某中心牌子）很长很长很长很长很长很长的名字"
        )];
        task.silent_hosts.clear();
        task.section = Some(format!("{i}、第{i}部分"));
        b.tasks.push(task);
    }
    // 4 + 40 units and 3 + 40 sections: each panel is cut to 20 rows.
    assert_eq!(png::height(&b), base + (20 - 4) * 40 + (20 - 3) * 40);
    let (width, height, _) = decode_png(&png(&b).unwrap());
    assert_eq!((width, height), (png::WIDTH, png::height(&b)));
}

#[test]
fn the_docx_lists_overdue_tasks_with_their_deadline() {
    let paras = paragraphs(&document_xml(&docx(&with_deadlines()).unwrap()));

    let overdue = section(&paras, "四、逾期未完成");
    assert_eq!(
        overdue,
        [
            "编号",
            "任务",
            "主办单位",
            "牵头领导",
            "完成时限",
            "情况",
            "4",
            "改造老旧小区22个。",
            "区住建局",
            "王强",
            "3月15日前",
            "未反馈"
        ]
    );
    let lagging = section(&paras, "三、进度滞后");
    assert_eq!(lagging[6], "完成时限");
    assert!(paras.iter().any(|p| p == "五、未按时反馈"));
}

/// The evidence of the bulletin's period is listed under its task, by count and names; that of
/// another period or task is not.
#[test]
fn the_xlsx_lists_each_tasks_evidence() {
    use duban::store::{Evidence, EvidenceKind};
    let mut b = bulletin();
    let evidence = |id: i64, task_number: u32, period: &str, name: &str| Evidence {
        id,
        task_id: 100 + i64::from(task_number),
        task_number,
        item: false,
        unit_id: 1,
        unit: "区财政局".into(),
        period: period.into(),
        report_id: None,
        user_id: 1001,
        user_name: None,
        kind: EvidenceKind::File,
        file_name: name.into(),
        size: 10,
        sha256: format!("{id:064}"),
        inbox_seq: id,
        created_at: 0,
    };
    let period = b.period.clone();
    duban::bulletin::attach_evidence(
        &mut b,
        &[
            evidence(1, 2, &period, "现场.jpg"),
            evidence(2, 2, &period, "台账.pdf"),
            evidence(3, 2, "2022-02", "上月.pdf"),
            evidence(4, 3, &period, "别的任务.docx"),
        ],
    );

    let mut book = workbook(xlsx(&b).unwrap());
    let sheet = book.worksheet_range("任务").unwrap();

    assert_eq!(text(&sheet, 2, 12), "2份：现场.jpg、台账.pdf");
    assert_eq!(text(&sheet, 3, 12), "1份：别的任务.docx");
    assert_eq!(text(&sheet, 1, 12), "");
}

#[test]
fn the_xlsx_shows_each_deadline_and_marks_the_overdue() {
    let mut book = workbook(xlsx(&with_deadlines()).unwrap());
    let sheet = book.worksheet_range("任务").unwrap();

    let deadlines: Vec<String> = (1..=6).map(|row| text(&sheet, row, 11)).collect();
    assert_eq!(
        deadlines,
        [
            "2月底前",
            "",
            "6月底前",
            "3月15日前（逾期未完成）",
            "长期",
            "3月31日"
        ]
    );
}
