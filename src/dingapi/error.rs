//! How DingTalk answers a failed call. The new APIs (`api.dingtalk.com`) answer 4xx/5xx with
//! `{"code", "message", "requestid"}`: issue satorijs/satori#240 logs
//! `[400] {"code":"InvalidAuthentication","requestid":"…","message":"不合法的access_token"}`,
//! zfanswer/dify-on-dingtalk#28 logs `401 {"requestid":"…","code":"authFailed","message":"鉴权失败"}`
//! for the gateway. The old APIs (`oapi.dingtalk.com`) answer 200 with `{"errcode", "errmsg"}`.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A failed call of a new-style API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// DingTalk's `code`, e.g. `InvalidAuthentication`.
    pub code: String,
    /// DingTalk's `message` (Chinese, as DingTalk words it where the sources show it).
    pub message: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &str, message: &str) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }

    pub(crate) fn bad_request(code: &str, message: &str) -> Self {
        Self::new(400, code, message)
    }

    /// An expired or unknown token: 400, not 401 (see the module comment).
    pub(crate) fn invalid_token() -> Self {
        Self::bad_request("InvalidAuthentication", "不合法的access_token")
    }

    /// No token header; a third-party probe's answer (docs/dingtalk-protocol.md §5).
    pub(crate) fn missing_token() -> Self {
        Self::bad_request(
            "AuthenticationFailed.MissingParameter",
            "缺少参数：x-acs-dingtalk-access-token",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = json!({ "code": self.code, "message": self.message, "requestid": request_id() });
        (status, Json(body)).into_response()
    }
}

/// An old-style answer: HTTP 200 whatever happened, `errcode` 0 on success.
pub(crate) fn oapi_error(errcode: i64, errmsg: &str) -> Response {
    Json(json!({ "errcode": errcode, "errmsg": errmsg, "request_id": request_id() }))
        .into_response()
}

/// DingTalk's request ids look like `30EE8654-1AA2-7D88-8248-9518547248AA`.
fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("0000D1A6-0000-0000-0000-{n:012X}")
}
