//! Reviewing reports and the state of tasks, on both backends: a report moves its task to
//! 已反馈, a confirmation to 已确认, a return to 已退回 (the report no longer counts), a host
//! unit's ✅ report confirmed closes the task for later periods too, an admin reopens it; each
//! change is audited and its notice enqueued in the same transaction, once.

use crate::support::chat::import_seed;
use crate::support::on_both_backends;
use duban::matrix::UnitRole;
use duban::progress::{Light, TaskState};
use duban::store::{
    NewReport, OutMessage, Reopened, Report, ReportState, Reviewed, Store, TaskView, Verdict,
    Withdrawal,
};
use serde_json::json;

const SUPERVISOR: i64 = 2001;
const MARCH: &str = "2022-03";
const APRIL: &str = "2022-04";

/// Task 8 of the seed, its host unit and one co-organizer.
async fn task8(store: &Store) -> (TaskView, i64, i64) {
    import_seed(store).await;
    let notice = store.latest_notice_id().await.unwrap().unwrap();
    let task = store.task(notice, 8).await.unwrap().unwrap();
    let host = task.hosts().next().unwrap().unit_id;
    let co = task
        .units
        .iter()
        .find(|u| u.role == UnitRole::Co)
        .expect("task 8 has a co-organizer")
        .unit_id;
    (task, host, co)
}

async fn report(
    store: &Store,
    task: &TaskView,
    unit_id: i64,
    seq: i64,
    period: &str,
    light: Light,
) -> Report {
    let new = NewReport {
        task_id: task.id,
        task_number: task.number,
        item: false,
        unit_id,
        unit_name: "单位".into(),
        period: period.into(),
        user_id: 1001,
        light: Some(light),
        text: format!("进展{seq}"),
        inbox_seq: seq,
        corrects: None,
        figures: Vec::new(),
    };
    store.store_report(&new, 1_000 + seq).await.unwrap().0
}

/// The notice a review sends: one message to the report's author, keyed by the report.
fn notice(report: &Report, state: TaskState) -> Vec<OutMessage> {
    vec![OutMessage {
        key: format!("review:{}", report.id),
        chat_id: report.user_id,
        is_group: false,
        payload: json!({ "text": format!("{} {}", report.id, state.name()) }),
        anchor_task: Some(report.task_id),
        file: None,
    }]
}

async fn state(store: &Store, task: &TaskView, period: &str) -> TaskState {
    store.task_state(task.id, period).await.unwrap().state
}

async fn review(store: &Store, id: i64, verdict: Verdict, now: i64) -> Reviewed {
    store
        .review_report(id, &verdict, SUPERVISOR, &notice, now)
        .await
        .unwrap()
}

fn back(reason: &str) -> Verdict {
    Verdict::Return {
        reason: reason.into(),
    }
}

