//! The chat loop's tables on both backends: the inbox keeps an update once, a report is
//! stored once per update, invites bind once, and every change leaves one audit entry.

mod chat_support;
mod support;

use chat_support::import_seed;
use duban::progress::Light;
use duban::store::{Incoming, InviteSpec, NewReport, Redeemed, ReportState, Role, Withdrawal};
use support::on_both_backends;

fn incoming(id: i64) -> Incoming {
    Incoming {
        update_id: id,
        chat_id: Some(1001),
        payload: format!(r#"{{"update_id":{id}}}"#),
    }
}

on_both_backends! {
    async fn the_inbox_keeps_a_redelivered_update_once(db) {
        let store = &db.store;
        assert_eq!(store.inbox_put(&[incoming(1), incoming(2)], 100).await.unwrap(), [1, 2]);
        assert_eq!(store.inbox_put(&[incoming(2), incoming(3)], 101).await.unwrap(), [3]);

        let due: Vec<i64> = store.inbox_due(101, 10).await.unwrap().iter().map(|i| i.update_id).collect();
        assert_eq!(due, [1, 2, 3]);
        store.inbox_done(&[1], 102).await.unwrap();
        assert!(!store.inbox_attempt_failed(2, "boom", 200, 2).await.unwrap());
        let due: Vec<i64> = store.inbox_due(150, 10).await.unwrap().iter().map(|i| i.update_id).collect();
        assert_eq!(due, [3], "2 waits for its retry time");
        assert!(store.inbox_attempt_failed(2, "boom again", 300, 2).await.unwrap());
        let failed = store.inbox_failed().await.unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!((failed[0].update_id, failed[0].attempts), (2, 2));
        assert_eq!(failed[0].last_error.as_deref(), Some("boom again"));
        let counts = store.inbox_counts().await.unwrap();
        assert_eq!(counts, [("done".to_owned(), 1), ("failed".to_owned(), 1), ("pending".to_owned(), 1)]);
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
            unit_id: unit.id,
            unit_name: "区科技局".into(),
            period: "2022-03".into(),
            user_id: 1001,
            light: Some(Light::Blue),
            text: "已新增高新技术企业18家".into(),
            update_id: 10,
            corrects: None,
            figures: Vec::new(),
        };
        let (first, created) = store.store_report(&report, 100).await.unwrap();
        assert!(created);
        let (again, created) = store.store_report(&report, 101).await.unwrap();
        assert!(!created);
        assert_eq!(again, first);

        report.update_id = 11;
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
        assert_eq!(actions, ["report", "correct", "withdraw"]);
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
