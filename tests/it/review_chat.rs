//! The supervision cycle in chat (issue 18): a supervisor sends a report back and the contact
//! reports again, a confirmation by button, a ✅ report confirmed closes the task (no reminder
//! or nudge afterwards, no more reports), an admin reopens it; contacts cannot review; a notice
//! stored with its review goes out once even when the service was down in between. On Telegram
//! (both backends) and on DingTalk.

use crate::support::chat::{ADMIN, Chat, button, forces_reply, settle_at, text};
use crate::support::dingtalk::{self as ding, Ding, single};
use crate::support::on_both_backends;
use chrono::{TimeZone, Utc};
use duban::progress::TaskState;
use duban::store::{ReportState, Verdict};

fn march(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2022, 3, day, hour - 8, 1, 0).unwrap()
}

async fn state_of_8(store: &duban::store::Store) -> TaskState {
    let notice = store.latest_notice_id().await.unwrap().unwrap();
    let task = store.task(notice, 8).await.unwrap().unwrap();
    store.task_state(task.id, "2022-03").await.unwrap().state
}

on_both_backends! {
    async fn a_returned_report_is_answered_again_then_confirmed_closed_and_reopened(db) {
        let mut chat = Chat::start(&db.store).await;
        let alice = chat.contact(1001, "张三", "区科技局").await;
        let sup = chat.supervisor(2001, "王督查", None).await;
        let admin = chat.user(ADMIN, "管理员");
        // Another unit's contact, who gets the reminders that 区科技局's closed task does not.
        chat.contact(1002, "李四", "区发展改革局").await;

        let receipt = chat.send(&alice, "/report 8 已新增高新技术企业18家").await;
        assert!(text(&receipt).starts_with("已记录第8项进展"), "{receipt:?}");
        assert_eq!(state_of_8(&chat.store).await, TaskState::Reported);

        // The supervisor's queue: the report, with 确认 / 退回.
        chat.server.send_text(&sup, sup.id, "/review");
        let queue = chat.expect(sup.id, 2).await;
        assert!(text(&queue[0]).starts_with("待审核的报告 1 条"), "{queue:?}");
        assert!(text(&queue[1]).contains("第8项  区科技局"), "{queue:?}");
        let answer = chat.press(&sup, sup.id, queue[1].message_id, &button(&queue[1], "退回")).await;
        assert!(!answer.show_alert, "{answer:?}");
        let prompt = chat.expect(sup.id, 1).await.remove(0);
        assert!(forces_reply(&prompt) && text(&prompt).contains("退回报告 #1"), "{prompt:?}");
        let done = chat.reply(&sup, prompt.message_id, "没有写明研发投入").await;
        assert_eq!(
            text(&done),
            "已退回报告 #1（第8项 区科技局）：没有写明研发投入\n第8项现为：已退回。"
        );
        // The contact is told at once, with the reason and the task's buttons.
        let notice = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&notice).starts_with("【退回】您报送的第8项进展（报告 #1"), "{notice:?}");
        assert!(text(&notice).contains("没有写明研发投入"), "{notice:?}");
        assert_eq!(notice.buttons().len(), 4, "the light buttons");
        let returned = chat.store.report(1).await.unwrap().unwrap();
        assert_eq!(returned.state, ReportState::Returned);
        assert_eq!(state_of_8(&chat.store).await, TaskState::Returned);

        // Contacts cannot review, by command, word or a forged button.
        let refused = chat.send(&alice, "/review").await;
        assert_eq!(text(&refused), "只有督查人员和管理员可以审核报告。");
        let refused = chat.send(&alice, "确认 1").await;
        assert_eq!(text(&refused), "只有督查人员和管理员可以审核报告。");
        let forged = chat.press(&alice, alice.id, receipt.message_id, "v:1").await;
        assert!(forged.show_alert, "{forged:?}");
        // The supervisor still cannot report.
        let not_theirs = chat.send(&sup, "/report 8 代报").await;
        assert!(text(&not_theirs).contains("督查"), "{not_theirs:?}");

        // Replying to the notice reports again.
        let again = chat.reply(&alice, notice.message_id, "已新增高新技术企业20家").await;
        assert!(text(&again).starts_with("已记录第8项进展"), "{again:?}");
        assert_eq!(state_of_8(&chat.store).await, TaskState::Reported);

        // /status 8 shows the state and a 确认 button; pressing it confirms.
        let status = chat.send(&sup, "/status 8").await;
        assert!(text(&status).contains("状态（本期 2022-03）：已反馈"), "{status:?}");
        assert!(text(&status).contains("（已退回：没有写明研发投入）"), "{status:?}");
        let confirmed = chat.press(&sup, sup.id, status.message_id, &button(&status, "确认")).await;
        assert_eq!(confirmed.text.as_deref(), Some("已确认"));
        assert_eq!(state_of_8(&chat.store).await, TaskState::Confirmed);

        // A ✅ report confirmed by the admin closes the task; the contact is told.
        let finished = chat.send(&alice, "/report 8 完成：全年目标已完成").await;
        assert!(text(&finished).contains("已记录第8项进展"), "{finished:?}");
        let closed = chat.send(&admin, "/confirm 3").await;
        assert_eq!(text(&closed), "已确认报告 #3（第8项 区科技局）。\n第8项现为：已办结。");
        let told = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&told).starts_with("【办结】第8项已确认办结"), "{told:?}");
        let late = chat.send(&alice, "/report 8 补充").await;
        assert!(text(&late).starts_with("第8项已办结，无需再报送"), "{late:?}");
        assert_eq!(chat.reports().await.len(), 3);

        // No reminder on the 18th, no nudge on the 23rd: 区科技局 hosts only task 8.
        settle_at(&chat.store, &chat.clock, march(18, 9)).await;
        settle_at(&chat.store, &chat.clock, march(23, 9)).await;
        let outbox = chat.store.outbox(None).await.unwrap();
        let unit = chat.store.unit_named("区科技局").await.unwrap().unwrap().id;
        let other = chat.store.unit_named("区发展改革局").await.unwrap().unwrap().id;
        assert!(
            outbox.iter().any(|r| r.key.starts_with(&format!("reminder:2022-03:{other}:"))),
            "the other unit was reminded: {outbox:?}"
        );
        assert!(
            !outbox.iter().any(|r| r.key.starts_with(&format!("reminder:2022-03:{unit}:"))
                || r.key.starts_with(&format!("nudge:2022-03:2022-03-23:{unit}:"))),
            "{outbox:?}"
        );

        // Only admins reopen; the host unit's contact is told and may report again.
        let refused = chat.send(&sup, "/reopen 8 复查").await;
        assert!(text(&refused).contains("管理员"), "{refused:?}");
        // Before the reopening: its notice may reach the contact before the admin's answer.
        chat.seen_all(alice.id);
        let reopened = chat.send(&admin, "/reopen 8 年底复查数据有误").await;
        assert_eq!(text(&reopened), "已重新打开第8项，现为：已反馈；已通知主办单位联络员 1 人。");
        // Nothing else reached 区科技局's contact since the task closed: no reminder, no nudge.
        let told = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&told).starts_with("【重新打开】第8项已重新打开：年底复查数据有误"), "{told:?}");
        let audit = chat.store.audit(None).await.unwrap();
        for action in ["return", "confirm", "reopen"] {
            assert!(audit.iter().any(|e| e.action == action), "no {action} in {audit:?}");
        }
        chat.stop().await;
    }
}

