//! The follow-up's tables on both backends: the outbox keeps a key once and records what was
//! sent, schedule changes and drafts leave one audit entry each, and the scheduler's checkpoint
//! is written with the rows it enqueues.

use crate::support::chat::import_seed;
use crate::support::on_both_backends;
use duban::schedule::Kind;
use duban::store::{Anchor, OutFile, OutMessage, ScheduleChange};
use sqlx::Connection;

fn message(key: &str, chat_id: i64, anchor_task: Option<i64>) -> OutMessage {
    OutMessage {
        key: key.into(),
        chat_id,
        is_group: false,
        payload: serde_json::json!({ "text": key }),
        anchor_task,
        file: None,
    }
}

on_both_backends! {
    async fn the_outbox_keeps_a_key_once_and_remembers_the_task_of_a_sent_message(db) {
        let store = &db.store;
        import_seed(store).await;
        let notice = store.latest_notice_id().await.unwrap().unwrap();
        let task = store.task(notice, 8).await.unwrap().unwrap();
        let first = [message("reminder:a", 1001, Some(task.id)), message("reminder:b", 1002, None)];
        assert_eq!(store.enqueue_scheduled(&first, 500, 100, None).await.unwrap(), 2);
        assert_eq!(store.scheduler_checked_at().await.unwrap(), Some(500));
        let again = [message("reminder:a", 1001, Some(task.id)), message("nudge:c", 1001, None)];
        assert_eq!(store.enqueue_scheduled(&again, 600, 101, None).await.unwrap(), 1);
        assert_eq!(store.scheduler_checked_at().await.unwrap(), Some(600));

        let pending = store.outbox_pending(0, 10).await.unwrap();
        let keys: Vec<&str> = pending.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["reminder:a", "reminder:b", "nudge:c"]);
        assert!(pending.iter().all(|p| p.file.is_none()));
        assert_eq!(store.outbox_pending(pending[0].id, 10).await.unwrap().len(), 2);
        store.outbox_sent(&[(pending[0].clone(), 41)], 102).await.unwrap();
        store.outbox_attempt_failed(pending[1].id, "500 Internal Server Error", false).await.unwrap();
        store.outbox_attempt_failed(pending[2].id, "403 Forbidden", true).await.unwrap();

        assert_eq!(store.anchor(1001, 41).await.unwrap(), Some(Anchor::Task { task_id: task.id }));
        let rows = store.outbox(None).await.unwrap();
        let states: Vec<(&str, i64)> = rows.iter().map(|r| (r.state.as_str(), r.attempts)).collect();
        assert_eq!(states, [("sent", 1), ("pending", 1), ("failed", 1)]);
        assert_eq!(rows[0].message_id, Some(41));
        assert_eq!(rows[2].last_error.as_deref(), Some("403 Forbidden"));
        assert_eq!(store.outbox(Some("pending")).await.unwrap().len(), 1);

        // A file goes in and comes out byte for byte.
        let mut with_file = message("bulletin:x:docx", 1003, None);
        let bytes: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
        with_file.file = Some(OutFile { name: "督查通报.docx".into(), bytes: bytes.clone() });
        store.enqueue(&[with_file], 103).await.unwrap();
        let pending = store.outbox_pending(0, 10).await.unwrap();
        let file = pending.iter().find_map(|p| p.file.clone()).unwrap();
        assert_eq!(file.name, "督查通报.docx");
        assert_eq!(store.outbox_file(file.id).await.unwrap(), Some(bytes));
    }

    async fn schedule_changes_and_confirmed_drafts_are_audited(db) {
        let store = &db.store;
        import_seed(store).await;
        let unit = store.unit_named("区科技局").await.unwrap().unwrap();
        store.change_schedule(Kind::Nudge, Some((unit.id, &unit.name)), &ScheduleChange::Pause, "cli", 10).await.unwrap();
        store.change_schedule(Kind::Reminder, None, &ScheduleChange::Set("0 0 9 20 * *".into()), "9001", 11).await.unwrap();
        let draft = store.draft_schedule(Kind::Nudge, Some(&unit), "0 30 8 * * Mon", 9001, 12).await.unwrap();
        let confirmed = store.confirm_schedule_draft(draft, "9001", 13).await.unwrap().unwrap();
        assert_eq!(confirmed.unit.as_ref(), Some(&unit));
        assert!(store.confirm_schedule_draft(draft, "9001", 14).await.unwrap().is_none());
        let cancelled = store.draft_schedule(Kind::Reminder, None, "0 0 9 1 * *", 9001, 15).await.unwrap();
        assert!(store.drop_schedule_draft(cancelled).await.unwrap());
        assert!(!store.drop_schedule_draft(cancelled).await.unwrap());

        let rows = store.schedule_rows().await.unwrap();
        let summary: Vec<(Kind, Option<&str>, Option<&str>, bool)> = rows
            .iter()
            .map(|r| (r.kind, r.unit.as_ref().map(|u| u.name.as_str()), r.expression.as_deref(), r.paused))
            .collect();
        assert_eq!(summary, [
            (Kind::Nudge, Some("区科技局"), Some("0 30 8 * * Mon"), true),
            (Kind::Reminder, None, Some("0 0 9 20 * *"), false),
        ]);
        let audit: Vec<(String, String, String)> = store
            .audit(None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action, e.subject))
            .collect();
        assert_eq!(audit, [
            ("cli".to_owned(), "schedule_pause".to_owned(), "nudge:区科技局".to_owned()),
            ("9001".to_owned(), "schedule_set".to_owned(), "reminder".to_owned()),
            ("9001".to_owned(), "schedule_set".to_owned(), "nudge:区科技局".to_owned()),
        ]);
    }
}

