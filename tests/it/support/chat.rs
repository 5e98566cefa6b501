//! A chat harness: the local Bot API server, a database with the seed notice imported, the
//! real bot (`duban::bot::inbox::start`, the real schema and the real teloxide client) on a
//! manual clock, and helpers to act as users and wait for the bot's answers.

use chrono::{TimeZone, Utc};
use duban::bot::inbox::Mode;
use duban::botapi::{BotApiOptions, BotApiServer, CallbackAnswer, SentMessage, TestUser};
use duban::clock::Clock;
use duban::config::Settings;
use duban::conversation::invites;
use duban::service::{self, Service};
use duban::store::{InviteSpec, Named, Report, ReportFilter, Role, Store};
use std::collections::HashMap;
use std::time::Duration;

pub use super::seed::{WAIT, import_seed, seed_matrix, text};

/// The admin named in the settings.
pub const ADMIN: i64 = 9001;

/// The default settings with the test admin, fewer attempts, and the send caps lifted (the
/// follow-up tests set them where they matter).
pub fn settings() -> Settings {
    Settings {
        admins: vec![ADMIN],
        inbox_attempts: 3,
        send_per_second: 0,
        send_per_chat_per_second: 0,
        send_per_group_per_minute: 0,
        ..Settings::default()
    }
}

/// How often the scheduler ticks in tests (real time).
pub const TICK: Duration = Duration::from_millis(20);

pub struct Chat {
    pub server: BotApiServer,
    pub store: Store,
    pub clock: Clock,
    running: Option<Service>,
    /// How many bot messages of each chat the test has looked at.
    seen: HashMap<i64, usize>,
}

impl Chat {
    pub async fn start(store: &Store) -> Chat {
        Chat::start_with(store, settings(), None).await
    }

    /// With `server` given, the bot attaches to it (a restart); else a new server starts.
    pub async fn start_with(
        store: &Store,
        settings: Settings,
        server: Option<BotApiServer>,
    ) -> Chat {
        Chat::start_in(store, settings, server, Mode::Polling).await
    }

    pub async fn start_in(
        store: &Store,
        settings: Settings,
        server: Option<BotApiServer>,
        mode: Mode,
    ) -> Chat {
        // 10 March 2022, 09:00 in Beijing: period 2022-03.
        let clock = Clock::manual(Utc.with_ymd_and_hms(2022, 3, 10, 1, 0, 0).unwrap());
        Chat::start_on(store, settings, server, mode, clock).await
    }

    /// The service on `clock` (a restart passes the clock it had).
    pub async fn start_on(
        store: &Store,
        settings: Settings,
        server: Option<BotApiServer>,
        mode: Mode,
        clock: Clock,
    ) -> Chat {
        let server = match server {
            Some(server) => server,
            None => BotApiServer::start(BotApiOptions::default()).await.unwrap(),
        };
        import_seed(store).await;
        let running = service::start(
            store.clone(),
            clock.clone(),
            &settings,
            server.bot(),
            mode,
            TICK,
        )
        .await
        .expect("the bot starts");
        Chat {
            server,
            store: store.clone(),
            clock,
            running: Some(running),
            seen: HashMap::new(),
        }
    }

