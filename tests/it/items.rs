//! Items beyond the notice (督办件): stored as tasks of a notice of their own, numbered 督-1,
//! 督-2 …, never the current notice, untouched by a re-import of the notice; on both backends.

use crate::support::chat::{import_seed, seed_matrix};
use crate::support::on_both_backends;
use chrono::NaiveDate;
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
