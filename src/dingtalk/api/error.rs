//! What a failed call means for the caller, read from DingTalk's answer as
//! docs/dingtalk-protocol.md §7 says: by DingTalk's `code` first and the HTTP status second,
//! because the throttle codes come with 403 ("Forbidden") and are still worth another try.

use std::time::Duration;

use serde_json::Value;

/// Why a call to DingTalk did not go through. [`retryable`](Self::retryable) says whether the
/// same call can succeed later; the caller (the outbox) owns the waiting and the attempts.
/// Display is English, for logs: it never holds the app secret or a token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// DingTalk's rate limits (§7): 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` and
    /// its siblings, the old API's errcodes 90002, 90018 and 90019, or the egress IP blocked
    /// for minutes. Try again after [`retry_after`](ApiError::retry_after).
    #[error("DingTalk throttled the call ({code})")]
    Throttled {
        /// DingTalk's code (`errcode` as a string on the old API).
        code: String,
    },
    /// The organisation's monthly quota of metered calls is used up
    /// (`Forbidden.AccessDenied.ApiCountLimitForOrg`, old errcode 90020): nothing metered goes
    /// through until next month or a bigger plan, so retrying is pointless (§7).
    #[error("the organisation's monthly DingTalk API quota is used up ({code})")]
    QuotaExhausted {
        /// DingTalk's code.
        code: String,
    },
    /// No usable answer: a 5xx, the old API's errcode -1 (系统繁忙), no answer within the
    /// request timeout, no connection, or an answer that is not DingTalk's. The call may or may
    /// not have taken effect (after a timeout a message may already be in the chat).
    #[error("no usable answer from DingTalk: {0}")]
    Transient(String),
    /// DingTalk refused the call and would refuse it again: bad parameters, an unknown
    /// receiver or group, wrong credentials, a token still refused after one fresh fetch.
    #[error("DingTalk refused the call: HTTP {status} {code}: {message}")]
    Rejected {
        /// The HTTP status (200 for the old API, which answers errors in a 200 body).
        status: u16,
        /// DingTalk's `code` (`errcode` on the old API).
        code: String,
        /// DingTalk's `message` (`errmsg`), in Chinese as DingTalk words it.
        message: String,
    },
    /// The call was not made: the request cannot be valid (no receiver, more than batchSend
    /// takes). A mistake of the caller, not DingTalk's answer.
    #[error("not sent to DingTalk: {0}")]
    Invalid(String),
}

impl ApiError {
    /// Whether the same call can succeed later.
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Throttled { .. } | Self::Transient(_))
    }

    /// How long DingTalk wants the caller to wait, where it says (§7: no `Retry-After`, so
    /// this is read from the kind of limit): a second after a per-second limit, a minute after a
    /// per-minute one, five minutes when the egress IP was blocked. `None` for the rest: a
    /// transient failure takes the caller's own backoff, a permanent one no retry.
    pub fn retry_after(&self) -> Option<Duration> {
        let Self::Throttled { code } = self else {
            return None;
        };
        Some(if code.starts_with(IP_BLOCKED) {
            Duration::from_secs(5 * 60)
        } else if code.contains("Qpm") {
            Duration::from_secs(60)
        } else {
            Duration::from_secs(1)
        })
    }

    /// An expired or unknown token: fetch a new one and try once more (§5).
    pub(super) fn is_invalid_token(&self) -> bool {
        matches!(self, Self::Rejected { code, .. }
            if code == "InvalidAuthentication" || code == OAPI_INVALID_TOKEN)
    }
}

/// The old API's errcode for an invalid token (§5: satorijs/satori#240).
const OAPI_INVALID_TOKEN: &str = "40014";

/// The code given to an answer of DingTalk's per-IP limit, which has no code of its own (§7).
const IP_BLOCKED: &str = "punish";

/// Whether a new-API code is one of the rate limits of the throttling doc (§7):
/// `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`, `…QpmLimitForAppkeyAndApi`,
/// `…QpsLimitForApi`. Other `Forbidden.AccessDenied.*` codes (an IP not on the allow list, a
/// missing permission) are permanent, so the match is narrow.
fn is_throttle_code(code: &str) -> bool {
    code.strip_prefix("Forbidden.AccessDenied.")
        .is_some_and(|rest| rest.starts_with("QpsLimit") || rest.starts_with("QpmLimit"))
}

