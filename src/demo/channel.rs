//! The chat platform the demo lives on: the local Telegram Bot API server or the local DingTalk
//! server. The driver acts as the people through a [`Channel`] and reads back what the bot sent
//! as [`Shown`] messages, whatever the platform; the transcript draws those.
//!
//! The two platforms differ where the people's side differs: on Telegram a person replies to a
//! message and the bot asks for a reply with ForceReply; on DingTalk a person quotes (引用) a
//! message, and answers a question of the robot simply by writing (DingTalk has no ForceReply:
//! the robot takes a text as the answer to its last question in that chat). A pressed Telegram
//! button is answered by `answerCallbackQuery`; a pressed DingTalk card button only by what the
//! robot sends next.

use super::script::{ADMIN, Person};
use crate::botapi::{BotApiOptions, BotApiServer, SentMessage as TelegramMessage, TestUser};
use crate::config::Settings;
use crate::dingapi::{
    DingApiOptions, DingApiServer, DingUser, SentBody, SentMessage as DingMessage,
};
use crate::dingtalk::run::DingTalkConfig;
use crate::service::Platforms;
use crate::store::{DingName, Store};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Which platform `duban demo --channel` lives on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Platform {
    /// Telegram（本地 Bot API 服务器）
    #[default]
    Telegram,
    /// 钉钉（本地钉钉服务器，Stream 模式，互动卡片）
    #[value(name = "dingtalk")]
    DingTalk,
}

impl Platform {
    /// The platform's name, as the summary and the transcript say it.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Telegram => "Telegram",
            Platform::DingTalk => "钉钉",
        }
    }

    /// The local server the demo runs against.
    pub fn server_name(self) -> &'static str {
        match self {
            Platform::Telegram => "本地 Telegram Bot API 服务器",
            Platform::DingTalk => "本地钉钉服务器（Stream 模式）",
        }
    }

    /// What a person sends to bind with `code`.
    pub fn bind_text(self, code: &str) -> String {
        match self {
            Platform::Telegram => format!("/start {code}"),
            Platform::DingTalk => format!("绑定 {code}"),
        }
    }
}

/// The card template the demo's office made (the local server draws any template).
const CARD_TEMPLATE: &str = "duban-demo-card.schema";

/// How a bot message is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Look {
    /// Plain text.
    Plain,
    /// Telegram's HTML parse mode.
    TelegramHtml,
    /// DingTalk Markdown, with the title the chat list shows.
    Markdown { title: String },
    /// A DingTalk interactive card: its `content` is Markdown, its buttons call back.
    Card,
}

/// A file or picture the bot sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name; a picture sent by media id has none.
    pub name: Option<String>,
    pub bytes: Option<usize>,
}

/// Where a message is on its platform: what a reply or a press names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handle {
    Telegram(i32),
    DingTalk {
        /// The processQueryKey (a card's carrierId): what a quote names.
        key: String,
        /// A card's outTrackId: what a press names.
        card: Option<String>,
    },
}

/// A bot message as it stands now (edits applied), whatever the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub text: String,
    pub look: Look,
    /// Buttons as (label, action code), row by row.
    pub buttons: Vec<Vec<(String, String)>>,
    /// Whether the bot asked for a reply to this message (Telegram's ForceReply).
    pub prompt: bool,
    pub attachment: Option<Attachment>,
    pub edited: bool,
    pub handle: Handle,
}

impl Shown {
    /// Every button, row after row.
    pub fn all_buttons(&self) -> impl Iterator<Item = &(String, String)> {
        self.buttons.iter().flatten()
    }

    /// Whether this is (the first part of) a bulletin: formatted text headed 督查通报.
    pub fn is_bulletin(&self) -> bool {
        self.look != Look::Plain
            && self.look != Look::Card
            && self
                .text
                .lines()
                .next()
                .is_some_and(|l| l.contains("督查通报"))
    }

