//! Tasks without units (issue 16, item 6): imported as 待明确承办单位, assigned by an admin
//! (`Store::assign_units`, behind `duban assign` and `/assign`), on SQLite and PostgreSQL; the
//! planner reminds no one of them until they are assigned.

use crate::support::matrix::qinghe_dir;
use crate::support::{TestDb, on_both_backends};
use chrono::NaiveDate;
use duban::followup::planner::{Fire, Scope, Situation, plan};
use duban::matrix::{Matrix, UnitRole, parse_notice};
use duban::schedule::Kind;
use duban::store::{AssignRefusal, AssignRequest, Member, Named, Role, TaskSelection, TaskView};
use std::collections::BTreeSet;

/// Task 2 names only its leader, task 4 is cut off before its fields.
const NOTICE: &str = "青禾县人民政府\n关于分解落实2023年重点工作任务的通知\n\n一、优化营商环境\n\
    1.深化“放管服”改革。（牵头领导：李明。承办单位：县行政审批服务局）\n\
    2.优化企业开办服务。（牵头领导：李明）\n\
    3.规范涉企收费。（牵头领导：张华。承办单位：县发展和改革局）\n\
    4.推进信用体系建设，清理";

fn matrix() -> Matrix {
    parse_notice(NOTICE, &qinghe_dir()).expect("the notice imports")
}

async fn imported(db: &TestDb) -> i64 {
    db.store
        .import_matrix(&matrix())
        .await
        .expect("import succeeds")
        .notice_id
}

fn request(number: u32, hosts: &[&str], co: &[&str]) -> AssignRequest {
    AssignRequest {
        number,
        hosts: hosts.iter().map(|s| s.to_string()).collect(),
        co: co.iter().map(|s| s.to_string()).collect(),
    }
}

async fn revision(db: &TestDb) -> i64 {
    db.store.seen().await.unwrap().notice.expect("a notice").1
}

async fn task(db: &TestDb, notice: i64, number: u32) -> TaskView {
    db.store
        .task(notice, number)
        .await
        .unwrap()
        .expect("the task is current")
}

fn units(t: &TaskView) -> Vec<(&str, UnitRole)> {
    t.units.iter().map(|u| (u.name.as_str(), u.role)).collect()
}

