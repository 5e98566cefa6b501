//! The media upload of the old API (`oapi.dingtalk.com`), for files and pictures:
//! docs/dingtalk-protocol.md §6.

use serde::Deserialize;

use super::error::classify_oapi;
use super::{ApiError, DingTalkApi, base, exchange, read};

/// What an upload is for: `type` of the media upload (§6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    /// For [`Message::File`](super::Message::File).
    File,
    /// For [`Message::Image`](super::Message::Image).
    Image,
}

impl MediaKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Image => "image",
        }
    }
}

/// The media upload's answer: `{errcode, errmsg, media_id, type, created_at}` (§6).
#[derive(Deserialize)]
struct UploadAnswer {
    media_id: String,
}

impl DingTalkApi {
    /// Uploads a file or a picture for [`Message::File`](super::Message::File) or [`Message::Image`](super::Message::Image) and returns its
    /// `media_id` (the old API's `/media/upload`, field `media`, §6).
    pub async fn upload(
        &self,
        file_name: &str,
        bytes: Vec<u8>,
        kind: MediaKind,
    ) -> Result<String, ApiError> {
        let url = format!("{}/media/upload", base(&self.inner.config.oapi_url));
        let mut retried = false;
        loop {
            let token = self.token().await?;
            // A multipart body is consumed by sending it, so each attempt builds its own.
            let part =
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(file_name.to_owned());
            let request = self
                .inner
                .client
                .post(&url)
                .query(&[("access_token", token.as_str()), ("type", kind.as_str())])
                .multipart(reqwest::multipart::Form::new().part("media", part));
            match exchange(request)
                .await
                .and_then(|(s, b)| classify_oapi(s, &b))
            {
                Err(e) if e.is_invalid_token() && !retried => {
                    self.refused(&token).await;
                    retried = true;
                }
                answer => return read::<UploadAnswer>(answer?).map(|a| a.media_id),
            }
        }
    }
}
