//! Items beyond the notice (督办件): stored as tasks of a notice of their own, numbered 督-1,
//! 督-2 …, never the current notice, untouched by a re-import of the notice; on both backends.

use crate::support::chat::{ADMIN, Chat, button, import_seed, seed_matrix, settle_at, text};
use crate::support::dingtalk::{self as ding, Ding};
use crate::support::on_both_backends;
use chrono::{NaiveDate, TimeZone, Utc};
use duban::matrix::UnitRole;
use duban::store::{AssignRefusal, NewItem, TaskRef};

fn item(text: &str, hosts: &[&str], co: &[&str]) -> NewItem {
    NewItem {
        text: text.into(),
        hosts: hosts.iter().map(|s| s.to_string()).collect(),
        co: co.iter().map(|s| s.to_string()).collect(),
        leader: Some("张锐".into()),
        due: NaiveDate::from_ymd_opt(2022, 4, 15).unwrap(),
        every_days: Some(7),
        source: "领导批示".into(),
    }
}

on_both_backends! {
    async fn items_are_numbered_on_their_own_and_never_the_current_notice(db) {
        let store = &db.store;
        import_seed(store).await;
        let notice = store.latest_notice_id().await.unwrap().unwrap();
        let tasks_before = store.current_tasks().await.unwrap().unwrap().all().len();

        let first = store
            .add_item(&item("尽快完成科技企业孵化器建设方案", &["区科技局"], &["区财政局"]), "cli", 1_647_000_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.label(), "督-1");
        assert_eq!(first.task_ref(), TaskRef::Item(1));
        let info = first.item.clone().unwrap();
        assert_eq!((info.number, info.source.as_str(), info.every_days), (1, "领导批示", Some(7)));
        assert_eq!(info.due, NaiveDate::from_ymd_opt(2022, 4, 15).unwrap());
        assert_eq!(first.hosts().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["区科技局"]);
        assert_eq!(first.units.iter().find(|u| u.name == "区财政局").unwrap().role, UnitRole::Co);
        assert_eq!(first.leaders[0].name, "张锐");
        assert_eq!(first.deadline.as_ref().unwrap().date, Some(info.due));

        let second = store
            .add_item(&item("会议议定：推进人才公寓建设", &["区发展改革局"], &[]), "cli", 1_647_000_100)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(second.label(), "督-2");

        // Not the current notice: the notice's tasks and numbers are as before.
        assert_eq!(store.latest_notice_id().await.unwrap(), Some(notice));
        let current = store.current_tasks().await.unwrap().unwrap();
        assert_eq!(current.notice_id, notice);
        assert_eq!(current.all().len(), tasks_before);
        assert_eq!(current.number(1).unwrap().item, None);
        assert_eq!(current.get(TaskRef::Item(2)).unwrap().id, second.id);
        assert_eq!(current.id(first.id).unwrap().label(), "督-1");
        let unit = store.unit_named("区科技局").await.unwrap().unwrap();
        assert!(current.of_unit(unit.id).any(|t| t.id == first.id));
        assert!(current.item(3).is_none());

        // A re-import of the notice leaves the items alone.
        let mut matrix = seed_matrix();
        matrix.tasks.retain(|t| t.number != 8);
        store.import_matrix(&matrix).await.unwrap();
        let items = store.items().await.unwrap();
        assert_eq!(items.iter().map(|t| t.label()).collect::<Vec<_>>(), ["督-1", "督-2"]);
        assert_eq!(store.latest_notice_id().await.unwrap(), Some(notice));
        let current = store.current_tasks().await.unwrap().unwrap();
        assert!(current.number(8).is_none(), "the re-import retired task 8");
        assert_eq!(current.items().len(), 2);

        let audit = store.audit(None).await.unwrap();
        let added: Vec<_> = audit.iter().filter(|e| e.action == "item add").collect();
        assert_eq!(added.len(), 2);
        assert_eq!(added[0].subject, "督-1");
        assert!(added[0].detail.starts_with("领导批示：尽快完成"), "{:?}", added[0]);
    }

    async fn an_item_with_an_unknown_unit_is_refused_and_nothing_stored(db) {
        let store = &db.store;
        import_seed(store).await;
        let refused = store
            .add_item(&item("某事项", &["区科技"], &[]), "cli", 1_647_000_000)
            .await
            .unwrap()
            .unwrap_err();
        let AssignRefusal::Unknown(unknown) = refused else { panic!("{refused:?}") };
        assert_eq!(unknown[0].0, "区科技");
        assert!(unknown[0].1.contains(&"区科技局".to_owned()), "{unknown:?}");
        let none = store.add_item(&item("某事项", &[], &[]), "cli", 1).await.unwrap();
        assert_eq!(none.unwrap_err(), AssignRefusal::NoHost);
        assert!(store.items().await.unwrap().is_empty());
        assert_eq!(store.items_notice_id().await.unwrap(), None);
    }
}

