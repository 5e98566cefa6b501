//! Sending to a chat by duban's number of it: a person's single chat with the robot (batchSend)
//! or a group (groupMessages/send). A message with buttons becomes a card when the office made
//! a card template (its buttons then call back over the Stream connection), else a text with
//! what to do instead in words. Every message sent gets a number in its chat, remembered with
//! the key DingTalk knows it by, so that a quote of it, or a press on it, finds it again.

use super::api::{ApiError, Card, DingTalkApi, MediaKind, Message, Space};
use crate::clock::Clock;
use crate::store::{DingName, Store, StoreError};
use crate::wording::{Keyboard, texts};
use std::collections::BTreeMap;

/// Why a message did not go.
#[derive(Debug, thiserror::Error)]
pub enum NotSent {
    /// DingTalk's answer (see [`ApiError::retryable`]).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The receiver is not a member of the organisation (or left it): no retry helps.
    #[error("DingTalk did not deliver to {0}: not in the organisation")]
    NotInOrganisation(String),
    /// The receiver is throttled by DingTalk (flowControlledStaffIdList).
    #[error("DingTalk holds back messages to {0} for now")]
    FlowControlled(String),
    /// The chat's number names nothing on DingTalk.
    #[error("chat {0} is not a DingTalk chat")]
    UnknownChat(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What was to be sent could not be made (a stored payload unreadable, a bulletin file
    /// that did not render).
    #[error("nothing to send: {0}")]
    Rendering(String),
}

impl NotSent {
    /// Whether the same send can succeed later.
    pub fn retryable(&self) -> bool {
        match self {
            NotSent::Api(e) => e.retryable(),
            NotSent::FlowControlled(_) | NotSent::Store(_) => true,
            NotSent::NotInOrganisation(_) | NotSent::UnknownChat(_) | NotSent::Rendering(_) => {
                false
            }
        }
    }
}

/// The robot's way out.
#[derive(Clone)]
pub struct Outlet {
    pub api: DingTalkApi,
    pub store: Store,
    pub clock: Clock,
    /// The card template the office made for messages with buttons (see the README); None:
    /// buttons are put into words.
    pub card_template: Option<String>,
}

/// The parameters of duban's card template: the message as Markdown in `content`, and the
/// buttons in `buttons` as a JSON list of `{"label", "action"}`, each button calling back with
/// its `action` as a parameter.
fn card_params(text: &str, buttons: &Keyboard) -> BTreeMap<String, String> {
    let list: Vec<serde_json::Value> = buttons
        .buttons()
        .map(|b| serde_json::json!({ "label": b.label, "action": b.action }))
        .collect();
    BTreeMap::from([
        ("content".to_owned(), text.to_owned()),
        (
            "buttons".to_owned(),
            serde_json::Value::Array(list).to_string(),
        ),
    ])
}

impl Outlet {
    async fn space(&self, chat: i64) -> Result<Space, NotSent> {
        match self.store.dingtalk_name(chat).await? {
            Some(DingName::User(staff)) => Ok(Space::User(staff)),
            Some(DingName::Group(group)) => Ok(Space::Group(group)),
            None => Err(NotSent::UnknownChat(chat)),
        }
    }

    /// Sends `text` with `buttons` to `chat`; the message's number in the chat.
    pub async fn say(
        &self,
        chat: i64,
        text: &str,
        buttons: Option<&Keyboard>,
    ) -> Result<i32, NotSent> {
        let space = self.space(chat).await?;
        let buttons = buttons.filter(|b| b.buttons().next().is_some());
        let (key, carrier) = match (buttons, &self.card_template) {
            (Some(buttons), Some(template)) => {
                let card = Card {
                    template_id: template.clone(),
                    out_track_id: format!("duban-{}", crate::conversation::invites::new_code()),
                    params: card_params(text, buttons),
                };
                let sent = self.api.send_card(&space, &card).await?;
                (card.out_track_id, sent.carrier_id)
            }
            _ => {
                let text = match buttons.and_then(texts::buttons_in_words) {
                    Some(words) => format!("{text}\n\n{words}"),
                    None => text.to_owned(),
                };
                (self.send(&space, &Message::Text(text)).await?, None)
            }
        };
        Ok(self
            .store
            .number_dingtalk_message(&key, carrier.as_deref(), chat, self.clock.unix())
            .await?)
    }

    /// Sends a message other than a card; the key DingTalk knows it by.
    pub async fn send(&self, space: &Space, message: &Message) -> Result<String, NotSent> {
        let sent = match space {
            Space::User(staff) => {
                let sent = self
                    .api
                    .send_to_users(std::slice::from_ref(staff), message)
                    .await?;
                if sent.invalid.contains(staff) {
                    return Err(NotSent::NotInOrganisation(staff.clone()));
                }
                if sent.throttled.contains(staff) {
                    return Err(NotSent::FlowControlled(staff.clone()));
                }
                sent
            }
            Space::Group(group) => self.api.send_to_group(group, message).await?,
        };
        Ok(sent.process_query_key)
    }

    /// Sends Markdown (a bulletin) to `chat`.
    pub async fn markdown(&self, chat: i64, title: &str, text: &str) -> Result<i32, NotSent> {
        let space = self.space(chat).await?;
        let message = Message::Markdown {
            title: title.to_owned(),
            text: text.to_owned(),
        };
        let key = self.send(&space, &message).await?;
        Ok(self
            .store
            .number_dingtalk_message(&key, None, chat, self.clock.unix())
            .await?)
    }

    /// Uploads a file and sends it to `chat`.
    pub async fn file(&self, chat: i64, name: &str, bytes: Vec<u8>) -> Result<i32, NotSent> {
        let space = self.space(chat).await?;
        let image = name.ends_with(".png");
        let kind = if image {
            MediaKind::Image
        } else {
            MediaKind::File
        };
        let media_id = self.api.upload(name, bytes, kind).await?;
        let message = if image {
            Message::Image { media_id }
        } else {
            Message::File {
                media_id,
                file_name: name.to_owned(),
                file_type: name.rsplit('.').next().unwrap_or_default().to_owned(),
            }
        };
        let key = self.send(&space, &message).await?;
        Ok(self
            .store
            .number_dingtalk_message(&key, None, chat, self.clock.unix())
            .await?)
    }

    /// Replaces the text of a card and takes its buttons away (after 撤回, or a schedule
    /// confirmed): a card is the only message DingTalk lets the robot change.
    pub async fn edit(&self, out_track_id: &str, text: &str) -> Result<(), NotSent> {
        let params = BTreeMap::from([
            ("content".to_owned(), text.to_owned()),
            ("buttons".to_owned(), "[]".to_owned()),
        ]);
        self.api.update_card(out_track_id, &params).await?;
        Ok(())
    }
}