/// Reads an answer of the new API (`api.dingtalk.com`): a 2xx is its JSON body, an error is
/// `{"code", "message", "requestid"}` with a 4xx or 5xx status (§5, §7).
pub(super) fn classify(status: u16, body: &[u8]) -> Result<Value, ApiError> {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        // An HTML page is how the per-IP limit answers (§7), and how proxies and gateways
        // answer while DingTalk's own service is unreachable: neither is worth giving up on.
        return Err(ApiError::Transient(format!(
            "HTTP {status} with an answer that is not JSON: {}",
            excerpt(body)
        )));
    };
    if (200..300).contains(&status) {
        return Ok(json);
    }
    if json.get("punish").is_some() {
        // `{"status":1111,"wait":5,"source":"x5","punish":"deny",…}` (§7, throttling doc).
        let punish = json["punish"].as_str().unwrap_or("deny");
        return Err(ApiError::Throttled {
            code: format!("{IP_BLOCKED}:{punish}"),
        });
    }
    let code = json["code"].as_str().unwrap_or_default().to_owned();
    let message = json["message"].as_str().unwrap_or_default().to_owned();
    if is_throttle_code(&code) {
        return Err(ApiError::Throttled { code });
    }
    if code.ends_with("ApiCountLimitForOrg") {
        return Err(ApiError::QuotaExhausted { code });
    }
    if status == 429 {
        // DingTalk does not answer 429 (§7), but a proxy in front of it may.
        let code = if code.is_empty() { "429".into() } else { code };
        return Err(ApiError::Throttled { code });
    }
    if status >= 500 {
        return Err(ApiError::Transient(format!(
            "HTTP {status} {code}: {message}"
        )));
    }
    if code.is_empty() {
        return Err(ApiError::Rejected {
            status,
            code,
            message: excerpt(body),
        });
    }
    Err(ApiError::Rejected {
        status,
        code,
        message,
    })
}

/// Reads an answer of the old API (`oapi.dingtalk.com`): HTTP 200 whatever happened, with
/// `errcode` 0 on success (§6). Codes: 40014 the token (§5); -1 系统繁忙 (DingTalk's global
/// return codes: "建议稍后再重试"); 90002 all apps over an API's limit, 90018 one app over its
/// QPS, 90019 a third-party app over its QPS (the old codes of the throttling doc, as mirrored
/// in a copy of its 2023 version); 90020 the monthly quota (DingTalk's help centre,
/// help-detail-1061621972: "errorcode会有两个错误码:90020和Forbidden.AccessDenied.ApiCountLimitForOrg").
pub(super) fn classify_oapi(status: u16, body: &[u8]) -> Result<Value, ApiError> {
    let json = classify(status, body)?;
    let errcode = json["errcode"].as_i64().unwrap_or(0);
    let code = errcode.to_string();
    match errcode {
        0 => Ok(json),
        -1 => Err(ApiError::Transient(format!(
            "errcode -1: {}",
            json["errmsg"].as_str().unwrap_or_default()
        ))),
        90002 | 90018 | 90019 => Err(ApiError::Throttled { code }),
        90020 => Err(ApiError::QuotaExhausted { code }),
        _ => Err(ApiError::Rejected {
            status,
            code,
            message: json["errmsg"].as_str().unwrap_or_default().to_owned(),
        }),
    }
}