fn march(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2022, 3, day, hour - 8, 1, 0).unwrap()
}

/// The keys of the items' reminders in the outbox, by cadence day.
async fn item_keys(store: &duban::store::Store) -> Vec<String> {
    let mut keys: Vec<String> = store
        .outbox(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.key.starts_with("item:"))
        .map(|r| r.key)
        .collect();
    keys.sort();
    keys
}

on_both_backends! {
    async fn an_item_created_in_chat_is_reminded_on_its_cadence_reported_and_closed(db) {
        let mut chat = Chat::start(&db.store).await;
        let alice = chat.contact(1001, "张三", "区科技局").await;
        let admin = chat.user(ADMIN, "管理员");
        // The 10th of March, 09:00: the item is due on the 20th, reminded every 7 days.
        let ask = "/item 区科技局 3月20日 每7天 领导批示：尽快完成科技企业孵化器建设方案";
        let refused = chat.send(&alice, ask).await;
        assert!(text(&refused).contains("管理员"), "{refused:?}");
        let usage = chat.send(&admin, "/item 区科技局").await;
        assert!(text(&usage).starts_with("用法：/item"), "{usage:?}");
        let unknown = chat.send(&admin, "/item 区科技 3月20日 内容").await;
        assert!(text(&unknown).starts_with("找不到单位或分组“区科技”"), "{unknown:?}");

        let preview = chat.send(&admin, ask).await;
        assert!(text(&preview).starts_with("新建督办件（预览"), "{preview:?}");
        assert!(text(&preview).contains("来源：领导批示\n主办：区科技局"), "{preview:?}");
        assert!(db.store.items().await.unwrap().is_empty(), "nothing stored before 确认");
        let confirm = button(&preview, "确认");
        let forged = chat.press(&alice, alice.id, preview.message_id, &confirm).await;
        assert!(forged.show_alert, "{forged:?}");
        let saved = chat.press(&admin, ADMIN, preview.message_id, &confirm).await;
        assert_eq!(saved.text.as_deref(), Some("已立项"));
        let edited = chat.server.sent(ADMIN).into_iter().find(|m| m.message_id == preview.message_id).unwrap();
        assert!(text(&edited).starts_with("已立项督办件督-1。"), "{edited:?}");
        let again = chat.press(&admin, ADMIN, preview.message_id, &confirm).await;
        assert!(again.show_alert, "confirmed before: {again:?}");
        let items = db.store.items().await.unwrap();
        assert_eq!(items.iter().map(|t| t.label()).collect::<Vec<_>>(), ["督-1"]);
        let id = items[0].id;

        // Day 0: reminded at once, with the light buttons; a reply reports on the item.
        chat.seen_all(alice.id);
        settle_at(&chat.store, &chat.clock, march(10, 9)).await;
        assert_eq!(item_keys(&chat.store).await, [format!("item:{id}:2022-03-10:1001")]);
        let reminder = chat.server.sent(alice.id).into_iter().rev()
            .find(|m| text(m).starts_with("【督办件提醒】")).unwrap();
        assert!(
            text(&reminder).starts_with("【督办件提醒】督办件督-1（领导批示）办理时限2022年3月20日"),
            "{reminder:?}"
        );
        assert_eq!(reminder.buttons().len(), 4, "the light buttons");
        chat.seen_all(alice.id);
        let receipt = chat.reply(&alice, reminder.message_id, "已完成方案初稿").await;
        assert!(text(&receipt).starts_with("已记录督-1进展（2022-03）"), "{receipt:?}");
        let by_command = chat.send(&alice, "/report 督-1 黄：资金尚未落实").await;
        assert!(text(&by_command).starts_with("已记录督-1进展"), "{by_command:?}");
        let unknown = chat.send(&alice, "报告 督-2 内容").await;
        assert!(text(&unknown).starts_with("没有督办件督-2"), "{unknown:?}");
        let reports = chat.reports().await;
        assert_eq!(reports.len(), 2);
        assert!(reports.iter().all(|r| r.task_id == id && r.task_label() == "督-1"));
        // The unit's list and a card name it.
        let card = chat.send(&alice, "任务 督-1").await;
        assert!(text(&card).starts_with("督办件督-1\n尽快完成"), "{card:?}");

        // Days 7 and 14 (then past its due date); a restart of the same tick plans nothing twice.
        settle_at(&chat.store, &chat.clock, march(16, 9)).await;
        assert_eq!(item_keys(&chat.store).await.len(), 1, "not before day 7");
        settle_at(&chat.store, &chat.clock, march(17, 9)).await;
        settle_at(&chat.store, &chat.clock, march(17, 15)).await;
        // More time, asked against the item's own due date and approved: the reminders count
        // from the new date.
        chat.seen_all(alice.id);
        let early = chat.send(&alice, "/extend 督-1 3月19日 等待资金批复").await;
        assert!(text(&early).contains("（2022年3月20日）"), "{early:?}");
        chat.seen_all(ADMIN);
        let asked = chat.send(&alice, "/extend 督-1 3月22日 等待资金批复").await;
        assert_eq!(text(&asked), "已提交延期申请 #1：督-1延期至2022年3月22日，等待管理员审批。");
        let request = chat.expect(ADMIN, 1).await.remove(0);
        assert!(text(&request).starts_with("【延期申请】区科技局申请督-1（2022-03）延期至2022年3月22日（原截止2022年3月20日）"), "{request:?}");
        let approved = chat.send(&admin, "/approve 1").await;
        assert!(text(&approved).starts_with("已批准延期申请 #1（督-1 区科技局"), "{approved:?}");
        settle_at(&chat.store, &chat.clock, march(24, 9)).await;
        let answer = "【延期】您的督-1延期申请（#1）已批准：办理时限改为2022年3月22日。";
        assert!(chat.server.sent(alice.id).iter().any(|m| text(m) == answer));
        assert_eq!(
            item_keys(&chat.store).await,
            ["2022-03-10", "2022-03-17", "2022-03-24"].map(|d| format!("item:{id}:{d}:1001"))
        );
        let overdue = chat.server.sent(alice.id).into_iter().rev()
            .find(|m| text(m).starts_with("【督办件提醒】")).unwrap();
        assert!(text(&overdue).contains("已超过办理时限（2022年3月22日）2天"), "{overdue:?}");

        // Reported done and confirmed: closed, and no reminder afterwards.
        chat.seen_all(alice.id);
        let done = chat.send(&alice, "/report 督-1 完成：方案已印发").await;
        assert!(text(&done).starts_with("已记录督-1进展"), "{done:?}");
        let closed = chat.send(&admin, "/confirm 3").await;
        assert_eq!(text(&closed), "已确认报告 #3（督-1 区科技局）。\n督-1现为：已办结。");
        let told = chat.expect(alice.id, 1).await.remove(0);
        assert!(text(&told).starts_with("【办结】督-1已确认办结"), "{told:?}");
        let late = chat.send(&alice, "/report 督-1 补充").await;
        assert!(text(&late).starts_with("督-1已办结，无需再报送"), "{late:?}");
        settle_at(&chat.store, &chat.clock, march(31, 9)).await;
        settle_at(&chat.store, &chat.clock, Utc.with_ymd_and_hms(2022, 4, 7, 1, 1, 0).unwrap()).await;
        assert_eq!(item_keys(&chat.store).await.len(), 3, "closed: no more reminders");
    }
}

#[tokio::test]
async fn on_dingtalk_an_item_is_reported_in_words_and_listed_with_the_unit_s_tasks() {
    let db = crate::support::TestDb::sqlite().await;
    let mut d = Ding::start(&db.store).await;
    let alice = d.contact("alice01", "张三", "区科技局").await;
    let item = item("尽快完成科技企业孵化器建设方案", &["区科技局"], &[]);
    let added = d
        .store
        .add_item(&item, "cli", 1_646_874_000)
        .await
        .unwrap()
        .unwrap();
    let listed = d.says(&alice, "任务").await;
    assert!(
        ding::body(&listed).contains("督-1【主办】尽快完成"),
        "{listed:?}"
    );
    let receipt = d.says(&alice, "报告 督-1 黄：资金尚未落实").await;
    assert!(
        ding::body(&receipt).starts_with("已记录督-1进展（2022-03）"),
        "{receipt:?}"
    );
    let reports = d.store.reports(&Default::default()).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(
        (reports[0].task_id, reports[0].task_label()),
        (added.id, "督-1".into())
    );
    d.stop().await;
    db.finish().await;
}