    fn from_telegram(m: &TelegramMessage) -> Shown {
        let markup = m.reply_markup.as_ref();
        let buttons = markup
            .and_then(|k| k["inline_keyboard"].as_array())
            .into_iter()
            .flatten()
            .map(|row| {
                row.as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| (string(&b["text"]), string(&b["callback_data"])))
                    .collect()
            })
            .collect();
        Shown {
            text: m.text.clone().unwrap_or_default(),
            look: if m.parse_mode.as_deref() == Some("HTML") {
                Look::TelegramHtml
            } else {
                Look::Plain
            },
            buttons,
            prompt: markup.is_some_and(|k| k["force_reply"] == Value::Bool(true)),
            attachment: m.document.as_ref().map(|d| Attachment {
                name: Some(d.file_name.clone()),
                bytes: Some(d.bytes.len()),
            }),
            edited: m.edits > 0,
            handle: Handle::Telegram(m.message_id),
        }
    }

    fn from_dingtalk(m: &DingMessage) -> Shown {
        let handle = |card: Option<String>| Handle::DingTalk {
            key: m.process_query_key.clone(),
            card,
        };
        let plain = |text: String| Shown {
            text,
            look: Look::Plain,
            buttons: Vec::new(),
            prompt: false,
            attachment: None,
            edited: false,
            handle: handle(None),
        };
        match &m.body {
            SentBody::Text { content } => plain(content.clone()),
            SentBody::Markdown { title, text } => Shown {
                look: Look::Markdown {
                    title: title.clone(),
                },
                ..plain(text.clone())
            },
            SentBody::Card(card) => {
                let list: Vec<Value> = card
                    .params
                    .get("buttons")
                    .and_then(|b| serde_json::from_str(b).ok())
                    .unwrap_or_default();
                let buttons: Vec<(String, String)> = list
                    .iter()
                    .map(|b| (string(&b["label"]), string(&b["action"])))
                    .collect();
                Shown {
                    look: Look::Card,
                    buttons: if buttons.is_empty() {
                        Vec::new()
                    } else {
                        vec![buttons]
                    },
                    edited: card.updates > 0,
                    handle: handle(Some(card.out_track_id.clone())),
                    ..plain(card.params.get("content").cloned().unwrap_or_default())
                }
            }
            SentBody::File {
                file_name, bytes, ..
            } => Shown {
                attachment: Some(Attachment {
                    name: Some(file_name.clone()),
                    bytes: Some(bytes.len()),
                }),
                ..plain(String::new())
            },
            SentBody::Image { .. } => Shown {
                attachment: Some(Attachment {
                    name: None,
                    bytes: None,
                }),
                ..plain(String::new())
            },
            SentBody::Other { msg_key, .. } => plain(format!("（{msg_key} 消息）")),
        }
    }
}