/// A review stored while the service is down (as after a crash between the commit and the
/// send): its notice goes out when the service is back, once, also after another restart.
#[tokio::test]
async fn a_notice_stored_with_its_review_is_sent_once_after_a_restart() {
    let db = crate::support::TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    chat.send(&alice, "/report 8 已新增3家").await;
    let clock = chat.clock.clone();
    let server = chat.stop().await;

    // The review commits with its notice; then the process dies before sending it.
    let words = |r: &duban::store::Report, _: TaskState| {
        vec![duban::store::OutMessage {
            key: format!("review:{}", r.id),
            chat_id: r.user_id,
            is_group: false,
            payload: serde_json::json!({ "text": "【退回】请补充" }),
            anchor_task: Some(r.task_id),
            file: None,
        }]
    };
    let verdict = Verdict::Return {
        reason: "请补充".into(),
    };
    db.store
        .review_report(1, &verdict, ADMIN, &words, clock.unix())
        .await
        .unwrap();

    let settings = crate::support::chat::settings();
    let polling = || duban::bot::inbox::Mode::Polling;
    let mut chat = Chat::start_on(
        &db.store,
        settings.clone(),
        Some(server),
        polling(),
        clock.clone(),
    )
    .await;
    chat.seen_all(alice.id);
    settle_at(&chat.store, &chat.clock, march(10, 12)).await;
    let server = chat.stop().await;
    let chat = Chat::start_on(&db.store, settings, Some(server), polling(), clock).await;
    settle_at(&chat.store, &chat.clock, march(10, 14)).await;
    let notices: Vec<_> = chat
        .server
        .sent(alice.id)
        .into_iter()
        .filter(|m| text(m) == "【退回】请补充")
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    chat.stop().await;
    db.finish().await;
}

