//! The test side: act as users (texts, replies, button presses, media, edits), read back what
//! the bot sent, and steer faults. Every action becomes an update exactly as Telegram would send
//! it, so the bot's handlers cannot tell the difference.

use std::time::Duration;

use anyhow::bail;
use serde_json::{Value, json};

use super::BotApiServer;
use super::faults::{FaultPlan, FaultStats, RateLimit};
use super::json::{self as j, TestUser};
use super::state::{CallbackAnswer, Inner, SentMessage, StoredFile};

impl BotApiServer {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let result = f(&mut self.shared.lock());
        self.shared.notify();
        result
    }

    /// Makes a user known, so the bot may write to their private chat (as after /start).
    pub fn add_user(&self, user: &TestUser) {
        self.with(|i| i.users.insert(user.id, user.clone()));
    }

    /// Makes a group chat known (ids of groups are negative in Telegram).
    pub fn add_group(&self, chat_id: i64, title: &str) {
        self.with(|i| i.groups.insert(chat_id, title.to_owned()));
    }

    /// A user writes `text` in `chat` (their own id for the private chat). Texts starting with
    /// `/` carry a `bot_command` entity. Returns the new message's id.
    pub fn send_text(&self, user: &TestUser, chat: i64, text: &str) -> i32 {
        let mut body = json!({ "text": text });
        if let Some(e) = j::command_entities(text) {
            body["entities"] = e;
        }
        self.user_message(user, chat, body, None)
    }

    /// A user replies to one of the bot's messages; the update carries the stored message in
    /// full as `reply_to_message`.
    pub fn reply_to(&self, user: &TestUser, chat: i64, bot_message_id: i32, text: &str) -> i32 {
        let mut body = json!({ "text": text });
        if let Some(e) = j::command_entities(text) {
            body["entities"] = e;
        }
        self.user_message(user, chat, body, Some(bot_message_id))
    }

    /// A user sends a photo (with an optional caption); the bytes can be fetched with getFile.
    pub fn send_photo(&self, user: &TestUser, chat: i64, caption: Option<&str>) -> i32 {
        let file = self.store_file("photos/photo.jpg", b"\xFF\xD8\xFF fake jpeg".to_vec());
        let mut photo = j::file_meta(&file, 14);
        photo["width"] = json!(640);
        photo["height"] = json!(480);
        let mut body = json!({ "photo": [photo] });
        if let Some(c) = caption {
            body["caption"] = json!(c);
        }
        self.user_message(user, chat, body, None)
    }

    /// A user sends a photo of `bytes`, replying to a bot message or not, as Telegram does:
    /// `photo` lists the sizes, a small thumbnail first and the full picture last; each can be
    /// fetched with getFile and downloaded from `/file/bot<token>/<file_path>`.
    pub fn send_photo_bytes(
        &self,
        user: &TestUser,
        chat: i64,
        bytes: Vec<u8>,
        reply_to: Option<i32>,
    ) -> i32 {
        let thumb = self.store_file("photos/thumb.jpg", b"\xFF\xD8\xFF thumb".to_vec());
        let mut small = j::file_meta(&thumb, 12);
        small["width"] = json!(90);
        small["height"] = json!(67);
        let size = bytes.len();
        let file = self.store_file("photos/photo.jpg", bytes);
        let mut full = j::file_meta(&file, size);
        full["width"] = json!(1280);
        full["height"] = json!(960);
        self.user_message(user, chat, json!({ "photo": [small, full] }), reply_to)
    }

    /// A user sends a file (a `document`, with its name and MIME type), replying to a bot
    /// message or not.
    pub fn send_document(
        &self,
        user: &TestUser,
        chat: i64,
        file_name: &str,
        mime_type: &str,
        bytes: Vec<u8>,
        reply_to: Option<i32>,
    ) -> i32 {
        let size = bytes.len();
        let file = self.store_file(&format!("documents/{file_name}"), bytes);
        let mut document = j::file_meta(&file, size);
        document["file_name"] = json!(file_name);
        document["mime_type"] = json!(mime_type);
        self.user_message(user, chat, json!({ "document": document }), reply_to)
    }

    /// A user sends a sticker.
    pub fn send_sticker(&self, user: &TestUser, chat: i64, emoji: &str) -> i32 {
        let file = self.store_file("stickers/sticker.webp", b"RIFF fake webp".to_vec());
        let mut sticker = j::file_meta(&file, 14);
        for (k, v) in [
            ("width", json!(512)),
            ("height", json!(512)),
            ("type", json!("regular")),
        ] {
            sticker[k] = v;
        }
        sticker["is_animated"] = json!(false);
        sticker["is_video"] = json!(false);
        sticker["emoji"] = json!(emoji);
        self.user_message(user, chat, json!({ "sticker": sticker }), None)
    }

    /// A user sends a voice note of `seconds` length.
    pub fn send_voice(&self, user: &TestUser, chat: i64, seconds: u32) -> i32 {
        let file = self.store_file("voice/voice.ogg", b"OggS fake voice".to_vec());
        let mut voice = j::file_meta(&file, 15);
        voice["duration"] = json!(seconds);
        voice["mime_type"] = json!("audio/ogg");
        self.user_message(user, chat, json!({ "voice": voice }), None)
    }

    /// A user edits one of their messages: an `edited_message` update.
    pub fn edit_text(&self, user: &TestUser, chat: i64, message_id: i32, new_text: &str) {
        self.with(|i| {
            let Some(mut msg) = i.messages.get(&(chat, message_id)).cloned() else {
                return;
            };
            msg["text"] = json!(new_text);
            msg["edit_date"] = json!(j::now());
            match j::command_entities(new_text) {
                Some(e) => msg["entities"] = e,
                None => {
                    msg.as_object_mut().map(|o| o.remove("entities"));
                }
            }
            msg["from"] = user.to_json();
            i.messages.insert((chat, message_id), msg.clone());
            i.push_update("edited_message", msg);
        });
    }

    /// A user presses an inline button of a bot message; returns the callback query id that
    /// `callback_answers()` will show once the bot answers.
    pub fn press_button(
        &self,
        user: &TestUser,
        chat: i64,
        bot_message_id: i32,
        data: &str,
    ) -> String {
        self.with(|i| {
            i.users.entry(user.id).or_insert_with(|| user.clone());
            let id = format!("cq{}", i.next_callback_id);
            i.next_callback_id += 1;
            let message = i.messages.get(&(chat, bot_message_id)).cloned();
            let query = json!({
                "id": id, "from": user.to_json(), "message": message,
                "chat_instance": format!("ci{chat}"), "data": data,
            });
            i.push_update("callback_query", query);
            id
        })
    }

    /// Queues any update as given; a missing `update_id` is assigned.
    pub fn push_update(&self, update: Value) -> i64 {
        self.with(|i| i.push_raw(update))
    }

    /// Puts a delivered (even confirmed) update back, as Telegram does when a bot did not get to
    /// confirm it before a crash. Returns false for an unknown id.
    pub fn redeliver(&self, update_id: i64) -> bool {
        self.with(|i| {
            let Some(value) = i.history.get(&update_id).cloned() else {
                return false;
            };
            i.pending.retain(|u| u.id != update_id);
            let update = super::state::PendingUpdate {
                id: update_id,
                value,
                forced: true,
                delivered: false,
            };
            i.pending.push(update);
            i.pending.sort_by_key(|u| u.id);
            true
        })
    }

    /// Messages the bot sent to `chat`, in order, with edits applied.
    pub fn sent(&self, chat: i64) -> Vec<SentMessage> {
        self.with(|i| {
            i.sent
                .iter()
                .filter(|m| m.chat_id == chat)
                .cloned()
                .collect()
        })
    }

    /// How many messages the bot sent, to all chats (cheaper than `all_sent().len()`).
    pub fn sent_count(&self) -> usize {
        self.shared.lock().sent.len()
    }

    /// Every message the bot sent, in order.
    pub fn all_sent(&self) -> Vec<SentMessage> {
        self.with(|i| i.sent.clone())
    }

    /// Waits until the bot has sent at least `count` messages to `chat`.
    pub async fn wait_for_sent(
        &self,
        chat: i64,
        count: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<SentMessage>> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.subscribe();
        loop {
            let sent = self.sent(chat);
            if sent.len() >= count {
                return Ok(sent);
            }
            // A server that keeps changing (a bot polling in a loop) must not keep us past
            // the deadline: check it before every wait, not only when the wait times out.
            let changed = tokio::time::timeout_at(deadline, changes.changed()).await;
            if tokio::time::Instant::now() >= deadline || changed.is_err() {
                bail!(
                    "chat {chat}: {} of {count} messages after {timeout:?}",
                    sent.len()
                );
            }
        }
    }

    /// Callback queries the bot answered, in order.
    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.with(|i| i.callback_answers.clone())
    }

    /// The command list setMyCommands registered, as JSON (`[{"command":…,"description":…}]`).
    pub fn commands(&self) -> Value {
        self.with(|i| i.commands.clone())
    }

    /// Updates not yet confirmed by a getUpdates offset.
    pub fn pending_updates(&self) -> usize {
        self.with(|i| i.pending.len())
    }

    /// The webhook the bot set (empty in polling mode).
    pub fn webhook_url(&self) -> String {
        self.with(|i| i.webhook_url.clone())
    }

    /// How many webhook posts the bot did not answer with 2xx.
    pub fn webhook_failures(&self) -> u64 {
        self.with(|i| i.webhook_failures)
    }

    /// How often a method (any case) was called.
    pub fn calls(&self, method: &str) -> u64 {
        self.with(|i| {
            i.calls
                .get(&method.to_ascii_lowercase())
                .copied()
                .unwrap_or(0)
        })
    }

    /// Adds a fault plan; plans apply in the order added.
    pub fn inject_faults(&self, plan: FaultPlan) {
        self.with(|i| i.faults.add_plan(plan));
    }

    /// Removes all fault plans (the rate limit stays).
    pub fn clear_faults(&self) {
        self.with(|i| i.faults.clear());
    }

    /// The user of `chat_id` blocks the bot: from now on every message sent there is answered
    /// 403 `Forbidden: bot was blocked by the user`, as Telegram does.
    pub fn block_bot(&self, chat_id: i64) {
        self.with(|i| i.faults.block(chat_id));
    }

    /// Sets or removes the flood limits.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.with(|i| i.faults.set_rate_limit(limit));
    }

    /// Faults served so far.
    pub fn fault_stats(&self) -> FaultStats {
        self.with(|i| i.faults.stats)
    }

    fn store_file(&self, path: &str, bytes: Vec<u8>) -> String {
        self.with(|i| {
            let id = format!("file{}", i.files.len() + 1);
            let path = format!("{id}/{path}");
            i.files.insert(id.clone(), StoredFile { path, bytes });
            id
        })
    }

    fn user_message(&self, user: &TestUser, chat: i64, body: Value, reply_to: Option<i32>) -> i32 {
        self.with(|i| {
            i.users.entry(user.id).or_insert_with(|| user.clone());
            let chat_json = i.chat_json(chat).unwrap_or_else(|| j::group_chat_json(chat, "group"));
            if chat < 0 {
                i.groups.entry(chat).or_insert_with(|| "group".into());
            }
            let message_id = i.next_message_id(chat);
            let mut msg = json!({
                "message_id": message_id, "from": user.to_json(), "date": j::now(), "chat": chat_json,
            });
            for (k, v) in body.as_object().into_iter().flatten() {
                msg[k] = v.clone();
            }
            if let Some(r) = reply_to.and_then(|r| i.messages.get(&(chat, r))) {
                let mut r = r.clone();
                r.as_object_mut().map(|o| o.remove("reply_to_message"));
                msg["reply_to_message"] = r;
            }
            i.messages.insert((chat, message_id), msg.clone());
            i.push_update("message", msg);
            message_id
        })
    }
}
