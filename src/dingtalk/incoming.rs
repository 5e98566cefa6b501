//! What DingTalk pushes, as duban reads it: a robot message (topic
//! `/v1.0/im/bot/messages/get`) or a card button press (topic `/v1.0/card/instances/callback`),
//! kept in the inbox as it came ([`Pushed`]) and keyed by DingTalk's own message id
//! ([`Pushed::key`]), so that a frame pushed again is stored once. Field names and shapes:
//! docs/dingtalk-protocol.md §3 (robot messages, quoted replies) and §4 (card callbacks).

use crate::store::{Incoming, Platform, UpdateKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The topic of robot messages (§3).
pub const TOPIC_MESSAGE: &str = "/v1.0/im/bot/messages/get";
/// The topic of card button presses (§4).
pub const TOPIC_CARD: &str = "/v1.0/card/instances/callback";

/// A robot message: the fields duban reads (§3; go-sdk `chatbot/model.go`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RobotMessage {
    pub msg_id: String,
    /// The chat: a group's openConversationId, or the single chat's id.
    pub conversation_id: String,
    /// "1" a single chat, "2" a group.
    pub conversation_type: String,
    #[serde(default)]
    pub conversation_title: Option<String>,
    /// The sender's userId in the organisation; absent for people outside it.
    #[serde(default)]
    pub sender_staff_id: Option<String>,
    /// The encrypted id DingTalk gives everyone.
    #[serde(default)]
    pub sender_id: String,
    #[serde(default)]
    pub sender_nick: String,
    #[serde(default)]
    pub is_in_at_list: bool,
    pub msgtype: String,
    #[serde(default)]
    pub text: Option<TextContent>,
    /// What a `picture` or a `file` carries (java-sdk `MessageContent`: `downloadCode` for
    /// both, `fileName` for a file).
    #[serde(default)]
    pub content: Option<Box<MessageContent>>,
    /// Unix milliseconds.
    #[serde(default)]
    pub create_at: i64,
    /// Of a quoted robot message: the processQueryKey its send returned (or a card's carrier
    /// id). Observed, not documented (§3, "Quoted replies").
    #[serde(default)]
    pub original_process_query_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextContent {
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub is_reply_msg: bool,
}

/// The content of a robot message other than a text: the fields duban reads (java-sdk
/// `models/bot/MessageContent.java`: `downloadCode` "适用的类型：picture, video, audio, file,
/// richText[index]", `pictureDownloadCode` for a picture, `fileName` for a file). No size comes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture_download_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

/// A card button press (§4; py-sdk `card_callback.py`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardPress {
    pub out_track_id: String,
    /// The presser's userId (staffId).
    pub user_id: String,
    /// JSON text: `{"cardPrivateData": {"actionIds": [...], "params": {"action": "l:12:y"}}}`.
    #[serde(default)]
    pub content: String,
}

impl CardPress {
    /// The action code the pressed button carries in its `action` parameter.
    pub fn action(&self) -> Option<String> {
        let content: serde_json::Value = serde_json::from_str(&self.content).ok()?;
        content["cardPrivateData"]["params"]["action"]
            .as_str()
            .map(str::to_owned)
    }
}

/// What was pushed, as the inbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "topic", content = "data")]
pub enum Pushed {
    #[serde(rename = "/v1.0/im/bot/messages/get")]
    Message(RobotMessage),
    #[serde(rename = "/v1.0/card/instances/callback")]
    Press(CardPress),
}

impl Pushed {
    /// Reads a CALLBACK frame's topic and data (a JSON string); None for a topic duban did not
    /// subscribe to.
    pub fn read(
        topic: &str,
        data: &str,
        frame_id: &str,
    ) -> anyhow::Result<Option<(Pushed, String)>> {
        let pushed = match topic {
            TOPIC_MESSAGE => Pushed::Message(serde_json::from_str(data)?),
            TOPIC_CARD => Pushed::Press(serde_json::from_str(data)?),
            _ => return Ok(None),
        };
        // A message is known by its msgId; a press has none, so by the frame's id, which a
        // frame pushed again keeps.
        let id = match &pushed {
            Pushed::Message(m) => m.msg_id.clone(),
            Pushed::Press(_) => frame_id.to_owned(),
        };
        Ok(Some((pushed, id)))
    }

