//! The media upload of the old API (`oapi.dingtalk.com`): files for `sampleFile` and pictures
//! for `sampleImageMsg`. Old-style answers: HTTP 200 whatever happened, `errcode` 0 on success.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::error::oapi_error;
use super::faults::Api;
use super::openapi::{admit, body, check_robot, token_valid};
use super::state::{Media, Shared};

/// `POST {oapi}/media/upload?access_token=…&type=…` query. Source: py-sdk `stream.py`
/// `upload_to_dingtalk`, soimy `src/media-utils.ts`.
#[derive(Deserialize)]
pub(crate) struct UploadQuery {
    access_token: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Multipart with the file in field `media`; answers the old style, HTTP 200 always:
/// `{errcode: 0, errmsg: "ok", media_id, type, created_at}`, or an errcode (40014 for the
/// token, satorijs/satori#240).
pub(crate) async fn upload(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<UploadQuery>,
    mut multipart: Multipart,
) -> Response {
    let admitted = shared.with(|inner| {
        *inner.calls.entry(Api::MediaUpload).or_default() += 1;
        let token = query.access_token.as_deref().unwrap_or("");
        if !token_valid(inner, token) {
            return Err((40014, "不合法的access_token"));
        }
        inner
            .faults
            .check(Api::MediaUpload)
            .map_err(|k| k.oapi_error())
    });
    if let Err((code, message)) = admitted {
        return oapi_error(code, message);
    }
    let kind = query.kind.unwrap_or_default();
    if !["image", "voice", "video", "file"].contains(&kind.as_str()) {
        return oapi_error(40004, "不合法的媒体文件类型");
    }
    let mut upload = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("media") {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            if let Ok(bytes) = field.bytes().await {
                upload = Some(Media {
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
        }
    }
    let Some(media) = upload else {
        return oapi_error(40035, "缺少参数 media");
    };
    let media_id = shared.with(|inner| {
        let id = format!("@lAD{:08x}", inner.next());
        inner.media.insert(id.clone(), media);
        id
    });
    Json(json!({
        "errcode": 0, "errmsg": "ok", "media_id": media_id, "type": kind,
        "created_at": super::frames::now_millis(),
    }))
    .into_response()
}

/// `POST /v1.0/robot/messageFiles/download` body: `{downloadCode, robotCode}` (DingTalk's API
/// reference, 下载机器人接收消息的文件内容; py-sdk `chatbot.py` `get_image_download_url`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DownloadRequest {
    download_code: Option<String>,
    robot_code: Option<String>,
}

/// Answers `{downloadUrl}`, a URL of this server that serves the bytes without a token (as
/// DingTalk's short-lived storage URL does); an unknown code is refused.
pub(crate) async fn download_url(
    State(shared): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    bytes: axum::body::Bytes,
) -> Response {
    let answer = shared.with(|inner| {
        admit(inner, &headers, Api::FileDownload)?;
        let req: DownloadRequest = body(&bytes)?;
        check_robot(inner, req.robot_code.as_deref())?;
        let code = req.download_code.unwrap_or_default();
        if !inner.received.contains_key(&code) {
            return Err(ApiError::bad_request(
                "invalidParameter.downloadCode.invalid",
                "downloadCode无效或已过期",
            ));
        }
        Ok(json!({ "downloadUrl": format!("{}files/{code}", inner.base_url) }))
    });
    match answer {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /files/{code}`: the bytes a person sent.
pub(crate) async fn download(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Response {
    match shared.with(|inner| inner.received.get(&code).map(|m| m.bytes.clone())) {
        Some(bytes) => bytes.into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}