fn string(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A press the driver waits to see answered.
pub enum Press {
    /// Telegram's callback query id: answered by answerCallbackQuery.
    Telegram(String),
    /// DingTalk: answered once the robot sent something after the `before`th message, or
    /// updated the card (an edit), which had `updates` updates.
    DingTalk {
        person: i64,
        before: usize,
        card: String,
        updates: u32,
    },
}

/// The local server of the platform, with the people who joined it.
pub enum Channel {
    Telegram {
        server: BotApiServer,
        users: HashMap<i64, TestUser>,
    },
    DingTalk {
        server: DingApiServer,
        users: HashMap<i64, DingUser>,
    },
}

/// The DingTalk userId of a simulated person.
pub fn staff_id(person: i64) -> String {
    format!("user{person}")
}

impl Channel {
    /// Starts the platform's local server.
    pub async fn start(platform: Platform) -> anyhow::Result<Channel> {
        Ok(match platform {
            Platform::Telegram => Channel::Telegram {
                server: BotApiServer::start(BotApiOptions::default()).await?,
                users: HashMap::new(),
            },
            Platform::DingTalk => Channel::DingTalk {
                server: DingApiServer::start(DingApiOptions::default()).await?,
                users: HashMap::new(),
            },
        })
    }

    pub fn platform(&self) -> Platform {
        match self {
            Channel::Telegram { .. } => Platform::Telegram,
            Channel::DingTalk { .. } => Platform::DingTalk,
        }
    }

    /// The demo's settings pointed at this server: the admin named for this platform.
    pub fn configure(&self, settings: &mut Settings) {
        match self {
            Channel::Telegram { .. } => settings.admins = vec![ADMIN],
            Channel::DingTalk { server, .. } => {
                let url = server.url().trim_end_matches('/').to_owned();
                settings.dingtalk_client_id = DingApiOptions::default().client_id;
                settings.dingtalk_api_url = url.clone();
                settings.dingtalk_oapi_url = url;
                settings.dingtalk_card_template = CARD_TEMPLATE.into();
                settings.dingtalk_admins = vec![staff_id(ADMIN)];
            }
        }
    }

    /// The platform for `service::start_on`.
    pub fn platforms(&self, settings: &Settings) -> Platforms {
        match self {
            Channel::Telegram { server, .. } => Platforms {
                telegram: Some((server.bot(), crate::bot::inbox::Mode::Polling)),
                dingtalk: None,
            },
            Channel::DingTalk { .. } => Platforms {
                telegram: None,
                dingtalk: DingTalkConfig::new(settings, &DingApiOptions::default().client_secret),
            },
        }
    }

    /// The person's chat id in duban's database (DingTalk's people are numbered by duban).
    pub async fn chat_id(&self, store: &Store, person: i64) -> anyhow::Result<i64> {
        Ok(match self {
            Channel::Telegram { .. } => person,
            Channel::DingTalk { .. } => {
                store.dingtalk_id(&DingName::User(staff_id(person))).await?
            }
        })
    }

    /// The person joins: Telegram delivers only to users who started a chat with the bot,
    /// DingTalk only to members of the organisation.
    pub fn join(&mut self, person: &Person) {
        match self {
            Channel::Telegram { server, users } => {
                let user = TestUser::new(person.id, person.name.clone());
                server.add_user(&user);
                users.insert(person.id, user);
            }
            Channel::DingTalk { server, users } => {
                let user = DingUser::new(&staff_id(person.id), &person.name);
                server.add_user(&user);
                users.insert(person.id, user);
            }
        }
    }

    /// How the transcript names the person's account.
    pub fn account(&self, person: i64) -> String {
        match self {
            Channel::Telegram { .. } => format!("用户 {person}"),
            Channel::DingTalk { .. } => format!("userId {}", staff_id(person)),
        }
    }

    /// The bot's messages in the person's chat with it, oldest first, as they stand now.
    pub fn messages(&self, person: i64) -> Vec<Shown> {
        match self {
            Channel::Telegram { server, .. } => server
                .sent(person)
                .iter()
                .map(Shown::from_telegram)
                .collect(),
            Channel::DingTalk { server, .. } => server
                .sent_to_user(&staff_id(person))
                .iter()
                .map(Shown::from_dingtalk)
                .collect(),
        }
    }

    /// Every person's chat, as [`Channel::messages`] gives it.
    pub fn all_messages(&self, people: &[Person]) -> HashMap<i64, Vec<Shown>> {
        match self {
            Channel::Telegram { server, .. } => {
                let mut all: HashMap<i64, Vec<Shown>> = HashMap::new();
                for m in server.all_sent() {
                    all.entry(m.chat_id)
                        .or_default()
                        .push(Shown::from_telegram(&m));
                }
                all
            }
            Channel::DingTalk { .. } => {
                people.iter().map(|p| (p.id, self.messages(p.id))).collect()
            }
        }
    }

    /// How many messages the bot sent, to every chat.
    pub fn sent_count(&self) -> usize {
        match self {
            Channel::Telegram { server, .. } => server.sent_count(),
            Channel::DingTalk { server, .. } => server.sent_count(),
        }
    }

    /// Whether the bot asks for an answer by a prompt a person replies to (Telegram), or takes
    /// the next text as the answer (DingTalk).
    pub fn replies_to_prompts(&self) -> bool {
        matches!(self, Channel::Telegram { .. })
    }

    /// The person writes `text` in their chat, replying to (quoting) `reply_to` when given.
    pub fn write(&self, person: i64, text: &str, reply_to: Option<&Handle>) -> Result<(), String> {
        match (self, reply_to) {
            (Channel::Telegram { server, users }, reply_to) => {
                let user = users.get(&person).ok_or_else(|| unknown(person))?;
                match reply_to {
                    Some(Handle::Telegram(to)) => server.reply_to(user, person, *to, text),
                    _ => server.send_text(user, person, text),
                };
                Ok(())
            }
            (Channel::DingTalk { server, users }, reply_to) => {
                let user = users.get(&person).ok_or_else(|| unknown(person))?;
                match reply_to {
                    Some(Handle::DingTalk { key, .. }) => {
                        let chat = crate::dingapi::Chat::Single(user.staff_id.clone());
                        server
                            .user_quotes(user, &chat, key, text)
                            .map_err(|e| format!("无法引用消息：{e:#}"))?;
                    }
                    _ => {
                        server.user_says(user, text);
                    }
                }
                Ok(())
            }
        }
    }

    /// The person presses the button carrying `action` on the message `on`.
    pub fn press(&self, person: i64, on: &Handle, action: &str) -> Result<Press, String> {
        match (self, on) {
            (Channel::Telegram { server, users }, Handle::Telegram(message)) => {
                let user = users.get(&person).ok_or_else(|| unknown(person))?;
                Ok(Press::Telegram(
                    server.press_button(user, person, *message, action),
                ))
            }
            (
                Channel::DingTalk { server, users },
                Handle::DingTalk {
                    card: Some(card), ..
                },
            ) => {
                let user = users.get(&person).ok_or_else(|| unknown(person))?;
                let before = server.sent_to_user(&user.staff_id).len();
                let updates = server.card(card).map_or(0, |c| c.updates);
                server
                    .press_button(
                        user,
                        card,
                        "button",
                        serde_json::json!({ "action": action }),
                    )
                    .map_err(|e| format!("无法点击卡片按钮：{e:#}"))?;
                Ok(Press::DingTalk {
                    person,
                    before,
                    card: card.clone(),
                    updates,
                })
            }
            _ => Err(format!("这条消息没有可点击的按钮（{on:?}）")),
        }
    }

    /// Waits until the person's chat holds at least `n` bot messages.
    pub async fn wait_for(&self, person: i64, n: usize, timeout: Duration) -> Result<(), String> {
        let waited = match self {
            Channel::Telegram { server, .. } => {
                server.wait_for_sent(person, n, timeout).await.map(drop)
            }
            Channel::DingTalk { server, .. } => server
                .wait_for_sent_to_user(&staff_id(person), n, timeout)
                .await
                .map(drop),
        };
        waited.map_err(|e| e.to_string())
    }

    /// Waits until the press is answered; an alert (a refusal) is an error.
    pub async fn pressed(&self, press: Press, timeout: Duration) -> Result<(), String> {
        match (self, press) {
            (Channel::Telegram { server, .. }, Press::Telegram(id)) => {
                let deadline = tokio::time::Instant::now() + timeout;
                loop {
                    let answer = server
                        .callback_answers()
                        .into_iter()
                        .find(|a| a.callback_query_id == id);
                    match answer {
                        Some(a) if a.show_alert => {
                            return Err(format!("机器人拒绝（{}）", a.text.unwrap_or_default()));
                        }
                        Some(_) => return Ok(()),
                        None if tokio::time::Instant::now() >= deadline => {
                            return Err("机器人没有回应".into());
                        }
                        None => tokio::time::sleep(Duration::from_millis(3)).await,
                    }
                }
            }
            (
                Channel::DingTalk { server, .. },
                Press::DingTalk {
                    person,
                    before,
                    card,
                    updates,
                },
            ) => {
                let deadline = tokio::time::Instant::now() + timeout;
                let staff = staff_id(person);
                loop {
                    let said = server.sent_to_user(&staff).len() > before;
                    let edited = server.card(&card).is_some_and(|c| c.updates > updates);
                    if said || edited {
                        return Ok(());
                    }
                    if tokio::time::Instant::now() >= deadline {
                        return Err("机器人没有回应".into());
                    }
                    tokio::time::sleep(Duration::from_millis(3)).await;
                }
            }
            _ => Err("按钮不属于这个平台".into()),
        }
    }

    pub async fn shutdown(self) {
        match self {
            Channel::Telegram { server, .. } => server.shutdown().await,
            Channel::DingTalk { server, .. } => server.shutdown().await,
        }
    }
}

fn unknown(person: i64) -> String {
    format!("演示脚本中没有用户 {person}")
}