/// On DingTalk: 退回 in words (no slash), the notice as a card the contact quotes to report
/// again, and a ✅ report closed by the admin pressing 确认 on the card of /review.
#[tokio::test]
async fn on_dingtalk_a_report_goes_back_comes_again_and_closes_the_task() {
    let db = crate::support::TestDb::sqlite().await;
    let mut d = Ding::start(&db.store).await;
    let alice = d.contact("alice01", "张三", "区科技局").await;
    let sup = d.user("sup01", "王督查");
    let code = d.invite(duban::store::Role::Supervisor, None).await;
    assert!(ding::body(&d.says(&sup, &format!("绑定 {code}")).await).starts_with("绑定成功"));
    let admin = d.user(ding::ADMIN, "管理员");

    let receipt = d.says(&alice, "报告 8 已新增高新技术企业18家").await;
    assert!(
        ding::body(&receipt).starts_with("已记录第8项进展"),
        "{receipt:?}"
    );
    let done = d.says(&sup, "退回 1 没有写明研发投入").await;
    assert!(ding::body(&done).starts_with("已退回报告 #1"), "{done:?}");
    let notice = d.expect(&single(&alice), 1).await.remove(0);
    assert!(ding::body(&notice).starts_with("【退回】"), "{notice:?}");
    assert_eq!(
        ding::actions(&notice).len(),
        4,
        "a card with the light buttons"
    );
    let again = d.quotes(&alice, &notice, "已新增高新技术企业20家").await;
    assert!(
        ding::body(&again).starts_with("已记录第8项进展"),
        "{again:?}"
    );
    assert_eq!(state_of_8(&d.store).await, TaskState::Reported);

    // The admin confirms by the card's button; a second ✅ report, confirmed, closes the task.
    let finished = d.says(&alice, "报告 8 完成：全年目标已完成").await;
    assert!(
        ding::body(&finished).contains("已记录第8项进展"),
        "{finished:?}"
    );
    d.server.user_says(&admin, "审核");
    let queue = d.expect(&single(&admin), 3).await;
    assert!(
        ding::body(&queue[0]).starts_with("待审核的报告 2 条"),
        "{queue:?}"
    );
    d.press(&admin, &queue[1], &ding::action(&queue[1], "确认"));
    d.press(&admin, &queue[2], &ding::action(&queue[2], "确认"));
    let told = d.expect(&single(&alice), 1).await.remove(0);
    assert!(
        ding::body(&told).starts_with("【办结】第8项已确认办结"),
        "{told:?}"
    );
    assert_eq!(state_of_8(&d.store).await, TaskState::Closed);
    let late = d.says(&alice, "报告 8 补充").await;
    assert!(ding::body(&late).starts_with("第8项已办结"), "{late:?}");
    d.stop().await;
    db.finish().await;
}
