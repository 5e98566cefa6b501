//! Robot messages to people's single chats (batchSend) and to groups (groupMessages/send):
//! docs/dingtalk-protocol.md §6.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, DingTalkApi, read};

/// batchSend takes at most 20 userIds a call (§6, dingtalk.io).
pub const MAX_RECEIVERS: usize = 20;

/// A robot message, by DingTalk's msgKey (§6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// `sampleText`.
    Text(String),
    /// `sampleMarkdown`; `title` is what the chat list and the notification show.
    Markdown {
        /// What the chat list and the notification show.
        title: String,
        /// The Markdown.
        text: String,
    },
    /// `sampleFile`, with a `media_id` from [`DingTalkApi::upload`].
    File {
        /// From [`DingTalkApi::upload`] with [`MediaKind::File`](super::MediaKind::File).
        media_id: String,
        /// The name the chat shows, e.g. `通报.docx`.
        file_name: String,
        /// The extension without its dot, e.g. `docx`.
        file_type: String,
    },
    /// `sampleImageMsg`, with a `media_id` from [`DingTalkApi::upload`].
    Image {
        /// From [`DingTalkApi::upload`] with [`MediaKind::Image`](super::MediaKind::Image).
        media_id: String,
    },
}

impl Message {
    /// msgKey and msgParam; msgParam is a JSON string, not an object (§6).
    fn key_and_param(&self) -> (&'static str, String) {
        let (key, param) = match self {
            Self::Text(content) => ("sampleText", json!({ "content": content })),
            Self::Markdown { title, text } => {
                ("sampleMarkdown", json!({ "title": title, "text": text }))
            }
            Self::File {
                media_id,
                file_name,
                file_type,
            } => (
                "sampleFile",
                json!({ "mediaId": media_id, "fileName": file_name, "fileType": file_type }),
            ),
            Self::Image { media_id } => ("sampleImageMsg", json!({ "photoURL": media_id })),
        };
        (key, param.to_string())
    }
}

/// What DingTalk did with a message it accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// The send's id; a quoted reply to the message names it as `originalProcessQueryKey`
    /// (§3).
    pub process_query_key: String,
    /// Staff ids not in the organisation: not delivered, and will not be (§6).
    pub invalid: Vec<String>,
    /// Staff ids DingTalk flow-controlled: not delivered now, worth another try later (§6).
    pub throttled: Vec<String>,
    /// Staff ids DingTalk filtered: not delivered. The response model lists them without saying
    /// why (openapi-sdk `BatchSendOTOResponseBody.filteredStaffIdList`); other adapters count
    /// them as failed.
    pub filtered: Vec<String>,
}

/// batchSend's answer (openapi-sdk `BatchSendOTOResponseBody`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchSendAnswer {
    process_query_key: String,
    #[serde(default)]
    invalid_staff_id_list: Vec<String>,
    #[serde(default)]
    flow_controlled_staff_id_list: Vec<String>,
    #[serde(default)]
    filtered_staff_id_list: Vec<String>,
}

/// groupMessages/send's answer (openapi-sdk `OrgGroupSendResponseBody`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupSendAnswer {
    process_query_key: String,
}

impl DingTalkApi {
    /// Sends one message to each of these people's single chats with the robot (batchSend,
    /// §6). At most [`MAX_RECEIVERS`]; more is refused unsent, so that each caller decides how
    /// a long list is split and retried. A 200 answer may still leave some out: see [`Sent`].
    /// When none of them is in the organisation DingTalk refuses the call.
    pub async fn send_to_users(
        &self,
        staff_ids: &[String],
        message: &Message,
    ) -> Result<Sent, ApiError> {
        if staff_ids.is_empty() {
            return Err(ApiError::Invalid("batchSend without a receiver".into()));
        }
        if staff_ids.len() > MAX_RECEIVERS {
            return Err(ApiError::Invalid(format!(
                "batchSend takes at most {MAX_RECEIVERS} receivers, not {}",
                staff_ids.len()
            )));
        }
        let (key, param) = message.key_and_param();
        let body = json!({
            "robotCode": self.inner.config.robot_code, "userIds": staff_ids,
            "msgKey": key, "msgParam": param,
        });
        let answer: BatchSendAnswer = read(
            self.call(Method::POST, "v1.0/robot/oToMessages/batchSend", &body)
                .await?,
        )?;
        Ok(Sent {
            process_query_key: answer.process_query_key,
            invalid: answer.invalid_staff_id_list,
            throttled: answer.flow_controlled_staff_id_list,
            filtered: answer.filtered_staff_id_list,
        })
    }

    /// Sends one message to a group the robot is in (groupMessages/send, §6).
    pub async fn send_to_group(
        &self,
        open_conversation_id: &str,
        message: &Message,
    ) -> Result<Sent, ApiError> {
        let (key, param) = message.key_and_param();
        let body = json!({
            "robotCode": self.inner.config.robot_code,
            "openConversationId": open_conversation_id, "msgKey": key, "msgParam": param,
        });
        let answer: GroupSendAnswer = read(
            self.call(Method::POST, "v1.0/robot/groupMessages/send", &body)
                .await?,
        )?;
        Ok(Sent {
            process_query_key: answer.process_query_key,
            ..Sent::default()
        })
    }
}
