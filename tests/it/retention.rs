//! Retention: `Store::prune` removes what is old and unreferenced, in chunks, on both backends;
//! after a month lived by the demo it leaves every bulletin, report and audit entry as it was;
//! orphan evidence files go; the daily job prunes once per office day on the service's clock.

use crate::support::{TestDb, month, on_both_backends, seed::import_seed};
use chrono::{DateTime, Duration, TimeZone, Utc};
use duban::clock::Clock;
use duban::demo::{self, Options, Platform};
use duban::followup::planner::message;
use duban::followup::retention::{Daily, Retention, run_once};
use duban::store::{
    Anchor, EvidenceKind, Incoming, Keeping, NewEvidence, Platform as Chat, Pruned, Store,
    TaskSelection,
};
use std::collections::BTreeMap;
use std::path::Path;

const DAY: i64 = 24 * 3600;

fn update(id: i64) -> Incoming {
    Incoming {
        platform: Chat::Telegram,
        update_id: id,
        update_date: id,
        chat_id: Some(7),
        payload: "{}".into(),
    }
}

/// Stores `ids` as updates received at `at`, handled; returns their numbers in the inbox.
async fn handled(store: &Store, ids: std::ops::Range<i64>, at: i64) -> Vec<i64> {
    let batch: Vec<Incoming> = ids.map(update).collect();
    let seqs: Vec<i64> = store
        .inbox_put(&batch, at)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, seq)| seq)
        .collect();
    store.inbox_done(&seqs, at).await.unwrap();
    seqs
}

async fn counts(store: &Store) -> BTreeMap<String, i64> {
    store.table_counts().await.unwrap().into_iter().collect()
}

on_both_backends! {
    async fn prune_removes_old_handled_rows_in_chunks_and_keeps_failed_pending_and_newest(db) {
        let store = &db.store;
        import_seed(store).await;
        let notice = store.latest_notice_id().await.unwrap().unwrap();
        let tasks = store.tasks(notice, TaskSelection::All).await.unwrap();
        let (t1, t2) = (tasks[0].id, tasks[1].id);
        let now = 400 * DAY;
        let old = now - 200 * DAY;
        let cutoff = now - 180 * DAY;

        // Inbox: 2,500 old handled (three chunks), one old failed, one old pending, one new.
        handled(store, 0..2500, old).await;
        let failed = store.inbox_put(&[update(5000)], old).await.unwrap()[0].1;
        assert!(store.inbox_attempt_failed(failed, "boom", old, 1).await.unwrap());
        store.inbox_put(&[update(5001)], old).await.unwrap();
        handled(store, 6000..6001, now).await;

        // Outbox: old sent, old failed, old pending, new sent.
        let messages: Vec<_> = ["old-sent", "old-failed", "old-pending", "new-sent"]
            .iter()
            .map(|key| message((*key).into(), 7, "文".into(), None))
            .collect();
        store.enqueue(&messages, old).await.unwrap();
        let pending = store.outbox_pending(0, 10).await.unwrap();
        store.outbox_sent(&[(pending[0].clone(), 1)], old).await.unwrap();
        store.outbox_attempt_failed(pending[1].id, "403", true).await.unwrap();
        store.outbox_sent(&[(pending[3].clone(), 2)], now).await.unwrap();

        // Anchors: two old cards of t1 in chat 7 (the newer stays), an old card of t2 (the
        // newest of its task: stays), an old prompt (goes), a new prompt (stays).
        store.remember_message(7, 10, &Anchor::Task { task_id: t1 }, old).await.unwrap();
        store.remember_message(7, 11, &Anchor::Task { task_id: t1 }, old).await.unwrap();
        store.remember_message(7, 12, &Anchor::Task { task_id: t2 }, old).await.unwrap();
        let prompt = Anchor::Prompt { task_id: t1, light: duban::progress::Light::Blue, user_id: 1 };
        store.remember_message(7, 13, &prompt, old).await.unwrap();
        store.remember_message(7, 14, &prompt, now).await.unwrap();
        // DingTalk numbers, all old, in chat 9: one named by a card that stays, one by nothing,
        // and the chat's newest.
        let card = store.number_dingtalk_message("a", None, 9, old).await.unwrap();
        store.remember_message(9, card, &Anchor::Task { task_id: t1 }, old).await.unwrap();
        store.number_dingtalk_message("b", None, 9, old).await.unwrap();
        let last = store.number_dingtalk_message("c", None, 9, old).await.unwrap();
        let before = counts(store).await;

        let dry = store.prune(cutoff, true).await.unwrap();
        assert_eq!(counts(store).await, before, "a dry run changes nothing");
        let pruned = store.prune(cutoff, false).await.unwrap();

        assert_eq!(pruned, dry);
        assert_eq!(
            pruned,
            Pruned { inbox: 2500, outbox: 1, bot_messages: 2, dingtalk_messages: 1, ..Pruned::default() }
        );
        let after = counts(store).await;
        for (table, gone) in [("inbox", 2500), ("outbox", 1), ("bot_messages", 2), ("dingtalk_messages", 1)] {
            assert_eq!(after[table], before[table] - gone, "{table}");
        }
        let mut raw = db.raw().await;
        let states: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM inbox GROUP BY state ORDER BY state")
                .fetch_all(&mut raw)
                .await
                .unwrap();
        assert_eq!(states, [("done".into(), 1), ("failed".into(), 1), ("pending".into(), 1)]);
        let keys: Vec<String> = sqlx::query_scalar("SELECT dedupe_key FROM outbox ORDER BY id")
            .fetch_all(&mut raw)
            .await
            .unwrap();
        assert_eq!(keys, ["old-failed", "old-pending", "new-sent"]);
        let anchors: Vec<(i64, i64)> =
            sqlx::query_as("SELECT chat_id, message_id FROM bot_messages ORDER BY chat_id, message_id")
                .fetch_all(&mut raw)
                .await
                .unwrap();
        assert_eq!(anchors, [(7, 11), (7, 12), (7, 14), (9, i64::from(card))]);
        assert_eq!(store.last_dingtalk_message(9).await.unwrap(), Some(last));
        assert_eq!(store.dingtalk_message("a").await.unwrap(), Some((9, card)));
        assert_eq!(store.dingtalk_message("b").await.unwrap(), None);

        // Again: nothing left to remove.
        assert_eq!(store.prune(cutoff, false).await.unwrap(), Pruned::default());
    }
}

