//! The chat loop end to end: the real schema and the real teloxide client against the local
//! Bot API server, on SQLite (and, for the main flows, PostgreSQL).

use crate::support::chat::*;
use crate::support::seed::seed_matrix;
use crate::support::{TestDb, on_both_backends};
use chrono::Duration as Span;
use duban::progress::Light;
use duban::store::{ReportState, Role};

on_both_backends! {
    async fn binding_through_an_invite_and_every_bad_code(db) {
        let mut chat = Chat::start(&db.store).await;
        let alice = chat.user(1001, "张三");

        let code = chat.invite(Role::Contact, Some("区科技局"), None).await;
        let bound = chat.send(&alice, &format!("/start {code}")).await;
        assert_eq!(text(&bound), "绑定成功：您是联络员（区科技局）。\n发送 /help 查看可用命令。");
        let who = chat.send(&alice, "/whoami").await;
        assert!(text(&who).contains("联络员（区科技局）"), "{who:?}");

        // The same code again, by someone else: used.
        let bob = chat.user(1002, "李四");
        let used = chat.send(&bob, &format!("/start {code}")).await;
        assert!(text(&used).starts_with("邀请码已被使用"), "{used:?}");
        // A forged code.
        let forged = chat.send(&bob, "/start AAAAAAAAAAAAAAAAAAAA").await;
        assert!(text(&forged).starts_with("邀请码无效"), "{forged:?}");
        // An expired one.
        let late = chat.invite(Role::Contact, Some("区发展改革局"), None).await;
        chat.clock.advance(Span::days(8));
        let expired = chat.send(&bob, &format!("/start {late}")).await;
        assert!(text(&expired).starts_with("邀请码已过期"), "{expired:?}");
        assert!(chat.store.member(1002).await.unwrap().is_none());

        let member = chat.store.member(1001).await.unwrap().unwrap();
        assert_eq!(member.role, Role::Contact);
        assert_eq!(member.unit.unwrap().name, "区科技局");
        let audit = chat.store.audit(None).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "bind" && e.actor == "1001"), "{audit:?}");
        chat.stop().await;
    }

    async fn the_three_reply_paths_end_in_the_same_record(db) {
        let mut chat = Chat::start(&db.store).await;
        let alice = chat.contact(1001, "张三", "区科技局").await;

        // 1. /report N 内容
        let receipt = chat.send(&alice, "/report 8 已新增高新技术企业18家").await;
        assert!(text(&receipt).starts_with("已记录第8项进展（2022-03）"), "{receipt:?}");
        assert!(text(&receipt).contains("数字：高新技术企业 18/30家（60%）"), "{receipt:?}");
        assert_eq!(receipt.buttons().len(), 2, "撤回 and 修改");

        // 2. A reply to a task card.
        let card = chat.send(&alice, "/tasks 8").await;
        assert!(text(&card).starts_with("第8项任务"), "{card:?}");
        assert!(text(&card).contains("主办：区科技局"), "{card:?}");
        let on_card = chat.reply(&alice, card.message_id, "新增省级以上创新平台3家").await;
        assert!(text(&on_card).contains("已记录第8项进展"), "{on_card:?}");
        assert!(text(&on_card).contains("省级以上创新平台 3/7家"), "{on_card:?}");

        // 3. A light button, then the text asked for.
        let answer = chat.press(&alice, alice.id, card.message_id, &button(&card, "进度滞后")).await;
        assert_eq!(answer.text.as_deref(), Some("请回复文字说明"));
        let prompt = chat.expect(alice.id, 1).await.remove(0);
        assert!(forces_reply(&prompt), "{prompt:?}");
        assert!(text(&prompt).starts_with("第8项：🟡进度滞后"), "{prompt:?}");
        let after_button = chat.reply(&alice, prompt.message_id, "研发投入不足，正在协调").await;
        assert!(text(&after_button).contains("状态：🟡黄"), "{after_button:?}");

        let reports = chat.reports().await;
        assert_eq!(reports.len(), 3);
        assert!(reports.iter().all(|r| r.task_number == 8 && r.unit == "区科技局"));
        assert!(reports.iter().all(|r| r.period == "2022-03" && r.user_id == 1001));
        assert_eq!(reports[0].figures[0].value, 18.0);
        assert_eq!(reports[0].figures[0].target_value, 30.0);
        assert_eq!(reports[0].light, None);
        assert_eq!(reports[2].light, Some(Light::Yellow));
        assert_eq!(reports[2].text, "研发投入不足，正在协调");
        chat.stop().await;
    }

    async fn withdrawal_and_correction_within_the_window(db) {
        let mut chat = Chat::start(&db.store).await;
        let alice = chat.contact(1001, "张三", "区农业农村局").await;

        let first = chat.send(&alice, "/report 28 完成1万亩").await;
        let withdrawn = chat.press(&alice, alice.id, first.message_id, &button(&first, "撤回")).await;
        assert_eq!(withdrawn.text.as_deref(), Some("已撤回"));
        let edited = chat.server.sent(alice.id).into_iter().find(|m| m.message_id == first.message_id).unwrap();
        assert!(text(&edited).starts_with("已撤回第28项报告"), "{edited:?}");
        let again = chat.press(&alice, alice.id, first.message_id, &button(&first, "撤回")).await;
        assert!(again.text.unwrap().contains("已撤回"));

        let second = chat.send(&alice, "/report 28 蓝：完成2万亩").await;
        let asked = chat.press(&alice, alice.id, second.message_id, &button(&second, "修改")).await;
        assert!(!asked.show_alert);
        let prompt = chat.expect(alice.id, 1).await.remove(0);
        assert!(forces_reply(&prompt));
        let corrected = chat.reply(&alice, prompt.message_id, "完成2.1万亩").await;
        assert!(text(&corrected).starts_with("已更正第28项进展"), "{corrected:?}");
        assert!(text(&corrected).contains("高标准农田建设 2.1/3.6万亩"), "{corrected:?}");
        // The light of the corrected report carries over.
        assert!(text(&corrected).contains("状态：🔵蓝"), "{corrected:?}");

        let reports = chat.reports().await;
        let states: Vec<ReportState> = reports.iter().map(|r| r.state).collect();
        assert_eq!(states, [ReportState::Withdrawn, ReportState::Corrected, ReportState::Active]);
        assert_eq!(reports[2].corrects, Some(reports[1].id));
        assert_eq!(reports[2].figures[0].value, 2.1);

        // After the window nothing can be withdrawn.
        chat.clock.advance(Span::minutes(31));
        let late = chat.press(&alice, alice.id, corrected.message_id, &button(&corrected, "撤回")).await;
        assert!(late.text.unwrap().starts_with("已超过30分钟"));
        assert_eq!(chat.reports().await[2].state, ReportState::Active);

        let actions: Vec<String> = chat.store.audit(None).await.unwrap().into_iter().map(|e| e.action).collect();
        for action in ["report", "withdraw", "correct"] {
            assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
        }
        chat.stop().await;
    }
}

