//! The outbox sender end to end: rows in a SQLite file, the local Bot API server with
//! Telegram's flood limits and injected faults, the sender in between. Nothing here asserts a
//! duration: each test waits (with a generous deadline) until the outbox has no pending row,
//! then checks what arrived, in which order, and what the rows say.

use chrono::{TimeZone, Utc};
use duban::botapi::{BotApiOptions, BotApiServer, FaultKind, FaultPlan, RateLimit, TestUser};
use duban::clock::Clock;
use duban::followup::sender::{self, Limiter, SendLimits, SenderConfig, SenderHandle};
use duban::matrix::{UnitDirectory, parse_notice};
use duban::store::{Anchor, InviteSpec, OutMessage, OutboxEntry, Role, Store};
use duban::wording::texts;
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The admin named in the settings.
const ADMIN: i64 = 9001;
/// Long enough for any of these tests on a loaded machine; reaching it is a failure.
const DEADLINE: Duration = Duration::from_secs(120);

struct Outbox {
    _dir: TempDir,
    store: Store,
    server: BotApiServer,
    clock: Clock,
}

impl Outbox {
    async fn start(rate_limit: Option<RateLimit>) -> Outbox {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
        let store = Store::connect(&url).await.unwrap();
        let server = BotApiServer::start(BotApiOptions {
            rate_limit,
            ..BotApiOptions::default()
        })
        .await
        .unwrap();
        server.add_user(&TestUser::new(ADMIN, "管理员"));
        let clock = Clock::manual(Utc.with_ymd_and_hms(2022, 3, 18, 1, 0, 0).unwrap());
        Outbox {
            _dir: dir,
            store,
            server,
            clock,
        }
    }

    /// Makes the server know these private chats.
    fn users(&self, chats: impl IntoIterator<Item = i64>) {
        for chat in chats {
            self.server
                .add_user(&TestUser::new(chat, format!("联络员{chat}")));
        }
    }

    fn sender(&self, limits: SendLimits, max_attempts: u32) -> SenderHandle {
        sender::spawn(
            self.store.clone(),
            self.clock.clone(),
            Limiter::new(limits),
            SenderConfig {
                api_url: self.server.url().to_owned(),
                token: self.server.token().to_owned(),
                limits,
                max_attempts,
                admins: vec![ADMIN],
                dingtalk: None,
                cluster: None,
                metrics: duban::telemetry::Metrics::new(),
                robots: None,
            },
        )
    }

    async fn enqueue(&self, messages: &[OutMessage]) -> u64 {
        self.store
            .enqueue(messages, self.clock.unix())
            .await
            .unwrap()
    }

