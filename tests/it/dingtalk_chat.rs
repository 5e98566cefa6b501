//! The whole loop on DingTalk, end to end: the real service (the Stream client, the inbox, the
//! conversation core, the OpenAPI client) against the local DingTalk server, on SQLite (and,
//! for the main flows, PostgreSQL).

use crate::support::dingtalk::*;
use crate::support::{TestDb, on_both_backends};
use chrono::Duration as Span;
use duban::dingapi::{Chat, SentBody};
use duban::progress::Light;
use duban::store::Role;

on_both_backends! {
    async fn binding_on_dingtalk_with_every_bad_code(db) {
        let mut ding = Ding::start(&db.store).await;
        let alice = ding.user("staff1001", "张三");

        let code = ding.invite(Role::Contact, Some("区科技局")).await;
        let bound = ding.says(&alice, &format!("绑定 {code}")).await;
        assert!(body(&bound).starts_with("绑定成功：您是联络员（区科技局）。"), "{bound:?}");
        let who = ding.says(&alice, "/whoami").await;
        assert!(body(&who).contains("联络员（区科技局）"), "{who:?}");

        // The same code again, by someone else: used; a forged one; an expired one.
        let bob = ding.user("staff1002", "李四");
        let used = ding.says(&bob, &format!("/start {code}")).await;
        assert!(body(&used).starts_with("邀请码已被使用"), "{used:?}");
        let forged = ding.says(&bob, "绑定 AAAAAAAAAAAAAAAAAAAA").await;
        assert!(body(&forged).starts_with("邀请码无效"), "{forged:?}");
        let late = ding.invite(Role::Contact, Some("区发展改革局")).await;
        ding.clock.advance(Span::days(8));
        let expired = ding.says(&bob, &format!("绑定 {late}")).await;
        assert!(body(&expired).starts_with("邀请码已过期"), "{expired:?}");

        // An admin's /invite says what to send the robot on DingTalk, and that code binds.
        let admin = ding.user(ADMIN, "管理员甲");
        let invite = ding.says(&admin, "/invite 区发展改革局").await;
        let text = body(&invite);
        assert!(text.contains("在钉钉里与督办机器人单聊，发送：绑定 "), "{invite:?}");
        assert!(!text.contains("t.me"), "no Telegram link without Telegram: {invite:?}");
        let fresh = text.split("绑定 ").nth(1).unwrap().trim_end_matches('。').trim();
        let carol = ding.user("staff1003", "王五");
        let bound = ding.says(&carol, &format!("绑定 {fresh}")).await;
        assert!(body(&bound).contains("区发展改革局"), "{bound:?}");

        // An unbound person is told to bind, whatever they send.
        let tasks = ding.says(&bob, "/tasks").await;
        assert!(body(&tasks).contains("绑定"), "{tasks:?}");
        let members = ding.store.members(None).await.unwrap();
        assert_eq!(members.len(), 2, "{members:?}");
        ding.stop().await;
    }

    async fn the_reply_paths_on_dingtalk_end_in_one_record_each(db) {
        let mut ding = Ding::start(&db.store).await;
        let alice = ding.contact("staff1001", "张三", "区科技局").await;

        // 1. /report N 内容, and the same without the slash.
        let receipt = ding.says(&alice, "/report 8 已新增高新技术企业18家").await;
        assert!(body(&receipt).starts_with("已记录第8项进展（2022-03）"), "{receipt:?}");
        assert_eq!(actions(&receipt).len(), 2, "撤回 and 修改: {receipt:?}");
        let words = ding.says(&alice, "报告 8 新增省级以上创新平台2家").await;
        assert!(body(&words).contains("省级以上创新平台 2/7家"), "{words:?}");

        // 2. A quoted task card.
        let card = ding.says(&alice, "任务 8").await;
        assert!(body(&card).starts_with("第8项任务"), "{card:?}");
        assert!(matches!(card.body, SentBody::Card(_)), "{card:?}");
        let quoted = ding.quotes(&alice, &card, "新增省级以上创新平台3家").await;
        assert!(body(&quoted).contains("已记录第8项进展"), "{quoted:?}");

        // 3. A light button on the card, then the text, without quoting.
        ding.press(&alice, &card, &action(&card, "进度滞后"));
        let prompt = ding.expect(&single(&alice), 1).await.remove(0);
        assert!(body(&prompt).starts_with("第8项：🟡进度滞后"), "{prompt:?}");
        let after = ding.says(&alice, "研发投入不足，正在协调").await;
        assert!(body(&after).contains("状态：🟡黄"), "{after:?}");
        // The prompt answered, a text that names no task is asked which task, with a picker;
        // a task picked, the quoted card takes the report.
        let which = ding.says(&alice, "本月新增企业5家").await;
        assert!(body(&which).contains("没有指明任务"), "{which:?}");
        ding.press(&alice, &which, &action(&which, "8"));
        let picked = ding.expect(&single(&alice), 1).await.remove(0);
        assert!(body(&picked).starts_with("第8项任务"), "{picked:?}");
        let on_picked = ding.quotes(&alice, &picked, "本月新增企业5家").await;
        assert!(body(&on_picked).contains("已记录第8项进展"), "{on_picked:?}");

        let reports = ding.reports().await;
        assert_eq!(reports.len(), 5, "{reports:?}");
        assert!(reports.iter().all(|r| r.task_number == 8 && r.unit == "区科技局"));
        assert_eq!(reports[3].light, Some(Light::Yellow));
        assert_eq!(reports[3].text, "研发投入不足，正在协调");
        let audit = ding.store.audit(None).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "bind"), "{audit:?}");
        ding.stop().await;
    }
}