on_both_backends! {
    async fn a_report_a_return_and_a_new_report_move_the_task(db) {
        let store = &db.store;
        let (task, host, _) = task8(store).await;
        assert_eq!(state(store, &task, MARCH).await, TaskState::Waiting);
        let first = report(store, &task, host, 1, MARCH, Light::Yellow).await;
        assert_eq!(state(store, &task, MARCH).await, TaskState::Reported);

        let Reviewed::Done { report: returned, state: after, fresh } =
            review(store, first.id, back("没有写具体数字"), 2_000).await
        else {
            panic!("not reviewed")
        };
        assert!(fresh);
        assert_eq!(after, TaskState::Returned);
        assert_eq!(returned.state, ReportState::Returned);
        assert_eq!(returned.review_note.as_deref(), Some("没有写具体数字"));
        let stored = store.report(first.id).await.unwrap().unwrap();
        assert_eq!(stored, returned);
        // The returned report no longer counts.
        let active = store
            .reports(&duban::store::ReportFilter {
                active_only: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(active.is_empty());

        // The same review again (a redelivered update): nothing changes, nothing is sent twice.
        let again = review(store, first.id, back("没有写具体数字"), 2_100).await;
        assert!(matches!(again, Reviewed::Done { fresh: false, .. }), "{again:?}");
        // Confirming it now is refused.
        let other = review(store, first.id, Verdict::Confirm, 2_200).await;
        assert!(matches!(other, Reviewed::NotReviewable(_)), "{other:?}");
        let outbox = store.outbox(None).await.unwrap();
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].key, format!("review:{}", first.id));
        assert_eq!(outbox[0].chat_id, 1001);

        let second = report(store, &task, host, 2, MARCH, Light::Blue).await;
        assert_eq!(state(store, &task, MARCH).await, TaskState::Reported);
        let Reviewed::Done { state: after, .. } =
            review(store, second.id, Verdict::Confirm, 3_000).await
        else {
            panic!("not reviewed")
        };
        assert_eq!(after, TaskState::Confirmed);
        assert!(store.report(second.id).await.unwrap().unwrap().is_confirmed());
        assert!(store.unreviewed_reports(10).await.unwrap().is_empty());
        assert_eq!(store.unreviewed_count().await.unwrap(), 0);

        // Every change of state and every review is in the audit trail.
        let audit = store.audit(None).await.unwrap();
        let states: Vec<&str> = audit
            .iter()
            .filter(|e| e.action == "state")
            .map(|e| e.detail.as_str())
            .collect();
        assert_eq!(
            states,
            ["待反馈 → 已反馈", "已反馈 → 已退回", "已退回 → 已反馈", "已反馈 → 已确认"]
        );
        let reviews: Vec<&str> = audit
            .iter()
            .filter(|e| e.action == "return" || e.action == "confirm")
            .map(|e| e.action.as_str())
            .collect();
        assert_eq!(reviews, ["return", "confirm"]);
    }

    async fn a_confirmed_done_report_closes_the_task_until_it_is_reopened(db) {
        let store = &db.store;
        let (task, host, co) = task8(store).await;
        // A co-organizer's report does not move the task.
        let co_report = report(store, &task, co, 1, MARCH, Light::Done).await;
        assert_eq!(state(store, &task, MARCH).await, TaskState::Waiting);
        let reviewed = review(store, co_report.id, Verdict::Confirm, 1_500).await;
        assert!(matches!(reviewed, Reviewed::Done { state: TaskState::Waiting, .. }));

        let done = report(store, &task, host, 2, MARCH, Light::Done).await;
        let Reviewed::Done { state: after, .. } =
            review(store, done.id, Verdict::Confirm, 2_000).await
        else {
            panic!("not reviewed")
        };
        assert_eq!(after, TaskState::Closed);
        // Closed in later periods too, and a new report does not reopen it.
        assert_eq!(state(store, &task, APRIL).await, TaskState::Closed);
        let states = store.task_states(APRIL).await.unwrap();
        assert_eq!(states[&task.id].state, TaskState::Closed);
        assert_eq!(states[&task.id].period.as_deref(), Some(MARCH));
        assert_eq!(states[&task.id].since, Some(2_000));
        report(store, &task, host, 3, APRIL, Light::Blue).await;
        assert_eq!(state(store, &task, APRIL).await, TaskState::Closed);

        // Reopened in April: what April's reports give.
        let reopened = store
            .reopen_task((task.id, 8), APRIL, "900001", "数据有误", &|_| Vec::new(), 3_000)
            .await
            .unwrap();
        assert_eq!(reopened, Reopened::Done(TaskState::Reported));
        assert_eq!(state(store, &task, APRIL).await, TaskState::Reported);
        // March stays as it was.
        assert_eq!(state(store, &task, MARCH).await, TaskState::Closed);
        let again = store
            .reopen_task((task.id, 8), APRIL, "900001", "再次", &|_| Vec::new(), 3_100)
            .await
            .unwrap();
        assert_eq!(again, Reopened::NotClosed(TaskState::Reported));
        let audit = store.audit(None).await.unwrap();
        let reopen = audit.iter().find(|e| e.action == "reopen").unwrap();
        assert_eq!(reopen.subject, "第8项 2022-04");
        assert_eq!(reopen.detail, "已办结 → 已反馈：数据有误");
        assert_eq!(audit.iter().filter(|e| e.action == "reopen").count(), 1);
    }

    async fn withdrawing_the_only_report_leaves_the_task_waiting(db) {
        let store = &db.store;
        let (task, host, _) = task8(store).await;
        let first = report(store, &task, host, 1, MARCH, Light::Red).await;
        let withdrawn = store.withdraw_report(first.id, 1001, 1_200).await.unwrap();
        assert!(matches!(withdrawn, Withdrawal::Withdrawn(_)));
        assert_eq!(state(store, &task, MARCH).await, TaskState::Waiting);
        // A withdrawn report cannot be reviewed.
        let reviewed = review(store, first.id, Verdict::Confirm, 1_300).await;
        assert!(matches!(reviewed, Reviewed::NotReviewable(_)));
        assert!(matches!(review(store, 999_999, Verdict::Confirm, 1_300).await, Reviewed::NotFound));
        assert!(store.outbox(None).await.unwrap().is_empty());
    }
}

