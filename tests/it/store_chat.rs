//! The chat loop's tables on both backends: the inbox keeps an update once, a report is
//! stored once per update, invites bind once, and every change leaves one audit entry.

use crate::support::chat::{import_seed, seed_matrix};
use crate::support::on_both_backends;
use duban::progress::Light;
use duban::store::{
    Anchor, Incoming, InviteSpec, NewReport, Platform, Redeemed, ReportFigure, ReportState, Role,
    UpdateKey, Withdrawal,
};
use std::sync::Arc;

fn incoming(id: i64) -> Incoming {
    Incoming {
        platform: Platform::Telegram,
        update_id: id,
        update_date: 1_646_874_000,
        chat_id: Some(1001),
        payload: format!(r#"{{"update_id":{id}}}"#),
    }
}

/// The update ids of what the inbox stored.
fn ids(stored: &[(UpdateKey, i64)]) -> Vec<i64> {
    stored.iter().map(|(key, _)| key.id).collect()
}

fn report_of(task_id: i64, unit_id: i64, update_id: i64) -> NewReport {
    NewReport {
        task_id,
        task_number: 8,
        item: false,
        unit_id,
        unit_name: "区科技局".into(),
        period: "2022-03".into(),
        user_id: 1001,
        light: Some(Light::Yellow),
        text: format!("已新增高新技术企业{update_id}家"),
        inbox_seq: update_id,
        corrects: None,
        figures: vec![ReportFigure {
            target_position: 0,
            metric: "高新技术企业".into(),
            text: format!("{update_id}家"),
            value: update_id as f64,
            target_value: 30.0,
            unit: "家".into(),
        }],
    }
}

on_both_backends! {
    async fn reports_stored_together_each_get_their_own_outcome(db) {
        // Many replies at once share group commits; each caller still learns its own
        // outcome: new, stored before (the same update twice), or refused by the database.
        let store = &db.store;
        import_seed(store).await;
        let notice = store.latest_notice_id().await.unwrap().unwrap();
        let task = store.task(notice, 8).await.unwrap().unwrap();
        let unit = store.unit_named("区科技局").await.unwrap().unwrap();
        // Spawned together, the first call commits alone and the rest queue up behind it for
        // one batch: round one has updates sent twice in that batch (a redelivery), round two
        // a report the database refuses inside it (the batch then stores them one by one).
        let rounds: [Vec<i64>; 2] = [
            [500].into_iter().chain(1..=60).chain(1..=10).collect(),
            (61..=70).chain([501]).chain(71..=80).collect(),
        ];
        let mut created = std::collections::HashMap::new();
        let mut refused = Vec::new();
        for round in rounds {
            let mut calls = tokio::task::JoinSet::new();
            for update_id in round {
                let task_id = if update_id >= 500 { 999_999 } else { task.id };
                let (store, report) = (store.clone(), report_of(task_id, unit.id, update_id));
                calls.spawn(async move { (update_id, store.store_report(&report, 100).await) });
            }
            while let Some(joined) = calls.join_next().await {
                match joined.unwrap() {
                    (update_id, Ok((report, new))) => {
                        assert_eq!(report.inbox_seq, update_id);
                        assert_eq!(report.figures.len(), 1);
                        *created.entry(update_id).or_insert(0) += i32::from(new);
                    }
                    (update_id, Err(_)) => refused.push(update_id),
                }
            }
        }
        refused.sort_unstable();
        assert_eq!(refused, [500, 501], "only the reports on a task that does not exist fail");
        assert_eq!(created.len(), 80);
        assert!(created.values().all(|&n| n == 1), "each update is new exactly once: {created:?}");
        let stored = store.reports(&Default::default()).await.unwrap();
        assert_eq!(stored.len(), 80);
        assert!(stored.iter().all(|r| r.figures.len() == 1 && r.figures[0].value == r.inbox_seq as f64));
        let audit = store.audit(None).await.unwrap();
        assert_eq!(audit.iter().filter(|e| e.action == "report").count(), 80);
    }

    async fn bot_messages_remembered_together_each_get_their_own_outcome(db) {
        // The anchors of messages sent at about the same time share one statement; one that
        // the database refuses (a receipt of a report that does not exist) fails alone.
        let store = &db.store;
        import_seed(store).await;
        let task = store.current_tasks().await.unwrap().unwrap().number(8).unwrap().id;
        let mut calls = tokio::task::JoinSet::new();
        for message_id in 1..=40 {
            let anchor = match message_id {
                20 => Anchor::Receipt { report_id: 999_999 },
                _ => Anchor::Task { task_id: task },
            };
            let store = store.clone();
            calls.spawn(async move {
                (message_id, store.remember_message(7, message_id, &anchor, 100).await)
            });
        }
        let mut refused = Vec::new();
        while let Some(joined) = calls.join_next().await {
            if let (message_id, Err(_)) = joined.unwrap() {
                refused.push(message_id);
            }
        }
        assert_eq!(refused, [20]);
        for message_id in (1..=40).filter(|&m| m != 20) {
            assert_eq!(
                store.anchor(7, message_id).await.unwrap(),
                Some(Anchor::Task { task_id: task }),
                "message {message_id}"
            );
        }
        assert_eq!(store.anchor(7, 20).await.unwrap(), None);
        // Remembering a message again keeps the first record.
        let prompt = Anchor::Prompt { task_id: task, light: Light::Red, user_id: 5 };
        store.remember_message(7, 1, &prompt, 101).await.unwrap();
        assert_eq!(store.anchor(7, 1).await.unwrap(), Some(Anchor::Task { task_id: task }));
    }

    async fn the_current_tasks_follow_every_import(db) {
        let store = &db.store;
        assert!(store.current_tasks().await.unwrap().is_none(), "no notice yet");
        let mut matrix = seed_matrix();
        store.import_matrix(&matrix).await.unwrap();
        let first = store.current_tasks().await.unwrap().unwrap();
        let again = store.current_tasks().await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &again), "unchanged: the copy in memory is reused");
        let eight = first.number(8).unwrap().clone();
        assert_eq!(first.id(eight.id), Some(&eight));

        // Another process (here: another connection) imports a changed notice.
        let other = duban::store::Store::connect(&db.url).await.unwrap();
        let task = matrix.tasks.iter_mut().find(|t| t.number == 8).unwrap();
        task.text = format!("{}（修订）", task.text);
        other.import_matrix(&matrix).await.unwrap();
        other.close().await;
        let changed = store.current_tasks().await.unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &changed));
        assert!(changed.number(8).unwrap().text.ends_with("（修订）"));
        assert_eq!(changed.number(8).unwrap().id, eight.id);
    }

    async fn the_tasks_in_memory_serve_an_update_unless_it_was_stored_after_an_import(db) {
        let store = &db.store;
        let mut matrix = seed_matrix();
        store.import_matrix(&matrix).await.unwrap();
        let seen = store.seen().await.unwrap();
        let (notice, revision) = seen.notice.expect("a notice is imported");
        let first = store.current_tasks_as_of(Some(seen)).await.unwrap().unwrap();
        assert_eq!(first.notice_id, notice);
        let again = store.current_tasks_as_of(Some(seen)).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &again));

        // Another process changes task 8: an update stored afterwards carries the new revision
        // and gets the new text; one stored before may still be handled with the copy.
        let other = duban::store::Store::connect(&db.url).await.unwrap();
        let task = matrix.tasks.iter_mut().find(|t| t.number == 8).unwrap();
        task.text = format!("{}（修订）", task.text);
        other.import_matrix(&matrix).await.unwrap();
        other.close().await;
        let later = store.seen().await.unwrap();
        assert_eq!(later.notice, Some((notice, revision + 1)));
        let before = store.current_tasks_as_of(Some(seen)).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &before), "stored before the import: the copy serves");
        let after = store.current_tasks_as_of(Some(later)).await.unwrap().unwrap();
        assert!(after.number(8).unwrap().text.ends_with("（修订）"));
        assert!(Arc::ptr_eq(&after, &store.current_tasks_as_of(Some(later)).await.unwrap().unwrap()));
    }

    async fn members_in_memory_follow_every_change_to_members(db) {
        let store = &db.store;
        import_seed(store).await;
        let unit = store.unit_named("区科技局").await.unwrap().unwrap();
        let spec = |role| InviteSpec {
            role,
            unit: (role == Role::Contact).then(|| unit.clone()),
            leader: None,
            expires_at: i64::MAX,
            created_by: "cli".into(),
        };
        let seen = store.seen().await.unwrap();
        assert_eq!(store.member_as_of(7, Some(seen.members)).await.unwrap(), None);

        // A binding made by this process is seen at once, even with the revision read before.
        store.create_invite("h-contact", &spec(Role::Contact), 0).await.unwrap();
        store.redeem_invite("h-contact", 7, "张三", 1).await.unwrap();
        let member = store.member_as_of(7, Some(seen.members)).await.unwrap().unwrap();
        assert_eq!(member.role, Role::Contact);
        let bound = store.seen().await.unwrap();
        assert!(bound.members > seen.members, "binding bumps the revision");
        let copy = store.member_as_of(7, Some(bound.members)).await.unwrap().unwrap();
        assert_eq!(copy, member);

        // Another process rebinds the user as a supervisor: an update stored afterwards reads
        // the new revision and sees the new role; the copy answers an update stored before.
        let other = duban::store::Store::connect(&db.url).await.unwrap();
        other.create_invite("h-supervisor", &spec(Role::Supervisor), 0).await.unwrap();
        other.redeem_invite("h-supervisor", 7, "张三", 2).await.unwrap();
        let rebound = store.seen().await.unwrap();
        assert!(rebound.members > bound.members);
        let stale = store.member_as_of(7, Some(bound.members)).await.unwrap().unwrap();
        assert_eq!(stale.role, Role::Contact, "stored before the change: the copy serves");
        let fresh = store.member_as_of(7, Some(rebound.members)).await.unwrap().unwrap();
        assert_eq!(fresh.role, Role::Supervisor);

        // Removed by the other process: gone for the next update.
        other.unbind(7, "cli", 3).await.unwrap().unwrap();
        other.close().await;
        let removed = store.seen().await.unwrap();
        assert!(removed.members > rebound.members, "removal bumps the revision");
        assert_eq!(store.member_as_of(7, Some(removed.members)).await.unwrap(), None);
        // Without a revision the database answers.
        assert_eq!(store.member_as_of(7, None).await.unwrap(), None);
    }

    async fn the_inbox_keeps_a_redelivered_update_once(db) {
        let store = &db.store;
        let first = store.inbox_put(&[incoming(1), incoming(2)], 100).await.unwrap();
        let second = store.inbox_put(&[incoming(2), incoming(3)], 101).await.unwrap();
        assert_eq!(ids(&first), [1, 2]);
        assert_eq!(ids(&second), [3], "2 is a redelivery");
        let seq = |id| first.iter().chain(&second).find(|(key, _)| key.id == id).unwrap().1;

        let due: Vec<i64> = store.inbox_due(101, 10).await.unwrap().iter().map(|i| i.update_id).collect();
        assert_eq!(due, [1, 2, 3]);
        store.inbox_done(&[seq(1)], 102).await.unwrap();
        assert!(!store.inbox_attempt_failed(seq(2), "boom", 200, 2).await.unwrap());
        let due: Vec<i64> = store.inbox_due(150, 10).await.unwrap().iter().map(|i| i.update_id).collect();
        assert_eq!(due, [3], "2 waits for its retry time");
        assert!(store.inbox_attempt_failed(seq(2), "boom again", 300, 2).await.unwrap());
        let failed = store.inbox_failed().await.unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!((failed[0].update_id, failed[0].attempts), (2, 2));
        assert_eq!(failed[0].last_error.as_deref(), Some("boom again"));
        let counts = store.inbox_counts().await.unwrap();
        assert_eq!(counts, [("done".to_owned(), 1), ("failed".to_owned(), 1), ("pending".to_owned(), 1)]);
    }

    async fn an_update_id_seen_before_with_another_date_is_a_new_update(db) {
        // Telegram starts again from a random id after a week without updates; a Bot API
        // server that restarts counts again from its start.
        let store = &db.store;
        let old = store.inbox_put(&[incoming(7)], 100).await.unwrap();
        let week_later = Incoming { update_date: 1_646_874_000 + 7 * 86_400, ..incoming(7) };

        let new = store.inbox_put(std::slice::from_ref(&week_later), 200).await.unwrap();
        let again = store.inbox_put(&[week_later], 201).await.unwrap();

        assert_eq!(ids(&new), [7], "a new update with an old id is stored");
        assert!(new[0].1 > old[0].1, "after the old one, in the inbox's order");
        assert!(again.is_empty(), "its redelivery is not");
        let due: Vec<(i64, i64)> = store.inbox_due(300, 10).await.unwrap().iter().map(|i| (i.seq, i.update_id)).collect();
        assert_eq!(due, [(old[0].1, 7), (new[0].1, 7)]);
    }

    async fn a_report_is_stored_once_per_update_and_corrections_replace_it(db) {
        let store = &db.store;
        import_seed(store).await;
        let notice = store.latest_notice_id().await.unwrap().unwrap();
        let task = store.task(notice, 8).await.unwrap().unwrap();
        let unit = store.unit_named("区科技局").await.unwrap().unwrap();
        let mut report = NewReport {
            task_id: task.id,
            task_number: 8,
            item: false,
            unit_id: unit.id,
            unit_name: "区科技局".into(),
            period: "2022-03".into(),
            user_id: 1001,
            light: Some(Light::Blue),
            text: "已新增高新技术企业18家".into(),
            inbox_seq: 10,
            corrects: None,
            figures: Vec::new(),
        };
        let (first, created) = store.store_report(&report, 100).await.unwrap();
        assert!(created);
        let (again, created) = store.store_report(&report, 101).await.unwrap();
        assert!(!created);
        assert_eq!(again, first);

        report.inbox_seq = 11;
        report.corrects = Some(first.id);
        report.text = "已新增高新技术企业19家".into();
        let (correction, _) = store.store_report(&report, 102).await.unwrap();
        assert_eq!(correction.corrects, Some(first.id));
        let old = store.report(first.id).await.unwrap().unwrap();
        assert_eq!(old.state, ReportState::Corrected);

        assert!(matches!(store.withdraw_report(correction.id, 1001, 103).await.unwrap(), Withdrawal::Withdrawn(_)));
        assert!(matches!(store.withdraw_report(correction.id, 1001, 104).await.unwrap(), Withdrawal::NotActive(_)));
        assert!(matches!(store.withdraw_report(999, 1001, 104).await.unwrap(), Withdrawal::NotFound));
        let actions: Vec<String> = store.audit(None).await.unwrap().into_iter().map(|e| e.action).collect();
        // The task's state changes are audited too: 待反馈 → 已反馈 with the report, back with
        // the withdrawal (the correction keeps it 已反馈).
        assert_eq!(actions, ["report", "state", "correct", "withdraw", "state"]);
    }

    async fn an_invite_binds_once_and_not_after_it_expires(db) {
        let store = &db.store;
        import_seed(store).await;
        let spec = InviteSpec {
            role: Role::Contact,
            unit: store.unit_named("区科技局").await.unwrap(),
            leader: None,
            expires_at: 1_000,
            created_by: "cli".into(),
        };
        store.create_invite("hash-a", &spec, 0).await.unwrap();
        store.create_invite("hash-b", &spec, 0).await.unwrap();

        let Redeemed::Bound(member) = store.redeem_invite("hash-a", 7, "张三", 10).await.unwrap() else {
            panic!("bound")
        };
        assert_eq!(member.unit.unwrap().name, "区科技局");
        // The same /start again (a redelivered update) is still bound; someone else is refused.
        assert!(matches!(store.redeem_invite("hash-a", 7, "张三", 11).await.unwrap(), Redeemed::Bound(_)));
        assert_eq!(store.redeem_invite("hash-a", 8, "李四", 12).await.unwrap(), Redeemed::Used);
        assert_eq!(store.redeem_invite("nope", 8, "李四", 12).await.unwrap(), Redeemed::Unknown);
        assert_eq!(store.redeem_invite("hash-b", 8, "李四", 1_000).await.unwrap(), Redeemed::Expired);

        assert!(store.unbind(7, "7", 20).await.unwrap().is_some());
        assert!(store.unbind(7, "7", 21).await.unwrap().is_none());
        let actions: Vec<String> = store.audit(None).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["invite", "invite", "bind", "unbind"]);
    }

    async fn group_registration_is_recorded_once(db) {
        let store = &db.store;
        assert!(!store.group_registered(-5).await.unwrap());
        assert!(store.register_group(-5, "工作群", true, 9001, 1).await.unwrap());
        assert!(!store.register_group(-5, "工作群", true, 9001, 2).await.unwrap());
        assert!(store.group_registered(-5).await.unwrap());
        assert!(store.register_group(-5, "工作群", false, 9001, 3).await.unwrap());
        assert!(!store.group_registered(-5).await.unwrap());
        assert_eq!(store.audit(None).await.unwrap().len(), 2);
    }
}
