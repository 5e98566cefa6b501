//! Backup and restore: a backup taken while the demo runs is whole and of one moment; one taken
//! at its end restores, into SQLite and into PostgreSQL, to a database whose reports, audit
//! trail and bulletin equal the original's; a restore goes only into an empty database, takes
//! only a duban backup of this or an older schema, and otherwise changes nothing.

use crate::support::inspect::table_rows;
use crate::support::{OldDb, TestDb, month, on_both_backends, seed::import_seed};
use duban::demo::{self, Event, Options};
use duban::store::{Backend, BackupRefusal, Report, ReportFilter, Store, inspect_backup};
use sqlx::{AnyConnection, Connection};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

async fn connect(path: &Path) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

/// Every table's rows as text (`revisions` aside: a counter its triggers bump per row on
/// SQLite and per statement on PostgreSQL).
async fn dump(conn: &mut AnyConnection, tables: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut dump = BTreeMap::new();
    for table in tables.iter().filter(|t| *t != "revisions") {
        dump.insert(table.clone(), table_rows(conn, table).await);
    }
    dump
}

async fn table_names(store: &Store) -> Vec<String> {
    store
        .table_counts()
        .await
        .unwrap()
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// A report's fields that never change once it is stored.
fn fixed(r: &Report) -> (i64, i64, i64, String, String, i64, i64) {
    (
        r.id,
        r.task_id,
        r.unit_id,
        r.period.clone(),
        r.text.clone(),
        r.inbox_seq,
        r.created_at,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_taken_while_the_demo_runs_are_consistent_and_the_last_restores_equal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let url = format!("sqlite://{}", out.join("duban.db").display());
    let (mid, end) = (dir.path().join("mid.db"), dir.path().join("end.db"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = Options {
        units: Some(8),
        ..Options::seeds(root, &out)
    };
    let runtime = tokio::runtime::Handle::current();
    let mut taken = Vec::new();

    // Arrange, act: the demo stops at each step while the service goes on (the sender, the
    // processors); another process's worth of store writes a backup there.
    let summary = demo::run(&options, &mut |event| {
        let Event::Progress(p) = event else { return };
        let file = match p.step {
            s if s == p.steps / 2 => &mid,
            s if s == p.steps => &end,
            _ => return,
        };
        tokio::task::block_in_place(|| {
            runtime.block_on(async {
                let store = Store::connect(&url).await.unwrap();
                let info = store.backup_to(file).await.unwrap().unwrap();
                store.close().await;
                taken.push(info);
            })
        });
    })
    .await
    .unwrap();
    assert!(summary.failures.is_empty(), "{summary}");
    assert_eq!(taken.len(), 2);

    let original = Store::connect(&url).await.unwrap();
    let settings = month::settings(root);
    let tables = table_names(&original).await;
    let final_record = month::record(&original, &settings).await;

    // The backup of mid-month: whole, its references hold, its rows are the original's.
    let mut conn = connect(&mid).await;
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(integrity, ["ok"]);
    let dangling: Vec<String> =
        sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_check")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert!(dangling.is_empty(), "{dangling:?}");
    let mid_store = Store::connect(&format!("sqlite://{}", mid.display()))
        .await
        .unwrap();
    let mid_audit = mid_store.audit(None).await.unwrap();
    assert!(!mid_audit.is_empty() && mid_audit.len() < final_record.audit.len());
    assert_eq!(
        mid_audit,
        final_record.audit[..mid_audit.len()],
        "the audit is a prefix"
    );
    let final_reports: BTreeMap<i64, &Report> =
        final_record.reports.iter().map(|r| (r.id, r)).collect();
    let mid_reports = mid_store.reports(&ReportFilter::default()).await.unwrap();
    assert!(!mid_reports.is_empty() && mid_reports.len() < final_reports.len());
    for r in &mid_reports {
        assert_eq!(fixed(r), fixed(final_reports[&r.id]));
    }
    // Rows that are only ever added are all in the original as they are in the backup.
    let mut now = connect(&out.join("duban.db")).await;
    for table in [
        "report_figures",
        "evidence",
        "evidence_files",
        "task_items",
        "tasks",
        "units",
    ] {
        let later: BTreeSet<String> = table_rows(&mut now, table).await.into_iter().collect();
        for row in table_rows(&mut conn, table).await {
            assert!(
                later.contains(&row),
                "{table}: {row} is not in the original"
            );
        }
    }
    mid_store.close().await;

    // The backup at the end restores, on both backends, to the original's record.
    let mut end_conn = connect(&end).await;
    let end_dump = dump(&mut end_conn, &tables).await;
    // The service still runs at the end: an update it was handling may be marked done only
    // after the backup, a message sent. Every other table is the same, row for row.
    let now_dump = dump(&mut now, &tables).await;
    for (table, rows) in &end_dump {
        if table == "inbox" || table == "outbox" {
            let first = |rows: &[String]| -> BTreeSet<String> {
                rows.iter()
                    .map(|r| r.split(" | ").next().unwrap().to_owned())
                    .collect()
            };
            assert_eq!(first(rows), first(&now_dump[table]), "{table}");
        } else {
            assert_eq!(rows, &now_dump[table], "{table}");
        }
    }
    let mut targets = vec![TestDb::sqlite().await];
    targets.extend(TestDb::postgres().await);
    for db in targets {
        let info = db.store.restore_from(&end).await.unwrap().unwrap();
        assert_eq!(info.counts, taken[1].counts);
        assert_eq!(
            month::record(&db.store, &settings).await,
            final_record,
            "{:?}",
            db.backend()
        );
        assert_eq!(
            dump(&mut db.raw().await, &tables).await,
            end_dump,
            "{:?}",
            db.backend()
        );
        // The ids go on after the restored ones.
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO audit (at, actor, action, subject) VALUES (0, 'test', 'x', 'y') RETURNING id",
        )
        .fetch_one(&mut db.raw().await)
        .await
        .unwrap();
        assert_eq!(next, final_record.audit.last().unwrap().id + 1);
        db.finish().await;
    }
    original.close().await;
}

/// A backup of the seed notice, in `dir`.
async fn seed_backup(dir: &Path) -> std::path::PathBuf {
    let source = TestDb::sqlite().await;
    import_seed(&source.store).await;
    let file = dir.join("seed.db");
    source.store.backup_to(&file).await.unwrap().unwrap();
    source.finish().await;
    file
}

on_both_backends! {
    async fn restore_refuses_a_database_with_data_and_changes_nothing(db) {
        let dir = tempfile::tempdir().unwrap();
        let file = seed_backup(dir.path()).await;
        import_seed(&db.store).await;
        let watch = db.watch_writes().await;

        let refused = db.store.restore_from(&file).await.unwrap();

        assert!(matches!(refused, Err(BackupRefusal::NotEmpty { .. })), "{refused:?}");
        assert!(!watch.something_was_written(db).await);
    }

    async fn restore_into_an_empty_database_gives_the_backup_and_backup_refuses_an_existing_file(db) {
        let dir = tempfile::tempdir().unwrap();
        let file = seed_backup(dir.path()).await;

        let info = db.store.restore_from(&file).await.unwrap().unwrap();

        let tasks = info.counts.iter().find(|(t, _)| t == "tasks").unwrap().1;
        assert_eq!(tasks, 71);
        let notice = db.store.latest_notice_id().await.unwrap().unwrap();
        assert_eq!(db.store.tasks(notice, duban::store::TaskSelection::All).await.unwrap().len(), 71);
        let again = db.store.backup_to(&file).await.unwrap();
        match db.backend() {
            Backend::Sqlite => assert_eq!(again, Err(BackupRefusal::Exists(file.clone()))),
            Backend::Postgres => assert_eq!(again, Err(BackupRefusal::Postgres)),
        }
    }

    async fn a_backup_of_an_older_schema_is_migrated_on_the_way_in(db) {
        // A backup made by a duban of migration 6: the inbox still keyed by update id.
        let old = OldDb::sqlite(6).await;
        let mut raw = old.raw().await;
        sqlx::query(
            "INSERT INTO notices (notice_key, title, created_at, updated_at) VALUES ('k', '通知', 0, 0)",
        )
        .execute(&mut raw)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO inbox (update_id, payload, chat_id, state, attempts, next_attempt_at, \
             received_at, handled_at) VALUES (41, '{\"message\":{\"date\":5}}', 7, 'done', 1, 0, 0, 0)",
        )
        .execute(&mut raw)
        .await
        .unwrap();
        raw.close().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("old.db");
        let path = old.url.trim_start_matches("sqlite://").split('?').next().unwrap();
        std::fs::copy(path, &file).unwrap();

        let info = db.store.restore_from(&file).await.unwrap().unwrap();

        assert_eq!(info.version, 6);
        let item = db.store.inbox_item(41).await.unwrap().unwrap();
        assert_eq!((item.update_id, item.update_date), (41, 5));
        assert!(db.store.latest_notice_id().await.unwrap().is_some());
        // The backup itself is left as it was.
        assert_eq!(inspect_backup(&file).await.unwrap().unwrap().version, 6);
    }
}

#[tokio::test]
async fn only_a_whole_duban_backup_of_this_or_an_older_schema_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    assert_eq!(
        inspect_backup(&missing).await.unwrap(),
        Err(BackupRefusal::Missing(missing.clone()))
    );
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "这不是数据库").unwrap();
    assert_eq!(
        inspect_backup(&text).await.unwrap(),
        Err(BackupRefusal::NotDuban(text.clone()))
    );
    // A SQLite database, but not duban's.
    let other = dir.path().join("other.db");
    let mut conn = AnyConnection::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (x integer)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert_eq!(
        inspect_backup(&other).await.unwrap(),
        Err(BackupRefusal::NotDuban(other.clone()))
    );
    // Made by a newer duban.
    let newer = seed_backup(dir.path()).await;
    let mut conn = connect(&newer).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let refused = inspect_backup(&newer).await.unwrap();
    assert!(
        matches!(refused, Err(BackupRefusal::Newer { version: 9999, .. })),
        "{refused:?}"
    );
    let target = TestDb::sqlite().await;
    assert!(target.store.restore_from(&newer).await.unwrap().is_err());
    assert!(
        target
            .store
            .table_counts()
            .await
            .unwrap()
            .iter()
            .all(|(t, n)| *n == 0 || t == "revisions")
    );
    target.finish().await;
}
