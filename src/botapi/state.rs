//! The server's memory: pending updates, every message in every chat, and what the bot asked
//! for. One mutex guards it (no await while held); a watch channel wakes long polls and
//! `wait_for_sent` whenever anything changes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::watch;

use super::faults::Faults;
use super::json::{self, TestUser};

/// A Telegram-shaped error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status and `error_code`.
    pub code: u16,
    /// Telegram's `description`; teloxide matches on its exact wording.
    pub description: String,
    /// `parameters.retry_after` for 429 answers.
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub(crate) fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(what: &str) -> Self {
        Self::new(400, format!("Bad Request: {what}"))
    }

    pub(crate) fn retry_after(seconds: u32) -> Self {
        Self {
            code: 429,
            description: format!("Too Many Requests: retry after {seconds}"),
            retry_after: Some(seconds),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut v =
            json!({ "ok": false, "error_code": self.code, "description": self.description });
        if let Some(n) = self.retry_after {
            v["parameters"] = json!({ "retry_after": n });
        }
        v
    }
}

/// A document the bot sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentDocument {
    /// The file name given in the multipart part.
    pub file_name: String,
    /// The uploaded bytes.
    pub bytes: Vec<u8>,
}

/// A message the bot sent, with later edits applied.
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    /// The chat it went to.
    pub chat_id: i64,
    /// Its id in that chat.
    pub message_id: i32,
    /// The text, or a document's caption.
    pub text: Option<String>,
    /// `parse_mode` as given (`HTML`, `MarkdownV2`, …).
    pub parse_mode: Option<String>,
    /// `reply_markup` as the bot sent it (inline keyboard, force reply, …).
    pub reply_markup: Option<Value>,
    /// The message it replies to.
    pub reply_to: Option<i32>,
    /// An attached document.
    pub document: Option<SentDocument>,
    /// How many edits were applied.
    pub edits: u32,
}

impl SentMessage {
    /// Every inline button as (label, callback data), row by row.
    pub fn buttons(&self) -> Vec<(String, String)> {
        let Some(markup) = &self.reply_markup else {
            return Vec::new();
        };
        markup["inline_keyboard"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().into_iter().flatten())
            .map(|b| {
                (
                    b["text"].as_str().unwrap_or_default().to_owned(),
                    b["callback_data"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

/// A callback query the bot answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackAnswer {
    /// The query id `press_button` returned.
    pub callback_query_id: String,
    /// The notification text, if any.
    pub text: Option<String>,
    /// Whether it was shown as an alert.
    pub show_alert: bool,
}

#[derive(Debug)]
pub(crate) struct PendingUpdate {
    pub(crate) id: i64,
    pub(crate) value: Value,
    /// Put back by `redeliver`: delivered regardless of the client's offset, once.
    pub(crate) forced: bool,
    pub(crate) delivered: bool,
}

#[derive(Debug)]
pub(crate) struct StoredFile {
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) token: String,
    pub(crate) bot_id: i64,
    pub(crate) bot_first_name: String,
    pub(crate) bot_username: String,
    pub(crate) users: HashMap<i64, TestUser>,
    pub(crate) groups: HashMap<i64, String>,
    pub(crate) next_update_id: i64,
    pub(crate) pending: Vec<PendingUpdate>,
    pub(crate) history: BTreeMap<i64, Value>,
    pub(crate) messages: HashMap<(i64, i32), Value>,
    pub(crate) last_message_id: HashMap<i64, i32>,
    pub(crate) sent: Vec<SentMessage>,
    pub(crate) callback_answers: Vec<CallbackAnswer>,
    pub(crate) commands: Value,
    pub(crate) webhook_url: String,
    pub(crate) webhook_secret: String,
    /// Answers the webhook got that were not 2xx (Telegram retries those updates).
    pub(crate) webhook_failures: u64,
    pub(crate) calls: HashMap<String, u64>,
    pub(crate) files: HashMap<String, StoredFile>,
    pub(crate) next_callback_id: u64,
    pub(crate) faults: Faults,
}

impl Inner {
    pub(crate) fn chat_json(&self, chat_id: i64) -> Option<Value> {
        if let Some(u) = self.users.get(&chat_id) {
            return Some(u.private_chat_json());
        }
        self.groups
            .get(&chat_id)
            .map(|t| json::group_chat_json(chat_id, t))
    }

    pub(crate) fn bot_json(&self) -> Value {
        json::bot_user_json(self.bot_id, &self.bot_first_name, &self.bot_username)
    }

    pub(crate) fn next_message_id(&mut self, chat_id: i64) -> i32 {
        let id = self.last_message_id.entry(chat_id).or_insert(0);
        *id += 1;
        *id
    }

    /// Queues an update of the given kind (`message`, `callback_query`, …) and returns its id.
    pub(crate) fn push_update(&mut self, kind: &str, payload: Value) -> i64 {
        let id = self.next_update_id;
        let mut value = json!({ "update_id": id });
        value[kind] = payload;
        self.push_raw(value)
    }

    pub(crate) fn push_raw(&mut self, mut value: Value) -> i64 {
        let id = value["update_id"].as_i64().unwrap_or(self.next_update_id);
        value["update_id"] = json!(id);
        self.next_update_id = self.next_update_id.max(id + 1);
        self.history.insert(id, value.clone());
        self.pending.push(PendingUpdate {
            id,
            value,
            forced: false,
            delivered: false,
        });
        self.pending.sort_by_key(|u| u.id);
        id
    }

    /// Telegram's offset rule: an offset confirms every update below it. Redelivered updates
    /// are confirmed by the first call after the one that delivered them.
    pub(crate) fn take_updates(&mut self, offset: Option<i64>, limit: usize) -> Vec<Value> {
        if let Some(offset) = offset {
            self.pending.retain(|u| {
                if u.forced {
                    !u.delivered
                } else {
                    u.id >= offset
                }
            });
        }
        let floor = offset.unwrap_or(i64::MIN);
        self.pending
            .iter_mut()
            .filter(|u| u.forced || u.id >= floor)
            .take(limit)
            .map(|u| {
                u.delivered = true;
                u.value.clone()
            })
            .collect()
    }

    pub(crate) fn sent_mut(&mut self, chat_id: i64, message_id: i32) -> Option<&mut SentMessage> {
        self.sent
            .iter_mut()
            .find(|m| m.chat_id == chat_id && m.message_id == message_id)
    }
}

/// The state shared by the HTTP handlers and the test-side handle.
#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    changed: watch::Sender<u64>,
}

impl Shared {
    pub(crate) fn new(inner: Inner) -> Self {
        Self {
            inner: Mutex::new(inner),
            changed: watch::Sender::new(0),
        }
    }

    /// Locks the state; a panic in another holder does not make the server unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Subscribe before checking the state, then await `changed()`: no wake-up is lost.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub(crate) fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}
