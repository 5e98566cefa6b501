//! What people send the robot (pictures, files): a push carries a `downloadCode`, which the
//! robot exchanges for a short-lived URL and reads. `POST /v1.0/robot/messageFiles/download`
//! with `{downloadCode, robotCode}` answers `{downloadUrl}` (DingTalk's API reference,
//! 下载机器人接收消息的文件内容; the Stream SDKs' `get_image_download_url`, py-sdk
//! `chatbot.py`); docs/dingtalk-protocol.md §3.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, DingTalkApi, read, transport_error};

/// The download API's answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DownloadAnswer {
    download_url: String,
}

impl DingTalkApi {
    /// The bytes a `downloadCode` names, at most `max` of them: `Err` with the size when there
    /// are more (the size when the answer gave its length; reading stops there).
    pub async fn download(
        &self,
        download_code: &str,
        max: u64,
    ) -> Result<Result<Vec<u8>, Option<u64>>, ApiError> {
        let body = json!({
            "downloadCode": download_code,
            "robotCode": self.inner.config.robot_code,
        });
        let answer = self
            .call(Method::POST, "v1.0/robot/messageFiles/download", &body)
            .await?;
        let url = read::<DownloadAnswer>(answer)?.download_url;
        let mut response = self
            .inner
            .client
            .get(&url)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(if status.is_server_error() {
                ApiError::Transient(format!("the file download answered {status}"))
            } else {
                ApiError::Rejected {
                    status: status.as_u16(),
                    code: String::new(),
                    message: "the file download was refused".into(),
                }
            });
        }
        if let Some(length) = response.content_length().filter(|length| *length > max) {
            return Ok(Err(Some(length)));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > max {
                return Ok(Err(None));
            }
        }
        Ok(Ok(bytes))
    }
}
