//! The store on SQLite and PostgreSQL: every test in `on_both_backends!` runs once on each,
//! each time on a fresh database.

use crate::support::matrices::{TOWNS, group, notice_v1, notice_v2};
use crate::support::{TestDb, on_both_backends};
use chrono::NaiveDate;
use duban::matrix::{Deadline, Matrix, UnitInfo, UnitKind};
use duban::store::{ImportOutcome, Store, StoreError, TaskRecord, TaskSelection, UnitCounts};
use sqlx::Connection;

async fn import(db: &TestDb, m: &Matrix) -> ImportOutcome {
    db.store.import_matrix(m).await.expect("import succeeds")
}

async fn load(db: &TestDb, notice_id: i64) -> Matrix {
    db.store
        .load_matrix(notice_id)
        .await
        .expect("load succeeds")
}

async fn records(db: &TestDb, notice_id: i64) -> Vec<TaskRecord> {
    db.store
        .task_records(notice_id)
        .await
        .expect("task records load")
}

/// `m` with a 完成时限 on its first task.
fn with_deadline(mut m: Matrix, text: &str, date: Option<NaiveDate>) -> Matrix {
    m.tasks[0].deadline = Some(Deadline {
        text: text.into(),
        date,
    });
    m
}

fn id_of(records: &[TaskRecord], number: u32) -> i64 {
    records
        .iter()
        .find(|r| r.number == number)
        .expect("the task is stored")
        .id
}

