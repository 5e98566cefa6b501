//! The HTTP APIs the robot calls: the access token, batchSend and groupMessages/send (cards are
//! in `cards.rs`, the media upload in `media.rs`). Request types name where their shape was read.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::ApiError;
use super::faults::Api;
use super::state::{Chat, Inner, SentBody, SentMessage, Shared};

/// The token header of every `api.dingtalk.com` call (py-sdk `chatbot.py`, openapi-sdk).
const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// Counts the call, checks the token from the header, then the injected faults and the QPS
/// limit: a fault stands for DingTalk's gateway refusing a call that would have gone through.
pub(crate) fn admit(inner: &mut Inner, headers: &HeaderMap, api: Api) -> Result<(), ApiError> {
    *inner.calls.entry(api).or_default() += 1;
    let token = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::missing_token)?;
    if !token_valid(inner, token) {
        return Err(ApiError::invalid_token());
    }
    inner.faults.check(api).map_err(|kind| kind.api_error())
}

pub(crate) fn token_valid(inner: &Inner, token: &str) -> bool {
    inner
        .tokens
        .get(token)
        .is_some_and(|expires| Instant::now() < *expires)
}

/// A JSON body; DingTalk's new APIs take JSON only (aliyun/alibabacloud-php-sdk#36).
pub(crate) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|_| ApiError::bad_request("invalidParameter.param.invalid", "参数不合法"))
}

/// `POST /v1.0/oauth2/accessToken` body. Source: openapi-sdk `oauth2_1_0`
/// `GetAccessTokenRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    app_key: String,
    app_secret: String,
}

/// Answers `{accessToken, expireIn}` (openapi-sdk `GetAccessTokenResponseBody`). A token asked
/// for again while valid is the same token with its lifetime renewed ("有效期内重复获取会返回相同的
/// 结果并自动续期", DingTalk's token page as quoted in developer.aliyun.com/ask/578909);
/// `expire_tokens()` ends them all.
pub(crate) async fn access_token(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    shared
        .with(|inner| {
            *inner.calls.entry(Api::AccessToken).or_default() += 1;
            inner
                .faults
                .check(Api::AccessToken)
                .map_err(|k| k.api_error())?;
            let req: TokenRequest = body(&bytes)?;
            if req.app_key != inner.client_id || req.app_secret != inner.client_secret {
                // A third-party probe's answer (docs/dingtalk-protocol.md §5).
                return Err(ApiError::bad_request(
                    "invalidClientIdOrSecret",
                    "无效的clientId或者clientSecret",
                ));
            }
            let now = Instant::now();
            inner.tokens.retain(|_, expires| now < *expires);
            let token = match inner.tokens.keys().next() {
                Some(t) => t.clone(),
                None => format!("{:032x}", u128::from(inner.next()) * 0x9E37_79B9_7F4A_7C15),
            };
            inner
                .tokens
                .insert(token.clone(), now + inner.token_lifetime);
            Ok(json!({ "accessToken": token, "expireIn": inner.token_lifetime.as_secs() }))
        })
        .map_or_else(IntoResponse::into_response, |v| Json(v).into_response())
}

/// `POST /v1.0/robot/oToMessages/batchSend` body. Source: openapi-sdk `robot_1_0`
/// `BatchSendOTORequest`; dingtalk.io (at most 20 userIds).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchSendRequest {
    robot_code: Option<String>,
    #[serde(default)]
    user_ids: Vec<String>,
    msg_key: Option<String>,
    msg_param: Option<String>,
}

/// `POST /v1.0/robot/groupMessages/send` body. Source: openapi-sdk `robot_1_0`
/// `OrgGroupSendRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupSendRequest {
    robot_code: Option<String>,
    open_conversation_id: Option<String>,
    msg_key: Option<String>,
    msg_param: Option<String>,
}

/// Answers `{processQueryKey, invalidStaffIdList, flowControlledStaffIdList}` (openapi-sdk
/// `BatchSendOTOResponseBody`, which also has `filteredStaffIdList`).
pub(crate) async fn batch_send(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    respond(shared.with(|inner| {
        admit(inner, &headers, Api::BatchSend)?;
        let req: BatchSendRequest = body(&bytes)?;
        check_robot(inner, req.robot_code.as_deref())?;
        if req.user_ids.is_empty() {
            return Err(ApiError::bad_request(
                "invalidParameter.userIds.empty",
                "用户userId列表为空",
            ));
        }
        if req.user_ids.len() > 20 {
            return Err(ApiError::bad_request(
                "invalidParameter.userIds.overMax",
                "用户userId列表超过上限",
            ));
        }
        let message = message_body(inner, req.msg_key.as_deref(), req.msg_param.as_deref())?;
        let (mut invalid, mut flow_controlled, mut receivers) = (vec![], vec![], vec![]);
        for id in req.user_ids {
            if !inner.users.contains_key(&id) {
                invalid.push(id);
            } else if inner.faults.flow_controlled.contains(&id) {
                flow_controlled.push(id);
            } else {
                receivers.push(id);
            }
        }
        if receivers.is_empty() && flow_controlled.is_empty() {
            // Local choice: a forum question reports this code for ids that do not exist
            // (docs/dingtalk-protocol.md §6).
            return Err(ApiError::bad_request(
                "staffId.notExisted",
                "员工staffId不存在",
            ));
        }
        let key = process_query_key(inner);
        for id in receivers {
            let sent = SentMessage {
                process_query_key: key.clone(),
                body: message.clone(),
            };
            inner.sent_in(Chat::Single(id)).push(sent);
        }
        Ok(json!({
            "processQueryKey": key,
            "invalidStaffIdList": invalid,
            "flowControlledStaffIdList": flow_controlled,
            "filteredStaffIdList": [],
        }))
    }))
}