on_both_backends! {
    async fn tasks_without_units_are_stored_without_units_and_listed(db) {
        let notice = imported(db).await;

        assert_eq!(db.store.unassigned_tasks(notice).await.unwrap(), [2, 4]);
        assert!(task(db, notice, 2).await.units.is_empty());
        assert_eq!(db.store.load_matrix(notice).await.unwrap().tasks, matrix().tasks);
    }

    async fn an_assignment_sets_the_units_audits_and_bumps_the_revision(db) {
        let notice = imported(db).await;
        let before = revision(db).await;

        let done = db
            .store
            .assign_units(notice, &request(2, &["县财政局"], &["县商务局", "沿河镇街"]), "cli", 100)
            .await
            .unwrap()
            .expect("the assignment is made");

        assert!(done.before.is_empty());
        let t = task(db, notice, 2).await;
        let mut expected = vec![("县财政局", UnitRole::Host), ("县商务局", UnitRole::Co)];
        expected.extend(["河口镇", "柳林镇", "城关街道"].map(|u| (u, UnitRole::Co)));
        assert_eq!(units(&t), expected);
        assert_eq!(revision(db).await, before + 1);
        let audit = db.store.audit(None).await.unwrap();
        let entry = audit.last().expect("an audit entry");
        assert_eq!(
            (entry.actor.as_str(), entry.action.as_str(), entry.subject.as_str()),
            ("cli", "assign", "task 2")
        );
        assert_eq!(entry.detail, "主办：县财政局；协办：县商务局、沿河镇街（原：待明确承办单位）");
        assert_eq!(db.store.unassigned_tasks(notice).await.unwrap(), [4]);
        // The matrix as loaded names the group word and the units, as an import would.
        let m = db.store.load_matrix(notice).await.unwrap();
        let t2 = m.tasks.iter().find(|t| t.number == 2).unwrap();
        assert_eq!(t2.groups.len(), 1);
        assert!(m.units.iter().any(|u| u.name == "县财政局"));
    }

    async fn a_task_that_has_units_may_be_reassigned_and_the_old_ones_are_audited(db) {
        let notice = imported(db).await;

        let done = db
            .store
            .assign_units(notice, &request(1, &["县财政局"], &[]), "9001", 100)
            .await
            .unwrap()
            .expect("reassigning is allowed");

        assert_eq!(done.before.len(), 1);
        assert_eq!(units(&task(db, notice, 1).await), [("县财政局", UnitRole::Host)]);
        let audit = db.store.audit(None).await.unwrap();
        assert_eq!(audit.last().unwrap().detail, "主办：县财政局（原：主办：县行政审批服务局）");
        assert_eq!(audit.last().unwrap().actor, "9001");
    }

    async fn a_refused_assignment_changes_nothing(db) {
        let notice = imported(db).await;
        let before = revision(db).await;

        let refusals = [
            (request(2, &[], &["县财政局"]), AssignRefusal::NoHost),
            (request(9, &["县财政局"], &[]), AssignRefusal::NoSuchTask(9)),
        ];
        for (asked, expected) in refusals {
            let got = db.store.assign_units(notice, &asked, "cli", 100).await.unwrap();
            assert_eq!(got, Err(expected));
        }
        let got = db
            .store
            .assign_units(notice, &request(2, &["县财政局", "县财政"], &["没有这个局"]), "cli", 100)
            .await
            .unwrap();
        let Err(AssignRefusal::Unknown(names)) = got else {
            panic!("unknown names are refused: {got:?}");
        };
        let names: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["县财政", "没有这个局"]);

        assert_eq!(revision(db).await, before);
        assert!(db.store.audit(None).await.unwrap().is_empty());
        assert_eq!(db.store.unassigned_tasks(notice).await.unwrap(), [2, 4]);
    }

    async fn a_reimport_of_the_same_notice_keeps_the_assignment(db) {
        let notice = imported(db).await;
        db.store
            .assign_units(notice, &request(2, &["县财政局"], &[]), "cli", 100)
            .await
            .unwrap()
            .expect("assigned");

        let again = db.store.import_matrix(&matrix()).await.unwrap();

        assert!(again.is_noop(), "{again:?}");
        assert_eq!(units(&task(db, notice, 2).await), [("县财政局", UnitRole::Host)]);
        assert!(db.store.load_matrix(notice).await.unwrap().units.iter().any(|u| u.name == "县财政局"));
    }

    async fn no_one_is_reminded_of_a_task_without_units_until_it_is_assigned(db) {
        let notice = imported(db).await;
        let finance = db.store.unit_named("县财政局").await.unwrap().expect("a unit");
        let members = [Member {
            user_id: 77,
            display_name: "财政局联络员".into(),
            role: Role::Contact,
            unit: Some(Named { id: finance.id, name: finance.name.clone() }),
            leader: None,
            bound_at: 0,
        }];
        let planned = |tasks: Vec<TaskView>| {
            let situation = Situation {
                period: "2023-03",
                due: NaiveDate::from_ymd_opt(2023, 3, 25).unwrap(),
                tasks: &tasks,
                reports: &[],
                members: &members,
                config_admins: &[41],
                extended: &[],
            };
            let mut keys = Vec::new();
            for (kind, day) in [(Kind::Reminder, 18), (Kind::Nudge, 23), (Kind::Escalation, 27)] {
                let fire = Fire {
                    kind,
                    scope: Scope::Office { except: BTreeSet::new() },
                    day: NaiveDate::from_ymd_opt(2023, 3, day).unwrap(),
                    prefix: kind.code().to_string(),
                };
                keys.extend(plan(&fire, &situation).into_iter().map(|m| {
                    let text = m.payload["text"].as_str().unwrap_or_default().to_owned();
                    (m.chat_id, m.key, text)
                }));
            }
            keys
        };

        let before = planned(db.store.tasks(notice, TaskSelection::All).await.unwrap());
        assert!(
            before.iter().all(|(chat, _, text)| *chat == 41 && !text.contains("第2项")),
            "no reminder or nudge (no unit has a contact but 县财政局's), and task 2 in no \
             escalation: {before:?}"
        );

        db.store
            .assign_units(notice, &request(2, &["县财政局"], &[]), "cli", 100)
            .await
            .unwrap()
            .expect("assigned");
        let after = planned(db.store.tasks(notice, TaskSelection::All).await.unwrap());

        let to = |chat: i64, kind: &str| {
            after
                .iter()
                .any(|(c, key, text)| *c == chat && key.starts_with(kind) && text.contains("优化企业开办服务"))
        };
        assert!(to(77, "reminder") && to(77, "nudge"), "{after:?}");
        assert!(after.iter().any(|(c, key, text)| *c == 41 && key.starts_with("escalation") && text.contains("第2项")), "{after:?}");
    }
}

/// The seed with task 8's units left out (承办单位： and nothing after it).
fn seed_without_units_for_task_8() -> Matrix {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/seeds/yanzhou-2022-task-notice.txt"))
        .unwrap()
        .replacen(
            "新增省级以上创新平台7家。（牵头领导：崔增力。承办单位：区科技局，工业园区、各镇街）",
            "新增省级以上创新平台7家。（牵头领导：崔增力。承办单位：）",
            1,
        );
    let m = parse_notice(&text, &crate::support::matrix::seed_dir()).expect("imports");
    assert!(
        m.tasks
            .iter()
            .find(|t| t.number == 8)
            .unwrap()
            .is_unassigned()
    );
    m
}

