//! Extensions (延期申请) in chat: a host unit's contact asks, the admin approves by button (no
//! escalation for that task at the old date) or refuses by command (the task is chased as
//! before); the contact is told either way; who may ask and decide. On Telegram (both backends)
//! and on DingTalk.

use crate::support::chat::{ADMIN, Chat, button, settle_at, text};
use crate::support::dingtalk::{self as ding, Ding, single};
use crate::support::on_both_backends;
use chrono::{TimeZone, Utc};
use duban::store::ExtensionState;

fn march(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2022, 3, day, hour - 8, 1, 0).unwrap()
}

on_both_backends! {
    async fn an_approved_extension_spares_the_task_and_a_refused_one_does_not(db) {
        let mut chat = Chat::start(&db.store).await;
        let alice = chat.contact(1001, "张三", "区科技局").await;
        let bob = chat.contact(1002, "李四", "区发展改革局").await;
        let sup = chat.supervisor(2001, "王督查", None).await;
        let admin = chat.user(ADMIN, "管理员");

        // Who may ask, and for which dates.
        let not_host = chat.send(&alice, "/extend 5 2022-04-15 等待批复").await;
        assert!(text(&not_host).starts_with("第5项不是区科技局主办的任务"), "{not_host:?}");
        let early = chat.send(&alice, "/extend 8 3月20日 等待批复").await;
        assert_eq!(text(&early), "延期日期须晚于本期截止日期（2022年3月25日）。");
        let bad = chat.send(&alice, "/extend 8 下月 等待批复").await;
        assert!(text(&bad).starts_with("“下月”不是日期"), "{bad:?}");
        let usage = chat.send(&alice, "/extend 8 2022-04-15").await;
        assert!(text(&usage).starts_with("用法：/extend"), "{usage:?}");
        let supervisor = chat.send(&sup, "/extend 8 2022-04-15 等待批复").await;
        assert!(text(&supervisor).contains("联络员"), "{supervisor:?}");

        let asked = chat.send(&alice, "/extend 8 2022-04-15 等待省里批复").await;
        assert_eq!(text(&asked), "已提交延期申请 #1：第8项延期至2022年4月15日，等待管理员审批。");
        let twice = chat.send(&alice, "延期 8 4月20日 再等等").await;
        assert!(text(&twice).starts_with("第8项已有待审批的延期申请 #1"), "{twice:?}");
        let request = chat.expect(ADMIN, 1).await.remove(0);
        assert!(text(&request).starts_with("【延期申请】区科技局申请第8项（2022-03）延期至2022年4月15日（原截止2022年3月25日）：等待省里批复"), "{request:?}");

        // A contact cannot decide, by command or forged button.
        let refused = chat.send(&alice, "/approve 1").await;
        assert!(text(&refused).contains("管理员"), "{refused:?}");
        let forged = chat.press(&alice, alice.id, asked.message_id, "e:1").await;
        assert!(forged.show_alert, "{forged:?}");

        let approved = chat.press(&admin, ADMIN, request.message_id, &button(&request, "批准")).await;
        assert_eq!(approved.text.as_deref(), Some("已批准延期申请 #1（第8项 区科技局 至2022年4月15日）。"));
        let answer = chat.expect(alice.id, 1).await.remove(0);
        assert_eq!(text(&answer), "【延期】您的第8项延期申请（#1）已批准：本期截止日期改为2022年4月15日。");
        let again = chat.press(&admin, ADMIN, request.message_id, "n:1").await;
        assert!(again.show_alert, "decided before: {again:?}");

        // Bob's request is refused by command, with a reason.
        let asked = chat.send(&bob, "/extend 5 2022-04-01 人手不足").await;
        assert!(text(&asked).starts_with("已提交延期申请 #2"), "{asked:?}");
        chat.expect(ADMIN, 1).await;
        let refused = chat.send(&admin, "/refuse 2 理由不充分").await;
        assert_eq!(text(&refused), "已不批准延期申请 #2（第5项 区发展改革局 至2022年4月1日）。");
        let told = chat.expect(bob.id, 1).await.remove(0);
        assert_eq!(text(&told), "【延期】您的第5项延期申请（#2）未获批准：理由不充分。请按原截止日期报送。");

        let all = chat.store.extensions("2022-03", false).await.unwrap();
        let states: Vec<ExtensionState> = all.iter().map(|e| e.state).collect();
        assert_eq!(states, [ExtensionState::Approved, ExtensionState::Refused]);

        // After the due date: task 5 is escalated, task 8 (extended) is not; 区科技局 is not
        // nudged on the 23rd either.
        chat.seen_all(ADMIN);
        settle_at(&chat.store, &chat.clock, march(23, 9)).await;
        settle_at(&chat.store, &chat.clock, march(28, 9)).await;
        let outbox = chat.store.outbox(None).await.unwrap();
        let science = chat.store.unit_named("区科技局").await.unwrap().unwrap().id;
        assert!(!outbox.iter().any(|r| r.key.starts_with(&format!("nudge:2022-03:2022-03-23:{science}:"))));
        let sent = chat.server.sent(ADMIN);
        let escalation: String = sent
            .iter()
            .filter_map(|m| m.text.as_deref())
            .filter(|t| t.contains("【督促】") || t.starts_with("第"))
            .collect();
        assert!(escalation.contains("【督促】"), "{sent:?}");
        assert!(escalation.contains("第5项 "), "{escalation}");
        assert!(!escalation.contains("第8项 "), "{escalation}");
        let audit = chat.store.audit(None).await.unwrap();
        for action in ["extend", "approve", "refuse"] {
            assert!(audit.iter().any(|e| e.action == action), "no {action}");
        }
        chat.stop().await;
    }
}

/// On DingTalk: asked in words, approved on the card.
#[tokio::test]
async fn on_dingtalk_an_extension_is_asked_in_words_and_approved_on_the_card() {
    let db = crate::support::TestDb::sqlite().await;
    let mut d = Ding::start(&db.store).await;
    let alice = d.contact("alice01", "张三", "区科技局").await;
    let admin = d.user(ding::ADMIN, "管理员");
    let asked = d.says(&alice, "延期 8 4月15日 等待省里批复").await;
    assert!(
        ding::body(&asked).starts_with("已提交延期申请 #1"),
        "{asked:?}"
    );
    let request = d.expect(&single(&admin), 1).await.remove(0);
    assert!(
        ding::body(&request).starts_with("【延期申请】"),
        "{request:?}"
    );
    d.press(&admin, &request, &ding::action(&request, "批准"));
    let answer = d.expect(&single(&alice), 1).await.remove(0);
    assert!(ding::body(&answer).contains("已批准"), "{answer:?}");
    let approved = d.store.extensions("2022-03", true).await.unwrap();
    assert_eq!(approved.len(), 1);
    d.stop().await;
    db.finish().await;
}
