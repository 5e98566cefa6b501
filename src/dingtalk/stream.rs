//! The Stream-mode client: how DingTalk's pushes reach duban without an inbound port.
//!
//! The client asks the gateway for a ticket, opens a WebSocket with it (docs/dingtalk-protocol.md
//! §1) and serves frames (§2): pings are answered at once, CALLBACK frames (robot messages, card
//! presses) go to a [`Sink`] and are ACKed only once the sink has stored them, since a robot
//! message is pushed at most about once and is not kept while nobody is connected (§8). A
//! `disconnect` frame opens a new connection at once while the old one finishes what it holds;
//! a lost connection is opened again with backoff. Duplicates (a redelivery, a frame pushed on
//! two connections) are the sink's to drop, by `msgId`.

mod connection;
mod gateway;
mod wire;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::{self, JoinError, JoinHandle, JoinSet};
use tokio::time::{Instant, sleep_until};

use connection::Ended;
use gateway::{connect, http_client, open_ticket};

/// The robot message callback topic (§3).
pub const TOPIC_BOT_MESSAGE: &str = "/v1.0/im/bot/messages/get";
/// The card callback topic of cards delivered with `callbackType: STREAM` (§4).
pub const TOPIC_CARD_CALLBACK: &str = "/v1.0/card/instances/callback";

/// Where and as whom to connect. `Debug` leaves the secret out; it is never logged.
#[derive(Clone)]
pub struct StreamConfig {
    /// The OpenAPI base, `https://api.dingtalk.com` (a trailing `/` is ignored).
    pub api_url: String,
    /// The app's ClientID (AppKey).
    pub client_id: String,
    /// The app's ClientSecret (AppSecret).
    pub client_secret: String,
    /// The CALLBACK topics to subscribe to: DingTalk pushes only those (§1), so leaving out
    /// [`TOPIC_CARD_CALLBACK`] means no card presses.
    pub topics: Vec<String>,
    /// Reconnection and keep-alive timings.
    pub timing: Timing,
}

impl std::fmt::Debug for StreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamConfig")
            .field("api_url", &self.api_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"…")
            .field("topics", &self.topics)
            .field("timing", &self.timing)
            .finish()
    }
}

/// Reconnection and keep-alive timings; the defaults suit DingTalk, tests shorten them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// The pause before the first new try after a failure; it doubles with each failure in a
    /// row (py-sdk: 1 s doubling to 60 s).
    pub first_retry: Duration,
    /// The longest pause between tries.
    pub max_retry: Duration,
    /// A connection open at least this long counts as healthy: the next failure starts the
    /// pauses again from `first_retry`.
    pub stable_after: Duration,
    /// With nothing read for this long, the client sends a WebSocket ping (go-sdk: 120 s).
    pub idle_ping: Duration,
    /// A ping unanswered this long means a dead socket (go-sdk: 5 s).
    pub pong_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(60),
            stable_after: Duration::from_secs(60),
            idle_ping: Duration::from_secs(60),
            pong_timeout: Duration::from_secs(10),
        }
    }
}

impl Timing {
    /// The pause after `failures` failures in a row (1, 2, …).
    fn backoff(&self, failures: u32) -> Duration {
        self.first_retry
            .saturating_mul(1 << failures.saturating_sub(1).min(16))
            .min(self.max_retry)
    }
}

/// A CALLBACK frame as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// `headers.messageId`: the same on every delivery of this frame.
    pub message_id: String,
    /// `headers.topic`, e.g. [`TOPIC_BOT_MESSAGE`].
    pub topic: String,
    /// The `data`: a JSON string, kept as DingTalk sent it.
    pub data: String,
    /// `headers.time`, Unix milliseconds (0 when absent).
    pub time_ms: i64,
}

/// What the service does with a frame before DingTalk is told it arrived.
pub trait Sink: Send + Sync + 'static {
    /// Stores the frame. `Ok(response)` → ACK with code 200 and data `{"response": response}`
    /// (for a card callback, `response` may update the card, §2); `Err` → no ACK at all
    /// (logged), so DingTalk may push the frame again. Called concurrently, and again for a
    /// frame already taken when DingTalk pushes it twice.
    fn take(&self, frame: Frame) -> impl Future<Output = anyhow::Result<serde_json::Value>> + Send;

    /// Whether a connection is open now, or why none is (in Chinese, for the health check).
    fn connection(&self, _open: Result<(), String>) {}
}

/// Why a connection could not be opened; the message is for the person running duban.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The gateway refused the ClientID or ClientSecret.
    #[error(
        "钉钉拒绝了应用凭证：请核对钉钉开发者后台“凭证与基础信息”中的 ClientID（AppKey）和 ClientSecret（AppSecret）（钉钉答复 {status} {code}：{message}）"
    )]
    Credentials {
        status: u16,
        code: String,
        message: String,
    },
    /// The gateway answered with another error (限流, a fault on DingTalk's side).
    #[error("钉钉网关拒绝建立连接（{status} {code}：{message}）")]
    Gateway {
        status: u16,
        code: String,
        message: String,
    },
    /// The gateway or the WebSocket endpoint could not be reached.
    #[error(
        "无法连接钉钉 {url}：{cause}（请检查网络，并允许访问 api.dingtalk.com 和 wss-open-connection.dingtalk.com 的 443 端口）"
    )]
    Unreachable { url: String, cause: String },
    /// The gateway's answer lacks the endpoint or the ticket.
    #[error("钉钉网关的答复无法识别：{0}")]
    Answer(String),
}