    /// Ends the service at once, as a crash would (see `Service::abort`): what it was doing is
    /// cut off, its leases are left to expire.
    pub fn kill(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
        }
    }

    /// Starts the service again on the same server and clock, with a store of its own.
    pub async fn restart(&mut self, store: Store, settings: &Settings) {
        assert!(self.running.is_none(), "kill it first");
        let running = service::start(
            store.clone(),
            self.clock.clone(),
            settings,
            self.server.bot(),
            Mode::Polling,
            TICK,
        )
        .await
        .expect("the bot starts again");
        self.store = store;
        self.running = Some(running);
    }

    /// The running service.
    pub fn service(&self) -> Option<&Service> {
        self.running.as_ref()
    }

    /// What `/healthz` and `/metrics` of the running service look at.
    pub fn probe(&self) -> duban::telemetry::health::Probe {
        self.running.as_ref().expect("the bot runs").probe()
    }

    /// Stops the bot gracefully and returns the server, for a restart.
    pub async fn stop(mut self) -> BotApiServer {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("the bot stops cleanly");
        }
        self.server
    }

    pub fn user(&self, id: i64, name: &str) -> TestUser {
        let user = TestUser::new(id, name);
        self.server.add_user(&user);
        user
    }

    /// Waits for `n` new bot messages in `chat`.
    pub async fn expect(&mut self, chat: i64, n: usize) -> Vec<SentMessage> {
        let seen = self.seen.get(&chat).copied().unwrap_or(0);
        let sent = self
            .server
            .wait_for_sent(chat, seen + n, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}; sent so far: {:#?}", self.server.sent(chat)));
        self.seen.insert(chat, seen + n);
        sent[seen..seen + n].to_vec()
    }

    /// Counts everything `chat` got so far as seen (scheduled messages), so that `expect`
    /// waits for what comes next.
    pub fn seen_all(&mut self, chat: i64) {
        self.seen.insert(chat, self.server.sent(chat).len());
    }

    /// The user writes in their private chat; returns the bot's one answer.
    pub async fn send(&mut self, user: &TestUser, text: &str) -> SentMessage {
        self.server.send_text(user, user.id, text);
        self.expect(user.id, 1).await.remove(0)
    }

    /// The user replies to a bot message in their private chat; returns the bot's answer.
    pub async fn reply(&mut self, user: &TestUser, to: i32, text: &str) -> SentMessage {
        self.server.reply_to(user, user.id, to, text);
        self.expect(user.id, 1).await.remove(0)
    }

    /// The user presses a button; returns the bot's answer to the callback query.
    pub async fn press(
        &mut self,
        user: &TestUser,
        chat: i64,
        on: i32,
        data: &str,
    ) -> CallbackAnswer {
        let id = self.server.press_button(user, chat, on, data);
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(answer) = self
                .server
                .callback_answers()
                .into_iter()
                .find(|a| a.callback_query_id == id)
            {
                return answer;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no answer to button {data}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits until every update the server holds is confirmed and handled.
    pub async fn settle(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let pending_here = self.server.pending_updates();
            let due = self.store.inbox_due(i64::MAX, 1).await.unwrap();
            if pending_here == 0 && due.is_empty() {
                // A handler may still be finishing its last answer.
                tokio::time::sleep(Duration::from_millis(50)).await;
                if self.store.inbox_due(i64::MAX, 1).await.unwrap().is_empty() {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "updates still pending"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub async fn invite(&self, role: Role, unit: Option<&str>, leader: Option<&str>) -> String {
        let unit = match unit {
            Some(name) => Some(self.store.unit_named(name).await.unwrap().expect("unit")),
            None => None,
        };
        let leader: Option<Named> = match leader {
            Some(name) => Some(
                self.store
                    .leader_named(name)
                    .await
                    .unwrap()
                    .expect("leader"),
            ),
            None => None,
        };
        let spec = InviteSpec {
            role,
            unit,
            leader,
            expires_at: self.clock.unix() + 7 * 86_400,
            created_by: "cli".into(),
        };
        invites::create(&self.store, &spec, self.clock.unix())
            .await
            .unwrap()
    }

    /// A new user bound as a contact of `unit`.
    pub async fn contact(&mut self, id: i64, name: &str, unit: &str) -> TestUser {
        let user = self.user(id, name);
        let code = self.invite(Role::Contact, Some(unit), None).await;
        let answer = self.send(&user, &format!("/start {code}")).await;
        assert!(text(&answer).starts_with("绑定成功"), "{answer:?}");
        user
    }

    pub async fn supervisor(&mut self, id: i64, name: &str, leader: Option<&str>) -> TestUser {
        let user = self.user(id, name);
        let code = self.invite(Role::Supervisor, None, leader).await;
        let answer = self.send(&user, &format!("/start {code}")).await;
        assert!(text(&answer).starts_with("绑定成功"), "{answer:?}");
        user
    }

    pub async fn reports(&self) -> Vec<Report> {
        self.store.reports(&ReportFilter::default()).await.unwrap()
    }
}

/// Moves `clock` to `at` and waits until the scheduler has looked at it and the outbox is
/// empty, whatever platform the service runs on.
pub async fn settle_at(store: &Store, clock: &Clock, at: chrono::DateTime<Utc>) {
    clock.set(at);
    let deadline = tokio::time::Instant::now() + WAIT * 4;
    loop {
        let checked = store.scheduler_checked_at().await.unwrap();
        let pending = store.outbox(Some("pending")).await.unwrap();
        if checked == Some(at.timestamp()) && pending.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "at {at}: scheduler at {checked:?}, {} messages pending",
            pending.len()
        );
        tokio::time::sleep(TICK).await;
    }
}

/// Moves the clock on by ten seconds at a time (so that retries fall due) until `done`.
pub async fn advance_until(clock: &Clock, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still waiting after {WAIT:?}"
        );
        clock.advance(chrono::Duration::seconds(10));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The callback data of the first button whose label contains `label`.
pub fn button(message: &SentMessage, label: &str) -> String {
    message
        .buttons()
        .into_iter()
        .find(|(text, _)| text.contains(label))
        .unwrap_or_else(|| panic!("no button {label} in {message:?}"))
        .1
}

pub fn forces_reply(message: &SentMessage) -> bool {
    message
        .reply_markup
        .as_ref()
        .is_some_and(|m| m["force_reply"] == serde_json::json!(true))
}
