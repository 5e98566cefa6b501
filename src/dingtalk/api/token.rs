//! The app's access token (docs/dingtalk-protocol.md §5): fetched with the app key and secret,
//! kept until 5 minutes before it runs out (as py-sdk's `get_access_token` renews it), and
//! fetched by one caller at a time, so a burst of sends after a start or an expiry costs one
//! token call rather than one per send.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::ApiError;

/// Renew this long before DingTalk's `expireIn` runs out (py-sdk).
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

/// The token the calls share; `None` until the first call and after a refusal.
#[derive(Default)]
pub(super) struct TokenCache {
    slot: Mutex<Option<Cached>>,
}

struct Cached {
    token: String,
    renew_at: Instant,
}

/// `{"accessToken": "…", "expireIn": 7200}` (openapi-sdk `oauth2_1_0`
/// `GetAccessTokenResponseBody`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenAnswer {
    access_token: String,
    expire_in: u64,
}

impl TokenCache {
    /// The cached token, or a new one from `fetch`. The lock is held across the fetch: callers
    /// that come meanwhile wait for its result instead of fetching too.
    pub(super) async fn get<F, Fut>(&self, fetch: F) -> Result<String, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<serde_json::Value, ApiError>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(cached) = slot.as_ref()
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let answer: TokenAnswer = serde_json::from_value(fetch().await?).map_err(|_| {
            ApiError::Transient("the token answer has no accessToken and expireIn".into())
        })?;
        let lifetime = Duration::from_secs(answer.expire_in);
        tracing::debug!(
            expires_in = answer.expire_in,
            "fetched a DingTalk access token"
        );
        *slot = Some(Cached {
            token: answer.access_token.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(RENEW_BEFORE),
        });
        Ok(answer.access_token)
    }

    /// Drops `refused` after DingTalk refused it; a token another caller fetched since stays.
    pub(super) async fn forget(&self, refused: &str) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|c| c.token == refused) {
            *slot = None;
        }
    }
}

/// The body of `POST /v1.0/oauth2/accessToken` (openapi-sdk `GetAccessTokenRequest`; JSON
/// only, aliyun/alibabacloud-php-sdk#36).
pub(super) fn request_body(app_key: &str, app_secret: &str) -> serde_json::Value {
    json!({ "appKey": app_key, "appSecret": app_secret })
}