on_both_backends! {
    async fn a_first_import_creates_the_notice_and_adds_every_task(db) {
        // Arrange
        let m = notice_v1();

        // Act
        let outcome = import(db, &m).await;

        // Assert
        assert!(outcome.created);
        assert_eq!(outcome.added, vec![1, 2, 3, 4]);
        assert!(outcome.changed.is_empty() && outcome.removed.is_empty());
        assert_eq!(outcome.unchanged, 0);
        assert_eq!(db.store.latest_notice_id().await.unwrap(), Some(outcome.notice_id));
    }

    async fn the_latest_notice_is_none_before_any_import(db) {
        let latest = db.store.latest_notice_id().await.unwrap();

        assert_eq!(latest, None);
    }

    async fn a_loaded_matrix_equals_the_imported_one(db) {
        // Arrange
        let m = notice_v1();
        let notice_id = import(db, &m).await.notice_id;

        // Act
        let loaded = load(db, notice_id).await;

        // Assert
        assert_eq!(loaded, m);
        assert_eq!(loaded.tasks[2].targets[0].normalized_value, 0.1 + 0.2, "floats are exact");
    }

    async fn a_task_s_deadline_is_stored_and_read_back(db) {
        // Arrange
        let mut m =
            with_deadline(notice_v1(), "2022年6月底前", NaiveDate::from_ymd_opt(2022, 6, 30));
        m.tasks[1].deadline = Some(Deadline { text: "长期坚持".into(), date: None });

        // Act
        let notice_id = import(db, &m).await.notice_id;

        // Assert
        assert_eq!(load(db, notice_id).await, m);
        let views = db.store.tasks(notice_id, TaskSelection::All).await.unwrap();
        let deadlines: Vec<Option<Deadline>> = views.into_iter().map(|t| t.deadline).collect();
        assert_eq!(deadlines, [m.tasks[0].deadline.clone(), m.tasks[1].deadline.clone(), None, None]);
    }

    async fn a_changed_deadline_changes_its_task_and_an_unchanged_one_writes_nothing(db) {
        // Arrange
        let june = with_deadline(notice_v1(), "2022年6月底前", NaiveDate::from_ymd_opt(2022, 6, 30));
        let notice_id = import(db, &june).await.notice_id;
        let before = db.dump().await;

        // Act
        let again = import(db, &june).await;
        let after_again = db.dump().await;
        let september =
            with_deadline(notice_v1(), "2022年9月底前", NaiveDate::from_ymd_opt(2022, 9, 30));
        let moved = import(db, &september).await;
        let dropped = import(db, &notice_v1()).await;

        // Assert
        assert!(again.is_noop(), "{again:?}");
        assert_eq!(after_again, before);
        assert_eq!((moved.changed.clone(), moved.unchanged), (vec![1], 3));
        assert_eq!((dropped.changed.clone(), dropped.unchanged), (vec![1], 3));
        assert_eq!(load(db, notice_id).await, notice_v1());
    }

    async fn loading_an_unknown_notice_is_an_error(db) {
        let result = db.store.load_matrix(42).await;

        assert!(matches!(result, Err(StoreError::NoticeNotFound(42))), "{result:?}");
    }

    async fn reimporting_the_same_matrix_writes_nothing(db) {
        // Arrange
        let m = notice_v1();
        let first = import(db, &m).await;
        let before = db.dump().await;
        let watch = db.watch_writes().await;

        // Act
        let again = import(db, &m).await;

        // Assert
        assert_eq!(again.notice_id, first.notice_id);
        assert!(again.is_noop(), "{again:?}");
        assert_eq!(again.unchanged, 4);
        assert!(!watch.something_was_written(db).await, "a row was rewritten");
        assert_eq!(db.dump().await, before);
    }

    async fn a_changed_version_reports_its_changes_and_keeps_task_ids(db) {
        // Arrange
        let first = import(db, &notice_v1()).await;
        let ids_before = records(db, first.notice_id).await;
        let v2 = notice_v2();

        // Act
        let outcome = import(db, &v2).await;

        // Assert
        assert_eq!(outcome.notice_id, first.notice_id);
        assert!(!outcome.created);
        assert_eq!(outcome.added, vec![5]);
        assert_eq!(outcome.changed, vec![2]);
        assert_eq!(outcome.removed, vec![4]);
        assert_eq!(outcome.unchanged, 2);
        let ids_after = records(db, first.notice_id).await;
        for number in [1, 2, 3] {
            assert_eq!(id_of(&ids_after, number), id_of(&ids_before, number), "task {number}");
        }
        assert_eq!(load(db, first.notice_id).await, v2);
    }

    async fn removed_tasks_are_retired_not_deleted_and_come_back_as_changed(db) {
        // Arrange
        let notice_id = import(db, &notice_v1()).await.notice_id;
        let task_4 = id_of(&records(db, notice_id).await, 4);

        // Act
        import(db, &notice_v2()).await;
        let while_gone = records(db, notice_id).await;
        let back = import(db, &notice_v1()).await;

        // Assert
        let retired = while_gone.iter().find(|r| r.number == 4).expect("task 4 is kept");
        assert!(retired.retired);
        assert_eq!(retired.id, task_4);
        assert_eq!(back.changed, vec![2, 4]);
        assert_eq!(back.removed, vec![5]);
        assert!(back.added.is_empty());
        let now = records(db, notice_id).await;
        assert_eq!(id_of(&now, 4), task_4);
        assert!(!now.iter().find(|r| r.number == 4).unwrap().retired);
        assert!(now.iter().find(|r| r.number == 5).unwrap().retired);
        assert_eq!(load(db, notice_id).await, notice_v1());
    }

    async fn a_group_filled_in_by_an_admin_is_not_cleared_by_a_reimport(db) {
        // Arrange
        let m = notice_v1();
        let notice_id = import(db, &m).await.notice_id;
        db.admin_fills_group("相关镇街", &["新兖镇", "鼓楼街道"]).await;

        // Act
        let outcome = import(db, &m).await;

        // Assert
        assert!(outcome.is_noop(), "{outcome:?}");
        let mut expected = m.clone();
        group(&mut expected, "相关镇街").members = vec!["新兖镇".into(), "鼓楼街道".into()];
        assert_eq!(load(db, notice_id).await, expected);
    }

    async fn group_members_listed_in_the_matrix_replace_the_stored_ones(db) {
        // Arrange
        let notice_id = import(db, &notice_v1()).await.notice_id;
        let mut fewer = notice_v1();
        group(&mut fewer, "各镇街").members = vec!["小孟镇".into(), "新兖镇".into()];

        // Act
        import(db, &fewer).await;

        // Assert
        assert_eq!(load(db, notice_id).await, fewer);
    }

    async fn unit_counts_give_host_and_co_tasks_of_each_unit(db) {
        // Arrange
        let notice_id = import(db, &notice_v1()).await.notice_id;

        // Act
        let counts = db.store.unit_task_counts(notice_id).await.unwrap();

        // Assert
        let count = |name: &str, kind, host, co| UnitCounts { name: name.into(), kind, host, co };
        let mut expected = vec![
            count("区工业和信息化局", UnitKind::Department, 1, 1),
            count("区科技局", UnitKind::Department, 1, 1),
            count("区发展改革局", UnitKind::Department, 1, 0),
            count("区财政局", UnitKind::Department, 1, 0),
        ];
        let town_kind = |t: &str| if t.ends_with("街道") { UnitKind::Subdistrict } else { UnitKind::Town };
        let mut towns: Vec<UnitCounts> = TOWNS.iter().map(|t| count(t, town_kind(t), 0, 1)).collect();
        towns.sort_by(|a, b| a.name.cmp(&b.name));
        expected.extend(towns);
        assert_eq!(counts, expected);
    }

    async fn unit_counts_leave_out_retired_tasks(db) {
        // Arrange
        let notice_id = import(db, &notice_v1()).await.notice_id;
        import(db, &notice_v2()).await;

        // Act
        let counts = db.store.unit_task_counts(notice_id).await.unwrap();

        // Assert
        let of = |name: &str| counts.iter().find(|c| c.name == name).map(|c| (c.host, c.co));
        assert_eq!(of("区工业和信息化局"), Some((0, 1)), "task 4 is retired");
        assert_eq!(of("新兖镇"), Some((1, 1)));
        assert_eq!(of("工业园区"), Some((0, 1)));
    }

    async fn a_failing_import_leaves_the_database_unchanged(db) {
        // Arrange: a new version whose last step breaks a primary key (a member listed twice)
        let m = notice_v1();
        let notice_id = import(db, &m).await.notice_id;
        let before = db.dump().await;
        let mut broken = notice_v2();
        group(&mut broken, "各镇街").members = vec!["鼓楼街道".into(), "鼓楼街道".into()];

        // Act
        let result = db.store.import_matrix(&broken).await;

        // Assert
        assert!(matches!(result, Err(StoreError::Database { .. })), "{result:?}");
        assert_eq!(db.dump().await, before);
        assert_eq!(load(db, notice_id).await, m);
    }

    async fn an_inconsistent_matrix_is_refused_in_chinese_and_nothing_is_written(db) {
        // Arrange
        let mut m = notice_v1();
        m.tasks[0].units[0].name = "区不存在局".into();
        m.tasks.push(m.tasks[1].clone());

        // Act
        let result = db.store.import_matrix(&m).await;

        // Assert
        let err = result.unwrap_err();
        assert!(err.is_user_error());
        let message = err.to_string();
        assert!(message.contains("任务 1 的承办单位“区不存在局”不在单位列表中"), "{message}");
        assert!(message.contains("任务编号 2 出现了不止一次"), "{message}");
        assert_eq!(db.store.latest_notice_id().await.unwrap(), None);
    }

    async fn two_notices_keep_their_own_tasks_and_units(db) {
        // Arrange
        let first = notice_v1();
        let mut second = notice_v2();
        second.notice.doc_number = Some("济兖政发〔2023〕1号".into());
        second.units.retain(|u| u.name != "区财政局");
        second.tasks.retain(|t| t.number != 3);
        second.groups.retain(|g| g.name != "相关镇街");
        second.units.push(UnitInfo { name: "区商务局".into(), kind: UnitKind::Department, aliases: vec![] });
        crate::support::matrices::sort_as_stored(&mut second);

        // Act
        let a = import(db, &first).await;
        let b = import(db, &second).await;

        // Assert
        assert!(b.created);
        assert_ne!(a.notice_id, b.notice_id);
        let names = |m: &Matrix| m.units.iter().map(|u| u.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&load(db, a.notice_id).await), names(&first), "units are per notice");
        assert_eq!(load(db, a.notice_id).await.tasks, first.tasks);
        assert_eq!(load(db, b.notice_id).await, second);
        assert_eq!(db.store.latest_notice_id().await.unwrap(), Some(b.notice_id));
    }

    async fn a_notice_without_a_document_number_is_known_by_its_title(db) {
        // Arrange
        let mut m = notice_v1();
        m.notice.doc_number = None;
        let first = import(db, &m).await;

        // Act
        let again = import(db, &m).await;

        // Assert
        assert_eq!(again.notice_id, first.notice_id);
        assert!(again.is_noop());
        assert_eq!(load(db, first.notice_id).await, m);
    }
}

