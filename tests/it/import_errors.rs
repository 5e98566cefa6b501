//! Input the importer must refuse, with every problem and its line in Chinese, and encodings it
//! must read to the same text.

use crate::support::matrix::*;
use duban::matrix::{Matrix, NoticeError, UnitDirectory, UnitRole, decode, parse_notice};

const PLAIN: &str = include_str!("../fixtures/variants/01-plain-parens.txt");

fn refuse(text: &str) -> NoticeError {
    match parse_notice(text, &qinghe_dir()) {
        Ok(m) => panic!(
            "the notice should be refused, but it imported {} tasks",
            m.tasks.len()
        ),
        Err(e) => e,
    }
}

fn assert_chinese(e: &NoticeError) {
    assert!(
        !e.problems.is_empty(),
        "an error names at least one problem"
    );
    for p in &e.problems {
        assert!(has_cjk(&p.message), "messages are in Chinese: {p:?}");
    }
}

/// The error's text names line `line` as 第N行.
fn assert_names_line(e: &NoticeError, line: usize) {
    let shown = e.to_string();
    assert!(
        shown.contains(&format!("第{line}行")),
        "the error should name line {line}:\n{shown}"
    );
}

fn lines_starting(text: &str, prefix: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(prefix))
        .map(|(i, _)| i + 1)
        .collect()
}

// ------------------------------------------------------------------ empty and binary input

#[test]
fn an_empty_file_is_refused_in_chinese() {
    let e = refuse("");
    assert_chinese(&e);
}

#[test]
fn a_file_of_whitespace_only_is_refused_in_chinese() {
    let e = refuse(" \n\t\n\u{3000}\r\n\n   ");
    assert_chinese(&e);
}

#[test]
fn empty_bytes_decode_and_parse_to_a_refusal() {
    let result = decode(b"").and_then(|text| parse_notice(&text, &qinghe_dir()));
    assert_chinese(&result.expect_err("nothing to import"));
}

#[test]
fn binary_files_do_not_decode() {
    let png: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R', 0,
        0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0, 0x5c, 0x72, 0xa8, 0x66,
    ];
    let mut elf = vec![
        0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0,
    ];
    elf.extend((0u8..=255).cycle().take(600));
    let mut zip = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec();
    zip.extend_from_slice(&[
        0xdf, 0xa4, 0xd2, 0x6c, 0x5a, 0x01, 0x00, 0x00, 0x20, 0x05, 0x00, 0x00,
    ]);
    zip.extend_from_slice(b"[Content_Types].xml");
    zip.extend_from_slice(&[0u8; 64]);
    for (what, bytes) in [("png", png.to_vec()), ("elf", elf), ("docx/zip", zip)] {
        match decode(&bytes) {
            Ok(text) => panic!("{what} decoded to {} chars of text", text.chars().count()),
            Err(e) => assert_chinese(&e),
        }
    }
}

#[test]
fn a_text_with_a_nul_byte_in_the_middle_does_not_decode() {
    let mut bytes = PLAIN.as_bytes().to_vec();
    let at = PLAIN.char_indices().nth(100).unwrap().0;
    bytes.splice(at..at, [0u8, 0, 0, 0]);
    assert_chinese(&decode(&bytes).expect_err("NUL bytes make it binary"));
}

// ------------------------------------------------------------------ encodings

#[test]
fn utf8_text_decodes_unchanged() {
    assert_eq!(decode(PLAIN.as_bytes()).expect("UTF-8 decodes"), PLAIN);
}

#[test]
fn utf8_with_a_byte_order_mark_decodes_without_it_and_imports_the_same_matrix() {
    let mut bytes = vec![0xef, 0xbb, 0xbf];
    bytes.extend_from_slice(PLAIN.as_bytes());
    let text = decode(&bytes).expect("UTF-8 with BOM decodes");
    assert_eq!(text, PLAIN);
    assert_eq!(
        parse_ok(&text, &qinghe_dir()),
        parse_ok(PLAIN, &qinghe_dir())
    );
}

#[test]
fn utf16_with_a_byte_order_mark_decodes_in_both_byte_orders() {
    let mut le = vec![0xff, 0xfe];
    let mut be = vec![0xfe, 0xff];
    for unit in PLAIN.encode_utf16() {
        le.extend_from_slice(&unit.to_le_bytes());
        be.extend_from_slice(&unit.to_be_bytes());
    }
    assert_eq!(decode(&le).expect("UTF-16LE decodes"), PLAIN);
    assert_eq!(decode(&be).expect("UTF-16BE decodes"), PLAIN);
}

