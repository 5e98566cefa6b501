//! A DingTalk harness: the local DingTalk server, a database with the seed notice imported, the
//! real service on DingTalk only (the Stream client, the inbox, the core, the OpenAPI client)
//! on a manual clock, and helpers to act as people and wait for the robot's answers.

use chrono::{DateTime, TimeZone, Utc};
use duban::clock::Clock;
use duban::config::Settings;
use duban::conversation::invites;
use duban::dingapi::{Chat, DingApiOptions, DingApiServer, DingUser, SentBody, SentMessage};
use duban::dingtalk::run::DingTalkConfig;
use duban::dingtalk::stream::Timing;
use duban::service::{self, Platforms, Service};
use duban::store::{InviteSpec, Report, ReportFilter, Role, Store};
use std::collections::HashMap;
use std::time::Duration;

pub use super::seed::{WAIT, import_seed};

/// The admin named in the settings, by their DingTalk userId.
pub const ADMIN: &str = "admin01";
/// The card template the tests' office made.
pub const TEMPLATE: &str = "duban-card.schema";

/// The settings for `server`: DingTalk only, the test admin, the send caps lifted; with
/// `cards`, a card template.
pub fn settings(server: &DingApiServer, cards: bool) -> Settings {
    Settings {
        dingtalk_client_id: DingApiOptions::default().client_id,
        dingtalk_api_url: server.url().trim_end_matches('/').to_owned(),
        dingtalk_oapi_url: server.url().trim_end_matches('/').to_owned(),
        dingtalk_card_template: if cards {
            TEMPLATE.into()
        } else {
            String::new()
        },
        dingtalk_admins: vec![ADMIN.into()],
        inbox_attempts: 3,
        send_per_second: 0,
        send_per_chat_per_second: 0,
        send_per_group_per_minute: 0,
        ..Settings::default()
    }
}

/// Short reconnection pauses, so that tests of dropped connections go quickly.
fn timing() -> Timing {
    Timing {
        first_retry: Duration::from_millis(20),
        max_retry: Duration::from_millis(200),
        ..Timing::default()
    }
}

pub struct Ding {
    pub server: DingApiServer,
    pub store: Store,
    pub clock: Clock,
    pub settings: Settings,
    running: Option<Service>,
    /// How many robot messages of each chat the test has looked at.
    seen: HashMap<Chat, usize>,
}

impl Ding {
    /// With cards.
    pub async fn start(store: &Store) -> Ding {
        let server = DingApiServer::start(DingApiOptions::default())
            .await
            .unwrap();
        let settings = settings(&server, true);
        Ding::start_with(store, settings, server).await
    }

    /// The service for `server` with `settings` (a restart passes the server it had).
    pub async fn start_with(store: &Store, settings: Settings, server: DingApiServer) -> Ding {
        // 10 March 2022, 09:00 in Beijing: period 2022-03.
        let clock = Clock::manual(Utc.with_ymd_and_hms(2022, 3, 10, 1, 0, 0).unwrap());
        import_seed(store).await;
        let mut config = DingTalkConfig::new(&settings, &DingApiOptions::default().client_secret)
            .expect("DingTalk configured");
        config.stream.timing = timing();
        let platforms = Platforms {
            telegram: None,
            dingtalk: Some(config),
        };
        let running = service::start_on(store.clone(), clock.clone(), &settings, platforms, TICK)
            .await
            .expect("the robot starts");
        Ding {
            server,
            store: store.clone(),
            clock,
            settings,
            running: Some(running),
            seen: HashMap::new(),
        }
    }

    /// A harness over a service started elsewhere (on several platforms at once).
    pub fn attach(store: &Store, server: DingApiServer, clock: Clock, settings: Settings) -> Ding {
        Ding {
            server,
            store: store.clone(),
            clock,
            settings,
            running: None,
            seen: HashMap::new(),
        }
    }