#[tokio::test]
async fn an_admin_lists_and_assigns_tasks_without_units_in_chat_and_a_contact_may_not() {
    use crate::support::chat::*;
    let db = TestDb::sqlite().await;
    db.store
        .import_matrix(&seed_without_units_for_task_8())
        .await
        .unwrap();
    let mut chat = Chat::start(&db.store).await;
    let admin = chat.user(ADMIN, "管理员");
    let alice = chat.contact(1001, "张三", "区科技局").await;

    let listed = chat.send(&admin, "/tasks").await;
    assert!(
        text(&listed).starts_with("待明确承办单位的任务（共1项"),
        "{listed:?}"
    );
    assert!(
        text(&listed).contains("第8项 实施创新主体培育工程"),
        "{listed:?}"
    );
    let refused = chat.send(&alice, "/assign 8 区科技局").await;
    assert_eq!(text(&refused), "该命令仅限管理员使用。");
    let not_theirs = chat.send(&alice, "/tasks 8").await;
    assert!(
        text(&not_theirs).contains("不由区科技局承办"),
        "{not_theirs:?}"
    );

    let usage = chat.send(&admin, "/assign").await;
    assert!(
        text(&usage).starts_with("用法：/assign 任务编号"),
        "{usage:?}"
    );
    let unknown = chat.send(&admin, "/assign 8 区科枝局").await;
    assert!(
        text(&unknown).contains("找不到单位或分组“区科枝局”"),
        "{unknown:?}"
    );
    assert!(
        text(&unknown).ends_with("承办单位未做任何修改。"),
        "{unknown:?}"
    );
    assert!(
        chat.store
            .audit(None)
            .await
            .unwrap()
            .iter()
            .all(|e| e.action != "assign")
    );

    let done = chat
        .send(&admin, "/assign 8 区科技局 协办：工业园区、各镇街")
        .await;
    assert_eq!(
        text(&done),
        "已指定第8项任务的承办单位。\n原：待明确承办单位\n现：主办：区科技局；协办：工业园区、各镇街\n\
         下次提醒起，主办单位的联络员会收到这项任务。"
    );
    let audit = chat.store.audit(None).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "assign")
        .expect("audited");
    assert_eq!(
        (entry.actor.as_str(), entry.subject.as_str()),
        ("9001", "task 8")
    );

    // The bot's copy of the tasks follows at once: the contact now reports on task 8.
    let card = chat.send(&alice, "/tasks 8").await;
    assert!(text(&card).contains("主办：区科技局"), "{card:?}");
    let listed = chat.send(&admin, "/tasks").await;
    assert!(
        text(&listed).starts_with("所有任务都已明确承办单位"),
        "{listed:?}"
    );
    chat.stop().await;
    db.finish().await;
}

#[test]
fn the_bulletin_shows_a_task_without_units_as_unassigned_and_ranks_no_unit_for_it() {
    use crate::support::bulletin::{march, march_of, tasks};
    use calamine::{Data, Reader, Xlsx};
    let mut tasks = tasks();
    let task = tasks.iter_mut().find(|t| t.number == 2).expect("task 2");
    let hosts: Vec<String> = task.hosts().map(|u| u.name.clone()).collect();
    task.units.clear();
    let reports: Vec<_> = march().into_iter().filter(|r| r.task_number != 2).collect();

    let b = march_of(&tasks, &reports);

    let status = b.tasks.iter().find(|t| t.number == 2).expect("listed");
    assert_eq!(status.hosts_text(), "待明确承办单位");
    assert!(
        status.silent_hosts.is_empty(),
        "no unit is counted silent for it"
    );
    let before = march_of(&crate::support::bulletin::tasks(), &reports);
    let hosted = |b: &duban::bulletin::Bulletin, name: &str| {
        b.units
            .iter()
            .find(|u| u.name == name)
            .map_or(0, |u| u.hosted)
    };
    for host in &hosts {
        assert_eq!(hosted(&b, host) + 1, hosted(&before, host), "{host}");
    }
    let file = duban::bulletin::render::xlsx::xlsx(&b).unwrap();
    let mut book = Xlsx::new(std::io::Cursor::new(file)).unwrap();
    let sheet = book.worksheet_range("任务").unwrap();
    let row = (1..sheet.height())
        .find(|&r| sheet.get((r, 0)) == Some(&Data::Float(2.0)))
        .expect("task 2 has a row");
    assert_eq!(
        sheet.get((row, 3)),
        Some(&Data::String("待明确承办单位".into()))
    );
    duban::bulletin::render::png::png(&b).expect("the chart draws");
    assert!(duban::bulletin::render::markdown::markdown(&b).contains("通报"));
}
