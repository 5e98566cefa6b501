//! What a push is, as the core sees it: who (duban's number of the sender's staffId), which chat
//! (their single chat with the robot, or the group), the text, the robot message it answers,
//! the pressed button's action.
//!
//! Which robot message a text answers: the one DingTalk says was quoted (its
//! `originalProcessQueryKey`, §3 of docs/dingtalk-protocol.md); else, when the last message the
//! robot sent to the chat is a prompt for this person (after a light button or 修改), that
//! prompt — DingTalk has nothing like Telegram's ForceReply, so the text that follows a prompt
//! answers it; else none.

use super::incoming::{CardPress, Pushed, RobotMessage};
use crate::conversation::command::{Command, Parsed};
use crate::conversation::{Attachment, Chat, Event, EventKind, Platform, Sender};
use crate::store::{DingName, EvidenceKind, Store, StoreError};

/// The sender and the chat of a push, as duban's numbers (given the first time a name is
/// seen): what the inbox keys a chat's order by.
pub async fn parties(store: &Store, pushed: &Pushed) -> Result<(Sender, Chat), StoreError> {
    match pushed {
        Pushed::Message(m) => {
            let sender = sender(store, m).await?;
            let chat = if m.conversation_type == "2" {
                Chat {
                    id: store
                        .dingtalk_id(&DingName::Group(m.conversation_id.clone()))
                        .await?,
                    group: Some(m.conversation_title.clone().unwrap_or_default()),
                }
            } else {
                Chat {
                    id: sender.id,
                    group: None,
                }
            };
            Ok((sender, chat))
        }
        Pushed::Press(p) => {
            let id = store
                .dingtalk_id(&DingName::User(p.user_id.clone()))
                .await?;
            let sender = Sender {
                id,
                name: String::new(),
            };
            let chat = match store.dingtalk_message(&p.out_track_id).await? {
                Some((chat, _)) => chat_of(store, chat).await?,
                None => Chat { id, group: None },
            };
            Ok((sender, chat))
        }
    }
}

/// A person by their staffId; someone outside the organisation (no staffId) by the id DingTalk
/// gives everyone.
async fn sender(store: &Store, m: &RobotMessage) -> Result<Sender, StoreError> {
    let name = match &m.sender_staff_id {
        Some(staff) if !staff.is_empty() => DingName::User(staff.clone()),
        _ => DingName::User(format!("${}", m.sender_id)),
    };
    Ok(Sender {
        id: store.dingtalk_id(&name).await?,
        name: m.sender_nick.clone(),
    })
}

/// The chat a number stands for; a group keeps no title here (only its number matters).
async fn chat_of(store: &Store, id: i64) -> Result<Chat, StoreError> {
    let group = match store.dingtalk_name(id).await? {
        Some(DingName::Group(_)) => Some(String::new()),
        _ => None,
    };
    Ok(Chat { id, group })
}

/// The event of a push.
pub async fn event(store: &Store, pushed: &Pushed) -> anyhow::Result<Option<Event>> {
    let (sender, chat) = parties(store, pushed).await?;
    let (addressed, kind) = match pushed {
        Pushed::Message(m) => {
            // In a group only messages that @-mention the robot arrive (§3); say so anyway.
            let addressed = chat.group.is_none() || m.is_in_at_list;
            let kind = match (&m.msgtype[..], &m.text) {
                ("text", Some(text)) => {
                    let text = text.content.trim().to_owned();
                    let replied_to = answered(store, m, &sender, &chat, &text).await?;
                    EventKind::Text { text, replied_to }
                }
                _ => EventKind::Media {
                    attachment: attachment(m),
                    replied_to: quoted(store, m, &chat).await?,
                },
            };
            (addressed, kind)
        }
        Pushed::Press(p) => (true, pressed(store, p).await?),
    };
    Ok(Some(Event {
        platform: Platform::DingTalk,
        sender,
        chat,
        addressed,
        kind,
    }))
}

async fn pressed(store: &Store, p: &CardPress) -> Result<EventKind, StoreError> {
    let message = store
        .dingtalk_message(&p.out_track_id)
        .await?
        .map(|(_, number)| i64::from(number));
    Ok(EventKind::Pressed {
        action: p.action(),
        message,
    })
}

/// A `picture` or a `file` with its downloadCode (java-sdk `MessageContent`); DingTalk gives a
/// picture no name, so duban makes one up.
fn attachment(m: &RobotMessage) -> Option<Attachment> {
    let content = m.content.as_ref()?;
    let code = content.download_code.clone()?;
    match &m.msgtype[..] {
        "picture" => Some(Attachment {
            kind: EvidenceKind::Photo,
            name: format!("图片{}.jpg", m.create_at / 1000),
            size: None,
            source: code,
        }),
        "file" => Some(Attachment {
            kind: EvidenceKind::File,
            name: content
                .file_name
                .clone()
                .unwrap_or_else(|| format!("文件{}", m.create_at / 1000)),
            size: None,
            source: code,
        }),
        _ => None,
    }
}

/// The robot message of this chat that a message quotes, if DingTalk says so.
async fn quoted(store: &Store, m: &RobotMessage, chat: &Chat) -> Result<Option<i64>, StoreError> {
    if let Some(key) = &m.original_process_query_key
        && let Some((quoted_chat, number)) = store.dingtalk_message(key).await?
        && quoted_chat == chat.id
    {
        return Ok(Some(i64::from(number)));
    }
    Ok(None)
}

/// The robot message a text answers, if any (see the module's comment).
async fn answered(
    store: &Store,
    m: &RobotMessage,
    sender: &Sender,
    chat: &Chat,
    text: &str,
) -> Result<Option<i64>, StoreError> {
    if let Some(number) = quoted(store, m, chat).await? {
        return Ok(Some(number));
    }
    // A command is a command, prompt or not.
    if Command::parse(text, "", true) != Parsed::Text {
        return Ok(None);
    }
    let Some(last) = store.last_dingtalk_message(chat.id).await? else {
        return Ok(None);
    };
    let prompt = store
        .anchor(chat.id, last)
        .await?
        .and_then(|anchor| anchor.asks())
        == Some(sender.id);
    Ok(prompt.then_some(i64::from(last)))
}
