//! The office corrects, duban keeps it: the stored matrix exported as an Excel 分解表
//! (`breakdown_xlsx`, what `duban matrix --format xlsx` writes), edited as an office would in
//! Excel, and imported again — on SQLite and PostgreSQL.

use crate::support::matrix::{SEED, lead, seed_dir, task};
use crate::support::{TestDb, on_both_backends};
use calamine::{Data, Reader};
use duban::matrix::{
    LeaderRef, LeaderRole, Matrix, UnitDirectory, UnitRole, breakdown_xlsx, decode, parse_notice,
};
use duban::store::{ImportOutcome, NewReport};
use std::io::{Cursor, Read};

/// The matrix without line numbers: a task's line is where it sits in the file (a row of the
/// sheet, a line of the text), and the store keeps the latest.
fn without_lines(mut m: Matrix) -> Matrix {
    m.tasks.iter_mut().for_each(|t| t.line = 0);
    m.sections.iter_mut().for_each(|s| s.line = 0);
    m
}

/// The sheet's cells as text, row by row, as calamine reads them.
fn cells(xlsx: &[u8]) -> Vec<Vec<String>> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The sheet's XML, for what calamine does not show: panes, widths, merged cells.
fn sheet_xml(xlsx: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).expect("a zip archive");
    let mut xml = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .expect("the first sheet")
        .read_to_string(&mut xml)
        .expect("UTF-8 XML");
    xml
}