    /// Stops the service gracefully and returns the server, for a restart.
    pub async fn stop(mut self) -> DingApiServer {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("the robot stops cleanly");
        }
        self.server
    }

    /// A member of the organisation.
    pub fn user(&self, staff: &str, nick: &str) -> DingUser {
        let user = DingUser::new(staff, nick);
        self.server.add_user(&user);
        user
    }

    fn sent(&self, chat: &Chat) -> Vec<SentMessage> {
        match chat {
            Chat::Single(staff) => self.server.sent_to_user(staff),
            Chat::Group(group) => self.server.sent_to_group(group),
        }
    }

    /// Waits for `n` new robot messages in `chat`.
    pub async fn expect(&mut self, chat: &Chat, n: usize) -> Vec<SentMessage> {
        let seen = self.seen.get(chat).copied().unwrap_or(0);
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let sent = self.sent(chat);
            if sent.len() >= seen + n {
                self.seen.insert(chat.clone(), seen + n);
                return sent[seen..seen + n].to_vec();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited for {n} new messages in {chat:?}; sent so far: {sent:#?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Counts everything `chat` got so far as seen.
    pub fn seen_all(&mut self, chat: &Chat) {
        let n = self.sent(chat).len();
        self.seen.insert(chat.clone(), n);
    }

    /// The person writes in their single chat with the robot; the robot's one answer.
    pub async fn says(&mut self, user: &DingUser, text: &str) -> SentMessage {
        self.server.user_says(user, text);
        self.expect(&single(user), 1).await.remove(0)
    }

    /// The person quotes the robot message `quoted` in their single chat.
    pub async fn quotes(
        &mut self,
        user: &DingUser,
        quoted: &SentMessage,
        text: &str,
    ) -> SentMessage {
        self.server
            .user_quotes(user, &single(user), &quoted.process_query_key, text)
            .unwrap();
        self.expect(&single(user), 1).await.remove(0)
    }

    /// The person presses the button of `card` that carries `action`.
    pub fn press(&self, user: &DingUser, card: &SentMessage, action: &str) {
        let SentBody::Card(card) = &card.body else {
            panic!("not a card: {card:?}")
        };
        self.server
            .press_button(
                user,
                &card.out_track_id,
                "button",
                serde_json::json!({ "action": action }),
            )
            .unwrap();
    }

    pub async fn invite(&self, role: Role, unit: Option<&str>) -> String {
        let unit = match unit {
            Some(name) => Some(self.store.unit_named(name).await.unwrap().expect("unit")),
            None => None,
        };
        let spec = InviteSpec {
            role,
            unit,
            leader: None,
            expires_at: self.clock.unix() + 7 * 86_400,
            created_by: "cli".into(),
        };
        invites::create(&self.store, &spec, self.clock.unix())
            .await
            .unwrap()
    }

    /// A new person bound as a contact of `unit` (by sending 绑定 CODE).
    pub async fn contact(&mut self, staff: &str, nick: &str, unit: &str) -> DingUser {
        let user = self.user(staff, nick);
        let code = self.invite(Role::Contact, Some(unit)).await;
        let answer = self.says(&user, &format!("绑定 {code}")).await;
        assert!(body(&answer).starts_with("绑定成功"), "{answer:?}");
        user
    }

    /// Moves the clock to `at` and waits until the scheduler has looked at it and the outbox
    /// is empty.
    pub async fn step_to(&self, at: DateTime<Utc>) {
        super::chat::settle_at(&self.store, &self.clock, at).await;
    }

    /// Six-hour steps up to `to`, each waited for.
    pub async fn live_to(&self, to: DateTime<Utc>) {
        let mut at = self.clock.now();
        while at < to {
            at = (at + chrono::Duration::hours(6)).min(to);
            self.step_to(at).await;
        }
    }

    pub async fn reports(&self) -> Vec<Report> {
        self.store.reports(&ReportFilter::default()).await.unwrap()
    }
}

/// How often the scheduler ticks in tests (real time).
pub const TICK: Duration = Duration::from_millis(20);

/// A person's single chat with the robot.
pub fn single(user: &DingUser) -> Chat {
    Chat::Single(user.staff_id.clone())
}

/// What a robot message says: a text's content, a Markdown's text, a card's `content`.
pub fn body(message: &SentMessage) -> String {
    match &message.body {
        SentBody::Text { content } => content.clone(),
        SentBody::Markdown { text, .. } => text.clone(),
        SentBody::Card(card) => card.params.get("content").cloned().unwrap_or_default(),
        other => format!("{other:?}"),
    }
}

/// The actions of a card's buttons, as duban put them into its `buttons` parameter.
pub fn actions(message: &SentMessage) -> Vec<(String, String)> {
    let SentBody::Card(card) = &message.body else {
        return Vec::new();
    };
    let list: Vec<serde_json::Value> =
        serde_json::from_str(card.params.get("buttons").map_or("[]", String::as_str)).unwrap();
    list.iter()
        .map(|b| {
            (
                b["label"].as_str().unwrap_or_default().to_owned(),
                b["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The action of the card's button whose label contains `label`.
pub fn action(message: &SentMessage, label: &str) -> String {
    actions(message)
        .into_iter()
        .find(|(l, _)| l.contains(label))
        .unwrap_or_else(|| panic!("no button {label} on {message:?}"))
        .1
}