    /// Waits until no row is pending.
    async fn drained(&self) -> Vec<OutboxEntry> {
        let start = Instant::now();
        loop {
            let pending = self.store.outbox(Some("pending")).await.unwrap();
            if pending.is_empty() {
                return self.store.outbox(None).await.unwrap();
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{} rows still pending: {pending:?}",
                pending.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The texts that arrived in `chat`, in order.
    fn texts(&self, chat: i64) -> Vec<String> {
        self.server
            .sent(chat)
            .into_iter()
            .map(|m| m.text.unwrap_or_default())
            .collect()
    }
}

fn message(key: &str, chat: i64, text: &str) -> OutMessage {
    OutMessage {
        key: key.into(),
        chat_id: chat,
        is_group: false,
        payload: json!({ "text": text }),
        anchor_task: None,
        file: None,
    }
}

/// `per_chat` messages to each chat, interleaved by round as a scheduler would enqueue them.
fn fan(chats: &[i64], per_chat: usize) -> Vec<OutMessage> {
    (0..per_chat)
        .flat_map(|k| {
            chats
                .iter()
                .map(move |&c| message(&format!("test:{c}:{k}"), c, &format!("第{k}条，致{c}")))
        })
        .collect()
}

fn expected(chat: i64, per_chat: usize) -> Vec<String> {
    (0..per_chat)
        .map(|k| format!("第{k}条，致{chat}"))
        .collect()
}

async fn import_seed(store: &Store) -> i64 {
    let root = env!("CARGO_MANIFEST_DIR");
    let text =
        std::fs::read_to_string(format!("{root}/seeds/yanzhou-2022-task-notice.txt")).unwrap();
    let dir = std::fs::read_to_string(format!("{root}/seeds/yanzhou-units.toml")).unwrap();
    let matrix = parse_notice(&text, &UnitDirectory::from_toml(&dir).unwrap()).unwrap();
    store.import_matrix(&matrix).await.unwrap();
    let notice = store.latest_notice_id().await.unwrap().unwrap();
    let tasks = store.task_records(notice).await.unwrap();
    tasks.iter().find(|t| t.number == 8).unwrap().id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_under_telegram_s_limits_arrives_once_in_order_without_a_429() {
    let outbox = Outbox::start(Some(RateLimit::telegram())).await;
    let task_id = import_seed(&outbox.store).await;
    let chats: Vec<i64> = (1001..=1020).collect();
    outbox.users(chats.iter().copied());
    let mut messages = fan(&chats, 3);
    messages[0].anchor_task = Some(task_id);
    assert_eq!(outbox.enqueue(&messages).await, 60);

    let sender = outbox.sender(SendLimits::telegram(), 5);
    let rows = outbox.drained().await;
    sender.stop().await;

    assert_eq!(outbox.server.fault_stats().rate_limited, 0);
    assert_eq!(outbox.server.sent_count(), 60);
    for &chat in &chats {
        assert_eq!(outbox.texts(chat), expected(chat, 3), "chat {chat}");
    }
    let by_key: HashMap<&str, &OutMessage> = messages.iter().map(|m| (m.key.as_str(), m)).collect();
    for row in &rows {
        assert_eq!(row.state, "sent", "{row:?}");
        assert_eq!(row.attempts, 1, "{row:?}");
        assert_eq!(row.sent_at, Some(outbox.clock.unix()));
        let message_id = row.message_id.expect("a sent row has its message id") as i32;
        let arrived = outbox.server.sent(row.chat_id);
        let arrived = arrived.iter().find(|m| m.message_id == message_id).unwrap();
        assert_eq!(
            arrived.text.as_deref(),
            by_key[row.key.as_str()].payload["text"].as_str()
        );
    }
    let anchored = &rows[0];
    assert_eq!(
        outbox
            .store
            .anchor(anchored.chat_id, anchored.message_id.unwrap() as i32)
            .await
            .unwrap(),
        Some(Anchor::Task { task_id })
    );
    let plain = &rows[1];
    assert_eq!(
        outbox
            .store
            .anchor(plain.chat_id, plain.message_id.unwrap() as i32)
            .await
            .unwrap(),
        None
    );
}

/// Sends 100 messages to 10 chats while `kind` answers a fifth of the calls.
async fn survive(kind: FaultKind) -> (Outbox, Vec<OutboxEntry>) {
    let outbox = Outbox::start(None).await;
    let chats: Vec<i64> = (2001..=2010).collect();
    outbox.users(chats.iter().copied());
    outbox
        .server
        .inject_faults(FaultPlan::share(0.2, 7, kind).for_methods(["sendMessage"]));
    outbox.enqueue(&fan(&chats, 10)).await;

    let sender = outbox.sender(SendLimits::unlimited(), 20);
    let rows = outbox.drained().await;
    sender.stop().await;

    for &chat in &chats {
        assert_eq!(outbox.texts(chat), expected(chat, 10), "chat {chat}");
    }
    assert!(rows.iter().all(|r| r.state == "sent"), "{rows:?}");
    (outbox, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_the_chat_and_every_message_still_arrives_once() {
    let (outbox, rows) = survive(FaultKind::RetryAfter(1)).await;

    assert!(outbox.server.fault_stats().injected_retry_after > 0);
    // A 429 is not a failed attempt.
    assert!(rows.iter().all(|r| r.attempts == 1), "{rows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_and_every_message_still_arrives_once() {
    let (outbox, rows) = survive(FaultKind::ServerError).await;

    let errors = outbox.server.fault_stats().injected_server_errors;
    assert!(errors > 0);
    let failed_attempts: i64 = rows.iter().map(|r| r.attempts - 1).sum();
    assert_eq!(failed_attempts, errors as i64);
    let retried = rows.iter().find(|r| r.attempts > 1).unwrap();
    assert_eq!(
        retried.last_error.as_deref(),
        Some("500 Internal Server Error")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_chat_fails_at_once_and_every_admin_hears_of_it() {
    let outbox = Outbox::start(Some(RateLimit::telegram())).await;
    let (blocked, others) = (3001, [3002, 3003]);
    outbox.users([blocked, 3002, 3003]);
    outbox.server.block_bot(blocked);
    // A second admin, bound through an invite rather than named in the settings.
    let member_admin = 9002;
    outbox.users([member_admin]);
    let spec = InviteSpec {
        role: Role::Admin,
        unit: None,
        leader: None,
        expires_at: outbox.clock.unix() + 3600,
        created_by: "cli".into(),
    };
    let now = outbox.clock.unix();
    outbox
        .store
        .create_invite("hash", &spec, now)
        .await
        .unwrap();
    outbox
        .store
        .redeem_invite("hash", member_admin, "第二管理员", now)
        .await
        .unwrap();
    outbox.enqueue(&fan(&[blocked, 3002, 3003], 2)).await;

    let sender = outbox.sender(SendLimits::telegram(), 5);
    let rows = outbox.drained().await;
    sender.stop().await;

    let error = "403 Forbidden: bot was blocked by the user";
    let failed: Vec<&OutboxEntry> = rows.iter().filter(|r| r.state == "failed").collect();
    assert_eq!(failed.len(), 2, "{rows:?}");
    for row in &failed {
        assert_eq!(row.chat_id, blocked);
        assert_eq!(row.attempts, 1);
        assert_eq!(row.last_error.as_deref(), Some(error));
    }
    assert!(outbox.texts(blocked).is_empty());
    for chat in others {
        assert_eq!(outbox.texts(chat), expected(chat, 2), "chat {chat}");
    }
    for admin in [ADMIN, member_admin] {
        let told: Vec<String> = failed
            .iter()
            .map(|row| texts::send_gave_up(blocked, &row.key, error))
            .collect();
        assert_eq!(outbox.texts(admin), told, "admin {admin}");
        for row in &failed {
            let key = format!("gave-up:{}:{admin}", row.id);
            let notice = rows.iter().find(|r| r.key == key).unwrap();
            assert_eq!(notice.state, "sent");
        }
    }
    assert_eq!(outbox.server.fault_stats().rate_limited, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dedupe_key_enqueued_twice_is_sent_once() {
    let outbox = Outbox::start(None).await;
    let chat = 4001;
    outbox.users([chat]);
    let reminder = [message(
        "reminder:1:2022-03:4001:8",
        chat,
        "请报送第8项任务进展",
    )];
    assert_eq!(outbox.enqueue(&reminder).await, 1);
    assert_eq!(outbox.enqueue(&reminder).await, 0);
    outbox.enqueue(&[message("after:1", chat, "之后一")]).await;

    let sender = outbox.sender(SendLimits::unlimited(), 5);
    outbox.drained().await;
    // Again once it was sent, then something after it: the chat's order shows the reminder did
    // not go again in between.
    assert_eq!(outbox.enqueue(&reminder).await, 0);
    outbox.enqueue(&[message("after:2", chat, "之后二")]).await;
    sender.wake();
    outbox.drained().await;
    sender.stop().await;

    assert_eq!(
        outbox.texts(chat),
        ["请报送第8项任务进展", "之后一", "之后二"]
    );
    assert_eq!(outbox.store.outbox(None).await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_leaves_the_rest_pending_and_a_restart_sends_each_once() {
    let outbox = Outbox::start(None).await;
    let chats: Vec<i64> = (5001..=5040).collect();
    outbox.users(chats.iter().copied());
    outbox.enqueue(&fan(&chats, 1)).await;
    // Five a second: the sender is stopped long before it is through.
    let slow = SendLimits {
        per_second: 5,
        ..SendLimits::telegram()
    };

    let sender = outbox.sender(slow, 5);
    outbox
        .server
        .wait_for_sent(chats[2], 1, DEADLINE)
        .await
        .unwrap();
    sender.stop().await;

    let sent = outbox.store.outbox(Some("sent")).await.unwrap();
    let pending = outbox.store.outbox(Some("pending")).await.unwrap();
    // Every message that arrived is marked sent; the rest wait.
    assert_eq!(sent.len(), outbox.server.sent_count());
    assert!(sent.len() >= 3);
    assert!(!pending.is_empty());
    assert_eq!(sent.len() + pending.len(), chats.len());

    let sender = outbox.sender(SendLimits::unlimited(), 5);
    let rows = outbox.drained().await;
    sender.stop().await;

    assert!(rows.iter().all(|r| r.state == "sent"));
    for &chat in &chats {
        assert_eq!(outbox.texts(chat), expected(chat, 1), "chat {chat}");
    }
}
