//! Plays the script against the real service: moves the manual clock from stop to stop, waits
//! each time until the scheduler has looked at the new time and the outbox is empty, then acts
//! as the contacts through the local Bot API server and waits for every answer. Everything said
//! on either side is logged with its simulated time, for the transcript.

use super::script::{Path, PlannedReport, Script};
use super::transcript::{Entry, Said};
use crate::botapi::{BotApiServer, SentMessage, TestUser};
use crate::clock::Clock;
use crate::progress::Light;
use crate::store::Store;
use crate::wording::Action;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;

/// How long one answer or one scheduler step may take (real time) before the demo calls it
/// a failure.
const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(3);

/// A bot message to act on, found in the chat when the move is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Find {
    /// The reminder about a task (it carries the task's light buttons).
    Reminder(i64),
    /// The latest message with a button carrying exactly this callback data.
    Button(String),
    /// The latest message with a button whose callback data starts so (`c:` is 修改).
    ButtonPrefix(&'static str),
    /// The latest message asking for a reply (ForceReply).
    Prompt,
}

/// One thing a person does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// A text in their private chat, as a reply to a bot message when `reply` is given; the
    /// bot's one answer must start with `expect`, when given.
    Text {
        text: String,
        reply: Option<Find>,
        expect: Option<String>,
    },
    /// An inline button pressed; the bot must answer the press without an alert.
    Press(Find),
}

/// The moves of one report, in the way its path takes.
pub fn report_moves(r: &PlannedReport) -> Vec<Move> {
    let receipt = Some(format!("已记录第{}项进展", r.task_number));
    let light = Action::Light(r.task_id, r.light).encode();
    let mut moves = match r.path {
        Path::ReplyToReminder => vec![Move::Text {
            text: r.message.clone(),
            reply: Some(Find::Reminder(r.task_id)),
            expect: receipt,
        }],
        Path::Command => vec![Move::Text {
            text: r.message.clone(),
            reply: None,
            expect: receipt,
        }],
        Path::LightButton => vec![
            Move::Press(Find::Button(light)),
            Move::Text {
                text: r.message.clone(),
                reply: Some(Find::Prompt),
                expect: receipt,
            },
        ],
        Path::OpenTask => vec![
            Move::Press(Find::Button(Action::OpenTask(r.task_id).encode())),
            Move::Press(Find::Button(light)),
            Move::Text {
                text: r.message.clone(),
                reply: Some(Find::Prompt),
                expect: receipt,
            },
        ],
    };
    if let Some(correction) = &r.correction {
        moves.push(Move::Press(Find::ButtonPrefix("c:")));
        moves.push(Move::Text {
            text: correction.clone(),
            reply: Some(Find::Prompt),
            expect: Some(format!("已更正第{}项进展", r.task_number)),
        });
    }
    moves
}

/// Bot messages seen so far, by what they are (for the progress line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    pub reminders: usize,
    pub nudges: usize,
    pub escalations: usize,
    pub receipts: usize,
    /// Bulletins delivered (their first message).
    pub bulletins: usize,
}

pub struct Driver {
    pub server: BotApiServer,
    pub store: Store,
    pub clock: Clock,
    users: HashMap<i64, TestUser>,
    /// Both sides of every chat, in the order they happened.
    pub entries: Vec<Entry>,
    /// What went wrong, in Chinese, for the summary.
    pub failures: Vec<String>,
    pub seen: Seen,
    /// How many of the server's sent messages are in `entries`.
    stamped: usize,
    /// Texts sent by the simulated people.
    pub user_messages: usize,
}

enum Waiting {
    Answer {
        chat: i64,
        before: usize,
        expect: Option<String>,
        what: String,
    },
    Callback {
        id: String,
        what: String,
    },
}

impl Driver {
    pub fn new(server: BotApiServer, store: Store, clock: Clock, script: &Script) -> Driver {
        let mut users = HashMap::new();
        for person in &script.people {
            let user = TestUser::new(person.id, person.name.clone());
            // Telegram delivers only to users who started a chat with the bot.
            server.add_user(&user);
            users.insert(person.id, user);
        }
        Driver {
            server,
            store,
            clock,
            users,
            entries: Vec::new(),
            failures: Vec::new(),
            seen: Seen::default(),
            stamped: 0,
            user_messages: 0,
        }
    }