#[tokio::test]
async fn the_sqlite_file_and_its_directory_are_created_on_first_use_in_wal_mode() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/data/duban.db");
    let url = format!("sqlite://{}", path.display());

    // Act
    let store = Store::connect(&url)
        .await
        .expect("connect creates the file");

    // Assert
    assert!(path.is_file());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    store.close().await;
}

#[tokio::test]
async fn connecting_to_an_unsupported_database_is_an_error() {
    let result = Store::connect("mysql://127.0.0.1/duban").await;

    assert!(
        matches!(result, Err(StoreError::UnsupportedUrl)),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_migrations_of_both_backends_define_the_same_tables_and_columns() {
    // Arrange
    let sqlite = TestDb::sqlite().await;
    let Some(postgres) = TestDb::postgres().await else {
        return;
    };

    // Act
    let (sqlite_schema, postgres_schema) = (sqlite.schema().await, postgres.schema().await);

    // Assert
    assert!(sqlite_schema.contains_key("tasks") && sqlite_schema.contains_key("targets"));
    assert_eq!(sqlite_schema, postgres_schema);
    sqlite.finish().await;
    postgres.finish().await;
}

/// An inbox and reports stored by an older duban (migrations 1–6: the inbox keyed by update
/// id) read the same after migration 0007: each update keeps its id as its number in the
/// inbox (which the reports stored so far hold) and gets the date its JSON carries.
#[tokio::test]
async fn updates_and_reports_stored_before_the_inbox_numbered_its_rows_are_kept() {
    let mut olds = vec![crate::support::OldDb::sqlite(6).await];
    olds.extend(crate::support::OldDb::postgres(6).await);
    for old in olds {
        let mut raw = old.raw().await;
        let message = r#"{"update_id":41,"message":{"message_id":3,"date":1646874000,"chat":{"id":1001,"type":"private"},"text":"/report 8 x"}}"#;
        let pressed = r#"{"update_id":42,"callback_query":{"id":"q","chat_instance":"c","data":"d","message":{"message_id":4,"date":1646876000,"chat":{"id":1001,"type":"private"}}}}"#;
        for (id, payload, state) in [(41, message, "done"), (42, pressed, "pending")] {
            sqlx::query(
                "INSERT INTO inbox (update_id, payload, chat_id, state, next_attempt_at, received_at) \
                 VALUES ($1, $2, 1001, $3, 0, 0)",
            )
            .bind(id)
            .bind(payload)
            .bind(state)
            .execute(&mut raw)
            .await
            .unwrap();
        }
        raw.close().await.ok();

        let store = Store::connect(&old.url).await.unwrap();

        let item = store
            .inbox_item(41)
            .await
            .unwrap()
            .expect("update 41 keeps 41 as its number");
        assert_eq!(
            (item.update_id, item.update_date, item.state.as_str()),
            (41, 1_646_874_000, "done")
        );
        let due = store.inbox_due(0, 10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].seq, due[0].update_date), (42, 1_646_876_000));
        // A new update comes after them, and 42 delivered again is a redelivery.
        let incoming = |id, date| duban::store::Incoming {
            platform: duban::store::Platform::Telegram,
            update_id: id,
            update_date: date,
            chat_id: Some(1001),
            payload: "{}".into(),
        };
        let stored = store
            .inbox_put(
                &[incoming(42, 1_646_876_000), incoming(43, 1_646_877_000)],
                1,
            )
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert!(stored[0].1 > 42, "{stored:?}");
        store.close().await;
        old.finish().await;
    }
}