#[tokio::test]
async fn strangers_get_only_start_and_help() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let stranger = chat.user(2001, "路人");

    let start = chat.send(&stranger, "/start").await;
    assert!(text(&start).contains("邀请链接"), "{start:?}");
    let help = chat.send(&stranger, "/help").await;
    assert!(text(&help).contains("还没有绑定身份"), "{help:?}");
    for command in [
        "/tasks",
        "/report 8 已完成",
        "/status",
        "/units",
        "/invite 区科技局",
    ] {
        let refused = chat.send(&stranger, command).await;
        assert!(
            text(&refused).starts_with("您还没有绑定身份"),
            "{command}: {refused:?}"
        );
    }
    let hint = chat.send(&stranger, "你好").await;
    assert!(text(&hint).starts_with("您还没有绑定身份"), "{hint:?}");
    assert!(chat.reports().await.is_empty());
    chat.stop().await;
}

#[tokio::test]
async fn a_contact_reports_only_on_tasks_of_their_unit() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;

    // Task 28 is 区农业农村局's with the towns.
    let refused = chat.send(&alice, "/report 28 完成2万亩").await;
    assert_eq!(
        text(&refused),
        "第28项任务不由区科技局承办（主办或协办），不能报告。发送 /tasks 查看本单位的任务。"
    );
    let card = chat.send(&alice, "/tasks 28").await;
    assert!(
        text(&card).starts_with("第28项任务不由区科技局承办"),
        "{card:?}"
    );
    assert!(chat.reports().await.is_empty());

    // A co-organizer's report is a contribution the host unit sees in /tasks.
    let town = chat.contact(1003, "王五", "新兖镇").await;
    let receipt = chat.send(&town, "/report 8 本镇新增高新技术企业2家").await;
    assert!(text(&receipt).contains("单位：新兖镇"), "{receipt:?}");
    chat.server.send_text(&alice, alice.id, "/tasks");
    let list = chat.expect(alice.id, 1).await.remove(0);
    assert!(text(&list).contains("第8项【主办】"), "{list:?}");
    assert!(
        text(&list).contains("新兖镇（协办）：未标注 本镇新增高新技术企业2家"),
        "{list:?}"
    );
    let picker = list.buttons();
    assert!(
        picker.iter().any(|(label, _)| label == "第8项"),
        "{picker:?}"
    );
    chat.stop().await;
}

