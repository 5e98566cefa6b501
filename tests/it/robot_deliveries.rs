//! The bulletin's deliveries to the group robots as outbox rows, on both backends: they survive
//! a restart and reach each robot once, a failing robot is retried with the outbox's backoff and
//! given up after `outbox_attempts` with the admins told, and a bulletin issued again sends
//! nothing twice. A bulletin's files are stored once however many readers get them.

use crate::support::chat::{ADMIN, Chat, TICK, settings, settle_at};
use crate::support::on_both_backends;
use crate::support::robots::{
    DINGTALK_PATH, FEISHU_PATH, JSON_PATH, RobotServer, WECOM_PATH, no_env, reply,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use duban::bot::inbox::Mode;
use duban::botapi::{BotApiOptions, BotApiServer, TestUser};
use duban::bulletin::channels::{Channels, Robots, robot_chat};
use duban::bulletin::compile;
use duban::bulletin::render::files;
use duban::clock::{Clock, office_offset};
use duban::config::Settings;
use duban::followup::sender::{self, Limiter, SendLimits, SenderConfig, SenderHandle, Transport};
use duban::store::{OutFile, OutMessage, OutboxEntry, Store};
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;
use std::time::Instant;

/// Long enough on a loaded machine; reaching it is a failure.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

const PATHS: [(&str, &str); 4] = [
    ("wecom", WECOM_PATH),
    ("dingtalk", DINGTALK_PATH),
    ("feishu", FEISHU_PATH),
    ("json", JSON_PATH),
];

/// `d` March 2022 at `h`:`m` in Beijing.
fn march(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    office_offset()
        .with_ymd_and_hms(2022, 3, d, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Waits until `done` holds of the outbox.
async fn until(
    store: &Store,
    what: &str,
    done: impl Fn(&[OutboxEntry]) -> bool,
) -> Vec<OutboxEntry> {
    let start = Instant::now();
    loop {
        let rows = store.outbox(None).await.unwrap();
        if done(&rows) {
            return rows;
        }
        assert!(start.elapsed() < DEADLINE, "{what}: {rows:?}");
        tokio::time::sleep(TICK).await;
    }
}

fn robot_rows(rows: &[OutboxEntry]) -> Vec<&OutboxEntry> {
    rows.iter()
        .filter(|r| r.key.starts_with("robot:"))
        .collect()
}

async fn files_stored(db: &crate::support::TestDb) -> Vec<(String, Vec<u8>)> {
    let mut raw = db.raw().await;
    sqlx::query("SELECT sha256, bytes FROM outbox_files ORDER BY id")
        .fetch_all(&mut raw)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get("sha256"), row.get("bytes")))
        .collect()
}

/// The lowercase hex SHA-256 of `bytes`, to compare files without printing them.
fn digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a file says: a Word or Excel file's parts but the one holding the time it was made
/// (`docProps/core.xml`), each by its digest; another file's digest.
fn content(bytes: &[u8]) -> Vec<(String, String)> {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return vec![(String::new(), digest(bytes))];
    };
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        if part.name() == "docProps/core.xml" {
            continue;
        }
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut part, &mut data).unwrap();
        parts.push((part.name().to_owned(), digest(&data)));
    }
    parts
}

const SUPERVISORS: [i64; 2] = [3001, 3002];

/// The settings of the chat tests with every robot pointing at `robots`, patient enough that
/// nothing is given up while a robot is down.
/// The outbox sender alone, uncapped, on the 28th of March, with three attempts a row and
/// `robots` as the group robots' transport.
fn spawn_sender(store: &Store, server: &BotApiServer, robots: Option<Robots>) -> SenderHandle {
    let limits = SendLimits::unlimited();
    sender::spawn(
        store.clone(),
        Clock::manual(march(28, 10, 0)),
        Limiter::new(limits),
        SenderConfig {
            api_url: server.url().to_owned(),
            token: server.token().to_owned(),
            limits,
            max_attempts: 3,
            admins: vec![ADMIN],
            dingtalk: None,
            robots: robots.map(|r| Arc::new(r) as Arc<dyn Transport>),
            cluster: None,
            metrics: duban::telemetry::Metrics::new(),
        },
    )
}