on_both_backends! {
    async fn the_bulletin_lists_what_was_closed_extended_and_sent_back(db) {
        use duban::bulletin::render::{docx, markdown, text, xlsx};
        let store = &db.store;
        let (task, host, _) = task8(store).await;
        let notice = store.latest_notice_id().await.unwrap().unwrap();
        let task9 = store.task(notice, 9).await.unwrap().unwrap();
        let host9 = task9.hosts().next().unwrap().unit_id;
        // 10 March 2022 (Beijing): returned, answered again; task 9 closed; task 8 extended.
        let day = 1_646_874_000;
        let first = report(store, &task, host, 1, MARCH, Light::Yellow).await;
        review(store, first.id, back("没有写明研发投入"), day).await;
        report(store, &task, host, 2, MARCH, Light::Blue).await;
        let done = report(store, &task9, host9, 3, MARCH, Light::Done).await;
        review(store, done.id, Verdict::Confirm, day + 60).await;
        let new = duban::store::NewExtension {
            task_id: task.id,
            task_number: 8,
            unit_id: host,
            unit: "区科技局".into(),
            period: MARCH.into(),
            until: chrono::NaiveDate::from_ymd_opt(2022, 4, 15).unwrap(),
            reason: "等待省里批复".into(),
            requested_by: 1001,
            inbox_seq: 50,
            item: false,
        };
        store.request_extension(&new, &|_| Vec::new(), day).await.unwrap();
        store.decide_extension(1, true, 9001, None, &|_| Vec::new(), day + 5).await.unwrap();

        // An item beyond the notice, reported on by its host.
        let item = duban::store::NewItem {
            text: "落实区长批示，整改营商环境投诉问题".into(),
            hosts: vec!["区科技局".into()],
            co: Vec::new(),
            leader: None,
            due: chrono::NaiveDate::from_ymd_opt(2022, 4, 15).unwrap(),
            every_days: Some(7),
            source: "领导批示".into(),
        };
        let item = store.add_item(&item, "cli", day).await.unwrap().unwrap();
        report(store, &item, host, 60, MARCH, Light::Blue).await;

        let settings = duban::config::Settings::default();
        let today = chrono::NaiveDate::from_ymd_opt(2022, 3, 28).unwrap();
        let b = duban::bulletin::compile(store, &settings, Some(MARCH), today, day + 100)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(b.cycle.closed.len(), 1);
        assert_eq!(b.cycle.closed[0].number, 9);
        assert_eq!(b.cycle.extended[0].reason, "等待省里批复");
        assert!(b.cycle.returned[0].answered);
        assert_eq!(b.cycle.items.len(), 1);
        assert_eq!(b.cycle.items[0].label, "督-1");
        assert_eq!(b.cycle.items[0].state, "已反馈");
        assert_eq!(b.cycle.items[0].light, Some(Light::Blue));

        let md = markdown::markdown(&b);
        for line in [
            "已办结",
            "2022年3月10日",
            "延期",
            "2022年4月15日",
            "等待省里批复",
            "退回",
            "没有写明研发投入",
            "已重新报送",
            "督办件",
            "督-1",
            "领导批示",
        ] {
            assert!(md.contains(line), "{line} not in the Markdown:\n{md}");
        }
        let chat = text::telegram(&b).join("\n");
        assert!(chat.contains("、已办结") && chat.contains("、延期") && chat.contains("、退回"));
        let word = docx::docx(&b).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(word)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
            .unwrap();
        for heading in ["已办结", "延期", "退回", "等待省里批复"] {
            assert!(xml.contains(heading), "{heading} not in the Word file");
        }
        let mut workbook: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx::xlsx(&b).unwrap())).unwrap();
        use calamine::Reader;
        assert!(workbook.sheet_names().contains(&"办结·延期·退回".to_owned()));
        let sheet = workbook.worksheet_range("办结·延期·退回").unwrap();
        let kinds: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
        assert_eq!(kinds, ["已办结", "延期", "退回", "督办件"]);
    }
}