#[tokio::test]
async fn supervisors_read_but_do_not_write() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    chat.send(&alice, "/report 8 🟡 已新增高新技术企业18家")
        .await;
    let boss = chat.supervisor(3001, "赵督查", Some("崔增力")).await;

    let refused = chat.send(&boss, "/report 8 已完成").await;
    assert_eq!(text(&refused), "督查人员只能查看进展，不能报告。");
    let overview = chat.send(&boss, "/status").await;
    assert!(
        text(&overview).contains("已报告：1项  未报告：70项"),
        "{overview:?}"
    );
    assert!(text(&overview).contains("🟡黄 1"), "{overview:?}");
    let history = chat.send(&boss, "/status 8").await;
    assert!(
        text(&history).contains("区科技局 🟡黄：已新增高新技术企业18家"),
        "{history:?}"
    );
    let leader = chat.send(&boss, "/status 崔增力").await;
    assert!(text(&leader).starts_with("崔增力牵头的任务"), "{leader:?}");
    let unit = chat.send(&boss, "/status 区科技局").await;
    assert!(text(&unit).contains("第8项"), "{unit:?}");
    let unknown = chat.send(&boss, "/status 科技").await;
    assert!(
        text(&unknown).contains("您是不是要找：区科技局"),
        "{unknown:?}"
    );
    let tasks = chat.send(&boss, "/tasks").await;
    assert!(
        text(&tasks).starts_with("该命令仅限联络员使用"),
        "{tasks:?}"
    );
    // A light button pressed by a supervisor changes nothing.
    let card = chat.send(&alice, "/tasks 8").await;
    let answer = chat
        .press(&boss, alice.id, card.message_id, &button(&card, "已完成"))
        .await;
    assert_eq!(
        answer.text.as_deref(),
        Some("督查人员只能查看进展，不能报告。")
    );
    assert_eq!(chat.reports().await.len(), 1);
    chat.stop().await;
}

#[tokio::test]
async fn admin_commands_are_refused_to_everyone_else() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    for command in [
        "/units",
        "/contacts",
        "/invite 区发展改革局",
        "/remove 1001",
    ] {
        let refused = chat.send(&alice, command).await;
        assert_eq!(text(&refused), "该命令仅限管理员使用。", "{command}");
    }
    assert!(chat.store.member(1001).await.unwrap().is_some());

    let admin = chat.user(ADMIN, "管理员甲");
    let invite = chat.send(&admin, "/invite 区发展改革局").await;
    assert!(
        text(&invite).contains("https://t.me/duban_test_bot?start="),
        "{invite:?}"
    );
    let code = text(&invite)
        .split("start=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let bob = chat.user(1002, "李四");
    let bound = chat.send(&bob, &format!("/start {code}")).await;
    assert!(text(&bound).contains("区发展改革局"), "{bound:?}");
    let typo = chat.send(&admin, "/invite 发展改革").await;
    assert!(
        text(&typo).contains("您是不是要找：区发展改革局"),
        "{typo:?}"
    );
    let contacts = chat.send(&admin, "/contacts 区发展改革局").await;
    assert!(text(&contacts).contains("李四  ID 1002"), "{contacts:?}");
    let units = chat.send(&admin, "/units").await;
    assert!(text(&units).contains("区科技局｜"), "{units:?}");
    let removed = chat.send(&admin, "/remove 1002").await;
    assert!(
        text(&removed).starts_with("已解除 李四（ID 1002）的绑定"),
        "{removed:?}"
    );
    assert!(chat.store.member(1002).await.unwrap().is_none());
    let unbound = chat.send(&alice, "/unbind").await;
    assert!(text(&unbound).starts_with("已解除绑定"), "{unbound:?}");
    let actions: Vec<String> = chat
        .store
        .audit(None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.actor, e.action))
        .collect();
    assert!(actions.contains(&format!("{ADMIN}:remove")), "{actions:?}");
    assert!(actions.contains(&"1001:unbind".to_owned()), "{actions:?}");
    chat.stop().await;
}