#[test]
fn a_gb18030_notice_decodes_to_the_same_text_and_imports_the_same_matrix() {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(PLAIN);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the GB18030 bytes are not UTF-8"
    );
    let text = decode(&bytes).expect("GB18030 decodes");
    assert_eq!(text, PLAIN);
    assert_eq!(
        parse_ok(&text, &qinghe_dir()),
        parse_ok(PLAIN, &qinghe_dir())
    );
}

#[test]
fn a_gbk_seed_notice_decodes_to_the_same_text() {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(SEED);
    assert!(!unmappable, "the seed fits in GBK");
    assert_eq!(decode(&bytes).expect("GBK decodes"), SEED);
}

#[test]
fn windows_line_endings_import_the_same_matrix() {
    let crlf = PLAIN.replace('\n', "\r\n");
    assert_eq!(
        parse_ok(&crlf, &qinghe_dir()),
        parse_ok(PLAIN, &qinghe_dir())
    );
}

// ------------------------------------------------------------------ notices without usable tasks

const HEAD: &str = "青禾县人民政府\n关于分解落实2023年重点工作任务的通知\n\n一、优化营商环境\n";

#[test]
fn a_notice_without_any_task_is_refused_in_chinese() {
    let text = format!(
        "{HEAD}1.持续深化“放管服”改革。\n2.加快推进政务服务标准化。\n二、工作要求\n各单位要高度重视，认真抓好落实。\n\n青禾县人民政府\n2023年3月1日\n"
    );
    assert_chinese(&refuse(&text));
}

#[test]
fn a_duplicated_task_number_is_refused_naming_both_lines() {
    let text = format!(
        "{HEAD}1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
         2.优化企业开办服务。（牵头领导：李明。承办单位：县市场监督管理局）\n\
         2.推进工程建设项目审批改革。（牵头领导：张华。承办单位：县住房和城乡建设局）\n\
         3.规范涉企收费。（牵头领导：张华。承办单位：县发展和改革局）\n"
    );
    let e = refuse(&text);
    assert_chinese(&e);
    let twos = lines_starting(&text, "2.");
    assert_eq!(twos.len(), 2);
    assert_names_line(&e, twos[0]);
    assert_names_line(&e, twos[1]);
    assert!(
        !e.to_string()
            .contains(&format!("第{}行", lines_starting(&text, "1.")[0])),
        "task 1 is fine:\n{e}"
    );
}

// ------------------------------------------------------------------ tasks without units
// Issue 16, item 6: a task whose units are missing is imported without units, named in a
// warning with its line (待明确承办单位), for an admin to assign. These tests replace the ones
// that expected such a notice to be refused whole.

/// The task is imported without units or groups and a warning on its line says so.
fn assert_unassigned(m: &Matrix, number: u32, line: usize) {
    let t = task(m, number);
    assert!(t.units.is_empty() && t.groups.is_empty(), "{t:#?}");
    assert_eq!(t.line, line);
    assert_warns(m, "待明确承办单位", &[line]);
}

#[test]
fn a_task_with_a_leader_but_no_units_is_imported_unassigned_with_a_warning_on_its_line() {
    let text = format!(
        "{HEAD}1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
         2.优化企业开办服务。（牵头领导：李明）\n\
         3.规范涉企收费。（牵头领导：张华。承办单位：县发展和改革局）\n"
    );
    let m = parse_ok(&text, &qinghe_dir());
    assert_eq!(m.tasks.len(), 3);
    let line = lines_starting(&text, "2.")[0];
    assert_unassigned(&m, 2, line);
    assert_leaders(task(&m, 2), &[lead("李明")]);
    assert_eq!(task(&m, 2).text, "优化企业开办服务。");
    assert_units(task(&m, 3), &[host("县发展和改革局")]);
    assert!(
        m.warnings.iter().all(|w| w.line == line),
        "only task 2 is warned about: {:#?}",
        m.warnings
    );
}

#[test]
fn a_file_cut_off_inside_its_last_task_imports_that_task_unassigned() {
    // The unit field's label is there, the names are not.
    let text = format!(
        "{HEAD}1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
         2.优化企业开办服务。（牵头领导：李明。承办单位："
    );
    let m = parse_ok(&text, &qinghe_dir());
    assert_eq!(m.tasks.len(), 2);
    assert_unassigned(&m, 2, lines_starting(&text, "2.")[0]);
    assert_leaders(task(&m, 2), &[lead("李明")]);
}

