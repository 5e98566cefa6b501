//! What arrives, as no platform shapes it: who sent it, in which chat, and what it is — a text
//! (with the bot message it replies to, and whether it is addressed to the bot), something
//! that is not text, an edit, or a pressed button. An adapter builds one from its platform's
//! update; the use cases read nothing else.

use crate::store::{EvidenceKind, Platform};

/// Who sent an event: the id the person's binding is stored under, and the name their platform
/// shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub id: i64,
    pub name: String,
}

/// Where an event happened: a single chat with the bot, or a group (with its title).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    pub id: i64,
    /// The group's title; `None` for a single chat with the bot.
    pub group: Option<String>,
}

impl Chat {
    pub fn is_group(&self) -> bool {
        self.group.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A text message.
    Text {
        text: String,
        /// The bot's own message it replies to (quotes), if the platform says so.
        replied_to: Option<i64>,
    },
    /// A photo, a sticker, a voice message, a file. A photo or a file may be evidence
    /// (`attachment`); the rest is answered and never stored (a caption is not a report).
    Media {
        attachment: Option<Attachment>,
        /// The bot's own message it replies to (quotes), if the platform says so.
        replied_to: Option<i64>,
    },
    /// An edit of an earlier message: it changes nothing.
    Edited,
    /// A button pressed: the action code it carries (None when the platform gave none) and the
    /// bot message it is on.
    Pressed {
        action: Option<String>,
        message: Option<i64>,
    },
}

/// A photo or a file sent to the bot: what the core needs to judge it, and how the adapter
/// fetches its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub kind: EvidenceKind,
    /// The file's name (for a photo, one the adapter makes up).
    pub name: String,
    /// In bytes, when the platform says before the download.
    pub size: Option<u64>,
    /// The platform's reference to fetch the bytes by (Telegram's file_id, DingTalk's
    /// downloadCode); it expires, so the bytes are fetched and kept at once.
    pub source: String,
}

/// One thing that arrived, ready for the use cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub platform: Platform,
    pub sender: Sender,
    pub chat: Chat,
    /// In a group, whether the message is meant for the bot (it replies to one of the bot's
    /// messages, or @-mentions it). Always true in a single chat.
    pub addressed: bool,
    pub kind: EventKind,
}

impl Event {
    /// The text of a text message.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            EventKind::Text { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The bot's own message this text (or photo, or file) replies to.
    pub fn replied_to(&self) -> Option<i64> {
        match &self.kind {
            EventKind::Text { replied_to, .. } | EventKind::Media { replied_to, .. } => *replied_to,
            _ => None,
        }
    }

    /// The photo or file of a media message.
    pub fn attachment(&self) -> Option<&Attachment> {
        match &self.kind {
            EventKind::Media { attachment, .. } => attachment.as_ref(),
            _ => None,
        }
    }

    /// In a group, and not meant for the bot: conversation among people, left alone.
    pub fn overheard(&self) -> bool {
        self.chat.is_group() && !self.addressed
    }
}