#[tokio::test]
async fn bad_reports_get_a_clear_answer_and_change_nothing() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;

    let no_number = chat.send(&alice, "/report 已完成").await;
    assert!(
        text(&no_number).starts_with("用法：/report 任务编号 内容"),
        "{no_number:?}"
    );
    let bare = chat.send(&alice, "/report").await;
    assert!(text(&bare).starts_with("用法"), "{bare:?}");
    let unknown = chat.send(&alice, "/report 99 已完成").await;
    assert!(text(&unknown).starts_with("没有第99项任务"), "{unknown:?}");
    let empty = chat.send(&alice, "/report 8").await;
    assert!(text(&empty).starts_with("报告内容不能为空"), "{empty:?}");
    let long = format!("/report 8 {}", "进展".repeat(5_000));
    let too_long = chat.send(&alice, &long).await;
    assert!(
        text(&too_long).starts_with("报告内容过长（10000字）"),
        "{too_long:?}"
    );
    assert!(chat.reports().await.is_empty());

    let emoji = chat.send(&alice, "/report 8 ✅ 全部完成🎉👍").await;
    assert!(text(&emoji).contains("状态：✅完成"), "{emoji:?}");
    assert_eq!(chat.reports().await[0].text, "全部完成🎉👍");
    chat.stop().await;
}

#[tokio::test]
async fn photos_stickers_voice_and_edits_are_answered_and_not_stored() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;

    chat.server
        .send_photo(&alice, alice.id, Some("/report 8 见图"));
    let photo = chat.expect(alice.id, 1).await.remove(0);
    chat.server.send_sticker(&alice, alice.id, "👍");
    let sticker = chat.expect(alice.id, 1).await.remove(0);
    chat.server.send_voice(&alice, alice.id, 5);
    let voice = chat.expect(alice.id, 1).await.remove(0);
    // A photo about no task (no reply, no report in the window) is not kept either.
    assert!(
        text(&photo).starts_with("这份图片或文件没有对应的任务，未保存"),
        "{photo:?}"
    );
    for answer in [&sticker, &voice] {
        assert!(
            text(answer).starts_with("暂不接收图片、语音、贴纸和文件"),
            "{answer:?}"
        );
    }
    let sent = chat
        .server
        .send_text(&alice, alice.id, "/report 8 新增高新技术企业5家");
    chat.expect(alice.id, 1).await;
    chat.server
        .edit_text(&alice, alice.id, sent, "/report 8 新增高新技术企业50家");
    let edit = chat.expect(alice.id, 1).await.remove(0);
    assert!(
        text(&edit).starts_with("修改已发送的消息不会更新报告"),
        "{edit:?}"
    );
    let reports = chat.reports().await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].figures[0].value, 5.0);
    chat.stop().await;
}

#[tokio::test]
async fn a_redelivered_update_is_stored_once() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    chat.send(&alice, "/report 8 已新增高新技术企业18家").await;
    let seq = chat.reports().await[0].inbox_seq;
    let update_id = chat.store.inbox_item(seq).await.unwrap().unwrap().update_id;

    assert!(chat.server.redeliver(update_id));
    chat.settle().await;

    assert_eq!(chat.reports().await.len(), 1);
    assert_eq!(chat.server.sent(alice.id).len(), 2, "bound + one receipt");
    chat.stop().await;
}