#[tokio::test]
async fn withdraw_and_correct_from_the_receipt_card() {
    let db = TestDb::sqlite().await;
    let mut ding = Ding::start(&db.store).await;
    let alice = ding.contact("staff1001", "张三", "区科技局").await;
    let me = single(&alice);

    let receipt = ding.says(&alice, "/report 8 已新增高新技术企业18家").await;
    ding.press(&alice, &receipt, &action(&receipt, "修改"));
    let prompt = ding.expect(&me, 1).await.remove(0);
    assert!(body(&prompt).contains("更正内容"), "{prompt:?}");
    let corrected = ding.says(&alice, "已新增高新技术企业20家").await;
    assert!(body(&corrected).contains("20/30家"), "{corrected:?}");

    // 撤回 on the new receipt: the card loses its buttons and says so.
    ding.press(&alice, &corrected, &action(&corrected, "撤回"));
    let SentBody::Card(card) = &corrected.body else {
        panic!("{corrected:?}")
    };
    let out_track_id = card.out_track_id.clone();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let card = ding.server.card(&out_track_id).unwrap();
        if card.params["content"].contains("已撤回") {
            assert_eq!(card.params["buttons"], "[]");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{card:?}");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let reports = ding.reports().await;
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[1].corrects, Some(reports[0].id));
    ding.stop().await;
}

#[tokio::test]
async fn refusals_on_dingtalk_change_nothing() {
    let db = TestDb::sqlite().await;
    let mut ding = Ding::start(&db.store).await;
    let alice = ding.contact("staff1001", "张三", "区科技局").await;

    // Another unit's task.
    let other = ding.says(&alice, "/report 28 已完成").await;
    assert!(body(&other).contains("不由区科技局承办"), "{other:?}");
    // A supervisor.
    let sup = ding.user("staff2001", "王督查");
    let code = ding.invite(Role::Supervisor, None).await;
    ding.says(&sup, &format!("绑定 {code}")).await;
    let refused = ding.says(&sup, "报告 8 已完成").await;
    assert!(body(&refused).contains("督查人员只能查看"), "{refused:?}");
    // A group message that does not @ the robot never reaches it; one that does is answered
    // in the group.
    let group = "cidGROUP01";
    ding.server.add_group(&duban::dingapi::DingGroup {
        open_conversation_id: group.into(),
        title: "科技工作群".into(),
        members: vec![alice.staff_id.clone(), sup.staff_id.clone()],
    });
    assert!(
        ding.server
            .group_says(&alice, group, "报告 8 群里随口一说", false)
            .unwrap()
            .is_none()
    );
    ding.server
        .group_says(&alice, group, "/whoami", true)
        .unwrap()
        .unwrap();
    let who = ding.expect(&Chat::Group(group.into()), 1).await.remove(0);
    assert!(body(&who).contains("联络员"), "{who:?}");
    assert!(ding.reports().await.is_empty());
    ding.stop().await;
}

