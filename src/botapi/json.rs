//! JSON builders for the Bot API objects the server hands out. They carry every field teloxide
//! requires (it rejects a `User` without `is_bot`, a `Me` without `has_main_web_app`, …).

use serde_json::{Value, json};

/// A person the tests act as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestUser {
    /// Telegram user id; also the id of the user's private chat with the bot.
    pub id: i64,
    /// Shown name.
    pub first_name: String,
    /// `@username` without the `@`.
    pub username: Option<String>,
    /// IETF language tag, e.g. `zh-hans`.
    pub language_code: Option<String>,
}

impl TestUser {
    /// A user with a name and no username.
    pub fn new(id: i64, first_name: impl Into<String>) -> Self {
        Self {
            id,
            first_name: first_name.into(),
            username: None,
            language_code: None,
        }
    }

    /// The same user with a username.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut v = json!({ "id": self.id, "is_bot": false, "first_name": self.first_name });
        if let Some(u) = &self.username {
            v["username"] = json!(u);
        }
        if let Some(l) = &self.language_code {
            v["language_code"] = json!(l);
        }
        v
    }

    pub(crate) fn private_chat_json(&self) -> Value {
        let mut v = json!({ "id": self.id, "type": "private", "first_name": self.first_name });
        if let Some(u) = &self.username {
            v["username"] = json!(u);
        }
        v
    }
}

/// The bot's own identity, as getMe reports it.
pub(crate) fn bot_user_json(id: i64, first_name: &str, username: &str) -> Value {
    json!({ "id": id, "is_bot": true, "first_name": first_name, "username": username })
}

pub(crate) fn me_json(id: i64, first_name: &str, username: &str) -> Value {
    let mut v = bot_user_json(id, first_name, username);
    for flag in [
        "can_join_groups",
        "can_read_all_group_messages",
        "supports_inline_queries",
        "can_connect_to_business",
        "has_main_web_app",
    ] {
        v[flag] = json!(flag == "can_join_groups");
    }
    v
}

pub(crate) fn group_chat_json(id: i64, title: &str) -> Value {
    json!({ "id": id, "type": "group", "title": title })
}

/// Unix seconds, as Telegram sends dates.
pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A `bot_command` entity for texts that start with `/`, as Telegram adds one; offsets and
/// lengths are in UTF-16 code units.
pub(crate) fn command_entities(text: &str) -> Option<Value> {
    if !text.starts_with('/') {
        return None;
    }
    let word = text.split_whitespace().next().unwrap_or(text);
    let length = word.encode_utf16().count();
    (length > 1).then(|| json!([{ "type": "bot_command", "offset": 0, "length": length }]))
}

/// Text length as Telegram counts it (UTF-16 code units).
pub(crate) fn telegram_len(text: &str) -> usize {
    text.encode_utf16().count()
}

pub(crate) fn file_meta(file_id: &str, size: usize) -> Value {
    json!({ "file_id": file_id, "file_unique_id": format!("u{file_id}"), "file_size": size })
}