#[tokio::test]
async fn a_failing_handler_is_retried_then_reported_to_the_admins() {
    use duban::botapi::{FaultKind, FaultPlan};
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    let admin = chat.user(ADMIN, "管理员甲");

    // One failed answer: the update is tried again and the report is stored once.
    chat.server
        .inject_faults(FaultPlan::next(1, FaultKind::RetryAfter(0)).for_methods(["sendMessage"]));
    chat.server
        .send_text(&alice, alice.id, "/report 8 已新增高新技术企业18家");
    let server = &chat.server;
    advance_until(&chat.clock, || server.sent(alice.id).len() >= 2).await;
    let receipt = chat.expect(alice.id, 1).await.remove(0);
    assert!(text(&receipt).starts_with("已记录第8项进展"), "{receipt:?}");
    assert_eq!(chat.reports().await.len(), 1);

    // Failing every time: after three attempts it is marked failed and the admin hears of it.
    chat.server
        .inject_faults(FaultPlan::next(3, FaultKind::RetryAfter(0)).for_methods(["sendMessage"]));
    chat.server.send_text(&alice, alice.id, "/whoami");
    let server = &chat.server;
    advance_until(&chat.clock, || !server.sent(admin.id).is_empty()).await;
    let told = chat.expect(admin.id, 1).await.remove(0);
    assert!(
        text(&told).starts_with("有一条消息多次处理失败"),
        "{told:?}"
    );
    let failed = chat.store.inbox_failed().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].attempts, 3);
    chat.stop().await;
}

#[tokio::test]
async fn a_retry_falls_due_while_other_updates_keep_arriving() {
    use duban::botapi::{FaultKind, FaultPlan};
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    let bob = chat.contact(1002, "李四", "区科技局").await;

    // Alice's receipt fails once, so her update waits for its retry in the inbox.
    chat.server
        .inject_faults(FaultPlan::next(1, FaultKind::RetryAfter(0)).for_methods(["sendMessage"]));
    chat.server
        .send_text(&alice, alice.id, "/report 8 已新增高新技术企业18家");
    let server = &chat.server;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let due = db.store.inbox_due(i64::MAX, 1).await.unwrap();
        if due.first().is_some_and(|item| item.attempts == 1) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no failed attempt");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Now due; Bob writes more often than once a second until Alice has her receipt: the
    // updates handed over fresh must not keep the retry waiting.
    chat.clock.advance(Span::seconds(10));
    while server.sent(alice.id).len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the retry waited behind the fresh updates"
        );
        server.send_text(&bob, bob.id, "/help");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let receipt = chat.expect(alice.id, 1).await.remove(0);
    assert!(text(&receipt).starts_with("已记录第8项进展"), "{receipt:?}");
    assert_eq!(chat.reports().await.len(), 1);
    chat.stop().await;
}

#[tokio::test]
async fn in_groups_only_commands_and_replies_to_the_bot_and_no_data_unregistered() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    let admin = chat.user(ADMIN, "管理员甲");
    let group = -100_200;
    chat.server.add_group(group, "科技工作群");

    chat.server.send_text(&alice, group, "大家好");
    chat.server.send_text(&alice, group, "/tasks");
    let refused = chat.expect(group, 1).await.remove(0);
    assert!(
        text(&refused).starts_with("本群未经管理员登记"),
        "{refused:?}"
    );
    chat.server.send_text(&alice, group, "/register");
    let not_admin = chat.expect(group, 1).await.remove(0);
    assert_eq!(text(&not_admin), "该命令仅限管理员使用。");

    chat.server.send_text(&admin, group, "/register");
    let registered = chat.expect(group, 1).await.remove(0);
    assert!(
        text(&registered).starts_with("已登记本群"),
        "{registered:?}"
    );
    chat.server.send_text(&alice, group, "/tasks 8");
    let card = chat.expect(group, 1).await.remove(0);
    assert!(text(&card).starts_with("第8项任务"), "{card:?}");
    chat.server
        .reply_to(&alice, group, card.message_id, "已新增高新技术企业20家");
    let receipt = chat.expect(group, 1).await.remove(0);
    assert!(text(&receipt).contains("20/30家"), "{receipt:?}");
    chat.settle().await;
    // “大家好” got no answer: 5 answers for 6 messages.
    let answers: Vec<String> = chat
        .server
        .sent(group)
        .iter()
        .map(|m| text(m).chars().take(20).collect())
        .collect();
    assert_eq!(answers.len(), 5, "{answers:?}");
    chat.stop().await;
}

