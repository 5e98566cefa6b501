//! 完成时限: a task's deadline read from its field (or an Excel column), stored, shown and used
//! by the bulletin.

use crate::support::matrix::{parse_ok, qinghe_dir, task};
use chrono::NaiveDate;
use duban::matrix::{Deadline, Matrix, decode};

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A notice of 2022 with one task per deadline as written.
fn notice(deadlines: &[&str]) -> String {
    let mut text =
        String::from("青禾县人民政府\n关于印发青禾县2022年重点工作任务分解方案的通知\n\n");
    for (i, deadline) in deadlines.iter().enumerate() {
        text.push_str(&format!(
            "{}. 推进第{}项工作。（牵头单位：县商务局；完成时限：{deadline}）\n",
            i + 1,
            i + 1
        ));
    }
    text
}

fn deadlines(m: &Matrix) -> Vec<Option<Deadline>> {
    m.tasks.iter().map(|t| t.deadline.clone()).collect()
}

#[test]
fn each_written_form_of_a_deadline_gives_its_last_day() {
    let forms: &[(&str, Option<NaiveDate>)] = &[
        ("2022年6月底前", date(2022, 6, 30)),
        ("6月底", date(2022, 6, 30)),
        ("6月30日前", date(2022, 6, 30)),
        ("2022年6月15日", date(2022, 6, 15)),
        ("2022.6.30", date(2022, 6, 30)),
        ("2022-06", date(2022, 6, 30)),
        ("2022/9/1前", date(2022, 9, 1)),
        ("年底前", date(2022, 12, 31)),
        ("年内", date(2022, 12, 31)),
        ("12月底", date(2022, 12, 31)),
        ("上半年", date(2022, 6, 30)),
        ("一季度", date(2022, 3, 31)),
        ("第一季度", date(2022, 3, 31)),
        ("一季度末", date(2022, 3, 31)),
        ("三季度", date(2022, 9, 30)),
        ("2023年上半年", date(2023, 6, 30)),
        ("2023年", date(2023, 12, 31)),
        ("２０２２年７月底", date(2022, 7, 31)),
    ];
    let texts: Vec<&str> = forms.iter().map(|(text, _)| *text).collect();

    let m = parse_ok(&notice(&texts), &qinghe_dir());

    let expected: Vec<Option<Deadline>> = forms
        .iter()
        .map(|(text, date)| {
            Some(Deadline {
                text: (*text).into(),
                date: *date,
            })
        })
        .collect();
    assert_eq!(deadlines(&m), expected);
    assert!(
        !m.warnings.iter().any(|w| w.message.contains("完成时限")),
        "{:?}",
        m.warnings
    );
}

#[test]
fn words_that_name_no_day_keep_their_text_without_a_warning() {
    let m = parse_ok(
        &notice(&["长期", "持续推进", "长期坚持", "每月20日前"]),
        &qinghe_dir(),
    );

    for (t, text) in m
        .tasks
        .iter()
        .zip(["长期", "持续推进", "长期坚持", "每月20日前"])
    {
        assert_eq!(
            t.deadline,
            Some(Deadline {
                text: text.into(),
                date: None
            })
        );
    }
    assert!(!m.warnings.iter().any(|w| w.message.contains("完成时限")));
}

#[test]
fn a_date_that_is_no_date_keeps_its_text_and_is_named_with_its_line() {
    let m = parse_ok(&notice(&["2022年6月31日", "2022年6月底前"]), &qinghe_dir());

    assert_eq!(task(&m, 1).deadline.as_ref().unwrap().date, None);
    assert_eq!(task(&m, 1).deadline.as_ref().unwrap().text, "2022年6月31日");
    let warning = m
        .warnings
        .iter()
        .find(|w| w.message.contains("完成时限"))
        .expect("a warning about the deadline");
    assert_eq!(warning.line, task(&m, 1).line);
    assert_eq!(
        warning.message,
        "第1项任务的完成时限“2022年6月31日”无法识别为日期；已按原文保存，序时进度按年底计算。"
    );
}