/// Runs the demo (a few units) into `out` on `platform`; returns the database's URL.
pub async fn run_demo(out: &Path, platform: Platform) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = Options {
        units: Some(8),
        platform,
        ..Options::seeds(root, out)
    };
    let summary = demo::run(&options, &mut |_| {}).await.unwrap();
    assert!(summary.failures.is_empty(), "{summary}");
    format!("sqlite://{}", out.join("duban.db").display())
}

/// A month on, then half a year: prune keeps what the bulletin, the reports and the audit
/// need, removes the rest it may, and says so once in the audit trail.
async fn prune_after_the_month(store: &Store, url: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = month::settings(root);
    let before = month::record(store, &settings).await;
    // The demo sends no evidence: a photo came with one of its updates (one no report came
    // from), about the first report's task.
    let photo_update = unreferenced(url).await[0];
    let report = &before.reports[0];
    let photo = NewEvidence {
        task_id: report.task_id,
        task_number: report.task_number,
        item: report.item,
        unit_id: report.unit_id,
        unit_name: report.unit.clone(),
        period: report.period.clone(),
        report_id: Some(report.id),
        user_id: report.user_id,
        kind: EvidenceKind::Photo,
        file_name: "现场.jpg".into(),
        inbox_seq: photo_update,
    };
    store
        .keep_evidence(&photo, b"jpeg", &Keeping::Database, report.created_at)
        .await
        .unwrap();
    let before = month::record(store, &settings).await;
    let counts_before = counts(store).await;
    // The month has everything that refers to updates: reports, evidence, an extension, an
    // item; and reviews, a bulletin.
    for table in [
        "reports",
        "evidence",
        "extensions",
        "task_items",
        "bulletins",
        "outbox",
    ] {
        assert!(counts_before[table] > 0, "{table}: {counts_before:?}");
    }
    let retention = Retention {
        days: 180,
        evidence_dir: None,
    };
    let later = demo::end() + Duration::days(181);

    let dry = run_once(store, &retention, later, true).await.unwrap();
    assert_eq!(
        counts(store).await,
        counts_before,
        "a dry run changes nothing"
    );
    let pruned = run_once(store, &retention, later, false).await.unwrap();

    assert_eq!(pruned, dry);
    assert!(
        pruned.inbox > 0 && pruned.outbox > 0 && pruned.bot_messages > 0,
        "{pruned:?}"
    );
    let counts_after = counts(store).await;
    for (table, gone) in [
        ("inbox", pruned.inbox),
        ("outbox", pruned.outbox),
        ("bot_messages", pruned.bot_messages),
        ("dingtalk_messages", pruned.dingtalk_messages),
        ("outbox_files", pruned.outbox_files),
    ] {
        assert_eq!(
            counts_after[table],
            counts_before[table] - gone as i64,
            "{table}"
        );
    }
    for (table, n) in &counts_before {
        if ![
            "inbox",
            "outbox",
            "bot_messages",
            "dingtalk_messages",
            "outbox_files",
            "audit",
            "revisions",
        ]
        .contains(&table.as_str())
        {
            assert_eq!(counts_after[table], *n, "{table} is never pruned");
        }
    }
    // What stays of the inbox is what a report, evidence or an extension came from.
    assert_eq!(unreferenced(url).await, Vec::<i64>::new());
    assert!(store.inbox_item(photo_update).await.unwrap().is_some());
    assert!(store.outbox(Some("sent")).await.unwrap().is_empty());
    // The bulletin's files went with the last rows that named them.
    assert!(
        pruned.outbox_files > 0 && counts_after["outbox_files"] == 0,
        "{pruned:?}"
    );

    let after = month::record(store, &settings).await;
    assert_eq!(
        after.text, before.text,
        "the bulletin compiles byte-identical"
    );
    assert_eq!(after.markdown, before.markdown);
    assert_eq!(after.reports, before.reports);
    let (kept, added) = after.audit.split_at(before.audit.len());
    assert_eq!(kept, before.audit);
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(
        (added[0].actor.as_str(), added[0].action.as_str()),
        ("system", "prune")
    );
    assert!(added[0].subject.contains("保留 180 天"), "{:?}", added[0]);

    // A second prune finds nothing and writes no entry.
    assert_eq!(
        run_once(store, &retention, later, false).await.unwrap(),
        Pruned::default()
    );
    assert_eq!(store.audit(None).await.unwrap().len(), after.audit.len());
}