#[tokio::test]
async fn commands_are_registered_in_chinese() {
    let db = TestDb::sqlite().await;
    let chat = Chat::start(&db.store).await;
    let commands = chat.server.commands();
    let names: Vec<&str> = commands
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    for name in [
        "start", "help", "tasks", "report", "status", "units", "invite", "whoami",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let report = commands
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == "report")
        .unwrap();
    assert_eq!(report["description"], "报告进展：/report 任务编号 内容");
    chat.stop().await;
}

#[tokio::test]
async fn updates_received_while_stopped_are_handled_after_a_restart() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    let server = chat.stop().await;

    server.send_text(&alice, alice.id, "/report 8 已新增高新技术企业18家");
    let mut chat = Chat::start_with(&db.store, settings(), Some(server)).await;
    let sent = chat.server.wait_for_sent(alice.id, 2, WAIT).await.unwrap();
    assert!(text(&sent[1]).starts_with("已记录第8项进展"), "{sent:?}");
    assert_eq!(chat.reports().await.len(), 1);
    chat.settle().await;
    let _ = chat.expect(alice.id, 0).await;
    chat.stop().await;
}

/// The bot in webhook mode on a free port of 127.0.0.1, and its webhook URL.
async fn webhook_chat(db: &TestDb) -> (Chat, String) {
    use duban::bot::inbox::Mode;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/telegram/hook");
    let mode = Mode::Webhook {
        url: url.clone(),
        listen: format!("127.0.0.1:{port}").parse().unwrap(),
    };
    (Chat::start_in(&db.store, settings(), None, mode).await, url)
}

/// Telegram chooses the next update id at random after a week without updates (and a Bot API
/// server that restarts counts again from its start): a new update may come with an id seen
/// before. It is a new update, not a redelivery; its own redelivery is still stored once.
#[tokio::test]
async fn an_old_update_id_on_a_new_update_is_not_taken_for_a_redelivery() {
    let db = TestDb::sqlite().await;
    let (mut chat, _) = webhook_chat(&db).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;
    chat.send(&alice, "/report 8 已新增高新技术企业18家").await;
    let first = chat.reports().await[0].inbox_seq;
    let first = chat.store.inbox_item(first).await.unwrap().unwrap();

    // A week later, the same update id on a new message.
    let mut later: serde_json::Value = serde_json::from_str(&first.payload).unwrap();
    let message = &mut later["message"];
    message["date"] = serde_json::json!(first.update_date + 7 * 86_400);
    message["message_id"] = serde_json::json!(message["message_id"].as_i64().unwrap() + 100);
    message["text"] = serde_json::json!("/report 8 已新增高新技术企业20家");
    assert_eq!(chat.server.push_update(later), first.update_id);
    let sent = chat.server.wait_for_sent(alice.id, 3, WAIT).await.unwrap();
    assert!(text(&sent[2]).starts_with("已记录第8项进展"), "{sent:?}");
    // And that update delivered again.
    assert!(chat.server.redeliver(first.update_id));
    chat.settle().await;

    let reports = chat.reports().await;
    let texts: Vec<&str> = reports.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("20家")), "{texts:?}");
    assert_eq!(
        chat.store
            .inbox_with_update_id(first.update_id)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(chat.server.sent(alice.id).len(), 3, "bound + two receipts");
    chat.stop().await;
}

