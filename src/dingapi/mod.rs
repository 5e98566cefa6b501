//! A local DingTalk server on 127.0.0.1 for end-to-end tests of the DingTalk adapter: the
//! Stream gateway and its WebSocket (an enterprise internal app's robot in Stream mode), the
//! OpenAPI the robot sends with (`api.dingtalk.com`) and the media upload (`oapi.dingtalk.com`),
//! all on one port. Tests act as people through [`DingApiServer`]'s methods and read back what
//! the robot sent. Built from docs/dingtalk-protocol.md, which names the source of every shape;
//! nothing reaches the internet.

mod cards;
mod delivery;
mod error;
mod faults;
mod frames;
mod gateway;
mod inspect;
mod media;
mod openapi;
mod people;
mod state;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::routing::{get, post, put};
use tokio::task::JoinHandle;

pub use error::ApiError;
pub use faults::{Api, FaultKind, FaultPlan, FaultStats};
pub use frames::{TOPIC_BOT_MESSAGE, TOPIC_CARD_CALLBACK};
pub use people::Pushed;
pub use state::{
    AckedFrame, Chat, DingGroup, DingUser, Pong, PushedFrame, SentBody, SentCard, SentMessage,
};

use faults::Faults;
use state::{Inner, Shared};

/// Whether a CALLBACK frame is pushed again; the sources disagree (docs/dingtalk-protocol.md
/// §8), so tests choose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delivery {
    /// Kept until ACKed: pushed again to the next connection when its own ends, on
    /// [`DingApiServer::redeliver_unacked`], and after `ack_timeout` (node-sdk: about 60 s).
    #[default]
    UntilAcked,
    /// Pushed once (developerpedia: "机器人消息当前是fire-forgot模式"); with no connection open it
    /// is dropped, as the sender gets DingTalk's offline prompt ([`DingApiServer::missed`]).
    FireAndForget,
}

/// How the server presents the app.
#[derive(Clone, Debug)]
pub struct DingApiOptions {
    /// The app's ClientID (AppKey); the gateway and the token endpoint check it.
    pub client_id: String,
    /// The app's ClientSecret (AppSecret).
    pub client_secret: String,
    /// The robot's robotCode (for an internal app's robot, its AppKey).
    pub robot_code: String,
    /// The organisation's corpId.
    pub corp_id: String,
    /// How long an access token lives (DingTalk: 7200 s).
    pub token_lifetime_secs: u64,
    /// Whether unACKed frames are pushed again.
    pub delivery: Delivery,
    /// Push an unACKed frame again after this long (`UntilAcked` only).
    pub ack_timeout: Option<Duration>,
    /// Send a SYSTEM ping this often.
    pub ping_interval: Option<Duration>,
}

impl Default for DingApiOptions {
    fn default() -> Self {
        Self {
            client_id: "dingtestappkey".into(),
            client_secret: "test-app-secret".into(),
            robot_code: "dingtestappkey".into(),
            corp_id: "dingtestcorp".into(),
            token_lifetime_secs: 7200,
            delivery: Delivery::UntilAcked,
            ack_timeout: None,
            ping_interval: None,
        }
    }
}

/// A running server; dropping it stops it and ends its connections.
#[derive(Debug)]
pub struct DingApiServer {
    shared: Arc<Shared>,
    url: String,
    task: JoinHandle<()>,
}

impl DingApiServer {
    /// Binds 127.0.0.1 on a free port and serves until [`shutdown`](Self::shutdown) or drop.
    pub async fn start(options: DingApiOptions) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("failed to bind the local DingTalk server on 127.0.0.1")?;
        let addr = listener
            .local_addr()
            .context("failed to read the bound address")?;
        let url = format!("http://{addr}/");
        let inner = Inner {
            client_id: options.client_id,
            client_secret: options.client_secret,
            robot_code: options.robot_code,
            corp_id: options.corp_id,
            app_id: "1305d5f5-0000-484f-0000-97d9d1a6ef67".into(),
            endpoint: format!("ws://{addr}/connect"),
            base_url: url.clone(),
            token_lifetime: Duration::from_secs(options.token_lifetime_secs),
            delivery: options.delivery,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            tokens: HashMap::new(),
            tickets: HashMap::new(),
            connections: BTreeMap::new(),
            connections_opened: 0,
            pending: VecDeque::new(),
            acked: Vec::new(),
            missed: Vec::new(),
            pings: HashMap::new(),
            pongs: Vec::new(),
            last_ping: None,
            cut_next: false,
            chats: BTreeMap::new(),
            cards: HashMap::new(),
            media: HashMap::new(),
            received: HashMap::new(),
            calls: HashMap::new(),
            faults: Faults::default(),
            next_id: 0,
        };
        let shared = Arc::new(Shared::new(inner));
        let app = router(shared.clone());
        let chores = housekeeping(shared.clone(), options.ack_timeout, options.ping_interval);
        let task = tokio::spawn(async move {
            tokio::select! {
                result = axum::serve(listener, app) => if let Err(e) = result {
                    tracing::error!(error = %e, "local DingTalk server stopped");
                },
                () = chores => {}
            }
        });
        Ok(Self { shared, url, task })
    }

    /// The base URL, for both `api.dingtalk.com` and `oapi.dingtalk.com` (ends with `/`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops serving and closes every connection.
    pub async fn shutdown(mut self) {
        self.shared.stopped.send_replace(true);
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for DingApiServer {
    fn drop(&mut self) {
        self.shared.stopped.send_replace(true);
        self.task.abort();
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1.0/gateway/connections/open", post(gateway::open))
        .route("/connect", get(gateway::connect))
        .route("/v1.0/oauth2/accessToken", post(openapi::access_token))
        .route(
            "/v1.0/robot/oToMessages/batchSend",
            post(openapi::batch_send),
        )
        .route("/v1.0/robot/groupMessages/send", post(openapi::group_send))
        .route(
            "/v1.0/card/instances/createAndDeliver",
            post(cards::create_and_deliver),
        )
        .route("/v1.0/card/instances", put(cards::update))
        .route("/media/upload", post(media::upload))
        .route(
            "/v1.0/robot/messageFiles/download",
            post(media::download_url),
        )
        .route("/files/{code}", get(media::download))
        .fallback(|| async { ApiError::new(404, "NotFound", "请求的URI地址不存在") })
        .with_state(shared)
}

/// Redelivery after `ack_timeout` and periodic pings; idle when neither is set.
async fn housekeeping(shared: Arc<Shared>, ack_timeout: Option<Duration>, ping: Option<Duration>) {
    let Some(period) = [ack_timeout.map(|t| t / 4), ping]
        .into_iter()
        .flatten()
        .min()
    else {
        return std::future::pending().await;
    };
    let mut ticker = tokio::time::interval(period.max(Duration::from_millis(10)));
    loop {
        ticker.tick().await;
        shared.with(|i| i.tick(ack_timeout, ping));
    }
}