fn robot_settings(robots: &RobotServer) -> Settings {
    let chat = settings();
    Settings {
        admins: chat.admins,
        inbox_attempts: chat.inbox_attempts,
        send_per_second: 0,
        send_per_chat_per_second: 0,
        send_per_group_per_minute: 0,
        outbox_attempts: 1000,
        ..robots.settings()
    }
}

on_both_backends! {
    async fn a_bulletin_reaches_each_robot_once_across_a_restart_and_when_issued_again(db) {
        let robots = RobotServer::start().await;
        // The robots fail first: the rows are tried, then the service stops before any got
        // through.
        for (_, path) in PATHS {
            robots.always(path, reply(500, json!({"error": "down"})));
        }
        let settings = robot_settings(&robots);
        let clock = Clock::manual(march(28, 8, 0));
        let mut chat = Chat::start_on(&db.store, settings.clone(), None, Mode::Polling, clock.clone()).await;
        let admin = chat.user(ADMIN, "管理员");
        chat.send(&admin, "/help").await;
        for (i, id) in SUPERVISORS.into_iter().enumerate() {
            chat.supervisor(id, &format!("督查{}", i + 1), None).await;
        }
        settle_at(&db.store, &clock, march(28, 9, 30)).await;
        // The bulletin fires at 10:00.
        clock.set(march(28, 10, 0) + Duration::seconds(1));
        until(&db.store, "every robot tried once", |rows| {
            let robots = robot_rows(rows);
            robots.len() == 4 && robots.iter().all(|r| r.attempts >= 1)
        })
        .await;
        let server = chat.stop().await;
        let rows = db.store.outbox(None).await.unwrap();
        let mut keys: Vec<(&str, i64, &str)> = robot_rows(&rows)
            .iter()
            .map(|r| (r.key.as_str(), r.chat_id, r.state.as_str()))
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                ("robot:dingtalk:2022-03", robot_chat("dingtalk").unwrap(), "pending"),
                ("robot:feishu:2022-03", robot_chat("feishu").unwrap(), "pending"),
                ("robot:json:2022-03", robot_chat("json").unwrap(), "pending"),
                ("robot:wecom:2022-03", robot_chat("wecom").unwrap(), "pending"),
            ]
        );
        for (_, path) in PATHS {
            assert!(robots.accepted_at(path).is_empty(), "{path}");
            robots.recover(path);
        }

        // The restart sends what was pending, each robot once.
        let chat = Chat::start_on(&db.store, settings.clone(), Some(server), Mode::Polling, clock.clone()).await;
        settle_at(&db.store, &clock, march(28, 11, 5)).await;
        let server = chat.stop().await;
        for (channel, path) in PATHS {
            let accepted = robots.accepted_at(path);
            assert_eq!(accepted.len(), 1, "{channel}");
        }
        let wecom = &robots.accepted_at(WECOM_PATH)[0].body;
        assert!(wecom["markdown"]["content"].as_str().unwrap().contains("第1期"), "{wecom}");
        let dingtalk = &robots.accepted_at(DINGTALK_PATH)[0].body;
        assert_eq!(dingtalk["markdown"]["title"], "济宁市兖州区政府工作报告重点任务落实情况督查通报（第1期）");
        let generic = &robots.accepted_at(JSON_PATH)[0].body;
        assert_eq!((generic["number"].as_i64(), generic["period"].as_str()), (Some(1), Some("2022-03")));
        let rows = db.store.outbox(None).await.unwrap();
        assert!(robot_rows(&rows).iter().all(|r| r.state == "sent"), "{rows:?}");

        // Every reader got the bulletin's three files, stored once: the files rendered again
        // from the same database equal them byte for byte.
        let stored = files_stored(db).await;
        assert_eq!(stored.len(), 3, "three files for three readers");
        let b = compile(&db.store, &settings, Some("2022-03"), march(28, 10, 0).date_naive(), 0)
            .await
            .unwrap()
            .unwrap();
        let rendered: Vec<Vec<(String, String)>> =
            files(&b).unwrap().iter().map(|f| content(&f.bytes)).collect();
        let mut received = Vec::new();
        let readers = [ADMIN, SUPERVISORS[0], SUPERVISORS[1]];
        for reader in readers {
            let documents: Vec<(String, Vec<u8>)> = server
                .sent(reader)
                .into_iter()
                .filter_map(|m| m.document)
                .map(|d| (d.file_name, d.bytes))
                .collect();
            let names: Vec<&str> = documents.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(
                names,
                ["督查通报第1期-2022-03.docx", "督查通报第1期-2022-03.xlsx", "督查通报第1期-2022-03.png"],
                "{reader}"
            );
            let bytes: Vec<Vec<(String, String)>> = documents.iter().map(|(_, b)| content(b)).collect();
            assert_eq!(bytes, rendered, "{reader}");
            received.push(documents.into_iter().map(|(_, b)| digest(&b)).collect::<Vec<_>>());
        }
        // The same bytes to every reader: the ones stored.
        assert!(received.iter().all(|r| *r == received[0]), "{received:?}");
        // Each stored once, under its digest.
        let stored: Vec<String> = stored
            .into_iter()
            .map(|(sha256, bytes)| {
                assert_eq!(sha256, digest(&bytes));
                sha256
            })
            .collect();
        assert_eq!(stored, received[0]);

        // The same bulletin issued again (the scheduler's record lost, as after a crash between
        // the bulletin and its record): nothing is sent twice.
        let before = db.store.outbox(None).await.unwrap();
        let sent_before: Vec<usize> = readers.iter().map(|r| server.sent(*r).len()).collect();
        db.store
            .enqueue_scheduled(&[], march(28, 9, 30).timestamp(), clock.unix(), None)
            .await
            .unwrap();
        let chat = Chat::start_on(&db.store, settings, Some(server), Mode::Polling, clock.clone()).await;
        settle_at(&db.store, &clock, march(28, 12, 10)).await;
        let server = chat.stop().await;
        let after = db.store.outbox(None).await.unwrap();
        assert_eq!(after, before);
        let sent_after: Vec<usize> = readers.iter().map(|r| server.sent(*r).len()).collect();
        assert_eq!(sent_after, sent_before);
        for (channel, path) in PATHS {
            assert_eq!(robots.received_at(path).iter().filter(|r| r.accepted).count(), 1, "{channel}");
        }
        assert_eq!(files_stored(db).await.len(), 3);
        server.shutdown().await;
    }

    async fn a_failing_robot_is_retried_with_backoff_and_given_up_with_the_admins_told(db) {
        let robots = RobotServer::start().await;
        robots.always(WECOM_PATH, reply(502, json!({"error": "bad gateway"})));
        let server = BotApiServer::start(BotApiOptions::default()).await.unwrap();
        server.add_user(&TestUser::new(ADMIN, "管理员"));
        let channels = Channels::from_settings(&robots.settings(), no_env);
        let b = crate::support::bulletin::bulletin();
        let rows = channels.robot_rows(&b, "# 督查通报\n进展顺利").unwrap();
        assert_eq!(db.store.enqueue(&rows, 100).await.unwrap(), 4);
        // Enqueued again (the same bulletin): nothing new.
        assert_eq!(db.store.enqueue(&rows, 101).await.unwrap(), 0);
        let handle = spawn_sender(&db.store, &server, Some(Robots::new(channels)));

        let rows = until(&db.store, "all settled and the admin told", |rows| {
            rows.iter().all(|r| r.state != "pending") && rows.iter().any(|r| r.key.starts_with("gave-up:"))
        })
        .await;
        handle.stop().await;

        let states: Vec<(&str, &str, i64)> = rows
            .iter()
            .map(|r| (r.key.as_str(), r.state.as_str(), r.attempts))
            .collect();
        let wecom_row = rows.iter().find(|r| r.key == "robot:wecom:2022-03").unwrap();
        assert_eq!(
            states,
            [
                ("robot:wecom:2022-03", "failed", 3),
                ("robot:dingtalk:2022-03", "sent", 1),
                ("robot:feishu:2022-03", "sent", 1),
                ("robot:json:2022-03", "sent", 1),
                (format!("gave-up:{}:{ADMIN}", wecom_row.id).as_str(), "sent", 1),
            ]
        );
        assert!(wecom_row.last_error.as_deref().unwrap().starts_with("HTTP 502"), "{wecom_row:?}");
        // Three tries, the pauses between them at least the outbox's backoff (200 ms, 400 ms).
        let tries: Vec<Instant> = robots.received_at(WECOM_PATH).iter().map(|r| r.at).collect();
        assert_eq!(tries.len(), 3);
        assert!(tries[1] - tries[0] >= std::time::Duration::from_millis(200), "{tries:?}");
        assert!(tries[2] - tries[1] >= std::time::Duration::from_millis(400), "{tries:?}");
        for path in [DINGTALK_PATH, FEISHU_PATH, JSON_PATH] {
            assert_eq!(robots.received_at(path).len(), 1, "{path}");
        }
        let told: Vec<String> = server.sent(ADMIN).into_iter().filter_map(|m| m.text).collect();
        assert_eq!(told.len(), 1, "{told:?}");
        assert!(
            told[0].starts_with("通报未能推送到企业微信群机器人（robot:wecom:2022-03）：HTTP 502"),
            "{}",
            told[0]
        );
        assert!(!told[0].contains(&robots.base), "no URL: {}", told[0]);
        server.shutdown().await;
    }

    async fn a_file_for_many_readers_is_stored_once_and_each_gets_its_bytes(db) {
        let server = BotApiServer::start(BotApiOptions::default()).await.unwrap();
        let readers: Vec<i64> = (5001..5021).collect();
        for reader in &readers {
            server.add_user(&TestUser::new(*reader, format!("读者{reader}")));
        }
        let b = crate::support::bulletin::bulletin();
        let rendered = files(&b).unwrap();
        let messages: Vec<OutMessage> = readers
            .iter()
            .flat_map(|reader| {
                rendered.iter().map(move |file| OutMessage {
                    key: format!("bulletin:2022-03:{reader}:{}", file.extension),
                    chat_id: *reader,
                    is_group: false,
                    payload: json!({}),
                    anchor_task: None,
                    file: Some(OutFile {
                        name: format!("通报.{}", file.extension),
                        bytes: file.bytes.clone(),
                    }),
                })
            })
            .collect();
        // In two calls, as two issues of the same files would be.
        let (first, second) = messages.split_at(30);
        db.store.enqueue(first, 100).await.unwrap();
        db.store.enqueue(second, 101).await.unwrap();

        let stored = files_stored(db).await;
        assert_eq!(stored.len(), 3);
        for ((sha256, bytes), file) in stored.iter().zip(&rendered) {
            assert!(bytes == &file.bytes, "{}: the bytes stored differ", file.extension);
            assert_eq!(sha256, &digest(bytes));
        }

        let handle = spawn_sender(&db.store, &server, None);
        until(&db.store, "every file sent", |rows| rows.iter().all(|r| r.state == "sent")).await;
        handle.stop().await;
        for reader in &readers {
            let got: Vec<(String, Vec<u8>)> = server
                .sent(*reader)
                .into_iter()
                .filter_map(|m| m.document)
                .map(|d| (d.file_name, d.bytes))
                .collect();
            let expected: Vec<(String, Vec<u8>)> = rendered
                .iter()
                .map(|f| (format!("通报.{}", f.extension), f.bytes.clone()))
                .collect();
            assert!(got == expected, "{reader}: other files arrived");
        }
        server.shutdown().await;
    }
}