#[tokio::test]
async fn webhook_mode_stores_then_answers() {
    let db = TestDb::sqlite().await;
    let (mut chat, url) = webhook_chat(&db).await;
    assert_eq!(chat.server.webhook_url(), url);

    let alice = chat.contact(1001, "张三", "区科技局").await;
    let receipt = chat.send(&alice, "/report 8 已新增高新技术企业18家").await;
    assert!(text(&receipt).starts_with("已记录第8项进展"), "{receipt:?}");
    assert_eq!(chat.reports().await.len(), 1);
    assert_eq!(chat.server.calls("getUpdates"), 0);
    assert_eq!(chat.server.webhook_failures(), 0);

    // Without Telegram's secret header nothing is stored.
    let forged = reqwest::Client::new()
        .post(&url)
        .body(r#"{"update_id":999,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"/report 8 x"}}"#)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    assert!(
        chat.store
            .inbox_with_update_id(999)
            .await
            .unwrap()
            .is_empty()
    );
    chat.stop().await;
}

/// A task with a 完成时限 shows it on its card and in the unit's /tasks.
#[tokio::test]
async fn the_task_card_and_the_unit_s_tasks_show_the_deadline() {
    let db = TestDb::sqlite().await;
    let mut seed = seed_matrix();
    let eight = seed.tasks.iter_mut().find(|t| t.number == 8).unwrap();
    eight.deadline = Some(duban::matrix::Deadline {
        text: "2022年6月底前".into(),
        date: chrono::NaiveDate::from_ymd_opt(2022, 6, 30),
    });
    db.store.import_matrix(&seed).await.unwrap();
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;

    let card = chat.send(&alice, "/tasks 8").await;
    assert!(
        text(&card).contains("\n完成时限：2022年6月底前\n"),
        "{card:?}"
    );
    chat.server.send_text(&alice, alice.id, "/tasks");
    let message = chat.expect(alice.id, 1).await.remove(0);
    let list = text(&message);
    let eighth = list.split("\n\n").find(|t| t.starts_with("第8项")).unwrap();
    assert!(
        eighth
            .lines()
            .any(|l| l.trim() == "完成时限：2022年6月底前"),
        "{eighth}"
    );
    let ninth = list.split("\n\n").find(|t| t.starts_with("第9项")).unwrap();
    assert!(!ninth.contains("完成时限"), "{ninth}");
    chat.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn chinese_command_words_work_where_the_bot_is_addressed() {
    let db = TestDb::sqlite().await;
    let mut chat = Chat::start(&db.store).await;
    let alice = chat.contact(1001, "张三", "区科技局").await;

    // Without the slash, in the single chat: a report, a task card, help.
    let receipt = chat.send(&alice, "报告 8 已新增高新技术企业12家").await;
    assert!(text(&receipt).starts_with("已记录第8项进展"), "{receipt:?}");
    let card = chat.send(&alice, "任务 8").await;
    assert!(text(&card).starts_with("第8项任务"), "{card:?}");
    let help = chat.send(&alice, "帮助").await;
    assert!(text(&help).contains("/report"), "{help:?}");
    // A text that only begins with the word is no command; nor is a reply that does.
    let hint = chat.send(&alice, "报告：本月已新增企业").await;
    assert!(!text(&hint).starts_with("已记录"), "{hint:?}");
    let on_card = chat
        .reply(&alice, card.message_id, "报告 8 新增省级以上创新平台2家")
        .await;
    assert!(text(&on_card).contains("已记录第8项进展"), "{on_card:?}");
    assert_eq!(
        chat.reports().await[1].text,
        "报告 8 新增省级以上创新平台2家"
    );

    // In a group, the words are conversation unless meant for the bot.
    let group = -100_300;
    chat.server.add_group(group, "科技工作群");
    let admin = chat.user(ADMIN, "管理员甲");
    chat.server.send_text(&admin, group, "/register");
    chat.expect(group, 1).await;
    chat.server.send_text(&alice, group, "报告 8 群里随口一说");
    chat.server.send_text(&alice, group, "/whoami");
    let who = chat.expect(group, 1).await.remove(0);
    assert!(text(&who).contains("联络员"), "{who:?}");
    chat.settle().await;
    assert_eq!(
        chat.server.sent(group).len(),
        2,
        "the words in the group got no answer"
    );
    assert_eq!(chat.reports().await.len(), 2);
    chat.stop().await;
}
