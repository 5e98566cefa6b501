//! The test side, acting as people: join the organisation, write to the robot alone or in a
//! group, quote the robot's messages, press card buttons. Every action becomes a CALLBACK frame
//! exactly as DingTalk pushes it (frames.rs names the sources of each field).

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::DingApiServer;
use super::frames::{
    AtUser, BotMessageData, CardCallbackData, MessageContent, RepliedMsg, TOPIC_BOT_MESSAGE,
    TOPIC_CARD_CALLBACK, TextContent, now_millis,
};
use super::state::{Chat, DingGroup, DingUser, Inner, SentBody};

/// The ids of a pushed robot message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// The frame's `headers.messageId` (what the ACK names).
    pub message_id: String,
    /// The message's `msgId` (what the adapter deduplicates on).
    pub msg_id: String,
}

impl DingApiServer {
    /// Makes a person a member of the organisation (batchSend reaches them, their messages
    /// carry their staff id).
    pub fn add_user(&self, user: &DingUser) {
        self.shared
            .with(|i| i.users.insert(user.staff_id.clone(), user.clone()));
    }

    /// The person leaves the organisation: batchSend lists them in `invalidStaffIdList`.
    pub fn remove_user(&self, staff_id: &str) {
        self.shared.with(|i| i.users.remove(staff_id));
    }

    /// Makes a group known, with the robot in it.
    pub fn add_group(&self, group: &DingGroup) {
        self.shared.with(|i| {
            i.groups
                .insert(group.open_conversation_id.clone(), group.clone())
        });
    }

    /// The person writes `text` to the robot in their single chat.
    pub fn user_says(&self, user: &DingUser, text: &str) -> Pushed {
        self.shared.with(|i| {
            let data = message(
                i,
                user,
                &Chat::Single(user.staff_id.clone()),
                text.to_owned(),
            );
            push_message(i, data)
        })
    }

    /// The person writes in a group. DingTalk delivers a group message to the robot only when
    /// it @-mentions the robot (developerpedia `docs/learn/bot/appbot/receive.md`), so without
    /// the mention nothing is pushed and the answer is `None`.
    pub fn group_says(
        &self,
        user: &DingUser,
        open_conversation_id: &str,
        text: &str,
        at_robot: bool,
    ) -> anyhow::Result<Option<Pushed>> {
        self.shared.with(|i| {
            let chat = group_chat(i, user, open_conversation_id)?;
            if !at_robot {
                return Ok(None);
            }
            // The robot's @name is cut out of the text, a leading space stays (developerpedia's
            // logged example: `"content": " 测试数据"`).
            let data = message(i, user, &chat, format!(" {text}"));
            Ok(Some(push_message(i, data)))
        })
    }

    /// The person quotes one of the robot's messages (引用回复) and writes `text`; in a group
    /// the reply @-mentions the robot, as it must to arrive. The frame carries
    /// `text.isReplyMsg`, `text.repliedMsg` and `originalProcessQueryKey` as logged by adapters
    /// (docs/dingtalk-protocol.md §3).
    pub fn user_quotes(
        &self,
        user: &DingUser,
        chat: &Chat,
        process_query_key: &str,
        text: &str,
    ) -> anyhow::Result<Pushed> {
        self.shared.with(|i| {
            if let Chat::Group(id) = chat {
                group_chat(i, user, id)?;
            }
            let sent = i
                .chats
                .get(chat)
                .and_then(|m| m.iter().find(|s| s.process_query_key == process_query_key))
                .with_context(|| format!("no robot message {process_query_key} in {chat:?}"))?
                .clone();
            let (msg_type, content) = quoted_content(&sent.body);
            let prefix = if matches!(chat, Chat::Group(_)) {
                " "
            } else {
                ""
            };
            let mut data = message(i, user, chat, format!("{prefix}{text}"));
            let quoted_id = format!("msgq{}", sent.process_query_key);
            let replied = RepliedMsg {
                msg_type: msg_type.to_owned(),
                msg_id: quoted_id.clone(),
                sender_id: data.chatbot_user_id.clone(),
                created_at: now_millis(),
                content,
            };
            if let Some(text) = &mut data.text {
                text.is_reply_msg = Some(true);
                text.replied_msg = Some(replied);
            }
            data.original_msg_id = Some(quoted_id);
            data.original_process_query_key = Some(sent.process_query_key);
            Ok(push_message(i, data))
        })
    }

    /// The person sends a picture (`file_name` None) or a file to the robot, quoting one of
    /// its messages (by its processQueryKey) or not. The frame carries `msgtype` `picture` or
    /// `file` and `content.downloadCode` (and `fileName` for a file), and no `text`; the
    /// bytes are served to `POST /v1.0/robot/messageFiles/download` with that code. A quote
    /// carries `originalProcessQueryKey`, as a quoted text does (§3; observed for texts, and
    /// assumed alike here).
    pub fn user_sends_file(
        &self,
        user: &DingUser,
        chat: &Chat,
        file_name: Option<&str>,
        bytes: Vec<u8>,
        quoting: Option<&str>,
    ) -> anyhow::Result<Pushed> {
        self.shared.with(|i| {
            if let Chat::Group(id) = chat {
                group_chat(i, user, id)?;
            }
            let quoted = match quoting {
                Some(key) => Some(
                    i.chats
                        .get(chat)
                        .and_then(|m| m.iter().find(|s| s.process_query_key == key))
                        .with_context(|| format!("no robot message {key} in {chat:?}"))?
                        .process_query_key
                        .clone(),
                ),
                None => None,
            };
            let code = format!("dc{:08x}", i.next());
            let mut data = message(i, user, chat, String::new());
            data.text = None;
            data.msgtype = if file_name.is_some() {
                "file"
            } else {
                "picture"
            }
            .to_owned();
            data.content = Some(MessageContent {
                download_code: code.clone(),
                picture_download_code: file_name.is_none().then(|| code.clone()),
                file_name: file_name.map(str::to_owned),
            });
            if let Some(key) = quoted {
                data.original_msg_id = Some(format!("msgq{key}"));
                data.original_process_query_key = Some(key);
            }
            let name = file_name.unwrap_or("image.jpg").to_owned();
            i.received.insert(
                code,
                super::state::Media {
                    file_name: name,
                    bytes,
                },
            );
            Ok(push_message(i, data))
        })
    }