    /// The inbox key of what DingTalk knows by `id`: a number of 2^62 or more, drawn from the id
    /// (no Telegram update id reaches it; two ids share one with a chance of 2^-62), and the
    /// message's time in seconds (0 for a press).
    pub fn key(&self, id: &str) -> UpdateKey {
        let digest = Sha256::digest(id.as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        let hash = i64::from_be_bytes(bytes) & ((1 << 62) - 1);
        let date = match self {
            Pushed::Message(m) => m.create_at / 1000,
            Pushed::Press(_) => 0,
        };
        UpdateKey {
            id: hash | (1 << 62),
            date,
        }
    }

    /// The inbox row: whose, keyed, in which chat (duban's number of it), as JSON.
    pub fn incoming(&self, id: &str, chat_id: i64) -> anyhow::Result<Incoming> {
        let key = self.key(id);
        Ok(Incoming {
            platform: Platform::DingTalk,
            update_id: key.id,
            update_date: key.date,
            chat_id: Some(chat_id),
            payload: serde_json::to_string(self)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group message as DingTalk pushes it (developerpedia's logged example, §3), quoting a
    /// robot message.
    const GROUP: &str = r#"{"conversationId":"cidABC==","atUsers":[{"dingtalkId":"$:LWCP_v1:$bot"}],
        "chatbotCorpId":"dingcorp","chatbotUserId":"$:LWCP_v1:$bot","msgId":"msgX1",
        "senderNick":"张三","isAdmin":false,"senderStaffId":"manager1","sessionWebhookExpiredTime":1690367502000,
        "createAt":1690362102000,"senderCorpId":"dingcorp","conversationType":"2",
        "senderId":"$:LWCP_v1:$abc","conversationTitle":"科技工作群","isInAtList":true,
        "sessionWebhook":"https://oapi.dingtalk.com/robot/sendBySession?session=x",
        "text":{"content":" 报告 8 已新增3家","isReplyMsg":true,"repliedMsg":{"msgId":"m0"}},
        "robotCode":"dingbot","msgtype":"text","originalProcessQueryKey":"pqk-1"}"#;

    #[test]
    fn a_robot_message_reads_with_its_quote() {
        let (pushed, id) = Pushed::read(TOPIC_MESSAGE, GROUP, "frame-1")
            .unwrap()
            .unwrap();
        assert_eq!(id, "msgX1");
        let Pushed::Message(m) = &pushed else {
            panic!("{pushed:?}")
        };
        assert_eq!(m.conversation_type, "2");
        assert_eq!(m.sender_staff_id.as_deref(), Some("manager1"));
        assert_eq!(m.text.as_ref().unwrap().content, " 报告 8 已新增3家");
        assert_eq!(m.original_process_query_key.as_deref(), Some("pqk-1"));
        // What the inbox keeps reads back the same.
        let stored = pushed.incoming(&id, 7).unwrap();
        let back: Pushed = serde_json::from_str(&stored.payload).unwrap();
        assert_eq!(back, pushed);
        assert_eq!(stored.update_date, 1_690_362_102);
        assert!(stored.update_id >= 1 << 62);
    }

    #[test]
    fn a_card_press_carries_its_action_and_is_keyed_by_its_frame() {
        let data = r#"{"type":"actionCallback","outTrackId":"card-9","corpId":"dingcorp",
            "userId":"manager1","userIdType":1,"spaceType":"IM_ROBOT","spaceId":"x","extension":"{}",
            "content":"{\"cardPrivateData\":{\"actionIds\":[\"b1\"],\"params\":{\"action\":\"l:12:y\"}}}"}"#;
        let (pushed, id) = Pushed::read(TOPIC_CARD, data, "frame-2").unwrap().unwrap();
        assert_eq!(id, "frame-2");
        let Pushed::Press(p) = &pushed else {
            panic!("{pushed:?}")
        };
        assert_eq!(p.action().as_deref(), Some("l:12:y"));
        assert_eq!(pushed.key(&id), pushed.key("frame-2"));
        assert_ne!(pushed.key(&id), pushed.key("frame-3"));
    }

    #[test]
    fn other_topics_and_broken_data() {
        assert!(Pushed::read("/v1.0/other", "{}", "f").unwrap().is_none());
        assert!(Pushed::read(TOPIC_MESSAGE, "not json", "f").is_err());
    }
}
