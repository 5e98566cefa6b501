//! Plays the script against the real service: moves the manual clock from stop to stop, waits
//! each time until the scheduler has looked at the new time and the outbox is empty, then acts
//! as the contacts through the platform's local server and waits for every answer. Everything said
//! on either side is logged with its simulated time, for the transcript.

use super::channel::{Channel, Press, Shown};
use super::script::{Path, Person, PlannedReport, Script};
use super::transcript::{Entry, Said};
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
    /// The latest message whose text starts so (a notice: 【退回】…).
    Latest(&'static str),
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
    pub channel: Channel,
    pub store: Store,
    pub clock: Clock,
    names: HashMap<i64, String>,
    /// Both sides of every chat, in the order they happened.
    pub entries: Vec<Entry>,
    /// What went wrong, in Chinese, for the summary.
    pub failures: Vec<String>,
    pub seen: Seen,
    /// How many of the bot's messages are in `entries`: in all, and per chat.
    stamped: usize,
    stamped_in: HashMap<i64, usize>,
    people: Vec<Person>,
    /// Texts sent by the simulated people.
    pub user_messages: usize,
}

enum Waiting {
    Answer {
        person: i64,
        before: usize,
        expect: Option<String>,
        what: String,
    },
    Press {
        press: Press,
        what: String,
    },
}

impl Driver {
    pub fn new(mut channel: Channel, store: Store, clock: Clock, script: &Script) -> Driver {
        let mut names = HashMap::new();
        for person in &script.people {
            channel.join(person);
            names.insert(person.id, person.name.clone());
        }
        Driver {
            channel,
            store,
            clock,
            names,
            entries: Vec::new(),
            failures: Vec::new(),
            seen: Seen::default(),
            stamped: 0,
            stamped_in: HashMap::new(),
            people: script.people.clone(),
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
        self.names
            .get(&person)
            .cloned()
            .unwrap_or_else(|| person.to_string())
    }

    fn make(&mut self, person: i64, step: &Move) -> Result<Waiting, String> {
        let at = self.clock.now();
        let sent = self.channel.messages(person);
        match step {
            Move::Text {
                text,
                reply,
                expect,
            } => {
                // Where the bot takes the next text as the answer to its question, a person
                // answers by simply writing.
                let reply = reply
                    .as_ref()
                    .filter(|f| **f != Find::Prompt || self.channel.replies_to_prompts());
                let reply_to = match reply {
                    Some(find) => Some(
                        locate(&sent, find)
                            .ok_or_else(|| {
                                format!("{}：找不到要回复的消息（{find:?}）", self.who(person))
                            })?
                            .0,
                    ),
                    None => None,
                };
                let handle = reply_to.map(|i| &sent[i].handle);
                self.channel.write(person, text, handle)?;
                self.user_messages += 1;
                self.entries.push(Entry {
                    chat: person,
                    at,
                    said: Said::Text {
                        text: text.clone(),
                        reply_to,
                    },
                });
                Ok(Waiting::Answer {
                    person,
                    before: sent.len(),
                    expect: expect.clone(),
                    what: format!("{}发送“{}”", self.who(person), short(text, 24)),
                })
            }
            Move::Press(find) => {
                let (on, button) = locate(&sent, find)
                    .ok_or_else(|| format!("{}：找不到要按的按钮（{find:?}）", self.who(person)))?;
                let (label, action) = button.ok_or_else(|| format!("{find:?} 不是按钮"))?;
                let press = self.channel.press(person, &sent[on].handle, &action)?;
                self.entries.push(Entry {
                    chat: person,
                    at,
                    said: Said::Press {
                        label: label.clone(),
                        on,
                    },
                });
                Ok(Waiting::Press {
                    press,
                    what: format!("{}按“{label}”", self.who(person)),
                })
            }
        }
    }

    async fn wait(&self, waiting: Waiting) -> Result<(), String> {
        match waiting {
            Waiting::Answer {
                person,
                before,
                expect,
                what,
            } => {
                self.channel
                    .wait_for(person, before + 1, WAIT)
                    .await
                    .map_err(|_| format!("{what}：机器人没有回答"))?;
                let sent = self.channel.messages(person);
                let answer = sent.get(before).map_or("", |m| m.text.as_str());
                match expect {
                    Some(prefix) if !answer.starts_with(&prefix) => Err(format!(
                        "{what}：机器人回答“{}”，应为“{prefix}…”",
                        short(answer, 40)
                    )),
                    _ => Ok(()),
                }
            }
            Waiting::Press { press, what } => self
                .channel
                .pressed(press, WAIT)
                .await
                .map_err(|e| format!("{what}：{e}")),
        }
    }

    /// Logs the bot's messages sent since the last call, at the current simulated time.
    pub fn stamp(&mut self) {
        let total = self.channel.sent_count();
        if total == self.stamped {
            return;
        }
        let at = self.clock.now();
        let all = self.channel.all_messages(&self.people);
        let mut chats: Vec<&i64> = all.keys().collect();
        chats.sort();
        for chat in chats {
            let messages = &all[chat];
            let done = self.stamped_in.entry(*chat).or_default();
            for (i, m) in messages.iter().enumerate().skip(*done) {
                self.entries.push(Entry {
                    chat: *chat,
                    at,
                    said: Said::Bot(i),
                });
                self.seen.count(m);
            }
            *done = messages.len();
        }
        self.stamped = total;
    }
}

impl Seen {
    fn count(&mut self, m: &Shown) {
        let t = m.text.as_str();
        if t.starts_with("【督办提醒】") {
            self.reminders += 1;
        } else if t.starts_with("【催报】") {
            self.nudges += 1;
        } else if t.starts_with("【督促】") {
            self.escalations += 1;
        } else if t.starts_with("已记录第") || t.starts_with("已更正第") {
            self.receipts += 1;
        } else if m.is_bulletin() {
            self.bulletins += 1;
        }
    }
}

/// The message `find` means among a chat's messages (its index), with the button found on it,
/// if it is about one.
fn locate(sent: &[Shown], find: &Find) -> Option<(usize, Option<(String, String)>)> {
    let button_where = |keep: &dyn Fn(&str) -> bool| {
        sent.iter().enumerate().rev().find_map(|(i, m)| {
            m.all_buttons()
                .find(|(_, action)| keep(action))
                .map(|b| (i, Some(b.clone())))
        })
    };
    match find {
        Find::Reminder(task) => {
            let action = Action::Light(*task, Light::Blue).encode();
            sent.iter()
                .position(|m| {
                    m.text.starts_with("【督办提醒】") && m.all_buttons().any(|(_, a)| *a == action)
                })
                .map(|i| (i, None))
        }
        Find::Button(action) => button_where(&|a| a == action),
        Find::ButtonPrefix(prefix) => button_where(&|a| a.starts_with(prefix)),
        Find::Prompt => sent.iter().rposition(|m| m.prompt).map(|i| (i, None)),
        Find::Latest(prefix) => sent
            .iter()
            .rposition(|m| m.text.starts_with(prefix))
            .map(|i| (i, None)),
    }
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