    /// The person presses a button of a card: the callback frame carries the button's id and
    /// its constant parameters (`cardPrivateData {actionIds, params}`). Fails for an unknown
    /// card and for one sent without `callbackType: STREAM`, whose presses never reach the
    /// Stream connection. Returns the frame's messageId.
    pub fn press_button(
        &self,
        user: &DingUser,
        out_track_id: &str,
        action_id: &str,
        params: Value,
    ) -> anyhow::Result<String> {
        self.shared.with(|i| {
            let (chat, card) = i
                .cards
                .get(out_track_id)
                .with_context(|| format!("no card {out_track_id}"))?;
            if !card.stream_callbacks {
                bail!("card {out_track_id} was not created with callbackType STREAM");
            }
            let (space_type, space_id) = match chat {
                Chat::Single(id) => ("IM_ROBOT", id.clone()),
                Chat::Group(id) => ("IM_GROUP", id.clone()),
            };
            let content =
                json!({ "cardPrivateData": { "actionIds": [action_id], "params": params } });
            let data = CardCallbackData {
                kind: "actionCallback".to_owned(),
                out_track_id: out_track_id.to_owned(),
                corp_id: i.corp_id.clone(),
                user_id: user.staff_id.clone(),
                user_id_type: 1,
                space_type: space_type.to_owned(),
                space_id,
                extension: "{}".to_owned(),
                content: content.to_string(),
            };
            let data = serde_json::to_string(&data).expect("card callback data serialises");
            Ok(i.push_callback(TOPIC_CARD_CALLBACK, data))
        })
    }
}

fn group_chat(i: &Inner, user: &DingUser, id: &str) -> anyhow::Result<Chat> {
    let group = i.groups.get(id).with_context(|| format!("no group {id}"))?;
    if !group.members.contains(&user.staff_id) {
        bail!("{} is not a member of {id}", user.staff_id);
    }
    Ok(Chat::Group(id.to_owned()))
}

/// A text message from `user` in `chat`, every field as DingTalk fills it.
fn message(i: &mut Inner, user: &DingUser, chat: &Chat, content: String) -> BotMessageData {
    let now = now_millis();
    let n = i.next();
    let chatbot_user_id = format!("$:LWCP_v1:$robot{}", i.robot_code);
    let (conversation_id, conversation_type, title, at_users, in_at_list) = match chat {
        Chat::Single(_) => (user.single_chat_id(), "1", None, vec![], false),
        Chat::Group(id) => {
            let robot = AtUser {
                dingtalk_id: chatbot_user_id.clone(),
                staff_id: None,
            };
            let title = i.groups.get(id).map(|g| g.title.clone());
            (id.clone(), "2", title, vec![robot], true)
        }
    };
    BotMessageData {
        conversation_id,
        at_users,
        chatbot_corp_id: i.corp_id.clone(),
        chatbot_user_id,
        msg_id: format!("msg{n:08x}{now:x}=="),
        sender_nick: user.nick.clone(),
        is_admin: false,
        sender_staff_id: user.staff_id.clone(),
        session_webhook_expired_time: now + 90 * 60 * 1000,
        create_at: now,
        sender_corp_id: i.corp_id.clone(),
        conversation_type: conversation_type.to_owned(),
        sender_id: user.sender_id(),
        conversation_title: title,
        // Single chats: not shown in any logged frame; false, so an adapter cannot lean on it.
        is_in_at_list: in_at_list,
        session_webhook: format!("{}robot/sendBySession?session={n:x}", i.base_url),
        text: Some(TextContent {
            content,
            is_reply_msg: None,
            replied_msg: None,
        }),
        content: None,
        robot_code: i.robot_code.clone(),
        msgtype: "text".to_owned(),
        original_msg_id: None,
        original_process_query_key: None,
    }
}

fn push_message(i: &mut Inner, data: BotMessageData) -> Pushed {
    let msg_id = data.msg_id.clone();
    let json = serde_json::to_string(&data).expect("robot message data serialises");
    let message_id = i.push_callback(TOPIC_BOT_MESSAGE, json);
    Pushed { message_id, msg_id }
}

/// What `repliedMsg` shows of a quoted robot message: its words for text and markdown, the
/// kind only for the rest (adapters report that cards and media come without content).
fn quoted_content(body: &SentBody) -> (&'static str, Value) {
    match body {
        SentBody::Text { content } => ("text", json!({ "text": content })),
        SentBody::Markdown { title, text } => ("markdown", json!({ "title": title, "text": text })),
        SentBody::Image { .. } => ("picture", json!({})),
        SentBody::File { file_name, .. } => ("file", json!({ "fileName": file_name })),
        SentBody::Card(_) => ("interactiveCard", json!({})),
        SentBody::Other { .. } => ("unknownMsgType", json!({})),
    }
}