/// Beijing time on a day of March 2022.
fn march(day: u32, hour: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    duban::clock::office_offset()
        .with_ymd_and_hms(2022, 3, day, hour, 0, 0)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_on_dingtalk_with_throttling_and_5xx_delivers_each_message_once() {
    use duban::dingapi::{Api, FaultKind, FaultPlan};
    let db = TestDb::sqlite().await;
    let mut ding = Ding::start(&db.store).await;
    let alice = ding.contact("staff1001", "张三", "区科技局").await;
    let town = ding.contact("staff1002", "李四", "区财政局").await;
    let admin = ding.user(ADMIN, "管理员甲");
    let before: Vec<usize> = [&alice, &town, &admin]
        .iter()
        .map(|p| ding.server.sent_to_user(&p.staff_id).len())
        .collect();
    for person in [&alice, &town, &admin] {
        ding.seen_all(&single(person));
    }
    // From now on a tenth of the sends answer 限流 and a tenth 5xx.
    let sends = [Api::BatchSend, Api::MediaUpload];
    ding.server
        .add_fault(FaultPlan::share(0.1, 7, FaultKind::Throttled).for_apis(sends));
    ding.server
        .add_fault(FaultPlan::share(0.1, 8, FaultKind::ServerError).for_apis(sends));
    ding.live_to(march(31, 20)).await;

    // Every scheduled message was sent, and each reached its person once.
    let rows = ding.store.outbox(None).await.unwrap();
    assert!(rows.iter().all(|r| r.state == "sent"), "{rows:#?}");
    for (person, before) in [&alice, &town, &admin].into_iter().zip(before) {
        let id = ding
            .store
            .dingtalk_id(&duban::store::DingName::User(person.staff_id.clone()))
            .await
            .unwrap();
        let theirs = rows.iter().filter(|r| r.chat_id == id).count();
        let got = ding.expect(&single(person), theirs).await;
        assert!(theirs > 0, "{} got nothing", person.staff_id);
        assert_eq!(
            ding.server.sent_to_user(&person.staff_id).len(),
            before + got.len(),
            "{}: each scheduled message once",
            person.staff_id
        );
    }
    // The reminder named the unit's tasks; the admin got the bulletin with its files.
    let reminders: Vec<String> = ding
        .server
        .sent_to_user(&alice.staff_id)
        .iter()
        .map(body)
        .filter(|b| b.contains("第8项"))
        .collect();
    assert!(!reminders.is_empty());
    let files = ding
        .server
        .sent_to_user(ADMIN)
        .iter()
        .filter(|m| matches!(m.body, SentBody::File { .. } | SentBody::Image { .. }))
        .count();
    assert_eq!(files, 3, "Word, Excel and the chart");
    let stats = ding.server.fault_stats();
    assert!(
        stats.injected_throttled > 0 && stats.injected_server_errors > 0,
        "{stats:?}"
    );
    ding.stop().await;
}

#[tokio::test]
async fn a_disconnect_a_dropped_socket_an_expired_token_and_a_restart_lose_nothing() {
    let db = TestDb::sqlite().await;
    let mut ding = Ding::start(&db.store).await;
    let alice = ding.contact("staff1001", "张三", "区科技局").await;

    // DingTalk says it will close the connection: duban opens another; a message meanwhile.
    assert!(
        ding.server
            .send_disconnect(std::time::Duration::from_millis(200))
    );
    let first = ding.says(&alice, "/report 8 已新增高新技术企业1家").await;
    assert!(body(&first).contains("1/30家"), "{first:?}");
    // The socket drops half-way through the next frame: pushed again on the new connection.
    ding.server.cut_next_frame();
    let second = ding.says(&alice, "/report 8 已新增高新技术企业2家").await;
    assert!(body(&second).contains("2/30家"), "{second:?}");
    // Every token expires: the next send fetches a new one.
    ding.server.expire_tokens();
    let third = ding.says(&alice, "/report 8 已新增高新技术企业3家").await;
    assert!(body(&third).contains("3/30家"), "{third:?}");
    assert!(ding.server.connections_opened() >= 3);

    // Stopped, a message arrives (this server keeps what was not ACKed, as the Node SDK
    // describes; DingTalk may instead drop it and show its offline prompt, see the README);
    // after the restart it is handled once.
    let settings = ding.settings.clone();
    let server = ding.stop().await;
    server.user_says(&alice, "/report 8 已新增高新技术企业4家");
    let ding = Ding::start_with(&db.store, settings, server).await;
    let sent = ding
        .server
        .wait_for_sent_to_user(&alice.staff_id, 5, WAIT)
        .await
        .unwrap();
    assert!(body(&sent[4]).contains("4/30家"), "{sent:?}");
    let reports = ding.reports().await;
    assert_eq!(reports.len(), 4, "{reports:?}");
    ding.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bound_on_both_platforms_each_reminder_comes_on_both_and_the_report_once() {
    use duban::bot::inbox::Mode;
    use duban::botapi::{BotApiOptions, BotApiServer, TestUser};
    use duban::dingapi::{DingApiOptions, DingApiServer, DingUser};
    use duban::dingtalk::run::DingTalkConfig;
    use duban::service::{Platforms, start_on};

    let db = TestDb::sqlite().await;
    let store = &db.store;
    import_seed(store).await;
    let telegram = BotApiServer::start(BotApiOptions::default()).await.unwrap();
    let dingtalk = DingApiServer::start(DingApiOptions::default())
        .await
        .unwrap();
    let settings = settings(&dingtalk, true);
    let config = DingTalkConfig::new(&settings, &DingApiOptions::default().client_secret).unwrap();
    let clock = duban::clock::Clock::manual(march(10, 9));
    let platforms = Platforms {
        telegram: Some((telegram.bot(), Mode::Polling)),
        dingtalk: Some(config),
    };
    let service = start_on(store.clone(), clock.clone(), &settings, platforms, TICK)
        .await
        .unwrap();

    // 张三 binds on Telegram and on DingTalk, each with an invite of his unit.
    let ding = Ding::attach(store, dingtalk, clock.clone(), settings.clone());
    let on_telegram = TestUser::new(1001, "张三");
    telegram.add_user(&on_telegram);
    let code = ding.invite(Role::Contact, Some("区科技局")).await;
    telegram.send_text(&on_telegram, 1001, &format!("/start {code}"));
    let bound = telegram.wait_for_sent(1001, 1, WAIT).await.unwrap();
    assert!(crate::support::seed::text(&bound[0]).starts_with("绑定成功"));
    let mut ding = ding;
    let on_dingtalk: DingUser = ding.contact("staff1001", "张三", "区科技局").await;

    // The reminder of the 18th: the same messages on both platforms.
    ding.live_to(march(18, 10)).await;
    let on_tg = telegram.sent(1001).len() - 1;
    let on_dt = ding.server.sent_to_user(&on_dingtalk.staff_id).len() - 1;
    assert!(on_tg > 0, "no reminder on Telegram");
    assert_eq!(on_tg, on_dt, "each reminder on both platforms");

    // He reports once, on DingTalk, quoting the reminder: one record, which the audit trail
    // says came through 钉钉.
    let reminder = ding
        .server
        .sent_to_user(&on_dingtalk.staff_id)
        .into_iter()
        .find(|m| body(m).contains("第8项任务本期"))
        .expect("the reminder of task 8");
    ding.seen_all(&single(&on_dingtalk));
    let receipt = ding
        .quotes(&on_dingtalk, &reminder, "已新增高新技术企业9家")
        .await;
    assert!(body(&receipt).contains("9/30家"), "{receipt:?}");
    let reports = ding.reports().await;
    assert_eq!(reports.len(), 1);
    let audit = store.audit(None).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "report").unwrap();
    assert!(entry.subject.ends_with("经钉钉"), "{entry:?}");
    // The nudge of the 23rd does not chase the task he reported, on either platform.
    let before = (
        telegram.sent(1001).len(),
        ding.server.sent_to_user(&on_dingtalk.staff_id).len(),
    );
    ding.live_to(march(23, 10)).await;
    let after = (
        telegram.sent(1001).len(),
        ding.server.sent_to_user(&on_dingtalk.staff_id).len(),
    );
    assert_eq!(after.0 - before.0, after.1 - before.1);
    service.stop().await.unwrap();
}

#[tokio::test]
async fn without_a_card_template_the_buttons_are_put_into_words_and_quotes_report() {
    let db = TestDb::sqlite().await;
    let server = duban::dingapi::DingApiServer::start(duban::dingapi::DingApiOptions::default())
        .await
        .unwrap();
    let settings = settings(&server, false);
    let mut ding = Ding::start_with(&db.store, settings, server).await;
    let alice = ding.contact("staff1001", "张三", "区科技局").await;

    let card = ding.says(&alice, "/tasks 8").await;
    assert!(matches!(card.body, SentBody::Text { .. }), "{card:?}");
    assert!(
        body(&card).contains("引用本消息回复即可报告进展"),
        "{card:?}"
    );
    let receipt = ding.quotes(&alice, &card, "黄：用地未落实").await;
    assert!(body(&receipt).contains("状态：🟡黄"), "{receipt:?}");
    assert!(
        body(&receipt).contains("如需补充，引用本回执回复即可"),
        "{receipt:?}"
    );
    assert_eq!(ding.reports().await.len(), 1);
    ding.stop().await;
}

#[tokio::test]
async fn a_supervisor_gets_the_bulletin_on_dingtalk_as_markdown_and_files() {
    let db = TestDb::sqlite().await;
    let mut ding = Ding::start(&db.store).await;
    let alice = ding.contact("staff1001", "张三", "区科技局").await;
    ding.says(&alice, "报告 8 蓝：已新增高新技术企业18家").await;
    let sup = ding.user("staff2001", "王督查");
    let code = ding.invite(Role::Supervisor, None).await;
    ding.says(&sup, &format!("绑定 {code}")).await;

    ding.server.user_says(&sup, "/bulletin");
    // The Markdown in parts DingTalk takes (at most 12,000 bytes each), then the three files.
    let is_markdown = |m: &duban::dingapi::SentMessage| matches!(m.body, SentBody::Markdown { .. });
    let mut sent = Vec::new();
    while sent.iter().filter(|m| !is_markdown(m)).count() < 3 {
        sent.extend(ding.expect(&single(&sup), 1).await);
    }
    let parts = sent.iter().take_while(|m| is_markdown(m)).count();
    let mut markdown = String::new();
    for m in &sent[..parts] {
        let SentBody::Markdown { title, text } = &m.body else {
            unreachable!()
        };
        assert!(title.contains("督查通报"), "{title}");
        assert!(text.len() <= 12_000, "{} bytes", text.len());
        markdown.push_str(text);
    }
    assert!(markdown.contains("已反馈1项"), "{markdown}");
    let names: Vec<String> = sent[parts..]
        .iter()
        .map(|m| match &m.body {
            SentBody::File { file_name, .. } => file_name.clone(),
            SentBody::Image { .. } => "chart".to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert!(
        names[0].ends_with(".docx") && names[1].ends_with(".xlsx"),
        "{names:?}"
    );
    assert_eq!(names[2], "chart");
    ding.stop().await;
}