#[test]
fn a_month_without_a_year_in_a_notice_without_one_is_named() {
    let text = notice(&["6月底前"]).replace("2022年", "");

    let m = parse_ok(&text, &qinghe_dir());

    assert_eq!(task(&m, 1).deadline.as_ref().unwrap().date, None);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.message.contains("没有写年份") && w.line == task(&m, 1).line),
        "{:?}",
        m.warnings
    );
}

#[test]
fn a_task_without_a_deadline_has_none_and_other_labels_read_the_same() {
    let text = notice(&["6月底"])
        + "2. 推进第2项工作。（牵头单位：县商务局）\n\
           3. 推进第3项工作。（牵头单位：县商务局；时间节点：9月底前）\n\
           4. 推进第4项工作。（牵头单位：县商务局；完成时间：2022年10月31日）\n";

    let m = parse_ok(&text, &qinghe_dir());

    let dates: Vec<Option<NaiveDate>> = m
        .tasks
        .iter()
        .map(|t| t.deadline.as_ref().and_then(|d| d.date))
        .collect();
    assert_eq!(
        dates,
        [
            date(2022, 6, 30),
            None,
            date(2022, 9, 30),
            date(2022, 10, 31)
        ]
    );
    assert_eq!(task(&m, 2).deadline, None);
    // The deadline is no unit and no part of the task's text.
    assert_eq!(task(&m, 3).text, "推进第3项工作。");
    assert_eq!(task(&m, 3).units.len(), 1);
}

/// A 分解表 with a 完成时限 column: a text cell and a cell Excel holds as a date.
#[test]
fn an_excel_deadline_column_is_read_as_text_or_as_a_date_cell() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows: [[&str; 4]; 3] = [
        ["序号", "工作任务", "牵头单位", "完成时限"],
        [
            "1",
            "推进政务服务标准化。",
            "县行政审批服务局",
            "2022年6月底前",
        ],
        ["2", "优化审批流程。", "县发展和改革局", ""],
    ];
    sheet
        .write_string(0, 0, "青禾县2022年重点工作任务分解表")
        .unwrap();
    for (r, row) in (1u32..).zip(rows) {
        for (c, value) in (0u16..).zip(row) {
            if !value.is_empty() {
                sheet.write_string(r, c, value).unwrap();
            }
        }
    }
    let day = ExcelDateTime::from_ymd(2022, 9, 30).unwrap();
    let shown = Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_datetime_with_format(3, 3, &day, &shown)
        .unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let m = parse_ok(&decode(&bytes).unwrap(), &qinghe_dir());

    assert_eq!(
        deadlines(&m),
        [
            Some(Deadline {
                text: "2022年6月底前".into(),
                date: date(2022, 6, 30)
            }),
            Some(Deadline {
                text: "2022年9月30日".into(),
                date: date(2022, 9, 30)
            }),
        ]
    );
}

/// The reminders and the supervisors' escalation name a task's 完成时限.
#[test]
fn reminders_and_the_escalation_show_the_deadline() {
    use duban::wording::texts::{escalation, reminder_list, reminder_task};
    let mut task = crate::support::bulletin::tasks().remove(3);
    task.deadline = Some(Deadline {
        text: "3月15日前".into(),
        date: date(2022, 3, 15),
    });
    let due = date(2022, 3, 25).unwrap();

    assert!(reminder_task(&task, "2022-03", due).contains("\n完成时限：3月15日前\n"));
    let list = reminder_list("区住建局", &[&task], "2022-03", due);
    assert!(
        list[0].lines().any(|l| l.trim() == "完成时限：3月15日前"),
        "{list:?}"
    );
    assert!(
        escalation(None, &[(&task, vec!["区住建局"])], "2022-03", due, 0)[0]
            .contains("第4项 改造老旧小区22个。（主办：区住建局；完成时限：3月15日前）")
    );
}
