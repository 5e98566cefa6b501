//! The shapes that cross the Stream connection, as DingTalk's SDKs read and write them. Each
//! type names its source; `docs/dingtalk-protocol.md` has the longer story.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The robot message callback topic.
pub const TOPIC_BOT_MESSAGE: &str = "/v1.0/im/bot/messages/get";
/// The card callback topic.
pub const TOPIC_CARD_CALLBACK: &str = "/v1.0/card/instances/callback";

/// A frame DingTalk pushes. Sources: developerpedia `docs/learn/stream/protocol.md`
/// (通用字段说明), java-sdk `ProtocolRequest`, go-sdk `payload/data_frame.go` `DataFrame`:
/// `headers` is a string map (`time` in Unix milliseconds as a string) and `data` a JSON string.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DownFrame {
    pub(crate) spec_version: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) data: String,
}

impl DownFrame {
    /// `appId` and `connectionId` are in logged frames (developerpedia's robot example,
    /// dingtalk-stream-sdk-go#22); SYSTEM frames carry neither.
    pub(crate) fn new(kind: &str, topic: &str, message_id: &str, data: String) -> Self {
        let mut headers = BTreeMap::new();
        headers.insert("topic".to_owned(), topic.to_owned());
        headers.insert("messageId".to_owned(), message_id.to_owned());
        headers.insert("contentType".to_owned(), "application/json".to_owned());
        headers.insert("time".to_owned(), now_millis().to_string());
        Self {
            spec_version: "1.0".to_owned(),
            kind: kind.to_owned(),
            headers,
            data,
        }
    }

    pub(crate) fn on_connection(mut self, app_id: &str, connection_id: &str) -> Self {
        self.headers.insert("appId".to_owned(), app_id.to_owned());
        self.headers
            .insert("connectionId".to_owned(), connection_id.to_owned());
        self
    }

    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a frame serialises")
    }
}

/// The client's answer to a frame. Sources: developerpedia protocol.md (客户端响应), go-sdk
/// `DataFrameResponse`, java-sdk `ProtocolResponse`, py-sdk `frames.py` `AckMessage.to_dict`:
/// `{code, headers: {messageId, contentType}, message, data}` with `data` a JSON string.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct AckFrame {
    pub(crate) code: i64,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) data: Option<String>,
}

/// An @-mention in a robot message. Source: go-sdk `chatbot/model.go`
/// `BotCallbackDataAtUserModel`, java-sdk `MentionUser`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AtUser {
    pub(crate) dingtalk_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) staff_id: Option<String>,
}

/// The `data` of a robot message callback. Sources: go-sdk `chatbot/model.go`
/// `BotCallbackDataModel`, java-sdk `models/bot/ChatbotMessage.java`, py-sdk `chatbot.py`
/// `ChatbotMessage.from_dict`, and developerpedia protocol.md's logged group example.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BotMessageData {
    pub(crate) conversation_id: String,
    pub(crate) at_users: Vec<AtUser>,
    pub(crate) chatbot_corp_id: String,
    pub(crate) chatbot_user_id: String,
    pub(crate) msg_id: String,
    pub(crate) sender_nick: String,
    pub(crate) is_admin: bool,
    pub(crate) sender_staff_id: String,
    pub(crate) session_webhook_expired_time: i64,
    pub(crate) create_at: i64,
    pub(crate) sender_corp_id: String,
    /// `"1"` single chat, `"2"` group.
    pub(crate) conversation_type: String,
    pub(crate) sender_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) conversation_title: Option<String>,
    pub(crate) is_in_at_list: bool,
    pub(crate) session_webhook: String,
    /// For `text` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) text: Option<TextContent>,
    /// For `picture` and `file` (java-sdk `models/bot/MessageContent.java`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) content: Option<MessageContent>,
    pub(crate) robot_code: String,
    pub(crate) msgtype: String,
    /// The quoted message's id; sent with quoted replies (soimy/openclaw-channel-dingtalk
    /// `src/types.ts`, PR #128). Not in the official SDK models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) original_msg_id: Option<String>,
    /// The `processQueryKey` (or card `carrierId`) of the quoted robot message
    /// (soimy/openclaw-channel-dingtalk `src/messaging/quoted-ref.ts`, PR #252).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) original_process_query_key: Option<String>,
}

/// `content` of a `picture` or a `file`: `downloadCode` (both; a picture also carries it as
/// `pictureDownloadCode`) and `fileName` (a file). Source: java-sdk
/// `models/bot/MessageContent.java` ("适用的类型：picture, video, audio, file"). No size.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageContent {
    pub(crate) download_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) picture_download_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file_name: Option<String>,
}

/// `text` of a robot message; `isReplyMsg` and `repliedMsg` come with quoted replies
/// (dingtalk-stream-sdk-python#49, dingtalk-stream-sdk-go#22, soimy `src/types.ts`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TextContent {
    pub(crate) content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) is_reply_msg: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) replied_msg: Option<RepliedMsg>,
}

/// The quoted message inside `text.repliedMsg` (soimy/openclaw-channel-dingtalk `src/types.ts`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RepliedMsg {
    pub(crate) msg_type: String,
    pub(crate) msg_id: String,
    pub(crate) sender_id: String,
    pub(crate) created_at: i64,
    pub(crate) content: Value,
}

/// The `data` of a card callback. Sources: py-sdk `card_callback.py` `CardCallbackMessage`,
/// go-sdk `card/model.go` `CardRequest`; `content` and `extension` are JSON strings and the
/// pressed button is in `content.cardPrivateData {actionIds, params}`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CardCallbackData {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) out_track_id: String,
    pub(crate) corp_id: String,
    pub(crate) user_id: String,
    pub(crate) user_id_type: i64,
    /// Local choice: the space the card was delivered to (`IM_ROBOT`, `IM_GROUP`); no SDK
    /// shows the values.
    pub(crate) space_type: String,
    pub(crate) space_id: String,
    pub(crate) extension: String,
    pub(crate) content: String,
}

/// Milliseconds since the Unix epoch, DingTalk's unit for `time`, `createAt` and expiries.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The first half of a frame, cut on a character boundary: what a client reads when the
/// connection dies in the middle of a push.
pub(crate) fn first_half(text: &str) -> &str {
    &text[..text.floor_char_boundary(text.len() / 2)]
}

#[cfg(test)]
mod tests {
    use super::{DownFrame, first_half};

    #[test]
    fn a_frame_has_the_documented_shape_with_data_as_a_string() {
        let frame = DownFrame::new("CALLBACK", "/t", "m1", r#"{"a":1}"#.to_owned())
            .on_connection("app", "conn");
        let v: serde_json::Value = serde_json::from_str(&frame.to_json()).unwrap();

        assert_eq!(v["specVersion"], "1.0");
        assert_eq!(v["type"], "CALLBACK");
        assert_eq!(v["headers"]["messageId"], "m1");
        assert_eq!(v["headers"]["connectionId"], "conn");
        assert!(v["headers"]["time"].is_string());
        assert_eq!(v["data"], r#"{"a":1}"#);
    }

    #[test]
    fn half_a_frame_never_splits_a_character() {
        assert_eq!(first_half("督办督办"), "督办");
        assert_eq!(first_half("督办x"), "督");
    }
}