#[test]
fn a_file_cut_off_before_the_fields_of_its_last_task_imports_that_task_unassigned() {
    let text = format!(
        "{HEAD}1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
         2.优化企业开办服务。（牵头领导：李明。承办单位：县市场监督管理局）\n\
         3.规范涉企收费，清理"
    );
    let m = parse_ok(&text, &qinghe_dir());
    assert_eq!(m.tasks.len(), 3);
    let line = lines_starting(&text, "3.")[0];
    assert_unassigned(&m, 3, line);
    assert!(task(&m, 3).leaders.is_empty());
    assert_eq!(task(&m, 3).text, "规范涉企收费，清理");
    assert_warns(&m, "截断", &[line]);
}

#[test]
fn a_task_left_without_fields_between_two_tasks_is_imported_unassigned() {
    let text = format!(
        "{HEAD}1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
         2.优化企业开办服务，年内新增市场主体5000户。\n\
         3.规范涉企收费。（牵头领导：张华。承办单位：县发展和改革局）\n"
    );
    let m = parse_ok(&text, &qinghe_dir());
    let numbers: Vec<u32> = m.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_unassigned(&m, 2, lines_starting(&text, "2.")[0]);
    assert_eq!(task(&m, 2).section, task(&m, 1).section);
    assert_eq!(
        task(&m, 2).targets.len(),
        1,
        "its targets are read as any task's"
    );
}

#[test]
fn numbered_points_without_fields_that_do_not_continue_the_tasks_stay_out() {
    // Requirements after the tasks (another numbering, or numbers that start again) and a
    // point whose number does not fill a gap are not tasks.
    let text = format!(
        "{HEAD}1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
         2.优化企业开办服务。（牵头领导：李明。承办单位：县市场监督管理局）\n\
         5.加强组织领导。\n\
         3.规范涉企收费。（牵头领导：张华。承办单位：县发展和改革局）\n\
         二、工作要求\n\
         1.各单位要高度重视。\n"
    );
    let m = parse_ok(&text, &qinghe_dir());
    let numbers: Vec<u32> = m.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert!(m.tasks.iter().all(|t| !t.units.is_empty()));
    assert!(
        !m.warnings.iter().any(|w| w.message.contains("待明确")),
        "{:#?}",
        m.warnings
    );
}

#[test]
fn a_notice_whose_only_task_has_no_unit_still_imports() {
    let text = format!("{HEAD}1.优化企业开办服务。（牵头领导：李明。承办单位：）\n");
    let m = parse_ok(&text, &qinghe_dir());
    assert_unassigned(&m, 1, lines_starting(&text, "1.")[0]);
}

#[test]
fn every_problem_of_a_notice_is_listed_with_its_line() {
    let text = format!(
        "{HEAD}1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
         2.优化企业开办服务。（牵头领导：李明。承办单位：县市场监督管理局）\n\
         2.推进工程建设项目审批改革。（牵头领导：张华。承办单位：县住房和城乡建设局）\n\
         3.规范涉企收费。（牵头领导：张华。承办单位：县发展和改革局）\n\
         3.推进信用体系建设。（牵头领导：张华。承办单位：县发展和改革局）\n\
         4.加强知识产权保护。（责任领导：孙丽。责任单位：）\n"
    );
    let e = refuse(&text);
    assert_chinese(&e);
    assert_eq!(e.problems.len(), 2, "two duplicates, each listed:\n{e}");
    for line in lines_starting(&text, "2.")[1..]
        .iter()
        .chain(&lines_starting(&text, "3.")[1..])
    {
        assert_names_line(&e, *line);
    }
    for p in &e.problems {
        assert!(p.line > 0, "every problem here belongs to a line: {p:?}");
        assert!(
            e.to_string()
                .contains(&format!("第{}行：{}", p.line, p.message))
        );
    }
}

#[test]
fn warnings_do_not_stop_an_import() {
    // An unknown unit and an unknown 有关 group: warned about, imported anyway.
    let text = format!(
        "{HEAD}1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局、县营商环境服务中心，有关企业）\n"
    );
    let m = parse_ok(&text, &qinghe_dir());
    assert_eq!(m.tasks.len(), 1);
    let line = lines_starting(&text, "1.")[0];
    assert_warns(&m, "县营商环境服务中心", &[line]);
    assert_warns(&m, "有关企业", &[line]);
}

