//! What the use cases answer, as no platform draws it. The adapter sends the replies of one
//! event in order, in the chat the event came from: in a group each message replies to the
//! message that asked (or to the message whose button was pressed), and a press always gets
//! exactly one answer (a [`Reply::Toast`], or an empty one when the use case gave none).

use crate::bulletin::Bulletin;
use crate::store::Anchor;
use crate::wording::Keyboard;

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Say {
    pub text: String,
    pub buttons: Option<Keyboard>,
    /// Asks the person for a text in reply (Telegram's ForceReply): a prompt after a button.
    pub asks_reply: bool,
    /// What the message is about: remembered with the id the platform gives it, so that a
    /// reply to it (or its buttons) can be understood later.
    pub anchor: Option<Anchor>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Say(Say),
    /// Replaces the text of the message whose button was pressed (its buttons go).
    Edit(String),
    /// A short notice answering a pressed button; an alert when `alert`.
    Toast {
        text: String,
        alert: bool,
    },
    /// A bulletin: its text in the platform's own markup, then its Word, Excel and PNG files.
    Bulletin(Box<Bulletin>),
    /// A file sent back (kept evidence): its name and bytes.
    File {
        name: String,
        bytes: Vec<u8>,
    },
}

pub type Replies = Vec<Reply>;

impl Reply {
    /// A plain message.
    pub fn text(text: String) -> Reply {
        Reply::Say(Say {
            text,
            buttons: None,
            asks_reply: false,
            anchor: None,
        })
    }

    /// A message with buttons, remembered as `anchor` when there is one.
    pub fn with_buttons(text: String, buttons: Keyboard, anchor: Option<Anchor>) -> Reply {
        Reply::Say(Say {
            text,
            buttons: Some(buttons),
            asks_reply: false,
            anchor,
        })
    }

    /// A prompt for a text, remembered as `anchor`.
    pub fn prompt(text: String, anchor: Anchor) -> Reply {
        Reply::Say(Say {
            text,
            buttons: None,
            asks_reply: true,
            anchor: Some(anchor),
        })
    }

    pub fn toast(text: String, alert: bool) -> Reply {
        Reply::Toast { text, alert }
    }
}

/// Several messages in order; the last one carries `buttons`.
pub fn lines(messages: Vec<String>, buttons: Option<Keyboard>) -> Replies {
    let last = messages.len().saturating_sub(1);
    let mut buttons = buttons;
    messages
        .into_iter()
        .enumerate()
        .map(
            |(i, text)| match (i == last).then(|| buttons.take()).flatten() {
                Some(buttons) => Reply::with_buttons(text, buttons, None),
                None => Reply::text(text),
            },
        )
        .collect()
}
