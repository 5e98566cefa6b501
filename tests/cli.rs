//! The `duban` binary end to end: real files, a real SQLite database, real output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SEED: &str = "seeds/yanzhou-2022-task-notice.txt";

struct Env {
    _dir: tempfile::TempDir,
    db_url: String,
    root: PathBuf,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db_url = format!("sqlite://{}", dir.path().join("nested/duban.db").display());
        Self {
            db_url,
            root: dir.path().to_path_buf(),
            _dir: dir,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// `duban ARGS` on this environment's database, to be given more before it runs.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_duban"));
        command
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DUBAN_DATABASE_URL", &self.db_url)
            .env("DUBAN_LOG", "warn");
        command
    }

    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.root.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn task_count(env: &Env) -> usize {
    let out = env.run(&["matrix", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["tasks"].as_array().unwrap().len()
}

#[test]
fn importing_the_seed_creates_the_database_and_summarises_the_matrix() {
    let env = Env::new();
    let out = env.run(&["import", SEED]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("济兖政发〔2022〕1号"), "{text}");
    assert!(text.contains("7个部分，71项任务"), "{text}");
    assert!(text.contains("相关镇街（6项任务）"), "{text}");
    assert!(text.contains("已导入数据库"), "{text}");
    assert_eq!(task_count(&env), 71);
}

#[test]
fn importing_the_same_notice_twice_changes_nothing() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let out = env.run(&["import", SEED]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("与已导入的版本相同，数据库未做任何修改"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn importing_a_changed_notice_reports_added_changed_and_removed_tasks() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let seed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap();
    let last = seed.lines().find(|l| l.starts_with("71.")).unwrap();
    let changed = seed
        .replace(
            "3.深化精准辅导培育，大力推动企业上市。",
            "3.深化精准辅导培育，年内推动2家企业上市。",
        )
        .replace(last, &last.replacen("71.", "72.", 1))
        .replace("70.强化预算", "70.1强化预算");
    // "70.1…" reads as a figure, not a task number: task 70 is gone, the line is ignored.
    let file = env.file("changed.txt", changed);
    let out = env.run(&["import", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("新增1项：第72项"), "{text}");
    assert!(text.contains("移除2项：第70项、第71项"), "{text}");
    assert!(text.contains("修改1项：第3项"), "{text}");
    assert!(text.contains("没有任务编号，未作为任务导入"), "{text}");
    assert_eq!(task_count(&env), 70);
}

#[test]
fn matrix_json_has_the_documented_shape_and_filters_work() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let out = env.run(&["matrix", "--format", "json", "--task", "38"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["notice"]["doc_number"], "济兖政发〔2022〕1号");
    assert_eq!(json["notice"]["date"], "2022-02-15");
    let task = &json["tasks"][0];
    assert_eq!(task["number"], 38);
    assert_eq!(
        task["section"],
        "五、聚力实现乡村振兴，在推进农业农村现代化上求突破、开新局"
    );
    assert_eq!(
        task["leaders"][0],
        serde_json::json!({"name": "孙恒民", "role": "lead"})
    );
    assert_eq!(
        task["units"][0],
        serde_json::json!({"name": "区农业农村局", "role": "host", "via": null})
    );
    assert_eq!(task["units"].as_array().unwrap().len(), 11);
    assert_eq!(
        task["deadline"],
        serde_json::Value::Null,
        "the seed gives no 完成时限"
    );

    let out = env.run(&["matrix", "--unit", "酒仙桥街道", "--leader", "崔增力"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("共"), "{text}");
    // Task 16 names 酒仙桥街道 directly and has 崔增力 as a responsible leader; 67 has neither.
    assert!(text.lines().any(|l| l.starts_with("16 ")), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("67 ")), "{text}");
}

#[test]
fn matrix_as_xlsx_writes_a_breakdown_sheet_that_imports_as_the_same_version() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let file = env.root.join("分解表.xlsx").display().to_string();

    let out = env.run(&["matrix", "--format", "xlsx", "--out", &file]);

    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("分解表（71项任务）已写入"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains(&format!("duban import {file}")),
        "{}",
        stdout(&out)
    );
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip file");
    let out = env.run(&["import", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("与已导入的版本相同，数据库未做任何修改"),
        "{}",
        stdout(&out)
    );
    assert_eq!(task_count(&env), 71);
}

#[test]
fn matrix_as_xlsx_is_refused_to_the_terminal_for_some_tasks_or_into_a_missing_folder() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let missing = env
        .root
        .join("no/such/folder/分解表.xlsx")
        .display()
        .to_string();
    let file = env.root.join("分解表.xlsx").display().to_string();
    let refusals: [(&[&str], &str); 3] = [
        (
            &["matrix", "--format", "xlsx"],
            "请用 --out 文件名 指定写到哪里",
        ),
        (
            &["matrix", "--format", "xlsx", "--task", "3", "--out", &file],
            "不能与 --task、--unit、--leader 同用",
        ),
        (
            &["matrix", "--format", "xlsx", "--out", &missing],
            "no/such/folder 不存在",
        ),
    ];

    for (args, reason) in refusals {
        let out = env.run(args);

        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
    assert!(!Path::new(&file).exists(), "no file was written");
}

#[test]
fn a_deadline_is_a_column_of_the_matrix_and_a_field_of_its_json() {
    let env = Env::new();
    let notice = env.file(
        "deadlines.txt",
        "关于印发青禾县2022年重点工作任务分解方案的通知\n\
         1. 推进政务服务标准化。（牵头单位：县行政审批服务局；完成时限：2022年6月底前）\n\
         2. 优化审批流程。（牵头单位：县发展和改革局）\n",
    );
    let imported = env.run(&["import", &notice]);
    assert!(imported.status.success(), "{}", stderr(&imported));

    let out = env.run(&["matrix", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["tasks"][0]["deadline"],
        serde_json::json!({"text": "2022年6月底前", "date": "2022-06-30"})
    );
    assert_eq!(json["tasks"][1]["deadline"], serde_json::Value::Null);
    let table = stdout(&env.run(&["matrix"]));
    let header = table.lines().nth(1).unwrap();
    assert!(header.trim_end().ends_with("完成时限"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("1 ") && l.trim_end().ends_with("2022年6月底前")),
        "{table}"
    );
}

#[test]
fn units_lists_host_and_co_counts() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let out = env.run(&["units"]);
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.starts_with("区科技局"))
        .expect("区科技局 row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    // Hosts 8; co-organizes 1, 9 and, through 区直各部门, 7 and 61.
    assert_eq!(cells[1..], ["区直部门", "1", "4"], "{row}");
}

#[test]
fn a_bad_file_is_refused_in_chinese_and_changes_nothing() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let cases = [
        (env.file("empty.txt", ""), "文件是空的"),
        (
            env.file("binary.bin", [0u8, 159, 146, 150, 0, 1, 2]),
            "不是文本文件",
        ),
        (
            env.file(
                "plain.txt",
                "关于做好某项工作的通知\n1.各单位要高度重视。\n2.按时报送。",
            ),
            "没有找到任务",
        ),
        (
            env.root.join("missing.txt").display().to_string(),
            "文件不存在",
        ),
    ];
    for (file, expected) in cases {
        let out = env.run(&["import", &file]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(stderr(&out).contains(expected), "{file}: {}", stderr(&out));
        assert!(stderr(&out).contains("数据库未做任何修改") || expected == "文件不存在");
    }
    assert_eq!(task_count(&env), 71);
}

#[test]
fn dry_run_parses_without_touching_the_database() {
    let env = Env::new();
    let out = env.run(&["import", SEED, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("试运行"));
    // The matrix as a table to review: every task with its hosts.
    assert!(
        text.contains("编号") && text.contains("主办") && text.contains("共71项任务"),
        "{text}"
    );
    assert!(text.contains("制造强市建设兖州区指挥部"), "{text}");
    assert!(!env.root.join("nested").exists());
}

#[test]
fn an_invalid_database_url_stops_at_start_naming_the_key() {
    let env = Env {
        db_url: "mysql://localhost/x".into(),
        ..Env::new()
    };
    let out = env.run(&["units"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("DUBAN_DATABASE_URL"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn reading_before_any_import_says_what_to_do() {
    let env = Env::new();
    let out = env.run(&["matrix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("duban import"), "{}", stderr(&out));
}

#[test]
fn invite_prints_a_single_use_link_and_refuses_unknown_units() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["invite", "--unit", "区科技局", "--expires", "3d"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DUBAN_DATABASE_URL", &env.db_url)
        .env("DUBAN_BOT_USERNAME", "duban_bot")
        .env_remove("DUBAN_BOT_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("邀请链接（区科技局联络员，有效至"),
        "{text}"
    );
    assert!(text.contains("https://t.me/duban_bot?start="), "{text}");
    assert!(!text.contains("钉钉"), "{text}");

    // With DingTalk configured, the invite also says what to send the robot there.
    let out = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["invite", "--unit", "区科技局"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DUBAN_DATABASE_URL", &env.db_url)
        .env("DUBAN_BOT_USERNAME", "duban_bot")
        .env("DUBAN_DINGTALK_CLIENT_ID", "dingappkey")
        .env_remove("DUBAN_BOT_TOKEN")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("https://t.me/duban_bot?start="), "{text}");
    let code = text.split("start=").nth(1).unwrap().lines().next().unwrap();
    assert!(
        text.contains(&format!("在钉钉里与督办机器人单聊，发送：绑定 {code}")),
        "{text}"
    );

    let unknown = env.run(&["invite", "--unit", "科技"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("您是不是要找：区科技局"),
        "{}",
        stderr(&unknown)
    );
    let bad = env.run(&["invite", "--admin", "--expires", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).starts_with("有效期“soon”无效"),
        "{}",
        stderr(&bad)
    );
    let none = env.run(&["invite"]);
    assert_eq!(
        none.status.code(),
        Some(2),
        "one of --unit, --supervisor, --admin"
    );

    let audit = env.run(&["audit"]);
    assert!(audit.status.success());
    assert!(stdout(&audit).contains("invite"), "{}", stdout(&audit));
    assert!(stdout(&audit).contains("区科技局"), "{}", stdout(&audit));
    let bad_since = env.run(&["audit", "--since", "yesterday"]);
    assert_eq!(bad_since.status.code(), Some(2));
}

/// The seed notice imported by the binary, the store open on it, task 8 and its host unit.
async fn seeded_task_8(
    env: &Env,
) -> (
    duban::store::Store,
    duban::store::TaskView,
    duban::store::Named,
) {
    assert!(env.run(&["import", SEED]).status.success());
    let store = duban::store::Store::connect(&env.db_url).await.unwrap();
    let notice = store.latest_notice_id().await.unwrap().unwrap();
    let task = store.task(notice, 8).await.unwrap().unwrap();
    let unit = store.unit_named("区科技局").await.unwrap().unwrap();
    (store, task, unit)
}

#[tokio::test]
async fn reports_are_listed_as_table_json_and_csv() {
    use duban::store::{NewReport, ReportFigure, Store};
    let env = Env::new();
    let (store, task, unit) = seeded_task_8(&env).await;
    let report = NewReport {
        task_id: task.id,
        task_number: 8,
        item: false,
        unit_id: unit.id,
        unit_name: "区科技局".into(),
        period: "2022-03".into(),
        user_id: 1001,
        light: None,
        text: "已新增高新技术企业18家，另有\"储备\"企业".into(),
        inbox_seq: 7,
        corrects: None,
        figures: vec![ReportFigure {
            target_position: 0,
            metric: "高新技术企业".into(),
            text: "18家".into(),
            value: 18.0,
            target_value: 30.0,
            unit: "家".into(),
        }],
    };
    store.store_report(&report, 1_646_874_000).await.unwrap();
    store.close().await;

    let table = env.run(&["reports", "--period", "2022-03"]);
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(stdout(&table).contains("区科技局"), "{}", stdout(&table));
    assert!(stdout(&table).contains("共 1 条。"), "{}", stdout(&table));
    let json = env.run(&["reports", "--unit", "区科技局", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value[0]["task_number"], 8);
    assert_eq!(value[0]["figures"][0]["value"], 18.0);
    let csv = env.run(&["reports", "--task", "8", "--format", "csv"]);
    let csv = stdout(&csv);
    assert!(csv.starts_with("\u{feff}编号,期间,任务,单位"), "{csv}");
    assert!(
        csv.contains("\"已新增高新技术企业18家，另有\"\"储备\"\"企业\""),
        "{csv}"
    );
    let empty = env.run(&["reports", "--period", "2022-04"]);
    assert!(
        stdout(&empty).contains("没有符合条件的报告"),
        "{}",
        stdout(&empty)
    );
    let unknown = env.run(&["reports", "--unit", "不存在"]);
    assert_eq!(unknown.status.code(), Some(2));

    let periods = stdout(&env.run(&["periods"]));
    let march = periods
        .lines()
        .find(|l| l.starts_with("2022-03"))
        .unwrap_or_else(|| panic!("{periods}"));
    for cell in ["2022-03-01 至 2022-03-31", "2022-03-25", "1/71"] {
        assert!(march.contains(cell), "{cell} in {march}");
    }
    assert!(periods.contains("（本期）"), "{periods}");

    let inbox = env.run(&["inbox"]);
    assert!(stdout(&inbox).contains("收件箱为空"), "{}", stdout(&inbox));
    let failed = env.run(&["inbox", "--failed"]);
    assert!(
        stdout(&failed).contains("没有处理失败的消息"),
        "{}",
        stdout(&failed)
    );

    let store = Store::connect(&env.db_url).await.unwrap();
    let update = duban::store::Incoming {
        platform: duban::store::Platform::Telegram,
        update_id: 42,
        update_date: 0,
        chat_id: Some(1001),
        payload: r#"{"update_id":42,"message":{"text":"/report 8 已完成"}}"#.into(),
    };
    let stored = store.inbox_put(&[update], 1_646_874_000).await.unwrap();
    assert!(
        store
            .inbox_attempt_failed(stored[0].1, "boom", 0, 1)
            .await
            .unwrap()
    );
    store.close().await;
    let failed = env.run(&["inbox", "--failed"]);
    let text = stdout(&failed);
    assert!(
        text.contains("boom") && text.contains("/report 8 已完成"),
        "{text}"
    );
    assert!(text.contains("共 1 条处理失败"), "{text}");
    let counts = stdout(&env.run(&["inbox"]));
    assert!(counts.contains("失败"), "{counts}");
}

#[test]
fn calendar_check_names_the_day_and_where_a_reminder_goes() {
    let env = Env::new();
    let holiday = env.run(&["calendar", "check", "2022-10-03"]);
    assert!(holiday.status.success(), "{}", stderr(&holiday));
    assert_eq!(
        stdout(&holiday),
        "2022-10-03 星期一：国庆节假期，非工作日\n  落在这天的提醒顺延到 2022-10-08（星期六）\n  落在这天的提醒提前到 2022-09-30（星期五）\n"
    );
    let make_up = env.run(&["calendar", "check", "2022-01-29"]);
    assert_eq!(
        stdout(&make_up),
        "2022-01-29 星期六：调休上班日（春节），是工作日\n"
    );
    let bad = env.run(&["calendar", "check", "2022-13-01"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("不是日期"), "{}", stderr(&bad));
}

#[test]
fn schedule_set_previews_saves_only_with_yes_and_refuses_a_bad_expression() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());

    let list = env.run(&["schedule", "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let listed = stdout(&list);
    for line in [
        "提醒 reminder",
        "催报 nudge",
        "督促 escalation",
        "通报 bulletin",
    ] {
        assert!(listed.contains(line), "{listed}");
    }
    assert!(
        listed.contains("0 0 9 18 * *") && listed.contains("配置"),
        "{listed}"
    );

    let bad = env.run(&["schedule", "set", "nudge", "0 0 9 * * 2-6"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("不要用数字"), "{}", stderr(&bad));
    let unit_for_escalation = env.run(&[
        "schedule",
        "set",
        "escalation",
        "0 0 9 27 * *",
        "--unit",
        "区科技局",
    ]);
    assert_eq!(unit_for_escalation.status.code(), Some(2));
    assert!(stderr(&unit_for_escalation).contains("针对全区"));

    let preview = env.run(&[
        "schedule",
        "set",
        "nudge",
        "0 30 8 * * Mon-Fri",
        "--unit",
        "区科技局",
    ]);
    assert!(preview.status.success(), "{}", stderr(&preview));
    assert!(stdout(&preview).contains("未保存"), "{}", stdout(&preview));
    assert!(!stdout(&env.run(&["schedule", "list"])).contains("0 30 8 * * Mon-Fri"));

    let saved = env.run(&[
        "schedule",
        "set",
        "nudge",
        "0 30 8 * * Mon-Fri",
        "--unit",
        "区科技局",
        "--yes",
    ]);
    assert!(saved.status.success(), "{}", stderr(&saved));
    assert!(stdout(&saved).starts_with("已保存"), "{}", stdout(&saved));
    let paused = env.run(&["schedule", "pause", "reminder"]);
    assert!(paused.status.success(), "{}", stderr(&paused));
    let listed = stdout(&env.run(&["schedule", "list"]));
    let own = listed
        .lines()
        .find(|l| l.contains("区科技局"))
        .unwrap_or_default();
    assert!(
        own.contains("0 30 8 * * Mon-Fri") && own.contains("已修改"),
        "{listed}"
    );
    let reminder = listed
        .lines()
        .find(|l| l.contains("提醒 reminder"))
        .unwrap();
    assert!(reminder.contains("已暂停"), "{listed}");
    let audit = stdout(&env.run(&["audit"]));
    assert!(
        audit.contains("schedule_set") && audit.contains("schedule_pause"),
        "{audit}"
    );
}

#[test]
fn bulletin_renders_a_period_keeps_its_number_and_refuses_the_future() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());

    let md = env.run(&["bulletin", "--period", "2022-03", "--format", "md"]);
    assert!(md.status.success(), "{}", stderr(&md));
    let text = stdout(&md);
    assert!(
        text.starts_with("# 济宁市兖州区政府工作报告重点任务落实情况督查通报"),
        "{text}"
    );
    assert!(text.contains("第1期"), "{text}");
    assert!(text.contains("共71项任务，已反馈0项，未反馈71项"), "{text}");
    // The same period keeps its number; it can be asked for by number.
    let again = stdout(&env.run(&["bulletin", "--period", "1", "--format", "text"]));
    assert!(
        again.starts_with("<b>济宁市兖州区政府工作报告重点任务落实情况督查通报</b>\n第1期"),
        "{again}"
    );

    let future = env.run(&["bulletin", "--period", "2099-01"]);
    assert_eq!(future.status.code(), Some(2));
    assert!(
        stderr(&future).contains("报告期 2099-01 还没有开始"),
        "{}",
        stderr(&future)
    );
    let nonsense = env.run(&["bulletin", "--period", "三月"]);
    assert_eq!(nonsense.status.code(), Some(2));
    assert!(
        stderr(&nonsense).contains("不是报告期"),
        "{}",
        stderr(&nonsense)
    );
    // Binary formats: only to a file.
    for format in ["docx", "png"] {
        let binary = env.run(&["bulletin", "--period", "2022-03", "--format", format]);
        assert_eq!(binary.status.code(), Some(2));
        assert!(stderr(&binary).contains("--out"), "{}", stderr(&binary));
    }

    for (format, magic) in [
        ("docx", &b"PK"[..]),
        ("xlsx", &b"PK"[..]),
        ("html", &b"<!DOCTYPE html>"[..]),
        ("png", &b"\x89PNG\r\n\x1a\n"[..]),
    ] {
        let file = env.root.join(format!("bulletin.{format}"));
        let out = env.run(&[
            "bulletin",
            "--period",
            "2022-03",
            "--format",
            format,
            "--out",
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).starts_with("第1期通报（2022-03）已写入"),
            "{}",
            stdout(&out)
        );
        assert!(std::fs::read(&file).unwrap().starts_with(magic), "{format}");
    }
    let bytes = std::fs::read(env.root.join("bulletin.png")).unwrap();
    let info = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap()
        .info()
        .clone();
    // The seed: 7 sections, and more host units than the 20 the chart shows.
    assert_eq!(info.width, duban::bulletin::render::png::WIDTH);
    assert_eq!(
        info.height,
        210 + (56 + 7 * 40 + 88) + (56 + 20 * 40 + 88) + 56
    );
}

#[test]
fn a_time_zone_with_daylight_saving_is_refused_naming_the_key() {
    let env = Env::new();
    let out = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["periods"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DUBAN_DATABASE_URL", &env.db_url)
        .env("DUBAN_TIME_ZONE", "Europe/Berlin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(
        said.contains("DUBAN_TIME_ZONE") && said.contains("不支持夏令时"),
        "{said}"
    );
}

#[test]
fn demo_lives_through_a_period_offline_and_leaves_the_configured_database_alone() {
    let env = Env::new();
    let dir = env.root.join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["demo", "--units", "5", "--out", dir.to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DUBAN_DATABASE_URL", &env.db_url)
        .env_remove("DUBAN_BOT_TOKEN")
        .env_remove("DUBAN_LOG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("导入 seeds/yanzhou-2022-task-notice.txt："),
        "{text}"
    );
    assert!(text.contains("演示完成：模拟 2022-03-01 08:00"), "{text}");
    assert!(text.contains("通报：第1期（2022-03）"), "{text}");
    assert!(text.contains("transcript.html"), "{text}");
    // No progress line and no log lines when stderr is not a terminal.
    assert_eq!(stderr(&out), "");
    for name in ["duban.db", "督查通报第1期-2022-03.docx", "transcript.html"] {
        assert!(dir.join(name).exists(), "{name}");
    }
    assert!(!env.root.join("nested/duban.db").exists());
}

// ------------------------------------------------------------------ standard output and input

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    // The reader is gone before duban writes its first line, as with `duban matrix | head -0`.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);

    let out = env.command(&["matrix"]).stdout(writer).output().unwrap();

    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_full_disk_on_standard_output_is_an_error_message_not_a_panic() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let full = std::fs::File::create("/dev/full").unwrap();

    let out = env.command(&["matrix"]).stdout(full).output().unwrap();

    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("无法写入标准输出：磁盘已满"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn import_dash_reads_the_notice_from_standard_input() {
    let env = Env::new();
    let seed = std::fs::File::open(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap();

    let out = env.command(&["import", "-"]).stdin(seed).output().unwrap();

    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(task_count(&env), 71);
}

#[test]
fn an_endless_notice_is_refused_at_the_size_limit() {
    let env = Env::new();

    let out = env.run(&["import", "/dev/zero"]);

    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("文件超过 50 MB"), "{}", stderr(&out));
    assert!(
        !Path::new(&env.root.join("nested/duban.db")).exists(),
        "nothing written"
    );
}

// ------------------------------------------------------------------ settings and arguments

#[test]
fn a_sqlite_url_without_a_file_is_refused_naming_the_key() {
    let env = Env {
        db_url: "sqlite:".into(),
        ..Env::new()
    };

    let out = env.run(&["import", SEED]);

    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("DUBAN_DATABASE_URL"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("缺少 SQLite 数据库文件的路径"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_settings_are_explained_in_chinese_without_serde_english() {
    let env = Env::new();
    for (var, value, expected) in [
        ("DUBAN_CYCLE", "daily", "“daily”无效，应为weekly（每周）"),
        (
            "DUBAN_SHIFT",
            "later",
            "“later”无效，应为next（顺延到下一个工作日）",
        ),
        (
            "DUBAN_SEND_PER_SECOND",
            "-1",
            "“-1”无效，应为不小于 0 的整数",
        ),
        ("DUBAN_INVITE_DAYS", "99999999", "邀请最长有效 366 天"),
    ] {
        let out = env.command(&["units"]).env(var, value).output().unwrap();

        assert_eq!(out.status.code(), Some(2), "{var}: {}", stderr(&out));
        let message = stderr(&out);
        assert!(message.contains(var), "{message}");
        assert!(message.contains(expected), "{message}");
        for english in ["unknown variant", "invalid value", "expected"] {
            assert!(!message.contains(english), "{message}");
        }
    }
}

#[test]
fn an_invite_for_centuries_is_refused() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());

    let out = env.run(&["invite", "--unit", "区科技局", "--expires", "99999999999d"]);

    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("最长 366 天"), "{}", stderr(&out));
}

#[test]
fn a_bulletin_into_a_missing_folder_names_the_folder_and_numbers_nothing() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let missing = env.root.join("no/such/folder/通报.docx");

    let out = env.run(&[
        "bulletin",
        "--period",
        "2022-03",
        "--format",
        "docx",
        "--out",
        &missing.display().to_string(),
    ]);

    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no/such/folder"), "{}", stderr(&out));
    assert!(stderr(&out).contains("不存在"), "{}", stderr(&out));
    // The period was not numbered: its first bulletin is still 第1期.
    let out = env.run(&["bulletin", "--period", "2022-03", "--format", "md"]);
    assert!(stdout(&out).contains("第1期"), "{}", stdout(&out));
}

#[test]
fn without_a_directory_file_groups_stay_groups_and_a_named_missing_one_is_an_error() {
    let env = Env::new();
    let notice = Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED);
    let elsewhere = tempfile::tempdir().unwrap();

    // Run outside the project folder: the default directory path finds nothing.
    let out = env
        .command(&["import", &notice.display().to_string()])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();

    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("没有找到单位名录 seeds/yanzhou-units.toml"),
        "{text}"
    );
    assert!(
        text.contains("待补充成员的分组：") && text.contains("各镇街"),
        "{text}"
    );
    assert_eq!(task_count(&env), 71);

    let out = env
        .command(&[
            "import",
            &notice.display().to_string(),
            "--directory",
            "no-such.toml",
        ])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("无法读取单位名录 no-such.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_task_without_units_is_imported_listed_and_assigned_with_an_audit_entry() {
    let env = Env::new();
    let notice = env.file(
        "cut.txt",
        "青禾县人民政府\n关于分解落实2023年重点工作任务的通知\n\n一、优化营商环境\n\
         1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
         2.优化企业开办服务。（牵头领导：李明）\n\
         3.规范涉企收费，清理",
    );
    let directory = "tests/fixtures/qinghe-units.toml";
    let out = env.run(&["import", &notice, "--directory", directory]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("第6行：第2项任务没有写明承办单位"), "{text}");
    assert!(
        text.contains("待明确承办单位（2项，明确前不发提醒）：第2项、第3项"),
        "{text}"
    );
    let matrix = stdout(&env.run(&["matrix", "--task", "2"]));
    assert!(matrix.contains("待明确承办单位"), "{matrix}");

    // Refused: no host, an unknown unit, an unknown task; each exit 2, nothing changed.
    for args in [
        &["assign", "2", "--co", "县财政局"][..],
        &["assign", "2", "--host", "县不存在局"],
        &["assign", "9", "--host", "县财政局"],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("承办单位未做任何修改"),
            "{}",
            stderr(&out)
        );
    }
    assert!(stdout(&env.run(&["audit"])).contains("没有审计记录"));

    let out = env.run(&[
        "assign",
        "2",
        "--host",
        "县财政局",
        "--co",
        "县商务局、沿河镇街",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("原：待明确承办单位"), "{said}");
    assert!(
        said.contains("现：主办：县财政局；协办：县商务局、沿河镇街"),
        "{said}"
    );
    let matrix = stdout(&env.run(&["matrix", "--task", "2"]));
    assert!(
        matrix.contains("县财政局") && matrix.contains("沿河镇街(3)"),
        "{matrix}"
    );
    let audit = stdout(&env.run(&["audit"]));
    assert!(
        audit.contains("assign") && audit.contains("task 2"),
        "{audit}"
    );

    // The same notice again: task 2 is unchanged and keeps the admin's units.
    let out = env.run(&["import", &notice, "--directory", directory]);
    let text = stdout(&out);
    assert!(text.contains("与已导入的版本相同"), "{text}");
    assert!(
        text.contains("待明确承办单位（1项，明确前不发提醒）：第3项"),
        "{text}"
    );
}

#[tokio::test]
async fn evidence_is_exported_with_names_that_do_not_collide_and_bad_input_is_refused() {
    use duban::store::{EvidenceKind, Keeping, NewEvidence};
    let env = Env::new();
    let (store, task, unit) = seeded_task_8(&env).await;
    let new = |seq: i64, name: &str| NewEvidence {
        task_id: task.id,
        task_number: 8,
        item: false,
        unit_id: unit.id,
        unit_name: "区科技局".into(),
        period: "2022-03".into(),
        report_id: None,
        user_id: 1001,
        kind: EvidenceKind::File,
        file_name: name.into(),
        inbox_seq: seq,
    };
    // Two files of one name on one day: their numbers keep them apart.
    let at = 1_647_568_800; // 2022-03-18 10:00 in Beijing
    for (seq, bytes) in [(1, b"first".as_slice()), (2, b"second".as_slice())] {
        store
            .keep_evidence(&new(seq, "现场.jpg"), bytes, &Keeping::Database, at)
            .await
            .unwrap();
    }
    store.close().await;

    let out_dir = env.root.join("export");
    let out = env.run(&[
        "evidence",
        "--task",
        "8",
        "--out",
        &out_dir.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("已导出第8项的 2 份佐证材料"),
        "{}",
        stdout(&out)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "第8项-区科技局-2022-03-18-1-现场.jpg",
            "第8项-区科技局-2022-03-18-2-现场.jpg"
        ]
    );
    assert_eq!(std::fs::read(out_dir.join(&names[1])).unwrap(), b"second");

    let no_task = env.run(&[
        "evidence",
        "--task",
        "999",
        "--out",
        &out_dir.display().to_string(),
    ]);
    assert_eq!(no_task.status.code(), Some(2));
    assert!(
        stderr(&no_task).contains("当前通知没有第999项任务"),
        "{}",
        stderr(&no_task)
    );

    let file = env.file("not-a-dir", "x");
    let unwritable = env.run(&["evidence", "--task", "8", "--out", &format!("{file}/sub")]);
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(
        stderr(&unwritable).starts_with("无法写入"),
        "{}",
        stderr(&unwritable)
    );

    let none = env.run(&[
        "evidence",
        "--task",
        "9",
        "--out",
        &out_dir.display().to_string(),
    ]);
    assert!(none.status.success());
    assert!(
        stdout(&none).contains("第9项还没有佐证材料"),
        "{}",
        stdout(&none)
    );
}

#[test]
fn item_add_numbers_items_on_their_own_and_refuses_an_unknown_unit() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let tasks = task_count(&env);
    let list = stdout(&env.run(&["item", "list"]));
    assert!(list.contains("还没有督办件"), "{list}");

    // Refused: an unknown unit (with suggestions), a bad date, a bad cadence; exit 2, nothing
    // stored.
    for (args, says) in [
        (
            "--host 区科技 --due 2022-04-15",
            "找不到单位或分组“区科技”（您是不是要找：区科技局？）",
        ),
        ("--host 区科技局 --due 下月", "“下月”不是日期"),
        (
            "--host 区科技局 --due 2022-04-15 --every 常常",
            "“常常”不是提醒间隔",
        ),
    ] {
        let args = format!("item add --text 某事项 {args}");
        let args: Vec<&str> = args.split_whitespace().collect();
        let args = &args[..];
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    assert!(stdout(&env.run(&["item", "list"])).contains("还没有督办件"));
    assert!(stdout(&env.run(&["audit"])).contains("没有审计记录"));

    let args = "item add --text 尽快完成科技企业孵化器建设方案 --host 区科技局 --co 区财政局 \
                --leader 张锐 --due 2022-04-15 --every 7d --source 领导批示";
    let out = env.run(&args.split_whitespace().collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.starts_with("已立项督办件督-1。"), "{said}");
    assert!(said.contains("来源：领导批示\n主办：区科技局\n协办：区财政局\n牵头领导：张锐\n办理时限：2022年4月15日\n提醒：自立项起每7天提醒"), "{said}");
    let out = env.run(&[
        "item",
        "add",
        "--text",
        "会议议定：人才公寓",
        "--host",
        "区发展改革局",
        "--due",
        "5月1日",
    ]);
    assert!(
        stdout(&out).starts_with("已立项督办件督-2。"),
        "{}",
        stderr(&out)
    );

    let list = stdout(&env.run(&["item", "list"]));
    assert!(
        list.contains("督-1") && list.contains("领导批示") && list.contains("每7天"),
        "{list}"
    );
    assert!(list.contains("督-2") && list.contains("督办事项"), "{list}");
    // Not the notice: its tasks are as before, and the audit names the items.
    assert_eq!(task_count(&env), tasks);
    let audit = stdout(&env.run(&["audit"]));
    assert!(
        audit.contains("item add") && audit.contains("督-1"),
        "{audit}"
    );
}

#[test]
fn backup_writes_a_new_file_restore_fills_only_an_empty_database_and_prune_reports_per_table() {
    let env = Env::new();
    assert!(env.run(&["import", SEED]).status.success());
    let backup = env.root.join("backup.db").display().to_string();

    let out = env.run(&["backup", &backup]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("完整性检查通过"), "{}", stdout(&out));
    assert!(stdout(&out).contains("tasks"), "{}", stdout(&out));
    // An existing file is never overwritten.
    let again = env.run(&["backup", &backup]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("已存在"), "{}", stderr(&again));

    // Into the database it came from (not empty): refused.
    let refused = env.run(&["restore", &backup]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("不是空的"),
        "{}",
        stderr(&refused)
    );
    // Not a backup: refused, before the database is even opened.
    let not_backup = env.file("notes.txt", "not a database");
    let out = env.run(&["restore", &not_backup]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("不是 duban 的备份"),
        "{}",
        stderr(&out)
    );

    // Into a new database: the same matrix.
    let restored = Env::new();
    let out = restored.run(&["restore", &backup]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("已把备份"), "{}", stdout(&out));
    assert_eq!(task_count(&restored), 71);

    // Prune: per table, dry or not; nothing old here.
    let dry = env.run(&["prune", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let text = stdout(&dry);
    assert!(text.contains("将删除") && text.contains("收件箱"), "{text}");
    assert!(text.contains("数据库未做任何修改"), "{text}");
    let out = env.run(&["prune"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("没有需要删除的记录"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn backup_on_postgresql_points_to_pg_dump_and_retention_below_a_week_is_refused() {
    let env = Env::new();
    let out = env
        .command(&["backup", "x.db"])
        .env("DUBAN_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .unwrap();
    // Said without connecting: no server is needed.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("pg_dump"), "{}", stderr(&out));
    let out = env
        .command(&["prune"])
        .env("DUBAN_RETENTION_DAYS", "3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("retention_days"), "{}", stderr(&out));
}