#[test]
fn an_empty_directory_still_imports_the_seed() {
    let m = parse_ok(SEED, &UnitDirectory::default());
    assert_eq!(m.tasks.len(), 71);
    assert!(m.tasks.iter().all(|t| !t.units.is_empty()));
    // One warning names every group word that stays without members.
    let about_groups: Vec<_> = m
        .warnings
        .iter()
        .filter(|w| w.message.contains("分组"))
        .collect();
    assert_eq!(about_groups.len(), 1, "{about_groups:#?}");
    for group in ["各镇街", "相关镇街", "区直相关部门", "各金融机构"] {
        assert!(
            about_groups[0].message.contains(&format!("“{group}”")),
            "{group}"
        );
    }
}

// ------------------------------------------------------- lines with fields are never dropped

#[test]
fn a_task_numbered_beyond_four_digits_is_a_task() {
    let text = format!(
        "{HEAD}9999.推进政务服务标准化。（牵头单位：县行政审批服务局）\n10000.深化“放管服”改革。（牵头单位：县发展和改革局）\n"
    );
    let m = parse_ok(&text, &qinghe_dir());
    let numbers: Vec<u32> = m.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [9999, 10000]);
}

#[test]
fn numbering_styles_mixed_within_a_notice_are_read_with_a_warning() {
    let text = format!(
        "{HEAD}1.推进政务服务标准化。（牵头单位：县行政审批服务局）\n2、深化“放管服”改革。（牵头单位：县发展和改革局）\n3.优化审批流程。（牵头单位：县行政审批服务局）\n4）压缩办理时限。（牵头单位：县发展和改革局）\n"
    );
    let m = parse_ok(&text, &qinghe_dir());
    let numbers: Vec<u32> = m.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    assert_eq!(task(&m, 2).text, "深化“放管服”改革。");
    assert_warns(&m, "2、", &lines_starting(&text, "2、"));
    assert_warns(&m, "4）", &lines_starting(&text, "4）"));
}

#[test]
fn every_line_with_fields_becomes_a_task_or_is_named_in_a_warning() {
    // An unnumbered line between tasks, a line numbered at another level, and one after the
    // last task: none is a task, each is named by its line.
    let text = format!(
        "{HEAD}1.推进政务服务标准化。（牵头单位：县行政审批服务局）\n优化审批流程。（牵头单位：县发展和改革局）\n2.深化“放管服”改革。（牵头单位：县发展和改革局）\n（一）压缩办理时限。（牵头单位：县发展和改革局）\n3.推进一网通办。（牵头单位：县行政审批服务局）\n二、工作要求\n清理证明事项。（责任单位：县民政局）\n"
    );
    let m = parse_ok(&text, &qinghe_dir());
    let numbers: Vec<u32> = m.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_warns(&m, "没有任务编号", &lines_starting(&text, "优化审批流程"));
    assert_warns(&m, "不是同一级", &lines_starting(&text, "（一）"));
    assert_warns(&m, "没有任务编号", &lines_starting(&text, "清理证明事项"));
}

#[test]
fn another_governments_notice_is_not_resolved_through_this_directory() {
    // A 青禾县 notice read with Yanzhou's directory: 各镇街 must not become Yanzhou's towns.
    let text =
        format!("{HEAD}1.推进政务服务标准化。（牵头单位：县行政审批服务局；配合单位：各镇街）\n");

    let m = parse_ok(&text, &seed_dir());

    let t = task(&m, 1);
    assert_units(t, &[host("县行政审批服务局")]);
    assert_groups(t, &[group("各镇街", UnitRole::Co)]);
    assert!(
        m.units.iter().all(|u| !YZ_TOWNS.contains(&u.name.as_str())),
        "{:?}",
        m.units
    );
    let why = m
        .warnings
        .iter()
        .find(|w| w.message.contains("青禾县人民政府"))
        .expect("the import says why");
    assert!(why.message.contains("济宁市兖州区"), "{why:?}");
}