/// A workbook with these cells, as Excel saves a sheet an office edited (no formatting).
fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in (0u32..).zip(rows) {
        for (c, value) in (0u16..).zip(row) {
            if !value.is_empty() {
                sheet.write_string(r, c, value).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The row of task `number` (its 序号 cell).
fn row_of(rows: &[Vec<String>], number: u32) -> usize {
    rows.iter()
        .position(|r| r[0] == number.to_string())
        .unwrap_or_else(|| panic!("a row for task {number}"))
}

fn column(rows: &[Vec<String>], header: &str) -> usize {
    rows.iter()
        .find_map(|r| r.iter().position(|c| c == header))
        .unwrap_or_else(|| panic!("a column {header}"))
}

/// The sheet read and parsed as `duban import` does.
fn read(xlsx: &[u8], dir: &UnitDirectory) -> Matrix {
    parse_notice(&decode(xlsx).expect("a workbook"), dir).expect("the sheet imports")
}

async fn import(db: &TestDb, m: &Matrix) -> ImportOutcome {
    db.store.import_matrix(m).await.expect("import succeeds")
}

async fn exported(db: &TestDb, notice_id: i64) -> (Matrix, Vec<u8>) {
    let stored = db.store.load_matrix(notice_id).await.unwrap();
    let xlsx = breakdown_xlsx(&stored).unwrap();
    (stored, xlsx)
}

#[test]
fn the_breakdown_sheet_has_the_title_number_header_sections_and_signature() {
    let seed = parse_notice(SEED, &seed_dir()).unwrap();

    let xlsx = breakdown_xlsx(&seed).unwrap();
    let rows = cells(&xlsx);

    assert_eq!(rows[0][0], "关于分解落实2022年政府工作报告任务目标的通知");
    assert_eq!(rows[1][0], "济兖政发〔2022〕1号");
    assert!(rows[2][0].starts_with("全区经济社会发展主要预期目标为：地区生产总值增长7%"));
    assert_eq!(
        rows[3],
        [
            "序号",
            "重点任务",
            "牵头领导",
            "责任领导",
            "主办单位",
            "协办单位",
            "完成时限"
        ]
    );
    assert_eq!(
        rows[4][0],
        "二、聚力制造强区建设，在工业经济高质量发展上求突破、开新局"
    );
    assert!(rows[4][1..].iter().all(String::is_empty), "a merged row");
    let task13 = &rows[row_of(&rows, 13)];
    assert_eq!(
        task13[2..6],
        [
            "",
            "张锐、崔增力",
            "区商务局",
            "区交通运输局、新兖镇、大安镇、酒仙桥街道、区发展改革局"
        ]
    );
    let task7 = &rows[row_of(&rows, 7)];
    assert_eq!(
        task7[4..6],
        ["区发展改革局", "区财政局、区直各部门、工业园区、各镇街"]
    );
    assert_eq!(task7[6], "", "完成时限 is left empty");
    // 71 tasks and 7 sections; below them, after an empty row, the issuer and the date.
    let last = rows.len() - 1;
    assert_eq!(rows[last - 1][0], "济宁市兖州区人民政府");
    assert_eq!(rows[last][0], "2022年2月15日");
    assert_eq!(last, 3 + 7 + 71 + 3);
    // For an office to edit comfortably: the rows above the tasks stay in view, the task
    // column is wide, and the title, the targets, the sections and the signature are merged.
    let xml = sheet_xml(&xlsx);
    assert!(
        xml.contains(r#"<pane ySplit="4" topLeftCell="A5""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<col min="2" max="2" width="60.7109375""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<mergeCells count="12">"#),
        "3 head rows, 7 sections, 2 signature rows"
    );
}

on_both_backends! {
    async fn the_seed_exported_to_excel_and_imported_again_changes_nothing(db) {
        let dir = seed_dir();
        let notice_id = import(db, &parse_notice(SEED, &dir).unwrap()).await.notice_id;
        let (before, xlsx) = exported(db, notice_id).await;

        let outcome = import(db, &read(&xlsx, &dir)).await;

        assert!(outcome.is_noop(), "{outcome:?}");
        assert_eq!(outcome.unchanged, 71);
        let after = db.store.load_matrix(notice_id).await.unwrap();
        assert_eq!(without_lines(after.clone()), without_lines(before));
        // Both leader roles and the group words came through.
        assert_eq!(
            task(&after, 13).leaders,
            [
                LeaderRef { name: "张锐".into(), role: LeaderRole::Responsible, title: None },
                LeaderRef { name: "崔增力".into(), role: LeaderRole::Responsible, title: None },
            ]
        );
        assert_eq!(task(&after, 1).leaders, [lead("张锐")]);
        let groups: Vec<&str> = task(&after, 43).groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(groups, ["区直相关部门", "各镇街"]);
    }

    async fn the_export_edited_in_excel_imports_as_exactly_those_changes_and_keeps_progress(db) {
        let dir = seed_dir();
        let notice_id = import(db, &parse_notice(SEED, &dir).unwrap()).await.notice_id;
        let task2 = db.store.task(notice_id, 2).await.unwrap().unwrap();
        let unit = db.store.unit_named("制造强市建设兖州区指挥部").await.unwrap().unwrap();
        let (report, _) = db
            .store
            .store_report(
                &NewReport {
                    task_id: task2.id,
                    task_number: 2,
                    item: false,
                    unit_id: unit.id,
                    unit_name: unit.name.clone(),
                    period: "2022-03".into(),
                    user_id: 1001,
                    light: None,
                    text: "已确定攀登企业100家".into(),
                    inbox_seq: 1,
                    corrects: None,
                    figures: Vec::new(),
                },
                100,
            )
            .await
            .unwrap();
        let (_, xlsx) = exported(db, notice_id).await;
        let mut rows = cells(&xlsx);
        let (hosts, co) = (column(&rows, "主办单位"), column(&rows, "协办单位"));

        // Task 2's host moves to one of its co-organizers; task 3 gets one more co-organizer;
        // task 4's row is deleted.
        let r2 = row_of(&rows, 2);
        assert_eq!(rows[r2][hosts], "制造强市建设兖州区指挥部");
        assert_eq!(rows[r2][co], "区工业和信息化局、工业园区、各镇街");
        rows[r2][hosts] = "区工业和信息化局".into();
        rows[r2][co] = "制造强市建设兖州区指挥部、工业园区、各镇街".into();
        let r3 = row_of(&rows, 3);
        rows[r3][co] = format!("{}、区财政局", rows[r3][co]);
        rows.remove(row_of(&rows, 4));
        let outcome = import(db, &read(&workbook(&rows), &dir)).await;

        assert_eq!(outcome.changed, [2, 3]);
        assert_eq!(outcome.removed, [4]);
        assert!(outcome.added.is_empty() && !outcome.created, "{outcome:?}");
        assert_eq!(outcome.unchanged, 68);
        let after = db.store.load_matrix(notice_id).await.unwrap();
        let role = |n: u32, name: &str| {
            task(&after, n).units.iter().find(|u| u.name == name).map(|u| u.role)
        };
        assert_eq!(role(2, "区工业和信息化局"), Some(UnitRole::Host));
        assert_eq!(role(2, "制造强市建设兖州区指挥部"), Some(UnitRole::Co));
        assert_eq!(role(3, "区财政局"), Some(UnitRole::Co));
        assert!(after.tasks.iter().all(|t| t.number != 4));
        // The changed task keeps its id and its report.
        assert_eq!(db.store.task(notice_id, 2).await.unwrap().unwrap().id, task2.id);
        assert_eq!(db.store.report(report.id).await.unwrap(), Some(report));
    }

    async fn a_host_listed_after_its_co_organizers_round_trips_as_no_change(db) {
        // Bold marks the host wherever it is listed; the sheet lists it first, in its column.
        let notice = "关于印发重点工作任务的通知\n\
            1.推进项目建设。（牵头领导：张三。承办单位：区商务局、**区财政局**，各镇街）\n\
            2.优化营商环境。（责任领导：李四。承办单位：**区行政审批服务局**、区商务局）\n";
        let dir = seed_dir();
        let notice_id = import(db, &parse_notice(notice, &dir).unwrap()).await.notice_id;
        let (before, xlsx) = exported(db, notice_id).await;
        assert_eq!(task(&before, 1).units[0].role, UnitRole::Co, "as the notice listed them");

        let outcome = import(db, &read(&xlsx, &dir)).await;

        assert!(outcome.is_noop(), "{outcome:?}");
        let after = db.store.load_matrix(notice_id).await.unwrap();
        assert_eq!(without_lines(after), without_lines(before));
    }

    async fn deadlines_unassigned_tasks_and_prose_round_trip_as_no_change(db) {
        // What the other readers add to a task: a 完成时限, no units at all (待明确承办单位),
        // units named in prose, a leader with a title and one named by the section heading.
        let notice = "关于印发重点工作任务的通知\n\
            一、张锐副区长牵头的工作\n\
            1.推进项目建设。（牵头领导：区长 张三。承办单位：区商务局、区财政局；完成时限：2022年6月底前）\n\
            2.优化营商环境。（牵头领导：李四）\n\
            3.建设道路5公里。（区交通运输局牵头，区财政局、各镇街配合）\n";
        let dir = seed_dir();
        let parsed = parse_notice(notice, &dir).unwrap();
        assert!(task(&parsed, 2).units.is_empty(), "task 2 names no unit");
        assert_eq!(task(&parsed, 1).leaders[0].title.as_deref(), Some("区长"));
        assert_eq!(task(&parsed, 3).leaders[0].title.as_deref(), Some("副区长"));
        let notice_id = import(db, &parsed).await.notice_id;
        let (before, xlsx) = exported(db, notice_id).await;
        assert_eq!(
            task(&before, 1).deadline.as_ref().map(|d| d.text.as_str()),
            Some("2022年6月底前")
        );

        let outcome = import(db, &read(&xlsx, &dir)).await;

        assert!(outcome.is_noop(), "{outcome:?}");
        let after = db.store.load_matrix(notice_id).await.unwrap();
        assert_eq!(without_lines(after), without_lines(before));
    }
}
