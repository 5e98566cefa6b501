//! The DingTalk OpenAPI client the robot sends with: messages to people (batchSend) and to
//! groups, cards with buttons that call back over the Stream connection, and the media upload
//! that files and pictures need first. Shapes and sources are in docs/dingtalk-protocol.md
//! §4 (cards), §5 (the token), §6 (sending) and §7 (limits and errors).
//!
//! The client makes one HTTP call per method (plus the token's, which is cached) and says what
//! became of it; it does not wait and retry, except once with a fresh token when DingTalk
//! refuses the old one. Waiting out a limit and counting attempts is the outbox's work, which
//! knows what else is queued.

mod cards;
mod error;
mod files;
mod media;
mod messages;
mod token;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

pub use cards::{Card, CardSent, Space};
pub use error::ApiError;
pub use media::MediaKind;
pub use messages::{MAX_RECEIVERS, Message, Sent};

use error::classify;
use token::TokenCache;

/// A hung call ends as [`ApiError::Transient`] after this long, so a send never holds the
/// outbox up for longer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The token header of every `api.dingtalk.com` call (§5).
const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// Where DingTalk is and who the app is. The URLs are settings so that tests point them at
/// the local server (`duban::dingapi`); the secret is never printed or logged.
#[derive(Clone)]
pub struct ApiConfig {
    /// The new API, `https://api.dingtalk.com`.
    pub api_url: String,
    /// The old API, `https://oapi.dingtalk.com` (the media upload).
    pub oapi_url: String,
    /// The app's ClientID (AppKey).
    pub client_id: String,
    /// The app's ClientSecret (AppSecret).
    pub client_secret: String,
    /// The robot's robotCode (for an enterprise internal app's robot, its AppKey).
    pub robot_code: String,
}

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiConfig")
            .field("api_url", &self.api_url)
            .field("oapi_url", &self.oapi_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[hidden]")
            .field("robot_code", &self.robot_code)
            .finish()
    }
}

/// The client; cheap to clone, and its clones share the HTTP connections and the token.
#[derive(Clone)]
pub struct DingTalkApi {
    inner: Arc<Inner>,
}

struct Inner {
    config: ApiConfig,
    client: reqwest::Client,
    token: TokenCache,
}

impl fmt::Debug for DingTalkApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DingTalkApi")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl DingTalkApi {
    /// A client for this app; no call is made until the first send. A call DingTalk does not
    /// answer within 10 s ends as [`ApiError::Transient`].
    pub fn new(config: ApiConfig) -> Self {
        Self::with_timeout(config, REQUEST_TIMEOUT)
    }

    /// The same with another request timeout (tests use a short one to see a hung call end).
    pub fn with_timeout(config: ApiConfig, timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .expect("an HTTP client with a timeout builds");
        Self {
            inner: Arc::new(Inner {
                config,
                client,
                token: TokenCache::default(),
            }),
        }
    }

    /// One call of the new API with the token, again once with a new token if DingTalk
    /// refuses the first (§5).
    async fn call(&self, method: Method, path: &str, body: &Value) -> Result<Value, ApiError> {
        let url = format!("{}/{path}", base(&self.inner.config.api_url));
        let mut retried = false;
        loop {
            let token = self.token().await?;
            let request = self
                .inner
                .client
                .request(method.clone(), &url)
                .header(TOKEN_HEADER, &token)
                .json(body);
            match exchange(request).await.and_then(|(s, b)| classify(s, &b)) {
                Err(e) if e.is_invalid_token() && !retried => {
                    self.refused(&token).await;
                    retried = true;
                }
                answer => return answer,
            }
        }
    }

    async fn token(&self) -> Result<String, ApiError> {
        let config = &self.inner.config;
        self.inner
            .token
            .get(|| async {
                let url = format!("{}/v1.0/oauth2/accessToken", base(&config.api_url));
                let body = token::request_body(&config.client_id, &config.client_secret);
                let (status, bytes) = exchange(self.inner.client.post(url).json(&body)).await?;
                classify(status, &bytes)
            })
            .await
    }

    async fn refused(&self, token: &str) {
        tracing::info!("DingTalk refused the access token; fetching a new one");
        self.inner.token.forget(token).await;
    }
}

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// Sends a request and reads the whole answer; no answer is [`ApiError::Transient`].
async fn exchange(request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), ApiError> {
    let response = request.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(transport_error)?;
    Ok((status, bytes.to_vec()))
}

/// A request that got no answer, described without its URL (the upload's holds the token).
fn transport_error(e: reqwest::Error) -> ApiError {
    if e.is_timeout() {
        return ApiError::Transient("no answer before the request timed out".into());
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    ApiError::Transient(text)
}

/// A success answer in the shape its API documents. One that is not is DingTalk's fault, and
/// the call may have taken effect, as after a timeout.
fn read<T: serde::de::DeserializeOwned>(answer: Value) -> Result<T, ApiError> {
    serde_json::from_value(answer)
        .map_err(|e| ApiError::Transient(format!("an answer that cannot be read: {e}")))
}