#[test]
fn files_duban_cannot_read_are_refused_saying_how_to_convert_them() {
    let cases: [(&[u8], &str); 5] = [
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", "另存为” .docx"),
        (b"%PDF-1.7\n%\xE2\xE3", "PDF 文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "图片"),
        (b"\xFF\xD8\xFF\xE0\x00\x10JFIF", "图片"),
        (b"PK\x03\x04\x14\x00\x00\x00", "Word 文件"),
    ];
    for (bytes, says) in cases {
        let err = decode(bytes).unwrap_err();
        assert!(err.to_string().contains(says), "{says}: {err}");
        assert_chinese(&err);
    }
}

// ------------------------------------------------------------------ labels as a family

#[test]
fn labels_are_read_with_spaces_between_their_characters_and_in_traditional_characters() {
    let text = format!(
        "{HEAD}1.推进政务服务标准化。（牵 头 领 导：李明；牵 头 单 位：县行政审批服务局；配 合 单 位：县民政局）\n2.优化审批流程。（牽頭領導：張華；牽頭單位：县财政局；協辦單位：縣民政局）\n"
    );
    let m = parse_ok(&text, &qinghe_dir());

    assert_leaders(task(&m, 1), &[lead("李明")]);
    assert_units(task(&m, 1), &[host("县行政审批服务局"), co("县民政局")]);
    assert_leaders(task(&m, 2), &[lead("張華")]);
    // The label is folded for matching; the names stay as written.
    assert_units(task(&m, 2), &[host("县财政局"), co("縣民政局")]);
}

#[test]
fn responsibility_labels_of_other_governments_are_read() {
    let text = format!(
        "{HEAD}1.推进政务服务标准化。（牵头责任单位：县行政审批服务局；配合责任单位：县民政局）\n2.优化审批流程。（主要责任单位：县财政局；协同责任单位：县民政局）\n"
    );
    let m = parse_ok(&text, &qinghe_dir());

    assert_units(task(&m, 1), &[host("县行政审批服务局"), co("县民政局")]);
    assert_units(task(&m, 2), &[host("县财政局"), co("县民政局")]);
}

#[test]
fn tasks_numbered_with_circled_numbers_or_written_out_points_are_read() {
    let circled = format!(
        "{HEAD}①推进政务服务标准化。（牵头单位：县行政审批服务局）\n②优化审批流程。（牵头单位：县财政局）\n"
    );
    let points = format!(
        "{HEAD}一是推进政务服务标准化。（牵头单位：县行政审批服务局）\n二是优化审批流程。（牵头单位：县财政局）\n"
    );
    for text in [circled, points] {
        let m = parse_ok(&text, &qinghe_dir());
        let numbers: Vec<u32> = m.tasks.iter().map(|t| t.number).collect();
        assert_eq!(numbers, [1, 2], "{text}");
        assert_eq!(task(&m, 2).text, "优化审批流程。");
        assert_units(task(&m, 2), &[host("县财政局")]);
    }
}

// ------------------------------------------------------------------ tables written as text

#[test]
fn a_table_of_pipe_rows_tabs_or_spaced_cells_is_read_by_its_columns() {
    let pipes = format!(
        "{HEAD}| 序号 | 重点任务 | 牵头领导 | 牵头单位 | 配合单位 |\n| --- | --- | --- | --- | --- |\n| 1 | 推进政务服务标准化。 | 李明 | 县行政审批服务局 | 县民政局 |\n| 2 | 优化审批流程。 |  | 县财政局 |  |\n"
    );
    let tabs = format!(
        "{HEAD}序号\t重点任务\t牵头领导\t牵头单位\t配合单位\n1\t推进政务服务标准化。\t李明\t县行政审批服务局\t县民政局\n2\t优化审批流程。\t\t县财政局\t\n"
    );
    let spaces = format!(
        "{HEAD}序号  重点任务  牵头领导  牵头单位  配合单位\n1  推进政务服务标准化。  李明  县行政审批服务局  县民政局\n2  优化审批流程。  张华  县财政局  县民政局\n"
    );
    for text in [pipes, tabs, spaces] {
        let m = parse_ok(&text, &qinghe_dir());

        assert_eq!(m.tasks.len(), 2, "{text}");
        assert_eq!(task(&m, 1).text, "推进政务服务标准化。");
        assert_leaders(task(&m, 1), &[lead("李明")]);
        assert_units(task(&m, 1), &[host("县行政审批服务局"), co("县民政局")]);
        assert!(
            task(&m, 2)
                .units
                .iter()
                .any(|u| u.name == "县财政局" && u.role == UnitRole::Host)
        );
        // A row's line is its own line.
        assert_eq!(task(&m, 2).line, line_of(&text, "优化审批流程"));
    }
}