    /// Sets the clock to `at` (at least an hour after the previous stop, so that the scheduler
    /// records it) and waits until the scheduler has handled it and the outbox is empty.
    pub async fn step_to(&mut self, at: DateTime<Utc>) -> Result<(), String> {
        self.clock.set(at);
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let checked = self.store.scheduler_checked_at().await;
            let pending = self.store.outbox(Some("pending")).await;
            match (checked, pending) {
                (Ok(Some(checked)), Ok(pending))
                    if checked == at.timestamp() && pending.is_empty() =>
                {
                    break;
                }
                (Err(e), _) | (_, Err(e)) => return Err(format!("读取调度进度失败：{e}")),
                _ => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "模拟时间 {} 的定时任务在{}秒内没有处理完",
                    super::beijing(at),
                    WAIT.as_secs()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
        self.stamp();
        Ok(())
    }

    /// Each person's moves, people side by side: every first move, then the answers to them,
    /// then every second move, …; a person whose move failed stops there.
    pub async fn act(&mut self, sequences: Vec<(i64, Vec<Move>)>) {
        let rounds = sequences.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
        let mut alive = vec![true; sequences.len()];
        for round in 0..rounds {
            let mut waiting = Vec::new();
            for (i, (person, moves)) in sequences.iter().enumerate() {
                let Some(step) = moves.get(round).filter(|_| alive[i]) else {
                    continue;
                };
                match self.make(*person, step) {
                    Ok(w) => waiting.push((i, w)),
                    Err(e) => {
                        self.failures.push(e);
                        alive[i] = false;
                    }
                }
            }
            for (i, w) in waiting {
                if let Err(e) = self.wait(w).await {
                    self.failures.push(e);
                    alive[i] = false;
                }
            }
            self.stamp();
        }
    }

    fn who(&self, person: i64) -> String {
        self.users
            .get(&person)
            .map(|u| u.first_name.clone())
            .unwrap_or_else(|| person.to_string())
    }

    fn make(&mut self, person: i64, step: &Move) -> Result<Waiting, String> {
        let user = self
            .users
            .get(&person)
            .cloned()
            .ok_or_else(|| format!("演示脚本中没有用户 {person}"))?;
        let chat = person;
        let at = self.clock.now();
        match step {
            Move::Text {
                text,
                reply,
                expect,
            } => {
                let reply_to = match reply {
                    Some(find) => Some(self.locate(chat, find).ok_or_else(|| {
                        format!("{}：找不到要回复的消息（{find:?}）", self.who(person))
                    })?),
                    None => None,
                };
                let before = self.server.sent(chat).len();
                let message_id = match &reply_to {
                    Some((to, _)) => self.server.reply_to(&user, chat, *to, text),
                    None => self.server.send_text(&user, chat, text),
                };
                self.user_messages += 1;
                self.entries.push(Entry {
                    chat,
                    at,
                    said: Said::Text {
                        message_id,
                        text: text.clone(),
                        reply_to: reply_to.map(|(to, _)| to),
                    },
                });
                Ok(Waiting::Answer {
                    chat,
                    before,
                    expect: expect.clone(),
                    what: format!("{}发送“{}”", self.who(person), short(text, 24)),
                })
            }
            Move::Press(find) => {
                let (on, button) = self
                    .locate(chat, find)
                    .ok_or_else(|| format!("{}：找不到要按的按钮（{find:?}）", self.who(person)))?;
                let (label, data) = button.ok_or_else(|| format!("{find:?} 不是按钮"))?;
                let id = self.server.press_button(&user, chat, on, &data);
                self.entries.push(Entry {
                    chat,
                    at,
                    said: Said::Press {
                        label: label.clone(),
                        on,
                    },
                });
                Ok(Waiting::Callback {
                    id,
                    what: format!("{}按“{label}”", self.who(person)),
                })
            }
        }
    }

    async fn wait(&self, waiting: Waiting) -> Result<(), String> {
        match waiting {
            Waiting::Answer {
                chat,
                before,
                expect,
                what,
            } => {
                let sent = self
                    .server
                    .wait_for_sent(chat, before + 1, WAIT)
                    .await
                    .map_err(|_| format!("{what}：机器人没有回答"))?;
                let answer = sent[before].text.as_deref().unwrap_or_default();
                match expect {
                    Some(prefix) if !answer.starts_with(&prefix) => Err(format!(
                        "{what}：机器人回答“{}”，应为“{prefix}…”",
                        short(answer, 40)
                    )),
                    _ => Ok(()),
                }
            }
            Waiting::Callback { id, what } => {
                let deadline = tokio::time::Instant::now() + WAIT;
                loop {
                    let answer = self
                        .server
                        .callback_answers()
                        .into_iter()
                        .find(|a| a.callback_query_id == id);
                    match answer {
                        Some(a) if a.show_alert => {
                            return Err(format!(
                                "{what}：机器人拒绝（{}）",
                                a.text.unwrap_or_default()
                            ));
                        }
                        Some(_) => return Ok(()),
                        None if tokio::time::Instant::now() >= deadline => {
                            return Err(format!("{what}：机器人没有回应"));
                        }
                        None => tokio::time::sleep(POLL).await,
                    }
                }
            }
        }
    }

    /// The message `find` means in `chat`, with the button found on it, if it is about one.
    fn locate(&self, chat: i64, find: &Find) -> Option<(i32, Option<(String, String)>)> {
        let sent = self.server.sent(chat);
        let button_where = |keep: &dyn Fn(&str) -> bool| {
            sent.iter().rev().find_map(|m| {
                m.buttons()
                    .into_iter()
                    .find(|(_, data)| keep(data))
                    .map(|b| (m.message_id, Some(b)))
            })
        };
        match find {
            Find::Reminder(task) => {
                let data = Action::Light(*task, Light::Blue).encode();
                sent.iter()
                    .find(|m| {
                        text(m).starts_with("【督办提醒】")
                            && m.buttons().iter().any(|(_, d)| *d == data)
                    })
                    .map(|m| (m.message_id, None))
            }
            Find::Button(data) => button_where(&|d| d == data),
            Find::ButtonPrefix(prefix) => button_where(&|d| d.starts_with(prefix)),
            Find::Prompt => sent
                .iter()
                .rev()
                .find(|m| {
                    m.reply_markup
                        .as_ref()
                        .is_some_and(|k| k["force_reply"] == serde_json::json!(true))
                })
                .map(|m| (m.message_id, None)),
        }
    }

    /// Logs the bot's messages sent since the last call, at the current simulated time.
    pub fn stamp(&mut self) {
        if self.server.sent_count() == self.stamped {
            return;
        }
        let all = self.server.all_sent();
        let at = self.clock.now();
        for (i, m) in all.iter().enumerate().skip(self.stamped) {
            self.entries.push(Entry {
                chat: m.chat_id,
                at,
                said: Said::Bot(i),
            });
            let t = text(m);
            if t.starts_with("【督办提醒】") {
                self.seen.reminders += 1;
            } else if t.starts_with("【催报】") {
                self.seen.nudges += 1;
            } else if t.starts_with("【督促】") {
                self.seen.escalations += 1;
            } else if t.starts_with("已记录第") || t.starts_with("已更正第") {
                self.seen.receipts += 1;
            } else if m.parse_mode.as_deref() == Some("HTML")
                && t.lines().next().is_some_and(|l| l.contains("督查通报"))
            {
                self.seen.bulletins += 1;
            }
        }
        self.stamped = all.len();
    }
}

pub fn text(m: &SentMessage) -> &str {
    m.text.as_deref().unwrap_or_default()
}

/// At most `n` characters of the first line, with … when cut.
pub fn short(text: &str, n: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut out: String = line.chars().take(n).collect();
    if line.chars().count() > n || text.lines().nth(1).is_some() {
        out.push('…');
    }
    out
}