/// Files enqueued by an older duban (a copy of the bytes in every row, before migration 0017)
/// are still sent after it: each distinct content once in `outbox_files`, every row referring
/// to it under its own name.
#[tokio::test]
async fn files_copied_into_rows_before_the_files_table_are_kept() {
    let mut olds = vec![crate::support::OldDb::sqlite(15).await];
    olds.extend(crate::support::OldDb::postgres(15).await);
    for old in olds {
        let mut raw = old.raw().await;
        let word: Vec<u8> = (0..=255u8).chain([0, 0, 7]).collect();
        let chart: Vec<u8> = vec![137, 80, 78, 71, 0, 1];
        /// A row: its key, its chat and its file (name, bytes).
        type OldRow<'a> = (&'a str, i64, Option<(&'a str, &'a [u8])>);
        let rows: [OldRow; 4] = [
            ("bulletin:2022-03:1:1", 1, None),
            ("bulletin:2022-03:1:docx", 1, Some(("通报.docx", &word))),
            ("bulletin:2022-03:2:docx", 2, Some(("第1期.docx", &word))),
            ("bulletin:2022-03:2:png", 2, Some(("通报.png", &chart))),
        ];
        for (key, chat, file) in rows {
            sqlx::query(
                "INSERT INTO outbox (dedupe_key, chat_id, payload, file_name, file_data, created_at) \
                 VALUES ($1, $2, '{}', $3, $4, 5)",
            )
            .bind(key)
            .bind(chat)
            .bind(file.map(|f| f.0))
            .bind(file.map(|f| f.1))
            .execute(&mut raw)
            .await
            .unwrap();
        }
        raw.close().await.ok();

        let store = duban::store::Store::connect(&old.url).await.unwrap();

        let pending = store.outbox_pending(0, 10).await.unwrap();
        let mut got = Vec::new();
        for row in &pending {
            let file = match &row.file {
                Some(f) => Some((
                    f.name.clone(),
                    store.outbox_file(f.id).await.unwrap().unwrap(),
                )),
                None => None,
            };
            got.push((row.key.clone(), file, row.file.as_ref().map(|f| f.id)));
        }
        assert_eq!(got[0], ("bulletin:2022-03:1:1".into(), None, None));
        assert_eq!(got[1].1, Some(("通报.docx".into(), word.clone())));
        assert_eq!(got[2].1, Some(("第1期.docx".into(), word.clone())));
        assert_eq!(got[3].1, Some(("通报.png".into(), chart.clone())));
        // The same bytes once.
        assert_eq!(got[1].2, got[2].2);
        assert_ne!(got[1].2, got[3].2);
        // Enqueued again now, they are found or stored once more; never lost.
        let again = OutMessage {
            file: Some(OutFile {
                name: "通报.png".into(),
                bytes: chart.clone(),
            }),
            ..message("bulletin:2022-03:3:png", 3, None)
        };
        store.enqueue(&[again], 6).await.unwrap();
        let pending = store.outbox_pending(0, 10).await.unwrap();
        let last = pending.last().unwrap().file.clone().unwrap();
        assert_eq!(store.outbox_file(last.id).await.unwrap(), Some(chart));
        store.close().await;
        old.finish().await;
    }
}