/// Handled updates left that nothing refers to (none after a prune).
async fn unreferenced(url: &str) -> Vec<i64> {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT seq FROM inbox WHERE state = 'done' AND seq NOT IN (SELECT inbox_seq FROM reports \
         UNION SELECT inbox_seq FROM evidence UNION SELECT inbox_seq FROM extensions)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_after_a_month_keeps_every_bulletin_report_and_audit_entry_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = run_demo(&dir.path().join("demo"), Platform::Telegram).await;
    let store = Store::connect(&url).await.unwrap();
    prune_after_the_month(&store, &url).await;
    store.close().await;
}

/// The month on DingTalk (numbers of the robot's messages too), restored into PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_after_a_month_keeps_every_bulletin_report_and_audit_entry_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = run_demo(&dir.path().join("demo"), Platform::DingTalk).await;
    let demo_store = Store::connect(&url).await.unwrap();
    let backup = dir.path().join("backup.db");
    demo_store.backup_to(&backup).await.unwrap().unwrap();
    demo_store.close().await;
    db.store.restore_from(&backup).await.unwrap().unwrap();
    assert!(counts(&db.store).await["dingtalk_messages"] > 0);

    prune_after_the_month(&db.store, &db.url).await;
    db.finish().await;
}

on_both_backends! {
    async fn orphan_evidence_files_older_than_a_day_go_and_referenced_or_fresh_ones_stay(db) {
        let store = &db.store;
        let folder = tempfile::tempdir().unwrap();
        let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 24 * 3600);
        let file = |name: &str, old: bool| {
            let path = folder.path().join(&name[..2]).join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"bytes").unwrap();
            if old {
                std::fs::File::options().write(true).open(&path).unwrap().set_modified(day_ago).unwrap();
            }
            path
        };
        let kept = "a".repeat(64);
        let orphan = "b".repeat(64);
        let fresh = "c".repeat(64);
        let partial = format!("{}.123.partial", "d".repeat(64));
        sqlx::query("INSERT INTO evidence_files (sha256, size, bytes, created_at) VALUES ($1, 5, NULL, 0)")
            .bind(&kept)
            .execute(&mut db.raw().await)
            .await
            .unwrap();
        let paths = [file(&kept, true), file(&orphan, true), file(&fresh, false), file(&partial, true)];
        let a_day = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);

        let dry = store.prune_evidence_folder(folder.path(), a_day, true).await.unwrap();
        assert_eq!(dry, (2, 10));
        assert!(paths.iter().all(|p| p.exists()), "a dry run removes nothing");
        let removed = store.prune_evidence_folder(folder.path(), a_day, false).await.unwrap();

        assert_eq!(removed, (2, 10));
        let exists: Vec<bool> = paths.iter().map(|p| p.exists()).collect();
        assert_eq!(exists, [true, false, true, false]);
        // A missing folder is nothing to prune.
        let gone = folder.path().join("none");
        assert_eq!(store.prune_evidence_folder(&gone, a_day, false).await.unwrap(), (0, 0));
    }
}

#[tokio::test]
async fn the_daily_prune_runs_on_the_first_look_of_each_office_day_of_the_service_clock() {
    let db = TestDb::sqlite().await;
    let store = &db.store;
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2022, 9, 1, 2, 0, 0).unwrap();
    let clock = Clock::manual(start);
    let old = (start - Duration::days(200)).timestamp();
    handled(store, 0..3, old).await;
    let retention = Retention {
        days: 180,
        evidence_dir: None,
    };

    let daily = Daily::start(
        store.clone(),
        clock.clone(),
        retention,
        std::time::Duration::from_millis(5),
    );
    let prunes = || async {
        store
            .audit(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "prune")
            .count()
    };
    wait_until(|| async { prunes().await == 1 }).await;
    assert_eq!(counts(store).await["inbox"], 0);
    // More old rows; the next office day prunes them.
    handled(store, 10..12, old).await;
    clock.advance(Duration::days(1));
    wait_until(|| async { prunes().await == 2 }).await;
    assert_eq!(counts(store).await["inbox"], 0);
    daily.stop().await;
    let entry = store.audit(None).await.unwrap().pop().unwrap();
    assert_eq!(entry.actor, "system");
    assert!(
        entry.detail.contains("收件箱（已处理的更新） 2"),
        "{entry:?}"
    );
    db.finish().await;
}

/// Polls `done` until it holds (a minute at most, a failure then).
async fn wait_until<F, Fut>(done: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..6000 {
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("not reached within a minute");
}