/// Answers `{processQueryKey}` (openapi-sdk `OrgGroupSendResponseBody`).
pub(crate) async fn group_send(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    respond(shared.with(|inner| {
        admit(inner, &headers, Api::GroupSend)?;
        let req: GroupSendRequest = body(&bytes)?;
        check_robot(inner, req.robot_code.as_deref())?;
        let group = req.open_conversation_id.unwrap_or_default();
        if !inner.groups.contains_key(&group) {
            return Err(ApiError::bad_request(
                "invalid.openConversationId",
                "无效的openConversationId",
            ));
        }
        let message = message_body(inner, req.msg_key.as_deref(), req.msg_param.as_deref())?;
        let key = process_query_key(inner);
        let sent = SentMessage {
            process_query_key: key.clone(),
            body: message,
        };
        inner.sent_in(Chat::Group(group)).push(sent);
        Ok(json!({ "processQueryKey": key }))
    }))
}

fn respond(result: Result<Value, ApiError>) -> Response {
    result.map_or_else(IntoResponse::into_response, |v| Json(v).into_response())
}

/// The robotCode must be this app's robot. Codes from DingTalk's robot error tables
/// (docs/dingtalk-protocol.md §6).
pub(crate) fn check_robot(inner: &Inner, robot_code: Option<&str>) -> Result<(), ApiError> {
    match robot_code {
        None | Some("") => Err(ApiError::bad_request(
            "invalidParameter.robotCode.missing",
            "缺少robotCode",
        )),
        Some(code) if code != inner.robot_code => Err(ApiError::bad_request(
            "invalidParameter.robotCode.notExsit",
            "机器人不存在",
        )),
        Some(_) => Ok(()),
    }
}

pub(crate) fn process_query_key(inner: &mut Inner) -> String {
    let n = inner.next();
    format!("pqk{n:06}{:x}=", super::frames::now_millis())
}

/// Reads msgKey and msgParam (a JSON string) into what the chat shows. msgParam shapes from
/// dingtalk.io's examples and soimy `src/send-service.ts` (docs/dingtalk-protocol.md §6).
fn message_body(
    inner: &Inner,
    key: Option<&str>,
    param: Option<&str>,
) -> Result<SentBody, ApiError> {
    let invalid = || {
        ApiError::bad_request(
            "invalidParameter.msgParam.invalid",
            "msgParam必须是JSON格式",
        )
    };
    let key = key
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::bad_request("invalidParameter.msgKey.empty", "缺少msgKey"))?;
    let param: Value = serde_json::from_str(param.unwrap_or("")).map_err(|_| invalid())?;
    let field = |name: &str| param[name].as_str().map(str::to_owned).ok_or_else(invalid);
    Ok(match key {
        "sampleText" => SentBody::Text {
            content: field("content")?,
        },
        "sampleMarkdown" => SentBody::Markdown {
            title: field("title")?,
            text: field("text")?,
        },
        "sampleImageMsg" => SentBody::Image {
            photo_url: field("photoURL")?,
        },
        "sampleFile" => {
            let media_id = field("mediaId")?;
            // Local choice: an unknown mediaId is refused, so a test sees the mistake.
            let media = inner.media.get(&media_id).ok_or_else(invalid)?;
            SentBody::File {
                file_name: field("fileName")?,
                file_type: field("fileType")?,
                uploaded_name: media.file_name.clone(),
                bytes: media.bytes.clone(),
                media_id,
            }
        }
        "sampleLink" | "sampleAudio" | "sampleVideo" | "sampleActionCard" | "sampleActionCard2"
        | "sampleActionCard3" | "sampleActionCard4" | "sampleActionCard5" | "sampleActionCard6" => {
            SentBody::Other {
                msg_key: key.to_owned(),
                msg_param: param,
            }
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalidParameter.msgKey.invalid",
                "msgKey无效",
            ));
        }
    })
}