/// Opens a ticket once, to tell at start whether the credentials and the network work. The
/// ticket is left unused; it expires after 90 seconds (§1).
pub async fn check(config: &StreamConfig) -> Result<(), StreamError> {
    open_ticket(&http_client(config)?, config).await.map(drop)
}

/// Runs the client until `stop` turns true (or its sender is dropped): connections are opened
/// and reopened as needed, failures are logged. On stop, frames already with the sink get a
/// few seconds to be stored and ACKed.
pub fn spawn<S: Sink>(
    config: StreamConfig,
    sink: Arc<S>,
    stop: watch::Receiver<bool>,
) -> JoinHandle<anyhow::Result<()>> {
    tokio::spawn(supervise(config, sink, stop))
}

async fn supervise<S: Sink>(
    config: StreamConfig,
    sink: Arc<S>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let client = http_client(&config)?;
    let timing = config.timing;
    let (going_away_tx, mut going_away) = mpsc::unbounded_channel();
    let mut connections = JoinSet::new();
    let mut ids = HashMap::new();
    // The connection new frames go to; None while one is being opened.
    let mut current: Option<u64> = None;
    let mut next_id = 0;
    let mut failures = 0;
    let mut open_at = Instant::now();
    loop {
        let wake = tokio::select! {
            () = sleep_until(open_at), if current.is_none() => Wake::Open,
            Some(id) = going_away.recv() => Wake::GoingAway(id),
            Some(joined) = connections.join_next_with_id() => Wake::Ended(joined),
            _ = stop.wait_for(|s| *s) => Wake::Stop,
        };
        match wake {
            Wake::Open => {
                let opened = tokio::select! {
                    opened = connect(&client, &config) => Some(opened),
                    _ = stop.wait_for(|s| *s) => None,
                };
                match opened {
                    None => break,
                    Some(Ok(ws)) => {
                        next_id += 1;
                        current = Some(next_id);
                        sink.connection(Ok(()));
                        tracing::info!(connection = next_id, "DingTalk Stream connected");
                        let run = connection::run(
                            next_id,
                            ws,
                            sink.clone(),
                            timing,
                            going_away_tx.clone(),
                            stop.clone(),
                        );
                        let task = connections.spawn(run);
                        ids.insert(task.id(), next_id);
                    }
                    Some(Err(e)) => {
                        failures += 1;
                        let pause = timing.backoff(failures);
                        if matches!(e, StreamError::Credentials { .. }) {
                            tracing::error!(error = %e, failures, ?pause, "DingTalk refused the app's credentials");
                        } else {
                            tracing::warn!(error = %e, failures, ?pause, "could not open a DingTalk Stream connection");
                        }
                        sink.connection(Err(format!("无法建立 Stream 连接：{e}")));
                        open_at = Instant::now() + pause;
                    }
                }
            }
            // DingTalk announced the end of the current connection: the next one opens now,
            // the old one keeps serving what it holds until DingTalk closes it (§2).
            Wake::GoingAway(id) => {
                if current == Some(id) {
                    current = None;
                    open_at = Instant::now();
                }
            }
            Wake::Ended(joined) => {
                let (id, ended) = ended(&mut ids, joined);
                if current == Some(id) {
                    current = None;
                    sink.connection(Err(format!("Stream 连接已断开：{}", ended.reason)));
                    if ended.lasted >= timing.stable_after {
                        failures = 0;
                    }
                    failures += 1;
                    let pause = timing.backoff(failures);
                    tracing::warn!(?pause, "DingTalk Stream connection lost; reconnecting");
                    open_at = Instant::now() + pause;
                }
            }
            Wake::Stop => break,
        }
    }
    while let Some(joined) = connections.join_next_with_id().await {
        ended(&mut ids, joined);
    }
    Ok(())
}

/// Which connection ended and how, logged; a panic in a connection's task is an end like any
/// other, so the client carries on with a new connection.
fn ended(
    ids: &mut HashMap<task::Id, u64>,
    joined: Result<(task::Id, Ended), JoinError>,
) -> (u64, Ended) {
    let (task, ended) = match joined {
        Ok(done) => done,
        Err(e) => {
            let reason = format!("the connection's task failed: {e}");
            let lasted = Duration::ZERO;
            (e.id(), Ended { reason, lasted })
        }
    };
    let id = ids.remove(&task).unwrap_or_default();
    tracing::info!(connection = id, reason = ended.reason, lasted = ?ended.lasted, "DingTalk Stream connection ended");
    (id, ended)
}

/// What woke the supervisor.
enum Wake {
    Open,
    GoingAway(u64),
    Ended(Result<(task::Id, Ended), JoinError>),
    Stop,
}

#[cfg(test)]
mod tests;
