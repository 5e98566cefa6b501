//! The bulletin as Word and Excel files, read back: the `.docx` unzipped and its
//! `word/document.xml` searched, the `.xlsx` read cell by cell with calamine.

mod bulletin_support;

use bulletin_support::{bulletin, day, heading, tasks};
use calamine::{Data, Range, Reader, Xlsx};
use duban::bulletin::render::docx::docx;
use duban::bulletin::render::xlsx::xlsx;
use duban::bulletin::{Bulletin, PeriodData, Thresholds, aggregate};
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

/// The paragraphs from `heading` up to the next section heading.
fn section<'a>(paragraphs: &'a [String], heading: &str) -> &'a [String] {
    const HEADINGS: [&str; 6] = [
        "一、总体情况",
        "二、已完成",
        "三、进度滞后",
        "四、未按时反馈",
        "五、量化指标完成情况",
        "六、单位排名",
    ];
    let start = paragraphs
        .iter()
        .position(|p| p == heading)
        .unwrap_or_else(|| panic!("no heading {heading} in {paragraphs:#?}"));
    let end = paragraphs[start + 1..]
        .iter()
        .position(|p| HEADINGS.contains(&p.as_str()))
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
    let tasks = tasks();
    let period = PeriodData {
        label: "2022-03",
        end: day(3, 31),
        due: day(3, 25),
        tasks: &tasks,
        reports: &[],
    };
    aggregate(heading(), &period, None, Thresholds::default())
}

#[test]
fn the_docx_has_the_heading_and_every_section() {
    let b = bulletin();
    let xml = document_xml(&docx(&b).unwrap());
    let paras = paragraphs(&xml);

    assert_eq!(paras[0], "兖州区政府工作报告重点任务督查通报");
    assert_eq!(paras[1], "第3期");
    assert_eq!(
        paras[2],
        "兖州区人民政府督查室\u{3000}\u{3000}2022年3月31日"
    );
    for heading in [
        "一、总体情况",
        "二、已完成",
        "三、进度滞后",
        "四、未按时反馈",
        "五、量化指标完成情况",
        "六、单位排名",
    ] {
        assert!(paras.iter().any(|p| p == heading), "no {heading}");
    }
    assert!(xml.contains("仿宋_GB2312"), "body font named in the runs");
    assert!(
        xml.contains("方正小标宋简体"),
        "title font named in the runs"
    );

    let overview = section(&paras, "一、总体情况").join("\n");
    assert!(
        overview.contains("共督查任务6项，已反馈5项，未反馈1项"),
        "{overview}"
    );
    assert!(
        overview.contains("蓝灯2项、黄灯1项、红灯1项、完成1项"),
        "{overview}"
    );
    assert!(overview.contains("序时进度24.7%"), "{overview}");
    assert!(overview.contains("新完成第1项"), "{overview}");
    assert!(overview.contains("第2项由蓝灯转为黄灯"), "{overview}");

    let done = section(&paras, "二、已完成");
    assert_eq!(done.len(), 1, "{done:#?}");
    assert!(done[0].contains("建设区级科技创新平台，完善孵化器功能。"));
}

#[test]
fn the_docx_tables_show_lagging_tasks_figures_and_the_ranking() {
    let paras = paragraphs(&document_xml(&docx(&bulletin()).unwrap()));

    // 序号/任务/主办单位/牵头领导/上报/研判: the header, then tasks 2, 3 and 6.
    let lagging = section(&paras, "三、进度滞后");
    assert_eq!(
        lagging[..6],
        ["序号", "任务", "主办单位", "牵头领导", "上报", "研判"]
    );
    assert_eq!(
        lagging[6..12],
        [
            "2",
            "完成高标准农田建设3.6万亩。",
            "区财政局",
            "李娜",
            "黄",
            "蓝（不一致）"
        ]
    );
    assert_eq!(lagging[12..18][4..], ["蓝", "黄（不一致）"]);
    assert_eq!(lagging[18..24][4..], ["红", "—"]);
    assert_eq!(lagging.len(), 24);

    let silent = section(&paras, "四、未按时反馈").join("\n");
    assert!(
        silent.contains("第4项：改造老旧小区22个。未反馈单位：区住建局。"),
        "{silent}"
    );
    assert!(
        silent.contains("第6项：推进城乡公交一体化。未反馈单位：区住建局（区交通局已反馈）。"),
        "{silent}"
    );
    assert!(
        silent.contains("第5项：争取专项债券资金。区财政局于2022-03-28 10:00反馈。"),
        "{silent}"
    );

    let figures = section(&paras, "五、量化指标完成情况");
    assert_eq!(figures[..5], ["任务", "指标", "完成", "目标", "完成率"]);
    assert_eq!(
        figures[5..10],
        [
            "2. 完成高标准农田建设3.6万亩。",
            "高标准农田建设",
            "2.1万亩",
            "3.6万亩",
            "58.3%"
        ]
    );
    assert_eq!(figures[10..15][2..], ["2家", "30家", "6.7%"]);
    assert_eq!(figures.len(), 15);

    let ranking = section(&paras, "六、单位排名");
    assert_eq!(
        ranking[..8],
        [
            "名次",
            "单位",
            "主办任务",
            "按时反馈",
            "逾期",
            "未反馈",
            "已完成",
            "滞后"
        ]
    );
    assert_eq!(ranking.len(), 8 * 5, "a header and four host units");
    assert_eq!(ranking[9], "区科技局", "{ranking:#?}");
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
    let header: Vec<String> = (0..11).map(|c| text(&sheet, 0, c)).collect();
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
            "报告时间"
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
    let silent = section(&paras, "四、未按时反馈").join("\n");
    for n in 1..=6 {
        assert!(silent.contains(&format!("第{n}项")), "{silent}");
    }
    assert!(!silent.contains("截止后才反馈"), "{silent}");

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
}
