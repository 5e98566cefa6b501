//! Notices as Excel 分解表: the seed as a breakdown sheet (a title row, a header row, section
//! rows merged across the columns, a row per task with 主办单位 and 协办单位 columns).

use crate::support::matrix::{
    SEED, assert_units, co, host, lead, qh_towns_and_subdistricts, qinghe_dir, seed_dir, task, via,
};
use duban::matrix::{Matrix, UnitRole, decode, parse_notice};

const SEED_XLSX: &[u8] = include_bytes!("../../seeds/yanzhou-2022-task-breakdown.xlsx");

/// The matrix without line numbers (rows of the sheet, lines of the text).
fn without_lines(mut m: Matrix) -> Matrix {
    m.tasks.iter_mut().for_each(|t| t.line = 0);
    m.sections.iter_mut().for_each(|s| s.line = 0);
    m
}

#[test]
fn the_seed_as_a_breakdown_sheet_imports_into_the_same_tasks_as_the_text() {
    let from_text = without_lines(parse_notice(SEED, &seed_dir()).unwrap());

    let text = decode(SEED_XLSX).expect("the sheet is read");
    let from_sheet = without_lines(parse_notice(&text, &seed_dir()).unwrap());

    // The sheet has no document number, date or section 一 (the district's own targets):
    // what it does hold is the matrix.
    assert_eq!(from_sheet.sections, from_text.sections);
    assert_eq!(from_sheet.units, from_text.units);
    assert_eq!(from_sheet.groups, from_text.groups);
    assert_eq!(from_sheet.tasks.len(), 71);
    for (sheet, text) in from_sheet.tasks.iter().zip(&from_text.tasks) {
        assert_eq!(sheet, text, "task {}", text.number);
    }
}

#[test]
fn a_warning_names_the_row_of_the_sheet() {
    let text = decode(SEED_XLSX).unwrap();
    let m = parse_notice(&text, &seed_dir()).unwrap();

    // Task 8 is in row 11: the title, the header and the row of section 二 come first.
    let task8 = m.tasks.iter().find(|t| t.number == 8).unwrap();
    assert_eq!(task8.line, 4 + 7);
}

/// An .xls (Excel 97-2003) 分解表 of another county, with 牵头单位 / 配合单位 columns, a
/// 完成时限 column and merged section rows (made with Python's xlwt).
#[test]
fn an_xls_breakdown_sheet_is_read_like_an_xlsx() {
    let bytes = include_bytes!("../fixtures/qinghe-breakdown.xls");

    let text = decode(bytes).expect("the .xls is read");
    let m = parse_notice(&text, &qinghe_dir()).unwrap();

    assert_eq!(m.sections.len(), 2);
    assert_eq!(m.tasks.len(), 2);
    let first = task(&m, 1);
    assert_eq!(
        first.text,
        "推进政务服务标准化，年内新增“一网通办”事项100项。"
    );
    assert_eq!(first.leaders, [lead("李明")]);
    let mut expected = vec![host("县行政审批服务局"), co("县发展和改革局")];
    expected.extend(via(
        "各镇街",
        UnitRole::Co,
        &qh_towns_and_subdistricts(),
        &[],
    ));
    assert_units(first, &expected);
    assert_units(task(&m, 2), &[host("青禾经济开发区")]);
    assert_eq!(first.line, 4, "row 4 of the sheet");
}