/// The start of an answer that is not DingTalk's, for the log.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut cut: String = text.chars().take(120).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    //! The answers below are literal ones from docs/dingtalk-protocol.md, which names where each
    //! was read.

    use std::time::Duration;

    use super::{ApiError, classify, classify_oapi};

    fn new_api(status: u16, body: &str) -> Result<serde_json::Value, ApiError> {
        classify(status, body.as_bytes())
    }

    #[test]
    fn the_per_app_qps_limit_is_retryable_though_it_reads_forbidden() {
        let error = new_api(
            403,
            r#"{"code":"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi","message":"当前企业应用调用开放接口触发了QPS限流","requestid":"x"}"#,
        )
        .unwrap_err();

        assert_eq!(
            error,
            ApiError::Throttled {
                code: "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi".into()
            }
        );
        assert!(error.retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn the_global_and_per_minute_limits_are_throttles_too() {
        for (code, wait) in [
            ("Forbidden.AccessDenied.QpsLimitForApi", 1),
            ("Forbidden.AccessDenied.QpmLimitForAppkeyAndApi", 60),
        ] {
            let body = format!(r#"{{"code":"{code}","message":"限流"}}"#);
            let error = new_api(403, &body).unwrap_err();
            assert_eq!(error, ApiError::Throttled { code: code.into() });
            assert_eq!(error.retry_after(), Some(Duration::from_secs(wait)));
        }
    }

    #[test]
    fn other_access_denied_codes_are_permanent() {
        let error = new_api(
            403,
            r#"{"code":"Forbidden.AccessDenied.IpNotInWhiteList","message":"ip不在白名单"}"#,
        )
        .unwrap_err();

        assert!(matches!(error, ApiError::Rejected { status: 403, .. }));
        assert!(!error.retryable());
    }

    #[test]
    fn the_monthly_quota_is_not_retryable() {
        let error = new_api(
            403,
            r#"{"code":"Forbidden.AccessDenied.ApiCountLimitForOrg","message":"超过月调用量"}"#,
        )
        .unwrap_err();

        assert!(matches!(error, ApiError::QuotaExhausted { .. }));
        assert!(!error.retryable());
        assert_eq!(error.retry_after(), None);
    }

    #[test]
    fn the_ip_block_answer_waits_minutes() {
        let error = new_api(
            403,
            r#"{"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"xxx"}"#,
        )
        .unwrap_err();

        assert!(error.retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(300)));
    }

    #[test]
    fn a_server_error_is_transient() {
        let error = new_api(500, r#"{"code":"unknownError","message":"未知错误"}"#).unwrap_err();

        assert_eq!(
            error,
            ApiError::Transient("HTTP 500 unknownError: 未知错误".into())
        );
        assert!(error.retryable());
        assert_eq!(error.retry_after(), None);
    }

    #[test]
    fn an_html_page_is_transient_whatever_its_status() {
        for status in [403, 502] {
            let error = new_api(status, "<html><body>访问被拒绝</body></html>").unwrap_err();
            assert!(matches!(error, ApiError::Transient(_)), "{error:?}");
        }
    }

    #[test]
    fn an_invalid_token_is_a_rejection_that_asks_for_a_new_token() {
        let error = new_api(
            400,
            r#"{"code":"InvalidAuthentication","requestid":"r","message":"不合法的access_token"}"#,
        )
        .unwrap_err();

        assert!(error.is_invalid_token());
        assert!(!error.retryable());
    }

    #[test]
    fn bad_parameters_and_strangers_are_rejected_with_dingtalks_code() {
        for (code, message) in [
            ("invalidParameter.userIds.overMax", "用户userId列表超过上限"),
            ("staffId.notExisted", "员工staffId不存在"),
            ("invalid.openConversationId", "无效的openConversationId"),
        ] {
            let body = format!(r#"{{"code":"{code}","message":"{message}"}}"#);
            assert_eq!(
                new_api(400, &body).unwrap_err(),
                ApiError::Rejected {
                    status: 400,
                    code: code.into(),
                    message: message.into()
                }
            );
        }
    }

    #[test]
    fn a_success_is_its_body() {
        let answer = new_api(
            200,
            r#"{"processQueryKey":"k","invalidStaffIdList":[],"flowControlledStaffIdList":[]}"#,
        )
        .unwrap();

        assert_eq!(answer["processQueryKey"], "k");
    }

    #[test]
    fn the_old_api_answers_errors_in_a_200_body() {
        let invalid = classify_oapi(
            200,
            r#"{"errcode":40014,"errmsg":"不合法的access_token"}"#.as_bytes(),
        );
        let busy = classify_oapi(200, r#"{"errcode":-1,"errmsg":"系统繁忙"}"#.as_bytes());
        let throttled = classify_oapi(200, r#"{"errcode":90018,"errmsg":"限流"}"#.as_bytes());
        let quota = classify_oapi(
            200,
            r#"{"errcode":90020,"errmsg":"您的企业本月api调用量已超过限制"}"#.as_bytes(),
        );
        let bad_type = classify_oapi(
            200,
            r#"{"errcode":40004,"errmsg":"不合法的媒体文件类型"}"#.as_bytes(),
        );
        let ok = classify_oapi(
            200,
            r#"{"errcode":0,"errmsg":"ok","media_id":"@lA","type":"file","created_at":1690000000000}"#
                .as_bytes(),
        );

        assert!(invalid.unwrap_err().is_invalid_token());
        assert!(matches!(busy.unwrap_err(), ApiError::Transient(_)));
        assert_eq!(
            throttled.unwrap_err(),
            ApiError::Throttled {
                code: "90018".into()
            }
        );
        assert!(matches!(
            quota.unwrap_err(),
            ApiError::QuotaExhausted { .. }
        ));
        assert!(matches!(
            bad_type.unwrap_err(),
            ApiError::Rejected { status: 200, ref code, .. } if code == "40004"
        ));
        assert_eq!(ok.unwrap()["media_id"], "@lA");
    }

    #[test]
    fn display_names_the_code_in_english() {
        let error = ApiError::Rejected {
            status: 400,
            code: "staffId.notExisted".into(),
            message: "员工staffId不存在".into(),
        };

        assert_eq!(
            error.to_string(),
            "DingTalk refused the call: HTTP 400 staffId.notExisted: 员工staffId不存在"
        );
    }
}
